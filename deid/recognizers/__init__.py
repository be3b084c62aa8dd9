"""Clinical PHI recognizers for Presidio: one small class per identifier kind, assembled by
`deid.registry`; their word lists are in `lexicon`, their tests in `tests/deid/recognizers/`."""
