"""Builds the model-backed stages of the batch path from settings, once per process and configuration.

De-identification uses the process-wide engine (the same object the API uses); classification uses
client-side tokenization and one gRPC client to Triton (`medflow.model_wiring`). The tables carry keyed
pseudonyms of the input's ids, so the batch path refuses to start without the de-identification key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path

from deid.config import DeidConfig
from deid.engine import get_engine
from deid.pseudonyms import Pseudonyms
from inference.classify import LogitsClient, classify_texts
from inference.model_files import ModelInfo
from medflow.model_wiring import LoadedModel, TritonClientConfig, load_model, model_version_dir, triton_client
from medflow.preflight import deid_key
from medflow.processing.outage import model_ready, outage_tolerant
from medflow.processing.pipeline import Classify, Stages
from medflow.settings import Settings


def classify_stage(model: LoadedModel, client: LogitsClient, max_length: int, stride: int) -> Classify:
    """The classify stage: client-side tokenization of de-identified text, classification by ``client``."""
    return partial(
        classify_texts, tokenizer=model.tokenizer, client=client, info=model.info, max_length=max_length, stride=stride
    )


@dataclass(frozen=True, slots=True)
class StagesConfig:
    """The settings the stages depend on; hashable, so a process keeps one set of stages per configuration."""

    key: bytes = field(repr=False)
    client: TritonClientConfig
    version_dir: Path
    max_length: int
    stride: int
    deid: DeidConfig
    outage_budget_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> StagesConfig:
        """Raises `DeidKeyMissing` without a de-identification key (first: nothing else is worth starting)."""
        return cls(
            key=deid_key(settings),
            client=TritonClientConfig.for_batch(settings),
            version_dir=model_version_dir(settings),
            max_length=settings.max_length,
            stride=settings.chunk_stride,
            deid=settings.deid_config(),
            outage_budget_s=settings.triton_outage_budget_s,
        )


def build_stages(settings: Settings) -> tuple[Stages, ModelInfo]:
    """The stages for these settings and the model they use; built on first use in a process, then reused
    by every file and run with the same configuration. Raises `DeidKeyMissing` without a de-identification key."""
    return _stages(StagesConfig.from_settings(settings))


@lru_cache(maxsize=4)
def _stages(config: StagesConfig) -> tuple[Stages, ModelInfo]:
    model = load_model(config.version_dir)
    classify = classify_stage(
        model, triton_client(config.client, model.tokenizer.pad_id), config.max_length, config.stride
    )
    ready = model_ready(config.client.url, config.client.model)
    stages = Stages(
        deidentify=get_engine(config.deid).deidentify,
        classify=outage_tolerant(classify, ready, config.client.url, config.outage_budget_s),
        pseudonymize=Pseudonyms(config.key),
    )
    return stages, model.info
