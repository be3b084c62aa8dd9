"""`medflow query` and `medflow tables ...` (cli/tables.py): errors a user can act on are one line, exit 2.
The tables' own behaviour is tested with the tables (tests/medflow/)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app


def test_query_before_any_run_says_so_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["query", "SELECT * FROM quarantine", "--output", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: no run has committed to {tmp_path / 'out'} yet (no table predictions)"
