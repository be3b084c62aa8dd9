"""Terminal output of a run (used by `medflow run` and `medflow demo`): its progress bar and its summary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from medflow.processing.progress import watch_progress
from medflow.tables.manifest import RunManifest


@contextmanager
def progress_bar(console: Console) -> Iterator[None]:
    """A bar of input rows done, for the runs this process starts inside the block."""
    bar = Progress(TextColumn("[bold]notes"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console)
    task_id = bar.add_task("notes", total=None)

    def show(done: int, total: int) -> None:
        bar.update(task_id, completed=done, total=total)

    with bar, watch_progress(show):
        yield


def print_run_summary(manifest: RunManifest, console: Console) -> None:
    t = manifest.totals
    overview = Table(title=f"Run {manifest.run_id} ({manifest.run_date})", show_header=False)
    overview.add_row("model", f"{manifest.model.name} v{manifest.model.version}")
    overview.add_row("files", f"{t.files} ({t.files_failed} quarantined whole)")
    overview.add_row("rows in / out / quarantined", f"{t.rows_in} / {t.rows_out} / {t.rows_quarantined}")
    overview.add_row("chunks / tokens", f"{t.chunks} / {t.tokens}")
    overview.add_row("wall time", f"{t.wall_seconds:.1f} s")
    overview.add_row("throughput", f"{t.notes_per_s:.1f} notes/s, {t.tokens_per_s:.0f} tokens/s")
    overview.add_row("stage seconds", ", ".join(f"{k} {v:.1f}" for k, v in t.seconds_by_stage.items()))
    overview.add_row("status", manifest.status)
    if manifest.committed_nothing:
        overview.add_row("committed", "nothing (every input was committed before)")
    elif manifest.tables is not None:
        overview.add_row(
            "committed",
            f"predictions v{manifest.tables.predictions.version}, quarantine v{manifest.tables.quarantine.version}",
        )
    console.print(overview)

    entities = Table(title="PHI entities removed")
    entities.add_column("type")
    entities.add_column("count", justify="right")
    for label, count in sorted(t.entities_by_type.items(), key=lambda kv: -kv[1]):
        entities.add_row(label, str(count))
    entities.add_row("[b]total", f"[b]{sum(t.entities_by_type.values())}")

    labels = Table(title="Predicted labels")
    labels.add_column("label")
    labels.add_column("notes", justify="right")
    for label, count in t.label_counts.items():
        labels.add_row(label, str(count))
    console.print(entities, labels)
