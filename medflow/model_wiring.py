"""The one place a model version is wired to its clients: version directory → model info (labels and
limits) → tokenizer → Triton client. Used by the batch flow (`medflow.processing.stages`), the gateway
(`api.model_backend`) and the benchmark (`bench`), so all three talk to Triton the same way."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from inference.model_files import ModelInfo, latest_version_dir, load_model_info
from inference.tokenizer import NoteTokenizer
from inference.triton_client import AsyncTritonClassifier, TritonClassifier
from medflow.settings import Settings

Client = TypeVar("Client", TritonClassifier, AsyncTritonClassifier)


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """A built model version as its clients need it."""

    version_dir: Path
    info: ModelInfo
    tokenizer: NoteTokenizer


def model_version_dir(settings: Settings, version: str | None = None) -> Path:
    """``version`` of the configured model, or its newest built version (Triton's default version policy)."""
    model_dir = Path(settings.model_repository) / settings.triton_model
    return model_dir / version if version else latest_version_dir(model_dir)


def load_model(version_dir: Path) -> LoadedModel:
    return LoadedModel(version_dir, load_model_info(version_dir), NoteTokenizer.from_dir(version_dir))


@dataclass(frozen=True, slots=True)
class TritonClientConfig:
    """How a client calls Triton; hashable, so a process can keep one client per configuration."""

    url: str
    model: str
    timeout_s: float
    inflight: int
    max_batch_size: int
    token_budget: int
    request_width: int

    @classmethod
    def for_batch(cls, settings: Settings) -> TritonClientConfig:
        """The batch flow's client: the flow's deadline and in-flight window."""
        return cls._from(settings, settings.triton_timeout_s, settings.inflight_requests)

    @classmethod
    def for_realtime(cls, settings: Settings) -> TritonClientConfig:
        """The gateway's client. Its in-flight window is the admission limit, not the batch flow's
        `inflight_requests` (4): that would serialize 16 concurrent callers into 4 Triton calls at a time,
        and Triton's dynamic batcher can only batch the requests it has been sent."""
        return cls._from(settings, settings.api_triton_timeout_s, settings.api_max_concurrency)

    @classmethod
    def _from(cls, settings: Settings, timeout_s: float, inflight: int) -> TritonClientConfig:
        return cls(
            url=settings.triton_url,
            model=settings.triton_model,
            timeout_s=timeout_s,
            inflight=inflight,
            max_batch_size=settings.max_batch_size,
            token_budget=settings.batch_token_budget,
            request_width=settings.triton_request_width,
        )


def triton_client(config: TritonClientConfig, pad_id: int) -> TritonClassifier:
    return _client(TritonClassifier, config, pad_id)


def async_triton_client(config: TritonClientConfig, pad_id: int) -> AsyncTritonClassifier:
    return _client(AsyncTritonClassifier, config, pad_id)


def _client(kind: type[Client], config: TritonClientConfig, pad_id: int) -> Client:
    return kind(
        config.url,
        config.model,
        timeout_s=config.timeout_s,
        inflight=config.inflight,
        max_batch_size=config.max_batch_size,
        token_budget=config.token_budget,
        pad_id=pad_id,
        request_width=config.request_width,
    )
