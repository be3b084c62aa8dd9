"""Prefect tasks: thin wrappers over the plain functions in medflow, deid and inference."""
