"""The analysts' Delta tables and everything that writes or reads them: the commit of staged files,
the run lock, run manifests, fan-out merging, queries and the conversion of the old layout.

Imports no processing module (an import-linter contract): the run's types come from `medflow.run_types`.
"""
