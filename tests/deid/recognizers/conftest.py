"""Shared fixture for recognizer tests: run one recognizer on a text, return the covered strings
(overlapping matches merged, as the engine does)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from presidio_analyzer import EntityRecognizer

from deid.engine import PhiSpan, merge_overlaps
from deid.nlp import TokenizerNlpEngine
from medflow.settings import get_settings


@pytest.fixture(scope="session")
def nlp_engine() -> TokenizerNlpEngine:
    engine = TokenizerNlpEngine(get_settings().spacy_model)
    engine.load()
    return engine


@pytest.fixture
def found(nlp_engine: TokenizerNlpEngine) -> Callable[[EntityRecognizer, str], list[str]]:
    def run(recognizer: EntityRecognizer, text: str) -> list[str]:
        results = recognizer.analyze(text, recognizer.supported_entities, nlp_engine.process_text(text, "en"))
        # Overlapping matches of one recognizer become one span, as in the engine.
        spans = merge_overlaps([PhiSpan(r.start, r.end, r.entity_type, r.score) for r in results])
        return [text[s.start : s.end] for s in spans]

    return run
