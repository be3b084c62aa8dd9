"""The real backends of the service: the process-wide Presidio engine and a Triton-served model."""

from __future__ import annotations

from collections.abc import Sequence

from api.prometheus import ApiMetrics
from api.service import BackendUnavailable, ClassifyService
from deid.engine import get_engine
from inference.classify import Prediction, classify_texts_async
from inference.model_files import ModelInfo
from inference.tokenizer import NoteTokenizer
from inference.triton_client import AsyncTritonClassifier, TritonInferenceError
from medflow.model_wiring import TritonClientConfig, async_triton_client, load_model, model_version_dir
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


def build_service(settings: Settings, metrics: ApiMetrics) -> tuple[ClassifyService, TritonNoteClassifier]:
    """Everything the hot path needs, loaded once. Must run inside the event loop (gRPC aio channel)."""
    model = load_model(model_version_dir(settings, settings.api_model_version))
    client = async_triton_client(TritonClientConfig.for_realtime(settings), model.tokenizer.pad_id)
    classifier = TritonNoteClassifier(client, model.tokenizer, model.info, settings.max_length, settings.chunk_stride)
    # In-process de-identification only: forking workers next to live gRPC threads is unsafe.
    engine = get_engine(settings.deid_config(processes=1))
    engine.deidentify([WARMUP_TEXT], [None])  # first call pays lazy spaCy/Presidio setup, not the first caller
    service = ClassifyService.configured(engine, classifier, metrics, settings)
    return service, classifier
