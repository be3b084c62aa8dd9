"""Recognizers that make a note's analysis fail, for the fail-closed tests: real Presidio recognizers
added to a real engine's registry (they fire only on their own trigger, so other notes are unaffected)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from presidio_analyzer import EntityRecognizer, Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from deid.engine import DeidEngine
from deid.labels import PhiLabel
from deid.recognizers.base import GroupPatternRecognizer

# A note with this at the end of a line never finishes the trap's pattern (exponential backtracking):
# its regex time limit is what ends it, as it would for any pattern that went super-linear.
TIMEOUT_TRIGGER = "TRAPTIMEOUT " + "x" * 48
TRAP_PATTERN = Pattern("trap", r"TRAPTIMEOUT (?:x|xx)+(?:[a-w]|$(?<=z))", 0.9)
# A note containing this makes the broken recognizer raise, quoting the text (which must not leak).
ERROR_TRIGGER = "TRAPERROR"


class TimeoutTrapRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.ID
    PATTERNS = [TRAP_PATTERN]
    NAME = "TimeoutTrap"


class BrokenRecognizer(EntityRecognizer):
    def __init__(self) -> None:
        super().__init__(supported_entities=["ID"], name="BrokenRecognizer")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if ERROR_TRIGGER in text:
            raise RuntimeError(f"cannot handle {text!r}")
        return []


@contextmanager
def trapped(engine: DeidEngine) -> Iterator[DeidEngine]:
    """`engine` with both traps registered (removed afterwards)."""
    registry = engine._analyzer.registry  # noqa: SLF001 - tests add real recognizers to the real engine
    added = [TimeoutTrapRecognizer(), BrokenRecognizer()]
    for recognizer in added:
        registry.add_recognizer(recognizer)
    try:
        yield engine
    finally:
        for recognizer in added:
            registry.remove_recognizer(recognizer.name)
