"""Arrow schemas of the batch path: what the flow reads, writes and quarantines."""

from __future__ import annotations

import pyarrow as pa

# Columns the flow needs from every input file. Extra columns are ignored (never copied to outputs).
INPUT_SCHEMA = pa.schema(
    [
        pa.field("note_id", pa.string()),
        pa.field("patient_id", pa.string()),
        pa.field("note_type", pa.string()),
        pa.field("note_text", pa.string()),
        pa.field("created_at", pa.timestamp("us", tz="UTC")),
    ]
)
REQUIRED_COLUMNS: tuple[str, ...] = ("note_id", "note_text")

# Every label above its threshold with its probability, best first (the top label alone for a
# single-label model). Added after the first release: rows committed before it hold null.
LABEL_SCORE = pa.struct(
    [pa.field("label", pa.string(), nullable=False), pa.field("score", pa.float32(), nullable=False)]
)
LABELS_TYPE = pa.list_(pa.field("item", LABEL_SCORE, nullable=False))
ADDED_COLUMNS: tuple[str, ...] = ("labels",)

# The predictions table analysts query. Raw note_text is never part of it.
OUTPUT_SCHEMA = pa.schema(
    [
        pa.field("note_id", pa.string(), nullable=False),
        pa.field("patient_id", pa.string()),
        pa.field("note_type", pa.string()),
        pa.field("created_at", pa.timestamp("us", tz="UTC")),
        pa.field("deid_text", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("score", pa.float32(), nullable=False),
        pa.field("labels", LABELS_TYPE),
        pa.field("n_chunks", pa.int32(), nullable=False),
        pa.field("model_name", pa.string(), nullable=False),
        pa.field("model_version", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("processed_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)

# Rows (or whole files) that could not be processed. The raw text is NOT copied here: the row is
# identified by its source object and row index, so it can be re-read from the (untouched) input.
QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("row_index", pa.int64()),
        pa.field("note_id", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
    ]
)


def output_columns(batch: pa.RecordBatch) -> list[pa.Array]:
    """``batch``'s columns in ``OUTPUT_SCHEMA`` order; a column added since (``ADDED_COLUMNS``) is null
    when ``batch`` was written before it existed (staged by the previous version, the old layout)."""
    present = set(batch.schema.names)
    return [
        pa.nulls(batch.num_rows, f.type) if f.name in ADDED_COLUMNS and f.name not in present else batch[f.name]
        for f in OUTPUT_SCHEMA
    ]


def _is_text(data_type: pa.DataType) -> bool:
    # An all-null column is typed `null` by writers; its rows are quarantined one by one as missing.
    return (
        pa.types.is_null(data_type)
        or pa.types.is_string(data_type)
        or pa.types.is_large_string(data_type)
        or pa.types.is_binary(data_type)
        or pa.types.is_large_binary(data_type)
    )


def schema_problem(schema: pa.Schema) -> str | None:
    """Why an input object cannot be processed at all, or None. Other columns are coerced per row."""
    missing = [c for c in REQUIRED_COLUMNS if c not in schema.names]
    if missing:
        return f"missing required column(s): {', '.join(missing)}"
    text_type = schema.field("note_text").type
    if not _is_text(text_type):
        return f"note_text has type {text_type}, expected string"
    if "created_at" in schema.names:
        created_type = schema.field("created_at").type
        if not (_is_text(created_type) or pa.types.is_timestamp(created_type) or pa.types.is_date(created_type)):
            return f"created_at has type {created_type}, expected a timestamp, a date or ISO 8601 strings"
    return None
