"""The real backends of the service: the process-wide Presidio engine and a Triton-served model."""

from __future__ import annotations

from collections.abc import Sequence

from api.prometheus import ApiMetrics
from api.service import BackendUnavailable, ClassifyService
from deid.engine import get_engine
from inference.classify import Prediction, classify_texts_async
from inference.model_files import ModelInfo, latest_version_dir, load_model_info
from inference.tokenizer import NoteTokenizer
from inference.triton_client import AsyncTritonClassifier, TritonInferenceError
from medflow.settings import Settings

WARMUP_TEXT = "Patient seen in clinic today; vitals stable, follow up in two weeks."


class TritonNoteClassifier:
    """Tokenizes de-identified text on the client and classifies it with one shared async gRPC client."""

    def __init__(
        self, client: AsyncTritonClassifier, tokenizer: NoteTokenizer, info: ModelInfo, max_length: int, stride: int
    ) -> None:
        self._client = client
        self._tokenizer = tokenizer
        self._info = info
        self._max_length = max_length
        self._stride = stride
        self.model_name = info.model_name
        self.model_version = info.model_version

    async def classify(self, texts: Sequence[str]) -> list[Prediction]:
        try:
            return await classify_texts_async(
                texts, self._tokenizer, self._client, self._info, self._max_length, self._stride
            )
        except TritonInferenceError as exc:
            raise BackendUnavailable(str(exc)) from None

    async def is_ready(self) -> bool:
        try:
            await self._client.wait_ready(timeout_s=0)  # a single server + model check, no polling
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        await self._client.close()


def realtime_triton_client(settings: Settings, pad_id: int) -> AsyncTritonClassifier:
    """The process-wide async client. Its in-flight window is the admission limit, not the batch flow's
    `inflight_requests` (4): that would serialize 16 concurrent callers into 4 Triton calls at a time,
    and Triton's dynamic batcher can only batch the requests it has been sent."""
    return AsyncTritonClassifier(
        settings.triton_url,
        settings.triton_model,
        timeout_s=settings.api_triton_timeout_s,
        inflight=settings.api_max_concurrency,
        max_batch_size=settings.max_batch_size,
        token_budget=settings.batch_token_budget,
        pad_id=pad_id,
        request_width=settings.triton_request_width,
    )


def build_service(settings: Settings, metrics: ApiMetrics) -> tuple[ClassifyService, TritonNoteClassifier]:
    """Everything the hot path needs, loaded once. Must run inside the event loop (gRPC aio channel)."""
    model_dir = settings.model_repository / settings.triton_model
    version_dir = (
        model_dir / settings.api_model_version if settings.api_model_version else latest_version_dir(model_dir)
    )
    info = load_model_info(version_dir)
    tokenizer = NoteTokenizer.from_dir(version_dir)
    client = realtime_triton_client(settings, tokenizer.pad_id)
    classifier = TritonNoteClassifier(client, tokenizer, info, settings.max_length, settings.chunk_stride)
    # In-process de-identification only: forking workers next to live gRPC threads is unsafe.
    engine = get_engine(settings.deid_config(processes=1))
    engine.deidentify([WARMUP_TEXT], [None])  # first call pays lazy spaCy/Presidio setup, not the first caller
    service = ClassifyService(
        engine,
        classifier,
        metrics,
        triton_timeout_s=settings.api_triton_timeout_s,
        deid_inline_max_chars=settings.api_deid_inline_max_chars,
    )
    return service, classifier
