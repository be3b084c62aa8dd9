"""Commit a run's staged Parquet into the Delta tables: one MERGE, one quarantine replace, never duplicates.

``process_file`` stages one predictions object (and maybe one quarantine object) per input object
under ``{output}/_staging/``; nothing there is part of a table. The commit then

1. quarantines note ids that occur in more than one input object of the run (the first object in
   listing order keeps the note: the run's outcome does not depend on how files were partitioned);
2. replaces, in one commit of ``quarantine``, every quarantine row of the input objects the run
   processed (key: the input object ``source``; a whole unreadable object has no note id and a null
   ``row_index``, so neither can be the key; a fixed object's old problems disappear);
3. MERGEs the predictions on ``note_id`` in one commit of ``predictions``: a note already in the
   table is replaced (a rerun, a new model version, a second night over the same inputs), a new one
   is inserted. The previous rows stay reachable by time travel until ``vacuum``.

Both read the staged objects as a stream of record batches; only the note ids of the run are held
at once (to find duplicates). A kill before a commit leaves that table at its previous version.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake import DeltaTable, write_deltalake
from deltalake.transaction import CommitProperties

from medflow.run_types import FileReport, no_lease_check
from medflow.schema import LABELS_TYPE, QUARANTINE_SCHEMA, output_columns
from medflow.storage import filesystem_for, iter_record_batches
from medflow.tables.delta import (
    PARTITION_COLUMN,
    PREDICTIONS,
    QUARANTINE,
    TABLE_SCHEMAS,
    CommittedTables,
    TableVersion,
    ensure_tables,
    open_table,
    storage_options,
    table_uri,
    with_commit_retries,
)
from medflow.tables.manifest import RunManifest, run_status, summarize, write_manifest

DUPLICATE_ACROSS_OBJECTS = "duplicate note_id in another input object of the run"
STAGED_ROW_INDEX = "row_index"  # staged predictions only: the row's position in its input object


@dataclasses.dataclass(frozen=True, slots=True)
class Duplicate:
    report_index: int
    note_id: str
    row_index: int | None
    label: str
    labels: tuple[str, ...]  # every label above its threshold (none in objects staged before the column)


def _staged_keys(uri: str) -> pa.Table:
    """``note_id``, ``row_index``, ``label`` and ``labels`` of a staged predictions object (null where
    objects of an older layout did not stage them)."""
    fs, path = filesystem_for(uri)
    with fs.open(path, "rb") as f:
        parquet = pq.ParquetFile(f)
        optional = {STAGED_ROW_INDEX: pa.int64(), "labels": LABELS_TYPE}
        present = [c for c in optional if c in parquet.schema_arrow.names]
        keys = parquet.read(columns=["note_id", "label", *present])
    for column, data_type in optional.items():
        if column not in present:
            keys = keys.append_column(column, pa.nulls(keys.num_rows, data_type))
    return keys


def _iter_batches(uri: str) -> Iterator[pa.RecordBatch]:
    return iter_record_batches(*filesystem_for(uri), batch_rows=1024)


def find_duplicates(reports: Sequence[FileReport]) -> list[Duplicate]:
    """Notes staged by more than one report: every occurrence after the first (in report order)."""
    parts = []
    for i, report in enumerate(reports):
        if report.output:
            ids = _staged_keys(report.output)
            parts.append(ids.append_column("report", pa.array([i] * ids.num_rows, pa.int32())))
    if not parts:
        return []
    staged = pa.concat_tables(parts)
    staged = staged.append_column("position", pa.array(range(staged.num_rows), pa.int64()))
    first = staged.group_by("note_id").aggregate([("report", "min")])
    joined = staged.drop_columns(["labels"]).join(first, "note_id")  # Arrow joins cannot carry list columns
    later = joined.filter(pc.not_equal(joined["report"], joined["report_min"]))
    labels = staged["labels"].take(later["position"]).to_pylist()
    found = [
        Duplicate(r["report"], r["note_id"], r[STAGED_ROW_INDEX], r["label"], tuple(e["label"] for e in above or ()))
        for r, above in zip(later.to_pylist(), labels, strict=True)
    ]
    return sorted(found, key=lambda d: (d.report_index, d.row_index or 0, d.note_id))


def _with_duplicates_quarantined(reports: list[FileReport], duplicates: list[Duplicate]) -> list[FileReport]:
    by_report: dict[int, list[Duplicate]] = {}
    for d in duplicates:
        by_report.setdefault(d.report_index, []).append(d)
    updated = list(reports)
    for i, dups in by_report.items():
        r = reports[i]
        labels = Counter(r.labels)
        labels.subtract(d.label for d in dups)
        labels_above = Counter(r.labels_above)
        labels_above.subtract(label for d in dups for label in d.labels)
        updated[i] = dataclasses.replace(
            r,
            status="partial" if r.status == "ok" else r.status,
            rows_out=r.rows_out - len(dups),
            rows_quarantined=r.rows_quarantined + len(dups),
            labels={k: v for k, v in sorted(labels.items()) if v > 0},
            labels_above={k: v for k, v in sorted(labels_above.items()) if v > 0},
        )
    return updated


def _run_date_column(n: int, run_date: date) -> pa.Array:
    return pa.array([run_date] * n, pa.date32())


def _predictions_stream(
    reports: Sequence[FileReport], duplicates: list[Duplicate], run_date: date
) -> pa.RecordBatchReader:
    schema = TABLE_SCHEMAS[PREDICTIONS]
    dropped: dict[int, list[str]] = {}
    for d in duplicates:
        dropped.setdefault(d.report_index, []).append(d.note_id)

    def batches() -> Iterator[pa.RecordBatch]:
        for i, report in enumerate(reports):
            if not report.output:
                continue
            for batch in _iter_batches(report.output):
                if i in dropped:
                    batch = batch.filter(pc.invert(pc.is_in(batch["note_id"], pa.array(dropped[i], pa.string()))))
                # Objects staged by the previous version lack the columns added since: null there.
                columns = output_columns(batch)
                yield pa.RecordBatch.from_arrays([*columns, _run_date_column(batch.num_rows, run_date)], schema=schema)

    return pa.RecordBatchReader.from_batches(schema, batches())


def _quarantine_stream(
    reports: Sequence[FileReport], duplicates: list[Duplicate], run_id: str, run_date: date
) -> pa.RecordBatchReader:
    schema = TABLE_SCHEMAS[QUARANTINE]

    def batches() -> Iterator[pa.RecordBatch]:
        for report in reports:
            if report.quarantine:
                for batch in _iter_batches(report.quarantine):
                    columns = [batch[name] for name in QUARANTINE_SCHEMA.names]
                    yield pa.RecordBatch.from_arrays(
                        [*columns, _run_date_column(batch.num_rows, run_date)], schema=schema
                    )
        if duplicates:
            rows = [
                {"source": reports[d.report_index].source, "row_index": d.row_index, "note_id": d.note_id,
                 "reason": DUPLICATE_ACROSS_OBJECTS, "run_id": run_id, PARTITION_COLUMN: run_date}
                for d in duplicates
            ]
            yield from pa.Table.from_pylist(rows, schema=schema).to_batches()

    return pa.RecordBatchReader.from_batches(schema, batches())


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _version(output_uri: str, name: str) -> TableVersion:
    return TableVersion(uri=table_uri(output_uri, name), version=open_table(output_uri, name).version())


def current_versions(output_uri: str) -> CommittedTables:
    return CommittedTables(predictions=_version(output_uri, PREDICTIONS), quarantine=_version(output_uri, QUARANTINE))


def commit_run(
    output_uri: str,
    run_id: str,
    run_date: date,
    reports: list[FileReport],
    before_write: Callable[[], None] = no_lease_check,
) -> tuple[list[FileReport], CommittedTables]:
    """Commit the staged outputs of ``reports`` (files the run processed; skipped ones are ignored).

    Returns the reports as committed (cross-object duplicates moved to quarantine; ``output`` and
    ``quarantine`` naming the tables) and the table versions the run's commits created.
    ``before_write`` runs before each commit attempt and raises to stop the run (its lease was lost).
    """
    before_write()
    ensure_tables(output_uri)
    processed = [i for i, r in enumerate(reports) if r.status != "skipped"]
    if not processed:
        return reports, current_versions(output_uri)
    staged = [reports[i] for i in processed]
    duplicates = find_duplicates(staged)
    committed_staged = _with_duplicates_quarantined(staged, duplicates)
    commit = CommitProperties(custom_metadata={"medflow.run_id": run_id, "medflow.run_date": run_date.isoformat()})

    quarantine_uri = table_uri(output_uri, QUARANTINE)
    sources = ", ".join(_sql_string(r.source) for r in staged)

    def replace_quarantine() -> int:
        before_write()
        table = DeltaTable(quarantine_uri, storage_options=storage_options(quarantine_uri))
        write_deltalake(
            table,
            _quarantine_stream(staged, duplicates, run_id, run_date),
            mode="overwrite",
            predicate=f"source IN ({sources})",
            commit_properties=commit,
        )
        return table.version()

    predictions_uri = table_uri(output_uri, PREDICTIONS)

    def merge_predictions() -> int:
        before_write()
        table = DeltaTable(predictions_uri, storage_options=storage_options(predictions_uri))
        (
            table.merge(
                _predictions_stream(staged, duplicates, run_date),
                predicate="t.note_id = s.note_id",
                source_alias="s",
                target_alias="t",
                merge_schema=True,  # a table created before a column was added gains it (old rows: null)
                streamed_exec=True,
                commit_properties=commit,
            )
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute()
        )
        return table.version()

    quarantine_version = with_commit_retries(replace_quarantine, what=f"commit of {quarantine_uri}")
    predictions_version = with_commit_retries(merge_predictions, what=f"MERGE into {predictions_uri}")

    result = list(reports)
    for i, report in zip(processed, committed_staged, strict=True):
        result[i] = dataclasses.replace(
            report,
            output=predictions_uri if report.rows_out else None,
            # An unreadable file has no rows but one quarantine record: it names the table too.
            quarantine=quarantine_uri if report.rows_quarantined or report.quarantine else None,
        )
    return result, CommittedTables(
        predictions=TableVersion(uri=predictions_uri, version=predictions_version),
        quarantine=TableVersion(uri=quarantine_uri, version=quarantine_version),
    )


def commit_manifest(manifest: RunManifest, before_write: Callable[[], None] = no_lease_check) -> RunManifest:
    """Commit the files a run (or a fan-out's partitions) staged, then write its manifest naming the versions.

    The staged objects are deleted afterwards; a kill before the manifest leaves them to the next
    run's sweep, and the next run of the date redoes the files (the MERGE makes that harmless).
    """
    files, tables = commit_run(manifest.output_uri, manifest.run_id, manifest.run_date, manifest.files, before_write)
    finished_at = datetime.now(tz=UTC)
    totals = summarize(files, (finished_at - manifest.started_at).total_seconds())
    committed = manifest.model_copy(
        update={"files": files, "totals": totals, "status": run_status(totals), "tables": tables,
                "finished_at": finished_at}
    )
    before_write()
    write_manifest(committed)
    return committed
