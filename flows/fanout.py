"""Scale-out past one machine: one deployment run of ``nightly-deid-inference`` per partition of the inputs.

The parent holds the date's run lock (no unpartitioned run and no second fan-out of that date can
write meanwhile), sweeps what killed runs of the date staged, lists the inputs once and starts one
flow run per partition ``k/n`` of the partition deployment. On a Kubernetes work pool each partition
run is its own Job and pod; on a process work pool, its own process. Partitions lock only their own
share (``run_date=….part-k-of-n.lock``), so they run in parallel while a rerun of the same partition
still waits. Partitions only stage their outputs and a report; the parent waits for all, commits
everything they staged in one commit per table (rather than one optimistic commit per partition:
docs/performance-notes.md), checks that every listed input was processed exactly once and
publishes one manifest over all partitions. A partition that failed commits nothing; a rerun
processes what is missing. Partitions not finished within ``MEDFLOW_FANOUT_PARTITION_TIMEOUT_S`` (a
child stuck in Pending, say) are cancelled through the Prefect API, so the date's lock is released;
so are all of them when the parent loses its lease.
"""

from __future__ import annotations

import time
import uuid
from contextlib import ExitStack
from datetime import UTC, date, datetime
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.runtime import deployment, flow_run
from prefect.states import Cancelling, Failed, State

from flows.artifacts import ProgressArtifact, publish_partitions_artifact, publish_run_artifacts
from flows.nightly import nightly_deid_inference
from flows.run_logging import quiet_expected_failures
from flows.states import PartitionsFailed, committed_state, locked_state, refused_state, with_quarantine
from medflow.preflight import PreflightError, preflight
from medflow.settings import get_settings
from medflow.storage import absolute_uri
from medflow.tables.locking import LeaseLost, RunLock, RunLockedError
from medflow.tables.manifest import RunManifest, load_staged_manifest
from medflow.tables.partitions import Partition, PartitionRun, check_coverage, merge_manifests, plan_partitions
from medflow.tables.staging import discard_staging
from tasks.files import commit_run_outputs, list_inputs


def _first_line(message: str | None) -> str:
    return next(iter((message or "").strip().splitlines()), "")


def _default_run_date(started_at: datetime) -> date:
    """The scheduled date (stable across retries of the parent); all partitions get this same date."""
    scheduled = flow_run.scheduled_start_time
    return (scheduled or started_at).astimezone(UTC).date()


def _sibling_deployment() -> str:
    """``nightly-deid-inference/<this deployment's name>``: deploy registers both flows under one name."""
    if not deployment.name:
        raise ValueError("partition_deployment is required when nightly-fanout does not run from a deployment")
    return f"{nightly_deid_inference.name}/{deployment.name}"


def _is_final(run: FlowRun) -> bool:
    return run.state is not None and run.state.is_final()


def _wait_for_partitions(
    flow_run_ids: list[UUID], poll_interval_s: float, timeout_s: float, lock: RunLock
) -> list[FlowRun]:
    """The partition runs once all are final, or as they are after those still unfinished at the
    deadline were cancelled. A lost lease cancels them all and raises ``LeaseLost``."""
    logger = get_run_logger()
    deadline = time.monotonic() + timeout_s
    progress = ProgressArtifact("nightly-fanout-progress", "Partition runs finished", every_s=0)
    with get_client(sync_client=True) as client:
        while True:
            runs = [client.read_flow_run(i) for i in flow_run_ids]
            progress(sum(map(_is_final, runs)), len(runs))
            if all(map(_is_final, runs)):
                return runs
            try:
                lock.ensure_held()
            except LeaseLost:
                _cancel([r for r in runs if not _is_final(r)], "the fan-out lost its lock", client)
                raise
            if time.monotonic() >= deadline:
                late = [r for r in runs if not _is_final(r)]
                logger.warning(
                    "partition run(s) %s not finished after %g s: cancelling them",
                    ", ".join(r.name for r in late), timeout_s,
                )
                _cancel(late, f"not finished within the fan-out's {timeout_s:g} s", client)
                return [client.read_flow_run(i) for i in flow_run_ids]
            time.sleep(poll_interval_s)


def _cancel(runs: list[FlowRun], reason: str, client: SyncPrefectClient) -> None:
    # A run without infrastructure yet (Scheduled) becomes Cancelled at once; a worker stops the others.
    for run in runs:
        client.set_flow_run_state(run.id, Cancelling(message=f"cancelled by the fan-out: {reason}"))


@flow(name="nightly-fanout", log_prints=False)
def nightly_fanout(
    input_uri: str,
    output_uri: str,
    run_date: date | None = None,
    partitions: int = 4,
    partition_deployment: str | None = None,
    triton_url: str | None = None,
    force: bool = False,
    poll_interval_s: float = 10.0,
    allow_empty: bool | None = None,
    quarantine_ok: bool | None = None,
) -> State:
    """Process ``input_uri`` as ``partitions`` parallel runs of ``partition_deployment``; summarize them.

    ``partition_deployment`` defaults to ``nightly-deid-inference/<name of this run's deployment>``.
    The pre-flight checks run first, as in every partition. Completed when every partition completed
    and every input was processed exactly once (named ``Quarantined`` when rows or files were
    quarantined, unless ``quarantine_ok``); Failed (naming the partitions) otherwise, or ``NoInput``
    when nothing is under ``input_uri`` (unless ``allow_empty``). A rerun skips what the completed
    partitions committed.
    """
    quiet_expected_failures()
    overrides = {"triton_url": triton_url} if triton_url else {}
    settings = get_settings().model_copy(update=overrides)
    allow_empty = settings.allow_empty_input if allow_empty is None else allow_empty
    quarantine_ok = settings.quarantine_ok if quarantine_ok is None else quarantine_ok
    output_uri = absolute_uri(output_uri)
    try:
        preflight(settings, input_uri, output_uri, allow_empty=allow_empty)
    except PreflightError as exc:
        return refused_state(exc)
    logger = get_run_logger()
    started_at = datetime.now(tz=UTC)
    run_id = str(flow_run.id or uuid.uuid4())
    run_date = run_date or _default_run_date(started_at)
    target = partition_deployment or _sibling_deployment()
    with ExitStack() as held:
        try:
            lock = held.enter_context(
                RunLock(output_uri, run_date, run_id, ttl_s=settings.lock_ttl_s, wait_s=settings.lock_wait_s)
            )
        except RunLockedError as exc:  # another live run of this date: expected, one line
            return locked_state(exc)
        if removed := discard_staging(output_uri, run_date):
            logger.warning("removed what %d interrupted run(s) of this date had staged", removed)
        sources = list_inputs(input_uri)
        parameters = {
            "input_uri": input_uri,
            "output_uri": output_uri,
            "run_date": run_date.isoformat(),
            "triton_url": triton_url,
            "force": force,
            "stage_only": True,
            "allow_empty": allow_empty,
        }
        started = _start_partitions(target, plan_partitions(len(sources), partitions), parameters, run_id)
        finished = _wait_for_partitions(
            [child.id for _, child in started], poll_interval_s, settings.fanout_partition_timeout_s, lock
        )
        runs = _partition_runs(started, finished, output_uri, run_date)
        merged = merge_manifests(
            run_id, run_date, input_uri, output_uri, [r.manifest for r in runs if r.manifest is not None],
            started_at, datetime.now(tz=UTC),
        )
        merged = commit_run_outputs(merged, [str(run.id) for run in finished], lock.verify_held)
    publish_partitions_artifact(runs)
    publish_run_artifacts(merged, key="nightly-fanout", title="Nightly fan-out")
    return _final_state(runs, merged, [s.uri for s in sources], quarantine_ok)


def _start_partitions(
    target: str, plan: list[Partition], parameters: dict[str, object], run_id: str
) -> list[tuple[Partition, FlowRun]]:
    """One flow run of ``target`` per partition, not waited for; a retried parent does not start them twice."""
    logger = get_run_logger()
    started: list[tuple[Partition, FlowRun]] = []
    for part in plan:
        child = run_deployment(
            target,
            parameters={**parameters, "partition": part.spec},
            flow_run_name=f"{parameters['run_date']}-{part.lock_scope}",
            idempotency_key=f"{run_id}-{part.lock_scope}",
            timeout=0,
        )
        logger.info("started partition %s as flow run %s (%s)", part.spec, child.name, child.id)
        started.append((part, child))
    return started


def _partition_runs(
    started: list[tuple[Partition, FlowRun]], finished: list[FlowRun], output_uri: str, run_date: date
) -> list[PartitionRun]:
    """Each partition's outcome, with the report it staged when it completed."""
    return [
        PartitionRun(
            part,
            run.name,
            run.state.type.value,
            load_staged_manifest(output_uri, run_date, str(run.id)) if run.state.is_completed() else None,
            _first_line(run.state.message),
        )
        for (part, _), run in zip(started, finished, strict=True)
    ]


def _final_state(runs: list[PartitionRun], merged: RunManifest, listed: list[str], quarantine_ok: bool) -> State:
    """Completed when every partition completed and every listed input was processed exactly once."""
    coverage = check_coverage(listed, [r.manifest for r in runs if r.manifest is not None])
    failed = [r.failure() for r in runs if not r.completed]
    t = merged.totals
    message = f"{len(runs)} partition(s), {t.rows_out}/{t.rows_in} rows written, {t.files_skipped} file(s) skipped"
    if failed or not coverage.complete:
        problems = [f"{len(failed)} partition(s) did not complete: {'; '.join(failed)}"] if failed else []
        if coverage.missing:
            problems.append(f"{len(coverage.missing)} input(s) not processed")
        if coverage.duplicated:
            problems.append(f"{len(coverage.duplicated)} input(s) processed twice")
        summary = f"{with_quarantine(message, merged)}; {'; '.join(problems)}"
        return Failed(message=summary, data=PartitionsFailed(summary, merged))
    return committed_state(merged, message, quarantine_ok)
