"""The single `medflow` command. Area packages contribute sub-apps; heavy imports stay inside commands."""

from __future__ import annotations

import shlex
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from cli.api import app as api_app
from cli.api import token as api_token
from cli.deid import app as deid_app
from cli.deploy import deploy, worker
from cli.inference import model_app, triton_app
from medflow.settings import REPO_ROOT, get_settings

if TYPE_CHECKING:
    from prefect.states import State
    from rich.console import Console

    from medflow.preflight import PreflightError

SAMPLES_DIR = REPO_ROOT / "data" / "samples"

app = typer.Typer(no_args_is_help=True, help="medflow: de-identify and classify clinical notes.")
# deid/ knows no repository layout: the CLI on top gives `deid eval` where the sample gold sets are.
app.add_typer(deid_app, name="deid", help="De-identification: detect PHI spans, evaluate against gold.",
              context_settings={"default_map": {"eval": {"samples_dir": str(SAMPLES_DIR)}}})
app.add_typer(model_app, name="model", help="Build and export the classifier into triton_repo/.")
app.add_typer(triton_app, name="triton", help="Run the embedded Triton Inference Server.")
app.add_typer(api_app, name="api", help="Realtime FastAPI gateway.")
app.command("deploy")(deploy)
app.command("worker")(worker)
app.command("token", help="Print a development JWT signed with MEDFLOW_JWT_SECRET (alias of `api token`).")(api_token)
samples_app = typer.Typer(no_args_is_help=True)
app.add_typer(samples_app, name="samples", help="Synthetic sample notes with gold PHI spans.")
tables_app = typer.Typer(no_args_is_help=True)
app.add_typer(tables_app, name="tables", help="The Delta tables: history, vacuum, optimize, convert.")

T = TypeVar("T")
DEMO_OUTPUT = "out/demo"
EXAMPLE_QUERY = "query 'SELECT label, count(*) AS notes FROM predictions GROUP BY label'"


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _parse_run_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise typer.BadParameter("expected YYYY-MM-DD") from exc


def _this_medflow() -> str:
    """How the user's shell reaches this `medflow`: by name when PATH finds this one, else by its path."""
    script = Path(sys.executable).parent / "medflow"
    found = shutil.which("medflow")
    if found and Path(found).resolve() == script.resolve():
        return "medflow"
    return str(script.relative_to(Path.cwd())) if script.is_relative_to(Path.cwd()) else str(script)


def _fail(exc: Exception) -> typer.Exit:
    """One line on stderr, exit code 2: for errors a user can act on (no table yet, old layout, bad SQL)."""
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


def _refuse_old_layout(output_uri: str) -> None:
    """An output of the layout before Delta Lake: one line naming the command that converts it."""
    from medflow.storage import absolute_uri
    from medflow.tables.delta import LegacyLayoutError, check_layout

    try:
        check_layout(absolute_uri(output_uri))
    except LegacyLayoutError as exc:
        raise _fail(exc) from exc


@app.command()
def run(
    input_uri: str = typer.Option(..., "--input", help="Folder or object of input Parquet (path, file://, s3://)"),
    output_uri: str = typer.Option(..., "--output", help="Output root (path, file://, s3://)"),
    run_date: str | None = typer.Option(None, help="Partition date YYYY-MM-DD (default: today, UTC)"),
    triton_url: str | None = typer.Option(None, help="Triton gRPC host:port (default MEDFLOW_TRITON_URL)"),
    force: bool = typer.Option(False, help="Reprocess input files already committed for this date and model"),
    allow_empty: bool = typer.Option(
        False, "--allow-empty", help="No Parquet object under --input is an empty run, exit 0 (else exit 4)"
    ),
    quarantine_ok: bool = typer.Option(
        False, "--quarantine-ok", help="Quarantined rows or files still exit 0 (else exit 3; MEDFLOW_QUARANTINE_OK)"
    ),
) -> None:
    """Run the nightly flow against a running Triton. Exit codes: 0 ok, 1 failed, 2 not started (a
    pre-flight check failed), 3 some rows or files quarantined, 4 no input, 5 Triton unreachable past
    its outage budget (MEDFLOW_TRITON_OUTAGE_BUDGET_S)."""
    from medflow.preflight import PreflightError, preflight
    from medflow.storage import absolute_uri

    settings = get_settings().model_copy(update={"triton_url": triton_url} if triton_url else {})
    allow_empty = allow_empty or settings.allow_empty_input
    quarantine_ok = quarantine_ok or settings.quarantine_ok
    try:  # before anything starts (Prefect takes seconds): each problem is one line
        preflight(settings, input_uri, absolute_uri(output_uri), allow_empty=allow_empty)
    except PreflightError as exc:
        raise _refused(exc) from None
    from rich.console import Console

    from cli.report import progress_bar
    from flows.nightly import nightly_deid_inference
    from flows.run_logging import configure_logging
    from flows.temporary_api import start_temporary_api

    configure_logging(settings.log_format)  # after importing Prefect, which sets up its own logging
    start_temporary_api()
    terminal = Console(stderr=True)
    # A bar only for people: JSON logs on stderr are for a collector, and a bar there would break its lines.
    with progress_bar(terminal) if terminal.is_terminal and settings.log_format == "text" else nullcontext():
        state = nightly_deid_inference(
            input_uri=input_uri,
            output_uri=output_uri,
            run_date=_parse_run_date(run_date),
            triton_url=triton_url,
            force=force,
            allow_empty=allow_empty,
            quarantine_ok=quarantine_ok,
            return_state=True,
        )
    raise typer.Exit(_run_exit_code(state, quarantine_ok, Console()))


def _refused(exc: PreflightError) -> typer.Exit:
    """A run the pre-flight checks refused: one line per problem, its exit code (2, or 4 for no input)."""
    for problem in exc.problems:
        typer.echo(f"error: {problem.message}", err=True)
    return typer.Exit(exc.exit_code)


def _run_exit_code(state: State, quarantine_ok: bool, console: Console) -> int:
    """Print the run's summary (or why it failed) and return its exit code (README, "Exit codes")."""
    from cli.report import print_run_summary
    from medflow.outcome import ExitCode, completed_exit_code
    from medflow.preflight import PreflightError
    from medflow.processing.outage import TritonOutage

    if not state.is_completed():
        error = state.result(raise_on_failure=False)
        if isinstance(error, PreflightError):
            raise _refused(error)
        if isinstance(error, TritonOutage):
            typer.echo(f"error: {error}", err=True)
            return ExitCode.TRITON_UNREACHABLE
        typer.echo(f"error: the run failed ({state.name}): {state.message}. Rerun it: it redoes only what it "
                   "did not commit", err=True)
        return ExitCode.FAILED
    manifest = state.result()
    print_run_summary(manifest, console)
    t = manifest.totals
    if t.rows_in != t.rows_out + t.rows_quarantined:
        typer.echo(f"error: counts do not reconcile: {t.rows_in} rows in, {t.rows_out} written, "
                   f"{t.rows_quarantined} quarantined", err=True)
        return ExitCode.FAILED
    code = completed_exit_code(manifest.status, quarantine_ok)
    if code is ExitCode.QUARANTINED:
        typer.echo(f"Quarantined rows and files, with the reason: {_this_medflow()} "
                   f"{_quarantine_query(manifest.run_date, manifest.output_uri)}")
    return code


def _quarantine_query(run_date: date, output_uri: str) -> str:
    """The `medflow query` arguments that list a run date's quarantine by file and reason."""
    where = f"run_date = '{run_date.isoformat()}'"  # a date: nothing to escape
    sql = f"SELECT source, reason, count(*) AS records FROM quarantine WHERE {where} GROUP BY source, reason"  # noqa: S608
    return f'query "{sql}" --output {shlex.quote(output_uri)}'  # the SQL holds no " or $


@app.command()
def demo(
    output_uri: str = typer.Option(DEMO_OUTPUT, "--output", help="Where the demo writes its tables"),
    samples: Path = typer.Option(SAMPLES_DIR, help="Input Parquet folder"),
) -> None:
    """Build the demo model if needed, start the embedded Triton, run the flow on every sample (again on
    every run). Exit codes as `medflow run`."""
    from rich.console import Console

    from cli.demo import print_kind_vs_label, run_demo

    _refuse_old_layout(output_uri)
    console = Console()
    code = _run_exit_code(run_demo(get_settings(), samples, output_uri, console), False, console)
    if code == 0:
        print_kind_vs_label(output_uri, console)
        typer.echo(f"Tables written under {output_uri}/. Try: {_this_medflow()} {EXAMPLE_QUERY}")
    raise typer.Exit(code)




@app.command()
def query(
    sql: str = typer.Argument(..., help="SQL over the tables `predictions` and `quarantine`"),
    output_uri: str = typer.Option(DEMO_OUTPUT, "--output", help="Output root the flow wrote to"),
    as_of: str | None = typer.Option(
        None, help="Time travel: a version of `predictions` (as a run manifest names it) or an ISO timestamp"
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format"),
) -> None:
    """Run SQL over the committed Delta tables (Polars): the current snapshot unless --as-of."""
    import polars as pl
    from deltalake.exceptions import DeltaError

    from medflow.storage import absolute_uri
    from medflow.tables.delta import LegacyLayoutError
    from medflow.tables.query import csv_ready, parse_as_of, run_query

    try:
        frame = run_query(sql, absolute_uri(output_uri), parse_as_of(as_of) if as_of else None)
    except (FileNotFoundError, LegacyLayoutError, ValueError, DeltaError, pl.exceptions.PolarsError) as exc:
        raise _fail(exc) from exc
    if fmt is OutputFormat.csv:
        typer.echo(csv_ready(frame).write_csv(), nl=False)
    elif fmt is OutputFormat.json:
        typer.echo(frame.write_json())
    else:
        with pl.Config(tbl_rows=50, tbl_cols=20, fmt_str_lengths=60):
            typer.echo(frame)


class TableName(StrEnum):
    predictions = "predictions"
    quarantine = "quarantine"
    both = "both"


def _each_table(output_uri: str, which: TableName, action: Callable[[str, str], T]) -> Iterator[tuple[str, T]]:
    """``action(output_uri, table)`` for each chosen table; a missing or old-layout table is one line, exit 2."""
    from deltalake.exceptions import DeltaError

    from medflow.storage import absolute_uri
    from medflow.tables.delta import LegacyLayoutError

    for name in ["predictions", "quarantine"] if which is TableName.both else [which.value]:
        try:
            yield name, action(absolute_uri(output_uri), name)
        except (FileNotFoundError, LegacyLayoutError, DeltaError) as exc:
            raise _fail(exc) from exc


OUTPUT_OPTION = typer.Option(DEMO_OUTPUT, "--output", help="Output root the flow wrote to")
TABLE_OPTION = typer.Option(TableName.both, "--table")


@tables_app.command("history")
def tables_history(
    output_uri: str = OUTPUT_OPTION, table: TableName = TABLE_OPTION, limit: int = typer.Option(20)
) -> None:
    """Commits of each table, newest first (version, time, operation, run, rows)."""
    import polars as pl

    from medflow.tables.delta import history

    for name, rows in _each_table(output_uri, table, lambda uri, name: history(uri, name, limit)):
        typer.echo(f"{name}:")
        with pl.Config(tbl_rows=limit, tbl_cols=20, fmt_str_lengths=40):
            typer.echo(pl.DataFrame(rows))


@tables_app.command("vacuum")
def tables_vacuum(
    output_uri: str = OUTPUT_OPTION,
    table: TableName = TABLE_OPTION,
    retention_hours: int | None = typer.Option(
        None, help="Keep files versions younger than this need (default: the table's, 168 h); shorter is refused"
    ),
    dry_run: bool = typer.Option(False, help="List what would be deleted"),
) -> None:
    """Delete data files that only versions older than the retention period need (ends time travel there)."""
    from medflow.tables.delta import vacuum

    for name, files in _each_table(output_uri, table, lambda uri, name: vacuum(uri, name, retention_hours, dry_run)):
        typer.echo(f"{name}: {'would delete' if dry_run else 'deleted'} {len(files)} file(s)")


@tables_app.command("optimize")
def tables_optimize(
    output_uri: str = OUTPUT_OPTION,
    table: TableName = TABLE_OPTION,
    target_size_mb: int | None = typer.Option(None, help="Target file size (default: delta-rs's, 100 MB)"),
) -> None:
    """Compact small files into larger ones (one commit per table; the data stays the same)."""
    from medflow.tables.delta import optimize

    for name, metrics in _each_table(output_uri, table, lambda uri, name: optimize(uri, name, target_size_mb)):
        typer.echo(f"{name}: {metrics['numFilesRemoved']} file(s) compacted into {metrics['numFilesAdded']}")


@tables_app.command("convert")
def tables_convert(output_uri: str = typer.Option(..., "--output", help="Output root of the old layout")) -> None:
    """Convert Parquet-plus-manifest tables (the layout before Delta Lake) into the Delta tables, with
    the ids pseudonymized and created_at shifted as the batch flow writes them (needs the deid key)."""
    from medflow.preflight import DeidKeyMissing, deid_key
    from medflow.storage import absolute_uri
    from medflow.tables.migrate import convert_legacy_output

    try:
        key = deid_key(get_settings())  # the old files hold raw ids: none may reach the Delta tables
        result = convert_legacy_output(absolute_uri(output_uri), key)
    except (DeidKeyMissing, ValueError) as exc:
        raise _fail(exc) from exc
    typer.echo(
        f"replayed {result.runs_replayed} run(s) ({result.runs_already_converted} already converted), "
        f"removed {result.files_removed} old file(s); predictions version {result.predictions_version}, "
        f"quarantine version {result.quarantine_version}"
    )


@samples_app.command("generate")
def samples_generate(
    out_dir: Path = typer.Option(SAMPLES_DIR, "--out"),
    n_notes: int = typer.Option(3000, "--notes"),
    seed: int = typer.Option(20261121),
) -> None:
    """Regenerate the synthetic samples and their gold PHI spans (deterministic for a seed)."""
    from samplegen.generate import generate_samples

    summary = generate_samples(out_dir, n_notes=n_notes, seed=seed)
    typer.echo(summary)


@samples_app.command("challenge")
def samples_challenge(
    notes: Path = typer.Option(SAMPLES_DIR / "challenge" / "notes.txt", "--notes", exists=True, dir_okay=False,
                               help="Hand-written notes, PHI marked inline as {{value|LABEL}}"),
    out: Path = typer.Option(SAMPLES_DIR / "challenge" / "gold.jsonl", "--out", help="Gold JSONL to write"),
) -> None:
    """Rebuild the hand-written challenge set's gold JSONL from its marked-up notes."""
    from samplegen.challenge import build_challenge

    typer.echo(build_challenge(notes, out))


@app.command()
def bench(
    json_out: Path = typer.Option(Path("out/bench/bench.json"), "--json", help="Where the JSON report goes"),
    png: Path | None = typer.Option(None, help="Chart PNG (default: the JSON path with .png)"),
    quick: bool = typer.Option(False, "--quick", help="Smaller counts and a subset of the samples (< 3 min)"),
    precision: str = typer.Option("int8", help="Model variant: int8 or fp32 (CPU), fp16 (GPU)"),
    model_dir: Path = typer.Option(REPO_ROOT / "triton_repo" / "distilbert", help="Built model directory"),
    classifier_dir: Path = typer.Option(
        REPO_ROOT / "triton_repo" / "classifier",
        help="The shipped classifier, measured beside MODEL_DIR (built for the run from its head when not built here)",
    ),
    samples: Path = typer.Option(SAMPLES_DIR, help="Synthetic sample notes"),
    triton_instances: int = typer.Option(0, help="Model instances in the embedded Triton (0: its default)"),
    triton_threads: int = typer.Option(0, help="ONNX Runtime threads per Triton instance (0: its default)"),
    triton_session_threads: int = typer.Option(
        0, help="Session calls of one batch run at once per Triton instance (0: its default)"
    ),
) -> None:
    """The paper's serving comparison and the batch-path throughput, measured on this machine."""
    import json

    from bench.chart import write_chart
    from bench.run import FULL, QUICK, BenchConfig, run_bench
    from cli.demo import SHIPPED_HEAD

    if precision not in ("int8", "fp32", "fp16"):
        raise typer.BadParameter("precision must be int8, fp32 or fp16")
    config = BenchConfig(
        model_dir=model_dir,
        samples_dir=samples,
        precision=precision,
        sizes=QUICK if quick else FULL,
        triton_instances=triton_instances or None,
        triton_threads=triton_threads or None,
        triton_session_threads=triton_session_threads or None,
        classifier_dir=classifier_dir,
        classifier_head=SHIPPED_HEAD,
    )
    report = run_bench(config, progress=lambda step: typer.echo(f"bench: {step}", err=True))
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps(report, indent=2) + "\n")
    chart = write_chart(report, png or json_out.with_suffix(".png"))
    for name, check in report["targets"].items():
        verdict = "met" if check["met"] else "MISSED"
        typer.echo(f"{name:40} {check['value']!s:>10} (target {check['target']}): {verdict}")
    typer.echo(f"wrote {json_out} and {chart} in {report['seconds']:.0f} s")


if __name__ == "__main__":
    app()
