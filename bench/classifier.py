"""The shipped classifier (all-MiniLM-L6-v2 + the MTSamples head) beside the DistilBERT stand-in.

Both models alone, in process in the servers' layout (`serving.RawModelScenario`), on the same
de-identified short notes (each tokenized by its own model), measured interleaved in one run:
notes/s and CPU ms per note at each model's best batch size, and the shipped/stand-in ratios.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import serving
from bench.run import BenchConfig, ratio
from inference.model_files import CLASSIFIER_MODEL, Precision, latest_version_dir, onnx_path

STAND_IN, SHIPPED = "distilbert_stand_in", "shipped_classifier"
BUILT_PRECISIONS = ("fp32", "int8")  # what `build_from_head` writes
NOTE_MAX_LENGTH = 512  # the short notes fit one chunk of either tokenizer


def shipped_version_dir(
    built: Path | None, head: Path | None, encoder_dir: Path, work: Path, precision: Precision
) -> Path | str:
    """The shipped classifier's version directory: the latest under `built` when it was built from `head`
    (or is a classifier of your own), else built from `head` on the pinned encoder into `work`; else why it
    cannot be measured (a string for the report)."""
    from inference.build.train import head_build_version

    has_head = head is not None and (head / "head.json").exists()
    if built is not None and (not has_head or head_build_version(built, head) is None):
        try:
            return latest_version_dir(built)
        except FileNotFoundError:
            pass
    if precision not in BUILT_PRECISIONS:
        return f"a classifier built from its head has no {precision} variant"
    if not has_head:
        return "no shipped classifier head given"
    from inference.build.encoder import WEIGHTS_FILE

    if not (encoder_dir / WEIGHTS_FILE).exists():
        return f"the pretrained encoder is not installed ({encoder_dir}; `make` installs it)"
    from inference.build.train import build_from_head

    return build_from_head(head, encoder_dir, work, CLASSIFIER_MODEL, [])


def compare_models(
    version_dirs: dict[str, Path],
    precision: Precision,
    texts: list[str],
    batch_sizes: tuple[int, ...],
    plan: serving.LoadPlan,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Each model's best point (notes/s, CPU ms per note, its sweep) and the shipped/stand-in ratios."""
    from medflow.model_wiring import load_model

    scenarios: dict[str, serving.Scenario] = {}
    model_names: dict[str, str] = {}
    for name, version_dir in version_dirs.items():
        model = load_model(version_dir)
        model_names[name] = model.info.model_name
        chunks = model.tokenizer.encode_notes(texts, NOTE_MAX_LENGTH, NOTE_MAX_LENGTH // 4)
        seqs = [c[0] for c in chunks]  # one sequence per note: requests are notes
        scenarios[name] = serving.RawModelScenario(version_dir, precision, seqs, batch_sizes, model.tokenizer.pad_id)
    section: dict[str, Any] = {"precision": precision, "notes": len(texts)}
    for name, windows in serving.interleaved_sweep(scenarios, plan, progress).items():
        best = serving.summarize([serving.sweep_point(w, "batch_size") for w in windows])
        section[name] = {"model_name": model_names[name]} | best
    shipped, stand_in = section[SHIPPED], section[STAND_IN]
    section["notes_per_s_ratio"] = ratio(shipped["throughput_rps"], stand_in["throughput_rps"])
    section["cpu_ms_per_note_ratio"] = ratio(
        shipped["server_cpu_ms_per_request"], stand_in["server_cpu_ms_per_request"]
    )
    return section


def classifier_section(
    shipped: Path | str,
    stand_in: Path,
    precision: Precision,
    texts: list[str],
    batch_sizes: tuple[int, ...],
    plan: serving.LoadPlan,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """The report's `classifier` section; when the shipped model cannot be measured, only why."""
    if isinstance(shipped, Path) and not onnx_path(shipped, precision).exists():
        shipped = f"the shipped classifier has no {precision} variant ({onnx_path(shipped, precision).name})"
    if isinstance(shipped, str):
        return {"measured": False, "reason": shipped}
    return {"measured": True} | compare_models(
        {STAND_IN: stand_in, SHIPPED: shipped}, precision, texts, batch_sizes, plan, progress
    )


def bench_classifier(
    config: BenchConfig, stand_in: Path, texts: list[str], work: Path, progress: Callable[[str], None]
) -> dict[str, Any]:
    """The report's `classifier` section for one bench run (its precision, sizes and rounds)."""
    from inference.build.encoder import default_encoder_dir

    progress("classifier: the shipped model beside the DistilBERT stand-in (each model alone, interleaved)")
    encoder_dir = config.encoder_dir or default_encoder_dir()
    precision, sizes = config.precision, config.sizes
    shipped = shipped_version_dir(
        config.classifier_dir, config.classifier_head, encoder_dir, work, precision  # type: ignore[arg-type]
    )
    return classifier_section(
        shipped, stand_in, precision, texts, sizes.raw_batch_sizes, sizes.load, progress  # type: ignore[arg-type]
    )
