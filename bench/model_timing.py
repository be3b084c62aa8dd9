"""Throughput measurements of the model: in-process ONNX Runtime (FP32 vs INT8) and through Triton.

`medflow model bench` uses synthetic token ids (no note text) of a fixed length, so numbers compare
across runs; `medflow bench` (bench/) times the same session helpers on real note chunks.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from inference.length_buckets import bucket_by_length, pad_batch
from inference.model_files import Precision, onnx_path
from inference.onnx_model import load_session, run_logits


@dataclass(frozen=True, slots=True)
class Throughput:
    target: str  # "onnxruntime" or "triton"
    precision: str
    batch_size: int
    seq_len: int
    sequences: int
    seconds: float

    @property
    def seq_per_s(self) -> float:
        return self.sequences / self.seconds

    def as_dict(self) -> dict[str, object]:
        return asdict(self) | {"seq_per_s": round(self.seq_per_s, 2)}


def synthetic_sequences(n: int, seq_len: int, seed: int = 0) -> list[np.ndarray]:
    """[CLS]=2 ... [SEP]=3 around random ids from a range every vocabulary here has."""
    rng = np.random.default_rng(seed)
    body = rng.integers(5, 200, size=(n, seq_len - 2), dtype=np.int64)
    return [np.concatenate([[2], row, [3]]).astype(np.int64) for row in body]


@dataclass(frozen=True, slots=True)
class SessionTiming:
    """Repeated session runs over a fixed list of padded batches."""

    sequences: int
    seconds: float
    latencies_s: tuple[float, ...]  # one per session call (one batch)

    @property
    def seq_per_s(self) -> float:
        return self.sequences / self.seconds


PaddedBatch = tuple[np.ndarray, np.ndarray]  # (input_ids, attention_mask)


def padded_batches(
    seqs: list[np.ndarray], max_batch_size: int, token_budget: int, pad_id: int = 0
) -> list[PaddedBatch]:
    """The batches a client would send for these sequences (length buckets, padded-token budget)."""
    lengths = [len(s) for s in seqs]
    return [pad_batch([seqs[i] for i in b], pad_id) for b in bucket_by_length(lengths, max_batch_size, token_budget)]


def time_sessions(
    sessions: Sequence[ort.InferenceSession],
    batches: list[PaddedBatch],
    min_seconds: float,
    min_passes: int = 1,
    warm_up: bool = True,
) -> SessionTiming:
    """Run the batches in order, repeatedly, for at least `min_seconds` and `min_passes` full passes.

    Several sessions (e.g. one per core) take the next batch from a shared cursor in parallel threads
    (ONNX Runtime releases the GIL), like Triton instances sharing one queue.
    """
    if warm_up:
        for session in sessions:
            run_logits(session, *batches[0])  # allocations, kernel selection
    cursor = itertools.count()
    latencies: list[float] = []
    sequences = [0]
    lock = threading.Lock()
    started = time.perf_counter()
    total = len(batches) * min_passes

    def worker(session: ort.InferenceSession) -> None:
        while True:
            index = next(cursor)  # itertools.count is atomic under the GIL
            if index >= total and time.perf_counter() - started >= min_seconds:
                return
            ids, mask = batches[index % len(batches)]
            call_started = time.perf_counter()
            run_logits(session, ids, mask)
            elapsed = time.perf_counter() - call_started
            with lock:
                latencies.append(elapsed)
                sequences[0] += len(ids)

    threads = [threading.Thread(target=worker, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return SessionTiming(sequences[0], time.perf_counter() - started, tuple(latencies))


def load_sessions(
    path: Path, sessions: int, intra_op_threads: int | None, gpu: bool = False
) -> list[ort.InferenceSession]:
    return [load_session(path, intra_op_threads, gpu=gpu) for _ in range(sessions)]


def bench_in_process(
    version_dir: Path,
    precision: Precision,
    batch_sizes: list[int],
    seq_len: int = 128,
    min_seconds: float = 3.0,
    intra_op_threads: int | None = None,
) -> list[Throughput]:
    session = load_session(onnx_path(version_dir, precision), intra_op_threads)
    results = []
    for batch_size in batch_sizes:
        ids = np.stack(synthetic_sequences(batch_size, seq_len))
        timing = time_sessions([session], [(ids, np.ones_like(ids))], min_seconds, min_passes=2)
        results.append(Throughput("onnxruntime", precision, batch_size, seq_len, timing.sequences, timing.seconds))
    return results


def bench_triton(
    grpc_url: str,
    precision: str,
    n_sequences: int = 256,
    seq_len: int = 128,
    max_batch_size: int = 16,
    inflight: int = 4,
) -> Throughput:
    from inference.triton_client import TritonClassifier

    seqs = synthetic_sequences(n_sequences, seq_len, seed=1)
    with TritonClassifier(grpc_url, inflight=inflight, max_batch_size=max_batch_size, token_budget=10**9) as client:
        client.wait_ready(60)
        client.infer_logits(seqs[:max_batch_size])  # warm-up
        started = time.perf_counter()
        client.infer_logits(seqs)
        elapsed = time.perf_counter() - started
    return Throughput("triton", precision, max_batch_size, seq_len, n_sequences, elapsed)
