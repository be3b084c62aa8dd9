"""Racing takers of a stale run lock, each in its own process (spawned, so nothing is shared but storage).

`race_stale_takeovers` plants a stale lease, releases every taker at once through a barrier, and records
per trial who won. The takers are long-lived processes, so 100 trials cost 100 races, not 100 start-ups.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from medflow.tables.locking import RunLock, RunLockedError

DAY = date(2026, 11, 21)
STALE_AGE_S = 3600.0
TTL_S = 600.0  # no heartbeat beats during a trial: the race is only between takers


@dataclass(frozen=True)
class TrialOutcome:
    winners: int
    lost_at_the_conditional_write: int  # takers that saw the stale lease too and lost the compare-and-swap


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lost_races = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.lost_races += record.getMessage().startswith("another run took over")


def _taker(output_uri: str, trials: int, go, done, released, results) -> None:
    counter = _Counter()
    locking_logger = logging.getLogger("medflow.tables.locking")
    locking_logger.addHandler(counter)
    locking_logger.setLevel(logging.INFO)
    for trial in range(trials):
        lock = RunLock(output_uri, DAY, "taker", ttl_s=TTL_S, wait_s=0)
        go.wait()
        before = counter.lost_races
        try:
            lock.acquire()
            won = True
        except RunLockedError:
            won = False
        results.put((trial, won, counter.lost_races - before))
        done.wait()
        if won:
            lock.release()
        released.wait()


def race_stale_takeovers(
    output_uri: str, plant_stale_lease: Callable[[bytes], None], takers: int, trials: int
) -> list[TrialOutcome]:
    """Run ``trials`` races of ``takers`` processes for a stale lease planted by ``plant_stale_lease``."""
    context = multiprocessing.get_context("spawn")
    go, done, released = (context.Barrier(takers + 1, timeout=300) for _ in range(3))
    results = context.Queue()
    processes = [
        context.Process(target=_taker, args=(output_uri, trials, go, done, released, results), daemon=True)
        for _ in range(takers)
    ]
    for process in processes:
        process.start()
    outcomes: list[TrialOutcome] = []
    try:
        for trial in range(trials):
            stale = {"owner": f"killed-run-{trial}@elsewhere", "heartbeat": time.time() - STALE_AGE_S}
            plant_stale_lease(json.dumps(stale).encode())
            go.wait()
            reports = [results.get(timeout=300) for _ in range(takers)]
            assert {r[0] for r in reports} == {trial}
            outcomes.append(TrialOutcome(sum(r[1] for r in reports), sum(r[2] for r in reports)))
            done.wait()
            released.wait()
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    return outcomes
