"""The classic baseline every model figure is compared with: TF-IDF (word 1-2-grams) + one-vs-rest
logistic regression, trained on the same de-identified training notes. C=10 rather than scikit-learn's
1: with the default, most labels never reach 0.5 on MTSamples (validation micro-F1 0.56 vs 0.73), which
would make a strawman of the baseline."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BASELINE_C = 10.0


def baseline_probabilities(
    train_texts: Sequence[str], train_targets: np.ndarray, texts: Sequence[str], seed: int = 0
) -> np.ndarray:
    """(notes, labels) probabilities of `texts`; a label without training positives gets 0."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    trainable = train_targets.sum(0) > 0
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    features = vectorizer.fit_transform(train_texts)
    model = OneVsRestClassifier(LogisticRegression(C=BASELINE_C, max_iter=1000, random_state=seed))
    model.fit(features, train_targets[:, trainable].astype(int))
    probs = np.zeros((len(texts), train_targets.shape[1]))
    probs[:, trainable] = model.predict_proba(vectorizer.transform(texts))
    return probs


def baseline_thresholds(
    train_texts: Sequence[str], train_labels: Sequence[Sequence[str]], train_targets: np.ndarray,
    validation_fraction: float = 0.15, seed: int = 0,
) -> np.ndarray:
    """Per-label thresholds for the baseline chosen exactly as the model's are (same validation split of the
    training notes, same rule), so neither side of the comparison gets a tuning advantage."""
    from inference.build.dataset import split_by_rarest_label
    from inference.build.head import choose_thresholds

    fit, val = split_by_rarest_label(train_labels, validation_fraction, seed)
    fit_texts, val_texts = [train_texts[i] for i in fit], [train_texts[i] for i in val]
    probs = baseline_probabilities(fit_texts, train_targets[fit], val_texts, seed)
    return choose_thresholds(probs, train_targets[val])
