"""Chunk aggregation and prediction assembly (pure logic, logits given)."""

import dataclasses
import json

import numpy as np
import pytest

from inference.classify import aggregate_chunks, labels_above, predictions_from_logits, sigmoid, softmax
from inference.model_files import ModelInfo


def _info(labels, activation="softmax", thresholds=()):
    return ModelInfo("m", "1", tuple(labels), 128, "test", activation, tuple(thresholds))


def test_single_chunk_is_its_softmax():
    logits = np.array([[1.0, 3.0]])
    np.testing.assert_allclose(aggregate_chunks(logits, [10]), softmax(logits)[0])


def test_chunks_weighted_by_real_tokens():
    # Body chunk (100 real tokens) says label 1, short tail (2 real tokens) says label 0.
    logits = np.array([[0.0, 4.0], [4.0, 0.0]])
    probs = aggregate_chunks(logits, [102, 4])
    p_body, p_tail = softmax(logits)
    np.testing.assert_allclose(probs, (100 * p_body + 2 * p_tail) / 102)
    assert probs.argmax() == 1
    np.testing.assert_allclose(probs.sum(), 1.0)


def test_predictions_split_per_note():
    chunks_per_note = [[np.zeros(5)], [np.zeros(30), np.zeros(30), np.zeros(12)], [np.zeros(2)]]
    logits = np.array([[2.0, 0.0], [0.0, 1.0], [0.0, 1.0], [5.0, 0.0], [0.0, 0.0]], dtype=np.float32)
    first, second, third = predictions_from_logits(chunks_per_note, logits, _info(("NEG", "POS")))
    assert (first.label, first.n_chunks, first.n_tokens) == ("NEG", 1, 5)
    assert first.score == pytest.approx(softmax(np.array([2.0, 0.0]))[0])
    assert (second.label, second.n_chunks, second.n_tokens) == ("POS", 3, 72)
    assert third.n_chunks == 1 and third.score == pytest.approx(0.5)
    assert first.labels == (("NEG", first.score),)  # no thresholds: the top label alone


def test_sigmoid_chunks_are_independent_labels_weighted_by_tokens():
    logits = np.array([[3.0, 3.0, -3.0], [-3.0, 3.0, -3.0]])
    probs = aggregate_chunks(logits, [52, 12], "sigmoid")
    np.testing.assert_allclose(probs, (50 * sigmoid(logits[0]) + 10 * sigmoid(logits[1])) / 60)
    assert probs.sum() > 1.0  # not a distribution: a note can carry several labels


def test_mean_logit_aggregation_decides_once_over_the_whole_note():
    logits = np.array([[4.0, -1.0], [-2.0, -1.0]])
    probs = aggregate_chunks(logits, [52, 12], "sigmoid", "mean_logit")
    np.testing.assert_allclose(probs, sigmoid((50 * logits[0] + 10 * logits[1]) / 60))
    assert not np.allclose(probs, aggregate_chunks(logits, [52, 12], "sigmoid"))


def test_predictions_follow_the_models_aggregation():
    info = dataclasses.replace(_info(("A", "B"), "sigmoid", (0.5, 0.5)), aggregation="mean_logit")
    chunks = [np.zeros(52, np.int64), np.zeros(12, np.int64)]
    logits = np.array([[4.0, -1.0], [-2.0, -1.0]], np.float32)
    (pred,) = predictions_from_logits([chunks], logits, info)
    assert pred.score == pytest.approx(float(sigmoid(np.array((50 * 4.0 - 10 * 2.0) / 60))))


def test_labels_above_thresholds_best_first_else_top_label():
    probs = np.array([0.30, 0.90, 0.45, 0.05])
    labels = ("Surgery", "Orthopedic", "Consult", "Dentistry")
    assert labels_above(probs, labels, (0.25, 0.5, 0.5, 0.5)) == (("Orthopedic", 0.90), ("Surgery", 0.30))
    assert labels_above(probs, labels, (0.95, 0.95, 0.95, 0.95)) == (("Orthopedic", 0.90),)


def test_multilabel_prediction_reports_every_label_above_its_threshold():
    info = _info(("A", "B", "C"), "sigmoid", (0.5, 0.5, 0.99))
    (pred,) = predictions_from_logits([[np.zeros(7)]], np.array([[2.0, 1.0, 3.0]], np.float32), info)
    assert pred.label == "C" and pred.score == pytest.approx(float(sigmoid(np.array(3.0))))
    assert [name for name, _ in pred.labels] == ["A", "B"]  # C is the top label but misses its 0.99


def test_label_count_mismatch_is_an_error():
    with pytest.raises(ValueError):
        predictions_from_logits([[np.zeros(3)]], np.zeros((1, 3), np.float32), _info(("A", "B")))


def test_an_unknown_aggregation_rule_is_refused(tmp_path):
    from inference.model_files import MODEL_INFO_FILE, load_model_info

    info = {"model_name": "m", "model_version": "1", "labels": ["A"], "max_length": 128, "source": "t",
            "aggregation": "max_logit"}
    (tmp_path / MODEL_INFO_FILE).write_text(json.dumps(info))
    with pytest.raises(ValueError, match="max_logit"):
        load_model_info(tmp_path)
    del info["aggregation"]
    (tmp_path / MODEL_INFO_FILE).write_text(json.dumps(info))
    assert load_model_info(tmp_path).aggregation == "mean_probability"  # models built before the field
