"""`medflow deid ...`: detect PHI spans in a JSONL file, evaluate against gold sets.

Heavy imports (Presidio, spaCy) stay inside the commands so that `medflow --help` is fast. Nothing
here prints or logs note text: only counts, rates and timings."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

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
    from medflow.settings import get_settings

    engine = get_engine(get_settings().deid_config())
    chars = rows = incomplete = 0
    reasons: set[str] = set()
    started = time.perf_counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as out:
        for batch in _read_input_batches(input):
            outcomes = engine.analyze([text for _, text in batch])
            for (note_id, text), found in zip(batch, outcomes, strict=True):
                record: dict[str, object]
                if isinstance(found, DeidIncomplete):
                    record = {"id": note_id, "error": found.reason}
                    incomplete += 1
                    reasons.add(found.reason)
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
        typer.echo(f"{incomplete} record(s) could not be analysed completely: {', '.join(sorted(reasons))}", err=True)
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    gold: list[Path] = typer.Option(
        [], "--gold", exists=True, dir_okay=False,
        help="Gold JSONL {id, text, spans} (repeatable). Without it: every known set that exists",
    ),
    presidio_synth: bool = typer.Option(
        False, "--presidio-synth", help="With --gold: also score the presidio-research synthetic set"
    ),
    samples_dir: Path = typer.Option(
        Path("data/samples"), "--samples-dir", file_okay=False,
        help="Folder of the project and challenge gold sets (medflow sets the repository's data/samples)",
    ),
    eval_dir: Path | None = typer.Option(
        None, "--eval-dir", file_okay=False, help="Shared evaluation sets (default: Settings.deid_eval_dir)"
    ),
    json_out: Path | None = typer.Option(None, "--json", "--json-out", help="Also write the report as JSON here"),
    mtsamples: Path | None = typer.Option(
        None, "--mtsamples", dir_okay=False,
        help="MTSamples reports for the precision benchmark (default: mtsamples/mtsamples-dev.parquet beside "
        "the eval dir); skipped with a message when absent or with --gold",
    ),
) -> None:
    """Token-level, type-blind recall / precision / F2, false-redaction rate on PHI-free records and
    chars/s per gold set, per-label recall, and per-kind scores for sets whose records carry a kind.
    Then the MTSamples benchmark: redacted tokens per 1,000 by label and the reviewed sample re-scored."""
    from deid.engine import get_engine
    from deid.goldsets import GoldSet, known_gold_sets, read_gold_jsonl
    from deid.scoring import score, score_by_kind
    from medflow.settings import get_settings

    eval_dir = eval_dir or get_settings().deid_eval_dir
    known = known_gold_sets(samples_dir, eval_dir)
    if gold:
        sets = [GoldSet(path.name, path, "given with --gold", read_gold_jsonl) for path in gold]
        sets += [s for s in known if presidio_synth and s.name == "presidio-research"]
    else:
        sets = known
    engine = get_engine(get_settings().deid_config())
    report: dict[str, dict[str, object]] = {}
    for gold_set in sets:
        if not gold_set.path.is_file():
            report[gold_set.name] = {"found": False, "path": str(gold_set.path), "origin": gold_set.origin}
            continue
        records = list(gold_set.read(gold_set.path))
        started = time.perf_counter()
        detected = engine.detect([r.text for r in records])
        seconds = time.perf_counter() - started
        predicted = [[(s.start, s.end) for s in spans] for spans in detected]
        chars = sum(len(r.text) for r in records)
        report[gold_set.name] = {"found": True, "path": str(gold_set.path)} | score(records, predicted).as_dict() | {
            "records": len(records),
            "characters": chars,
            "detect_seconds": round(seconds, 3),
            "chars_per_second": round(chars / max(seconds, 1e-9)),
            "per_kind": {
                kind: scores.as_dict() | {"records": sum(r.kind == kind for r in records)}
                for kind, scores in score_by_kind(records, predicted).items()
            },
        }
    if not gold:
        report["mtsamples-dev"] = _mtsamples_benchmark(
            engine, mtsamples or eval_dir.parent / "mtsamples" / "mtsamples-dev.parquet",
            samples_dir / "mtsamples-review.csv",
        )
    _print_report(report)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def _mtsamples_benchmark(engine: Any, reports_path: Path, review_path: Path) -> dict[str, object]:
    """Redaction rates on the MTSamples reports and the reviewed sample re-scored (`deid.mtsamples`)."""
    from deid.mtsamples import read_reports, read_review, redaction_rates, rescore_review

    if not reports_path.is_file():
        return {"found": False, "path": str(reports_path), "benchmark": True,
                "origin": "MTSamples (CC0) reports, shared read-only (--mtsamples); the precision benchmark is skipped"}
    reports = read_reports(reports_path)
    ids = list(reports)
    started = time.perf_counter()
    spans = engine.detect([reports[i] for i in ids])
    seconds = time.perf_counter() - started
    detected = {i: [(s.start, s.end, s.label) for s in found] for i, found in zip(ids, spans, strict=True)}
    rates = redaction_rates(reports, detected)
    result: dict[str, object] = {"found": True, "benchmark": True, "path": str(reports_path), "records": len(ids),
                                 "chars_per_second": round(sum(map(len, reports.values())) / max(seconds, 1e-9))}
    result |= rates
    if review_path.is_file():
        result["review"] = rescore_review(read_review(review_path), reports, detected,
                                          float(rates["redacted_per_1000"]))  # type: ignore[arg-type]
    return result


def _print_benchmark(console: Any, name: str, r: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title=f"Redacted tokens per 1,000: {name}")
    table.add_column("label")
    table.add_column("per 1,000", justify="right")
    table.add_row("all", f"{r['redacted_per_1000']:.3f}")
    for label, rate in r["per_label_per_1000"].items():
        table.add_row(label, f"{rate:.3f}")
    console.print(table)
    console.print(f"{name}: {r['records']:,} reports, {r['tokens']:,} tokens, {r['chars_per_second']:,} chars/s",
                  highlight=False)
    review = r.get("review")
    if review:
        still = review["still_redacted_spans"]
        console.print(
            f"Reviewed sample ({review['sample_spans']} redactions, {review['sample_wrong_spans']} judged wrong): "
            f"still redacted {still['right']} right, {still['wrong']} wrong; precision {review['precision']:.4f}; "
            f"wrong redactions about {review['wrong_per_1000_estimated']:.3f} per 1,000 tokens; wrong by label "
            f"{review['wrong_spans_by_label']}",
            highlight=False, soft_wrap=True,
        )
    else:
        console.print(f"{name}: no reviewed sample (mtsamples-review.csv in the samples dir)", highlight=False)


def _print_report(report: dict[str, dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout, width=120)
    benchmarks = {name: r for name, r in report.items() if r.get("benchmark")}
    report = {name: r for name, r in report.items() if not r.get("benchmark")}
    found = {name: r for name, r in report.items() if r["found"]}
    summary = Table(title="De-identification, token level (type-blind)")
    for column in ["set", "records", "recall", "precision", "F2", "false-redaction (PHI-free records)", "chars/s"]:
        summary.add_column(column, justify="right" if column != "set" else "left")
    for name, r in report.items():
        if not r["found"]:
            summary.add_row(name, "not found", "", "", "", "", "")
            continue
        summary.add_row(
            name, f"{r['records']:,}", f"{r['recall']:.4f}", f"{r['precision']:.4f}", f"{r['f2']:.4f}",
            f"{r['false_redaction_rate']:.4f} ({r['phi_free_records']:,})", f"{r['chars_per_second']:,}",
        )
    console.print(summary)
    for name, r in report.items():
        if not r["found"]:
            console.print(f"{name}: not found at {r['path']}; {r['origin']}", highlight=False, soft_wrap=True)
    for name, r in found.items():
        labels = Table(title=f"Per-label recall: {name}")
        labels.add_column("label")
        labels.add_column("gold tokens", justify="right")
        labels.add_column("recall", justify="right")
        for label, recall in r["per_label_recall"].items():
            labels.add_row(label, str(r["label_support"][label]), f"{recall:.4f}")
        console.print(labels)
    for name, r in found.items():
        if not r["per_kind"]:
            continue
        kinds = Table(title=f"Per kind: {name}")
        columns = ["kind", "records", "PHI tokens", "recall", "false tokens", "precision", "false-redaction (PHI-free)"]
        for column in columns:
            kinds.add_column(column, justify="right" if column != "kind" else "left")
        for kind, k in r["per_kind"].items():
            phi_tokens = k["tokens"]["tp"] + k["tokens"]["fn"]
            kinds.add_row(
                kind, str(k["records"]), str(phi_tokens), f"{k['recall']:.4f}" if phi_tokens else "",
                str(k["tokens"]["fp"]), f"{k['precision']:.4f}" if phi_tokens else "",
                f"{k['false_redaction_rate']:.4f} ({k['phi_free_records']})" if k["phi_free_records"] else "",
            )
        console.print(kinds)
    for name, r in benchmarks.items():
        if r["found"]:
            _print_benchmark(console, name, r)
        else:
            console.print(f"{name}: not found at {r['path']}; {r['origin']}", highlight=False, soft_wrap=True)
