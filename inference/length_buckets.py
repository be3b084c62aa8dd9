"""Batch formation for variable-length sequences (pure functions, no I/O).

Sorting by length and cutting batches on a padded-token budget keeps padding small: a batch costs
roughly `len(batch) * longest_sequence` tokens of compute, whatever the real lengths are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def bucket_by_length(lengths: Sequence[int], max_batch_size: int, token_budget: int) -> list[list[int]]:
    """Group sequence indices into batches of similar length.

    Each batch has at most `max_batch_size` sequences and at most `token_budget` padded tokens
    (`len(batch) * max length in batch`), except that a single sequence longer than the budget gets a
    batch of its own. Every index appears exactly once.
    """
    if max_batch_size < 1 or token_budget < 1:
        raise ValueError("max_batch_size and token_budget must be positive")
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        # Ascending order: the newcomer is the longest, so it sets the padded width.
        padded_tokens = (len(current) + 1) * lengths[index]
        if current and (len(current) == max_batch_size or padded_tokens > token_budget):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches


def group_by_width(
    widths: Sequence[int], rows: Sequence[int], max_added_padding: int, max_tokens: int
) -> list[list[int]]:
    """Group already-formed requests (`rows[i]` sequences of width `widths[i]`) into model runs.

    Server side of a ragged dynamic batch: merging requests saves one model run's fixed cost but pads
    the narrower ones to the widest, and very large runs are slower per token on CPU. In width order,
    a request joins the current group unless the padding it adds to the rows already there exceeds
    `max_added_padding` tokens or the group would exceed `max_tokens` padded tokens. Every index
    appears exactly once; a request larger than `max_tokens` runs alone.
    """
    if max_added_padding < 0 or max_tokens < 1:
        raise ValueError("max_added_padding must not be negative and max_tokens must be positive")
    groups: list[list[int]] = []
    current: list[int] = []
    current_rows = current_width = 0
    for index in sorted(range(len(widths)), key=lambda i: widths[i]):
        width = widths[index]
        too_much_padding = current_rows * (width - current_width) > max_added_padding
        if current and (too_much_padding or (current_rows + rows[index]) * width > max_tokens):
            groups.append(current)
            current, current_rows = [], 0
        current.append(index)
        current_rows += rows[index]
        current_width = width
    if current:
        groups.append(current)
    return groups


def pad_batch(seqs: Sequence[np.ndarray], pad_id: int = 0, min_width: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad to the longest sequence (or `min_width`): (input_ids, attention_mask), int64 [batch, width]."""
    if not seqs:
        raise ValueError("cannot pad an empty batch")
    width = max(min_width, *(len(s) for s in seqs))
    input_ids = np.full((len(seqs), width), pad_id, dtype=np.int64)
    attention_mask = np.zeros((len(seqs), width), dtype=np.int64)
    for row, seq in enumerate(seqs):
        input_ids[row, : len(seq)] = seq
        attention_mask[row, : len(seq)] = 1
    return input_ids, attention_mask


@dataclass(slots=True)
class PaddingTally:
    """Real vs computed tokens of the batches a client sent (computed = batch size x padded width)."""

    real_tokens: int = 0
    computed_tokens: int = 0

    def add(self, lengths: Sequence[int], min_width: int = 0) -> None:
        if lengths:
            self.real_tokens += sum(lengths)
            self.computed_tokens += len(lengths) * max(min_width, *lengths)

    @property
    def efficiency(self) -> float:
        return self.real_tokens / self.computed_tokens if self.computed_tokens else 1.0
