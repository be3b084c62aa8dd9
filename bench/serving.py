"""Serving scenarios of the paper on one fixed set of short notes.

The machine is shared and noisy, so scenarios are measured *interleaved*: all servers run side by
side (idle unless measured) and each concurrency level is measured in rounds that visit every
scenario in rotating order. Slow minutes then hit all scenarios alike and the ratios stay meaningful.
Each round is one steady-state window (`load.run_load`); a level reports the median of its rounds
and their spread. Every scenario is summarised at its best point (highest median throughput) with
the whole sweep kept: `raw_model_rps` sweeps batch sizes (in process, no server: the ceiling), the
others client concurrency.
"""

from __future__ import annotations

import http.client
import json
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from onnxruntime import InferenceSession

from bench.cpu import machine_cpu_seconds, tree_cpu_seconds
from bench.load import LoadResult, Probe, Sender, percentiles_ms, run_load
from bench.model_timing import load_sessions, padded_batches, time_sessions
from bench.triton_stats import breakdown
from inference.model_files import Precision, onnx_path, uses_gpu
from inference.onnx_model import available_cores, run_logits, serving_layout

SweepPoint = dict[str, Any]


@dataclass(frozen=True, slots=True)
class LoadPlan:
    concurrency: tuple[int, ...] = (1, 4, 16, 64)
    rounds: int = 5  # windows per level and scenario, interleaved; the median and spread are over them
    window_s: float = 2.0  # length of one window


class Scenario(Protocol):
    levels: tuple[int, ...]
    level_name: str

    def measure(self, level: int, window_s: float) -> LoadResult: ...


def scenario_probe(server_pids: Sequence[int], extra: Probe | None = None) -> Probe:
    """CPU seconds of the server trees, of this process (the client threads) and of the machine."""

    def read() -> dict[str, float]:
        busy, total = machine_cpu_seconds()
        counters = {
            "server_cpu_s": tree_cpu_seconds(server_pids),
            "client_cpu_s": time.process_time(),
            "machine_busy_s": busy,
            "machine_total_s": total,
        }
        return counters | (extra() if extra else {})

    return read


class ClientScenario:
    """Concurrent clients of a server. Senders (connections) are made and warmed once, then reused."""

    level_name = "concurrency"

    def __init__(self, make_sender: Callable[[], Sender], levels: tuple[int, ...], probe: Probe) -> None:
        self.levels = levels
        self._make_sender = make_sender
        self._probe = probe
        self._senders: list[Sender] = []

    def measure(self, level: int, window_s: float) -> LoadResult:
        while len(self._senders) < level:
            send = self._make_sender()
            try:
                send(-1)  # warm-up: connection setup and first-call costs stay out of the numbers
            except Exception:  # noqa: S110 - a broken server shows up as errors in the measured requests
                pass
            self._senders.append(send)
        return run_load(self._senders[:level], window_s=window_s, probe=self._probe)


class RawModelScenario:
    """ONNX Runtime in this process on the same sequences, in the servers' layout (one single-threaded
    session per core, the project's session options): what the servers could reach with zero overhead.

    Each session is driven like a client (`run_load`), so the window and its edges are the servers'.
    """

    level_name = "batch_size"

    def __init__(
        self, version_dir: Path, precision: Precision, seqs: list[np.ndarray], batch_sizes: tuple[int, ...], pad_id: int
    ) -> None:
        self.levels = batch_sizes
        gpu = uses_gpu(precision)
        self._sessions = load_sessions(onnx_path(version_dir, precision), *serving_layout(gpu), gpu=gpu)
        # Full batches only, so every call computes exactly `batch_size` sequences.
        self._batches = {
            b: [batch for batch in padded_batches(seqs, b, 10**9, pad_id) if len(batch[0]) == b] for b in batch_sizes
        }
        self._next = dict.fromkeys(batch_sizes, 0)
        for batches in self._batches.values():
            time_sessions(self._sessions, batches[:1], 0.0)  # warm-up of each shape family

    def measure(self, level: int, window_s: float) -> LoadResult:
        batches, offset = self._batches[level], self._next[level]

        def sender(session: InferenceSession) -> Sender:
            def send(i: int) -> bool:
                run_logits(session, *batches[(offset + i) % len(batches)])
                return True

            return send

        result = run_load([sender(s) for s in self._sessions], window_s=window_s, probe=scenario_probe([]))
        self._next[level] += len(result.latencies_s)  # the next round continues with other batches
        # The "server" is this process (the sessions' threads); no client threads compete with it.
        counters = result.counters | {"server_cpu_s": result.counters["client_cpu_s"], "client_cpu_s": 0.0}
        return replace(result, level=level, items=result.items * level, counters=counters)


def interleaved_sweep(
    scenarios: Mapping[str, Scenario], plan: LoadPlan, progress: Callable[[str], None] = lambda _: None
) -> dict[str, list[list[LoadResult]]]:
    """Per scenario and level, the windows of all rounds."""
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
                    runs[name][step].append(scenario.measure(scenario.levels[step], plan.window_s))
    return runs


def median_spread(values: Sequence[float]) -> tuple[float, float]:
    """The median of the rounds and their spread: half their range relative to the median.

    With 5 rounds the true median lies between the lowest and the highest round with probability
    1 - 2 * 0.5**5 = 94 %, so a spread of 0.05 means the median is good to about +-5 %.
    """
    median = statistics.median(values)
    return median, (max(values) - min(values)) / (2 * median) if median else 0.0


def sweep_point(windows: Sequence[LoadResult], level_name: str, cores: int | None = None) -> SweepPoint:
    """One level: median throughput and utilization over its windows, pooled latencies and costs.

    utilization = requests/s x server CPU ms per request / (1000 x cores): the share of the machine
    the server kept busy. `other_cpu_share` is what neither the server nor this process (the client
    threads) used of the machine while measuring: the neighbours on a shared machine.
    """
    cores = cores or available_cores()
    counters: dict[str, float] = {}
    for window in windows:
        for key, value in window.counters.items():
            counters[key] = counters.get(key, 0.0) + value
    items, seconds = sum(w.items for w in windows), sum(w.seconds for w in windows)
    throughput, throughput_spread = median_spread([w.throughput for w in windows])
    utilization, utilization_spread = median_spread(
        [w.counters.get("server_cpu_s", 0.0) / (w.seconds * cores) for w in windows]
    )
    latencies = [x for w in windows for x in w.latencies_s]
    p50, p95 = percentiles_ms(latencies)
    point: SweepPoint = {
        level_name: windows[0].level,
        # None when nothing completed inside the windows (a batch longer than the window).
        "p50_ms": round(p50, 2) if latencies else None,
        "p95_ms": round(p95, 2) if latencies else None,
        "throughput_rps": round(throughput, 2),
        "throughput_spread": round(throughput_spread, 3),
        "throughput_rounds": [round(w.throughput, 2) for w in windows],
        "utilization": round(utilization, 3),
        "utilization_spread": round(utilization_spread, 3),
        "requests": round(items),
        "errors": sum(w.errors for w in windows),
        "seconds": round(seconds, 3),
    }
    if items:
        point["server_cpu_ms_per_request"] = round(counters.get("server_cpu_s", 0.0) * 1000 / items, 2)
        point["client_cpu_ms_per_request"] = round(counters.get("client_cpu_s", 0.0) * 1000 / items, 2)
    if counters.get("machine_total_s"):
        others = counters["machine_busy_s"] - counters.get("server_cpu_s", 0.0) - counters.get("client_cpu_s", 0.0)
        point["other_cpu_share"] = round(max(0.0, others) / counters["machine_total_s"], 3)
    if triton := breakdown(counters, seconds, items):
        point["triton"] = triton
    return point


def summarize(points: list[SweepPoint]) -> dict[str, object]:
    """The best point's figures at the top, all points under `sweep`, errors summed over the sweep."""
    best = max(points, key=lambda p: p["throughput_rps"])
    keys = ("p50_ms", "p95_ms", "throughput_rps", "throughput_spread", "utilization", "utilization_spread")
    summary: dict[str, object] = {k: best[k] for k in keys}
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
