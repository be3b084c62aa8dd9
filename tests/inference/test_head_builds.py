"""Which version a shipped head is built into: a changed head gets a new model version; a model built from
the same head, or of another origin (trained, exported), is kept as it is."""

import json
from pathlib import Path

from inference.build.train import head_build_version, head_digest
from inference.model_files import MODEL_INFO_FILE

HEAD = Path(__file__).resolve().parents[2] / "models" / "mtsamples-minilm"


def _built(model_dir: Path, version: int, **info: object) -> None:
    (model_dir / str(version)).mkdir(parents=True)
    (model_dir / str(version) / MODEL_INFO_FILE).write_text(json.dumps(info))


def test_nothing_built_builds_version_1(tmp_path: Path) -> None:
    assert head_build_version(tmp_path / "classifier", HEAD) == 1


def test_a_build_from_another_head_gets_the_next_version(tmp_path: Path) -> None:
    _built(tmp_path, 1, head_sha256="0" * 64)
    _built(tmp_path, 2, head_sha256="1" * 64)
    assert head_build_version(tmp_path, HEAD) == 3


def test_a_build_from_this_head_is_kept(tmp_path: Path) -> None:
    _built(tmp_path, 1, head_sha256=head_digest(HEAD))
    assert head_build_version(tmp_path, HEAD) is None


def test_a_model_of_another_origin_is_kept(tmp_path: Path) -> None:
    _built(tmp_path, 1, model_name="trained or exported here: no head recorded")
    assert head_build_version(tmp_path, HEAD) is None
