"""`medflow model train` and `medflow model eval` end to end: the real CLI trains a head on the pinned
pretrained encoder (a small slice of MTSamples from ../shared when present, else synthetic labelled notes),
the real embedded Triton serves the built model, and the served labels are the trained categories."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from prefect_support import TEST_DEID_KEY
from typer.testing import CliRunner

from medflow.settings import REPO_ROOT, get_settings

MTSAMPLES = REPO_ROOT.parent / "shared" / "mtsamples" / "mtsamples-dev.parquet"
CATEGORIES = ("Radiology", "Orthopedic", "Cardiovascular / Pulmonary")
PER_CATEGORY = 12
TEXT_CHARS = 700  # a few chunks per note at the default 128 tokens, yet quick to encode

_SYNTHETIC = {
    "Radiology": "ct scan mri impression findings contrast axial images radiograph no acute fracture views",
    "Orthopedic": "knee arthroscopy meniscus tear fracture orthopedic tendon joint range of motion cast",
    "Cardiovascular / Pulmonary": "chest pain echocardiogram coronary artery ejection fraction lungs dyspnea",
}


def _labelled_rows() -> list[dict[str, object]]:
    """PER_CATEGORY notes of each category, each labelled with that one category (as a list)."""
    rows: list[dict[str, object]] = []
    if MTSAMPLES.exists():
        for record in pq.read_table(MTSAMPLES, columns=["transcription", "labels"]).to_pylist():
            kinds = [c for c in CATEGORIES if c in record["labels"]]
            if len(kinds) == 1 and sum(r["labels"] == [kinds[0]] for r in rows) < PER_CATEGORY:
                rows.append({"transcription": record["transcription"][:TEXT_CHARS], "labels": kinds})
        return rows
    rng = random.Random(0)
    for category, words in _SYNTHETIC.items():
        vocabulary = words.split()
        for _ in range(PER_CATEGORY):
            text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(40, 120)))
            rows.append({"transcription": f"Patient seen today. {text}.", "labels": [category]})
    return rows


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict[str, object]]]:
    """(model repo, training file, rows) after one `medflow model train` run."""
    from cli.main import app

    folder = tmp_path_factory.mktemp("model_train")
    rows = _labelled_rows()
    assert {r["labels"][0] for r in rows} == set(CATEGORIES) and len(rows) == 3 * PER_CATEGORY
    training = folder / "train.parquet"
    pq.write_table(pa.Table.from_pylist(rows), training)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDFLOW_DEID_HMAC_KEY", TEST_DEID_KEY)
        get_settings.cache_clear()
        result = CliRunner().invoke(
            app,
            ["model", "train", "--input", str(training), "--text-column", "transcription", "--labels-column",
             "labels", "--repo", str(folder / "repo"), "--cache", str(folder / "cache"), "--epochs", "150",
             "--validation-fraction", "0.25", "--head-out", str(folder / "head")],
        )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "validation" in result.output
    return folder / "repo", training, rows


def test_trained_model_served_by_triton_labels_notes_with_their_categories(trained):
    from inference.classify import classify_texts
    from inference.model_files import latest_version_dir, load_model_info
    from inference.tokenizer import NoteTokenizer
    from inference.triton_client import TritonClassifier
    from inference.triton_server import EmbeddedTriton

    repo, _, rows = trained
    version_dir = latest_version_dir(repo / "classifier")
    info = load_model_info(version_dir)
    metadata = json.loads((version_dir / "medflow_model.json").read_text())
    assert info.activation == "sigmoid" and set(info.labels) == set(CATEGORIES)
    assert len(info.thresholds) == len(info.labels)
    assert metadata["base_weights"]["sha256"] == "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    assert metadata["base_weights"]["licence"] == "Apache-2.0"
    assert len(metadata["training_data"]["sha256"]) == 64
    assert {"model.onnx", "model.int8.onnx", "tokenizer.json"} <= set(metadata["sha256"])
    texts = [r["transcription"] for r in rows]  # synthetic or published reports: no PHI to de-identify here
    tokenizer = NoteTokenizer.from_dir(version_dir)
    with EmbeddedTriton(repo / "classifier", precision="fp32", grpc_port=0, http_port=0, metrics_port=0) as server:
        with TritonClassifier(server.grpc_url, model="classifier", pad_id=tokenizer.pad_id) as client:
            client.wait_ready(30)
            predictions = classify_texts(texts, tokenizer, client, info, max_length=128, stride=32)
    right = [p.label == r["labels"][0] for p, r in zip(predictions, rows, strict=True)]
    assert np.mean(right) >= 0.8, [p.label for p in predictions]
    assert all(p.labels and p.labels[0][0] in CATEGORIES for p in predictions)
    assert max(p.n_chunks for p in predictions) > 1


def test_eval_reports_model_and_baseline(trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from cli.main import app

    repo, training, _ = trained
    monkeypatch.setenv("MEDFLOW_DEID_HMAC_KEY", TEST_DEID_KEY)
    get_settings.cache_clear()
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(
        app,
        ["model", "eval", "--input", str(training), "--train-input", str(training), "--model", str(repo / "classifier"),
         "--text-column", "transcription", "--labels-column", "labels", "--json", str(out)],
    )
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    for side in ("model", "baseline"):
        assert {"precision_at_1", "micro_f1", "macro_f1", "calibration_error", "per_label"} <= set(report[side])
        assert report[side]["notes"] == 3 * PER_CATEGORY
    assert report["model"]["precision_at_1"] >= 0.8  # its own training notes
    assert set(report["model"]["per_label"]) == set(CATEGORIES)
    assert "precision_at_1" in result.output and "baseline" in result.output
