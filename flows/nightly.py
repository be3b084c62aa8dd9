"""The nightly batch flow: plan the run over the input Parquet objects, process each into staging, commit the
Delta tables, report."""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from datetime import UTC, date, datetime

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import State

from flows.artifacts import ProgressArtifact, publish_run_artifacts
from flows.run_logging import quiet_expected_failures
from flows.states import committed_state, locked_state, refused_state, stopped_state
from medflow.preflight import PreflightError, preflight
from medflow.processing.plan import plan_run, run_context
from medflow.processing.progress import RunProgress
from medflow.run_types import FileReport
from medflow.settings import get_settings
from medflow.storage import absolute_uri
from medflow.tables.locking import RunLock, RunLockedError
from medflow.tables.manifest import RunManifest, build_manifest
from medflow.tables.partitions import Partition
from medflow.tables.staging import discard_staging
from tasks.files import commit_run_outputs, count_input_rows, list_inputs, process_input_file, stage_report


@flow(name="nightly-deid-inference", log_prints=False)
def nightly_deid_inference(
    input_uri: str,
    output_uri: str,
    run_date: date | None = None,
    triton_url: str | None = None,
    force: bool = False,
    partition: str | None = None,
    stage_only: bool = False,
    allow_empty: bool | None = None,
    quarantine_ok: bool | None = None,
) -> State:
    """De-identify and classify every note under ``input_uri``; commit the tables under ``output_uri``.

    Input files already committed for this run date and model version are skipped unless ``force``.
    The pre-flight checks run first (`medflow.preflight`); the final state follows `flows.states`:
    Failed ``NoInput`` when nothing is under ``input_uri`` (unless ``allow_empty``), Completed
    ``Quarantined`` when rows or files were quarantined (plain Completed with ``quarantine_ok``);
    both default to their settings. ``partition`` ("k/n") limits the run to one share of the inputs;
    ``nightly-fanout`` starts the n shares with ``stage_only``: they stage their outputs and the
    fan-out commits them all at once.
    """
    quiet_expected_failures()
    part = Partition.parse(partition) if partition else None
    output_uri = absolute_uri(output_uri)
    overrides = {"triton_url": triton_url} if triton_url else {}
    settings = get_settings().model_copy(update=overrides)
    try:
        preflight(settings, input_uri, output_uri,
                  allow_empty=settings.allow_empty_input if allow_empty is None else allow_empty)
    except PreflightError as exc:
        return refused_state(exc)
    started_at = datetime.now(tz=UTC)
    ctx = run_context(settings, str(flow_run.id or uuid.uuid4()), run_date or started_at.date(), output_uri, started_at)
    logger = get_run_logger()
    with ExitStack() as held:
        scope = part.lock_scope if part else None
        try:
            lock = held.enter_context(
                RunLock(output_uri, ctx.run_date, ctx.run_id, ttl_s=settings.lock_ttl_s, wait_s=settings.lock_wait_s,
                        scope=scope)
            )
        except RunLockedError as exc:  # another live run of this date (or partition): expected, one line
            return locked_state(exc)
        # Only a run holding the whole date's lock may sweep what killed runs of the date staged; a
        # fan-out parent sweeps before it starts its partitions.
        if part is None and (removed := discard_staging(output_uri, ctx.run_date)):
            logger.warning("removed what %d interrupted run(s) of this date had staged", removed)
        plan = plan_run(list_inputs(input_uri), ctx, part, force)
        for source in plan.skipped:
            logger.info("skipping %s: already committed for this date and model", source.stem)
        progress = RunProgress(
            count_input_rows(plan.to_process),
            [ProgressArtifact("nightly-progress", f"Input rows done (written or quarantined), run {ctx.run_id}")],
        )
        processed: list[FileReport] = []
        for source in plan.to_process:
            outcome = process_input_file(source, ctx, settings, progress, lock.ensure_held)
            if isinstance(outcome, State):  # Triton stayed down past the outage budget: stop, commit nothing
                return stopped_state(outcome)
            processed.append(outcome)
        manifest = build_manifest(ctx, input_uri, plan.reports(processed), started_at, datetime.now(tz=UTC))
        if stage_only:
            manifest = stage_report(manifest, lock.verify_held)
        else:
            manifest = commit_run_outputs(manifest, [ctx.run_id], lock.verify_held)
    publish_run_artifacts(manifest)
    quarantine_ok = settings.quarantine_ok if quarantine_ok is None else quarantine_ok
    return committed_state(manifest, _summary(manifest), quarantine_ok)


def _summary(manifest: RunManifest) -> str:
    totals = manifest.totals
    message = f"{totals.rows_out}/{totals.rows_in} rows written, {totals.files_skipped} file(s) skipped"
    if manifest.committed_nothing:
        return message + ", nothing new committed"
    if manifest.tables is not None:
        return message + f", predictions version {manifest.tables.predictions.version}"
    return message + ", staged for the fan-out to commit"
