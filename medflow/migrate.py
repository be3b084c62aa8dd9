"""Convert an output of the old layout (Parquet files plus JSON run manifests) into the Delta tables.

Each old manifest is replayed oldest first through the normal commit (``medflow.commit``): one
commit per old run, so the table history mirrors the runs, and the last run's row of each note is
the current one (the old layout kept every rerun's file, hence its duplicates). The old Parquet
files a manifest lists are deleted once everything is committed. Files the old layout never
committed (killed runs) were invisible before and stay invisible; ``medflow tables vacuum`` removes
them after the retention period. An interrupted conversion is finished by running it again: runs
already in the table history are not replayed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from medflow.commit import commit_run
from medflow.manifest import load_manifests
from medflow.pipeline import FileReport
from medflow.storage import filesystem_for, join_uri
from medflow.tables import PREDICTIONS, QUARANTINE, ensure_tables, is_legacy_layout, open_table


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


def convert_legacy_output(output_uri: str) -> Conversion:
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
        commit_run(output_uri, manifest.run_id, manifest.run_date, manifest.files)
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
