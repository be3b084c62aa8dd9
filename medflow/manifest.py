"""The run manifest: what one flow run read, wrote and quarantined, with counts and timings.

It is written last, and it is the commit point of a run: readers (``medflow query``) only see the
prediction files that a manifest lists.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from pydantic import BaseModel, Field

from medflow.pipeline import FileReport, RunContext
from medflow.storage import filesystem_for, join_uri, read_json, write_json


class ModelRef(BaseModel):
    name: str
    version: str


class RunTotals(BaseModel):
    """Totals over the files this run processed (skipped files were committed by an earlier run)."""

    files: int
    files_failed: int
    files_skipped: int
    rows_in: int
    rows_out: int
    rows_quarantined: int
    chunks: int
    tokens: int
    entities_by_type: dict[str, int]
    label_counts: dict[str, int]
    seconds_by_stage: dict[str, float]
    wall_seconds: float
    notes_per_s: float
    tokens_per_s: float


class RunManifest(BaseModel):
    run_id: str
    run_date: date
    status: str = Field(description="ok, or completed_with_quarantine when any row or file was quarantined")
    input_uri: str
    output_uri: str
    model: ModelRef
    started_at: datetime
    finished_at: datetime
    files: list[FileReport]
    totals: RunTotals


def summarize(all_reports: list[FileReport], wall_seconds: float) -> RunTotals:
    reports = [r for r in all_reports if r.status != "skipped"]
    entities: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    for r in reports:
        entities.update(r.entities)
        labels.update(r.labels)
        seconds.update(r.seconds)
    rows_out = sum(r.rows_out for r in reports)
    tokens = sum(r.tokens for r in reports)
    return RunTotals(
        files=len(reports),
        files_failed=sum(r.status == "failed" for r in reports),
        files_skipped=len(all_reports) - len(reports),
        rows_in=sum(r.rows_in for r in reports),
        rows_out=rows_out,
        rows_quarantined=sum(r.rows_quarantined for r in reports),
        chunks=sum(r.chunks for r in reports),
        tokens=tokens,
        entities_by_type=dict(sorted(entities.items())),
        label_counts=dict(sorted(labels.items())),
        seconds_by_stage={k: round(v, 3) for k, v in sorted(seconds.items())},
        wall_seconds=round(wall_seconds, 3),
        notes_per_s=round(rows_out / wall_seconds, 2) if wall_seconds > 0 else 0.0,
        tokens_per_s=round(tokens / wall_seconds, 1) if wall_seconds > 0 else 0.0,
    )


def build_manifest(
    ctx: RunContext, input_uri: str, reports: list[FileReport], started_at: datetime, finished_at: datetime
) -> RunManifest:
    totals = summarize(reports, (finished_at - started_at).total_seconds())
    return RunManifest(
        run_id=ctx.run_id,
        run_date=ctx.run_date,
        status="completed_with_quarantine" if totals.rows_quarantined or totals.files_failed else "ok",
        input_uri=input_uri,
        output_uri=ctx.output_uri,
        model=ModelRef(name=ctx.model_name, version=ctx.model_version),
        started_at=started_at,
        finished_at=finished_at,
        files=reports,
        totals=totals,
    )


def write_manifest(ctx: RunContext, manifest: RunManifest) -> str:
    uri = ctx.manifest_uri()
    fs, path = filesystem_for(uri)
    write_json(fs, path, manifest.model_dump(mode="json"))
    return uri


def load_manifests(output_uri: str, run_date: date | None = None) -> list[RunManifest]:
    """Every committed run manifest under ``output_uri`` (of one run date if given), oldest first."""
    partition = f"run_date={run_date.isoformat()}" if run_date else ""
    fs, root = filesystem_for(join_uri(output_uri, "manifests", partition))
    if not fs.exists(root):
        return []
    paths = sorted(p for p in fs.find(root) if p.endswith(".json"))
    manifests = [RunManifest.model_validate(read_json(fs, p)) for p in paths]
    return sorted(manifests, key=lambda m: m.finished_at)


def committed_reports(output_uri: str, run_date: date) -> dict[str, FileReport]:
    """The latest committed report of each input fingerprint in one run-date partition.

    A file whose fingerprint (content version + model version) is here needs no processing again.
    """
    committed: dict[str, FileReport] = {}
    for manifest in load_manifests(output_uri, run_date):
        for report in manifest.files:
            if report.status != "skipped":
                committed[report.fingerprint] = report
    return committed
