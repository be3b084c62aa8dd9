"""The container image."""

from __future__ import annotations

import re

from tests.k8s.manifests import (
    K8S,
    REPO_ROOT,
    flow_run_job,
    one,
)


def test_dockerfile_installs_the_project_as_a_non_root_medflow_entrypoint():
    dockerfile = (K8S / "Dockerfile").read_text()
    # With the `k8s` extra: the Prefect worker (`medflow worker --type kubernetes`) runs from this image.
    assert 'pip install -c constraints.txt ".[k8s]"' in dockerfile
    assert re.search(r'^k8s = \[\n    "prefect-kubernetes==', (REPO_ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    assert "--require-hashes -r requirements-spacy-model.txt" in dockerfile
    assert re.search(r'^ENTRYPOINT \["medflow"\]$', dockerfile, re.MULTILINE)
    (user,) = re.findall(r"^USER (\d+):(\d+)$", dockerfile, re.MULTILINE)
    api_pod = one("base", "Deployment", "medflow-api")["spec"]["template"]["spec"]["securityContext"]
    flow_pod = flow_run_job("medflow")["spec"]["template"]["spec"]["securityContext"]
    worker_pod = one("base", "Deployment", "prefect-worker")["spec"]["template"]["spec"]["securityContext"]
    assert int(user[0]) == api_pod["runAsUser"] == flow_pod["runAsUser"] == worker_pod["runAsUser"] != 0

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
