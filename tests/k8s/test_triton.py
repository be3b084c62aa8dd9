"""The Triton deployment, its autoscaling, and the documented zero-downtime model update."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.k8s.manifests import (
    K8S,
    OVERLAYS,
    REPO_ROOT,
    one,
)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_triton_runs_on_one_t4_gpu_with_health_probes(overlay):
    pod = one(overlay, "Deployment", "triton")["spec"]["template"]
    (server,) = pod["spec"]["containers"]
    assert server["image"] == "nvcr.io/nvidia/tritonserver:24.10-py3"
    assert server["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert server["resources"]["requests"]["nvidia.com/gpu"] == 1
    assert pod["spec"]["nodeSelector"] == {"nvidia.com/gpu.product": "Tesla-T4"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["spec"]["tolerations"]

    ports = {p["name"]: p["containerPort"] for p in server["ports"]}
    assert ports == {"http": 8000, "grpc": 8001, "metrics": 8002}
    model = one(overlay, "ConfigMap", "medflow-settings")["data"]["MEDFLOW_TRITON_MODEL"]
    for probe, path in [("startupProbe", "/v2/health/ready"), ("readinessProbe", f"/v2/models/{model}/ready"),
                        ("livenessProbe", "/v2/health/live")]:
        get = server[probe]["httpGet"]
        assert get["path"] == path
        assert ports.get(get["port"], get["port"]) == 8000

    args = server["args"]
    assert "--model-control-mode=explicit" in args
    assert "--load-model=$(MEDFLOW_TRITON_MODEL)" in args
    assert "--model-repository=$(TRITON_MODEL_REPOSITORY)" in args
    settings = one(overlay, "ConfigMap", "medflow-settings")["data"]
    assert settings["TRITON_MODEL_REPOSITORY"].startswith("s3://")
    # $(VAR) in args expands only for variables defined in the container's env.
    env_names = {e["name"] for e in server["env"]}
    assert set(re.findall(r"\$\((\w+)\)", " ".join(args))) <= env_names


def test_triton_image_matches_the_embedded_triton_version():
    # NGC 24.10 == Triton 2.51, the server bundled with the nvidia-pytriton pin used in development.
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    assert '"nvidia-pytriton==0.7.0"' in pyproject
    assert "24.10-py3" in (K8S / "base" / "triton-deployment.yaml").read_text()
    assert "Triton 2.51" in (K8S / "README.md").read_text()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_triton_hpa_scales_the_deployment_on_the_adapter_queue_metric(overlay):
    hpa = one(overlay, "HorizontalPodAutoscaler", "triton")
    target = hpa["spec"]["scaleTargetRef"]
    deployment = one(overlay, target["kind"], target["name"])
    assert target["apiVersion"] == deployment["apiVersion"] == "apps/v1"
    assert "replicas" not in deployment["spec"], "the HPA owns the Triton replica count"
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]

    (metric,) = hpa["spec"]["metrics"]
    assert metric["type"] == "Pods"
    adapter = yaml.safe_load((K8S / "monitoring" / "prometheus-adapter-rules.yaml").read_text())
    rules = {rule["name"]["as"]: rule for rule in adapter["rules"]["custom"]}
    rule = rules[metric["pods"]["metric"]["name"]]
    assert "nv_inference_queue_duration_us" in rule["metricsQuery"]
    assert "nv_inference_request_success" in rule["metricsQuery"]
    assert rule["resources"]["overrides"]["pod"] == {"resource": "pod"}


def test_prod_autoscales_triton_and_dev_stays_on_one_gpu():
    assert one("prod", "HorizontalPodAutoscaler", "triton")["spec"]["minReplicas"] >= 2
    assert one("prod", "HorizontalPodAutoscaler", "triton")["spec"]["maxReplicas"] > 2
    assert one("dev", "HorizontalPodAutoscaler", "triton")["spec"]["maxReplicas"] == 1


# ------------------------------------------------------------------------------------------------
# the documented zero-downtime model update, against the real Triton 2.51 binary


def _triton_container() -> dict[str, Any]:
    (server,) = one("prod", "Deployment", "triton")["spec"]["template"]["spec"]["containers"]
    return server


def test_documented_model_update_keeps_serving(tiny_model_repo, tmp_path):
    import threading

    import httpx
    import numpy as np
    import tritonclient.http as triton_http

    from inference.triton_server import (
        free_port,
        generate_local_repository,
        prepare_backend_dir,
        pytriton_dir,
        server_environment,
    )

    repo = generate_local_repository(tiny_model_repo / "distilbert", tmp_path / "models", precision="fp32",
                                     dynamic_batching=True)
    http_port, grpc_port, metrics_port = free_port(), free_port(), free_port()
    command = [
        str(pytriton_dir() / "bin" / "tritonserver"),
        f"--model-repository={repo}",
        f"--backend-directory={prepare_backend_dir(tmp_path / 'backends')}",
        # The Deployment's model-control flags: the ones that decide how a model update behaves.
        *[a for a in _triton_container()["args"] if a.split("=")[0] in {"--model-control-mode", "--strict-readiness"}],
        "--load-model=distilbert",
        "--http-address=127.0.0.1", "--grpc-address=127.0.0.1",
        f"--http-port={http_port}", f"--grpc-port={grpc_port}", f"--metrics-port={metrics_port}",
        "--allow-gpu-metrics=false", "--allow-cpu-metrics=false", "--exit-timeout-secs=5",
    ]
    assert "--model-control-mode=explicit" in command
    base = f"http://127.0.0.1:{http_port}"
    log = (tmp_path / "triton.log").open("wb")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=server_environment())
    stop = threading.Event()
    outcomes: dict[str, list[str]] = {"ok": [], "failed": [], "not_ready": []}
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            for _ in range(600):  # the startup probe's job: wait for /v2/health/ready
                try:
                    if http.get("/v2/health/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert server.poll() is None, (tmp_path / "triton.log").read_text()[-2000:]
                stop.wait(0.2)
            assert http.get("/v2/health/live").status_code == 200
            assert http.get("/v2/models/distilbert/versions/1/ready").status_code == 200

            client = triton_http.InferenceServerClient(f"127.0.0.1:{http_port}")
            ids = np.array([[2, 10, 11, 12, 3]], dtype=np.int64)

            def infer() -> str:
                inputs = [triton_http.InferInput("input_ids", list(ids.shape), "INT64"),
                          triton_http.InferInput("attention_mask", list(ids.shape), "INT64")]
                inputs[0].set_data_from_numpy(ids)
                inputs[1].set_data_from_numpy(np.ones_like(ids))
                return client.infer("distilbert", inputs).get_response()["model_version"]

            def traffic() -> None:  # the API and flow pods keep calling during the update
                while not stop.is_set():
                    try:
                        outcomes["ok"].append(infer())
                    except Exception as e:  # noqa: BLE001 - every failure counts against zero downtime
                        outcomes["failed"].append(type(e).__name__)

            readiness_path = _triton_container()["readinessProbe"]["httpGet"]["path"]

            def probe() -> None:  # the Deployment's readinessProbe, polled far more often than the kubelet does
                while not stop.is_set():
                    if http.get(readiness_path).status_code != 200:
                        outcomes["not_ready"].append(readiness_path)
                    stop.wait(0.05)

            workers = [threading.Thread(target=traffic), threading.Thread(target=probe)]
            for w in workers:
                w.start()
            while len(outcomes["ok"]) < 5 and not outcomes["failed"]:
                stop.wait(0.05)

            # Step 1: a new version directory appears in the repository. Step 2: the load API.
            shutil.copytree(repo / "distilbert" / "1", repo / "distilbert" / "2", symlinks=True)
            assert http.post("/v2/repository/models/distilbert/load", timeout=120).status_code == 200
            served_before = len(outcomes["ok"])
            while len(outcomes["ok"]) < served_before + 5 and not outcomes["failed"]:
                stop.wait(0.05)
            stop.set()
            for w in workers:
                w.join(timeout=30)

            assert http.get("/v2/models/distilbert/versions/2/ready").status_code == 200
            assert http.get("/v2/models/distilbert/versions/1/ready").status_code != 200  # latest: 1
            assert outcomes["failed"] == [] and outcomes["not_ready"] == []
            assert outcomes["ok"][0] == "1" and outcomes["ok"][-1] == "2"
            assert set(outcomes["ok"]) == {"1", "2"}

            # The metric names the HPA rule and the dashboard use exist in Triton 2.51's output.
            metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
            for name in ("nv_inference_queue_duration_us", "nv_inference_request_success", "nv_inference_count",
                         "nv_inference_exec_count", "nv_inference_request_failure"):
                assert re.search(rf'^{name}{{[^}}]*model="distilbert"', metrics, re.MULTILINE), name
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
