"""The demo's model choice: a built classifier is reused only while it was built from the shipped head."""

import json
from pathlib import Path

from cli.demo import SHIPPED_HEAD, built_from_shipped_head
from inference.build.train import head_digest


def test_a_model_built_from_another_head_is_rebuilt(tmp_path: Path):
    info = tmp_path / "medflow_model.json"
    assert not built_from_shipped_head(info)  # nothing built yet
    info.write_text(json.dumps({"head_sha256": "0" * 64}))
    assert not built_from_shipped_head(info)  # built from an older head
    info.write_text(json.dumps({"head_sha256": head_digest(SHIPPED_HEAD)}))
    assert built_from_shipped_head(info)
