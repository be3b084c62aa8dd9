"""Adversarial inputs: every pattern runs in linear time, the engine finishes adversarial notes with
their PHI found, and a note whose analysis does not complete is withheld (fail closed), never passed on.

Linear time is checked by scaling, not by wall-clock limits: each pattern scans an adversarial input
of 2,500 and of 20,000 characters (the largest segment the engine analyses) and the CPU time of this
thread (unaffected by other processes) may grow about 8-fold, not 64-fold as a quadratic scan's would.
The bound between them (24) is the geometric middle, with room for noise on either side."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable

import pytest
from deid_support import ERROR_TRIGGER, TIMEOUT_TRIGGER, trapped

from deid.engine import get_engine
from deid.outcomes import DeidIncomplete, DeidIncompleteError
from deid.recognizers import base
from deid.recognizers.base import GroupPatternRecognizer
from deid.registry import clinical_recognizers
from deid.segments import MAX_SEGMENT_CHARS
from medflow.settings import Settings

SMALL, LARGE = 2_500, MAX_SEGMENT_CHARS
MAX_GROWTH = 24  # linear: ~8 for 8x the input; quadratic: ~64
# Below this much CPU for the large input a scan is fast whatever its shape (a quadratic scan of
# 20,000 characters costs seconds): its ratio is timer noise.
NOISE_FLOOR_S = 0.002

# The issue's input: four patterns used to time out on it and skip, and the e-mail after it leaked.
ISSUE_PREFIX = "a." * 4900 + "@" + "b." * 4899 + "1"
# Units repeated into long inputs: repeated separators, long runs of word characters and digits,
# alternating character classes, and the shapes the patterns look for (capitalised words, cues, @).
UNITS = [
    "a.", "a-", "a ", "a:", "a@", "a.b@", "a'", "a\n", "1-", "1.", "1/", "1 ", "1:", "1, ", "1\n", "12 ",
    "123-", "(1) ", "#1 ", "a", "A", "1", "x", "a1", "A1", "a.1.", "A.", "A-", "A ", "A\n", "AB ", "AB, ",
    "Aa ", "Aa-", "Aa, ", "Aa\n", "Ab. ", "Abc ", "St. ", "Dr. ", "in A ", "Mar ", "1 Mar ", "A, ",
]  # fmt: skip


def _repeat(unit: str, size: int) -> str:
    """`unit` repeated to `size` characters; the issue's shape (`a.a.…@b.b.…1`) for `ISSUE_PREFIX`."""
    if unit == ISSUE_PREFIX:
        return "a." * (size // 4) + "@" + "b." * (size // 4 - 1) + "1"
    return (unit * (size // len(unit) + 1))[:size]


def _cpu_seconds(work: Callable[[], object], repeats: int = 3) -> float:
    """Least CPU time of this thread over `repeats` runs (garbage collection off while timing)."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.thread_time()
            work()
            best = min(best, time.thread_time() - start)
    finally:
        gc.enable()
    return best


def _registered_patterns() -> list[tuple[str, object]]:
    found = []
    for recognizer in clinical_recognizers():
        if isinstance(recognizer, GroupPatternRecognizer):
            found += [(f"{recognizer.name}.{p.name}", c) for p, c in recognizer._compiled_patterns()]  # noqa: SLF001
    return found


PATTERNS = _registered_patterns()


def test_every_recognizer_pattern_is_covered():
    assert len(PATTERNS) >= 70
    assert {"EmailRecognizer.email", "CityRecognizer.city_state", "StateRecognizer.state_after_city",
            "HospitalRecognizer.named_facility", "UrlRecognizer.domain"} <= {name for name, _ in PATTERNS}


@pytest.mark.parametrize(("name", "compiled"), PATTERNS, ids=[name for name, _ in PATTERNS])
def test_pattern_runs_in_linear_time_on_adversarial_input(name, compiled):
    slow = []
    for unit in [*UNITS, ISSUE_PREFIX]:
        small, large = _repeat(unit, SMALL), _repeat(unit, LARGE)

        def scan(text: str) -> Callable[[], int]:
            # The production time limit: a scan that hits it would withhold the note.
            return lambda: sum(1 for _ in compiled.finditer(text, timeout=base.REGEX_TIMEOUT_S))

        try:
            large_s = _cpu_seconds(scan(large))
        except TimeoutError:
            slow.append((unit[:8], "timed out"))
            continue
        if large_s > NOISE_FLOOR_S and large_s / max(_cpu_seconds(scan(small)), 1e-6) > MAX_GROWTH:
            slow.append((unit[:8], f"{large_s / _cpu_seconds(scan(small)):.0f}x"))
    assert slow == [], f"{name} grows faster than linearly on {slow}"


@pytest.fixture(scope="module")
def engine():
    return get_engine(Settings(_env_file=None, deid_processes=1).deid_config())


def test_issue_input_finishes_with_the_email_found(engine):
    note = ISSUE_PREFIX + "\nPlease reply to john.smith@example.com about the results."
    (spans,) = engine.detect([note])
    assert "john.smith@example.com" in {note[s.start : s.end] for s in spans}
    (result,) = engine.deidentify([note], [None])
    assert "john.smith" not in result.text and result.entity_counts["EMAIL"] >= 1


def test_engine_analyses_adversarial_notes_completely_in_linear_time(engine):
    grows = []
    for unit in UNITS:
        large = _repeat(unit, LARGE) + " Call 617-555-0123."
        (outcome,) = engine.analyze([large])
        assert not isinstance(outcome, DeidIncomplete), unit
        assert "617-555-0123" in {large[s.start : s.end] for s in outcome}, unit
        large_s = _cpu_seconds(lambda t=large: engine.analyze([t]), repeats=1)
        small_s = _cpu_seconds(lambda t=_repeat(unit, SMALL): engine.analyze([t]), repeats=2)
        if large_s > NOISE_FLOOR_S and large_s / small_s > MAX_GROWTH:
            grows.append((unit, round(large_s / small_s)))
    assert grows == []


# --- fail closed ------------------------------------------------------------------------------


@pytest.fixture()
def trapped_engine(monkeypatch, engine):
    monkeypatch.setattr(base, "REGEX_TIMEOUT_S", 0.2)  # the trap's pattern never finishes: no need to wait 2 s
    with trapped(engine) as trapped_one:
        yield trapped_one


def test_a_note_whose_pattern_times_out_is_withheld_and_the_others_go_on(trapped_engine, caplog):
    canary = "Zebulon Quigglesworth"
    notes = [f"Seen by Dr. {canary}. {TIMEOUT_TRIGGER}", "Seen by Dr. Quennell on 3/4/2021."]
    with caplog.at_level(logging.DEBUG):
        withheld, fine = trapped_engine.analyze(notes)
        results = trapped_engine.deidentify(notes, [None, None])
    assert withheld == DeidIncomplete("timeout")
    assert [notes[1][s.start : s.end] for s in fine] == ["Quennell", "3/4/2021"]
    assert results[0] == DeidIncomplete("timeout") and results[1].text == "Seen by Dr. [NAME] on [DATE]."
    with pytest.raises(DeidIncompleteError):
        trapped_engine.detect(notes)
    assert "TimeoutTrap.trap" in caplog.text and canary not in caplog.text and "xxxx" not in caplog.text


def test_a_recognizer_error_withholds_the_note_without_logging_its_text(trapped_engine, caplog):
    notes = [f"{ERROR_TRIGGER} MRN 99817263 Zebulon Quigglesworth", "Nothing to see."]
    with caplog.at_level(logging.DEBUG):
        broken, fine = trapped_engine.deidentify(notes, ["p1", "p2"])
    assert broken == DeidIncomplete("error") and fine.text == "Nothing to see."
    assert "RuntimeError" in caplog.text
    assert "Quigglesworth" not in caplog.text and "99817263" not in caplog.text
