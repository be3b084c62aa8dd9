"""Every pod: security context, resources, labels, service accounts, pinned images."""

from __future__ import annotations

import re

import pytest

from tests.k8s.manifests import (
    K8S,
    OVERLAYS,
    containers,
    matches,
    objects,
    one,
    pod_templates,
    render,
)


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
