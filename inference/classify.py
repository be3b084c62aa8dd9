"""Notes in, labels out: tokenize -> chunk -> bucket/pad -> infer -> aggregate chunks per note.

Aggregation rule (one place, documented): a note's class probabilities are the mean of its chunks'
probabilities (softmax, or sigmoid for a multi-label model), or the activation of the mean of its chunks'
logits (the model's `aggregation`), the mean weighted by each chunk's number of real tokens (excluding
[CLS]/[SEP]). Long notes thus count every part of the text about equally; a short tail chunk cannot
outvote the body. `medflow model train` trains through this same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from inference.model_files import Activation, Aggregation, ModelInfo
from inference.tokenizer import NoteTokenizer

SPECIAL_TOKENS_PER_CHUNK = 2  # [CLS] ... [SEP]


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    score: float  # aggregated probability of `label`
    n_chunks: int
    n_tokens: int  # ids sent to the model for this note, special tokens and chunk overlap included
    # Every label that passes its threshold, best first (multi-label models); else the top label alone.
    labels: tuple[tuple[str, float], ...] = ()


class LogitsClient(Protocol):
    def infer_logits(self, seqs: Sequence[np.ndarray]) -> np.ndarray: ...


class AsyncLogitsClient(Protocol):
    async def infer_logits(self, seqs: Sequence[np.ndarray]) -> np.ndarray: ...


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


def chunk_weights(chunk_lengths: Sequence[int]) -> np.ndarray:
    """Each chunk's weight in its note: its real tokens ([CLS]/[SEP] excluded), at least 1."""
    return np.maximum(np.asarray(chunk_lengths, dtype=np.float64) - SPECIAL_TOKENS_PER_CHUNK, 1.0)


def aggregate_chunks(
    chunk_logits: np.ndarray,
    chunk_lengths: Sequence[int],
    activation: Activation = "softmax",
    aggregation: Aggregation = "mean_probability",
) -> np.ndarray:
    """Token-weighted mean of chunk probabilities (or of chunk logits, then the activation) -> one
    probability vector for the note."""
    weights = chunk_weights(chunk_lengths)[:, None]
    activate = sigmoid if activation == "sigmoid" else softmax
    logits = chunk_logits.astype(np.float64)
    if aggregation == "mean_logit":
        return activate((logits * weights).sum(axis=0) / weights.sum())
    return (activate(logits) * weights).sum(axis=0) / weights.sum()


def labels_above(
    probs: np.ndarray, labels: Sequence[str], thresholds: Sequence[float]
) -> tuple[tuple[str, float], ...]:
    """The labels whose probability reaches their threshold, best first; the top label alone when none does
    (or when the model has no thresholds)."""
    order = np.argsort(-probs, kind="stable")
    passing = [int(i) for i in order if thresholds and probs[i] >= thresholds[i]] or [int(order[0])]
    return tuple((labels[i], float(probs[i])) for i in passing)


def predictions_from_logits(
    chunks_per_note: Sequence[Sequence[np.ndarray]], logits: np.ndarray, info: ModelInfo
) -> list[Prediction]:
    """Split the flat chunk logits back per note and aggregate."""
    labels = info.labels
    if logits.shape[0] and logits.shape[1] != len(labels):
        raise ValueError(f"model returned {logits.shape[1]} logits per sequence but has {len(labels)} labels")
    predictions, row = [], 0
    for chunks in chunks_per_note:
        lengths = [len(c) for c in chunks]
        probs = aggregate_chunks(logits[row : row + len(chunks)], lengths, info.activation, info.aggregation)
        row += len(chunks)
        best = int(np.argmax(probs))
        above = labels_above(probs, labels, info.thresholds)
        predictions.append(Prediction(labels[best], float(probs[best]), len(chunks), sum(lengths), above))
    return predictions


def classify_texts(
    texts: Sequence[str],
    tokenizer: NoteTokenizer,
    client: LogitsClient,
    info: ModelInfo,
    max_length: int,
    stride: int,
) -> list[Prediction]:
    """Classify de-identified note texts (raw PHI must never reach this function)."""
    chunks_per_note = tokenizer.encode_notes(texts, min(max_length, info.max_length), stride)
    logits = client.infer_logits([c for chunks in chunks_per_note for c in chunks])
    return predictions_from_logits(chunks_per_note, logits, info)


async def classify_texts_async(
    texts: Sequence[str],
    tokenizer: NoteTokenizer,
    client: AsyncLogitsClient,
    info: ModelInfo,
    max_length: int,
    stride: int,
) -> list[Prediction]:
    """`classify_texts` for the asyncio API client (tokenization is fast and stays inline)."""
    chunks_per_note = tokenizer.encode_notes(texts, min(max_length, info.max_length), stride)
    logits = await client.infer_logits([c for chunks in chunks_per_note for c in chunks])
    return predictions_from_logits(chunks_per_note, logits, info)
