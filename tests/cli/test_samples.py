"""`medflow samples ...` (cli/samples.py): the challenge set's gold rebuilt from its marked-up notes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from medflow.settings import REPO_ROOT

CHALLENGE = REPO_ROOT / "data" / "samples" / "challenge"


def test_cli_rebuilds_the_gold(tmp_path: Path) -> None:
    out = tmp_path / "gold.jsonl"
    result = CliRunner().invoke(app, ["samples", "challenge", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == (CHALLENGE / "gold.jsonl").read_text(encoding="utf-8")
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert set(first) == {"id", "kind", "text", "spans"}
