"""The query sandbox: `medflow query` reads the two de-identified tables and nothing else (issue 24).

Refusals are checked end to end through the CLI over real committed Delta tables, with a raw input
file next to them that the refused statements try to read."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from medflow.tables.sql_sandbox import QueryRefused, checked_query
from tests.medflow.processing.test_pipeline import note, write_notes
from tests.medflow.tables.test_tables import NIGHT_1, NIGHT_2, run_once

RAW_TEXT = "Raw note of Zebulon Quartermaine SSN 512-44-9021"
TABLES = ("predictions", "quarantine")


@pytest.fixture(scope="module")
def committed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """An output with two committed nights (one quarantined row), the raw input beside it, and the
    version of `predictions` the first night committed."""
    root = tmp_path_factory.mktemp("query")
    raw = root / "in" / "notes.parquet"
    write_notes(raw, [note(i, RAW_TEXT) for i in range(5)] + [note(5, None)])
    first = run_once(raw.parent, root / "out", "run-1", NIGHT_1)
    run_once(raw.parent, root / "out", "run-2", NIGHT_2)
    assert first.tables
    return root / "out", raw, first.tables.predictions.version


def _query(out: Path, sql: str, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["query", sql, "--output", str(out), "--format", "csv", *extra])
    return result.exit_code, result.stdout, result.stderr


def _bypasses(raw: Path) -> list[str]:
    path = str(raw)
    return [
        # The reproductions.
        f"SELECT note_text FROM read_parquet('{path}')",
        "SELECT * FROM read_csv('/etc/hostname')",
        # Other table functions, spellings and nestings.
        f"select note_text from READ_PARQUET('{path}')",
        f"SELECT * FROM scan_parquet('{path}')",
        "SELECT * FROM read_json('/etc/hostname')",
        f"SELECT * FROM read_parquet(lower('{path}'))",
        f"SELECT * FROM read_parquet(concat('{raw.parent}', '/notes.parquet'))",
        # File paths as table names: string literal, quoted identifier, qualified names.
        f"SELECT * FROM '{path}'",
        f'SELECT * FROM "{path}"',
        "SELECT * FROM main.predictions",
        'SELECT * FROM "predictions.parquet"',
        # Hidden in CTEs, subqueries, UNION, joins, comments.
        f"WITH p AS (SELECT note_text FROM read_parquet('{path}')) SELECT * FROM p",
        f"SELECT label FROM predictions WHERE note_id IN (SELECT note_id FROM read_parquet('{path}'))",
        f"SELECT (SELECT max(note_text) FROM read_parquet('{path}')) AS x",
        f"SELECT deid_text FROM predictions UNION ALL SELECT note_text FROM read_parquet('{path}')",
        f"SELECT p.label FROM predictions p JOIN read_parquet('{path}') r ON p.note_id = r.note_id",
        f"SELECT * FROM predictions /* harmless */ ; SELECT * FROM read_parquet('{path}')",
        f"SELECT * FROM predictions -- \nUNION SELECT * FROM read_parquet('{path}')",
        # Not reads.
        "COPY predictions TO '/tmp/leak.csv'",
        f"ATTACH '{path}' AS raw",
        "CREATE TABLE leak AS SELECT * FROM predictions",
        "INSERT INTO predictions SELECT * FROM predictions",
        "DROP TABLE predictions",
        "SELECT * INTO leak FROM predictions",
        "EXPLAIN SELECT * FROM predictions",
        "SHOW TABLES",
        "TRUNCATE predictions",
        f"SELECT * FROM predictions, read_parquet('{path}')",
        f"SELECT * FROM \"read_parquet\"('{path}')",
        f"SELECT * FROM ReAd_PaRqUeT('{path}')",
        f"SELECT * FROM LATERAL read_ndjson('{path}')",
        # Unknown tables.
        "SELECT * FROM notes",
        "",
    ]


def test_reads_outside_the_tables_are_refused_in_one_line_before_execution(committed: tuple[Path, Path, int]) -> None:
    out, raw, _ = committed
    for sql in _bypasses(raw):
        code, stdout, stderr = _query(out, sql)
        assert code == 2, (sql, stdout)
        assert stdout == ""
        assert len(stderr.splitlines()) == 1 and stderr.startswith("error: query refused"), (sql, stderr)
        assert "Zebulon" not in stdout + stderr
    assert not Path("/tmp/leak.csv").exists()


def test_reads_of_the_tables_keep_working(committed: tuple[Path, Path, int]) -> None:
    out, _, first_version = committed
    code, stdout, stderr = _query(out, "SELECT label, count(*) FROM predictions GROUP BY label")
    assert code == 0, stderr
    assert stdout.splitlines()[0] == "label,count"
    assert sum(int(line.split(",")[1]) for line in stdout.splitlines()[1:]) == 5

    # Join of the two tables, a CTE, a subquery, quoted and upper-case names, a comment, UNION.
    for sql, expected in [
        (
            'WITH q AS (SELECT run_id, count(*) AS n FROM "QUARANTINE" GROUP BY run_id) '
            "SELECT p.run_id, q.n, count(*) AS rows FROM Predictions p JOIN q ON p.run_id = q.run_id "
            "GROUP BY p.run_id, q.n",
            ["run_id,n,rows", "run-2,1,5"],
        ),
        (
            "SELECT count(DISTINCT note_id) FROM predictions /* de-identified */ "
            "WHERE note_id IN (SELECT note_id FROM predictions WHERE score >= 0)",
            ["count(distinct note_id)", "5"],
        ),
        ("SELECT run_id FROM predictions UNION SELECT run_id FROM quarantine", ["run_id", "run-2"]),
    ]:
        code, stdout, stderr = _query(out, sql)
        assert code == 0, (sql, stderr)
        assert stdout.splitlines() == expected, sql

    # Time travel still works.
    code, stdout, stderr = _query(out, "SELECT DISTINCT run_id FROM predictions", "--as-of", str(first_version))
    assert code == 0, stderr
    assert stdout.splitlines() == ["run_id", "run-1"]


def test_what_runs_is_the_checked_statement() -> None:
    assert checked_query("select count(*) from predictions", TABLES) == 'SELECT COUNT(*) AS "count" FROM predictions'
    with pytest.raises(QueryRefused, match="function read_parquet reads files"):
        checked_query("SELECT * FROM predictions WHERE label = (SELECT read_parquet('x'))", TABLES)
    with pytest.raises(QueryRefused, match="unknown table"):
        checked_query("SELECT * FROM predictions_other", TABLES)
