"""The query sandbox: a statement is run only if it is one read of the project's registered tables.

Polars SQL has table functions (``read_parquet``, ``read_csv``, ...) that read any file the process can
open, raw input notes included. The statement is parsed with sqlglot and refused unless it is a single
SELECT (or UNION / INTERSECT / EXCEPT of them) whose every table is a plain name of a registered table or
of one of its own CTEs, with no file-reading function anywhere. What runs is the checked tree rendered
back to SQL, not the caller's text, so the parser and the engine cannot read the statement differently.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from contextlib import contextmanager

import sqlglot
from sqlglot import exp

DIALECT = "postgres"  # closest to Polars SQL; the rendered statement is what Polars runs
# Functions that read or list files, whatever their position (Polars, DuckDB and sqlglot spellings).
_FILE_FUNCTION_PREFIXES = ("read_", "scan_", "glob", "list_files", "iceberg_", "delta_")
_FILE_FUNCTION_TYPES = (exp.ReadCSV, exp.ReadParquet)


class QueryRefused(ValueError):
    """The statement is not a plain read of the registered tables; it was not executed."""


def checked_query(sql: str, tables: Collection[str]) -> str:
    """``sql`` as it will run, if it only reads ``tables``; else `QueryRefused` with a one-line reason."""
    try:
        with _quiet_parser():
            statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except sqlglot.errors.SqlglotError:
        raise QueryRefused("query refused: not a SELECT this command can check (SQL syntax)") from None
    if len(statements) != 1:
        raise QueryRefused(f"query refused: one SELECT statement expected, got {len(statements)}")
    (tree,) = statements
    if not isinstance(tree, exp.Select | exp.SetOperation):
        raise QueryRefused(f"query refused: only SELECT reads are allowed, not {tree.key.upper()}")
    allowed = {name.lower() for name in tables}
    own = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    for node in tree.walk():
        _check_node(node, allowed | own)
    _name_counts(tree)
    return tree.sql(dialect=DIALECT)


@contextmanager
def _quiet_parser() -> Iterator[None]:
    """sqlglot warns (quoting the statement) before it falls back to an opaque command: the refusal is
    the one line the caller sees."""
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _check_node(node: exp.Expression, readable: set[str]) -> None:
    if isinstance(node, exp.Into | exp.DDL | exp.DML | exp.Command | exp.Copy):
        raise QueryRefused(f"query refused: only SELECT reads are allowed, not {node.key.upper()}")
    if isinstance(node, _FILE_FUNCTION_TYPES) or (
        isinstance(node, exp.Func) and _function_name(node).startswith(_FILE_FUNCTION_PREFIXES)
    ):
        raise QueryRefused(f"query refused: function {_function_name(node)} reads files")
    if isinstance(node, exp.Table):
        if not isinstance(node.this, exp.Identifier) or node.args.get("db") or node.args.get("catalog"):
            raise QueryRefused(f"query refused: tables are named plainly, one of {_listed(readable)}")
        if node.name.lower() not in readable:
            raise QueryRefused(f"query refused: unknown table (known: {_listed(readable)})")


def _function_name(node: exp.Expression) -> str:
    name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
    return name.lower()


def _listed(names: set[str]) -> str:
    return ", ".join(sorted(names))


def _name_counts(tree: exp.Expression) -> None:
    """An unnamed ``count(...)`` in the result gets its written name (Polars would call it ``len``)."""
    selects = [tree] if isinstance(tree, exp.Select) else []
    for select in selects:
        select.set(
            "expressions",
            [
                e.as_("count" if isinstance(e.this, exp.Star) else e.sql(dialect=DIALECT).lower(), quoted=True)
                if isinstance(e, exp.Count)
                else e
                for e in select.expressions
            ],
        )
