"""`medflow query` and `medflow tables ...`: SQL over the committed Delta tables and their upkeep
(history, vacuum, optimize, convert). Heavy imports stay inside the commands so `medflow --help` stays fast."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import TypeVar

import typer

from cli.paths import DEMO_OUTPUT
from medflow.settings import get_settings

T = TypeVar("T")
tables_app = typer.Typer(no_args_is_help=True)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class TableName(StrEnum):
    predictions = "predictions"
    quarantine = "quarantine"
    both = "both"


def fail(exc: Exception) -> typer.Exit:
    """One line on stderr, exit code 2: for errors a user can act on (no table yet, old layout, bad SQL)."""
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(2)


def refuse_old_layout(output_uri: str) -> None:
    """An output of the layout before Delta Lake: one line naming the command that converts it."""
    from medflow.storage import absolute_uri
    from medflow.tables.delta import LegacyLayoutError, check_layout

    try:
        check_layout(absolute_uri(output_uri))
    except LegacyLayoutError as exc:
        raise fail(exc) from exc


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
        raise fail(exc) from exc
    if fmt is OutputFormat.csv:
        typer.echo(csv_ready(frame).write_csv(), nl=False)
    elif fmt is OutputFormat.json:
        typer.echo(frame.write_json())
    else:
        with pl.Config(tbl_rows=50, tbl_cols=20, fmt_str_lengths=60):
            typer.echo(frame)


def _each_table(output_uri: str, which: TableName, action: Callable[[str, str], T]) -> Iterator[tuple[str, T]]:
    """``action(output_uri, table)`` for each chosen table; a missing or old-layout table is one line, exit 2."""
    from deltalake.exceptions import DeltaError

    from medflow.storage import absolute_uri
    from medflow.tables.delta import LegacyLayoutError

    for name in ["predictions", "quarantine"] if which is TableName.both else [which.value]:
        try:
            yield name, action(absolute_uri(output_uri), name)
        except (FileNotFoundError, LegacyLayoutError, DeltaError) as exc:
            raise fail(exc) from exc


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
        raise fail(exc) from exc
    typer.echo(
        f"replayed {result.runs_replayed} run(s) ({result.runs_already_converted} already converted), "
        f"removed {result.files_removed} old file(s); predictions version {result.predictions_version}, "
        f"quarantine version {result.quarantine_version}"
    )
