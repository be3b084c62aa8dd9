"""The `labels` contract shared by the tables and the realtime API, checked against the served model."""

from __future__ import annotations

import pytest

from inference.model_files import ModelInfo


def assert_labels_above_thresholds(labels: list[dict], label: str, score: float, info: ModelInfo) -> None:
    """``labels`` (``[{label, score}]``) starts with the top ``label``/``score``, holds only the model's
    labels, each once and reaching its threshold, best first; a model without thresholds reports the top alone."""
    assert labels, "every prediction carries at least its top label"
    assert (labels[0]["label"], labels[0]["score"]) == (label, pytest.approx(score, abs=1e-6))
    names, scores = [e["label"] for e in labels], [e["score"] for e in labels]
    assert set(names) <= set(info.labels) and len(set(names)) == len(names)
    assert scores == sorted(scores, reverse=True)
    if info.thresholds:
        threshold = dict(zip(info.labels, info.thresholds, strict=True))
        assert all(s >= threshold[n] - 1e-6 for n, s in zip(names, scores, strict=True))
    else:
        assert len(labels) == 1
