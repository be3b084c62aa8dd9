"""Scheduling on a real self-hosted Prefect server: `prefect server start` on loopback (its own sqlite
database), the deployments registered by `medflow deploy` with a one-minute cron, a real `prefect worker`;
the server's own scheduler creates the run, the worker runs the fan-out and its partitions against the
embedded Triton, and rows land in the table. Everything it started is stopped at the end."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from deltalake import DeltaTable
from prefect_server import MEDFLOW_CLI, prefect_env, prefect_server, start_worker, stop_process_group
from process_tree import descendants, is_alive, wait_until_gone
from sample_inputs import notes_without_gold

from medflow.settings import REPO_ROOT

# The Target is a run created and completed within 3 minutes of a one-minute schedule; the deadline
# leaves a busy 2-core machine room on top of it (the test reports how long it took).
SCHEDULED_RUN_DEADLINE_S = 240.0


# The server answers 503 while its sqlite database is busy (the scheduler writing runs, the worker
# reporting states); Prefect's own client retries those, and so does the test, within a deadline.
BUSY_DEADLINE_S = 60.0


def _call(send: Callable[[], httpx.Response]) -> httpx.Response:
    deadline = time.monotonic() + BUSY_DEADLINE_S
    while (response := send()).status_code == 503 and time.monotonic() < deadline:
        time.sleep(1)
    return response.raise_for_status()


def _runs(api: httpx.Client, deployment_id: str) -> list[dict[str, Any]]:
    query = {"deployments": {"id": {"any_": [deployment_id]}}, "sort": "EXPECTED_START_TIME_ASC", "limit": 200}
    return _call(lambda: api.post("/flow_runs/filter", json=query)).json()


def test_the_servers_scheduler_creates_a_run_that_a_worker_completes(flow_env: str, tmp_path: Path) -> None:
    before = {p.pid for p in descendants(os.getpid())}  # the session's Triton among them
    notes = notes_without_gold(tmp_path / "in", n_notes=12, seed=23, n_files=2)
    out = tmp_path / "out"
    with prefect_server(tmp_path / "prefect-home", tmp_path / "server.log") as api_url:
        # The code under test (this checkout) for the CLI, the worker and its flow runs alike.
        env = {**prefect_env(tmp_path / "prefect-home", api_url), "PYTHONPATH": str(REPO_ROOT)}
        deployed = subprocess.run(
            [MEDFLOW_CLI, "deploy", "--name", "every-minute", "--pool", "scheduled", "--cron", "* * * * *",
             "--timezone", "UTC", "--input", str(notes), "--output", str(out), "--partitions", "2"],
            env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path,
        )
        assert deployed.returncode == 0, deployed.stderr
        registered_at = time.monotonic()
        with httpx.Client(base_url=api_url, timeout=30) as api:
            fanout = _call(lambda: api.get("/deployments/name/nightly-fanout/every-minute")).json()
            worker = start_worker("scheduled", env, tmp_path / "worker.log", tmp_path)
            try:
                deadline = registered_at + SCHEDULED_RUN_DEADLINE_S
                while True:
                    runs = _runs(api, fanout["id"])
                    done = [r for r in runs if r["state_type"] in ("COMPLETED", "FAILED", "CRASHED")]
                    if done or time.monotonic() > deadline or worker.poll() is not None:
                        break
                    time.sleep(2)
                took_s = time.monotonic() - registered_at
                started = [p for p in descendants(os.getpid()) if p.pid not in before]
                _call(lambda: api.patch(f"/deployments/{fanout['id']}", json={"paused": True}))
            finally:
                stop_process_group(worker)
        worker_log = (tmp_path / "worker.log").read_text(errors="replace")
        assert done, f"no scheduled run finished within {SCHEDULED_RUN_DEADLINE_S:g} s: {worker_log[-3000:]}"
        first = done[0]
        assert first["auto_scheduled"], first  # created by the server's scheduler, not by the test
        assert first["state_type"] == "COMPLETED", (first["state"]["message"], worker_log[-3000:])
        print(f"scheduled run {first['name']} completed {took_s:.0f} s after registration")  # noqa: T201
        assert "Can't evaluate bulk DML" not in (tmp_path / "server.log").read_text(errors="replace")

    rows = DeltaTable(str(out / "predictions")).to_pyarrow_table().num_rows
    assert rows == 12
    assert not list(out.rglob("*.lock"))
    # Every process the test started (server, worker, flow runs and their children) is gone.
    assert not wait_until_gone([p for p in started if is_alive(p)], 30), started
