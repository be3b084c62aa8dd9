"""The realtime hot path: de-identify notes in process, then classify the de-identified text only.

The de-identifier and the classifier are injected (the real Presidio engine and Triton client in the
app, fakes in unit tests), so this module holds the ordering and fault rules and nothing else. A request
with a note whose de-identification did not complete is refused whole (`DeidUnavailable`, HTTP 503):
nothing of it reaches the model or the response.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from fastapi.concurrency import run_in_threadpool

from api.admission import NoteAdmission
from api.prometheus import ApiMetrics
from deid.outcomes import DeidIncomplete
from medflow.settings import Settings

if TYPE_CHECKING:  # the gateway needs the type only: importing it would load the batch storage code
    from medflow.run_types import DeidOutput


class Deidentifier(Protocol):
    def deidentify(
        self, texts: Sequence[str], patient_ids: Sequence[str | None]
    ) -> Sequence[DeidOutput | DeidIncomplete]: ...


class NotePrediction(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def labels(self) -> Sequence[tuple[str, float]]: ...  # every label above its threshold, best first


class NoteClassifier(Protocol):
    model_name: str
    model_version: str

    async def classify(self, texts: Sequence[str]) -> Sequence[NotePrediction]: ...
    async def is_ready(self) -> bool: ...  # one check; the caller bounds its time
    async def close(self) -> None: ...


class BackendUnavailable(Exception):
    """The model server is down, slow or failing; the caller should retry later (HTTP 503)."""


class DeadlineExceeded(Exception):
    """The request's work did not finish within its deadline; what was left of it was cancelled (HTTP 503)."""


class DeidUnavailable(Exception):
    """A note's de-identification did not complete (a pattern's time limit, a recognizer error): the
    request is refused (HTTP 503) and nothing of it goes on."""


class UnsupportedNote(Exception):
    """A note is written mostly in a script the de-identification engine has no rules for, or in a
    language outside `MEDFLOW_DEID_LANGUAGES` (the rules are English): the request is refused (HTTP 422,
    retrying will not help) and nothing of it goes on. `reason` is the note's `DeidIncomplete.reason`
    (the API's error kind), `detail` what the caller reads."""

    DETAILS: ClassVar[dict[str, str]] = {
        DeidIncomplete.UNSUPPORTED_SCRIPT: "note is mostly in a script de-identification does not support",
        DeidIncomplete.UNSUPPORTED_LANGUAGE: "note is in a language de-identification does not support",
    }

    def __init__(self, reason: str, refused: int, notes: int) -> None:
        super().__init__(f"{refused} of {notes} note(s) refused: {reason}")
        self.reason = reason
        self.detail = self.DETAILS[reason]


@dataclass(frozen=True, slots=True)
class ClassifiedNote:
    label: str
    score: float
    labels: Sequence[tuple[str, float]]
    entity_counts: dict[str, int]
    deid_text: str


class ClassifyService:
    def __init__(
        self,
        deidentifier: Deidentifier,
        classifier: NoteClassifier,
        metrics: ApiMetrics,
        *,
        admission: NoteAdmission,
        request_deadline_s: float,
        triton_timeout_s: float,
        deid_inline_max_chars: int,
    ) -> None:
        self._deid = deidentifier
        self._classifier = classifier
        self._metrics = metrics
        self._admission = admission
        self._deadline_s = request_deadline_s
        self._timeout_s = triton_timeout_s
        self._inline_max_chars = deid_inline_max_chars

    @classmethod
    def configured(
        cls, deidentifier: Deidentifier, classifier: NoteClassifier, metrics: ApiMetrics, settings: Settings
    ) -> ClassifyService:
        """The service with the gateway's limits and deadlines from `settings`."""
        return cls(
            deidentifier,
            classifier,
            metrics,
            admission=NoteAdmission(
                capacity=settings.api_max_concurrency, max_wait_s=settings.api_admission_wait_s, metrics=metrics
            ),
            request_deadline_s=settings.api_request_deadline_s,
            triton_timeout_s=settings.api_triton_timeout_s,
            deid_inline_max_chars=settings.api_deid_inline_max_chars,
        )

    @property
    def model_name(self) -> str:
        return self._classifier.model_name

    @property
    def model_version(self) -> str:
        return self._classifier.model_version

    async def classify(self, texts: Sequence[str]) -> list[ClassifiedNote]:
        """One deadline for all of it: waiting for admission (one unit per note), de-identification and
        the model call. On expiry the work is cancelled (de-identification stops before its next note)."""
        try:
            async with asyncio.timeout(self._deadline_s), self._admission.notes(len(texts)):
                return await self._classify_admitted(texts)
        except TimeoutError:
            raise DeadlineExceeded(f"{len(texts)} note(s) not done within {self._deadline_s} s") from None

    async def _classify_admitted(self, texts: Sequence[str]) -> list[ClassifiedNote]:
        outcomes = await self._deidentify(texts)
        for reason in UnsupportedNote.DETAILS:  # an unreadable script is named before a foreign language
            refused = sum(isinstance(o, DeidIncomplete) and o.reason == reason for o in outcomes)
            if refused:
                raise UnsupportedNote(reason, refused, len(outcomes))
        incomplete = sum(isinstance(o, DeidIncomplete) for o in outcomes)
        if incomplete:
            raise DeidUnavailable(f"de-identification of {incomplete} of {len(outcomes)} note(s) did not complete")
        deidentified = [o for o in outcomes if not isinstance(o, DeidIncomplete)]
        for result in deidentified:
            self._metrics.count_entities(result.entity_counts)
        clean_texts = [r.text for r in deidentified]
        predictions = await self._classify_clean(clean_texts)
        return [
            ClassifiedNote(
                label=p.label, score=p.score, labels=p.labels, entity_counts=dict(r.entity_counts), deid_text=r.text
            )
            for p, r in zip(predictions, deidentified, strict=True)
        ]

    async def is_ready(self, timeout_s: float) -> bool:
        try:
            async with asyncio.timeout(timeout_s):
                return await self._classifier.is_ready()
        except (TimeoutError, BackendUnavailable):
            return False

    async def _deidentify(self, texts: Sequence[str]) -> Sequence[DeidOutput | DeidIncomplete]:
        # No patient ids here: every note gets a fresh surrogate and date-shift key (see deid.policy).
        patient_ids: list[str | None] = [None] * len(texts)
        # Presidio is CPU-bound Python: inline it stalls the event loop, offloaded the loop keeps serving
        # at no throughput loss, so the default (0) always offloads (docs/performance-notes.md).
        if sum(len(t) for t in texts) <= self._inline_max_chars:
            return self._deid.deidentify(texts, patient_ids)
        cancelled = threading.Event()
        try:
            return await run_in_threadpool(self._deidentify_each, texts, cancelled)
        except asyncio.CancelledError:
            cancelled.set()  # the thread cannot be interrupted mid-note: it stops before the next one
            raise

    def _deidentify_each(self, texts: Sequence[str], cancelled: threading.Event) -> list[DeidOutput | DeidIncomplete]:
        outcomes: list[DeidOutput | DeidIncomplete] = []
        for text in texts:
            if cancelled.is_set():
                break
            outcomes.extend(self._deid.deidentify([text], [None]))
        return outcomes

    async def _classify_clean(self, clean_texts: list[str]) -> Sequence[NotePrediction]:
        start = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout_s):
                predictions = await self._classifier.classify(clean_texts)
        except TimeoutError:
            self._metrics.observe_triton("timeout", time.perf_counter() - start)
            raise BackendUnavailable("model server timed out") from None
        except BackendUnavailable:
            self._metrics.observe_triton("error", time.perf_counter() - start)
            raise
        self._metrics.observe_triton("ok", time.perf_counter() - start)
        return predictions
