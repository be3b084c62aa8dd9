"""A built model version's note probabilities, computed in-process with ONNX Runtime through the serving
code path (the model's tokenizer and chunking, the aggregation rule of inference.classify)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from inference.classify import aggregate_chunks
from inference.model_files import Precision, load_model_info, onnx_path
from inference.onnx_model import OnnxClassifier
from inference.tokenizer import NoteTokenizer


def model_probabilities(
    version_dir: Path, precision: Precision, texts: Sequence[str], max_length: int, stride: int
) -> np.ndarray:
    """(notes, labels) probabilities of de-identified `texts`."""
    info = load_model_info(version_dir)
    tokenizer = NoteTokenizer.from_dir(version_dir)
    chunks = tokenizer.encode_notes(texts, min(max_length, info.max_length), stride)
    classifier = OnnxClassifier(onnx_path(version_dir, precision), pad_id=tokenizer.pad_id)
    logits = classifier.infer_logits([c for note in chunks for c in note])
    probs, row = np.zeros((len(texts), len(info.labels))), 0
    for i, note in enumerate(chunks):
        probs[i] = aggregate_chunks(
            logits[row : row + len(note)], [len(c) for c in note], info.activation, info.aggregation
        )
        row += len(note)
    return probs
