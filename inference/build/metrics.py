"""Multi-label classification metrics from note probabilities: the figures `medflow model eval` reports.

A note's predicted labels are those at or above their threshold, or its top label alone when none is
(the serving rule, inference.classify.labels_above). Macro averages run over the labels that occur in the
evaluated notes' truth.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CALIBRATION_BINS = 10


def predicted_sets(probs: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """(notes, labels) bool: the labels each note is given."""
    predicted = probs >= np.asarray(thresholds)[None, :]
    predicted[np.arange(len(probs)), probs.argmax(1)] |= ~predicted.any(1)
    return predicted


def precision_at_1(probs: np.ndarray, targets: np.ndarray) -> float:
    """Share of notes whose top label is one of their true labels."""
    return float(targets[np.arange(len(probs)), probs.argmax(1)].mean())


def calibration_error(probs: np.ndarray, targets: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """Expected calibration error of the top label: |confidence - accuracy| averaged over equal-width
    confidence bins, weighted by the notes in each."""
    confidence = probs.max(1)
    correct = targets[np.arange(len(probs)), probs.argmax(1)] > 0
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            error += in_bin.mean() * abs(confidence[in_bin].mean() - correct[in_bin].mean())
    return float(error)


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    return np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros(tp.shape, np.float64), where=(2 * tp + fp + fn) > 0)


def classification_report(
    probs: np.ndarray, targets: np.ndarray, thresholds: Sequence[float], labels: Sequence[str]
) -> dict[str, object]:
    """precision@1, micro/macro F1, top-label calibration error and per-label precision/recall/F1/support."""
    truth = targets > 0
    predicted = predicted_sets(probs, thresholds)
    tp = (predicted & truth).sum(0).astype(np.float64)
    fp = (predicted & ~truth).sum(0).astype(np.float64)
    fn = (~predicted & truth).sum(0).astype(np.float64)
    support = truth.sum(0)
    present = support > 0
    f1 = _f1(tp, fp, fn)
    precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=(tp + fp) > 0)
    recall = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=(tp + fn) > 0)
    return {
        "notes": len(probs),
        "precision_at_1": round(precision_at_1(probs, targets), 4),
        "micro_f1": round(float(_f1(tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True))[0]), 4),
        "macro_f1": round(float(f1[present].mean()) if present.any() else 0.0, 4),
        "calibration_error": round(calibration_error(probs, targets), 4),
        "per_label": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
    }
