"""Closed-loop load generator: N client threads, a fixed total request count, bounded in time.

Each thread owns a sender (its own connection) and sends the next request as soon as the previous
one returned, like N concurrent users. Loopback only; request bodies are never recorded.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# A sender sends request number i and returns whether it succeeded; it may raise (counted as error).
Sender = Callable[[int], bool]


@dataclass(frozen=True, slots=True)
class LoadResult:
    level: int  # concurrent clients (or, for the in-process model, the batch size)
    errors: int
    seconds: float
    latencies_s: tuple[float, ...]  # one per successful request (or batch)
    items: int  # requests (or sequences) completed successfully
    cpu_s: float | None = None  # CPU seconds the server(s) used meanwhile (None: not measured)

    @property
    def throughput(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self, level_name: str = "concurrency") -> dict[str, float | int]:
        p50, p95 = percentiles_ms(self.latencies_s)
        point: dict[str, float | int] = {
            level_name: self.level,
            "p50_ms": round(p50, 2),
            "p95_ms": round(p95, 2),
            "throughput_rps": round(self.throughput, 2),
            "requests": self.items,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
        }
        if self.cpu_s is not None and self.items:
            point["server_cpu_ms_per_request"] = round(self.cpu_s * 1000 / self.items, 2)
        return point


def merge(results: Sequence[LoadResult]) -> LoadResult:
    """Several short runs at one level as one: items and seconds add up, latencies pool."""
    return LoadResult(
        level=results[0].level,
        errors=sum(r.errors for r in results),
        seconds=sum(r.seconds for r in results),
        latencies_s=tuple(x for r in results for x in r.latencies_s),
        items=sum(r.items for r in results),
        cpu_s=None if any(r.cpu_s is None for r in results) else sum(r.cpu_s or 0.0 for r in results),
    )


def percentiles_ms(latencies_s: Sequence[float]) -> tuple[float, float]:
    if not latencies_s:
        return 0.0, 0.0
    p50, p95 = np.percentile(np.asarray(latencies_s) * 1000.0, [50, 95])
    return float(p50), float(p95)


def run_load(senders: Sequence[Sender], *, requests: int, max_seconds: float) -> LoadResult:
    """Send `requests` requests from one thread per sender (stopping early after `max_seconds`)."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    start = threading.Barrier(len(senders) + 1)
    deadline = [float("inf")]

    def client(send: Sender) -> None:
        nonlocal errors
        local_latencies, local_errors = [], 0
        start.wait()
        while True:
            with lock:
                index = next(counter)
            if index >= requests or time.perf_counter() > deadline[0]:
                break
            began = time.perf_counter()
            try:
                ok = send(index)
            except Exception:
                ok = False
            if ok:
                local_latencies.append(time.perf_counter() - began)
            else:
                local_errors += 1
        with lock:
            latencies.extend(local_latencies)
            errors += local_errors

    threads = [threading.Thread(target=client, args=(s,), daemon=True) for s in senders]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + max_seconds
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return LoadResult(len(senders), errors, time.perf_counter() - began, tuple(latencies), len(latencies))
