"""Deployments: `medflow deploy` and the `prefect deploy` commands of prefect.yaml, run as written,
register the nightly deployments with the real Prefect API (test harness); read back schedule,
parameters, work pools and queues. `medflow deploy` without a Prefect API refuses; `medflow worker`
stops on one signal."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from medflow.settings import REPO_ROOT


def _deployment(name: str):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_deployment_by_name(name)


def _pool(name: str):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_work_pool(name)


def test_medflow_deploy_registers_scheduled_fanout_and_partition_deployments(
    prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app,
        ["deploy", "--name", "cli-local", "--pool", "cli-process-pool", "--cron", "30 1 * * *",
         "--timezone", "America/New_York", "--input", "in", "--output", "s3://results/nightly", "--partitions", "3"],
    )
    assert result.exit_code == 0, result.output
    assert "created process work pool cli-process-pool" in result.output

    fanout = _deployment("nightly-fanout/cli-local")
    (schedule,) = fanout.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone, schedule.active) == (
        "30 1 * * *", "America/New_York", True
    )
    assert fanout.parameters == {
        "input_uri": str(tmp_path / "in"),  # local paths are made absolute: flow runs start elsewhere
        "output_uri": "s3://results/nightly",
        "partitions": 3,
        "partition_deployment": "nightly-deid-inference/cli-local",
    }
    assert fanout.work_pool_name == "cli-process-pool"
    assert fanout.work_queue_name == "fanout"  # the parent never takes a partition's slot
    assert fanout.entrypoint == "flows.fanout.nightly_fanout"
    assert fanout.pull_steps == []

    partition = _deployment("nightly-deid-inference/cli-local")
    assert partition.schedules == []  # only started by the fan-out
    assert partition.work_queue_name == "partitions"
    assert partition.entrypoint == "flows.nightly.nightly_deid_inference"
    assert partition.parameter_openapi_schema["properties"]["partition"]["anyOf"][0]["type"] == "string"
    assert _pool("cli-process-pool").type == "process"


def test_medflow_deploy_to_a_kubernetes_pool_uses_the_job_template_and_image(prefect_harness: None) -> None:
    result = CliRunner().invoke(
        app,
        ["deploy", "--name", "cli-k8s", "--pool", "cli-k8s-pool", "--pool-type", "kubernetes",
         "--image", "registry.example/medflow:9.9", "--input", "s3://notes/in", "--output", "s3://results/out"],
    )
    assert result.exit_code == 0, result.output
    pool = _pool("cli-k8s-pool")
    assert pool.type == "kubernetes"
    assert pool.base_job_template == json.loads((REPO_ROOT / "k8s/prefect/base-job-template.json").read_text())
    for name in ("nightly-fanout/cli-k8s", "nightly-deid-inference/cli-k8s"):
        deployment = _deployment(name)
        assert deployment.work_pool_name == "cli-k8s-pool"
        assert deployment.job_variables == {"image": "registry.example/medflow:9.9"}
    (schedule,) = _deployment("nightly-fanout/cli-k8s").schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 * * *", "Europe/Berlin")


def test_prefect_yaml_holds_the_same_definitions_as_medflow_deploy() -> None:
    """prefect.yaml validated by Prefect's own model of the file, templates resolved the way
    `prefect deploy` resolves them, compared with what `medflow deploy` registers."""
    from prefect.cli.deploy._models import PrefectYamlModel
    from prefect.utilities.templating import apply_values

    from flows.deploy import K8S_JOB_TEMPLATE, NightlyDeployment

    raw = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text())
    config = PrefectYamlModel.model_validate(apply_values(raw, {"PWD": str(REPO_ROOT)}, remove_notset=False))
    assert config.pull == [] and config.build is None and config.push is None
    by_name = {(d.entrypoint, d.name): d for d in config.deployments}
    assert len(by_name) == len(config.deployments) == 4

    spec = NightlyDeployment()
    k8s_image = json.loads(K8S_JOB_TEMPLATE.read_text())["variables"]["properties"]["image"]["default"]
    local_data = {"input_uri": f"{REPO_ROOT}/data/samples", "output_uri": f"{REPO_ROOT}/out/nightly"}
    cluster_data = {"input_uri": "s3://medflow-notes/incoming", "output_uri": "s3://medflow-results/nightly"}
    for env_name, pool, data, job_variables in (
        ("local", spec.work_pool, local_data, {}),
        ("k8s", "medflow-k8s", cluster_data, {"image": k8s_image}),
    ):
        fanout = by_name[("flows.fanout.nightly_fanout", env_name)]
        partition = by_name[("flows.nightly.nightly_deid_inference", env_name)]
        (schedule,) = fanout.schedules
        assert (schedule.cron, schedule.timezone) == (spec.cron, spec.timezone)
        assert partition.schedules is None and partition.schedule is None
        assert fanout.parameters == {
            **data, "partitions": spec.partitions, "partition_deployment": f"nightly-deid-inference/{env_name}"
        }
        assert partition.parameters == data
        assert (fanout.work_pool.work_queue_name, partition.work_pool.work_queue_name) == ("fanout", "partitions")
        for deployment in (fanout, partition):
            assert deployment.work_pool.name == pool
            assert deployment.work_pool.job_variables == job_variables
            assert deployment.tags == ["medflow", "nightly"]


def _api_url() -> str:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def _cli_env(**extra: str) -> dict[str, str]:
    """The environment of a `prefect` / `medflow` subprocess running this checkout's code."""
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra}


def test_medflow_deploy_refuses_without_a_prefect_api_unless_told_it_is_local(tmp_path: Path) -> None:
    env = {k: v for k, v in _cli_env(PREFECT_HOME=str(tmp_path / "home")).items() if k != "PREFECT_API_URL"}
    medflow = str(Path(sys.executable).parent / "medflow")
    refused = subprocess.run([medflow, "deploy", "--input", "in", "--output", "out"],
                             env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert refused.stdout == ""
    (line,) = refused.stderr.splitlines()
    assert line.startswith("error: no Prefect API configured: set PREFECT_API_URL")
    assert "--ephemeral" in line
    assert not list(tmp_path.rglob("*.db"))  # no throwaway database was created

    local = subprocess.run([medflow, "deploy", "--ephemeral", "--input", "in", "--output", "out", "--paused"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert local.returncode == 0, local.stderr[-2000:]
    assert "registered nightly-fanout/local on medflow-local" in local.stdout
    assert list((tmp_path / "home").rglob("*.db"))  # the local database a `prefect server start` would serve


def _documented_commands(section: str) -> list[str]:
    """The commands of one section ("local", "cluster") of prefect.yaml's header comment, as written."""
    lines = (REPO_ROOT / "prefect.yaml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"#   {section} "))
    commands = []
    for line in lines[start + 1:]:
        if not line.startswith("#     "):
            break
        commands.append(line.removeprefix("#     "))
    return commands


def test_the_commands_of_prefect_yaml_run_as_written(prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client

    local, cluster = _documented_commands("local"), _documented_commands("cluster")
    assert local[-1] == "medflow worker --pool medflow-local"  # the worker: see the signal test below
    bin_dir = Path(sys.executable).parent
    for command in local[:-1] + cluster:
        argv = shlex.split(command)
        done = subprocess.run([str(bin_dir / argv[0]), *argv[1:]], env=_cli_env(PREFECT_API_URL=_api_url()),
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])

    names = [f"{flow}/{env}" for env in ("local", "k8s") for flow in ("nightly-fanout", "nightly-deid-inference")]
    deployments = {name: _deployment(name) for name in names}
    try:
        for env, pool in (("local", "medflow-local"), ("k8s", "medflow-k8s")):
            fanout, partition = deployments[f"nightly-fanout/{env}"], deployments[f"nightly-deid-inference/{env}"]
            assert (fanout.work_pool_name, fanout.work_queue_name) == (pool, "fanout")
            assert (partition.work_pool_name, partition.work_queue_name) == (pool, "partitions")
        assert deployments["nightly-fanout/local"].parameters["input_uri"] == f"{REPO_ROOT}/data/samples"
        assert deployments["nightly-deid-inference/k8s"].job_variables["image"].startswith("registry.")
        assert _pool("medflow-k8s").type == "kubernetes"
        with get_client(sync_client=True) as client:
            queue = client.read_work_queue_by_name("partitions", work_pool_name="medflow-local")
        assert queue.concurrency_limit == 2
    finally:  # registered with the repository's data folders: never let the harness schedule them
        with get_client(sync_client=True) as client:
            for deployment in deployments.values():
                client.delete_deployment(deployment.id)


@pytest.mark.parametrize("pool_type", ["process", "kubernetes"])
def test_medflow_worker_stops_on_one_sigterm(prefect_harness: None, tmp_path: Path, pool_type: str) -> None:
    """`prefect worker start` needs a second signal (its first SIGTERM becomes a SIGINT that ends
    nothing); `medflow worker` deregisters and exits on the first. The cluster's worker
    (`--type kubernetes --with-healthcheck`, k8s/base/prefect-worker-deployment.yaml) answers its
    liveness probe's `/health` meanwhile (no cluster is needed until a run comes)."""
    import urllib.request

    from process_tree import descendants, wait_until_gone

    from flows.deploy import ensure_work_pool
    from inference.local_process import free_port

    pool = f"signal-test-{pool_type}"
    ensure_work_pool(pool, pool_type)
    port = free_port()
    log = tmp_path / "worker.log"
    command = [str(Path(sys.executable).parent / "medflow"), "worker", "--pool", pool, "--type", pool_type]
    if pool_type == "kubernetes":
        command.append("--with-healthcheck")
    with log.open("wb") as out:
        worker = subprocess.Popen(command, env=_cli_env(PREFECT_API_URL=_api_url(),
                                                        PREFECT_WORKER_WEBSERVER_PORT=str(port)),
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while "started!" not in log.read_text() and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "started!" in log.read_text(), log.read_text()
        if pool_type == "kubernetes":
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=30) as health:
                assert health.status == 200
        children = descendants(worker.pid)
        worker.send_signal(signal.SIGTERM)  # once
        assert worker.wait(timeout=60) == 0, log.read_text()
        assert not wait_until_gone(children, 30)
        # Its own last line (Prefect's events client may still log a line while the process exits).
        assert any(line.startswith("worker ") and line.endswith(" stopped") for line in log.read_text().splitlines())
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
