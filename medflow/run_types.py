"""The run's shared types: what processing produces and the tables side commits and reports.

Both subpackages import these (``medflow.processing`` writes staged files under a `RunContext` and
returns a `FileReport` per input object; ``medflow.tables`` commits them and lists them in the run's
manifest), so neither depends on the other's modules for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from medflow.storage import InputObject, join_uri

STAGING_FOLDER = "_staging"


class DeidOutput(Protocol):
    """One de-identified note, as the batch path and the gateway use it."""

    @property
    def text(self) -> str: ...
    @property
    def entity_counts(self) -> Mapping[str, int]: ...
    @property
    def date_shift_days(self) -> int | None: ...  # the note's date offset; created_at moves by it (None: null)


def no_lease_check() -> None:
    """The default ``before_write``: nothing to check (unit tests, the benchmark)."""


@dataclass(frozen=True, slots=True)
class RunContext:
    run_id: str
    run_date: date
    output_uri: str
    model_name: str
    model_version: str
    processed_at: datetime
    read_batch_rows: int = 128
    max_note_chars: int = 1_000_000

    def partition(self, folder: str) -> str:
        return join_uri(self.output_uri, folder, f"run_date={self.run_date.isoformat()}")

    def staging_uri(self) -> str:
        """Where this run stages its Parquet until the commit; never read by analysts."""
        return join_uri(self.partition(STAGING_FOLDER), self.run_id)

    def object_name(self, source: InputObject) -> str:
        """Staged name derived from the input's content version and the model: a retried file overwrites."""
        return f"{source.stem}-{source.fingerprint(self.model_version)}.parquet"

    def prediction_uri(self, source: InputObject) -> str:
        return join_uri(self.staging_uri(), "predictions", self.object_name(source))

    def quarantine_uri(self, source: InputObject) -> str:
        return join_uri(self.staging_uri(), "quarantine", self.object_name(source))


@dataclass(slots=True)
class FileReport:
    """What happened to one input object. Counts reconcile: rows_in = rows_out + rows_quarantined."""

    source: str
    fingerprint: str
    output: str | None = None
    quarantine: str | None = None
    status: str = "ok"  # ok | partial (some rows quarantined) | failed (file quarantined) | skipped
    error: str | None = None
    rows_in: int = 0
    rows_out: int = 0
    rows_quarantined: int = 0
    chunks: int = 0
    tokens: int = 0
    entities: dict[str, int] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)  # notes per top label
    labels_above: dict[str, int] = field(default_factory=dict)  # notes per label among all above their threshold
    seconds: dict[str, float] = field(default_factory=dict)
