"""A Triton outage during a batch run: wait for the server within a budget, then resume or stop the run.

The one place a batch run handles an unreachable Triton (a pod restarting, a crashed server): the
classify call that found it down waits, polling the server's readiness, and is repeated once the model
is ready again. Past the budget it raises `TritonOutage`, which nothing retries (`tasks.files`): the run
ends in one line instead of retrying file after file against a dead server. Each outage gets the
whole budget; other Triton errors propagate unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from inference.readiness import poll_until
from inference.triton_client import TritonNotReady, TritonUnavailable, check_model_ready
from medflow.processing.pipeline import Classify, PredictionOutput

logger = logging.getLogger(__name__)
PROGRESS_EVERY_S = 15.0  # how often a waiting run says it still waits


class TritonOutage(RuntimeError):
    """Triton stayed unreachable for the whole outage budget: the run stops (nothing of it is committed)."""


def model_ready(url: str, model: str) -> Callable[[], bool]:
    """A readiness check of ``model`` at ``url`` that never raises."""

    def ready() -> bool:
        try:
            check_model_ready(url, model, timeout_s=2.0)
        except TritonNotReady:
            return False
        return True

    return ready


def wait_for_triton(ready: Callable[[], bool], url: str, budget_s: float) -> float:
    """Block until ``ready()`` or raise `TritonOutage` after ``budget_s``; returns the seconds waited."""
    started = time.monotonic()
    logger.warning(
        "Triton at %s is unreachable: waiting up to %.0f s for it to come back (MEDFLOW_TRITON_OUTAGE_BUDGET_S)",
        url, budget_s,
    )
    while True:
        left = budget_s - (time.monotonic() - started)
        if poll_until(ready, min(PROGRESS_EVERY_S, max(left, 0.0))):
            waited = time.monotonic() - started
            logger.warning("Triton at %s is back after %.0f s: resuming", url, waited)
            return waited
        waited = time.monotonic() - started
        if waited >= budget_s:
            raise TritonOutage(
                f"Triton at {url} unreachable for {budget_s:.0f} s (the outage budget, "
                "MEDFLOW_TRITON_OUTAGE_BUDGET_S); nothing of this run was committed: rerun it once Triton is up"
            )
        logger.warning("still waiting for Triton at %s: %.0f s of at most %.0f s", url, waited, budget_s)


def outage_tolerant(classify: Classify, ready: Callable[[], bool], url: str, budget_s: float) -> Classify:
    """``classify``, waiting out an unreachable Triton (`wait_for_triton`) and then repeating the call."""

    def classify_waiting(texts: list[str]) -> Sequence[PredictionOutput]:
        while True:
            try:
                return classify(texts)
            except TritonUnavailable:
                wait_for_triton(ready, url, budget_s)

    return classify_waiting
