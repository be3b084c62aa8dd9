"""Developer tooling: the seeded generator of the synthetic sample notes and their gold PHI spans
(`generate`, one module per note kind), and the challenge-set builder (`challenge`)."""
