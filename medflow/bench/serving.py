"""Serving scenarios of the paper on one fixed set of short notes.

The machine is shared and noisy, so scenarios are measured *interleaved*: all servers run side by
side (idle unless measured) and each concurrency level is split into rounds that visit every
scenario in rotating order. Slow minutes then hit all scenarios alike and the ratios stay meaningful.
Every scenario is summarised at its best point (highest throughput) with the whole sweep kept:
`raw_model_rps` sweeps batch sizes (in process, no server: the ceiling), the others client concurrency.
"""

from __future__ import annotations

import http.client
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from inference.bench import load_sessions, padded_batches, time_sessions
from inference.model_files import Precision, onnx_path
from inference.onnx_model import cpu_serving_layout
from medflow.bench.load import LoadResult, Sender, merge, run_load

SweepPoint = dict[str, float | int]


@dataclass(frozen=True, slots=True)
class LoadPlan:
    concurrency: tuple[int, ...] = (1, 4, 16, 64)
    min_requests: int = 200  # per level
    requests_per_client: int = 4  # at high concurrency every client sends at least this many
    max_seconds: float = 60.0  # per level and scenario
    rounds: int = 3  # interleaving rounds per level

    def requests(self, level: int) -> int:
        return max(self.min_requests, self.requests_per_client * level)


class Scenario(Protocol):
    levels: tuple[int, ...]
    level_name: str

    def measure(self, level: int, items: int, max_seconds: float) -> LoadResult: ...


class ClientScenario:
    """Concurrent clients of a server. Senders (connections) are made and warmed once, then reused.

    `server_cpu` reads the CPU seconds of the server processes; each measurement records their use.
    """

    level_name = "concurrency"

    def __init__(
        self, make_sender: Callable[[], Sender], levels: tuple[int, ...], server_cpu: Callable[[], float]
    ) -> None:
        self.levels = levels
        self._make_sender = make_sender
        self._server_cpu = server_cpu
        self._senders: list[Sender] = []

    def measure(self, level: int, items: int, max_seconds: float) -> LoadResult:
        while len(self._senders) < level:
            send = self._make_sender()
            try:
                send(-1)  # warm-up: connection setup and first-call costs stay out of the numbers
            except Exception:  # noqa: S110 - a broken server shows up as errors in the measured requests
                pass
            self._senders.append(send)
        cpu_before = self._server_cpu()
        result = run_load(self._senders[:level], requests=items, max_seconds=max_seconds)
        return replace(result, cpu_s=self._server_cpu() - cpu_before)


class RawModelScenario:
    """ONNX Runtime in this process on the same sequences, in the servers' layout (one single-threaded
    session per core, the project's session options): what the servers could reach with zero overhead."""

    level_name = "batch_size"

    def __init__(
        self, version_dir: Path, precision: Precision, seqs: list[np.ndarray], batch_sizes: tuple[int, ...], pad_id: int
    ) -> None:
        self.levels = batch_sizes
        self._sessions = load_sessions(onnx_path(version_dir, precision), *cpu_serving_layout())
        self._batches = {b: padded_batches(seqs, b, 10**9, pad_id) for b in batch_sizes}
        self._next = dict.fromkeys(batch_sizes, 0)
        for batches in self._batches.values():
            time_sessions(self._sessions, batches[:1], 0.0)  # warm-up of each shape family

    def measure(self, level: int, items: int, max_seconds: float) -> LoadResult:
        """At least `items` sequences, continuing through the batches where the last round stopped."""
        batches, chosen, sequences = self._batches[level], [], 0
        while sequences < items:
            batch = batches[self._next[level] % len(batches)]
            self._next[level] += 1
            chosen.append(batch)
            sequences += len(batch[0])
        cpu_before = time.process_time()  # this process: the sessions' threads, the idle clients
        timing = time_sessions(self._sessions, chosen, 0.0, warm_up=False)
        cpu_s = time.process_time() - cpu_before
        return LoadResult(level, 0, timing.seconds, timing.latencies_s, timing.sequences, cpu_s)


def interleaved_sweep(
    scenarios: dict[str, Scenario], plan: LoadPlan, progress: Callable[[str], None] = lambda _: None
) -> dict[str, list[SweepPoint]]:
    names = list(scenarios)
    runs: dict[str, list[list[LoadResult]]] = {name: [[] for _ in s.levels] for name, s in scenarios.items()}
    for step in range(max(len(s.levels) for s in scenarios.values())):
        progress(
            f"serving sweep, step {step + 1}: "
            + ", ".join(f"{n}@{s.levels[step]}" for n, s in scenarios.items() if step < len(s.levels))
        )
        for round_no in range(plan.rounds):
            shift = round_no % len(names)
            for name in names[shift:] + names[:shift]:
                scenario = scenarios[name]
                if step < len(scenario.levels):
                    level = scenario.levels[step]
                    items = math.ceil(plan.requests(level) / plan.rounds)
                    runs[name][step].append(scenario.measure(level, items, plan.max_seconds / plan.rounds))
    return {name: [merge(r).as_dict(scenarios[name].level_name) for r in runs[name]] for name in names}


def summarize(points: list[SweepPoint]) -> dict[str, object]:
    """The best point's figures at the top, all points under `sweep`, errors summed over the sweep."""
    best = max(points, key=lambda p: p["throughput_rps"])
    summary: dict[str, object] = {k: best[k] for k in ("p50_ms", "p95_ms", "throughput_rps")}
    summary |= {k: best[k] for k in ("concurrency", "batch_size", "server_cpu_ms_per_request") if k in best}
    summary["errors"] = int(sum(p.get("errors", 0) for p in points))
    summary["sweep"] = points
    return summary


def http_senders(port: int, path: str, texts: list[str], headers: dict[str, str] | None = None) -> Callable[[], Sender]:
    """Keep-alive HTTP/1.1 clients posting `{"text": ...}`.

    Like any pooled HTTP client, a request that finds its idle keep-alive connection closed by the
    server (uvicorn drops idle ones after 5 s, e.g. while other scenarios are measured) is sent once
    more on a new connection; every other failure counts as an error.
    """
    bodies = [json.dumps({"text": t}).encode() for t in texts]
    all_headers = {"Content-Type": "application/json"} | (headers or {})

    def make_sender() -> Sender:
        connection = [http.client.HTTPConnection("127.0.0.1", port, timeout=30)]

        def post(i: int) -> bool:
            connection[0].request("POST", path, body=bodies[i % len(bodies)], headers=all_headers)
            response = connection[0].getresponse()
            response.read()
            return response.status == 200

        def reconnect() -> None:
            connection[0].close()
            connection[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def send(i: int) -> bool:
            try:
                return post(i)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                reconnect()  # stale keep-alive connection
            try:
                return post(i)
            except (OSError, http.client.HTTPException):
                reconnect()
                raise

        return send

    return make_sender


def triton_senders(grpc_url: str, model: str, seqs: list[np.ndarray], pad_id: int = 0) -> Callable[[], Sender]:
    """One gRPC client per thread, one note (already tokenized on the client) per request.

    Request tensors are built once per sender, as the HTTP senders encode their bodies once: the load
    generator shares the cores with the servers, so it should do no more per request than it must.
    """
    import tritonclient.grpc as grpcclient

    from inference.triton_client import make_inputs

    def make_sender() -> Sender:
        client = grpcclient.InferenceServerClient(grpc_url)
        outputs = [grpcclient.InferRequestedOutput("logits")]
        requests = [make_inputs([seq], pad_id) for seq in seqs]

        def send(i: int) -> bool:
            result = client.infer(model, requests[i % len(requests)], outputs=outputs, client_timeout=30)
            return result.as_numpy("logits") is not None

        return send

    return make_sender
