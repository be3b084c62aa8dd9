"""Clinical PHI recognizers for Presidio: one small class per identifier kind, assembled by
`deid.registry`. Tests live beside each recognizer (`test_*.py`)."""
