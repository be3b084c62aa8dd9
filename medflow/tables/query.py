"""SQL over the committed Delta tables with Polars: the current snapshot, or one in the past.

A run in progress, or one killed before its commit, is invisible: readers see committed versions
only. ``run_date`` is a column of both tables. Statements other than reads of the two tables are
refused before anything is opened (``medflow.tables.sql_sandbox``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl

from medflow.tables.delta import PREDICTIONS, QUARANTINE, open_table
from medflow.tables.sql_sandbox import checked_query


def parse_as_of(value: str) -> int | datetime:
    """A version number of ``predictions`` (``7``) or an ISO 8601 point in time (UTC if it has no zone)."""
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--as-of takes a table version or an ISO timestamp, got {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with nested columns (``labels``) as JSON text: CSV has no nested values."""
    nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
    return frame.with_columns(
        pl.col(name).map_elements(lambda v: json.dumps(v.to_list() if isinstance(v, pl.Series) else v),
                                  return_dtype=pl.String)
        for name in nested
    )


def run_query(sql: str, output_uri: str, as_of: int | datetime | None = None) -> pl.DataFrame:
    """Run ``sql`` against ``predictions`` and ``quarantine`` under ``output_uri``.

    ``as_of`` a version number is a version of ``predictions`` (what a run manifest names);
    ``quarantine`` is then read as of that version's commit time, so both show the same runs.
    Raises `QueryRefused` (a ValueError) for anything but a read of the two tables.
    """
    statement = checked_query(sql, (PREDICTIONS, QUARANTINE))
    predictions = open_table(output_uri, PREDICTIONS, as_of)
    quarantine_as_of = as_of
    if isinstance(as_of, int):
        commit = next(c for c in predictions.history() if c["version"] == as_of)
        quarantine_as_of = datetime.fromtimestamp(commit["timestamp"] / 1000, tz=UTC)
    quarantine = open_table(output_uri, QUARANTINE, quarantine_as_of)
    context = pl.SQLContext()
    context.register(PREDICTIONS, pl.scan_delta(predictions))
    context.register(QUARANTINE, pl.scan_delta(quarantine))
    return context.execute(statement, eager=True)
