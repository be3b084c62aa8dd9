"""SQL over the committed output tables with Polars.

Only files listed by a run manifest are visible: a run that crashed before committing its manifest
leaves nothing an analyst can read.
"""

from __future__ import annotations

import polars as pl

from medflow.manifest import load_manifests


def committed_tables(output_uri: str) -> dict[str, list[str]]:
    """Object URIs of each table (``predictions``, ``quarantine``) committed under ``output_uri``."""
    predictions: dict[str, None] = {}
    quarantine: dict[str, None] = {}
    for manifest in load_manifests(output_uri):
        for report in manifest.files:
            if report.output:
                predictions[report.output] = None
            if report.quarantine:
                quarantine[report.quarantine] = None
    return {"predictions": list(predictions), "quarantine": list(quarantine)}


def run_query(sql: str, output_uri: str) -> pl.DataFrame:
    """Run ``sql`` against the tables ``predictions`` and ``quarantine`` under ``output_uri``."""
    tables = committed_tables(output_uri)
    if not tables["predictions"]:
        raise FileNotFoundError(f"no committed run under {output_uri} (no manifest found)")
    context = pl.SQLContext()
    for name, uris in tables.items():
        if uris:
            context.register(name, pl.scan_parquet(uris))
    return context.execute(sql, eager=True)
