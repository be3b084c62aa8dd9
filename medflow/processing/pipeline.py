"""The batch path for one input object: read → validate → de-identify → classify → write.

Plain functions over Arrow record batches; no Prefect here (``tasks/`` wraps them). De-identification,
classification and the keyed pseudonyms are injected as callables so this module does not reach into
other stages. No input identifier reaches a table: ``note_id`` and ``patient_id`` are written as keyed
pseudonyms and ``created_at`` moves by the same offset as the note's dates. A note whose
de-identification did not complete is quarantined (``deid_incomplete``), and one written mostly in a script
the engine has no rules for (``unsupported_script``) or in a language outside the allowed ones
(``unsupported_language``): never classified or written.

Stages overlap: while batch *k* is being classified (tokenizer in Rust and gRPC waits, both outside
the GIL; the model itself runs in the Triton process), the main thread reads and de-identifies batch
*k+1*. At most one batch waits, which bounds memory.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq
from fsspec import AbstractFileSystem

from deid.outcomes import DeidIncomplete
from medflow.processing.validation import RejectedRow, ValidatedBatch, validate_batch
from medflow.run_types import DeidOutput, FileReport, RunContext, no_lease_check
from medflow.schema import LABELS_TYPE, OUTPUT_SCHEMA, QUARANTINE_SCHEMA, schema_problem
from medflow.storage import InputObject, atomic_write, filesystem_for, iter_record_batches, read_parquet_footer
from medflow.tables.identifiers import Pseudonymize, pseudonym_column, shifted_times

logger = logging.getLogger(__name__)

# Staged predictions carry each row's position in its input object, so the commit can quarantine a
# note id that also occurs in another input object; the table itself does not keep it.
STAGED_PREDICTIONS_SCHEMA = OUTPUT_SCHEMA.append(pa.field("row_index", pa.int64(), nullable=False))


class PredictionOutput(Protocol):
    label: str
    score: float
    n_chunks: int
    n_tokens: int
    labels: Sequence[tuple[str, float]]  # every label above its threshold, best first


Deidentify = Callable[[Sequence[str], Sequence[str | None]], Sequence[DeidOutput | DeidIncomplete]]
Classify = Callable[[list[str]], Sequence[PredictionOutput]]


@dataclass(frozen=True, slots=True)
class Stages:
    """The model-backed stages and the pseudonyms, injected by the caller (the flow, a test, the benchmark)."""

    deidentify: Deidentify
    classify: Classify
    pseudonymize: Pseudonymize


class StageTimer:
    """Accumulates wall seconds per stage. Each stage is timed by one thread only."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def is_corrupt_input_error(exc: BaseException) -> bool:
    """Whether a read error means the object's bytes are bad (quarantine) rather than storage trouble.

    pyarrow reports undecodable Parquet as ``ArrowException`` or as a bare ``OSError``; storage clients
    raise subclasses (``ConnectionError``, ``TimeoutError``, ``FileNotFoundError``...), which must
    propagate so the task is retried instead of quarantining good data.
    """
    return isinstance(exc, pa.ArrowException) or type(exc) is OSError


def _output_batch(
    validated: ValidatedBatch,
    deid: Sequence[DeidOutput],
    predictions: Sequence[PredictionOutput],
    ctx: RunContext,
    pseudonymize: Pseudonymize,
) -> pa.RecordBatch:
    table = validated.table
    n = table.num_rows
    return pa.RecordBatch.from_arrays(
        [
            pseudonym_column("note_id", table.column("note_id"), pseudonymize),
            pseudonym_column("patient_id", table.column("patient_id"), pseudonymize),
            table.column("note_type").combine_chunks(),
            shifted_times(table.column("created_at").combine_chunks(), [d.date_shift_days for d in deid]),
            pa.array([d.text for d in deid], pa.string()),
            pa.array([p.label for p in predictions], pa.string()),
            pa.array([p.score for p in predictions], pa.float32()),
            labels_column(predictions),
            pa.array([p.n_chunks for p in predictions], pa.int32()),
            pa.array([ctx.model_name] * n, pa.string()),
            pa.array([ctx.model_version] * n, pa.string()),
            pa.array([ctx.run_id] * n, pa.string()),
            pa.array([ctx.processed_at] * n, OUTPUT_SCHEMA.field("processed_at").type),
        ],
        schema=OUTPUT_SCHEMA,
    )


def labels_column(predictions: Sequence[PredictionOutput]) -> pa.Array:
    """The ``labels`` column: each note's labels above their thresholds as ``{label, score}``, best first."""
    rows = [[{"label": label, "score": score} for label, score in p.labels] for p in predictions]
    return pa.array(rows, LABELS_TYPE)


def _quarantine_table(source: str, rows: list[RejectedRow], run_id: str, pseudonymize: Pseudonymize) -> pa.Table:
    return pa.Table.from_arrays(
        [
            pa.array([source] * len(rows), pa.string()),
            pa.array([r.row_index for r in rows], pa.int64()),
            pseudonym_column("note_id", pa.array([r.note_id for r in rows], pa.string()), pseudonymize),
            pa.array([r.reason for r in rows], pa.string()),
            pa.array([run_id] * len(rows), pa.string()),
        ],
        schema=QUARANTINE_SCHEMA,
    )


def _write_quarantine(
    ctx: RunContext,
    source: InputObject,
    rows: list[RejectedRow],
    pseudonymize: Pseudonymize,
    before_write: Callable[[], None],
) -> str:
    before_write()
    uri = ctx.quarantine_uri(source)
    fs, path = filesystem_for(uri)
    with atomic_write(fs, path) as f:
        pq.write_table(_quarantine_table(source.uri, rows, ctx.run_id, pseudonymize), f)
    return uri


def _withhold_incomplete(
    validated: ValidatedBatch, deid: Sequence[DeidOutput | DeidIncomplete]
) -> tuple[ValidatedBatch, list[DeidOutput], list[RejectedRow]]:
    """Split off the notes whose de-identification did not complete: they are quarantined, never
    classified or written (fail closed)."""
    keep = [not isinstance(d, DeidIncomplete) for d in deid]
    if all(keep):
        return validated, list(deid), []  # type: ignore[arg-type]
    note_ids = validated.table.column("note_id").to_pylist()
    withheld = [
        RejectedRow(row, note_id, d.reason)
        for row, note_id, d in zip(validated.row_indices, note_ids, deid, strict=True)
        if isinstance(d, DeidIncomplete)
    ]
    kept_batch = ValidatedBatch(
        validated.table.filter(pa.array(keep)),
        [row for row, kept in zip(validated.row_indices, keep, strict=True) if kept],
        validated.rejected,
    )
    return kept_batch, [d for d in deid if not isinstance(d, DeidIncomplete)], withheld


def process_file(
    source: InputObject,
    ctx: RunContext,
    stages: Stages,
    on_rows: Callable[[int], None] | None = None,
    before_write: Callable[[], None] = no_lease_check,
) -> FileReport:
    """Process one input object into one staged predictions file (and a quarantine file if rows were rejected).

    Staged files become part of the tables only when the run commits them (``medflow.tables.commit``).
    ``before_write`` runs before every write and before a staged object is published; it raises to
    stop the run (the run's lease was lost), and the object being written is then discarded.

    Bad input (corrupt Parquet, missing required columns, bad rows) is quarantined with a reason and
    never raises. Infrastructure errors (storage, Triton) raise, so the caller can retry the file.
    """
    report = FileReport(source=source.uri, fingerprint=source.fingerprint(ctx.model_version))
    timer = StageTimer()
    in_fs, _ = filesystem_for(source.uri)
    try:
        with timer.stage("read"):
            footer = read_parquet_footer(in_fs, source.path)
        report.rows_in = footer.num_rows
        if problem := schema_problem(footer.schema):
            return _fail_file(report, ctx, source, problem, timer, stages.pseudonymize, before_write)
        _stream_file(in_fs, source, ctx, stages, report, timer, on_rows, before_write)
    except Exception as exc:
        if not is_corrupt_input_error(exc):
            raise
        # Only the exception type is kept: pyarrow messages can quote bytes of the file.
        reason = f"unreadable Parquet ({type(exc).__name__})"
        return _fail_file(report, ctx, source, reason, timer, stages.pseudonymize, before_write)
    report.seconds = timer.seconds
    return report


def _stream_file(
    in_fs: AbstractFileSystem,
    source: InputObject,
    ctx: RunContext,
    stages: Stages,
    report: FileReport,
    timer: StageTimer,
    on_rows: Callable[[int], None] | None,
    before_write: Callable[[], None],
) -> None:
    entities: Counter[str] = Counter()
    labels: Counter[str] = Counter()
    labels_above: Counter[str] = Counter()
    rejected: list[RejectedRow] = []
    seen_note_ids: set[str] = set()
    out_uri = ctx.prediction_uri(source)
    out_fs, out_path = filesystem_for(out_uri)

    def classify_and_write(validated: ValidatedBatch, deid: Sequence[DeidOutput], writer: pq.ParquetWriter) -> None:
        with timer.stage("classify"):
            predictions = stages.classify([d.text for d in deid])
        with timer.stage("write"):
            batch = _output_batch(validated, deid, predictions, ctx, stages.pseudonymize)
            row_index = pa.array(validated.row_indices, pa.int64())
            before_write()
            writer.write_batch(batch.append_column(STAGED_PREDICTIONS_SCHEMA.field("row_index"), row_index))
        labels.update(p.label for p in predictions)
        labels_above.update(label for p in predictions for label, _ in p.labels)
        report.chunks += sum(p.n_chunks for p in predictions)
        report.tokens += sum(p.n_tokens for p in predictions)
        report.rows_out += len(predictions)
        if on_rows is not None:
            on_rows(len(predictions))

    with (
        atomic_write(out_fs, out_path) as sink,
        pq.ParquetWriter(sink, STAGED_PREDICTIONS_SCHEMA) as writer,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="medflow-classify") as pool,
    ):
        pending: Future[None] | None = None
        row_index = 0
        batches = iter_record_batches(in_fs, source.path, ctx.read_batch_rows)
        while True:
            with timer.stage("read"):
                batch = next(batches, None)
            if batch is None:
                break
            with timer.stage("validate"):
                validated = validate_batch(batch, row_index, seen_note_ids, ctx.max_note_chars)
            row_index += batch.num_rows
            rejected.extend(validated.rejected)
            if on_rows is not None and validated.rejected:
                on_rows(len(validated.rejected))
            if validated.table.num_rows == 0:
                continue
            with timer.stage("deid"):
                outcomes = stages.deidentify(
                    validated.table.column("note_text").to_pylist(),
                    validated.table.column("patient_id").to_pylist(),
                )
            validated, deid, withheld = _withhold_incomplete(validated, outcomes)
            rejected.extend(withheld)
            if on_rows is not None and withheld:
                on_rows(len(withheld))
            if not deid:
                continue
            for result in deid:
                entities.update(result.entity_counts)
            if pending is not None:
                pending.result()  # backpressure: at most one batch in classification
            pending = pool.submit(classify_and_write, validated, deid, writer)
        if pending is not None:
            pending.result()
        before_write()  # leaving the block publishes the staged object

    report.output = out_uri
    report.entities = dict(sorted(entities.items()))
    report.labels = dict(sorted(labels.items()))
    report.labels_above = dict(sorted(labels_above.items()))
    report.rows_quarantined = len(rejected)
    if rejected:
        report.status = "partial"
        with timer.stage("write"):
            report.quarantine = _write_quarantine(ctx, source, rejected, stages.pseudonymize, before_write)


def _fail_file(
    report: FileReport,
    ctx: RunContext,
    source: InputObject,
    reason: str,
    timer: StageTimer,
    pseudonymize: Pseudonymize,
    before_write: Callable[[], None],
) -> FileReport:
    """Quarantine the whole object: one record with the reason; every row counts as quarantined."""
    logger.warning("quarantined %s: %s", source.uri, reason)
    report.status = "failed"
    report.error = reason
    report.output = None
    report.rows_out = 0
    report.rows_quarantined = report.rows_in
    report.entities, report.labels, report.labels_above, report.chunks, report.tokens = {}, {}, {}, 0, 0
    report.quarantine = _write_quarantine(ctx, source, [RejectedRow(None, None, reason)], pseudonymize, before_write)
    report.seconds = timer.seconds
    return report
