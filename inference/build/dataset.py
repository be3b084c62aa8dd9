"""Labelled notes for training and evaluation: Parquet or JSONL, text and labels columns named by the caller.

The labels column holds a list of labels (multi-label) or one label per row.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True, slots=True)
class LabelledNotes:
    texts: list[str]
    labels: list[tuple[str, ...]]
    sha256: str  # of the input file, recorded in the model's metadata


def read_labelled(path: Path, text_column: str, labels_column: str) -> LabelledNotes:
    """Rows with a non-empty text and at least one label; others are skipped."""
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    path = Path(path)
    table = pj.read_json(path) if path.suffix in {".jsonl", ".json"} else pq.read_table(path)
    missing = {text_column, labels_column} - set(table.column_names)
    if missing:
        raise ValueError(f"{path.name} has no column {', '.join(sorted(missing))} (columns: {table.column_names})")
    texts, labels = [], []
    for text, raw in zip(table.column(text_column).to_pylist(), table.column(labels_column).to_pylist(), strict=True):
        row_labels = tuple(dict.fromkeys(raw if isinstance(raw, list) else [raw] if raw else []))
        if text and row_labels:
            texts.append(text)
            labels.append(tuple(str(label) for label in row_labels))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return LabelledNotes(texts, labels, digest)


def label_matrix(labels: Sequence[Sequence[str]], names: Sequence[str]) -> np.ndarray:
    """(notes, labels) 0/1 matrix; labels not in `names` are dropped."""
    index = {name: i for i, name in enumerate(names)}
    matrix = np.zeros((len(labels), len(names)), np.float32)
    for row, note_labels in enumerate(labels):
        for label in note_labels:
            if label in index:
                matrix[row, index[label]] = 1.0
    return matrix


def split_by_rarest_label(
    labels: Sequence[Sequence[str]], fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(kept, held-out) row indices, held-out about `fraction` of rows, stratified by each row's rarest label
    (labels seen once are pooled, so every stratum can be split)."""
    from sklearn.model_selection import train_test_split

    counts = Counter(label for row in labels for label in row)
    rarest = [min(row, key=lambda label: (counts[label], label)) for row in labels]
    strata_counts = Counter(rarest)
    strata = [label if strata_counts[label] >= 2 else "(rare)" for label in rarest]
    if Counter(strata)["(rare)"] == 1:  # a lone pooled row joins the biggest stratum
        strata = [strata_counts.most_common(1)[0][0] if s == "(rare)" else s for s in strata]
    rows = np.arange(len(labels))
    kept, held = train_test_split(rows, test_size=fraction, random_state=seed, stratify=strata)
    return np.sort(kept), np.sort(held)
