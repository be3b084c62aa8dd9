"""A run's plan: its context (the model it runs) and which input objects it processes or skips.

A rerun of a date skips the objects already committed for that date and model version (their
fingerprints are in the date's committed manifests) unless forced; a fan-out partition sees only its
share of the listing. The flow processes what the plan says and reports the files in listing order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from medflow.processing.stages import build_stages
from medflow.run_types import FileReport, RunContext
from medflow.settings import Settings
from medflow.storage import InputObject
from medflow.tables.manifest import committed_reports
from medflow.tables.partitions import Partition


def run_context(settings: Settings, run_id: str, run_date: date, output_uri: str, started_at: datetime) -> RunContext:
    """The context of a run of the configured model; builds this process's stages (`build_stages`)."""
    _, model = build_stages(settings)
    return RunContext(
        run_id=run_id,
        run_date=run_date,
        output_uri=output_uri,
        model_name=model.model_name,
        model_version=model.model_version,
        processed_at=started_at,
        read_batch_rows=settings.read_batch_rows,
        max_note_chars=settings.max_note_chars,
    )


@dataclass(frozen=True, slots=True)
class PlannedFile:
    source: InputObject
    committed: FileReport | None  # its report in an earlier run of the date: skip it


@dataclass(frozen=True, slots=True)
class RunPlan:
    files: list[PlannedFile]  # the run's share of the listing, in listing order

    @property
    def to_process(self) -> list[InputObject]:
        return [f.source for f in self.files if f.committed is None]

    @property
    def skipped(self) -> list[InputObject]:
        return [f.source for f in self.files if f.committed is not None]

    def reports(self, processed: Sequence[FileReport]) -> list[FileReport]:
        """Every file's report in listing order: ``processed`` (in `to_process` order) and the skipped
        files' earlier reports, marked ``skipped``."""
        if len(processed) != len(self.to_process):
            raise ValueError(f"{len(processed)} report(s) for {len(self.to_process)} file(s) to process")
        fresh: Iterator[FileReport] = iter(processed)
        return [
            next(fresh) if f.committed is None else dataclasses.replace(f.committed, status="skipped")
            for f in self.files
        ]


def plan_run(
    sources: Sequence[InputObject], ctx: RunContext, partition: Partition | None = None, force: bool = False
) -> RunPlan:
    """What the run processes of the listed ``sources``: its partition's share, less what was committed
    for the run's date and model version (nothing is skipped with ``force``)."""
    committed = {} if force else committed_reports(ctx.output_uri, ctx.run_date)
    selected = partition.select(sources) if partition else list(sources)
    return RunPlan([PlannedFile(s, committed.get(s.fingerprint(ctx.model_version))) for s in selected])
