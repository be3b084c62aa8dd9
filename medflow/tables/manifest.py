"""The run manifest: what one flow run read, wrote and quarantined, with counts and timings.

It is the run's report, not its commit point: the Delta commits are (``medflow.tables.commit``), and the
manifest, written right after them, names the table versions they created. Its file fingerprints
let a rerun of the same date skip input files already committed. A run killed between its commits
and its manifest is simply redone by the rerun: the MERGE replaces the same rows.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from pydantic import BaseModel, Field

from medflow.run_types import STAGING_FOLDER, FileReport, RunContext
from medflow.storage import filesystem_for, join_uri, read_json, write_json
from medflow.tables.delta import CommittedTables


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
    label_counts: dict[str, int]  # notes per top label
    labels_above_counts: dict[str, int] = {}  # notes per label among all above their threshold (absent: old run)
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
    tables: CommittedTables | None = Field(
        None, description="Table versions the run committed; None in a partition's staged report (and in old manifests)"
    )

    @property
    def committed_nothing(self) -> bool:
        """Whether every input was skipped (committed before): the tables did not change."""
        return bool(self.files) and all(r.status == "skipped" for r in self.files)


def summarize(all_reports: list[FileReport], wall_seconds: float) -> RunTotals:
    reports = [r for r in all_reports if r.status != "skipped"]
    entities: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    labels_above: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    for r in reports:
        entities.update(r.entities)
        labels.update(r.labels)
        labels_above.update(r.labels_above)
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
        labels_above_counts=dict(sorted(labels_above.items())),
        seconds_by_stage={k: round(v, 3) for k, v in sorted(seconds.items())},
        wall_seconds=round(wall_seconds, 3),
        notes_per_s=round(rows_out / wall_seconds, 2) if wall_seconds > 0 else 0.0,
        tokens_per_s=round(tokens / wall_seconds, 1) if wall_seconds > 0 else 0.0,
    )


def run_status(totals: RunTotals) -> str:
    return "completed_with_quarantine" if totals.rows_quarantined or totals.files_failed else "ok"


def build_manifest(
    ctx: RunContext,
    input_uri: str,
    reports: list[FileReport],
    started_at: datetime,
    finished_at: datetime,
    tables: CommittedTables | None = None,
) -> RunManifest:
    totals = summarize(reports, (finished_at - started_at).total_seconds())
    return RunManifest(
        run_id=ctx.run_id,
        run_date=ctx.run_date,
        status=run_status(totals),
        input_uri=input_uri,
        output_uri=ctx.output_uri,
        model=ModelRef(name=ctx.model_name, version=ctx.model_version),
        started_at=started_at,
        finished_at=finished_at,
        files=reports,
        totals=totals,
        tables=tables,
    )


def manifest_uri(output_uri: str, run_date: date, run_id: str) -> str:
    return join_uri(output_uri, "manifests", f"run_date={run_date.isoformat()}", f"{run_id}.json")


def write_manifest(manifest: RunManifest) -> str:
    uri = manifest_uri(manifest.output_uri, manifest.run_date, manifest.run_id)
    fs, path = filesystem_for(uri)
    write_json(fs, path, manifest.model_dump(mode="json"))
    return uri


def staged_manifest_uri(output_uri: str, run_date: date, run_id: str) -> str:
    """A fan-out partition's report of what it staged; its parent commits the staged files."""
    return join_uri(output_uri, STAGING_FOLDER, f"run_date={run_date.isoformat()}", run_id, "manifest.json")


def write_staged_manifest(manifest: RunManifest) -> str:
    uri = staged_manifest_uri(manifest.output_uri, manifest.run_date, manifest.run_id)
    fs, path = filesystem_for(uri)
    write_json(fs, path, manifest.model_dump(mode="json"))
    return uri


def load_staged_manifest(output_uri: str, run_date: date, run_id: str) -> RunManifest | None:
    fs, path = filesystem_for(staged_manifest_uri(output_uri, run_date, run_id))
    if not fs.exists(path):
        return None
    return RunManifest.model_validate(read_json(fs, path))


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
