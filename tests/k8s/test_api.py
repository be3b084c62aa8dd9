"""The gateway: rollout, probes, ingress and its JWT configuration."""

from __future__ import annotations

import re

import pytest
from typer.main import get_command

from cli.main import app as medflow_app
from tests.k8s.manifests import (
    OVERLAYS,
    one,
    settings_from_configmap,
)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_api_rolls_out_without_downtime_and_probes_health(overlay):
    deployment = one(overlay, "Deployment", "medflow-api")
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    (api,) = deployment["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in api["ports"]}
    assert ports == {"http": 8080}
    for probe, path in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")]:
        get = api[probe]["httpGet"]
        assert get["path"] == path
        assert ports.get(get["port"], get["port"]) == 8080
    assert api["image"].startswith("registry.hospital.example/")

    # The container arguments parse with the real `medflow` CLI and bind all interfaces on the probed port.
    command, *options = api["args"]
    api_cli = get_command(medflow_app).commands[command]
    parsed = api_cli.make_context(command, options)
    assert parsed.args == [] and parsed.params["host"] == "0.0.0.0" and parsed.params["port"] == 8080

    # Kubernetes waits for the preStop pause plus the app's own drain before it kills the pod.
    data = one(overlay, "ConfigMap", "medflow-settings")["data"]
    settings = settings_from_configmap(data)
    pre_stop_s = api["lifecycle"]["preStop"]["sleep"]["seconds"]
    grace_s = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace_s > pre_stop_s + settings.api_shutdown_grace_s


def test_ingress_body_limit_matches_the_api_limit():
    ingress = one("prod", "Ingress", "medflow-api")
    limit = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    number, unit = re.fullmatch(r"(\d+)([km]?)", limit).groups()
    nginx_bytes = int(number) * {"": 1, "k": 1024, "m": 1024**2}[unit]
    settings = settings_from_configmap(one("prod", "ConfigMap", "medflow-settings")["data"])
    assert nginx_bytes == settings.api_max_body_bytes
    paths = [p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert paths == ["/v1"], "probes and /metrics must not be published"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_api_ingress_terminates_tls_and_routes_to_the_api_service(overlay):
    ingress = one(overlay, "Ingress", "medflow-api")
    (tls,) = ingress["spec"]["tls"]
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    assert hosts == tls["hosts"]
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            service = one(overlay, "Service", backend["name"])
            assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}


def test_dev_api_gets_the_dev_jwt_secret_and_prod_uses_jwks():
    dev_env = one("dev", "Deployment", "medflow-api")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "MEDFLOW_JWT_SECRET",
            "valueFrom": {"secretKeyRef": {"name": "medflow-jwt-dev", "key": "MEDFLOW_JWT_SECRET"}}} in dev_env
    prod_api = one("prod", "Deployment", "medflow-api")["spec"]["template"]["spec"]["containers"][0]
    assert "MEDFLOW_JWT_SECRET" not in {e["name"] for e in prod_api["env"]}
    assert one("prod", "ConfigMap", "medflow-settings")["data"]["MEDFLOW_JWT_JWKS_URL"].startswith("https://")
    assert "MEDFLOW_JWT_JWKS_URL" not in one("dev", "ConfigMap", "medflow-settings")["data"]
    dev_settings = settings_from_configmap(one("dev", "ConfigMap", "medflow-settings")["data"])
    prod_settings = settings_from_configmap(one("prod", "ConfigMap", "medflow-settings")["data"])
    assert dev_settings.jwt_dev_hs256 and not prod_settings.jwt_dev_hs256
    assert not prod_settings.jwt_jwks_allow_http
