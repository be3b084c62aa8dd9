"""Real embedded tritonserver: gRPC (sync + asyncio) and KServe v2 HTTP results match in-process ONNX
Runtime; the dynamic batcher merges concurrent requests; start failures are reported clearly."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest

from inference.classify import classify_texts, classify_texts_async
from inference.length_buckets import pad_batch
from inference.model_files import load_model_info
from inference.onnx_model import OnnxClassifier, load_session, run_logits
from inference.tokenizer import NoteTokenizer
from inference.triton_client import AsyncTritonClassifier, TritonClassifier, TritonInferenceError
from inference.triton_server import BatcherSettings, EmbeddedTriton, TritonPortTaken, TritonStartError


@pytest.fixture(scope="module")
def version_dir(tiny_model_repo: Path) -> Path:
    return tiny_model_repo / "distilbert" / "1"


@pytest.fixture(scope="module")
def notes(synthetic_notes) -> list[str]:
    # Mixed lengths, including notes long enough to need several chunks at max_length 32.
    return [" ".join(synthetic_notes(n, n)) for n in (1, 2, 3, 5, 8, 1, 13)] + [""]


def test_grpc_classification_matches_in_process_onnx(embedded_triton, version_dir: Path, notes: list[str]):
    tokenizer, info = NoteTokenizer.from_dir(version_dir), load_model_info(version_dir)
    local = OnnxClassifier(version_dir / "model.onnx")
    with TritonClassifier(embedded_triton.grpc_url, inflight=2, max_batch_size=4, token_budget=256) as client:
        client.wait_ready(10)
        served = classify_texts(notes, tokenizer, client, info, max_length=32, stride=8)
        seqs = [c for chunks in tokenizer.encode_notes(notes, 32, 8) for c in chunks]
        served_logits = client.infer_logits(seqs)
    expected = classify_texts(notes, tokenizer, local, info, max_length=32, stride=8)
    assert [p.n_chunks for p in served] == [p.n_chunks for p in expected]
    assert max(p.n_chunks for p in served) > 1
    assert [p.label for p in served] == [p.label for p in expected]
    np.testing.assert_allclose([p.score for p in served], [p.score for p in expected], atol=1e-5)
    # Each sequence alone (no padding at all) gives the same logits as the padded, batched service.
    alone = np.concatenate([run_logits(local.session, s[None], np.ones_like(s)[None]) for s in seqs])
    np.testing.assert_allclose(served_logits, alone, atol=1e-4)
    assert np.ptp(alone, axis=0).max() > 1e-3  # the inputs really differ, so the comparison can fail


def test_async_client_matches_sync(embedded_triton, version_dir: Path, notes: list[str]):
    tokenizer, info = NoteTokenizer.from_dir(version_dir), load_model_info(version_dir)

    async def run() -> list:
        async with AsyncTritonClassifier(embedded_triton.grpc_url, inflight=2, max_batch_size=4) as client:
            await client.wait_ready(10)
            return await classify_texts_async(notes, tokenizer, client, info, max_length=32, stride=8)

    served = asyncio.run(run())
    expected = classify_texts(notes, tokenizer, OnnxClassifier(version_dir / "model.onnx"), info, 32, 8)
    np.testing.assert_allclose([p.score for p in served], [p.score for p in expected], atol=1e-5)


def test_kserve_v2_http_json_request(embedded_triton, version_dir: Path, synthetic_notes):
    tokenizer = NoteTokenizer.from_dir(version_dir)
    seqs = [chunks[0] for chunks in tokenizer.encode_notes(synthetic_notes(3, 1), 64, 0)]
    ids, mask = pad_batch(seqs)
    body = {
        "inputs": [
            {"name": "input_ids", "shape": list(ids.shape), "datatype": "INT64", "data": ids.flatten().tolist()},
            {"name": "attention_mask", "shape": list(mask.shape), "datatype": "INT64", "data": mask.flatten().tolist()},
        ],
        "outputs": [{"name": "logits"}],
    }
    response = httpx.post(f"{embedded_triton.http_url}/v2/models/distilbert/infer", json=body, timeout=30)
    assert response.status_code == 200
    (output,) = response.json()["outputs"]
    assert output["name"] == "logits" and output["datatype"] == "FP32" and output["shape"] == [3, 2]
    expected = run_logits(load_session(version_dir / "model.onnx"), ids, mask)
    np.testing.assert_allclose(np.array(output["data"]).reshape(3, 2), expected, atol=1e-5)
    metadata = httpx.get(f"{embedded_triton.http_url}/v2/models/distilbert", timeout=10).json()
    assert {i["name"] for i in metadata["inputs"]} == {"input_ids", "attention_mask"}


def _metric(text: str, name: str) -> float:
    pattern = rf'^{name}{{[^}}]*model="distilbert"[^}}]*}} (\S+)$'
    return sum(float(v) for v in re.findall(pattern, text, flags=re.MULTILINE))


def _waiting_server(tiny_model_repo: Path, max_queue_delay_us: int) -> EmbeddedTriton:
    """One instance whose batcher waits up to `max_queue_delay_us` to collect 16 requests."""
    return EmbeddedTriton(
        tiny_model_repo / "distilbert",
        precision="fp32",
        grpc_port=0,
        http_port=0,
        metrics_port=0,
        instances=1,
        batcher=BatcherSettings(preferred_batch_sizes=(16,), max_queue_delay_us=max_queue_delay_us),
    )


def test_dynamic_batcher_merges_concurrent_requests_of_different_lengths(
    tiny_model_repo: Path, version_dir: Path, synthetic_notes
):
    tokenizer = NoteTokenizer.from_dir(version_dir)
    full = [chunks[0] for chunks in tokenizer.encode_notes(synthetic_notes(64, 3), 32, 0)]
    # Single-note requests of 6..29 tokens, as the realtime gateway sends them: unequal shapes.
    seqs = [seq[: 6 + i % 24] for i, seq in enumerate(full)]
    assert len({len(s) for s in seqs}) > 10
    # One instance and a batcher that waits up to 10 s for 16 requests: batches form whatever the
    # machine's speed (64 requests are 4 preferred batches), so the count below tells ragged batching
    # (a few calls) from equal-shape-only batching (a new call at nearly every change of length).
    with _waiting_server(tiny_model_repo, max_queue_delay_us=10_000_000) as server:
        with TritonClassifier(server.grpc_url, max_batch_size=1, inflight=16, timeout_s=120) as client:
            # 64 single-sequence requests, 16 in flight per client, from 4 threads at once.
            with ThreadPoolExecutor(4) as pool:
                parts = list(pool.map(lambda part: client.infer_logits(part), [seqs[i::4] for i in range(4)]))
        metrics = httpx.get(server.metrics_url, timeout=10).text
    assert _metric(metrics, "nv_inference_request_success") == 64
    assert 0 < _metric(metrics, "nv_inference_exec_count") <= 16
    # Merged (and padded) or not, every request gets the logits of its own sequence computed alone.
    session = load_session(version_dir / "model.onnx")
    for offset, logits in enumerate(parts):
        alone = [run_logits(session, s[None], np.ones_like(s)[None])[0] for s in seqs[offset::4]]
        np.testing.assert_allclose(logits, np.stack(alone), atol=1e-4)


def test_a_request_still_queued_at_its_deadline_is_dropped_not_computed(tiny_model_repo: Path, version_dir: Path):
    # The batcher holds a lone request until 16 sequences are queued (or a minute has passed): a client
    # deadline of 1 s expires in the queue, the gRPC call is cancelled, and Triton drops the request
    # instead of computing it for nobody. Nothing here races the clock: the channel is connected before
    # the call, the request is seen queued before the next one is sent, and the batcher forms a batch only
    # when that one (a full batch of 16) arrives.
    seq = np.array([2, 17, 3], dtype=np.int64)
    with _waiting_server(tiny_model_repo, max_queue_delay_us=60_000_000) as server:
        with TritonClassifier(server.grpc_url, timeout_s=1.0) as hasty:
            hasty.wait_ready()
            with pytest.raises(TritonInferenceError, match="DEADLINE_EXCEEDED"):
                hasty.infer_logits([seq])
        deadline = time.monotonic() + 60
        while _metric(httpx.get(server.metrics_url, timeout=10).text, "nv_inference_pending_request_count") != 1:
            assert time.monotonic() < deadline, "the request never reached Triton's queue"
            time.sleep(0.05)
        with TritonClassifier(server.grpc_url, timeout_s=60, max_batch_size=16) as patient:
            assert patient.infer_logits([seq] * 16).shape == (16, 2)
        metrics = httpx.get(server.metrics_url, timeout=10).text
    assert _metric(metrics, "nv_inference_exec_count") == 1  # the full batch only
    assert _metric(metrics, "nv_inference_request_success") == 1
    assert _metric(metrics, "nv_inference_request_failure") == 1  # the expired request, dropped
    assert _metric(metrics, "nv_inference_pending_request_count") == 0


def test_server_rejects_malformed_request_without_echoing_data(embedded_triton):
    with TritonClassifier(embedded_triton.grpc_url, model="no-such-model") as client:
        with pytest.raises(TritonInferenceError) as excinfo:
            client.infer_logits([np.array([2, 1234567, 3], dtype=np.int64)])
    assert "1234567" not in str(excinfo.value)


def test_int8_server_without_batcher_stops_cleanly(
    tiny_model_repo: Path, version_dir: Path, tmp_path: Path, synthetic_notes
):
    server = EmbeddedTriton(
        tiny_model_repo / "distilbert",
        precision="int8",
        dynamic_batching=False,
        grpc_port=0,
        http_port=0,
        metrics_port=0,
        work_dir=tmp_path / "work",
    )
    with server:
        assert server.is_running()
        config = httpx.get(f"{server.http_url}/v2/models/distilbert/config", timeout=10).json()
        assert "dynamic_batching" not in config
        assert config["parameters"]["onnx_file"]["string_value"] == "model.int8.onnx"
        tokenizer = NoteTokenizer.from_dir(version_dir)
        seqs = [c[0] for c in tokenizer.encode_notes(synthetic_notes(8, 5), 32, 0)]
        with TritonClassifier(server.grpc_url) as client:
            served = client.infer_logits(seqs)
        # Dynamic INT8 quantizes activations per run: equal only for the same batch, which holds here
        # (no batcher; client and local classifier form the same single padded batch).
        local = OnnxClassifier(version_dir / "model.int8.onnx").infer_logits(seqs)
        np.testing.assert_allclose(served, local, atol=1e-5)
        pid = server._process.pid
    assert not server.is_running()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_start_failure_reports_log_tail(tiny_model_repo: Path, tmp_path: Path):
    broken = tmp_path / "distilbert"
    shutil.copytree(tiny_model_repo / "distilbert", broken)
    (broken / "1" / "model.onnx").write_bytes(b"not an onnx model")
    server = EmbeddedTriton(broken, precision="fp32", grpc_port=0, http_port=0, metrics_port=0, start_timeout_s=60)
    with pytest.raises(TritonStartError) as excinfo:
        server.start()
    message = str(excinfo.value)
    assert "Last lines of" in message and "distilbert" in message
    assert not server.is_running()


def test_ready_means_this_server_answers_not_another_on_its_ports(
    tiny_model_repo: Path, embedded_triton, monkeypatch: pytest.MonkeyPatch
):
    """Past the port check (a port taken in between), the server that answers is not the one started: its
    id says so, and the start fails in one line instead of reporting the other server ready."""
    monkeypatch.setattr("inference.triton_server.port_in_use", lambda host, port: False)
    second = EmbeddedTriton(
        tiny_model_repo / "distilbert", precision="fp32", grpc_port=embedded_triton.grpc_port,
        http_port=embedded_triton.http_port, metrics_port=embedded_triton.metrics_port, start_timeout_s=60,
    )
    with pytest.raises(TritonPortTaken) as excinfo:
        second.start()
    message = str(excinfo.value)
    assert "\n" not in message
    assert re.search(r"another server \('medflow-\w+'\) answers|could not bind its ports", message), message
    assert not second.is_running() and embedded_triton.is_running()


def test_parallel_session_calls_and_per_instance_counters(tiny_model_repo: Path, version_dir: Path, synthetic_notes):
    tokenizer = NoteTokenizer.from_dir(version_dir)
    full = [chunks[0] for chunks in tokenizer.encode_notes(synthetic_notes(32, 5), 32, 0)]
    seqs = [seq[: 6 + 3 * (i % 8)] for i, seq in enumerate(full)]  # widths 6..27: several calls per batch
    server = EmbeddedTriton(
        tiny_model_repo / "distilbert",
        precision="fp32",
        grpc_port=0,
        http_port=0,
        metrics_port=0,
        instances=1,
        session_threads=2,
        # Batches of 16 form whatever the machine's speed (32 requests, then probes of 16).
        batcher=BatcherSettings(preferred_batch_sizes=(16,), max_queue_delay_us=10_000_000),
    )
    with server, TritonClassifier(server.grpc_url, max_batch_size=1, inflight=16, timeout_s=120) as client:
        with ThreadPoolExecutor(4) as pool:
            parts = list(pool.map(lambda part: client.infer_logits(part), [seqs[i::4] for i in range(4)]))
        # The backend publishes its counts at most every 50 ms, with its next batch: send single
        # batches until the instance's counters have caught up with Triton's own.
        probe, probes = seqs[0], 0
        deadline = time.monotonic() + 60
        while True:
            metrics = httpx.get(server.metrics_url, timeout=10).text
            if _metric(metrics, "medflow_instance_executions_total") == _metric(metrics, "nv_inference_exec_count"):
                break
            assert time.monotonic() < deadline
            client.infer_logits([probe] * 16)
            probes += 16
    session = load_session(version_dir / "model.onnx")
    for offset, logits in enumerate(parts):
        alone = [run_logits(session, s[None], np.ones_like(s)[None])[0] for s in seqs[offset::4]]
        np.testing.assert_allclose(logits, np.stack(alone), atol=1e-4)
    counter = lambda name: _metric(metrics, f"medflow_instance_{name}_total")  # noqa: E731
    assert 'instance="distilbert_0_0"' in metrics
    assert counter("requests") == _metric(metrics, "nv_inference_request_success") == len(seqs) + probes
    assert counter("tokens") == sum(len(s) for s in seqs) + probes * len(probe)
    assert counter("padding_tokens") >= 0
    assert counter("session_calls") > counter("executions")  # merged batches ran as several calls
    assert counter("execute_seconds") > 0 and counter("session_seconds") > 0
