"""Builds the model-backed stages of the batch path from settings, once per process.

De-identification uses the process-wide engine (the same object the API uses); classification uses
client-side tokenization and one gRPC client to Triton. The tables carry keyed pseudonyms of the
input's ids, so the batch path refuses to start without the de-identification key.
"""

from __future__ import annotations

from functools import lru_cache, partial
from pathlib import Path

from deid.engine import get_engine
from deid.pseudonyms import Pseudonyms
from inference.classify import classify_texts
from inference.model_files import ModelInfo, latest_version_dir, load_model_info
from inference.tokenizer import NoteTokenizer
from inference.triton_client import TritonClassifier
from medflow.pipeline import Classify, Stages
from medflow.preflight import deid_key
from medflow.settings import Settings


def model_version_dir(settings: Settings) -> Path:
    """The newest built version of the configured model (Triton's default version policy)."""
    return latest_version_dir(Path(settings.model_repository) / settings.triton_model)


@lru_cache(maxsize=4)
def _classifier(
    triton_url: str,
    model: str,
    version_dir: Path,
    timeout_s: float,
    inflight: int,
    max_batch_size: int,
    token_budget: int,
    max_length: int,
    stride: int,
    request_width: int,
) -> tuple[ModelInfo, Classify]:
    info = load_model_info(version_dir)
    tokenizer = NoteTokenizer.from_dir(version_dir)
    client = TritonClassifier(
        triton_url,
        model,
        timeout_s=timeout_s,
        inflight=inflight,
        max_batch_size=max_batch_size,
        token_budget=token_budget,
        pad_id=tokenizer.pad_id,
        request_width=request_width,
    )
    classify = partial(
        classify_texts, tokenizer=tokenizer, client=client, info=info, max_length=max_length, stride=stride
    )
    return info, classify


def build_stages(settings: Settings) -> tuple[Stages, ModelInfo]:
    """The stages for these settings and the model they use; built once per process, reused across files.
    Raises `DeidKeyMissing` without a de-identification key."""
    pseudonymize = Pseudonyms(deid_key(settings))  # first: without the key nothing else is worth starting
    info, classify = _classifier(
        settings.triton_url,
        settings.triton_model,
        model_version_dir(settings),
        settings.triton_timeout_s,
        settings.inflight_requests,
        settings.max_batch_size,
        settings.batch_token_budget,
        settings.max_length,
        settings.chunk_stride,
        settings.triton_request_width,
    )
    deidentify = get_engine(settings.deid_config()).deidentify
    return Stages(deidentify=deidentify, classify=classify, pseudonymize=pseudonymize), info
