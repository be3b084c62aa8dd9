"""Batch processing of input objects, Prefect-free: plan the run, validate, de-identify, classify, stage.

What it stages becomes part of the tables only through `medflow.tables.commit`.
"""
