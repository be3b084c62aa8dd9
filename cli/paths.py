"""Default locations the commands share, relative to the repository root. Commands meant to run from a
checkout take them as they are; those that must work from any directory anchor them at `REPO_ROOT`."""

from __future__ import annotations

from pathlib import Path

from inference.model_files import CLASSIFIER_MODEL
from medflow.settings import REPO_ROOT

TRITON_REPO = Path("triton_repo")
CLASSIFIER_DIR = TRITON_REPO / CLASSIFIER_MODEL
STAND_IN_DIR = TRITON_REPO / "distilbert"  # the DistilBERT stand-in, built by `medflow model build`
SAMPLES = Path("data") / "samples"
SAMPLES_DIR = REPO_ROOT / SAMPLES
DEMO_OUTPUT = "out/demo"
