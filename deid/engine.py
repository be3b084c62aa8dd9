"""The de-identification engine shared by the batch flow and the realtime API.

`get_engine()` builds it once per process: spaCy tokenizer + Presidio `AnalyzerEngine` with the
clinical recognizers + the anonymisation policy. `detect` returns PHI spans in character offsets of
the input; `deidentify` replaces them according to the policy. Neither logs or raises with note text."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from presidio_analyzer import AnalyzerEngine

from deid.context import WindowContextEnhancer
from deid.nlp import LANGUAGE, TokenizerNlpEngine
from deid.offline import use_bundled_suffix_list
from deid.policy import Policy, PolicyApplier
from deid.registry import build_registry
from deid.segments import split_text
from deid.surrogates import Surrogates
from medflow.settings import Settings, get_settings

# Below this many characters a batch is analysed in-process: forking costs more than it saves.
PARALLEL_MIN_CHARS = 200_000


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


class DeidEngine:
    def __init__(
        self,
        analyzer: AnalyzerEngine,
        nlp_engine: TokenizerNlpEngine,
        applier: PolicyApplier,
        score_threshold: float,
        processes: int,
    ) -> None:
        self._analyzer = analyzer
        self._nlp = nlp_engine
        self._applier = applier
        self._threshold = score_threshold
        self._processes = processes

    # --- detection ----------------------------------------------------------------------------
    def detect(self, texts: Sequence[str]) -> list[list[PhiSpan]]:
        texts = list(texts)
        # Fork only from the main thread (batch flow, CLI): never from a server's worker threads.
        main_thread = threading.current_thread() is threading.main_thread()
        if main_thread and self._processes > 1 and len(texts) > 1 and sum(map(len, texts)) >= PARALLEL_MIN_CHARS:
            return self._detect_parallel(texts)
        return self._detect_serial(texts)

    def _detect_serial(self, texts: list[str]) -> list[list[PhiSpan]]:
        segments = [(i, seg) for i, text in enumerate(texts) for seg in split_text(text)]
        found: list[list[PhiSpan]] = [[] for _ in texts]
        artifacts = self._nlp.pipe(seg.text for _, seg in segments)
        for (i, seg), nlp_artifacts in zip(segments, artifacts, strict=True):
            if not seg.text.strip():
                continue
            results = self._analyzer.analyze(
                seg.text, LANGUAGE, nlp_artifacts=nlp_artifacts, score_threshold=self._threshold
            )
            for r in results:
                start, end = r.start + seg.offset, r.end + seg.offset
                if seg.owned_start <= start < seg.owned_end:
                    found[i].append(PhiSpan(start, end, r.entity_type, round(float(r.score), 4)))
        return [merge_overlaps(spans) for spans in found]

    def _detect_parallel(self, texts: list[str]) -> list[list[PhiSpan]]:
        """Fork workers that inherit this (already loaded) engine; chunks keep input order."""
        global _FORK_ENGINE
        _FORK_ENGINE = self
        chunk = max(1, len(texts) // (self._processes * 8))
        batches = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
        context = multiprocessing.get_context("fork")
        with context.Pool(self._processes) as pool:
            parts = pool.map(_detect_in_worker, batches)
        return [spans for part in parts for spans in part]

    # --- anonymisation ------------------------------------------------------------------------
    def deidentify(self, texts: Sequence[str], patient_ids: Sequence[str | None]) -> list[DeidResult]:
        if len(texts) != len(patient_ids):
            raise ValueError(f"got {len(texts)} texts but {len(patient_ids)} patient ids")
        results = []
        for text, patient_id, spans in zip(texts, patient_ids, self.detect(texts), strict=True):
            replaced = self._applier.apply(text, [(s.start, s.end, s.label, s.score) for s in spans], patient_id)
            results.append(DeidResult(replaced, dict(Counter(s.label for s in spans))))
        return results


_FORK_ENGINE: DeidEngine | None = None


def _detect_in_worker(texts: list[str]) -> list[list[PhiSpan]]:
    assert _FORK_ENGINE is not None  # set by the parent before forking
    return _FORK_ENGINE._detect_serial(texts)


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


def build_engine(settings: Settings) -> DeidEngine:
    use_bundled_suffix_list()
    nlp_engine = TokenizerNlpEngine(settings.spacy_model)
    nlp_engine.load()
    analyzer = AnalyzerEngine(
        registry=build_registry(nlp_engine.english),
        nlp_engine=nlp_engine,
        supported_languages=[LANGUAGE],
        context_aware_enhancer=WindowContextEnhancer(),
    )
    key = settings.deid_hmac_key.get_secret_value().encode("utf-8") if settings.deid_hmac_key else None
    surrogates = Surrogates(key) if key else None
    applier = PolicyApplier(Policy.parse(settings.deid_policy), surrogates)
    processes = settings.deid_processes or default_processes()
    return DeidEngine(analyzer, nlp_engine, applier, settings.deid_score_threshold, processes)


_ENGINES: dict[tuple[object, ...], DeidEngine] = {}
_LOCK = threading.Lock()


def get_engine(settings: Settings | None = None) -> DeidEngine:
    """The process-wide engine for these settings (built on first use, then cached)."""
    settings = settings or get_settings()
    key = (
        settings.spacy_model,
        settings.deid_policy,
        settings.deid_hmac_key.get_secret_value() if settings.deid_hmac_key else None,
        settings.deid_score_threshold,
        settings.deid_processes,
    )
    with _LOCK:
        if key not in _ENGINES:
            _ENGINES[key] = build_engine(settings)
        return _ENGINES[key]


__all__ = ["DeidEngine", "DeidResult", "PhiSpan", "get_engine"]
