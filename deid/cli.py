"""`medflow deid ...`: detect PHI spans in a JSONL file, evaluate against gold sets.

Heavy imports (Presidio, spaCy) stay inside the commands so that `medflow --help` is fast. Nothing
here prints or logs note text: only counts, rates and timings."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True)

READ_BATCH = 512


def _read_input_batches(path: Path):
    """Yield lists of (id, text), READ_BATCH at a time, in file order."""
    batch: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            try:
                row = json.loads(line)
                batch.append((str(row["id"]), str(row["text"])))
            except (KeyError, TypeError, ValueError) as exc:
                raise typer.BadParameter(
                    f"line {number} of {path.name} is not {{'id', 'text'}} JSON ({type(exc).__name__})"
                ) from None
            if len(batch) >= READ_BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


@app.command()
def detect(
    input: Path = typer.Option(..., "--input", exists=True, dir_okay=False, help="JSONL lines {id, text}"),
    output: Path = typer.Option(..., "--output", help="JSONL lines {id, spans: [{start, end, label, score}]}"),
) -> None:
    """Detect PHI spans: one output line per input line, same order, offsets into the input text. A
    text whose analysis did not complete gets `{"id", "error": "deid_incomplete"}` and the command
    exits with status 1 after writing every line."""
    from deid.engine import get_engine
    from deid.outcomes import DeidIncomplete

    engine = get_engine()
    chars = rows = incomplete = 0
    started = time.perf_counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as out:
        for batch in _read_input_batches(input):
            outcomes = engine.analyze([text for _, text in batch])
            for (note_id, text), found in zip(batch, outcomes, strict=True):
                record: dict[str, object]
                if isinstance(found, DeidIncomplete):
                    record = {"id": note_id, "error": DeidIncomplete.REASON}
                    incomplete += 1
                else:
                    spans = [{"start": s.start, "end": s.end, "label": s.label, "score": s.score} for s in found]
                    record = {"id": note_id, "spans": spans}
                out.write(json.dumps(record) + "\n")
                chars += len(text)
                rows += 1
    seconds = time.perf_counter() - started
    typer.echo(
        f"{rows} records, {chars} characters in {seconds:.2f} s ({chars / max(seconds, 1e-9):,.0f} chars/s)",
        err=True,
    )
    if incomplete:
        typer.echo(f"{incomplete} record(s) could not be analysed completely: {DeidIncomplete.REASON}", err=True)
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    gold: list[Path] = typer.Option(
        [], "--gold", exists=True, dir_okay=False, help="Gold JSONL {id, text, spans} (repeatable)"
    ),
    presidio_synth: bool = typer.Option(
        False, "--presidio-synth", help="Also score the presidio-research synthetic set (Settings.deid_eval_dir)"
    ),
    eval_dir: Path | None = typer.Option(None, "--eval-dir", help="Overrides Settings.deid_eval_dir"),
    json_out: Path | None = typer.Option(None, "--json-out", help="Also write the JSON report to this file"),
) -> None:
    """Token-level, type-blind recall / precision / F2, per-label recall and the false-redaction rate
    on PHI-free records; printed as a table and as JSON."""
    from deid.engine import get_engine
    from deid.goldsets import read_gold_jsonl, read_presidio_synth
    from deid.metrics import score
    from medflow.settings import get_settings

    sets = {path.name: list(read_gold_jsonl(path)) for path in gold}
    if presidio_synth:
        sets["presidio-research-synth"] = list(read_presidio_synth(eval_dir or get_settings().deid_eval_dir))
    if not sets:
        raise typer.BadParameter("give --gold and/or --presidio-synth")
    engine = get_engine()
    report: dict[str, dict[str, object]] = {}
    for name, records in sets.items():
        started = time.perf_counter()
        detected = engine.detect([r.text for r in records])
        seconds = time.perf_counter() - started
        scores = score(records, [[(s.start, s.end) for s in spans] for spans in detected])
        chars = sum(len(r.text) for r in records)
        report[name] = scores.as_dict() | {
            "records": len(records),
            "characters": chars,
            "detect_seconds": round(seconds, 3),
            "chars_per_second": round(chars / max(seconds, 1e-9)),
        }
    _print_table(report)
    text = json.dumps(report, indent=2)
    typer.echo(text)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text + "\n", encoding="utf-8")


def _print_table(report: dict[str, dict[str, object]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout, width=120)
    summary = Table(title="De-identification, token level (type-blind)")
    for column in ["set", "records", "recall", "precision", "F2", "false-redaction", "chars/s"]:
        summary.add_column(column, justify="right" if column != "set" else "left")
    for name, r in report.items():
        summary.add_row(
            name, str(r["records"]), f"{r['recall']:.4f}", f"{r['precision']:.4f}", f"{r['f2']:.4f}",
            f"{r['false_redaction_rate']:.4f} ({r['phi_free_records']} PHI-free)", f"{r['chars_per_second']:,}",
        )
    console.print(summary)
    for name, r in report.items():
        labels = Table(title=f"Per-label recall: {name}")
        labels.add_column("label")
        labels.add_column("gold tokens", justify="right")
        labels.add_column("recall", justify="right")
        support: dict[str, int] = r["label_support"]  # type: ignore[assignment]
        for label, recall in r["per_label_recall"].items():  # type: ignore[union-attr]
            labels.add_row(label, str(support[label]), f"{recall:.4f}")
        console.print(labels)
