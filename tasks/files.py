"""Prefect tasks of the nightly flow: thin wrappers over medflow's plain functions.

Retries live here: a file whose processing hits an infrastructure error (storage timeouts, a Triton
error) is retried whole; its staged output is written atomically, so a retry overwrites instead of
duplicating. A retried commit MERGEs the same staged rows again. Clients underneath do not retry on
their own (concurrent Delta commits are rerun in ``medflow.tables.delta``), with one exception: an unreachable
Triton is waited for within its outage budget and the call repeated once it is back (``medflow.processing.outage``).
Two failures are never retried: a lost run lock (another run owns the date now) and a Triton outage
past its budget (the next file would only wait again). A file task ends such an outage with a Failed
state, not an exception, so it is one line in the logs.
"""

from __future__ import annotations

from collections.abc import Callable

from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State, TaskRun
from prefect.states import Failed

from medflow.outcome import TRITON_UNREACHABLE_STATE
from medflow.processing.outage import TritonOutage
from medflow.processing.pipeline import is_corrupt_input_error, process_file
from medflow.processing.progress import RunProgress
from medflow.processing.stages import build_stages
from medflow.run_types import FileReport, RunContext, no_lease_check
from medflow.settings import Settings
from medflow.storage import InputObject, filesystem_for, list_parquet_objects, read_parquet_footer
from medflow.tables.commit import commit_manifest
from medflow.tables.locking import LeaseLost
from medflow.tables.manifest import RunManifest, write_staged_manifest
from medflow.tables.staging import discard_staging


def unless_lease_lost(task: Task, task_run: TaskRun, state: State) -> bool:
    """Retry condition: anything but a lost lease or a spent outage budget (retrying could only fail
    again, later)."""
    return not isinstance(state.result(raise_on_failure=False), LeaseLost | TritonOutage)


@task(name="list-inputs", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[2, 10, 30])
def list_inputs(input_uri: str) -> list[InputObject]:
    sources = list_parquet_objects(input_uri)
    get_run_logger().info("found %d Parquet object(s) under %s", len(sources), input_uri)
    return sources


@task(name="count-rows", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[2, 10, 30])
def count_input_rows(sources: list[InputObject]) -> int:
    """Rows of the objects to process, from their footers (the run's progress counts against it).

    An object whose footer cannot be read counts 0 here; processing quarantines it."""
    total = 0
    for source in sources:
        try:
            total += read_parquet_footer(*filesystem_for(source.uri)).num_rows
        except Exception as exc:
            if not is_corrupt_input_error(exc):
                raise
    return total


@task(
    name="process-file",
    task_run_name="process-{source.stem}",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=[5, 15, 45],
    retry_jitter_factor=0.5,
    retry_condition_fn=unless_lease_lost,
)
def process_input_file(
    source: InputObject,
    ctx: RunContext,
    settings: Settings,
    progress: RunProgress | None = None,
    before_write: Callable[[], None] = no_lease_check,
) -> FileReport | State:
    """The file's report, or a Failed state (data: the `TritonOutage`) when Triton stayed down too long."""
    stages, _ = build_stages(settings)  # built by the first file (or the flow) of this process, then reused
    on_rows = progress.start_file() if progress is not None else None
    try:
        report = process_file(source, ctx, stages, on_rows=on_rows, before_write=before_write)
    except TritonOutage as exc:
        return Failed(name=TRITON_UNREACHABLE_STATE, message=str(exc), data=exc)
    if progress is not None:
        progress.finish_file(report.rows_in)
    rate = report.rows_out / max(sum(report.seconds.values()), 1e-9)
    get_run_logger().info(
        "%s: %s, rows in %d, out %d, quarantined %d, %.1f notes/s",
        source.stem, report.status, report.rows_in, report.rows_out, report.rows_quarantined, rate,
    )
    return report


@task(
    name="commit-run",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=[2, 10, 30],
    retry_condition_fn=unless_lease_lost,
)
def commit_run_outputs(
    manifest: RunManifest, staged_by: list[str], before_write: Callable[[], None] = no_lease_check
) -> RunManifest:
    """Commit what ``staged_by`` (this run, or a fan-out's partitions) staged; write the manifest; clean up."""
    committed = commit_manifest(manifest, before_write)
    before_write()
    discard_staging(manifest.output_uri, manifest.run_date, staged_by)
    tables = committed.tables
    if committed.committed_nothing:
        get_run_logger().info("nothing to commit: every input was already committed for this date and model")
    else:
        get_run_logger().info(
            "committed predictions version %s and quarantine version %s",
            tables.predictions.version if tables else "-", tables.quarantine.version if tables else "-",
        )
    return committed


@task(
    name="stage-report",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=[2, 10, 30],
    retry_condition_fn=unless_lease_lost,
)
def stage_report(manifest: RunManifest, before_write: Callable[[], None] = no_lease_check) -> RunManifest:
    """A partition's report of what it staged, for the fan-out parent that commits it."""
    before_write()
    uri = write_staged_manifest(manifest)
    get_run_logger().info("staged report %s for the fan-out to commit", uri)
    return manifest
