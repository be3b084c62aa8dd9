"""The de-identification engine shared by the batch flow and the realtime API.

`get_engine(config)` builds it once per process and configuration: spaCy tokenizer + Presidio `AnalyzerEngine` with the
clinical recognizers + the anonymisation policy. Each note is analysed on its detection view
(`deid.normalize`: Unicode evasions undone) and the spans are mapped back to the original text.
`analyze` returns per note either its PHI spans (character offsets of the input) or `DeidIncomplete`
when its analysis did not complete (a pattern's time limit, a recognizer error): such a note is never
passed on (fail closed). `deidentify` replaces the spans according to the policy. Nothing here logs or
raises with note text.

Large batches go to a persistent pool of worker processes, created on first use and kept for the
engine's lifetime. Workers start from a "forkserver" (a clean process, not a fork of this one): the
batch flow calls `deidentify` while other threads hold gRPC channels and Prefect has installed its
signal handlers, neither of which a worker may inherit. Each worker builds its own engine once from
the same `DeidConfig`, passed as the initializer's argument (pickled through a pipe, never logged)."""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import signal
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from presidio_analyzer import AnalyzerEngine

from deid.clinical import clinical_language
from deid.config import DEFAULT_LANGUAGES, DeidConfig
from deid.context import WindowContextEnhancer
from deid.coverage import is_unsupported_script
from deid.language import is_unsupported_language
from deid.nlp import LANGUAGE, TokenizerNlpEngine
from deid.normalize import normalize
from deid.offline import use_bundled_suffix_list
from deid.outcomes import AnalysisTimeout, DeidIncomplete, DeidIncompleteError
from deid.policy import Policy, PolicyApplier
from deid.recognizers.vocabulary import philter_vocabulary
from deid.registry import build_registry
from deid.segments import split_text
from deid.surrogates import Surrogates

logger = logging.getLogger(__name__)

# Below this many characters a batch is analysed in-process: shipping it to workers costs more than
# it saves.
PARALLEL_MIN_CHARS = 200_000
# Pieces per worker in one parallel call: small enough to balance uneven notes across workers.
CHUNKS_PER_WORKER = 8


@dataclass(frozen=True, slots=True)
class PhiSpan:
    start: int
    end: int
    label: str
    score: float


@dataclass(frozen=True, slots=True)
class DeidResult:
    text: str
    entity_counts: dict[str, int]
    # The days this note's dates moved (the patient's offset; a fresh one for a note without a patient
    # id); None when no key is configured. The batch flow shifts `created_at` by the same amount.
    date_shift_days: int | None = None


# One note's analysis: its spans, or why it must be withheld.
NoteSpans = list[PhiSpan] | DeidIncomplete


class DeidEngine:
    def __init__(
        self,
        analyzer: AnalyzerEngine,
        nlp_engine: TokenizerNlpEngine,
        applier: PolicyApplier,
        score_threshold: float,
        processes: int,
        config: DeidConfig | None = None,
        languages: frozenset[str] = DEFAULT_LANGUAGES,
    ) -> None:
        self._analyzer = analyzer
        self._languages = languages
        self._nlp = nlp_engine
        self._applier = applier
        self._threshold = score_threshold
        self._processes = processes
        self._config = config  # what the workers build their engines from; None: in-process only
        self._pool: ProcessPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # --- detection ----------------------------------------------------------------------------
    def analyze(self, texts: Sequence[str]) -> list[NoteSpans]:
        """Per note, its PHI spans or `DeidIncomplete` (fail closed: the caller must withhold it)."""
        texts = list(texts)
        # The batch flow and the CLI call from the main thread; a server's request threads analyse
        # in-process, next to the requests they serve.
        main_thread = threading.current_thread() is threading.main_thread()
        if (
            main_thread
            and self._config is not None
            and self._processes > 1
            and len(texts) > 1
            and sum(map(len, texts)) >= PARALLEL_MIN_CHARS
        ):
            return self._detect_parallel(texts)
        return self._detect_serial(texts)

    def detect(self, texts: Sequence[str]) -> list[list[PhiSpan]]:
        """PHI spans per note; raises `DeidIncompleteError` if any note's analysis did not complete."""
        outcomes = self.analyze(texts)
        incomplete = sum(isinstance(o, DeidIncomplete) for o in outcomes)
        if incomplete:
            raise DeidIncompleteError(f"the analysis of {incomplete} of {len(outcomes)} text(s) did not complete")
        return [o for o in outcomes if not isinstance(o, DeidIncomplete)]

    def _detect_serial(self, texts: list[str]) -> list[NoteSpans]:
        views = [normalize(text) for text in texts]  # once per note
        # A note mostly in a script or a language with no rules is withheld, not guessed at.
        incomplete: dict[int, DeidIncomplete] = {
            i: withheld for i, view in enumerate(views) if (withheld := self._unsupported(view.view)) is not None
        }
        segments = [(i, seg) for i, view in enumerate(views) if i not in incomplete for seg in split_text(view.view)]
        found: list[list[PhiSpan]] = [[] for _ in texts]
        clinical = clinical_language()
        artifacts = self._nlp.pipe(seg.text for _, seg in segments)
        for (i, seg), nlp_artifacts in zip(segments, artifacts, strict=True):
            if i in incomplete or not seg.text.strip():
                continue
            failure = None
            try:
                results = self._analyzer.analyze(
                    seg.text, LANGUAGE, nlp_artifacts=nlp_artifacts, score_threshold=self._threshold
                )
            except AnalysisTimeout as exc:
                failure = DeidIncomplete("timeout"), f"timed out in {exc}"
            except Exception as exc:  # noqa: BLE001 - any recognizer failure withholds the note (fail closed)
                failure = DeidIncomplete("error"), f"failed ({type(exc).__name__})"
            if failure is not None:
                # Logged outside the except block: if a log handler fails, the traceback logging prints
                # must not chain the recognizer's exception, whose message may quote the text.
                incomplete[i], what = failure
                logger.warning("de-identification of a note %s; the note is withheld", what)
                continue
            for r in results:
                if clinical.vetoes(seg.text, r.start, r.end, r.entity_type):
                    continue  # clinical language, not PHI (deid.clinical)
                start, end = r.start + seg.offset, r.end + seg.offset
                if seg.owned_start <= start < seg.owned_end:
                    start, end = views[i].to_original(start, end)
                    found[i].append(PhiSpan(start, end, r.entity_type, round(float(r.score), 4)))
        return [incomplete.get(i) or merge_overlaps(spans) for i, spans in enumerate(found)]

    def _unsupported(self, text: str) -> DeidIncomplete | None:
        """Why the rules cannot cover ``text`` (`deid.coverage`, `deid.language`), or None."""
        if is_unsupported_script(text):
            return DeidIncomplete(DeidIncomplete.UNSUPPORTED_SCRIPT)
        if is_unsupported_language(text, self._languages):
            return DeidIncomplete(DeidIncomplete.UNSUPPORTED_LANGUAGE)
        return None

    def _detect_parallel(self, texts: list[str]) -> list[NoteSpans]:
        """Split the batch into pieces for the persistent workers; `map` keeps input order."""
        chunk = max(1, len(texts) // (self._processes * CHUNKS_PER_WORKER))
        pieces = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
        try:
            parts = list(self._worker_pool().map(_detect_in_worker, pieces))
        except BrokenProcessPool:
            # A worker died (killed, out of memory): this batch runs here, the next one gets new workers.
            logger.warning("deid worker pool broke; analysing this batch in-process")
            self.close()
            return self._detect_serial(texts)
        return [spans for part in parts for spans in part]

    def _worker_pool(self) -> ProcessPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                context = multiprocessing.get_context("forkserver")
                # Workers are forked from the forkserver with the engine's modules already imported.
                context.set_forkserver_preload(["deid.engine"])
                self._pool = ProcessPoolExecutor(
                    self._processes, mp_context=context, initializer=_init_worker, initargs=(self._config,)
                )
                atexit.register(self.close)
            return self._pool

    def close(self) -> None:
        """Stop the worker pool, if any: workers finish and exit on their own (no signals). The next
        large batch starts a new pool. Registered with `atexit` when the pool is created."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            atexit.unregister(self.close)
            pool.shutdown(wait=True)

    # --- anonymisation ------------------------------------------------------------------------
    def deidentify(
        self, texts: Sequence[str], patient_ids: Sequence[str | None]
    ) -> list[DeidResult | DeidIncomplete]:
        """Per note, its de-identified text, or `DeidIncomplete` (withhold the note: fail closed).
        A note without a patient id gets a fresh random surrogate and date-shift key of its own."""
        if len(texts) != len(patient_ids):
            raise ValueError(f"got {len(texts)} texts but {len(patient_ids)} patient ids")
        results: list[DeidResult | DeidIncomplete] = []
        for text, patient_id, outcome in zip(texts, patient_ids, self.analyze(texts), strict=True):
            if isinstance(outcome, DeidIncomplete):
                results.append(outcome)
                continue
            applied = self._applier.apply(text, [(s.start, s.end, s.label, s.score) for s in outcome], patient_id)
            results.append(
                DeidResult(applied.text, dict(Counter(s.label for s in outcome)), applied.date_shift_days)
            )
        return results


_WORKER_ENGINE: DeidEngine | None = None


def _init_worker(config: DeidConfig) -> None:
    """Runs once in each worker: default signal handling (a pool shutdown must not print the
    parent's handlers' tracebacks) and the worker's own engine."""
    global _WORKER_ENGINE
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _WORKER_ENGINE = build_engine(config)


def _detect_in_worker(texts: list[str]) -> list[NoteSpans]:
    assert _WORKER_ENGINE is not None  # set by the pool initializer
    return _WORKER_ENGINE._detect_serial(texts)


def merge_overlaps(spans: list[PhiSpan]) -> list[PhiSpan]:
    """Sorted, non-overlapping spans: overlapping detections become their union, labelled by the
    highest-scoring one (the anonymiser needs disjoint spans)."""
    merged: list[PhiSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            best = last if last.score >= span.score else span
            merged[-1] = PhiSpan(last.start, max(last.end, span.end), best.label, max(last.score, span.score))
        else:
            merged.append(span)
    return merged


def default_processes() -> int:
    """Worker processes for large batches: the cores this process may use (1 means in-process)."""
    return len(os.sched_getaffinity(0))


def build_engine(config: DeidConfig) -> DeidEngine:
    use_bundled_suffix_list()
    nlp_engine = TokenizerNlpEngine(config.spacy_model, ner=config.ner)
    nlp_engine.load()
    analyzer = AnalyzerEngine(
        registry=build_registry(nlp_engine.english, philter_vocabulary(config.vocabulary_file)),
        nlp_engine=nlp_engine,
        supported_languages=[LANGUAGE],
        context_aware_enhancer=WindowContextEnhancer(),
    )
    surrogates = Surrogates(config.hmac_key.encode("utf-8")) if config.hmac_key else None
    applier = PolicyApplier(Policy.parse(config.policy), surrogates)
    processes = config.processes or default_processes()
    return DeidEngine(analyzer, nlp_engine, applier, config.score_threshold, processes, config, config.languages)


_ENGINES: dict[DeidConfig, DeidEngine] = {}
_LOCK = threading.Lock()


def get_engine(config: DeidConfig) -> DeidEngine:
    """The process-wide engine for this configuration (built on first use, then cached)."""
    with _LOCK:
        if config not in _ENGINES:
            _ENGINES[config] = build_engine(config)
        return _ENGINES[config]


__all__ = ["DeidConfig", "DeidEngine", "DeidIncomplete", "DeidResult", "PhiSpan", "get_engine"]
