"""medflow core: settings, storage, schema, the run's shared types (`medflow.run_types`), model wiring,
batch processing (`medflow.processing`) and the Delta tables with their commit (`medflow.tables`)."""

__version__ = "0.1.0"
