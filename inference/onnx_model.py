"""In-process ONNX Runtime sessions: the one place where session options are chosen.

Used by the Triton Python-backend model (inference/triton_backend/model.py) and by benchmarks/tests.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort

from inference.length_buckets import bucket_by_length, pad_batch


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def cpu_serving_layout() -> tuple[int, int]:
    """(sessions, intra-op threads each) for serving on CPU: one single-threaded session per core, which
    beat one session on all cores (no thread hand-off per operator, and one session's Python/IPC overhead
    overlaps the other's compute; docs/performance-notes.md). Triton instances use it too."""
    return available_cores(), 1


# On a GPU two sessions (and two Triton instances) let one's Python and copying overlap the other's
# kernels; the GPU itself runs one batch at a time either way.
GPU_SESSIONS = 2


def serving_layout(gpu: bool = False) -> tuple[int, int]:
    """(sessions, intra-op threads each): one per core on CPU, GPU_SESSIONS single-threaded on a GPU."""
    return (GPU_SESSIONS, 1) if gpu else cpu_serving_layout()


def session_options(intra_op_threads: int | None = None) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # One model run at a time per session; parallelism comes from the intra-op pool sized to the cores.
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = intra_op_threads or available_cores()
    options.inter_op_num_threads = 1
    # No busy-waiting between kernels: on shared CPUs (de-id, client, server on one node) spinning
    # threads steal cores (docs/performance-notes.md).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3  # errors only: warnings can quote node names, never data, but are noise
    return options


def load_session(path: Path, intra_op_threads: int | None = None, *, gpu: bool = False) -> ort.InferenceSession:
    """A session on the CPU, or with `gpu` on CUDA device 0 (never silently on the CPU instead)."""
    if gpu and hasattr(ort, "preload_dlls"):
        ort.preload_dlls()  # CUDA and cuDNN from their PyPI wheels (onnxruntime-gpu[cuda,cudnn])
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if gpu else ["CPUExecutionProvider"]
    session = ort.InferenceSession(str(path), sess_options=session_options(intra_op_threads), providers=providers)
    if gpu and session.get_providers()[0] != "CUDAExecutionProvider":
        raise RuntimeError(f"ONNX Runtime cannot use CUDA here (providers: {ort.get_available_providers()})")
    return session


def run_logits(session: ort.InferenceSession, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    (logits,) = session.run(["logits"], {"input_ids": input_ids, "attention_mask": attention_mask})
    return np.asarray(logits, dtype=np.float32)


class OnnxClassifier:
    """Same `infer_logits` contract as the Triton clients, computed in this process."""

    def __init__(
        self,
        model_path: Path,
        *,
        intra_op_threads: int | None = None,
        max_batch_size: int = 64,
        token_budget: int = 4096,
        pad_id: int = 0,
        gpu: bool = False,
    ) -> None:
        self.session = load_session(model_path, intra_op_threads, gpu=gpu)
        self.max_batch_size = max_batch_size
        self.token_budget = token_budget
        self.pad_id = pad_id

    def infer_logits(self, seqs: Sequence[np.ndarray]) -> np.ndarray:
        batches = bucket_by_length([len(s) for s in seqs], self.max_batch_size, self.token_budget)
        results: dict[int, np.ndarray] = {}
        for indices in batches:
            ids, mask = pad_batch([seqs[i] for i in indices], self.pad_id)
            for index, row in zip(indices, run_logits(self.session, ids, mask), strict=True):
                results[index] = row
        return np.stack([results[i] for i in range(len(seqs))]) if seqs else np.zeros((0, 0), np.float32)
