"""Closed-loop load generator: N client threads, measured over a steady-state time window.

Each thread owns a sender (its own connection) and sends the next request as soon as the previous
one returned, like N concurrent users. The window opens once every client has had an answer (the
start-up burst is over) and closes after `window_s`; the clients then stop and their last requests
finish outside it. A fixed request count per run would instead end every run in a tail where the
last merged batch runs on one core while the other waits, which is a property of the run's length,
not of the server. Loopback only; request bodies are never recorded.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

# A sender sends request number i and returns whether it succeeded; it may raise (counted as error).
Sender = Callable[[int], bool]
# Cumulative counters (CPU seconds, server statistics, ...) read when the window opens and closes.
Probe = Callable[[], Mapping[str, float]]


@dataclass(frozen=True, slots=True)
class LoadResult:
    """One measurement window at one level (concurrent clients, or batch size in process)."""

    level: int
    errors: int
    seconds: float
    latencies_s: tuple[float, ...]  # requests (or batches) that completed inside the window
    items: float  # requests (or sequences) served inside the window, see `share_in_window`
    counters: dict[str, float] = field(default_factory=dict)  # the probe's increase over the window

    @property
    def throughput(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else 0.0


def share_in_window(start: float, end: float, window_start: float, window_end: float) -> float:
    """The fraction of a request's duration that lies inside the window.

    Summed over requests this counts a request that straddles an edge partly, so a merged batch of
    30 answers landing just after the window closes moves the count by its share, not by 0 or 30.
    Over all time every request counts exactly once.
    """
    if end <= start:
        return 1.0 if window_start <= end <= window_end else 0.0
    overlap = min(end, window_end) - max(start, window_start)
    return max(0.0, overlap) / (end - start)


def counter_deltas(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    return {key: after[key] - before.get(key, 0.0) for key in after}


def run_load(
    senders: Sequence[Sender],
    *,
    window_s: float,
    probe: Probe = dict,
    warmup_timeout_s: float = 60.0,
) -> LoadResult:
    """Run one client thread per sender; measure the window that opens once each has had an answer."""
    counter = itertools.count()
    stop = threading.Event()
    warmed = threading.Semaphore(0)
    records: list[list[tuple[float, float, bool]]] = [[] for _ in senders]

    def client(send: Sender, out: list[tuple[float, float, bool]]) -> None:
        while not stop.is_set():
            began = time.perf_counter()
            try:
                ok = send(next(counter))  # itertools.count is atomic under the GIL
            except Exception:
                ok = False
            out.append((began, time.perf_counter(), ok))
            if len(out) == 1:
                warmed.release()

    threads = [threading.Thread(target=client, args=(s, r), daemon=True) for s, r in zip(senders, records, strict=True)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + warmup_timeout_s
    for _ in threads:  # a server that never answers still gets measured (as errors or nothing)
        warmed.acquire(timeout=max(0.0, deadline - time.monotonic()))
    before, opened = _read(probe)
    time.sleep(window_s)
    after, closed = _read(probe)
    stop.set()
    for thread in threads:
        thread.join()
    items, errors, latencies = 0.0, 0, []
    for start, end, ok in (r for out in records for r in out):
        inside = opened <= end <= closed
        if ok:
            items += share_in_window(start, end, opened, closed)
            if inside:
                latencies.append(end - start)
        elif inside:
            errors += 1
    return LoadResult(len(senders), errors, closed - opened, tuple(latencies), items, counter_deltas(before, after))


def _read(probe: Probe) -> tuple[Mapping[str, float], float]:
    """The probe's counters and the moment they stand for: the middle of the (~10 ms) reading."""
    began = time.perf_counter()
    counters = probe()
    return counters, (began + time.perf_counter()) / 2


def percentiles_ms(latencies_s: Sequence[float]) -> tuple[float, float]:
    if not latencies_s:
        return 0.0, 0.0
    p50, p95 = np.percentile(np.asarray(latencies_s) * 1000.0, [50, 95])
    return float(p50), float(p95)
