"""Shared fixtures. Model fixtures (owner: inference): a tiny demo DistilBERT exported into a temporary
Triton repository, and the real embedded Triton serving it on free ports (both built once per session)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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
def tiny_model_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Triton repository `<repo>/distilbert/{config.pbtxt, 1/...}` holding a tiny random DistilBERT."""
    from inference.export import DemoArchitecture, build_demo

    repo = tmp_path_factory.mktemp("triton_repo")
    build_demo(repo=repo, name="distilbert", corpus=tiny_corpus(), arch=DemoArchitecture(**TINY_ARCH_KW))
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

    with prefect_test_harness(server_startup_timeout=120):
        yield
