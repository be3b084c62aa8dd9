"""Files of one model version in the Triton repository: `triton_repo/<model>/<version>/`.

`medflow_model.json` describes the weights next to it (name, labels, provenance, checksums) so that
clients and the API can label logits without loading the model itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, get_args

# How a model's logits become probabilities: softmax (one label per note, e.g. a Hugging Face
# classifier) or sigmoid (multi-label: each label on its own, reported where it passes its threshold).
Activation = Literal["softmax", "sigmoid"]
# How a long note's chunks combine (inference.classify.aggregate_chunks): the token-weighted mean of the
# chunks' probabilities, or the activation of the token-weighted mean of their logits (one decision over
# the whole note, as a note-level linear model makes it; what `medflow model train` fits).
Aggregation = Literal["mean_probability", "mean_logit"]

# The shipped classifier's name in a Triton repository (its directory, and the name clients ask for).
CLASSIFIER_MODEL = "classifier"
MODEL_INFO_FILE = "medflow_model.json"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "config.pbtxt"
# fp16 is the GPU variant (attention, LayerNorm and GELU fused, FP16 weights), built on request.
ONNX_FILES = {"fp32": "model.onnx", "int8": "model.int8.onnx", "fp16": "model.fp16.onnx"}

Precision = Literal["int8", "fp32", "fp16"]


def uses_gpu(precision: str) -> bool:
    """fp16 runs on the GPU (ONNX Runtime's CUDA execution provider); int8 and fp32 on the CPU."""
    return precision == "fp16"


@dataclass(frozen=True, slots=True)
class ModelInfo:
    model_name: str
    model_version: str
    labels: tuple[str, ...]
    max_length: int
    source: str
    activation: Activation = "softmax"
    thresholds: tuple[float, ...] = ()  # per label (sigmoid models); empty: only the top label is reported
    aggregation: Aggregation = "mean_probability"


def load_model_info(version_dir: Path) -> ModelInfo:
    """Raises ValueError for an aggregation rule this medflow does not know (scores would be wrong)."""
    raw = json.loads((Path(version_dir) / MODEL_INFO_FILE).read_text())
    aggregation = raw.get("aggregation", "mean_probability")
    if aggregation not in get_args(Aggregation):
        raise ValueError(
            f"{Path(version_dir).name}/{MODEL_INFO_FILE}: aggregation {aggregation!r} is unknown to this medflow "
            f"(known: {', '.join(get_args(Aggregation))}); upgrade the clients before serving this model"
        )
    return ModelInfo(
        model_name=raw["model_name"],
        model_version=str(raw["model_version"]),
        labels=tuple(raw["labels"]),
        max_length=int(raw["max_length"]),
        source=raw["source"],
        activation=raw.get("activation", "softmax"),
        thresholds=tuple(float(t) for t in raw.get("thresholds", ())),
        aggregation=aggregation,
    )


def write_model_info(version_dir: Path, info: ModelInfo, extra: Mapping[str, object] | None = None) -> Path:
    """Write `medflow_model.json` with the sha256 of every other file in the version directory
    (plus `extra` build facts, e.g. the INT8 check)."""
    version_dir = Path(version_dir)
    checksums = {
        p.name: sha256_file(p)
        for p in sorted(version_dir.iterdir())
        if p.is_file() and p.name != MODEL_INFO_FILE
    }
    payload = (
        asdict(info)
        | {"labels": list(info.labels), "thresholds": list(info.thresholds), "sha256": checksums}
        | dict(extra or {})
    )
    path = version_dir / MODEL_INFO_FILE
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def onnx_path(version_dir: Path, precision: Precision) -> Path:
    if precision not in ONNX_FILES:
        raise ValueError(f"precision must be one of {sorted(ONNX_FILES)}, got {precision!r}")
    return Path(version_dir) / ONNX_FILES[precision]


def latest_version_dir(model_dir: Path) -> Path:
    """The highest numeric version directory holding a built model (Triton's `latest` policy)."""
    versions = [
        p for p in Path(model_dir).iterdir() if p.is_dir() and p.name.isdigit() and (p / MODEL_INFO_FILE).exists()
    ]
    if not versions:
        raise FileNotFoundError(
            f"no built model version under {model_dir}; run `medflow model build --demo` (offline) "
            "or `medflow model build --model <hub id or local dir>`"
        )
    return max(versions, key=lambda p: int(p.name))
