"""Fan-out: partition specs and locks (unit), and a real fan-out on a process work pool: the parent
starts one deployment run per partition, a real `prefect worker` runs them as separate processes
against the embedded Triton, they stage their outputs concurrently, and the parent commits them in
one commit: every input note exactly once."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO

import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable
from prefect_support import note_pseudonym, run_artifacts, run_logs
from sample_inputs import notes_without_gold

from medflow.tables.locking import RunLock, RunLockedError
from medflow.tables.partitions import Partition, plan_partitions

RUN_DATE = date(2026, 11, 21)


@pytest.mark.parametrize("n_items,count", [(1, 1), (5, 2), (8, 4), (7, 3), (3, 5)])
def test_partitions_are_disjoint_and_cover_every_item(n_items: int, count: int) -> None:
    items = [f"s3://in/notes-{i:04d}.parquet" for i in range(n_items)]
    plan = plan_partitions(n_items, count)
    assert len(plan) == min(n_items, count)
    shares = [Partition.parse(p.spec).select(items) for p in plan]
    assert sorted(x for share in shares for x in share) == items
    assert all(shares)  # never an empty partition
    assert max(map(len, shares)) - min(map(len, shares)) <= 1


@pytest.mark.parametrize("spec", ["0/2", "3/2", "1", "a/b", "1/0", ""])
def test_bad_partition_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="partition"):
        Partition.parse(spec)


def test_partition_locks_are_independent_but_exclusive_per_partition(tmp_path: Path) -> None:
    out = str(tmp_path)
    one, two = Partition(1, 2), Partition(2, 2)
    with RunLock(out, RUN_DATE, "child-1", ttl_s=60, scope=one.lock_scope):
        with RunLock(out, RUN_DATE, "child-2", ttl_s=60, scope=two.lock_scope):  # runs in parallel
            pass
        with pytest.raises(RunLockedError):  # a second run of the same partition waits, then gives up
            RunLock(out, RUN_DATE, "rerun-1", ttl_s=60, wait_s=0.2, scope=one.lock_scope).acquire()
        assert (tmp_path / "_locks" / "run_date=2026-11-21.part-1-of-2.lock").exists()
    assert not list(tmp_path.rglob("*.lock"))


@pytest.fixture()
def process_worker(prefect_harness, flow_env: str, tmp_path: Path) -> Iterator[str]:
    """A process work pool and a real `medflow worker` (subprocess) polling it; yields the pool name.

    Flow runs inherit the worker's environment: the test's MEDFLOW_* settings and the harness API URL.
    """
    from flows.deploy import ensure_work_pool

    pool = f"medflow-test-{uuid.uuid4().hex[:8]}"
    assert ensure_work_pool(pool, "process")
    with (tmp_path / "worker.log").open("wb") as log:
        worker = _start_worker(pool, log, tmp_path)
        try:
            yield pool
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def _start_worker(pool: str, log: IO[bytes], cwd: Path) -> subprocess.Popen[bytes]:
    """A real `medflow worker` (subprocess) polling ``pool`` every second, its output to ``log``."""
    from prefect.settings import PREFECT_API_URL

    env = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    medflow_cli = Path(sys.executable).parent / "medflow"
    return subprocess.Popen([str(medflow_cli), "worker", "--pool", pool], env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=cwd)


def _input_note_ids(folder: Path) -> list[str]:
    files = sorted(folder.glob("*.parquet"))
    ids = [nid for f in files for nid in pq.read_table(f, columns=["note_id"])["note_id"].to_pylist()]
    return sorted(note_pseudonym(nid) for nid in ids)  # as the flow writes them


def test_fanout_runs_partitions_as_deployment_runs_on_a_process_pool(
    process_worker: str, tmp_path: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    from flows.deploy import NightlyDeployment, register_nightly
    from flows.fanout import nightly_fanout
    from medflow.tables.manifest import load_manifests

    folder = notes_without_gold(tmp_path / "in", n_notes=40, seed=11, n_files=4)
    out = tmp_path / "out"
    spec = NightlyDeployment(
        name=f"test-{uuid.uuid4().hex[:6]}", work_pool=process_worker, input_uri=str(folder),
        output_uri=str(out), partitions=2, paused=True,
    )
    ids = register_nightly(spec)

    state = nightly_fanout(
        input_uri=str(folder), output_uri=str(out), run_date=RUN_DATE, partitions=2,
        partition_deployment=spec.partition_deployment, poll_interval_s=1.0, return_state=True,
    )
    assert state.is_completed(), state.message
    merged = state.result()

    # Two separate deployment runs of the partition deployment, both completed, one per partition.
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[ids[spec.partition_deployment]])),
            sort=FlowRunSort.START_TIME_ASC,
            limit=10,
        )
    assert sorted(c.parameters["partition"] for c in children) == ["1/2", "2/2"]
    assert {c.state.type.value for c in children} == {"COMPLETED"}
    assert len({c.id for c in children}) == 2

    # The children only staged; the parent committed everything in one commit per table and wrote
    # the one manifest, naming that version. The table holds every note exactly once.
    (manifest,) = load_manifests(str(out), RUN_DATE)
    assert manifest.run_id == str(state.state_details.flow_run_id)
    assert len(manifest.files) == 4
    assert {f.source for f in manifest.files} == {p.as_uri() for p in folder.glob("*.parquet")}
    predictions = DeltaTable(str(out / "predictions"))
    merges = [c for c in predictions.history() if c["operation"] == "MERGE"]
    assert [c["medflow.run_id"] for c in merges] == [manifest.run_id]
    assert manifest.tables is not None and manifest.tables.predictions.version == merges[0]["version"]
    written = Counter(predictions.to_pyarrow_table().column("note_id").to_pylist())
    expected = _input_note_ids(folder)
    assert sorted(written) == expected and set(written.values()) == {1}
    assert set(predictions.to_pyarrow_table().column("run_id").to_pylist()) == {str(c.id) for c in children}
    assert merged.totals.rows_out == len(expected) == 40
    assert merged.totals.files == 4
    assert not list(out.rglob("*.lock"))
    assert not [p for p in (out / "_staging").rglob("*") if p.is_file()]

    # The parent's artifacts: one row per partition, totals over all of them.
    by_key = run_artifacts(state.state_details.flow_run_id)
    partitions = json.loads(by_key["nightly-fanout-partitions"].data)
    assert [row["partition"] for row in partitions] == ["1/2", "2/2"]
    assert sum(row["rows_out"] for row in partitions) == 40
    assert {row["state"] for row in partitions} == {"COMPLETED"}
    assert float(by_key["nightly-fanout-progress"].data) == 100.0  # partition runs finished
    total_row = json.loads(by_key["nightly-fanout-files"].data)[-1]
    assert total_row["rows_out"] == 40


@pytest.fixture()
def s3_env(moto_s3: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The moto S3 environment, set before the worker starts so its flow runs inherit it."""
    import s3fs

    for key, value in moto_s3.items():
        monkeypatch.setenv(key, value)
    s3fs.S3FileSystem.clear_instance_cache()
    return moto_s3


def test_fanout_on_s3_stages_partitions_concurrently_and_commits_once(
    s3_env: dict[str, str], process_worker: str, tmp_path: Path
) -> None:
    import s3fs

    from flows.deploy import NightlyDeployment, register_nightly
    from flows.fanout import nightly_fanout

    folder = notes_without_gold(tmp_path / "in", n_notes=30, seed=12, n_files=3)
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    bucket = f"medflow-{uuid.uuid4().hex[:8]}"
    fs.mkdir(bucket)
    for path in sorted(folder.glob("*.parquet")):
        fs.put_file(str(path), f"{bucket}/incoming/{path.name}")
    input_uri, output_uri = f"s3://{bucket}/incoming", f"s3://{bucket}/curated"
    spec = NightlyDeployment(
        name=f"test-{uuid.uuid4().hex[:6]}", work_pool=process_worker, input_uri=input_uri,
        output_uri=output_uri, partitions=3, paused=True,
    )
    register_nightly(spec)

    state = nightly_fanout(
        input_uri=input_uri, output_uri=output_uri, run_date=RUN_DATE, partitions=3,
        partition_deployment=spec.partition_deployment, poll_interval_s=1.0, return_state=True,
    )
    assert state.is_completed(), state.message
    predictions = DeltaTable(f"{output_uri}/predictions", storage_options={"AWS_ALLOW_HTTP": "true"})
    written = Counter(predictions.to_pyarrow_table().column("note_id").to_pylist())
    assert sorted(written) == _input_note_ids(folder) and set(written.values()) == {1}
    merges = [c for c in predictions.history() if c["operation"] == "MERGE"]
    assert [c["medflow.run_id"] for c in merges] == [str(state.state_details.flow_run_id)]  # one commit
    assert len(set(predictions.to_pyarrow_table().column("run_id").to_pylist())) == 3  # three partition runs
    fs.invalidate_cache()
    assert fs.find(f"{bucket}/curated/_staging") == []


def test_fanout_cancels_partitions_not_finished_in_time_and_releases_its_lock(
    prefect_harness, flow_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No worker polls the pool, so the partition runs stay Scheduled: the parent cancels them once its
    timeout has passed (through the Prefect API), fails naming them, and gives the date's lock back."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    from flows.deploy import NightlyDeployment, ensure_work_pool, register_nightly
    from flows.fanout import nightly_fanout
    from flows.states import PartitionsFailed
    from medflow.settings import get_settings

    monkeypatch.setenv("MEDFLOW_FANOUT_PARTITION_TIMEOUT_S", "2")
    get_settings.cache_clear()
    pool = f"medflow-idle-{uuid.uuid4().hex[:8]}"
    assert ensure_work_pool(pool, "process")
    folder = notes_without_gold(tmp_path / "in", n_notes=10, seed=13, n_files=2)
    out = tmp_path / "out"
    spec = NightlyDeployment(
        name=f"test-{uuid.uuid4().hex[:6]}", work_pool=pool, input_uri=str(folder), output_uri=str(out),
        partitions=2, paused=True,
    )
    ids = register_nightly(spec)

    state = nightly_fanout(
        input_uri=str(folder), output_uri=str(out), run_date=RUN_DATE, partitions=2,
        partition_deployment=spec.partition_deployment, poll_interval_s=0.5, return_state=True,
    )
    assert state.is_failed()
    assert "2 partition(s) did not complete: 1/2 cancelled: " in state.message
    assert "; 2/2 cancelled: " in state.message
    assert isinstance(state.result(raise_on_failure=False), PartitionsFailed)
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[ids[spec.partition_deployment]]))
        )
    assert len(children) == 2 and {c.state.type.value for c in children} == {"CANCELLED"}
    logs = [log.message for log in run_logs(state.state_details.flow_run_id)]
    assert any("not finished after 2 s: cancelling them" in message for message in logs), logs
    assert not list(out.rglob("*.lock"))  # the next night (or a rerun) can start


def _worker_logged(log: Path, needle: str, deadline_s: float = 120.0) -> str:
    """The worker's output once ``needle`` is in it (a flow run's process logs its last lines after
    its final state is set, which is when `run_deployment` returns), or as it is at the deadline."""
    deadline = time.monotonic() + deadline_s
    while needle not in (text := log.read_text(errors="replace")) and time.monotonic() < deadline:
        time.sleep(0.2)
    return text


def _error_logs(flow_run_id, deadline_s: float = 60.0) -> list[str]:
    """The ERROR records stored for a flow run, once there are any (its process sends them in batches)."""
    deadline = time.monotonic() + deadline_s
    while not (errors := [log.message for log in run_logs(flow_run_id) if log.level >= logging.ERROR]):
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return errors


def _run_fanout_deployment(spec, poll_interval_s: float = 1.0):
    """The fan-out as the scheduler starts it: a deployment run that the worker runs (parent included)."""
    from prefect.deployments import run_deployment

    return run_deployment(
        f"nightly-fanout/{spec.name}",
        parameters={"run_date": RUN_DATE.isoformat(), "poll_interval_s": poll_interval_s},
        timeout=600,
        poll_interval=1,
    )


def test_fanout_deployment_run_completes_under_a_partition_limit_of_1(process_worker: str, tmp_path: Path) -> None:
    """The parent runs on the pool's `fanout` queue, the partitions on `partitions` (limit 1): the parent
    takes no partition slot, so the partitions run one after the other and nothing waits forever."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    from flows.deploy import NightlyDeployment, register_nightly

    folder = notes_without_gold(tmp_path / "in", n_notes=12, seed=14, n_files=2)
    out = tmp_path / "out"
    spec = NightlyDeployment(
        name=f"test-{uuid.uuid4().hex[:6]}", work_pool=process_worker, input_uri=str(folder), output_uri=str(out),
        partitions=2, partition_limit=1, paused=True,
    )
    ids = register_nightly(spec)
    parent = _run_fanout_deployment(spec)
    assert parent.state.is_completed(), parent.state.message
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[ids[spec.partition_deployment]]))
        )
    assert len(children) == 2 and {c.state.type.value for c in children} == {"COMPLETED"}
    first, second = sorted(children, key=lambda c: c.start_time)
    assert first.end_time <= second.start_time  # one at a time: the limit holds
    assert DeltaTable(str(out / "predictions")).to_pyarrow_table().num_rows == 12


def test_failed_partitions_are_named_with_their_reason_in_one_line(
    request: pytest.FixtureRequest, flow_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Partition 1/2's lock is held by another live run, so it fails after a short wait, as Failed
    `Locked` with one `error:` line; the fan-out deployment run fails naming it with its reason,
    commits what 2/2 staged, and its failure is one `error:` line in its logs too. The worker prints no
    traceback (before: `TypeError: Unexpected result for failed state`, and RunLockedError's traceback)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    from flows.deploy import NightlyDeployment, register_nightly

    # Before the worker starts (its flow runs inherit them): 1/2 gives up at once, and the test's lock,
    # which nothing refreshes, does not go stale for them on a slow machine.
    monkeypatch.setenv("MEDFLOW_LOCK_WAIT_S", "1")
    monkeypatch.setenv("MEDFLOW_LOCK_TTL_S", "3600")
    pool = request.getfixturevalue("process_worker")
    folder = notes_without_gold(tmp_path / "in", n_notes=12, seed=15, n_files=2)
    out = tmp_path / "out"
    spec = NightlyDeployment(
        name=f"test-{uuid.uuid4().hex[:6]}", work_pool=pool, input_uri=str(folder), output_uri=str(out),
        partitions=2, partition_limit=2, paused=True,
    )
    ids = register_nightly(spec)
    with RunLock(str(out), RUN_DATE, "another-run", ttl_s=3600, scope=Partition(1, 2).lock_scope):
        parent = _run_fanout_deployment(spec)
    assert parent.state.is_failed()
    message = parent.state.message
    assert "1 partition(s) did not complete: 1/2 failed: " in message, message
    assert "is held by another-run@" in message and "another run of this date is active" in message, message
    assert "2/2" not in message
    assert "\n" not in message
    assert DeltaTable(str(out / "predictions")).to_pyarrow_table().num_rows == 6  # 2/2's file, committed
    with get_client(sync_client=True) as client:
        children = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[ids[spec.partition_deployment]]))
        )
    (locked,) = [c for c in children if c.state.is_failed()]
    assert locked.state.name == "Locked" and "is held by another-run@" in locked.state.message, locked.state
    worker_log = _worker_logged(tmp_path / "worker.log", f"Flow run '{parent.name}' - error: ")  # the last to end
    assert f"Flow run '{locked.name}' - error: " in worker_log, worker_log[-4000:]
    assert "Traceback" not in worker_log, worker_log[-4000:]
    assert f"Flow run '{parent.name}' - Engine execution exited" not in worker_log, worker_log[-4000:]
    assert _error_logs(parent.id) == [f"error: {message}"]
    assert _error_logs(locked.id) == [f"error: {locked.state.message}"]


def test_a_deployment_run_refused_by_its_preflight_is_one_error_line_in_the_worker(
    request: pytest.FixtureRequest, flow_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker lacks MEDFLOW_DEID_HMAC_KEY: the partition deployment's run ends Failed `NotStarted`
    with the check's message, logged as one `error:` line, and the worker prints no traceback."""
    from flows.deploy import NightlyDeployment, register_nightly

    monkeypatch.delenv("MEDFLOW_DEID_HMAC_KEY")  # before the worker starts: its flow runs inherit its env
    pool = request.getfixturevalue("process_worker")
    folder = notes_without_gold(tmp_path / "in", n_notes=4, seed=16, n_files=1)
    spec = NightlyDeployment(
        name=f"test-{uuid.uuid4().hex[:6]}", work_pool=pool, input_uri=str(folder), output_uri=str(tmp_path / "out"),
        partitions=1, paused=True,
    )
    register_nightly(spec)
    from prefect.deployments import run_deployment

    run = run_deployment(spec.partition_deployment, timeout=600, poll_interval=1)
    assert run.state.is_failed() and run.state.name == "NotStarted", run.state
    assert "MEDFLOW_DEID_HMAC_KEY" in run.state.message
    worker_log = _worker_logged(tmp_path / "worker.log", f"Flow run '{run.name}' - error: ")
    assert "Traceback" not in worker_log, worker_log[-4000:]
    assert _error_logs(run.id) == [f"error: {run.state.message}"]
    assert not (tmp_path / "out").exists()  # nothing was written


def test_a_run_in_flight_when_its_worker_stops_ends_crashed_not_running(
    prefect_harness: None, flow_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment run waits for the date's lock, which another live run holds (so it stays in flight
    as long as the test wants); one SIGTERM to its `medflow worker` ends the worker, its flow-run
    process with it, and the run is Crashed with a message naming the signal (before: left Running)."""
    import signal

    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from process_tree import descendants, wait_until_gone

    from flows.deploy import NightlyDeployment, ensure_work_pool, register_nightly

    # Before the worker starts (its flow runs inherit them): the run waits, and the test's lock, which
    # nothing refreshes within the hour, does not go stale for it on a slow machine.
    monkeypatch.setenv("MEDFLOW_LOCK_WAIT_S", "3600")
    monkeypatch.setenv("MEDFLOW_LOCK_TTL_S", "3600")
    pool = f"medflow-test-{uuid.uuid4().hex[:8]}"
    assert ensure_work_pool(pool, "process")
    folder = notes_without_gold(tmp_path / "in", n_notes=4, seed=17, n_files=1)
    out = tmp_path / "out"
    spec = NightlyDeployment(
        name=f"test-{uuid.uuid4().hex[:6]}", work_pool=pool, input_uri=str(folder), output_uri=str(out),
        partitions=1, paused=True,
    )
    register_nightly(spec)
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log, RunLock(str(out), RUN_DATE, "another-run", ttl_s=3600):
        worker = _start_worker(pool, log, tmp_path)
        try:
            run = run_deployment(spec.partition_deployment, parameters={"run_date": RUN_DATE.isoformat()}, timeout=0)
            waiting = _worker_logged(log_path, "waiting up to 3600 s for the lock", deadline_s=300)
            assert "waiting up to 3600 s for the lock" in waiting, waiting[-4000:]
            with get_client(sync_client=True) as client:
                assert client.read_flow_run(run.id).state.is_running()
            children = descendants(worker.pid)
            assert children  # the flow-run process
            worker.send_signal(signal.SIGTERM)  # once
            assert worker.wait(timeout=120) == 0, log_path.read_text()[-4000:]
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert not wait_until_gone(children, 30)
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run.id).state
    assert state.is_crashed(), state
    assert "medflow worker stopped on SIGTERM while this run was in flight" in state.message, state.message
    assert f"flow run {run.id} was in flight: now Crashed" in log_path.read_text()
    assert not (out / "predictions").exists()
