"""Philter's vocabulary comes out of its wheel alone: the vocabulary file and the licence, nothing else
(the wheel also carries sample notes of a held-out corpus), and no code imports the package."""

from __future__ import annotations

import ast
import re
import sys
import zipfile
from pathlib import Path

import pytest

from deid.recognizers.vocabulary import VocabularyMissing, default_vocabulary_file, philter_vocabulary
from deid.vocabulary_install import SOURCE_FILE, extract_vocabulary

REPO_ROOT = Path(__file__).resolve().parents[2]
WHEEL = "philter_lite-9.9.9-py3-none-any.whl"
SET_TOML = 'firstnames = ["ann"]\nlastnames = ["lund"]\nnonames = ["appy", ""]\n'


def _fake_wheel(folder: Path) -> tuple[Path, list[str]]:
    wheel = folder / WHEEL
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("philter_lite/filters/set.toml", SET_TOML)
        archive.writestr("philter_lite-9.9.9.dist-info/licenses/LICENSE", "BSD 3-Clause License\n")
        archive.writestr("philter_lite/data/other_notes.json", "must not be read")
        archive.writestr("philter_lite/__init__.py", "")
    return wheel, ["philter_lite/filters/set.toml", "philter_lite-9.9.9.dist-info/licenses/LICENSE"]


def test_only_the_vocabulary_and_the_licence_are_read_from_the_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel, wanted = _fake_wheel(tmp_path)
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def recording_open(self: zipfile.ZipFile, name: str | zipfile.ZipInfo, *args: object, **kwargs: object):
        opened.append(name if isinstance(name, str) else name.filename)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)
    destination = tmp_path / "share" / "philter-lite"
    extract_vocabulary(wheel, destination)
    assert sorted(opened) == sorted(wanted)
    assert sorted(p.name for p in destination.iterdir()) == ["LICENSE", SOURCE_FILE, "set.toml"]
    assert (destination / "set.toml").read_text() == SET_TOML
    assert (destination / SOURCE_FILE).read_text().startswith(f"{WHEEL} sha256=")
    extract_vocabulary(wheel, destination)  # idempotent: a second run replaces the same files
    assert sorted(p.name for p in destination.iterdir()) == ["LICENSE", SOURCE_FILE, "set.toml"]
    vocabulary = philter_vocabulary(destination / "set.toml")
    assert vocabulary.non_names == {"appy"} and vocabulary.first_names == {"ann"}


def test_a_missing_vocabulary_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(VocabularyMissing, match="vocabulary_install"):
        philter_vocabulary(tmp_path / "absent.toml")


def test_the_environment_holds_the_pinned_vocabulary_and_not_the_package() -> None:
    pinned = re.search(r"--hash=sha256:([0-9a-f]{64})", (REPO_ROOT / "requirements-vocabulary.txt").read_text())
    assert pinned is not None
    source = (default_vocabulary_file().parent / SOURCE_FILE).read_text()
    assert f"sha256={pinned.group(1)}" in source
    assert default_vocabulary_file().parent == Path(sys.prefix) / "share" / "philter-lite"


def test_no_code_imports_the_philter_package() -> None:
    imported = []
    for package in ("deid", "medflow", "api", "flows", "tasks", "inference", "cli", "samplegen", "bench", "tests"):
        for path in (REPO_ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                imported += [f"{path.relative_to(REPO_ROOT)}: {n}" for n in names if n.startswith("philter_lite")]
    assert imported == []
