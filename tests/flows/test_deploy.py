"""Deployments: `medflow deploy` and `prefect deploy --all` (prefect.yaml) register the nightly
deployments with the real Prefect API (test harness); read back schedule, parameters and work pools."""

from __future__ import annotations

import json
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
    assert fanout.entrypoint == "flows.fanout.nightly_fanout"
    assert fanout.pull_steps == []

    partition = _deployment("nightly-deid-inference/cli-local")
    assert partition.schedules == []  # only started by the fan-out
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
        for deployment in (fanout, partition):
            assert deployment.work_pool.name == pool
            assert deployment.work_pool.job_variables == job_variables
            assert deployment.tags == ["medflow", "nightly"]
