"""Closed-loop load generator: N client threads, a fixed total request count, bounded in time.

Each thread owns its connection (built by `make_sender`) and sends the next request as soon as the
previous one returned, like N concurrent users. Loopback only; request bodies are never recorded.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# A sender sends request number i and returns whether it succeeded; it may raise (counted as error).
Sender = Callable[[int], bool]


@dataclass(frozen=True, slots=True)
class LoadResult:
    concurrency: int
    requests: int  # completed successfully
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float

    @property
    def throughput_rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "concurrency": self.concurrency,
            "p50_ms": round(self.p50_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "throughput_rps": round(self.throughput_rps, 2),
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
        }


def percentiles_ms(latencies_s: list[float] | tuple[float, ...]) -> tuple[float, float]:
    if not latencies_s:
        return float("nan"), float("nan")
    p50, p95 = np.percentile(np.asarray(latencies_s) * 1000.0, [50, 95])
    return float(p50), float(p95)


def run_load(
    make_sender: Callable[[], Sender],
    *,
    concurrency: int,
    requests: int,
    max_seconds: float,
    warmup_per_client: int = 1,
) -> LoadResult:
    """Send `requests` requests from `concurrency` threads (stopping early after `max_seconds`).

    Each client first sends `warmup_per_client` untimed requests (connection setup, server warm-up).
    """
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    start = threading.Barrier(concurrency + 1)
    deadline = [float("inf")]

    def client() -> None:
        nonlocal errors
        local_latencies, local_errors = [], 0
        try:
            send = make_sender()
            for i in range(warmup_per_client):
                send(-1 - i)
        except Exception:  # a client that cannot connect counts as one error, the others go on
            local_errors += 1
            send = None
        start.wait()
        while send is not None:
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

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    deadline[0] = began + max_seconds
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    p50, p95 = percentiles_ms(latencies)
    return LoadResult(concurrency, len(latencies), errors, seconds, p50, p95)
