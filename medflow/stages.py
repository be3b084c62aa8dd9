"""Builds the model-backed stages of the batch path from settings, once per process.

De-identification uses the process-wide engine (the same object the API uses); classification uses
client-side tokenization and one gRPC client to Triton (`medflow.model_wiring`). The tables carry keyed
pseudonyms of the input's ids, so the batch path refuses to start without the de-identification key.
"""

from __future__ import annotations

from functools import lru_cache, partial
from pathlib import Path

from deid.engine import get_engine
from deid.pseudonyms import Pseudonyms
from inference.classify import LogitsClient, classify_texts
from inference.model_files import ModelInfo
from medflow.model_wiring import LoadedModel, TritonClientConfig, load_model, model_version_dir, triton_client
from medflow.outage import model_ready, outage_tolerant
from medflow.pipeline import Classify, Stages
from medflow.preflight import deid_key
from medflow.settings import Settings


def classify_stage(model: LoadedModel, client: LogitsClient, max_length: int, stride: int) -> Classify:
    """The classify stage: client-side tokenization of de-identified text, classification by ``client``."""
    return partial(
        classify_texts, tokenizer=model.tokenizer, client=client, info=model.info, max_length=max_length, stride=stride
    )


@lru_cache(maxsize=4)
def _classifier(
    client: TritonClientConfig, version_dir: Path, max_length: int, stride: int
) -> tuple[ModelInfo, Classify]:
    model = load_model(version_dir)
    return model.info, classify_stage(model, triton_client(client, model.tokenizer.pad_id), max_length, stride)


def build_stages(settings: Settings) -> tuple[Stages, ModelInfo]:
    """The stages for these settings and the model they use; built once per process, reused across files.
    Raises `DeidKeyMissing` without a de-identification key."""
    pseudonymize = Pseudonyms(deid_key(settings))  # first: without the key nothing else is worth starting
    info, classify = _classifier(
        TritonClientConfig.for_batch(settings),
        model_version_dir(settings),
        settings.max_length,
        settings.chunk_stride,
    )
    deidentify = get_engine(settings.deid_config()).deidentify
    ready = model_ready(settings.triton_url, settings.triton_model)
    classify = outage_tolerant(classify, ready, settings.triton_url, settings.triton_outage_budget_s)
    return Stages(deidentify=deidentify, classify=classify, pseudonymize=pseudonymize), info
