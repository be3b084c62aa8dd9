"""The outage wait's logic (unit): repeat the classify call once Triton is back; stop past the budget;
leave other errors alone. The real server's outage is in tests/cli/test_triton_outage.py."""

from __future__ import annotations

import pytest

from inference.triton_client import TritonInferenceError, TritonUnavailable
from medflow.processing.outage import TritonOutage, outage_tolerant


def test_a_call_that_met_an_outage_is_repeated_once_triton_is_ready() -> None:
    calls: list[list[str]] = []
    checks = iter([False, False, True])

    def classify(texts: list[str]) -> list[str]:
        calls.append(texts)
        if len(calls) == 1:
            raise TritonUnavailable("down")
        return ["label"] * len(texts)

    tolerant = outage_tolerant(classify, lambda: next(checks), "triton:8001", budget_s=60)
    assert tolerant(["a", "b"]) == ["label", "label"]
    assert calls == [["a", "b"], ["a", "b"]]


def test_past_the_budget_the_run_stops_with_one_line() -> None:
    def classify(texts: list[str]) -> list[str]:
        raise TritonUnavailable("down")

    with pytest.raises(TritonOutage, match=r"^Triton at triton:8001 unreachable for 0 s \(the outage budget"):
        outage_tolerant(classify, lambda: False, "triton:8001", budget_s=0.01)(["a"])


def test_other_triton_errors_are_not_waited_for() -> None:
    def classify(texts: list[str]) -> list[str]:
        raise TritonInferenceError("INVALID_ARG")

    with pytest.raises(TritonInferenceError, match="INVALID_ARG"):
        outage_tolerant(classify, lambda: pytest.fail("no readiness wait"), "triton:8001", budget_s=60)(["a"])
