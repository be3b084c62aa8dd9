"""Offline checks of k8s/: kustomize rendering, strict Kubernetes schema validation and the
cross-references between manifests (labels, ports, secrets, settings, images, dashboard metrics)."""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from typer.main import get_command

from cli.main import app as medflow_app
from medflow.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
K8S = REPO_ROOT / "k8s"
OVERLAYS = {"base": None, "dev": "medflow-dev", "prod": "medflow"}  # rendered dir -> namespace
# Oldest and newest Kubernetes minor the manifests must be valid for (preStop `sleep` needs >= 1.30).
K8S_VERSIONS = ("1.30.0", "1.37.0")
# Custom resources without a bundled schema; checked structurally in their own tests.
CRD_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor")}
# Files under k8s/ that are not kustomize resources.
NON_MANIFEST_YAML = {K8S / "monitoring" / "prometheus-adapter-rules.yaml"}
WORKLOAD_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/component")
SECRET_LIKE_ENV = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|AUTH", re.IGNORECASE)


# ------------------------------------------------------------------------------------------------
# loading


def _yaml_documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


@cache
def render(overlay: str) -> tuple[dict[str, Any], ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl (with built-in kustomize) is required to render k8s/; it is on the dev image")
    path = K8S / "base" if overlay == "base" else K8S / "overlays" / overlay
    out = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True, check=True)
    return tuple(_yaml_documents(out.stdout))


def flow_run_job_template() -> dict[str, Any]:
    return json.loads((K8S / "prefect" / "base-job-template.json").read_text())


def flow_run_job(namespace: str) -> dict[str, Any]:
    """The Job a Kubernetes worker would create, with Prefect's placeholders filled in."""
    template = flow_run_job_template()
    defaults = {k: v.get("default") for k, v in template["variables"]["properties"].items()}
    values = {
        **defaults,
        "name": "nightly-flow-run",
        "namespace": namespace,
        "labels": {"prefect.io/flow-run-id": "00000000"},
        "env": [{"name": "PREFECT__FLOW_RUN_ID", "value": "00000000"}],
        "command": ["prefect", "flow-run", "execute"],
    }

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        if isinstance(node, str):
            whole = re.fullmatch(r"\{\{ (\w+) \}\}", node)
            if whole:
                return values[whole.group(1)]
            return re.sub(r"\{\{ (\w+) \}\}", lambda m: str(values[m.group(1)]), node)
        return node

    return fill(template["job_configuration"]["job_manifest"])


def settings_from_configmap(data: dict[str, str]) -> Settings:
    """Settings as a pod with this ConfigMap in its environment sees them (validated by pydantic)."""
    return Settings(**{k.removeprefix("MEDFLOW_").lower(): v for k, v in data.items() if k.startswith("MEDFLOW_")})


def objects(overlay: str, kind: str) -> list[dict[str, Any]]:
    return [o for o in render(overlay) if o["kind"] == kind]


def one(overlay: str, kind: str, name: str) -> dict[str, Any]:
    found = [o for o in objects(overlay, kind) if o["metadata"]["name"] == name]
    assert len(found) == 1, f"{overlay}: expected one {kind}/{name}, found {len(found)}"
    return found[0]


def pod_templates(overlay: str) -> dict[str, dict[str, Any]]:
    """Every pod this overlay runs: the Deployments' templates and the Prefect flow-run pods."""
    pods = {d["metadata"]["name"]: d["spec"]["template"] for d in objects(overlay, "Deployment")}
    pods["flow-run"] = flow_run_job(OVERLAYS[overlay] or "default")["spec"]["template"]
    return pods


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return pod["spec"].get("initContainers", []) + pod["spec"]["containers"]


def matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, f"only matchLabels selectors are used here: {selector}"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def pods_selected(overlay: str, selector: dict[str, Any]) -> set[str]:
    return {name for name, pod in pod_templates(overlay).items() if matches(selector, pod["metadata"]["labels"])}


def container_port_names_and_numbers(pod: dict[str, Any]) -> set[str | int]:
    ports: set[str | int] = set()
    for c in pod["spec"]["containers"]:
        for p in c.get("ports", []):
            ports |= {p["name"], p["containerPort"]}
    return ports


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def everything(overlay: str) -> list[dict[str, Any]]:
    return [*render(overlay), flow_run_job(OVERLAYS[overlay] or "default")]


def documented_secrets() -> dict[str, set[str]]:
    """Secret name -> keys, from the `kubectl create secret` commands in k8s/README.md."""
    readme = (K8S / "README.md").read_text()
    secrets: dict[str, set[str]] = {}
    for command in re.findall(r"kubectl [^\n]*create secret (?:\\\n|[^\n])*", readme):
        kind, name = re.search(r"create secret (\w+) ([\w-]+)", command).groups()
        keys = set(re.findall(r"--from-literal=(\w+)=", command))
        secrets[name] = keys | ({"tls.crt", "tls.key"} if kind == "tls" else set())
    return secrets


def secret_references(overlay: str) -> dict[str, set[str]]:
    """Secret name -> keys referenced (an empty set for whole-secret references)."""
    refs: dict[str, set[str]] = {}
    for obj in everything(overlay):
        for node in walk(obj):
            if "secretKeyRef" in node:
                refs.setdefault(node["secretKeyRef"]["name"], set()).add(node["secretKeyRef"]["key"])
            if "secretRef" in node:
                refs.setdefault(node["secretRef"]["name"], set())
            if "secret" in node and isinstance(node["secret"], dict):
                refs.setdefault(node["secret"]["secretName"], set())
        if obj["kind"] == "Ingress":
            for tls in obj["spec"].get("tls", []):
                refs.setdefault(tls["secretName"], set())
    return refs


# ------------------------------------------------------------------------------------------------
# files, rendering and schemas


def test_every_yaml_file_parses_and_has_no_secret_objects():
    files = sorted(K8S.rglob("*.yaml"))
    assert len(files) >= 15
    for path in files:
        docs = _yaml_documents(path.read_text())
        assert docs, f"{path} is empty"
        for doc in docs:
            assert doc.get("kind") != "Secret", f"{path}: Secret objects must not live in the repository"
            if doc.get("kind") != "ConfigMap":
                assert "data" not in doc and "stringData" not in doc, path


def _kustomization_references(directory: Path) -> set[Path]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    referenced = {directory / "kustomization.yaml"}
    for entry in kustomization.get("resources", []):
        target = (directory / entry).resolve()
        assert target.exists(), f"{directory}: resource {entry} does not exist"
        referenced |= _kustomization_references(target) if target.is_dir() else {target}
    for generator in kustomization.get("configMapGenerator", []):
        for file in generator.get("files", []):
            target = (directory / file).resolve()
            assert target.is_file(), f"{directory}: generator file {file} does not exist"
            referenced.add(target)
    return referenced


def test_every_manifest_file_is_referenced_by_a_kustomization():
    referenced: set[Path] = set()
    for overlay in ("dev", "prod"):
        referenced |= _kustomization_references(K8S / "overlays" / overlay)
    on_disk = {p.resolve() for p in K8S.rglob("*.yaml")} | {(K8S / "monitoring" / "grafana-dashboard.json")}
    unreferenced = on_disk - referenced - NON_MANIFEST_YAML
    assert not unreferenced, f"files no overlay renders: {sorted(map(str, unreferenced))}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_objects_validate_strictly(overlay):
    rendered = render(overlay)
    assert len(rendered) >= 20
    for obj in rendered:
        if (obj["apiVersion"], obj["kind"]) in CRD_KINDS:
            continue
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                pytest.fail(f"{overlay} {obj['kind']}/{obj['metadata']['name']} @ {version}: "
                            f"{'.'.join(map(str, e.path))}: {e.message}")


def test_strict_validation_rejects_unknown_fields():
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
               "spec": {"ports": [{"port": 80, "targetPrt": 8080}]}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(service, K8S_VERSIONS[0], strict=True)


def test_flow_run_job_template_validates_strictly():
    template = flow_run_job_template()
    config = template["job_configuration"]
    # Every placeholder names a declared variable (else Prefect leaves the literal text in the Job).
    placeholders = set(re.findall(r"\{\{ (\w+) \}\}", json.dumps(config)))
    assert placeholders <= set(template["variables"]["properties"])
    for version in K8S_VERSIONS:
        kubernetes_validate.validate(flow_run_job("medflow"), version, strict=True)
    # The medflow image's ENTRYPOINT is `medflow`: the container must override it, else Prefect's
    # `prefect flow-run execute` would run as `medflow prefect flow-run execute` and fail.
    (container,) = config["job_manifest"]["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["/usr/bin/env"] and container["args"] == "{{ command }}"
    dockerfile = (K8S / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["medflow"]' in dockerfile


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_namespaced_objects_land_in_the_overlay_namespace(overlay):
    namespace = OVERLAYS[overlay]
    cluster_scoped = {"Namespace", "ClusterRole", "ClusterRoleBinding"}
    for obj in render(overlay):
        if obj["kind"] not in cluster_scoped:
            assert obj["metadata"]["namespace"] == namespace, f"{obj['kind']}/{obj['metadata']['name']}"
    assert one(overlay, "Namespace", namespace)["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] \
        == "restricted"
    for binding in objects(overlay, "RoleBinding") + objects(overlay, "ClusterRoleBinding"):
        for subject in binding["subjects"]:
            assert subject["namespace"] == namespace
            one(overlay, "ServiceAccount", subject["name"])


# ------------------------------------------------------------------------------------------------
# Triton


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
# API


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


# ------------------------------------------------------------------------------------------------
# every pod


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_is_non_root_read_only_with_dropped_capabilities_and_resources(overlay):
    for name, pod in pod_templates(overlay).items():
        pod_security = pod["spec"]["securityContext"]
        assert pod_security["runAsNonRoot"] is True, name
        assert pod_security["runAsUser"] > 0, name
        assert pod_security["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for c in containers(pod):
            where = f"{overlay}/{name}/{c['name']}"
            security = c["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][bound]), where
            mounts = {m["name"] for m in c.get("volumeMounts", [])}
            assert mounts <= {v["name"] for v in pod["spec"].get("volumes", [])}, where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_has_workload_labels_and_an_existing_service_account(overlay):
    for name, pod in pod_templates(overlay).items():
        labels = pod["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == "medflow", name
        assert labels["app.kubernetes.io/component"], name
        one(overlay, "ServiceAccount", pod["spec"]["serviceAccountName"])
        if name != "prefect-worker":
            assert pod["spec"]["automountServiceAccountToken"] is False, name
    for obj in render(overlay):
        assert obj["metadata"]["labels"]["app.kubernetes.io/name"] == "medflow", obj["metadata"]["name"]
    for deployment in objects(overlay, "Deployment"):
        assert matches(deployment["spec"]["selector"], deployment["spec"]["template"]["metadata"]["labels"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_pinned(overlay):
    images = [c["image"] for pod in pod_templates(overlay).values() for c in containers(pod)]
    assert len(images) >= 6
    for image in images:
        name, _, tag = image.rpartition(":")
        assert "@sha256:" in image or (name and tag and "/" not in tag), f"unpinned image {image}"
        assert tag != "latest", image
    dockerfile_bases = re.findall(r"^FROM (\S+)", (K8S / "Dockerfile").read_text(), re.MULTILINE)
    assert dockerfile_bases and all(re.fullmatch(r"python:3\.11\.\d+-slim-\w+", b) for b in dockerfile_bases)


# ------------------------------------------------------------------------------------------------
# services, disruption budgets, network policies


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_select_pods_and_target_existing_container_ports(overlay):
    pods = pod_templates(overlay)
    for service in objects(overlay, "Service"):
        selected = pods_selected(overlay, {"matchLabels": service["spec"]["selector"]})
        assert len(selected) == 1, f"{service['metadata']['name']} selects {selected}"
        ports = container_port_names_and_numbers(pods[selected.pop()])
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, f"{service['metadata']['name']}: {port}"
    assert {p["port"] for p in one(overlay, "Service", "triton")["spec"]["ports"]} == {8000, 8001, 8002}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_triton_url_setting_points_at_the_triton_grpc_service(overlay):
    host, port = one(overlay, "ConfigMap", "medflow-settings")["data"]["MEDFLOW_TRITON_URL"].split(":")
    service = one(overlay, "Service", host)
    grpc = {p["name"]: p["port"] for p in service["spec"]["ports"]}["grpc"]
    assert int(port) == grpc == 8001


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_disruption_budgets_select_exactly_one_workload(overlay):
    budgets = objects(overlay, "PodDisruptionBudget")
    assert {b["metadata"]["name"] for b in budgets} == {"triton", "medflow-api"}
    for budget in budgets:
        assert pods_selected(overlay, budget["spec"]["selector"]) == {budget["metadata"]["name"]}


def _allowed_sources(overlay: str, target: str) -> tuple[set[str], set[str]]:
    """(pods, namespaces) that NetworkPolicies admit into the pods of workload `target`."""
    pods: set[str] = set()
    namespaces: set[str] = set()
    target_labels = pod_templates(overlay)[target]["metadata"]["labels"]
    for policy in objects(overlay, "NetworkPolicy"):
        if not matches(policy["spec"]["podSelector"], target_labels):
            continue
        for rule in policy["spec"].get("ingress", []):
            for peer in rule["from"]:
                if "podSelector" in peer:
                    assert "namespaceSelector" not in peer
                    pods |= pods_selected(overlay, peer["podSelector"])
                else:
                    namespaces.add(peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"])
    return pods, namespaces


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_admit_only_the_intended_clients(overlay):
    deny = one(overlay, "NetworkPolicy", "default-deny-ingress")["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"] and "ingress" not in deny
    assert _allowed_sources(overlay, "triton") == ({"medflow-api", "flow-run"}, {"monitoring"})
    assert _allowed_sources(overlay, "medflow-api") == (set(), {"ingress-nginx", "monitoring"})
    assert _allowed_sources(overlay, "prefect-worker") == (set(), set())

    pods = pod_templates(overlay)
    for policy in objects(overlay, "NetworkPolicy"):
        targets = pods_selected(overlay, policy["spec"]["podSelector"])
        assert targets, f"{policy['metadata']['name']} selects no pod"
        for rule in policy["spec"].get("ingress", []):
            for peer in rule["from"]:
                if "podSelector" in peer:
                    assert pods_selected(overlay, peer["podSelector"]), f"{policy['metadata']['name']}: {peer}"
            for port in rule["ports"]:
                for target in targets:
                    assert port["port"] in container_port_names_and_numbers(pods[target]), (target, port)


# Egress destinations, as (kind, name, port): kind is pod (a workload here), namespace, pod-in-namespace
# (namespace/labels) or cidr.
DNS = {("pod-in-namespace", "kube-system/k8s-app=kube-dns", f"53/{protocol}") for protocol in ("UDP", "TCP")}
IDP = ("cidr", "192.0.2.10/32", "443/TCP")
OBJECT_STORE = ("cidr", "198.51.100.20/32", "443/TCP")
PREFECT_API = ("namespace", "prefect", "4200/TCP")
INTENDED_EGRESS = {
    "medflow-api": DNS | {("pod", "triton", "grpc/TCP"), IDP, OBJECT_STORE},
    "flow-run": DNS | {("pod", "triton", "grpc/TCP"), OBJECT_STORE, PREFECT_API},
    "triton": DNS | {OBJECT_STORE},
    "prefect-worker": DNS | {PREFECT_API} | {("cidr", "203.0.113.30/32", f"{p}/TCP") for p in (443, 6443)},
}


def _allowed_destinations(overlay: str, source: str) -> set[tuple[str, str, str]]:
    """Everything the egress NetworkPolicies let the pods of workload `source` connect to."""
    allowed: set[tuple[str, str, str]] = set()
    labels = pod_templates(overlay)[source]["metadata"]["labels"]
    for policy in objects(overlay, "NetworkPolicy"):
        if "Egress" not in policy["spec"]["policyTypes"] or not matches(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("egress", []):
            assert rule.get("to") and rule.get("ports"), f"{policy['metadata']['name']}: a rule open to anything"
            ports = [f"{p['port']}/{p['protocol']}" for p in rule["ports"]]
            for peer in rule["to"]:
                if "ipBlock" in peer:
                    assert peer["ipBlock"]["cidr"] not in {"0.0.0.0/0", "::/0"} and "except" not in peer["ipBlock"]
                    found = {("cidr", peer["ipBlock"]["cidr"], port) for port in ports}
                elif "namespaceSelector" in peer and "podSelector" in peer:
                    namespace = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                    pod = ",".join(f"{k}={v}" for k, v in sorted(peer["podSelector"]["matchLabels"].items()))
                    found = {("pod-in-namespace", f"{namespace}/{pod}", port) for port in ports}
                elif "namespaceSelector" in peer:
                    namespace = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                    found = {("namespace", namespace, port) for port in ports}
                else:
                    targets = pods_selected(overlay, peer["podSelector"])
                    assert targets, f"{policy['metadata']['name']}: {peer} selects no pod"
                    for target in targets:  # a named port must exist on the pods it leads to
                        for port in rule["ports"]:
                            assert port["port"] in container_port_names_and_numbers(pod_templates(overlay)[target])
                    found = {("pod", target, port) for target in targets for port in ports}
                allowed |= found
    return allowed


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_egress_is_denied_by_default_and_opened_only_where_needed(overlay):
    deny = one(overlay, "NetworkPolicy", "default-deny-egress")["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Egress"] and "egress" not in deny
    assert set(pod_templates(overlay)) == set(INTENDED_EGRESS)
    for source, intended in INTENDED_EGRESS.items():
        assert _allowed_destinations(overlay, source) == intended, source
    # The pods that hold PHI and the de-identification key reach Triton, the identity provider (API
    # only), the object store and the Prefect API (flow runs only): nothing on the internet at large.
    for source in ("medflow-api", "flow-run"):
        cidrs = {name for kind, name, _ in _allowed_destinations(overlay, source) if kind == "cidr"}
        assert all(ipaddress.ip_network(c).num_addresses == 1 for c in cidrs), cidrs


def test_egress_placeholders_are_documented_for_sites_to_replace():
    readme = (K8S / "README.md").read_text()
    for cidr in ("192.0.2.10/32", "198.51.100.20/32", "203.0.113.30/32"):
        assert cidr in readme


# ------------------------------------------------------------------------------------------------
# secrets and settings


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
    assert container["command"] == ["prefect", "worker", "start"]
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


# ------------------------------------------------------------------------------------------------
# monitoring


TRITON_METRICS = {
    "nv_inference_request_success", "nv_inference_request_failure", "nv_inference_count",
    "nv_inference_exec_count", "nv_inference_request_duration_us", "nv_inference_queue_duration_us",
    "nv_inference_compute_input_duration_us", "nv_inference_compute_infer_duration_us",
    "nv_inference_compute_output_duration_us", "nv_gpu_utilization", "nv_gpu_memory_total_bytes",
    "nv_gpu_memory_used_bytes", "nv_gpu_power_usage", "nv_gpu_power_limit", "nv_energy_consumption",
}


def api_metric_labels() -> dict[str, set[str]]:
    """Sample name -> label names, as the gateway's real /metrics exposition has them."""
    from api.prometheus import ApiMetrics

    metrics = ApiMetrics()
    metrics.observe_http("POST", "/v1/classify", 200, 0.01)
    metrics.observe_triton("ok", 0.01)
    metrics.count_entities({"NAME": 1})
    labels: dict[str, set[str]] = {}
    for family in metrics.registry.collect():
        for sample in family.samples:
            labels.setdefault(sample.name, set()).update(sample.labels)
    return labels


def test_grafana_dashboard_is_json_with_known_metric_and_label_names():
    dashboard = json.loads((K8S / "monitoring" / "grafana-dashboard.json").read_text())
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    exprs = [t["expr"] for p in panels for t in p["targets"]]
    api_labels = api_metric_labels()
    used = set(re.findall(r"\b(?:nv|medflow)_[a-z_]+\b", " ".join(exprs)))
    assert used <= TRITON_METRICS | set(api_labels), used - TRITON_METRICS - set(api_labels)
    assert {"nv_inference_count", "nv_inference_queue_duration_us", "nv_inference_request_success",
            "nv_gpu_utilization", "medflow_http_request_duration_seconds_bucket",
            "medflow_deid_entities_total"} <= used
    assert any("histogram_quantile(0.95" in e for e in exprs) and any("histogram_quantile(0.50" in e for e in exprs)
    for expr in exprs:
        assert expr.count("(") == expr.count(")"), expr
        # Labels filtered or grouped on exist on the gateway's metric (Prometheus adds namespace and pod).
        for name, selector in re.findall(r"\b(medflow_[a-z_]+)\{([^}]*)\}", expr):
            filtered = set(re.findall(r"(\w+)\s*=~?", selector)) - {"namespace", "pod"}
            assert filtered <= api_labels[name], (name, filtered)
        for by, name in re.findall(r"by \(([^)]*)\) \(rate\((medflow_[a-z_]+)", expr):
            assert {g.strip() for g in by.split(",")} - {"le"} <= api_labels[name], (name, by)


def test_prod_ships_the_dashboard_and_service_monitors_for_existing_metric_ports():
    dashboard = one("prod", "ConfigMap", "medflow-grafana-dashboard")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard["data"]["grafana-dashboard.json"]) == json.loads(
        (K8S / "monitoring" / "grafana-dashboard.json").read_text())
    monitors = objects("prod", "ServiceMonitor")
    assert {m["metadata"]["name"] for m in monitors} == {"triton", "medflow-api"}
    for monitor in monitors:
        selector = monitor["spec"]["selector"]
        services = [s for s in objects("prod", "Service") if matches(selector, s["metadata"]["labels"])]
        assert [s["metadata"]["name"] for s in services] == [monitor["metadata"]["name"]]
        port_names = {p["name"] for p in services[0]["spec"]["ports"]}
        for endpoint in monitor["spec"]["endpoints"]:
            assert endpoint["port"] in port_names and endpoint["path"] == "/metrics"


# ------------------------------------------------------------------------------------------------
# container image


def test_dockerfile_installs_the_project_as_a_non_root_medflow_entrypoint():
    dockerfile = (K8S / "Dockerfile").read_text()
    assert "pip install -c constraints.txt ." in dockerfile
    assert "--require-hashes -r requirements-spacy-model.txt" in dockerfile
    assert re.search(r'^ENTRYPOINT \["medflow"\]$', dockerfile, re.MULTILINE)
    (user,) = re.findall(r"^USER (\d+):(\d+)$", dockerfile, re.MULTILINE)
    api_pod = one("base", "Deployment", "medflow-api")["spec"]["template"]["spec"]["securityContext"]
    flow_pod = flow_run_job("medflow")["spec"]["template"]["spec"]["securityContext"]
    assert int(user[0]) == api_pod["runAsUser"] == flow_pod["runAsUser"] != 0

    # Every COPY source exists, and every package setuptools installs is copied into the build.
    sources = [s for line in re.findall(r"^COPY (?!--from)(.+)$", dockerfile, re.MULTILINE)
               for s in line.split()[:-1]]
    for source in sources:
        assert (REPO_ROOT / source).exists(), f"COPY source {source} missing"
    packages = re.search(r"include = \[([^\]]*)\]", (REPO_ROOT / "pyproject.toml").read_text()).group(1)
    for pattern in re.findall(r'"(\w+)\*"', packages):
        assert pattern in sources, f"package {pattern} is not copied into the image"
    # The build context is an allow-list: everything copied is let through, nothing else.
    lines = (K8S / "Dockerfile.dockerignore").read_text().splitlines()
    ignore = [line for line in lines if line and not line.startswith("#")]
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert ignore[0] == "*" and allowed == {s.rstrip("/") for s in sources}


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
