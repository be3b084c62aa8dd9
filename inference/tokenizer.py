"""Client-side tokenization of notes into model-sized chunks (fast Rust batch encoding)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from inference.model_files import TOKENIZER_FILE


class NoteTokenizer:
    """BERT-style tokenizer: every chunk is `[CLS] tokens [SEP]`, at most `max_length` ids long."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        tokenizer.no_truncation()  # long notes are chunked here, never silently cut
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        self.cls_id = self._required_id("[CLS]")
        self.sep_id = self._required_id("[SEP]")
        self.pad_id = self._required_id("[PAD]")

    @classmethod
    def from_dir(cls, version_dir: Path) -> NoteTokenizer:
        return cls(Tokenizer.from_file(str(Path(version_dir) / TOKENIZER_FILE)))

    def _required_id(self, token: str) -> int:
        token_id = self._tokenizer.token_to_id(token)
        if token_id is None:
            raise ValueError(f"tokenizer has no {token} token; only BERT-style tokenizers are supported")
        return token_id

    def encode_notes(self, texts: Sequence[str], max_length: int, stride: int) -> list[list[np.ndarray]]:
        """Per note, its chunks of int64 ids including [CLS]/[SEP].

        A note longer than `max_length - 2` tokens becomes several windows; consecutive windows share
        `stride` tokens so that no token loses all of its context at a chunk border.
        """
        window = max_length - 2
        if window < 1 or not 0 <= stride < window:
            raise ValueError(f"need max_length > 2 and 0 <= stride < max_length - 2 (got {max_length}, {stride})")
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [
            self._chunk(np.asarray(enc.ids, dtype=np.int64), window, window - stride) for enc in encodings
        ]

    def _chunk(self, body: np.ndarray, window: int, step: int) -> list[np.ndarray]:
        cls, sep = np.array([self.cls_id], np.int64), np.array([self.sep_id], np.int64)
        chunks, start = [], 0
        while True:
            chunks.append(np.concatenate([cls, body[start : start + window], sep]))
            if start + window >= len(body):
                return chunks
            start += step
