"""Shared fixtures. Model fixtures (owner: inference): a tiny demo DistilBERT exported into a temporary
Triton repository, and the real embedded Triton serving it on free ports (both built once per session)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prefect_support import TEST_DEID_KEY

TINY_ARCH_KW = {"dim": 32, "n_layers": 2, "n_heads": 2, "initializer_range": 0.3, "seed": 7}

_WORDS = (
    "patient presents with chest pain shortness of breath fever cough nausea denies vomiting history of "
    "hypertension diabetes mellitus type two asthma medications include metformin lisinopril albuterol "
    "exam unremarkable lungs clear heart regular rate rhythm abdomen soft nontender plan follow up in two "
    "weeks discharge home stable condition labs within normal limits mri ct scan negative for acute process"
).split()


def tiny_corpus(n_sentences: int = 300, seed: int = 0) -> list[str]:
    """Deterministic clinical-sounding sentences (synthetic, no PHI) to train the tiny tokenizer."""
    rng = random.Random(seed)
    return [
        " ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 30))).capitalize() + "."
        for _ in range(n_sentences)
    ]


@pytest.fixture(scope="session")
def synthetic_notes() -> Callable[[int, int], list[str]]:
    """`synthetic_notes(n, seed)`: deterministic PHI-free sentences in the tiny tokenizer's vocabulary."""
    return tiny_corpus


@pytest.fixture(scope="session")
def tiny_model_arch() -> object:
    """The DemoArchitecture of `tiny_model_repo` (same seed: rebuilding it gives the same weights)."""
    from inference.build.export import DemoArchitecture

    return DemoArchitecture(**TINY_ARCH_KW)


@pytest.fixture(scope="session")
def tiny_model_repo(tmp_path_factory: pytest.TempPathFactory, tiny_model_arch) -> Path:
    """A Triton repository `<repo>/distilbert/{config.pbtxt, 1/...}` holding a tiny random DistilBERT."""
    from inference.build.export import build_demo

    repo = tmp_path_factory.mktemp("triton_repo")
    build_demo(
        repo=repo, name="distilbert", corpus=tiny_corpus(), arch=tiny_model_arch, check_texts=tiny_corpus(16, 99)
    )
    return repo


@pytest.fixture(scope="session")
def embedded_triton(tiny_model_repo: Path) -> Iterator[object]:
    """The real tritonserver serving the tiny model (FP32, dynamic batching) on free ports."""
    from inference.triton_server import EmbeddedTriton

    with EmbeddedTriton(
        tiny_model_repo / "distilbert", precision="fp32", grpc_port=0, http_port=0, metrics_port=0
    ) as server:
        yield server


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """Prefect's real test harness (temporary database + API server), started once per session (~16 s)."""
    from prefect.testing.utilities import prefect_test_harness

    import flows  # noqa: F401 - sets the offline Prefect defaults before the server starts

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture()
def flow_env(monkeypatch: pytest.MonkeyPatch, tiny_model_repo: Path, embedded_triton) -> Iterator[str]:
    """Settings for running the batch flow against the session's embedded Triton and tiny model."""
    from medflow.settings import get_settings

    monkeypatch.setenv("MEDFLOW_MODEL_REPOSITORY", str(tiny_model_repo))
    monkeypatch.setenv("MEDFLOW_TRITON_URL", embedded_triton.grpc_url)
    monkeypatch.setenv("MEDFLOW_PRECISION", "fp32")
    monkeypatch.setenv("MEDFLOW_DEID_HMAC_KEY", TEST_DEID_KEY)
    get_settings.cache_clear()
    yield embedded_triton.grpc_url
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[dict[str, str]]:
    """A real S3 API (moto in server mode) on loopback; yields the AWS environment pointing at it."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint, timeout=1)  # noqa: S310 - loopback test server
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.2)
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }
    try:
        yield env
    finally:
        server.terminate()
        server.wait(timeout=10)
