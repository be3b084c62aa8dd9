"""Prefect artifacts of a run: a per-file table, a markdown summary with small text charts, and progress.

Only counts, timings, file names, model ids and quarantine reasons go in: never note text or any
value taken from a note (the manifest holds none, and this module reads only the manifest).
Rendering is plain functions; ``publish_*`` hand the result to Prefect.
"""

from __future__ import annotations

import logging
import posixpath
import time
from collections.abc import Mapping, Sequence
from uuid import UUID

from medflow.run_types import FileReport
from medflow.tables.manifest import RunManifest
from medflow.tables.partitions import PartitionRun

logger = logging.getLogger(__name__)

BAR_WIDTH = 30
_EIGHTHS = " ▏▎▍▌▋▊▉"


def file_name(uri: str) -> str:
    return posixpath.basename(uri.rstrip("/"))


def file_notes_per_s(report: FileReport) -> float:
    """Notes written per second of this file's processing (all stages, one worker)."""
    busy = sum(report.seconds.values())
    return round(report.rows_out / busy, 2) if busy > 0 else 0.0


def bar(value: float, peak: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar in eighths of a character, ``width`` characters at ``peak``."""
    if peak <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / peak * width * 8))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


def bar_chart(values: Mapping[str, float], unit: str = "", fmt: str = "{:g}") -> str:
    """Rows ``label  ████▍ value`` sorted by value, as a fenced block (monospace in the Prefect UI)."""
    if not values:
        return "_none_"
    peak = max(values.values())
    label_w = max(len(k) for k in values)
    bar_w = len(bar(peak, peak))
    lines = [
        f"{label:<{label_w}}  {bar(value, peak):<{bar_w}}  {fmt.format(value)}{unit}"
        for label, value in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return "```text\n" + "\n".join(lines) + "\n```"


def files_table(manifest: RunManifest) -> list[dict[str, object]]:
    """One row per input file plus a TOTAL row (totals exclude files skipped as already committed)."""
    entity_types = sorted({t for f in manifest.files for t in f.entities} | set(manifest.totals.entities_by_type))
    rows: list[dict[str, object]] = []
    for f in manifest.files:
        rows.append(
            {
                "file": file_name(f.source),
                "status": f.status,
                "rows_in": f.rows_in,
                "rows_out": f.rows_out,
                "rows_quarantined": f.rows_quarantined,
                "notes_per_s": file_notes_per_s(f),
                "entities_removed": sum(f.entities.values()),
                **{t: f.entities.get(t, 0) for t in entity_types},
                "model_version": manifest.model.version,
                "note": f.error or "",
            }
        )
    t = manifest.totals
    rows.append(
        {
            "file": f"TOTAL ({t.files} processed, {t.files_skipped} skipped)",
            "status": manifest.status,
            "rows_in": t.rows_in,
            "rows_out": t.rows_out,
            "rows_quarantined": t.rows_quarantined,
            "notes_per_s": t.notes_per_s,
            "entities_removed": sum(t.entities_by_type.values()),
            **{k: t.entities_by_type.get(k, 0) for k in entity_types},
            "model_version": manifest.model.version,
            "note": f"wall {t.wall_seconds:.1f} s",
        }
    )
    return rows


def summary_markdown(manifest: RunManifest, title: str = "Nightly run") -> str:
    t = manifest.totals
    quarantined = [f for f in manifest.files if f.status in ("failed", "partial")]
    parts = [
        f"# {title} {manifest.run_date}: {manifest.status}",
        f"Run `{manifest.run_id}` · model `{manifest.model.name}` version `{manifest.model.version}` · "
        f"wall {t.wall_seconds:.1f} s · "
        + (
            f"committed `predictions` version {manifest.tables.predictions.version}, "
            f"`quarantine` version {manifest.tables.quarantine.version}"
            if manifest.tables
            else "staged, not committed yet"
        ),
        "| files | failed | skipped | rows in | rows out | quarantined | PHI entities removed | notes/s | tokens/s |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        f"| {t.files} | {t.files_failed} | {t.files_skipped} | {t.rows_in} | {t.rows_out} | {t.rows_quarantined} "
        f"| {sum(t.entities_by_type.values())} | {t.notes_per_s:.1f} | {t.tokens_per_s:.0f} |",
        "## PHI entities removed, by type",
        bar_chart(t.entities_by_type),
        "## Seconds by stage",
        "Summed over files; classification overlaps reading and de-identification, so stages can add up "
        "to more than the wall time.",
        bar_chart(t.seconds_by_stage, unit=" s", fmt="{:.1f}"),
        "## Predicted labels",
        "Notes by their top label.",
        bar_chart(t.label_counts),
        "## Every label above its threshold",
        "Notes carrying each label (a note counts under each of its labels: the `labels` column).",
        bar_chart(t.labels_above_counts),
    ]
    if quarantined:
        parts.append("## Quarantine")
        parts.extend(
            f"- `{file_name(f.source)}`: {f.status}, {f.rows_quarantined} row(s)"
            + (f" ({f.error})" if f.error else "")
            for f in quarantined
        )
    return "\n\n".join(parts) + "\n"


def partitions_table(runs: Sequence[PartitionRun]) -> list[dict[str, object]]:
    """One row per fan-out partition: which flow run processed it, its final state and its counts."""
    rows: list[dict[str, object]] = []
    for run in runs:
        t = run.manifest.totals if run.manifest else None
        rows.append(
            {
                "partition": run.partition.spec,
                "flow_run": run.flow_run_name,
                "state": run.state,
                "files": t.files + t.files_skipped if t else 0,
                "rows_in": t.rows_in if t else 0,
                "rows_out": t.rows_out if t else 0,
                "rows_quarantined": t.rows_quarantined if t else 0,
                "notes_per_s": t.notes_per_s if t else 0.0,
            }
        )
    return rows


def publish_run_artifacts(manifest: RunManifest, key: str = "nightly", title: str = "Nightly run") -> list[UUID]:
    """Attach ``{key}-files`` (table) and ``{key}-summary`` (markdown) to the current flow run."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    return [
        create_table_artifact(
            files_table(manifest), key=f"{key}-files", description=f"Files of run {manifest.run_id}"
        ),
        create_markdown_artifact(
            summary_markdown(manifest, title), key=f"{key}-summary", description=f"Summary of run {manifest.run_id}"
        ),
    ]


def publish_partitions_artifact(runs: Sequence[PartitionRun], key: str = "nightly-fanout") -> UUID:
    from prefect.artifacts import create_table_artifact

    return create_table_artifact(partitions_table(runs), key=f"{key}-partitions", description="Fan-out partitions")


class ProgressArtifact:
    """A progress artifact of the current flow run (percent done) and the ``ProgressSink`` that updates it.

    Each update is an API call: at most one per ``every_s`` seconds, and always the last one (100 %).
    Progress is for people watching; an API hiccup while updating it does not fail the run.
    """

    def __init__(self, key: str, description: str, every_s: float = 5.0) -> None:
        from prefect.artifacts import create_progress_artifact

        self.artifact_id = create_progress_artifact(0.0, key=key, description=description)
        self.every_s = every_s
        self.percent = 0.0
        self._updated_at = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        from prefect.artifacts import update_progress_artifact

        percent = 100.0 if total <= 0 else round(100.0 * done / total, 1)
        if percent == self.percent or (percent < 100.0 and time.monotonic() - self._updated_at < self.every_s):
            return
        try:
            update_progress_artifact(self.artifact_id, percent)
        except Exception as exc:  # noqa: BLE001 - see the class docstring
            logger.warning("could not update progress artifact %s (%s)", self.artifact_id, type(exc).__name__)
            return
        self.percent, self._updated_at = percent, time.monotonic()
