"""`medflow model train` and `medflow model eval`: the real classifier (pretrained encoder + trained
head) from labelled notes, and its figures beside a TF-IDF baseline. torch/transformers/scikit-learn are
imported inside the commands (the `export` extra)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cli.paths import CLASSIFIER_DIR, TRITON_REPO
from cli.training_data import deidentified_notes
from inference.model_files import CLASSIFIER_MODEL

DEFAULT_CACHE = Path("out/cache/encoder")
INT8_CHECK_TEXTS = 64

InputOption = Annotated[Path, typer.Option("--input", help="Labelled notes: Parquet or JSONL", exists=True)]
TextColumn = Annotated[str, typer.Option(help="Column holding the note text")]
LabelsColumn = Annotated[str, typer.Option(help="Column holding the labels (a list of labels, or one label)")]
CacheOption = Annotated[Path, typer.Option(help="Encoder outputs cached per note (derived vectors, no text)")]


class StageProgress:
    """One line per stage and about every tenth of it, on stderr (readable in logs, no terminal needed)."""

    def __init__(self) -> None:
        self._shown: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if self._shown.get(stage) != tenth:
            self._shown[stage] = tenth
            typer.echo(f"{stage}: {done}/{total}", err=True)


def train(
    input_file: InputOption,
    text_column: TextColumn = "text",
    labels_column: LabelsColumn = "labels",
    repo: Annotated[Path, typer.Option(help="Triton model repository")] = TRITON_REPO,
    name: Annotated[str, typer.Option(help="Model name (directory) in the repository")] = CLASSIFIER_MODEL,
    encoder: Annotated[Path | None, typer.Option(help="Pretrained encoder folder (default: the installed one)")] = None,
    cache: CacheOption = DEFAULT_CACHE,
    epochs: Annotated[int, typer.Option(help="Full-batch epochs of the head")] = 300,
    validation_fraction: Annotated[float, typer.Option(help="Notes held out for thresholds and calibration")] = 0.15,
    seed: int = 0,
    head_out: Annotated[
        Path | None, typer.Option(help="Also save the head alone here (weights, labels, thresholds, metrics)")
    ] = None,
) -> None:
    """Train the multi-label head on de-identified notes and write REPO/NAME/1/ (ONNX FP32 + INT8)."""
    import torch

    from inference.build.encoder import default_encoder_dir
    from inference.build.head import HeadConfig
    from inference.build.train import save_trained, train_head, write_version
    from inference.build.weights_install import ENCODER_LICENSE, ENCODER_NAME, WEIGHTS_SHA256
    from medflow.settings import get_settings

    settings = get_settings()
    encoder_dir = encoder or default_encoder_dir()
    torch.manual_seed(seed)
    notes = deidentified_notes(input_file, text_column, labels_column, "training notes")
    trained = train_head(
        notes,
        encoder_dir=encoder_dir,
        cache_root=cache,
        max_length=settings.max_length,
        stride=settings.chunk_stride,
        config=HeadConfig(epochs=epochs, seed=seed),
        validation_fraction=validation_fraction,
        progress=StageProgress(),
    )
    provenance = {
        "model_name": f"{Path(ENCODER_NAME).name}+head",
        "base_weights": {"name": ENCODER_NAME, "sha256": WEIGHTS_SHA256, "licence": ENCODER_LICENSE},
        "training_data": {"file": input_file.name, "sha256": notes.sha256, "notes": len(notes.texts)},
        "chunking": {"max_length": settings.max_length, "stride": settings.chunk_stride},
    }
    if head_out:
        save_trained(trained, head_out, provenance)
    version_dir = write_version(
        trained,
        encoder_dir=encoder_dir,
        repo=repo,
        name=name,
        model_name=str(provenance["model_name"]),
        max_length=settings.max_length,
        provenance=provenance,
        check_texts=notes.texts[:INT8_CHECK_TEXTS],
    )
    val = trained.validation
    typer.echo(
        f"trained {len(trained.labels)} labels on {trained.facts['fit_notes']} notes "
        f"(encode {trained.facts['encode_seconds']} s, fit {trained.facts['fit_seconds']} s); validation "
        f"({trained.facts['validation_notes']} notes): precision@1 {val['precision_at_1']:.3f}, "
        f"micro-F1 {val['micro_f1']:.3f}, macro-F1 {val['macro_f1']:.3f}, calibration error "
        f"{val['calibration_error']:.3f}; wrote {version_dir}"
    )


def evaluate(
    input_file: InputOption,
    train_input: Annotated[
        Path, typer.Option(help="The model's training notes: the TF-IDF baseline is trained on them", exists=True)
    ],
    model: Annotated[
        Path, typer.Option(help="Model directory (latest version) or version directory")
    ] = CLASSIFIER_DIR,
    text_column: TextColumn = "text",
    labels_column: LabelsColumn = "labels",
    precision: Annotated[str, typer.Option(help="fp32 or int8 ONNX weights")] = "fp32",
    json_path: Annotated[Path | None, typer.Option("--json", help="Write {model, baseline} figures here")] = None,
) -> None:
    """precision@1, micro/macro-F1, per-label P/R/F1 and calibration error of the model and of a TF-IDF +
    logistic regression baseline trained in this run on the same training notes."""
    from inference.build.baseline import baseline_probabilities, baseline_thresholds
    from inference.build.dataset import label_matrix
    from inference.build.evaluation import model_probabilities
    from inference.build.metrics import classification_report
    from inference.model_files import MODEL_INFO_FILE, latest_version_dir, load_model_info
    from medflow.settings import get_settings

    version_dir = model if (model / MODEL_INFO_FILE).exists() else latest_version_dir(model)
    info = load_model_info(version_dir)
    settings = get_settings()
    test = deidentified_notes(input_file, text_column, labels_column, "evaluation notes")
    training = deidentified_notes(train_input, text_column, labels_column, "training notes (baseline)")
    targets = label_matrix(test.labels, info.labels)
    probs = model_probabilities(version_dir, precision, test.texts, settings.max_length, settings.chunk_stride)
    thresholds = info.thresholds or (0.5,) * len(info.labels)
    train_targets = label_matrix(training.labels, info.labels)
    base_probs = baseline_probabilities(training.texts, train_targets, test.texts)
    base_thresholds = baseline_thresholds(training.texts, training.labels, train_targets)
    report = {
        "model": classification_report(probs, targets, thresholds, info.labels)
        | {"name": info.model_name, "version_dir": str(version_dir), "precision": precision},
        "baseline": classification_report(base_probs, targets, base_thresholds, info.labels)
        | {"name": "TF-IDF (word 1-2-grams) + one-vs-rest logistic regression (C=10), thresholds as the model's"},
    }
    unknown = sorted({label for row in test.labels for label in row} - set(info.labels))
    if unknown:
        typer.echo(f"labels the model does not know (counted as misses): {', '.join(unknown)}", err=True)
    typer.echo(format_report(report))
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, indent=2) + "\n")


def format_report(report: dict[str, dict[str, object]]) -> str:
    model, baseline = report["model"], report["baseline"]
    lines = [f"{'':22} {'model':>8} {'baseline':>9}"]
    for key in ("precision_at_1", "micro_f1", "macro_f1", "calibration_error"):
        lines.append(f"{key:22} {model[key]:>8.3f} {baseline[key]:>9.3f}")
    lines.append(f"\n{'label':34} {'support':>7} {'P':>6} {'R':>6} {'F1':>6} {'F1 base':>8}")
    per_label, base_per_label = model["per_label"], baseline["per_label"]
    for label, row in per_label.items():  # type: ignore[union-attr]
        if row["support"]:
            base = base_per_label[label]  # type: ignore[index]
            lines.append(
                f"{label[:34]:34} {row['support']:>7} {row['precision']:>6.3f} {row['recall']:>6.3f} "
                f"{row['f1']:>6.3f} {base['f1']:>8.3f}"
            )
    return "\n".join(lines)
