"""Prefect tasks of the nightly flow: thin wrappers over medflow's plain functions.

Retries live here and only here: a file whose processing hits an infrastructure error (Triton
restarting, storage timeouts) is retried whole; its staged output is written atomically, so a retry
overwrites instead of duplicating. A retried commit MERGEs the same staged rows again. Clients
underneath do not retry on their own (concurrent Delta commits are rerun in ``medflow.tables``).
"""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from medflow.commit import commit_manifest, discard_staging
from medflow.manifest import RunManifest, write_staged_manifest
from medflow.pipeline import FileReport, RunContext, process_file
from medflow.progress import report_rows_done
from medflow.settings import Settings
from medflow.stages import build_stages
from medflow.storage import InputObject, list_parquet_objects


@task(name="list-inputs", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[2, 10, 30])
def list_inputs(input_uri: str) -> list[InputObject]:
    sources = list_parquet_objects(input_uri)
    get_run_logger().info("found %d Parquet object(s) under %s", len(sources), input_uri)
    return sources


@task(
    name="process-file",
    task_run_name="process-{source.stem}",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=[5, 15, 45],
    retry_jitter_factor=0.5,
)
def process_input_file(source: InputObject, ctx: RunContext, settings: Settings) -> FileReport:
    stages, _ = build_stages(settings)
    report = process_file(source, ctx, stages, on_rows=report_rows_done)
    rate = report.rows_out / max(sum(report.seconds.values()), 1e-9)
    get_run_logger().info(
        "%s: %s, rows in %d, out %d, quarantined %d, %.1f notes/s",
        source.stem, report.status, report.rows_in, report.rows_out, report.rows_quarantined, rate,
    )
    return report


@task(name="commit-run", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[2, 10, 30])
def commit_run_outputs(manifest: RunManifest, staged_by: list[str]) -> RunManifest:
    """Commit what ``staged_by`` (this run, or a fan-out's partitions) staged; write the manifest; clean up."""
    committed = commit_manifest(manifest)
    discard_staging(manifest.output_uri, manifest.run_date, staged_by)
    tables = committed.tables
    get_run_logger().info(
        "committed predictions version %s and quarantine version %s",
        tables.predictions.version if tables else "-", tables.quarantine.version if tables else "-",
    )
    return committed


@task(name="stage-report", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[2, 10, 30])
def stage_report(manifest: RunManifest) -> RunManifest:
    """A partition's report of what it staged, for the fan-out parent that commits it."""
    uri = write_staged_manifest(manifest)
    get_run_logger().info("staged report %s for the fan-out to commit", uri)
    return manifest
