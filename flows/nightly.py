"""The nightly batch flow: list input Parquet objects, process each, commit a manifest."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import Completed

from medflow.pipeline import RunContext
from medflow.settings import get_settings
from medflow.stages import build_stages
from tasks.batch import commit_manifest, list_inputs, process_input_file


@flow(name="nightly-deid-inference", log_prints=False)
def nightly_deid_inference(
    input_uri: str,
    output_uri: str,
    run_date: date | None = None,
    triton_url: str | None = None,
):
    """De-identify and classify every note under ``input_uri``; write tables under ``output_uri``.

    The final state is Completed either way; its message says when rows or files were quarantined.
    """
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
    sources = list_inputs(input_uri)
    reports = [process_input_file(source, ctx, settings) for source in sources]
    manifest, manifest_uri = commit_manifest(ctx, input_uri, reports, started_at)
    totals = manifest.totals
    message = f"{totals.rows_out}/{totals.rows_in} rows written"
    if manifest.status != "ok":
        message += f"; QUARANTINED {totals.rows_quarantined} row(s), {totals.files_failed} file(s)"
    return Completed(message=message, data=manifest)
