"""Serving scenarios of the paper on one fixed set of short notes, each swept over client concurrency.

Every scenario is summarised at its best point (highest throughput) with the whole sweep kept:
`raw_model_rps` sweeps batch sizes (in-process, no server: the ceiling), the others sweep concurrency.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from inference.bench import padded_batches, time_session
from inference.model_files import Precision, onnx_path
from inference.onnx_model import load_session
from medflow.bench.load import LoadResult, Sender, percentiles_ms, run_load

SweepPoint = dict[str, float | int]


@dataclass(frozen=True, slots=True)
class LoadPlan:
    concurrency: tuple[int, ...] = (1, 4, 16, 64)
    min_requests: int = 200  # per concurrency level
    requests_per_client: int = 4  # at high concurrency every client sends at least this many
    max_seconds: float = 60.0  # per concurrency level

    def requests(self, concurrency: int) -> int:
        return max(self.min_requests, self.requests_per_client * concurrency)


def summarize(points: list[SweepPoint]) -> dict[str, object]:
    """The best point's figures at the top, all points under `sweep`, errors summed over the sweep."""
    best = max(points, key=lambda p: p["throughput_rps"])
    summary: dict[str, object] = {k: best[k] for k in ("p50_ms", "p95_ms", "throughput_rps")}
    summary |= {k: best[k] for k in ("concurrency", "batch_size") if k in best}
    summary["errors"] = int(sum(p.get("errors", 0) for p in points))
    summary["sweep"] = points
    return summary


def sweep(make_sender: Callable[[], Sender], plan: LoadPlan) -> list[SweepPoint]:
    results: list[LoadResult] = [
        run_load(make_sender, concurrency=c, requests=plan.requests(c), max_seconds=plan.max_seconds)
        for c in plan.concurrency
    ]
    return [r.as_dict() for r in results]


def raw_model_sweep(
    version_dir: object,
    precision: Precision,
    seqs: list[np.ndarray],
    batch_sizes: tuple[int, ...],
    min_seconds: float,
    pad_id: int = 0,
) -> list[SweepPoint]:
    """In-process ONNX Runtime on the same sequences at each batch size (latency = one batch call)."""
    session = load_session(onnx_path(version_dir, precision))  # type: ignore[arg-type]
    points: list[SweepPoint] = []
    for batch_size in batch_sizes:
        timing = time_session(session, padded_batches(seqs, batch_size, 10**9, pad_id), min_seconds)
        p50, p95 = percentiles_ms(timing.latencies_s)
        points.append(
            {
                "batch_size": batch_size,
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "throughput_rps": round(timing.seq_per_s, 2),
                "requests": timing.sequences,
                "errors": 0,
                "seconds": round(timing.seconds, 3),
            }
        )
    return points


def http_senders(port: int, path: str, texts: list[str], headers: dict[str, str] | None = None) -> Callable[[], Sender]:
    """Keep-alive HTTP/1.1 clients posting `{"text": ...}` (a broken connection is reopened)."""
    bodies = [json.dumps({"text": t}).encode() for t in texts]
    all_headers = {"Content-Type": "application/json"} | (headers or {})

    def make_sender() -> Sender:
        connection = [http.client.HTTPConnection("127.0.0.1", port, timeout=30)]

        def send(i: int) -> bool:
            try:
                connection[0].request("POST", path, body=bodies[i % len(bodies)], headers=all_headers)
                response = connection[0].getresponse()
                response.read()
                return response.status == 200
            except (OSError, http.client.HTTPException):
                connection[0].close()
                connection[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                raise

        return send

    return make_sender


def triton_senders(grpc_url: str, model: str, seqs: list[np.ndarray], pad_id: int = 0) -> Callable[[], Sender]:
    """One gRPC client per thread, one note (already tokenized on the client) per request."""
    import tritonclient.grpc as grpcclient

    from inference.triton_client import make_inputs

    def make_sender() -> Sender:
        client = grpcclient.InferenceServerClient(grpc_url)
        outputs = [grpcclient.InferRequestedOutput("logits")]

        def send(i: int) -> bool:
            result = client.infer(model, make_inputs([seqs[i % len(seqs)]], pad_id), outputs=outputs, client_timeout=30)
            return result.as_numpy("logits") is not None

        return send

    return make_sender
