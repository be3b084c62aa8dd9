"""The analysts' tables as Delta Lake tables (delta-rs): ``{output}/predictions`` and ``{output}/quarantine``.

Both are partitioned by ``run_date`` (the date of the run that last wrote a row). The Delta log is
the commit point: a reader (any engine) sees the table at a committed version, never a run in
progress. On S3, delta-rs commits a version with a conditional PUT (``If-None-Match: *``), so
concurrent writers cannot overwrite each other's commits; a writer that loses the race gets
``CommitFailedError`` and runs its operation again on the new version (``with_commit_retries``).
Credentials and endpoint come from the standard AWS environment variables, as for s3fs.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import pyarrow as pa
from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError, TableNotFoundError
from pydantic import BaseModel

from medflow.schema import OUTPUT_SCHEMA, QUARANTINE_SCHEMA
from medflow.storage import filesystem_for, join_uri

logger = logging.getLogger(__name__)

T = TypeVar("T")

PREDICTIONS = "predictions"
QUARANTINE = "quarantine"
PARTITION_COLUMN = "run_date"
_RUN_DATE = pa.field(PARTITION_COLUMN, pa.date32(), nullable=False)
TABLE_SCHEMAS: dict[str, pa.Schema] = {
    PREDICTIONS: OUTPUT_SCHEMA.append(_RUN_DATE),
    QUARANTINE: QUARANTINE_SCHEMA.append(_RUN_DATE),
}
# File statistics (min/max per column, in the Delta log) drive data skipping. Only for columns worth
# skipping on: statistics of the text or of patient metadata would copy values into the log.
TABLE_CONFIGURATION: dict[str, dict[str, str | None]] = {
    PREDICTIONS: {"delta.dataSkippingStatsColumns": "note_id,label,model_version,run_id,processed_at"},
    QUARANTINE: {},
}
CONVERT_COMMAND = "medflow tables convert --output {output}"


class TableVersion(BaseModel):
    uri: str
    version: int


class CommittedTables(BaseModel):
    """The table versions a run committed (or found, when it had nothing to commit)."""

    predictions: TableVersion
    quarantine: TableVersion


class NoCommittedRunError(FileNotFoundError):
    """No run has committed to this output yet: its tables do not exist."""


class LegacyLayoutError(RuntimeError):
    """The output holds Parquet-plus-manifest tables written before the Delta Lake tables."""


def table_uri(output_uri: str, name: str) -> str:
    return join_uri(output_uri, name)


def storage_options(uri: str) -> dict[str, str] | None:
    """delta-rs reads the AWS variables itself; an ``http://`` endpoint (moto, MinIO) must be allowed."""
    if uri.startswith("s3://") and os.environ.get("AWS_ENDPOINT_URL", "").startswith("http://"):
        return {"AWS_ALLOW_HTTP": "true"}
    return None


def is_legacy_layout(output_uri: str) -> bool:
    """Whether ``output_uri`` holds Parquet files of the old layout in a folder that is not a Delta table."""
    fs, root = filesystem_for(table_uri(output_uri, PREDICTIONS))
    if not fs.exists(root) or fs.exists(f"{root}/_delta_log"):
        return False
    return any(p.endswith(".parquet") for p in fs.find(root))


def check_layout(output_uri: str) -> None:
    """Refuse an output of the old layout with one line naming the command that converts it."""
    if is_legacy_layout(output_uri):
        raise LegacyLayoutError(
            f"{output_uri} holds Parquet-plus-manifest tables from before Delta Lake; "
            f"convert them first: {CONVERT_COMMAND.format(output=output_uri)}"
        )


def ensure_tables(output_uri: str) -> None:
    """Create both tables (empty, with their schema) if missing: they exist from the first commit on."""
    for name, schema in TABLE_SCHEMAS.items():
        uri = table_uri(output_uri, name)
        with_commit_retries(
            lambda uri=uri, name=name, schema=schema: DeltaTable.create(
                uri,
                schema=schema,
                mode="ignore",
                partition_by=[PARTITION_COLUMN],
                configuration=TABLE_CONFIGURATION[name],
                storage_options=storage_options(uri),
            ),
            what=f"create {uri}",
        )


def open_table(output_uri: str, name: str, as_of: int | datetime | None = None) -> DeltaTable:
    """The table at its latest version, or at ``as_of`` (a version number or a point in time)."""
    uri = table_uri(output_uri, name)
    try:
        table = DeltaTable(uri, storage_options=storage_options(uri))
    except TableNotFoundError:
        check_layout(output_uri)
        raise NoCommittedRunError(f"no run has committed to {output_uri} yet (no table {name})") from None
    if as_of is not None:
        table.load_as_version(as_of)
    return table


def with_commit_retries(
    operation: Callable[[], T], what: str, attempts: int = 8, base_delay_s: float = 0.2
) -> T:
    """Run ``operation`` (read the table, write, commit) again when a concurrent commit conflicts with it.

    delta-rs retries a commit by itself when the concurrent one touched nothing it read; a real
    conflict (both read the whole table, as every MERGE on the note key does) must be rerun whole.
    """
    attempt = 1
    while True:
        try:
            return operation()
        except CommitFailedError:
            if attempt >= attempts:
                raise
            delay = base_delay_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
            logger.info("%s conflicted with a concurrent commit; retry %d in %.1f s", what, attempt, delay)
            time.sleep(delay)
            attempt += 1


def history(output_uri: str, name: str, limit: int | None = None) -> list[dict[str, object]]:
    """One row per commit, newest first: version, time, operation, the medflow run and row counts."""
    rows = []
    for commit in open_table(output_uri, name).history(limit):
        metrics = commit.get("operationMetrics") or {}
        committed_at = datetime.fromtimestamp(commit["timestamp"] / 1000, tz=UTC)
        rows.append(
            {
                "version": commit["version"],
                "committed_at": committed_at.isoformat(timespec="seconds"),
                "operation": commit.get("operation"),
                "run_id": commit.get("medflow.run_id"),
                "run_date": commit.get("medflow.run_date"),
                "rows_inserted": metrics.get("num_target_rows_inserted", metrics.get("num_added_rows")),
                "rows_updated": metrics.get("num_target_rows_updated"),
                "rows_deleted": metrics.get("num_target_rows_deleted", metrics.get("num_deleted_rows")),
            }
        )
    return rows


def vacuum(output_uri: str, name: str, retention_hours: int | None = None, dry_run: bool = False) -> list[str]:
    """Delete data files no version younger than the retention period needs (default: the table's, 7 days).

    Time travel to versions older than the retention period stops working for the files removed.
    A shorter retention than the table's is refused by delta-rs.
    """
    return open_table(output_uri, name).vacuum(retention_hours=retention_hours, dry_run=dry_run)


def optimize(output_uri: str, name: str, target_size_mb: int | None = None) -> dict[str, object]:
    """Compact each partition's small files (one nightly MERGE adds a few) into larger ones; one commit."""
    target = target_size_mb * 1024 * 1024 if target_size_mb else None
    return with_commit_retries(
        lambda: open_table(output_uri, name).optimize.compact(target_size=target), what=f"optimize {name}"
    )
