"""Files under k8s/, kustomize rendering and strict schema validation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from tests.k8s.manifests import (
    CRD_KINDS,
    K8S,
    K8S_VERSIONS,
    NON_MANIFEST_YAML,
    OVERLAYS,
    _yaml_documents,
    flow_run_job,
    flow_run_job_template,
    objects,
    one,
    render,
)


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
