"""Chunking of long notes into overlapping max_length windows (tokenizer trained offline, no torch)."""

import numpy as np
import pytest

from inference.build.export import train_demo_tokenizer
from inference.tokenizer import NoteTokenizer


@pytest.fixture(scope="module")
def tokenizer(synthetic_notes) -> NoteTokenizer:
    return NoteTokenizer(train_demo_tokenizer(synthetic_notes(200, 0), vocab_size=500))


def test_short_note_is_one_chunk_with_special_tokens(tokenizer: NoteTokenizer):
    (chunks,) = tokenizer.encode_notes(["Patient presents with chest pain."], max_length=64, stride=8)
    assert len(chunks) == 1
    chunk = chunks[0]
    assert chunk.dtype == np.int64
    assert chunk[0] == tokenizer.cls_id and chunk[-1] == tokenizer.sep_id
    assert len(chunk) == 2 + 6  # uncased words + "." each one token in this vocabulary


def test_long_note_is_chunked_with_stride_never_truncated(tokenizer: NoteTokenizer, synthetic_notes):
    text = " ".join(synthetic_notes(40, 3))
    (whole,) = tokenizer.encode_notes([text], max_length=10_000, stride=0)
    body = whole[0][1:-1]
    max_length, stride = 32, 8
    (chunks,) = tokenizer.encode_notes([text], max_length=max_length, stride=stride)
    window, step = max_length - 2, max_length - 2 - stride
    assert len(chunks) == int(np.ceil((len(body) - window) / step)) + 1
    assert all(len(c) <= max_length and c[0] == tokenizer.cls_id and c[-1] == tokenizer.sep_id for c in chunks)
    inner = [c[1:-1] for c in chunks]
    for previous, current in zip(inner, inner[1:], strict=False):
        np.testing.assert_array_equal(previous[-stride:], current[:stride])  # overlap
    rebuilt = np.concatenate([inner[0]] + [c[stride:] for c in inner[1:]])
    np.testing.assert_array_equal(rebuilt, body)  # every token kept, in order


def test_empty_note_and_exact_fit(tokenizer: NoteTokenizer):
    empty, fit = tokenizer.encode_notes(["", "chest pain"], max_length=4, stride=1)
    assert [c.tolist() for c in empty] == [[tokenizer.cls_id, tokenizer.sep_id]]
    assert len(fit) == 1 and len(fit[0]) == 4


def test_invalid_window_arguments(tokenizer: NoteTokenizer):
    with pytest.raises(ValueError):
        tokenizer.encode_notes(["x"], max_length=2, stride=0)
    with pytest.raises(ValueError):
        tokenizer.encode_notes(["x"], max_length=10, stride=8)


def test_loaded_tokenizer_never_truncates(tmp_path, synthetic_notes):
    raw = train_demo_tokenizer(synthetic_notes(50, 1), vocab_size=300)
    raw.enable_truncation(max_length=5)
    raw.save(str(tmp_path / "tokenizer.json"))
    tokenizer = NoteTokenizer.from_dir(tmp_path)
    (chunks,) = tokenizer.encode_notes([" ".join(synthetic_notes(5, 2))], max_length=512, stride=0)
    assert len(chunks[0]) > 5
