"""medflow core: settings, storage, schema, validation, the Prefect-free pipeline, model wiring, the Delta tables."""

__version__ = "0.1.0"
