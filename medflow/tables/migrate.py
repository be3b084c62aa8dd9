"""Convert an output of the old layout (Parquet files plus JSON run manifests) into the Delta tables.

The old layout wrote the input's ``note_id`` and ``patient_id`` as received and ``created_at``
unshifted. Each old file is therefore first copied into the run's staging folder the way the batch
path writes rows today (``medflow.tables.identifiers``: keyed pseudonyms, ``created_at`` moved by the
patient's date offset, or by a random offset of its own without a patient id), and only the copies
are committed: no raw identifier reaches a table, its statistics in the Delta log, or staging.

Each old manifest is replayed oldest first through the normal commit (``medflow.tables.commit``): one
commit per old run, so the table history mirrors the runs, and the last run's row of each note is
the current one (the old layout kept every rerun's file, hence its duplicates). The old Parquet
files a manifest lists are deleted once everything is committed. Files the old layout never
committed (killed runs) were invisible before and stay invisible; ``medflow tables vacuum`` removes
them after the retention period. An interrupted conversion is finished by running it again: runs
already in the table history are not replayed.
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pyarrow as pa
import pyarrow.parquet as pq

from deid.pseudonyms import Pseudonyms
from deid.surrogates import Surrogates
from medflow.run_types import FileReport, RunContext
from medflow.schema import OUTPUT_SCHEMA, QUARANTINE_SCHEMA, output_columns
from medflow.storage import atomic_write, filesystem_for, iter_record_batches, join_uri
from medflow.tables.commit import commit_run
from medflow.tables.delta import PREDICTIONS, QUARANTINE, ensure_tables, is_legacy_layout, open_table
from medflow.tables.identifiers import Pseudonymize, pseudonym_column, shifted_times
from medflow.tables.manifest import RunManifest, load_manifests
from medflow.tables.staging import discard_staging


@dataclass(frozen=True, slots=True)
class Conversion:
    runs_replayed: int
    runs_already_converted: int
    files_removed: int
    predictions_version: int
    quarantine_version: int


def _located(uri: str | None, output_uri: str) -> str | None:
    """Old manifests kept paths as the run was given them (maybe relative): rebase them onto ``output_uri``."""
    if uri is None:
        return None
    for table in (PREDICTIONS, QUARANTINE):
        marker = f"/{table}/run_date="
        if marker in f"/{uri}":
            rest = f"/{uri}".split(marker, 1)[1]
            return join_uri(output_uri, table, f"run_date={rest}")
    return uri


def _rebased(report: FileReport, output_uri: str) -> FileReport:
    return dataclasses.replace(
        report, output=_located(report.output, output_uri), quarantine=_located(report.quarantine, output_uri)
    )


def _deidentified_predictions(
    batch: pa.RecordBatch, pseudonymize: Pseudonymize, surrogates: Surrogates
) -> pa.RecordBatch:
    """An old predictions batch as the batch path writes it now: pseudonyms, shifted ``created_at``."""
    patient_ids = batch.column("patient_id").to_pylist()
    scopes = [surrogates.for_note(p) for p in patient_ids]
    columns = dict(zip(OUTPUT_SCHEMA.names, output_columns(batch), strict=True))
    columns["note_id"] = pseudonym_column("note_id", columns["note_id"], pseudonymize)
    columns["patient_id"] = pseudonym_column("patient_id", columns["patient_id"], pseudonymize)
    columns["created_at"] = shifted_times(columns["created_at"], [g.shift_days(scope) for g, scope in scopes])
    return pa.RecordBatch.from_arrays([columns[name] for name in OUTPUT_SCHEMA.names], schema=OUTPUT_SCHEMA)


def _deidentified_quarantine(batch: pa.RecordBatch, pseudonymize: Pseudonymize) -> pa.RecordBatch:
    columns = {name: batch.column(name) for name in QUARANTINE_SCHEMA.names}
    columns["note_id"] = pseudonym_column("note_id", columns["note_id"], pseudonymize)
    return pa.RecordBatch.from_arrays([columns[name] for name in QUARANTINE_SCHEMA.names], schema=QUARANTINE_SCHEMA)


def _staged_copy(
    uri: str | None, folder: str, schema: pa.Schema, transform: Callable[[pa.RecordBatch], pa.RecordBatch]
) -> str | None:
    """``uri`` transformed batch by batch into ``folder`` (streamed: memory stays bounded)."""
    if uri is None:
        return None
    target = join_uri(folder, posixpath.basename(uri))
    in_fs, in_path = filesystem_for(uri)
    out_fs, out_path = filesystem_for(target)
    with atomic_write(out_fs, out_path) as sink, pq.ParquetWriter(sink, schema) as writer:
        for batch in iter_record_batches(in_fs, in_path, batch_rows=1024):
            writer.write_batch(transform(batch))
    return target


def _staged_run(manifest: RunManifest, output_uri: str, key: bytes) -> list[FileReport]:
    """The run's reports, pointing at de-identified copies of its old files in its staging folder."""
    pseudonymize, surrogates = Pseudonyms(key), Surrogates(key)
    ctx = RunContext(
        run_id=manifest.run_id,
        run_date=manifest.run_date,
        output_uri=output_uri,
        model_name=manifest.model.name,
        model_version=manifest.model.version,
        processed_at=manifest.started_at,
    )
    predictions = partial(_deidentified_predictions, pseudonymize=pseudonymize, surrogates=surrogates)
    quarantine = partial(_deidentified_quarantine, pseudonymize=pseudonymize)
    reports = []
    for report in manifest.files:
        if report.status != "skipped":  # a skipped file's rows were committed by an earlier run
            report = dataclasses.replace(
                report,
                output=_staged_copy(report.output, join_uri(ctx.staging_uri(), "predictions"), OUTPUT_SCHEMA,
                                    predictions),
                quarantine=_staged_copy(report.quarantine, join_uri(ctx.staging_uri(), "quarantine"),
                                        QUARANTINE_SCHEMA, quarantine),
            )
        reports.append(report)
    return reports


def convert_legacy_output(output_uri: str, key: bytes) -> Conversion:
    """Replay the old runs under ``output_uri`` into the Delta tables, their ids pseudonymized and
    ``created_at`` shifted under the de-identification ``key``; then delete the old files."""
    legacy = is_legacy_layout(output_uri)
    manifests = [
        m.model_copy(update={"files": [_rebased(r, output_uri) for r in m.files]})
        for m in load_manifests(output_uri)
        if m.tables is None
    ]
    if not legacy and not manifests:
        raise ValueError(f"{output_uri} holds no tables of the old layout: nothing to convert")
    old_files = [uri for m in manifests for r in m.files for uri in (r.output, r.quarantine) if uri]
    ensure_tables(output_uri)
    converted = {c.get("medflow.run_id") for c in open_table(output_uri, PREDICTIONS).history()}
    replayed = 0
    for manifest in manifests:
        if manifest.run_id in converted:
            continue
        commit_run(output_uri, manifest.run_id, manifest.run_date, _staged_run(manifest, output_uri, key))
        discard_staging(output_uri, manifest.run_date, [manifest.run_id])
        replayed += 1
    removed = 0
    for uri in dict.fromkeys(old_files):
        fs, path = filesystem_for(uri)
        if fs.exists(path):
            fs.rm_file(path)
            removed += 1
    predictions = open_table(output_uri, PREDICTIONS).version()
    quarantine = open_table(output_uri, QUARANTINE).version()
    return Conversion(replayed, len(manifests) - replayed, removed, predictions, quarantine)
