"""The trained head's logic: aggregation identical to serving, fitting, thresholds, temperature, metrics,
the validation split and the baseline (small synthetic arrays; no encoder)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from inference.build.dataset import label_matrix, split_by_rarest_label  # noqa: E402
from inference.build.head import (  # noqa: E402
    AGGREGATION,
    ChunkFeatures,
    HeadConfig,
    build_head,
    choose_thresholds,
    fit_head,
    fit_temperature,
    lexical_bag,
    note_probabilities,
    predict_notes,
    token_bags,
)
from inference.build.metrics import calibration_error, classification_report, predicted_sets  # noqa: E402
from inference.build.train import load_trained  # noqa: E402
from inference.classify import aggregate_chunks  # noqa: E402

VOCAB = 50


def _features(rng, n_notes, hidden=8):
    def note():
        return [rng.integers(5, VOCAB, size=rng.integers(4, 12)) for _ in range(rng.integers(1, 4))]

    chunks = [note() for _ in range(n_notes)]
    embeddings = [rng.normal(size=(len(c), hidden)).astype(np.float32) for c in chunks]
    return ChunkFeatures.from_notes(embeddings, chunks), chunks


def test_training_aggregation_is_the_serving_rule():
    rng = np.random.default_rng(0)
    features, chunks = _features(rng, 5)
    head = build_head(8, VOCAB, 3)
    torch.nn.init.normal_(head.wide.weight)
    with torch.no_grad():
        logits = head.chunk_logits(torch.from_numpy(features.embeddings), token_bags(features.ids, VOCAB))
        probs = note_probabilities(logits, features).numpy()
    row = 0
    for i, note in enumerate(chunks):
        expected = aggregate_chunks(
            logits[row : row + len(note)].numpy(), [len(c) for c in note], "sigmoid", AGGREGATION
        )
        np.testing.assert_allclose(probs[i], expected, rtol=1e-5)
        row += len(note)


def test_served_forward_equals_training_logits():
    """The exported graph computes the wide part from padded token ids; training from sparse bags."""
    rng = np.random.default_rng(1)
    features, _ = _features(rng, 3)
    features.ids[0] = np.array([1, 7, 7, 7, 9, 9, 2])  # repeated word-pieces: sublinear counts
    head = build_head(8, VOCAB, 2)
    torch.nn.init.normal_(head.wide.weight)
    head.temperature.fill_(1.7)
    width = max(len(c) for c in features.ids)
    ids = np.zeros((len(features.ids), width), np.int64)
    mask = np.zeros_like(ids)
    for r, chunk in enumerate(features.ids):
        ids[r, : len(chunk)], mask[r, : len(chunk)] = chunk, 1
    emb = torch.from_numpy(features.embeddings)
    with torch.no_grad():
        served = head(emb, torch.from_numpy(ids), torch.from_numpy(mask))
        trained = head.chunk_logits(emb, token_bags(features.ids, VOCAB))
    np.testing.assert_allclose(served.numpy(), trained.numpy(), rtol=1e-5, atol=1e-6)


def test_lexical_bag_weighs_counts_sublinearly_at_unit_length():
    pieces, weights = lexical_bag(np.array([1, 7, 7, 7, 9, 2]))
    assert pieces.tolist() == [1, 2, 7, 9]
    raw = np.log1p([1, 1, 3, 1])
    np.testing.assert_allclose(weights, raw / np.linalg.norm(raw), rtol=1e-6)
    assert weights[2] < 3 * weights[0]  # a word-piece seen 3 times weighs less than 3 seen once


def test_a_head_of_another_format_is_refused(tmp_path):
    (tmp_path / "head.json").write_text('{"labels": ["A"], "thresholds": [0.5], "provenance": {}}')
    with pytest.raises(ValueError, match="format 1"):
        load_trained(tmp_path)


def test_fit_learns_separable_labels_and_is_seeded():
    rng = np.random.default_rng(2)
    features, chunks = _features(rng, 60)
    # Label 0 iff the note's first embedding dimension is positive on average; label 1 iff token 7 occurs.
    mean_dim0 = [features.embeddings[features.note_of_chunk == i, 0].mean() for i in range(60)]
    has_7 = [any(7 in c for c in note) for note in chunks]
    targets = np.array([[m > 0, h] for m, h in zip(mean_dim0, has_7, strict=True)], np.float32)
    config = HeadConfig(epochs=300, learning_rate=0.05, wide_l2=0.0)
    probs = predict_notes(fit_head(features, targets, VOCAB, config), features)
    assert ((probs > 0.5) == (targets > 0)).mean() > 0.9
    again = predict_notes(fit_head(features, targets, VOCAB, config), features)
    np.testing.assert_array_equal(probs, again)


def test_subset_renumbers_notes():
    rng = np.random.default_rng(3)
    features, chunks = _features(rng, 4)
    part = features.subset([2, 0])
    assert part.n_notes == 2
    assert len(part.ids) == len(chunks[2]) + len(chunks[0])
    np.testing.assert_array_equal(part.ids[0], chunks[2][0])
    assert list(part.note_of_chunk) == [0] * len(chunks[2]) + [1] * len(chunks[0])


def test_thresholds_maximise_each_labels_f1():
    probs = np.array([[0.9, 0.3], [0.7, 0.35], [0.2, 0.1], [0.6, 0.05]])
    targets = np.array([[1, 1], [1, 1], [0, 0], [0, 0]], np.float32)
    low, high = choose_thresholds(probs, targets, per_label_weight=1.0)
    assert 0.6 < low <= 0.7  # separates 0.7 from 0.6: the highest such threshold on the grid
    assert high <= 0.3
    assert choose_thresholds(probs, np.zeros_like(targets), per_label_weight=1.0)[0] == 0.5  # no positives


def test_thresholds_shrink_toward_the_global_micro_f1_optimum():
    probs = np.array([[0.9, 0.3], [0.7, 0.35], [0.2, 0.1], [0.6, 0.05]])
    targets = np.array([[1, 1], [1, 1], [0, 0], [0, 0]], np.float32)
    own = choose_thresholds(probs, targets, per_label_weight=1.0)
    shared = choose_thresholds(probs, targets, per_label_weight=0.0)
    assert shared[0] == shared[1] and 0.05 < shared[0] <= 0.3  # one threshold; 0.3 and 0.35 must pass it
    np.testing.assert_allclose(choose_thresholds(probs, targets, per_label_weight=0.25), 0.25 * own + 0.75 * shared)


def test_temperature_softens_overconfident_scores():
    rng = np.random.default_rng(4)
    features, _ = _features(rng, 80)
    targets = rng.integers(0, 2, size=(80, 2)).astype(np.float32)  # noise: the best scores are ~0.5
    head = build_head(8, VOCAB, 2)
    with torch.no_grad():
        head.deep.weight.mul_(20.0)
    assert fit_temperature(head, features, targets) > 2.0
    assert float(head.temperature) > 2.0


def test_metrics_on_a_known_case():
    labels = ("A", "B", "C")
    targets = np.array([[1, 1, 0], [0, 1, 0], [0, 0, 1]], np.float32)
    probs = np.array([[0.9, 0.6, 0.1], [0.8, 0.3, 0.1], [0.2, 0.1, 0.4]])
    thresholds = (0.5, 0.5, 0.5)
    np.testing.assert_array_equal(
        predicted_sets(probs, thresholds), [[True, True, False], [True, False, False], [False, False, True]]
    )
    report = classification_report(probs, targets, thresholds, labels)
    assert report["precision_at_1"] == pytest.approx(2 / 3, abs=1e-4)  # reported to 4 decimals
    assert report["micro_f1"] == pytest.approx(2 * 3 / (2 * 3 + 1 + 1), abs=1e-4)  # tp 3, fp 1 (A), fn 1 (B)
    assert report["per_label"]["A"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(0.6667), "support": 1}
    assert report["macro_f1"] == pytest.approx(round((2 / 3 + 2 / 3 + 1) / 3, 4))


def test_calibration_error_zero_when_confidence_matches_accuracy():
    targets = np.array([[1, 0]] * 8 + [[0, 1]] * 2, np.float32)
    calibrated = np.array([[0.8, 0.1]] * 10)  # top label right 8 times in 10 at confidence 0.8
    assert calibration_error(calibrated, targets) == pytest.approx(0.0)
    assert calibration_error(np.array([[0.99, 0.0]] * 10), targets) == pytest.approx(0.19)


def test_split_is_seeded_disjoint_and_keeps_rare_labels_on_both_sides():
    labels = [("Surgery", "Orthopedic")] * 40 + [("Radiology",)] * 20 + [("Autopsy",)] * 4 + [("Lone",)]
    kept, held = split_by_rarest_label(labels, 0.25, seed=0)
    assert set(kept).isdisjoint(held) and len(kept) + len(held) == len(labels)
    assert {labels[i][0] for i in held} >= {"Surgery", "Radiology", "Autopsy"}
    again = split_by_rarest_label(labels, 0.25, seed=0)
    np.testing.assert_array_equal(held, again[1])
    assert label_matrix([("A", "Z")], ("A", "B")).tolist() == [[1.0, 0.0]]
