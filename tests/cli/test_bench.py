"""`medflow bench` (cli/bench.py): its options; the benchmark itself is tested in tests/bench/."""

from __future__ import annotations

from typer.testing import CliRunner

from cli.main import app


def test_cli_offers_quick_json_and_precision() -> None:
    result = CliRunner().invoke(app, ["bench", "--help"])
    assert result.exit_code == 0
    for option in ("--quick", "--json", "--precision", "--png"):
        assert option in result.output
