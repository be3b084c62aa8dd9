"""How far the INT8 model is from FP32 on real-looking inputs, recorded at build time.

Dynamic quantization is usually near-lossless for fine-tuned BERT models but is not guaranteed; the
numbers land in medflow_model.json so an operator can choose `--precision fp32` when they are poor.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from inference.model_files import onnx_path
from inference.onnx_model import OnnxClassifier
from inference.tokenizer import NoteTokenizer


def compare_precisions(version_dir: Path, texts: Sequence[str], max_length: int = 128) -> dict[str, float]:
    """FP32 vs INT8 on the first chunk of each text: label agreement and largest logit difference."""
    seqs = [chunks[0] for chunks in NoteTokenizer.from_dir(version_dir).encode_notes(texts, max_length, 0)]
    fp32 = OnnxClassifier(onnx_path(version_dir, "fp32")).infer_logits(seqs)
    int8 = OnnxClassifier(onnx_path(version_dir, "int8")).infer_logits(seqs)
    return {
        "sequences": len(seqs),
        "label_agreement": round(float((fp32.argmax(1) == int8.argmax(1)).mean()), 4),
        "max_abs_logit_diff": round(float(np.abs(fp32 - int8).max()), 4),
        "fp32_logit_range": round(float(np.ptp(fp32)), 4),
    }
