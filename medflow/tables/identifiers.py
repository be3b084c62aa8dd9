"""What the tables hold instead of the input's identifiers: keyed pseudonyms of ids, shifted times.

One implementation for everything that writes rows: the batch path (``medflow.processing.pipeline``) and the
conversion of old outputs (``medflow.tables.migrate``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

# (kind, identifier) -> keyed pseudonym; kind is "note_id" or "patient_id".
Pseudonymize = Callable[[str, str], str]

# Shifted times outside years 1-9999 are redacted (null), as out-of-range dates in the text are.
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def pseudonym_column(kind: str, ids: pa.Array | pa.ChunkedArray, pseudonymize: Pseudonymize) -> pa.Array:
    """Keyed pseudonyms of an id column; a missing or blank id stays null (it identifies nothing)."""
    return pa.array([pseudonymize(kind, v) if v and v.strip() else None for v in ids.to_pylist()], pa.string())


def shifted_times(created_at: pa.Array, shift_days: Sequence[int | None]) -> pa.Array:
    """`created_at` moved by each note's date offset (the one its text's dates moved by); null where
    the note has none, so an unshifted time never reaches the table, or where the result leaves years
    1-9999 (an overflow lands there too)."""
    offsets = pa.array([None if d is None else timedelta(days=d) for d in shift_days], pa.duration("us"))
    shifted = pc.add(created_at, offsets)
    kind = shifted.type
    in_range = pc.and_(
        pc.greater_equal(shifted, pa.scalar(EARLIEST, kind)), pc.less_equal(shifted, pa.scalar(LATEST, kind))
    )
    return pc.if_else(in_range, shifted, pa.scalar(None, kind))
