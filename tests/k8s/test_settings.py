"""Secrets and settings: references, the settings ConfigMap, logging, the Prefect worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from medflow.settings import Settings
from tests.k8s.manifests import (
    K8S,
    OVERLAYS,
    REPO_ROOT,
    SECRET_LIKE_ENV,
    containers,
    documented_secrets,
    everything,
    flow_run_job,
    objects,
    one,
    pod_templates,
    secret_references,
    settings_from_configmap,
    walk,
)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_referenced_never_inlined_and_all_documented(overlay):
    assert not objects(overlay, "Secret")
    documented = documented_secrets()
    assert {"medflow-deid", "medflow-s3-models", "medflow-s3-data", "prefect-api", "medflow-api-tls"} \
        <= set(documented)
    assert "MEDFLOW_DEID_HMAC_KEY" in documented["medflow-deid"]
    for name, keys in secret_references(overlay).items():
        assert name in documented, f"secret {name} is referenced but not documented in k8s/README.md"
        assert keys <= documented[name], f"secret {name}: keys {keys - documented[name]} undocumented"
    for pod_name, pod in pod_templates(overlay).items():
        for c in containers(pod):
            for env in c.get("env", []):
                if SECRET_LIKE_ENV.search(env["name"]):
                    assert "valueFrom" in env and "value" not in env, f"{pod_name}: {env['name']} inlined"


def test_every_documented_secret_is_used_somewhere():
    used: set[str] = set()
    for overlay in OVERLAYS:
        used |= set(secret_references(overlay))
    assert set(documented_secrets()) == used


def test_hmac_key_reaches_every_pod_that_de_identifies():
    for overlay in OVERLAYS:
        pods = pod_templates(overlay)
        api_env = pods["medflow-api"]["spec"]["containers"][0]["env"]
        assert {"name": "MEDFLOW_DEID_HMAC_KEY",
                "valueFrom": {"secretKeyRef": {"name": "medflow-deid", "key": "MEDFLOW_DEID_HMAC_KEY"}}} in api_env
        flow_env_from = pods["flow-run"]["spec"]["containers"][0]["envFrom"]
        assert {"secretRef": {"name": "medflow-deid"}} in flow_env_from
        triton = pods["triton"]["spec"]["containers"][0]
        assert "medflow-deid" not in json.dumps(triton), "Triton never needs the de-identification key"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_settings_configmap_matches_the_settings_class_and_references_resolve(overlay):
    data = one(overlay, "ConfigMap", "medflow-settings")["data"]
    fields = set(Settings.model_fields)
    medflow_keys = {k for k in data if k.startswith("MEDFLOW_")}
    assert {"MEDFLOW_TRITON_URL", "MEDFLOW_TRITON_MODEL", "MEDFLOW_JWT_ISSUER", "MEDFLOW_JWT_AUDIENCE"} \
        <= medflow_keys
    unknown = {k for k in medflow_keys if k.removeprefix("MEDFLOW_").lower() not in fields}
    assert not unknown, f"ConfigMap keys that Settings does not read: {unknown}"
    assert data["MEDFLOW_TRITON_MODEL"] == "distilbert"
    settings = settings_from_configmap(data)
    assert settings.triton_url == "triton:8001"
    # The T4 backend batches only equal shapes: requests are padded to the chunk length.
    assert settings.triton_request_width == settings.max_length

    config_maps = {c["metadata"]["name"]: c.get("data", {}) for c in objects(overlay, "ConfigMap")}
    for obj in everything(overlay):
        for node in walk(obj):
            if "configMapKeyRef" in node:
                ref = node["configMapKeyRef"]
                assert ref["key"] in config_maps[ref["name"]], ref
            if "configMapRef" in node:
                assert node["configMapRef"]["name"] in config_maps
            if "configMap" in node and "name" in node["configMap"]:  # a volume
                assert node["configMap"]["name"] in config_maps, node


def test_pod_logging_configuration_is_the_packaged_one():
    """The medflow-logging ConfigMap carries flows/logging.yml unchanged (what `medflow run` uses)."""
    assert (K8S / "base" / "logging.yml").read_bytes() == (REPO_ROOT / "flows" / "logging.yml").read_bytes()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_flow_run_pods_log_json_through_prefect_with_the_project_loggers(overlay):
    from flows.run_logging import FLOW_LOGGERS

    settings = one(overlay, "ConfigMap", "medflow-settings")["data"]
    assert settings["MEDFLOW_LOG_FORMAT"] == "json"
    assert settings["PREFECT_LOGGING_EXTRA_LOGGERS"].split(",") == list(FLOW_LOGGERS)
    logging_yml = one(overlay, "ConfigMap", "medflow-logging")["data"]["logging.yml"]
    assert logging_yml == (REPO_ROOT / "flows" / "logging.yml").read_text()
    assert yaml.safe_load(logging_yml)["handlers"]["console"]["formatter"] == "json"

    pod = flow_run_job(OVERLAYS[overlay] or "default")["spec"]["template"]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    (container,) = pod["spec"]["containers"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    path = Path(settings["PREFECT_LOGGING_SETTINGS_PATH"])
    assert volumes[mounts[str(path.parent)]]["configMap"]["name"] == "medflow-logging"
    assert path.name == "logging.yml"  # the ConfigMap's key


# ------------------------------------------------------------------------------------------------
# Prefect worker


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_prefect_worker_may_run_flow_jobs_and_flow_pods_reach_triton(overlay):
    worker = one(overlay, "Deployment", "prefect-worker")["spec"]["template"]
    (container,) = worker["spec"]["containers"]
    # `medflow worker`, which stops on one signal, in the medflow image (renamed by the overlay).
    assert container["command"] == ["medflow", "worker"] and "/medflow:" in container["image"]
    assert "kubernetes" in container["args"] and "--with-healthcheck" in container["args"]
    settings = one(overlay, "ConfigMap", "prefect-worker-settings")["data"]
    assert settings["PREFECT_API_URL"].endswith("/api")
    assert "$(PREFECT_WORK_POOL)" in container["args"] and settings["PREFECT_WORK_POOL"] == "medflow-k8s"

    role = one(overlay, "Role", "prefect-worker")
    verbs = {(group, res): set(rule["verbs"]) for rule in role["rules"]
             for group in rule["apiGroups"] for res in rule["resources"]}
    assert {"create", "delete", "watch"} <= verbs[("batch", "jobs")]
    assert {"get", "watch", "list"} <= verbs[("", "pods")] and "get" in verbs[("", "pods/log")]
    binding = one(overlay, "RoleBinding", "prefect-worker")
    assert binding["roleRef"]["name"] == "prefect-worker"
    assert [s["name"] for s in binding["subjects"]] == [worker["spec"]["serviceAccountName"]]

    flow_pod = pod_templates(overlay)["flow-run"]
    assert flow_pod["metadata"]["labels"]["app.kubernetes.io/component"] == "flow-run"
    assert flow_pod["spec"]["restartPolicy"] == "Never"
