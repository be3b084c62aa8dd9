"""ONNX export of the demo DistilBERT: logits match torch (padded or not), INT8 stays close, the
version directory is complete and checksummed, and missing hub access fails fast and clearly."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from inference.build.export import ModelSourceError, build_demo, build_demo_model
from inference.length_buckets import pad_batch
from inference.model_files import load_model_info, sha256_file
from inference.onnx_model import load_session, run_logits
from inference.tokenizer import NoteTokenizer

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def version_dir(tiny_model_repo: Path) -> Path:
    return tiny_model_repo / "distilbert" / "1"


@pytest.fixture(scope="module")
def batch(version_dir: Path, synthetic_notes) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    tokenizer = NoteTokenizer.from_dir(version_dir)
    seqs = [c[0] for c in tokenizer.encode_notes(synthetic_notes(6, 11), 48, 0)]
    assert len({len(s) for s in seqs}) > 1  # really padded
    ids, mask = pad_batch(seqs)
    return ids, mask, seqs


def test_model_info_and_checksums(version_dir: Path):
    info = load_model_info(version_dir)
    assert info.model_name == "demo-random-distilbert"
    assert info.labels == ("LABEL_0", "LABEL_1")
    assert info.model_version == "1" and info.max_length == 512
    recorded = json.loads((version_dir / "medflow_model.json").read_text())["sha256"]
    assert set(recorded) == {"model.onnx", "model.int8.onnx", "tokenizer.json"}
    assert all(recorded[name] == sha256_file(version_dir / name) for name in recorded)


def test_int8_check_recorded(version_dir: Path, synthetic_notes):
    from inference.build.quant_check import compare_precisions

    recorded = json.loads((version_dir / "medflow_model.json").read_text())["int8_check"]
    assert recorded == compare_precisions(version_dir, synthetic_notes(16, 99))
    assert recorded["sequences"] == 16
    assert 0.0 < recorded["max_abs_logit_diff"] < recorded["fp32_logit_range"]


def test_onnx_fp32_matches_torch_with_padding(version_dir: Path, batch, tiny_model_arch):
    import torch

    ids, mask, seqs = batch
    model = build_demo_model(tiny_model_arch)  # same seed -> same weights
    with torch.inference_mode():
        expected = model(torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits.numpy()
    session = load_session(version_dir / "model.onnx")
    padded = run_logits(session, ids, mask)
    np.testing.assert_allclose(padded, expected, atol=1e-4)
    unpadded = np.concatenate([run_logits(session, s[None], np.ones_like(s)[None]) for s in seqs])
    np.testing.assert_allclose(padded, unpadded, atol=1e-4)
    assert np.ptp(unpadded, axis=0).max() > 0.1  # outputs differ between inputs: the checks can fail


def test_int8_close_to_fp32(version_dir: Path, batch):
    ids, mask, _ = batch
    fp32 = run_logits(load_session(version_dir / "model.onnx"), ids, mask)
    int8 = run_logits(load_session(version_dir / "model.int8.onnx"), ids, mask)
    assert (version_dir / "model.int8.onnx").stat().st_size < (version_dir / "model.onnx").stat().st_size
    assert np.abs(int8 - fp32).max() < 0.25 * np.abs(fp32).max()
    agree = (int8.argmax(1) == fp32.argmax(1)).mean()
    assert agree >= 0.8


def test_fp16_variant_fuses_the_transformer_and_stays_close_to_fp32(tmp_path: Path, synthetic_notes, tiny_model_arch):
    import onnx

    result = build_demo(
        repo=tmp_path, name="distilbert", corpus=synthetic_notes(40, 0), arch=tiny_model_arch, fp16=True
    )
    fp16_path = result.version_dir / "model.fp16.onnx"
    recorded = json.loads((result.version_dir / "medflow_model.json").read_text())["sha256"]
    assert recorded["model.fp16.onnx"] == sha256_file(fp16_path)
    graph = onnx.load(str(fp16_path)).graph
    assert sum(node.op_type == "Attention" for node in graph.node) == tiny_model_arch.n_layers  # fused for the GPU
    assert any(init.data_type == onnx.TensorProto.FLOAT16 for init in graph.initializer)
    tokenizer = NoteTokenizer.from_dir(result.version_dir)
    ids, mask = pad_batch([c[0] for c in tokenizer.encode_notes(synthetic_notes(6, 11), 48, 0)])
    fp32 = run_logits(load_session(result.version_dir / "model.onnx"), ids, mask)
    # The CPU runs the FP16 graph too (slowly): same inputs and outputs, FP16 rounding only.
    fp16 = run_logits(load_session(fp16_path), ids, mask)
    assert fp16.dtype == np.float32 and fp16.shape == fp32.shape
    np.testing.assert_allclose(fp16, fp32, atol=0.05 * np.abs(fp32).max())


def test_label_count_must_match_config(tmp_path: Path, synthetic_notes, tiny_model_arch):
    arch = dataclasses.replace(tiny_model_arch, num_labels=3)
    with pytest.raises(ModelSourceError, match="3 labels"):
        build_demo(repo=tmp_path, name="distilbert", corpus=synthetic_notes(20, 0), arch=arch)
    assert not (tmp_path / "distilbert" / "1").exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_build_without_hub_fails_fast_naming_demo(tmp_path: Path):
    env = {
        **os.environ,
        "HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}",  # unreachable hub, on any machine
        "HF_HOME": str(tmp_path / "hf"),  # empty cache
    }
    env.pop("HF_HUB_OFFLINE", None)
    medflow = shutil.which("medflow", path=str(Path(sys.executable).parent))
    command = [medflow, "model", "build", "--repo", str(tmp_path / "repo"), "--model", "some-org/some-model"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, cwd=REPO_ROOT)
    assert result.returncode == 2
    assert "--demo" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1  # one paragraph
    assert not (tmp_path / "repo" / "distilbert" / "1").exists()


def test_build_from_local_checkpoint_directory(tmp_path: Path, tiny_model_arch, synthetic_notes):
    """The non-demo path (hub id or local dir), offline: a saved transformers checkpoint is exported."""
    from transformers import PreTrainedTokenizerFast

    from inference.build.export import build_pretrained, train_demo_tokenizer

    checkpoint = tmp_path / "my-classifier"
    model = build_demo_model(tiny_model_arch)
    model.config.id2label = {0: "NEGATIVE", 1: "POSITIVE"}
    model.save_pretrained(checkpoint)
    specials = {"unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]"}
    PreTrainedTokenizerFast(
        tokenizer_object=train_demo_tokenizer(synthetic_notes(50, 0), 400), model_max_length=256, **specials
    ).save_pretrained(checkpoint)
    result = build_pretrained(repo=tmp_path / "repo", name="distilbert", model_id_or_dir=str(checkpoint))
    info = load_model_info(result.version_dir)
    assert (info.model_name, info.labels, info.max_length) == ("my-classifier", ("NEGATIVE", "POSITIVE"), 256)
    assert info.source == str(checkpoint)
    tokenizer = NoteTokenizer.from_dir(result.version_dir)
    seqs = [c[0] for c in tokenizer.encode_notes(synthetic_notes(3, 4), 64, 0)]
    ids, mask = pad_batch(seqs)
    assert run_logits(load_session(result.version_dir / "model.int8.onnx"), ids, mask).shape == (3, 2)
