"""The nightly batch flow: list input Parquet objects, process each, commit a manifest."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Completed

from medflow.artifacts import publish_run_artifacts
from medflow.locking import RunLock
from medflow.manifest import committed_reports
from medflow.partitions import Partition
from medflow.pipeline import FileReport, RunContext
from medflow.settings import get_settings
from medflow.stages import build_stages
from medflow.storage import remove_temp_files
from tasks.batch import commit_manifest, list_inputs, process_input_file


@flow(name="nightly-deid-inference", log_prints=False)
def nightly_deid_inference(
    input_uri: str,
    output_uri: str,
    run_date: date | None = None,
    triton_url: str | None = None,
    force: bool = False,
    partition: str | None = None,
):
    """De-identify and classify every note under ``input_uri``; write tables under ``output_uri``.

    Input files already committed for this run date and model version are skipped unless ``force``.
    The final state is Completed either way; its message says when rows or files were quarantined.
    ``partition`` ("k/n") limits the run to one share of the inputs; ``nightly-fanout`` starts the n shares.
    """
    part = Partition.parse(partition) if partition else None
    overrides = {"triton_url": triton_url} if triton_url else {}
    settings = get_settings().model_copy(update=overrides)
    started_at = datetime.now(tz=UTC)
    _, model = build_stages(settings)
    ctx = RunContext(
        run_id=str(flow_run.id or uuid.uuid4()),
        run_date=run_date or started_at.date(),
        output_uri=output_uri,
        model_name=model.model_name,
        model_version=model.model_version,
        processed_at=started_at,
        read_batch_rows=settings.read_batch_rows,
        max_note_chars=settings.max_note_chars,
    )
    logger = get_run_logger()
    with RunLock(
        output_uri,
        ctx.run_date,
        ctx.run_id,
        ttl_s=settings.lock_ttl_s,
        wait_s=settings.lock_wait_s,
        scope=part.lock_scope if part else None,
    ):
        # Partitions share the output folders, so only an unpartitioned run may sweep them; a fan-out
        # parent sweeps while holding the date's lock, before it starts its partitions.
        for table in ("predictions", "quarantine") if part is None else ():
            if removed := remove_temp_files(ctx.partition(table)):
                logger.warning("removed %d temporary object(s) left by an interrupted run", removed)
        committed = {} if force else committed_reports(output_uri, ctx.run_date)
        reports: list[FileReport] = []
        sources = list_inputs(input_uri)
        for source in part.select(sources) if part else sources:
            previous = committed.get(source.fingerprint(ctx.model_version))
            if previous is not None:
                logger.info("skipping %s: already committed for this date and model", source.stem)
                reports.append(dataclasses.replace(previous, status="skipped"))
            else:
                reports.append(process_input_file(source, ctx, settings))
        manifest, _ = commit_manifest(ctx, input_uri, reports, started_at)
    totals = manifest.totals
    message = f"{totals.rows_out}/{totals.rows_in} rows written, {totals.files_skipped} file(s) skipped"
    if manifest.status != "ok":
        message += f"; QUARANTINED {totals.rows_quarantined} row(s), {totals.files_failed} file(s)"
    publish_run_artifacts(manifest)
    return Completed(message=message, data=manifest)
