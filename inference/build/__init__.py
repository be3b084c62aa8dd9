"""Model building (export, quantization check, training): needs torch/transformers (the `export` extra).

Serving (the API, the batch core, the Triton backend) imports only the runtime modules of `inference`,
never this package (import-linter contract in pyproject.toml).
"""
