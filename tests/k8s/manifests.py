"""What the offline checks of k8s/ share: the rendered manifests (`kubectl kustomize` of base and both
overlays), the flow-run job template, and lookups of objects, pods, selectors and secrets. The checks
themselves (strict schema validation, cross-references between manifests) are the test_*.py beside it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

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
