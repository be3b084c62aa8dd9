"""`medflow run`: the nightly flow against a running Triton, and the exit code of a finished run (shared
with `medflow demo`). Heavy imports stay inside the commands so `medflow --help` stays fast."""

from __future__ import annotations

import shlex
import shutil
import sys
from contextlib import nullcontext
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from medflow.settings import get_settings

if TYPE_CHECKING:
    from prefect.states import State
    from rich.console import Console

    from medflow.preflight import PreflightError


def _parse_run_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise typer.BadParameter("expected YYYY-MM-DD") from exc


def this_medflow() -> str:
    """How the user's shell reaches this `medflow`: by name when PATH finds this one, else by its path."""
    script = Path(sys.executable).parent / "medflow"
    found = shutil.which("medflow")
    if found and Path(found).resolve() == script.resolve():
        return "medflow"
    return str(script.relative_to(Path.cwd())) if script.is_relative_to(Path.cwd()) else str(script)


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
    raise typer.Exit(run_exit_code(state, quarantine_ok, Console()))


def _refused(exc: PreflightError) -> typer.Exit:
    """A run the pre-flight checks refused: one line per problem, its exit code (2, or 4 for no input)."""
    for problem in exc.problems:
        typer.echo(f"error: {problem.message}", err=True)
    return typer.Exit(exc.exit_code)


def run_exit_code(state: State, quarantine_ok: bool, console: Console) -> int:
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
        typer.echo(f"Quarantined rows and files, with the reason: {this_medflow()} "
                   f"{_quarantine_query(manifest.run_date, manifest.output_uri)}")
    return code


def _quarantine_query(run_date: date, output_uri: str) -> str:
    """The `medflow query` arguments that list a run date's quarantine by file and reason."""
    where = f"run_date = '{run_date.isoformat()}'"  # a date: nothing to escape
    sql = f"SELECT source, reason, count(*) AS records FROM quarantine WHERE {where} GROUP BY source, reason"  # noqa: S608
    return f'query "{sql}" --output {shlex.quote(output_uri)}'  # the SQL holds no " or $
