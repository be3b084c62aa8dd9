"""Batch-path throughput: the model alone on the samples' chunks vs the whole `process_file` flow.

Both count model sequences (chunks) per second over the same notes, so they compare directly.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from bench.model_timing import load_sessions, padded_batches, time_sessions
from deid.engine import DeidResult
from inference.model_files import ModelInfo, Precision, onnx_path, uses_gpu
from inference.onnx_model import serving_layout
from medflow.processing.pipeline import Stages, process_file
from medflow.run_types import RunContext
from medflow.settings import Settings
from medflow.storage import list_parquet_objects
from medflow.tables.commit import commit_manifest
from medflow.tables.manifest import build_manifest


def passthrough_deidentify(texts: Sequence[str], patient_ids: Sequence[str | None]) -> list[DeidResult]:
    """Benchmark only, on synthetic samples: measures the flow without de-identification. Deliberately
    not a setting or flag of the real flow, so raw PHI can never reach a model in production."""
    return [DeidResult(text, {}) for text in texts]


def raw_model_seq_per_s(
    version_dir: Path,
    precision: Precision,
    seqs: list[np.ndarray],
    token_budgets: Sequence[int],
    max_batch_size: int,
    sample_size: int,
    min_seconds: float,
    pad_id: int = 0,
) -> dict[str, object]:
    """ONNX Runtime in process (the servers' session layout) over a seeded sample of the chunks, batched
    like the client with each padded-token budget; the best budget is the machine's ceiling for the batch path."""
    sample = random.Random(0).sample(seqs, min(sample_size, len(seqs)))
    gpu = uses_gpu(precision)
    sessions = load_sessions(onnx_path(version_dir, precision), *serving_layout(gpu), gpu=gpu)
    sweep = []
    for budget in token_budgets:
        timing = time_sessions(sessions, padded_batches(sample, max_batch_size, budget, pad_id), min_seconds)
        sweep.append({"token_budget": budget, "seq_per_s": round(timing.seq_per_s, 2)})
    best = max(sweep, key=lambda p: p["seq_per_s"])
    return {"seq_per_s": best["seq_per_s"], "token_budget": best["token_budget"], "sweep": sweep}


def pipeline_run(
    input_dir: Path, out_dir: Path, settings: Settings, stages: Stages, info: ModelInfo
) -> dict[str, float]:
    """`process_file` over every Parquet object of `input_dir`, then the Delta commit: the flow's work
    without Prefect (the commit is part of the write path, so its cost is in the throughput)."""
    ctx = RunContext(
        run_id=f"bench-{time.time_ns()}",
        run_date=date.today(),
        output_uri=str(out_dir),
        model_name=info.model_name,
        model_version=info.model_version,
        processed_at=datetime.now(UTC),
        read_batch_rows=settings.read_batch_rows,
        max_note_chars=settings.max_note_chars,
    )
    notes = chunks = tokens = 0
    started, started_at = time.perf_counter(), datetime.now(UTC)
    reports = []
    for source in list_parquet_objects(str(input_dir)):
        report = process_file(source, ctx, stages)
        reports.append(report)
        notes, chunks, tokens = notes + report.rows_out, chunks + report.chunks, tokens + report.tokens
    commit_started = time.perf_counter()
    commit_manifest(build_manifest(ctx, str(input_dir), reports, started_at, datetime.now(UTC)))
    commit_seconds = time.perf_counter() - commit_started
    seconds = time.perf_counter() - started
    return {
        "seq_per_s": round(chunks / seconds, 2),
        "notes_per_s": round(notes / seconds, 2),
        "tokens_per_s": round(tokens / seconds, 1),
        "notes": notes,
        "sequences": chunks,
        "seconds": round(seconds, 3),
        "commit_seconds": round(commit_seconds, 3),
    }
