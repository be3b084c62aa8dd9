"""Triton Python-backend model: DistilBERT logits with ONNX Runtime on CPU.

Loaded by the real tritonserver (see inference/triton_server.py). Model parameters set by the generated
config.pbtxt: `onnx_file` (model.int8.onnx or model.onnx, next to this file), `import_path` (where
the `inference` package lives, so session options come from inference/onnx_model.py),
`max_added_padding` / `max_run_tokens` (how far requests are merged into one session call),
`session_threads` (how many session calls of one batch run at once) and `gpu` (CUDA instead of CPU).
Error messages never include tensor contents.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import triton_python_backend_utils as pb_utils

# Each metric increment is a round trip to the server process, so counts add up here and reach the
# metrics endpoint at most this often (a scrape may lag by as much).
METRICS_FLUSH_S = 0.05
INSTANCE_COUNTERS = {
    "executions": "Batches this instance executed",
    "requests": "Requests in those batches",
    "execute_seconds": "Wall seconds inside execute (the stub's share of Triton's compute_infer)",
    "session_seconds": "Wall seconds inside ONNX Runtime session calls, summed over parallel calls",
    "session_calls": "ONNX Runtime session calls",
    "tokens": "Real tokens computed",
    # Padding apart from the tokens (not padded totals): two counters read at once while a flush is half done
    # then still give an efficiency tokens / (tokens + padding) of at most 1.
    "padding_tokens": "Padding tokens computed beside the real tokens",
}


class InstanceCounters:
    """`medflow_instance_<name>_total{model, instance}` counters on Triton's metrics endpoint."""

    def __init__(self, model: str, instance: str) -> None:
        self._families = {
            name: pb_utils.MetricFamily(
                name=f"medflow_instance_{name}_total", description=text, kind=pb_utils.MetricFamily.COUNTER
            )
            for name, text in INSTANCE_COUNTERS.items()
        }
        labels = {"model": model, "instance": instance}
        self._metrics = {name: family.Metric(labels=labels) for name, family in self._families.items()}
        self._pending = dict.fromkeys(INSTANCE_COUNTERS, 0.0)
        self._flushed = time.monotonic()

    def add(self, **values: float) -> None:
        for name, value in values.items():
            self._pending[name] += value
        if time.monotonic() - self._flushed >= METRICS_FLUSH_S:
            self.flush()

    def flush(self) -> None:
        for name, value in self._pending.items():
            if value:
                self._metrics[name].increment(value)
        self._pending = dict.fromkeys(INSTANCE_COUNTERS, 0.0)
        self._flushed = time.monotonic()

    def close(self) -> None:
        self.flush()
        self._metrics.clear()  # metrics go before their families (the backend requires that order)
        self._families.clear()


class TritonPythonModel:
    def initialize(self, args: dict) -> None:
        config = json.loads(args["model_config"])
        params = {k: v["string_value"] for k, v in config.get("parameters", {}).items()}
        if params.get("import_path") and params["import_path"] not in sys.path:
            sys.path.insert(0, params["import_path"])
        from inference.length_buckets import group_by_width
        from inference.onnx_model import load_session, run_logits

        version_dir = Path(args["model_repository"]) / args["model_version"]
        threads = int(params["intra_op_threads"]) if params.get("intra_op_threads") else None
        gpu = params.get("gpu") == "1"
        self._session = load_session(version_dir / params["onnx_file"], intra_op_threads=threads, gpu=gpu)
        self._run_logits = run_logits
        self._group_by_width = group_by_width
        self._max_added_padding = int(params.get("max_added_padding", "0"))
        self._max_run_tokens = int(params.get("max_run_tokens", "1024"))
        # ONNX Runtime sessions are safe to call from several threads; each call computes on its
        # caller's thread (one intra-op thread), so this many calls of one batch use as many cores.
        session_threads = int(params.get("session_threads", "1"))
        self._pool = ThreadPoolExecutor(session_threads) if session_threads > 1 else None
        self._counters = InstanceCounters(args["model_name"], args["model_instance_name"])

    def execute(self, requests: list) -> list:
        """Run a dynamic batch as few session calls as padding allows, then split the rows back.

        Requests may differ in sequence length (the local config allows ragged batches). Requests of
        similar width share one call, right-padded with mask 0 (which leaves the logits unchanged);
        a much wider one gets its own call rather than padding everyone (`group_by_width`). With
        `session_threads` > 1 the calls of one batch run in parallel.
        """
        began = time.perf_counter()
        ids_parts, mask_parts = [], []
        for request in requests:
            ids_parts.append(pb_utils.get_input_tensor_by_name(request, "input_ids").as_numpy())
            mask_parts.append(pb_utils.get_input_tensor_by_name(request, "attention_mask").as_numpy())
        shapes_ok = all(i.shape == m.shape and i.ndim == 2 for i, m in zip(ids_parts, mask_parts, strict=True))
        if not shapes_ok:
            error = pb_utils.TritonError("input_ids and attention_mask must have the same [batch, seq] shape")
            return [pb_utils.InferenceResponse(output_tensors=[], error=error) for _ in requests]
        widths, rows = [p.shape[1] for p in ids_parts], [p.shape[0] for p in ids_parts]
        groups = self._group_by_width(widths, rows, self._max_added_padding, self._max_run_tokens)

        def padded_tokens(group: list[int]) -> int:
            return sum(rows[i] for i in group) * max(widths[i] for i in group)

        def run(group: list[int]) -> tuple[np.ndarray, float]:
            width = max(widths[i] for i in group)
            input_ids = np.concatenate([_pad_right(ids_parts[i], width) for i in group]).astype(np.int64, copy=False)
            mask = np.concatenate([_pad_right(mask_parts[i], width) for i in group]).astype(np.int64, copy=False)
            started = time.perf_counter()
            logits = self._run_logits(self._session, input_ids, mask)
            return logits, time.perf_counter() - started

        if self._pool is not None and len(groups) > 1:
            # Longest calls first, so the threads finish together instead of one running the widest last.
            groups.sort(key=padded_tokens, reverse=True)
            runs = list(self._pool.map(run, groups))
        else:
            runs = [run(g) for g in groups]
        logits_per_request: list = [None] * len(requests)
        session_seconds = 0.0
        for group, (logits, seconds) in zip(groups, runs, strict=True):
            session_seconds += seconds
            row = 0
            for i in group:
                logits_per_request[i] = logits[row : row + rows[i]]
                row += rows[i]
        responses = [
            pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("logits", logits)])
            for logits in logits_per_request
        ]
        tokens = sum(int(m.sum()) for m in mask_parts)
        self._counters.add(
            executions=1,
            requests=len(requests),
            execute_seconds=time.perf_counter() - began,
            session_seconds=session_seconds,
            session_calls=len(groups),
            tokens=tokens,
            padding_tokens=sum(map(padded_tokens, groups)) - tokens,
        )
        return responses

    def finalize(self) -> None:
        self._counters.close()
        if self._pool is not None:
            self._pool.shutdown()
        self._session = None


def _pad_right(array: np.ndarray, width: int) -> np.ndarray:
    return np.pad(array, ((0, 0), (0, width - array.shape[1]))) if array.shape[1] < width else array
