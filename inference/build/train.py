"""`medflow model train`: the pretrained encoder (frozen) + a trained multi-label head, written as a model
version that Triton serves like any other (ONNX FP32 and INT8, tokenizer, medflow_model.json).

Notes come in de-identified (the caller runs the pipeline's engine) and are chunked exactly as serving
chunks them; the head is fitted through serving's aggregation rule. A validation split (by note, seeded,
stratified by each note's rarest label) sets the temperature and the per-label thresholds and gives the
validation metrics; the head is then refitted on every note with the same settings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.build.dataset import LabelledNotes, label_matrix, split_by_rarest_label
from inference.build.encoder import EmbeddingCache, encoder_tokenizer, load_mean_pooled
from inference.build.head import (
    AGGREGATION,
    HEAD_FORMAT,
    ChunkFeatures,
    HeadConfig,
    choose_thresholds,
    fit_head,
    fit_temperature,
    predict_notes,
)
from inference.build.metrics import classification_report
from inference.tokenizer import NoteTokenizer

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True, slots=True)
class TrainedHead:
    head: Any  # torch module (inference.build.head.build_head), temperature set
    labels: tuple[str, ...]
    thresholds: tuple[float, ...]
    validation: dict[str, object]  # classification_report on the validation split
    facts: dict[str, object]  # notes, chunks, split sizes, seconds per stage


def train_head(
    notes: LabelledNotes,
    *,
    encoder_dir: Path,
    cache_root: Path,
    max_length: int,
    stride: int,
    config: HeadConfig = HeadConfig(),
    validation_fraction: float = 0.15,
    progress: Progress = lambda stage, done, total: None,
) -> TrainedHead:
    started = time.perf_counter()
    labels = tuple(sorted({label for row in notes.labels for label in row}))
    targets = label_matrix(notes.labels, labels)
    tokenizer = NoteTokenizer(encoder_tokenizer(encoder_dir))
    chunks = tokenizer.encode_notes(notes.texts, max_length, stride)
    cache = EmbeddingCache(cache_root, encoder_dir, max_length, stride)
    embeddings = cache.embed_notes(
        notes.texts, chunks, lambda: load_mean_pooled(encoder_dir), tokenizer.pad_id,
        lambda done, total: progress("encoding chunks", done, total),
    )
    encoded = time.perf_counter()
    features = ChunkFeatures.from_notes(embeddings, chunks)
    vocab_size = encoder_tokenizer(encoder_dir).get_vocab_size()
    fit_rows, val_rows = split_by_rarest_label(notes.labels, validation_fraction, config.seed)

    def epochs(stage: str) -> Callable[[int], None]:
        return lambda epoch: progress(stage, epoch, config.epochs)

    head = fit_head(features.subset(fit_rows), targets[fit_rows], vocab_size, config, epochs("fitting (validation)"))
    validation_features = features.subset(val_rows)
    temperature = fit_temperature(head, validation_features, targets[val_rows])
    validation_probs = predict_notes(head, validation_features)
    thresholds = choose_thresholds(validation_probs, targets[val_rows])
    validation = classification_report(validation_probs, targets[val_rows], thresholds, labels)
    final = fit_head(features, targets, vocab_size, config, epochs("fitting (all notes)"))
    final.temperature.fill_(temperature)
    facts = {
        "notes": len(notes.texts),
        "chunks": len(features.ids),
        "fit_notes": len(fit_rows),
        "validation_notes": len(val_rows),
        "temperature": temperature,
        "encode_seconds": round(encoded - started, 1),
        "fit_seconds": round(time.perf_counter() - encoded, 1),
    }
    return TrainedHead(final, labels, tuple(float(t) for t in thresholds), validation, facts)


def classifier_module(encoder_dir: Path, head: Any) -> Any:
    """(input_ids, attention_mask) -> logits: the frozen encoder's mean pooling, then the head (exported)."""
    import torch

    pooled = load_mean_pooled(encoder_dir).cpu()  # exported on the CPU, beside the head

    class EncoderWithHead(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pooled, self.head = pooled, head

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.head(self.pooled(input_ids, attention_mask), input_ids, attention_mask)

    return EncoderWithHead().eval()


def write_version(
    trained: TrainedHead,
    *,
    encoder_dir: Path,
    repo: Path,
    name: str,
    model_name: str,
    max_length: int,
    provenance: dict[str, object],
    check_texts: list[str],
    version: int = 1,
) -> Path:
    """repo/name/version/: model.onnx (encoder + head), model.int8.onnx, tokenizer.json, medflow_model.json."""
    from inference.build.export import (
        ensure_model_config,
        export_onnx,
        quantize_int8,
        save_serving_tokenizer,
        staged_version,
    )
    from inference.build.quant_check import compare_precisions
    from inference.model_files import ONNX_FILES, ModelInfo, write_model_info

    model_dir = Path(repo) / name
    ensure_model_config(model_dir, n_labels=len(trained.labels))
    with staged_version(model_dir, version) as staging:
        export_onnx(classifier_module(encoder_dir, trained.head), staging / ONNX_FILES["fp32"])
        quantize_int8(staging / ONNX_FILES["fp32"], staging / ONNX_FILES["int8"])
        save_serving_tokenizer(encoder_tokenizer(encoder_dir), staging)
        info = ModelInfo(
            model_name=model_name,
            model_version=str(version),
            labels=trained.labels,
            max_length=max_length,
            source=str(provenance.get("base_weights", {}).get("name", "")),  # type: ignore[union-attr]
            activation="sigmoid",
            aggregation=AGGREGATION,
            thresholds=trained.thresholds,
        )
        extra = provenance | {"validation": trained.validation, "training": trained.facts}
        if check_texts:
            extra["int8_check"] = compare_precisions(staging, check_texts)
        write_model_info(staging, info, extra)
    return model_dir / str(version)


HEAD_INFO_FILE = "head.json"


def save_trained(trained: TrainedHead, folder: Path, provenance: dict[str, object]) -> None:
    """What the repository may hold: the head's weights, labels, thresholds, provenance and metrics
    (derived figures, no training text); `load_trained` + `write_version` rebuild the served model."""
    import json

    from inference.build.head import save_head

    save_head(trained.head, folder)
    payload = {
        "format": HEAD_FORMAT,
        "aggregation": AGGREGATION,
        "labels": list(trained.labels),
        "thresholds": list(trained.thresholds),
        "provenance": provenance,
        "validation": trained.validation,
        "training": trained.facts,
    }
    (folder / HEAD_INFO_FILE).write_text(json.dumps(payload, indent=1) + "\n")


def load_trained(folder: Path) -> tuple[TrainedHead, dict[str, object]]:
    """(the trained head, its provenance) as `save_trained` wrote them."""
    import json

    from inference.build.head import load_head

    raw = json.loads((Path(folder) / HEAD_INFO_FILE).read_text())
    if raw.get("format") != HEAD_FORMAT:
        raise ValueError(
            f"{folder} holds a head of format {raw.get('format', 1)}, this medflow computes format {HEAD_FORMAT}: "
            "retrain it (medflow model train --head-out)"
        )
    trained = TrainedHead(
        load_head(Path(folder)), tuple(raw["labels"]), tuple(raw["thresholds"]), raw["validation"], raw["training"]
    )
    return trained, raw["provenance"]


def head_digest(folder: Path) -> str:
    """sha256 over a saved head's files: a model built from it records it, so a changed head is rebuilt."""
    import hashlib

    from inference.build.head import HEAD_WEIGHTS_FILE

    digest = hashlib.sha256()
    for file in (HEAD_INFO_FILE, HEAD_WEIGHTS_FILE):
        digest.update((Path(folder) / file).read_bytes())
    return digest.hexdigest()


def head_build_version(model_dir: Path, head: Path) -> int | None:
    """The version to build `head` into under `model_dir`: 1 when nothing is built there; the next one
    when the latest was built from another head (a new version, so that runs skipping what a model
    version already committed, and processes caching a version's stages, see a new model); None when
    the latest was built from this head, or is a model of another origin (trained or exported: kept)."""
    import json

    from inference.model_files import MODEL_INFO_FILE, latest_version_dir

    try:
        latest = latest_version_dir(model_dir)
    except FileNotFoundError:
        return 1
    built_from = json.loads((latest / MODEL_INFO_FILE).read_text()).get("head_sha256")
    if built_from is None or built_from == head_digest(head):
        return None
    return int(latest.name) + 1


def build_from_head(
    head: Path, encoder_dir: Path, repo: Path, name: str, check_texts: list[str], version: int = 1
) -> Path:
    """The pretrained encoder + a head saved by `save_trained` -> repo/name/version/ (what `make demo`
    serves); medflow_model.json records the head's digest (`head_digest`)."""
    trained, provenance = load_trained(head)
    provenance = provenance | {"head_sha256": head_digest(head)}
    return write_version(
        trained,
        encoder_dir=encoder_dir,
        repo=repo,
        name=name,
        model_name=str(provenance.get("model_name", head.name)),
        max_length=int(provenance["chunking"]["max_length"]),  # type: ignore[index]
        provenance=provenance,
        check_texts=check_texts,
        version=version,
    )
