"""medflow: nightly de-identification and classification of clinical notes."""

__version__ = "0.1.0"
