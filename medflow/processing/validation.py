"""Row checks before de-identification. Bad rows are quarantined with a reason; the rest go on.

Reasons never quote the offending value: it may be PHI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from medflow.schema import INPUT_SCHEMA


@dataclass(frozen=True, slots=True)
class RejectedRow:
    row_index: int | None  # position in the source object; None when the whole object is rejected
    note_id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class ValidatedBatch:
    table: pa.Table  # INPUT_SCHEMA columns, only accepted rows
    row_indices: list[int]  # source row index of each accepted row
    rejected: list[RejectedRow]


def _as_string_column(column: pa.ChunkedArray | pa.Array) -> tuple[list[str | None], list[bool]]:
    """Values as Python strings; the flag list marks values that are not valid UTF-8 text."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        values = column.to_pylist()
        return values, [False] * len(values)
    if pa.types.is_binary(column.type) or pa.types.is_large_binary(column.type):
        values: list[str | None] = []
        invalid: list[bool] = []
        for raw in column.to_pylist():
            try:
                values.append(None if raw is None else raw.decode("utf-8"))
                invalid.append(False)
            except UnicodeDecodeError:
                values.append(None)
                invalid.append(True)
        return values, invalid
    # Numbers and other scalars (e.g. an integer note_id column) are accepted as their string form.
    values = [None if v is None else str(v) for v in column.to_pylist()]
    return values, [False] * len(values)


def _parse_iso_timestamp(value: str | None) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime (no offset: UTC); None for null or blank.
    Raises ValueError for anything else."""
    if value is None or not value.strip():
        return None
    parsed = datetime.fromisoformat(value.strip())
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _created_at_column(batch: pa.RecordBatch) -> tuple[pa.Array, list[bool]]:
    """``created_at`` in UTC, and a flag per row whose value does not convert (the row is quarantined).

    The rule (README, Data contracts): timestamps keep their instant (no zone: UTC), truncated to
    microseconds; dates are midnight UTC; strings must be ISO 8601 dates or date-times (no offset: UTC;
    null or blank: null). Other types are refused for the whole file by `schema_problem`.
    """
    n = batch.num_rows
    target = INPUT_SCHEMA.field("created_at").type
    if "created_at" not in batch.schema.names:
        return pa.nulls(n, target), [False] * n
    column = batch.column("created_at")
    if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type) or pa.types.is_null(column.type):
        if pa.types.is_timestamp(column.type) and column.type.tz is None:
            column = pc.assume_timezone(column, "UTC")
        return pc.cast(column, target, safe=False), [False] * n
    values, invalid = _as_string_column(column)
    parsed: list[datetime | None] = []
    for i, value in enumerate(values):
        try:
            parsed.append(_parse_iso_timestamp(value))
        except ValueError:
            parsed.append(None)
            invalid[i] = True
    return pa.array(parsed, target), invalid


def validate_batch(
    batch: pa.RecordBatch, first_row_index: int, seen_note_ids: set[str], max_note_chars: int
) -> ValidatedBatch:
    """Split a record batch into rows fit for processing and rejected rows with reasons.

    ``seen_note_ids`` carries note ids across the batches of one file, so a duplicate is rejected
    wherever it occurs (the first occurrence wins).
    """
    n = batch.num_rows
    columns: dict[str, list[str | None]] = {}
    invalid_text = [False] * n
    for name in ("note_id", "patient_id", "note_type", "note_text"):
        if name in batch.schema.names:
            values, invalid = _as_string_column(batch.column(name))
            columns[name] = values
            if name == "note_text":
                invalid_text = invalid
        else:
            columns[name] = [None] * n

    created_at, bad_created_at = _created_at_column(batch)
    keep: list[int] = []
    rejected: list[RejectedRow] = []
    for i in range(n):
        note_id, text = columns["note_id"][i], columns["note_text"][i]
        reason = None
        if note_id is None or not note_id.strip():
            reason = "missing note_id"
        elif invalid_text[i]:
            reason = "note_text is not valid UTF-8"
        elif text is None:
            reason = "missing note_text"
        elif not text.strip():
            reason = "empty note_text"
        elif len(text) > max_note_chars:
            reason = f"note_text longer than {max_note_chars} characters"
        elif note_id in seen_note_ids:
            reason = "duplicate note_id"
        elif bad_created_at[i]:
            reason = "created_at is not an ISO 8601 date or timestamp"
        if reason is None:
            seen_note_ids.add(note_id)
            keep.append(i)
        else:
            rejected.append(RejectedRow(first_row_index + i, note_id, reason))

    arrays = [pa.array([columns[name][i] for i in keep], pa.string()) for name in columns]
    arrays.insert(4, created_at.take(pa.array(keep, pa.int64())))
    table = pa.Table.from_arrays(arrays, schema=INPUT_SCHEMA)
    return ValidatedBatch(table, [first_row_index + i for i in keep], rejected)
