"""Micro-benchmark of the write path: staging Parquet and committing it to the Delta tables.

Runs `process_file` and the commit with instant stand-in stages (so only reading, validation,
keyed pseudonyms, staging and the commit are timed) over copies of the sample notes, into a table that already holds
`--table-rows` notes, and compares two ways a fan-out of `--partitions` can commit: the parent's one
commit of everything staged, and one optimistic commit per partition at the same time (conflicting
MERGEs are rerun). Local folders by default; `--output s3://bucket/prefix` with the AWS variables set
measures object storage.

    python -m bench.tables [--notes 1000] [--table-rows 20000] [--partitions 4] [--output URI]
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import secrets
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.notes import sample_table, write_sample_copies
from deid.pseudonyms import Pseudonyms
from medflow.processing.pipeline import Stages, process_file
from medflow.run_types import FileReport, RunContext
from medflow.settings import REPO_ROOT
from medflow.storage import join_uri, list_parquet_objects
from medflow.tables.commit import commit_manifest
from medflow.tables.delta import PREDICTIONS, open_table
from medflow.tables.manifest import RunManifest, build_manifest
from medflow.tables.partitions import Partition, merge_manifests

RUN_DATE = date(2026, 11, 22)


@dataclass(frozen=True, slots=True)
class _Deid:
    text: str
    entity_counts: dict[str, int]
    date_shift_days: int | None = None


@dataclass(frozen=True, slots=True)
class _Prediction:
    label: str
    score: float
    n_chunks: int
    n_tokens: int
    labels: tuple[tuple[str, float], ...]


@cache
def _instant_stages() -> Stages:
    """Stand-ins that cost nothing, so the timings are the write path's (samples are synthetic); one
    random pseudonym key for the whole benchmark, as a site has one key."""
    return Stages(
        deidentify=lambda texts, _ids: [_Deid(t, {}) for t in texts],
        classify=lambda texts: [_Prediction("LABEL_0", 0.5, 1, len(t) // 4, (("LABEL_0", 0.5),)) for t in texts],
        pseudonymize=Pseudonyms(secrets.token_bytes(32)),
    )


def _context(output_uri: str, run_id: str) -> RunContext:
    return RunContext(run_id, RUN_DATE, output_uri, "bench", "1", datetime.now(UTC), read_batch_rows=128)


def _stage(input_dir: Path, output_uri: str, run_id: str, partition: Partition | None = None) -> RunManifest:
    ctx = _context(output_uri, run_id)
    sources = list_parquet_objects(str(input_dir))
    started = datetime.now(UTC)
    reports: list[FileReport] = [
        process_file(s, ctx, _instant_stages()) for s in (partition.select(sources) if partition else sources)
    ]
    return build_manifest(ctx, str(input_dir), reports, started, datetime.now(UTC))


def _seed_table(samples: Path, work: Path, output_uri: str, rows: int) -> None:
    """A table that already holds about `rows` notes (ids unlike the measured runs'), from earlier nights."""
    seed_input = work / f"seed-{uuid.uuid4().hex[:6]}"
    per_copy = min(rows, len(sample_table(samples)))
    for path in write_sample_copies(samples, seed_input, per_copy, max(1, rows // per_copy)):
        table = pq.read_table(path)
        seeded = pc.binary_join_element_wise(pa.scalar("seed"), table.column("note_id"), "-")
        pq.write_table(table.set_column(table.schema.get_field_index("note_id"), "note_id", seeded), path)
    commit_manifest(_stage(seed_input, output_uri, "seed"))


class _Retries(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += "conflicted" in record.getMessage()


def _commit_partition(manifest_json: str, barrier: Any, results: Any) -> None:
    """One partition's own commit, started together with the others' (the worst case for conflicts)."""
    retries = _Retries()
    logging.getLogger("medflow.tables.delta").addHandler(retries)
    logging.getLogger("medflow.tables.delta").setLevel(logging.INFO)
    manifest = RunManifest.model_validate_json(manifest_json)
    barrier.wait()
    began = time.perf_counter()
    commit_manifest(manifest)
    results.put({"seconds": time.perf_counter() - began, "retries": retries.count})


def measure(samples: Path, notes: int, table_rows: int, partitions: int, output_root: str | None) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="medflow-bench-tables-") as tmp:
        work = Path(tmp)
        root = output_root or str(work / "out")
        input_dir = work / "in"
        write_sample_copies(samples, input_dir, notes // partitions, partitions)
        result: dict[str, object] = {"notes": notes, "table_rows": table_rows, "partitions": partitions}

        single_out = join_uri(root, f"single-{uuid.uuid4().hex[:6]}")
        _seed_table(samples, work, single_out, table_rows)
        began = time.perf_counter()
        staged = _stage(input_dir, single_out, "single")
        stage_seconds = time.perf_counter() - began
        began = time.perf_counter()
        commit_manifest(staged)
        commit_seconds = time.perf_counter() - began
        result["stage_seconds_per_1000_notes"] = round(stage_seconds / notes * 1000, 3)
        result["commit_seconds_per_1000_notes"] = round(commit_seconds / notes * 1000, 3)

        # Fan-out: the parent's one commit over what the partitions staged ...
        parent_out = join_uri(root, f"parent-{uuid.uuid4().hex[:6]}")
        _seed_table(samples, work, parent_out, table_rows)
        parts = [_stage(input_dir, parent_out, f"p{k}", Partition(k, partitions)) for k in range(1, partitions + 1)]
        merged = merge_manifests("parent", RUN_DATE, str(input_dir), parent_out, parts, datetime.now(UTC),
                                 datetime.now(UTC))
        began = time.perf_counter()
        commit_manifest(merged)
        result["staged_single_commit_seconds"] = round(time.perf_counter() - began, 3)

        # ... against one commit per partition, all at once (separate processes, like partition runs).
        occ_out = join_uri(root, f"occ-{uuid.uuid4().hex[:6]}")
        _seed_table(samples, work, occ_out, table_rows)
        staged_parts = [
            _stage(input_dir, occ_out, f"q{k}", Partition(k, partitions)) for k in range(1, partitions + 1)
        ]
        context = multiprocessing.get_context("spawn")
        barrier, results = context.Barrier(partitions), context.Queue()
        workers = [
            context.Process(target=_commit_partition, args=(m.model_dump_json(), barrier, results))
            for m in staged_parts
        ]
        for w in workers:
            w.start()
        outcomes = [results.get(timeout=600) for _ in workers]
        for w in workers:
            w.join()
        result["optimistic_commit_seconds"] = round(max(o["seconds"] for o in outcomes), 3)
        result["optimistic_commit_seconds_per_partition"] = sorted(round(o["seconds"], 3) for o in outcomes)
        result["optimistic_conflict_retries"] = sum(o["retries"] for o in outcomes)
        result["predictions_rows"] = open_table(occ_out, PREDICTIONS).to_pyarrow_table(columns=["note_id"]).num_rows
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--table-rows", type=int, default=20000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--output", default=None, help="Output root (default: a temporary folder)")
    parser.add_argument("--samples", type=Path, default=REPO_ROOT / "data" / "samples")
    args = parser.parse_args()
    report = measure(args.samples, args.notes, args.table_rows, args.partitions, args.output)
    print(json.dumps(report, indent=2))  # noqa: T201 - the command's output


if __name__ == "__main__":
    main()
