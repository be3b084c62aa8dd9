"""The hand-written challenge set: committed gold equals the builder's output, spans are the marked
values, every kind is covered, and malformed markup is refused without quoting the line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from deid.labels import ALL_LABELS
from samplegen.challenge import PHI_FREE_PREFIX, gold_jsonl, parse_challenge

CHALLENGE = Path(__file__).resolve().parents[2] / "data" / "samples" / "challenge"
PHI_KINDS = {
    "facility", "clinician", "relative", "phone", "history-date", "question", "other-phi", "place-age-initials",
}
TRAP_KINDS = {"trap-abbrev", "trap-cue", "trap-number", "trap-word", "trap-clinical"}


@pytest.fixture(scope="module")
def source() -> str:
    return (CHALLENGE / "notes.txt").read_text(encoding="utf-8")


def test_committed_gold_is_the_builders_output(source: str) -> None:
    committed = (CHALLENGE / "gold.jsonl").read_text(encoding="utf-8")
    assert committed == gold_jsonl(parse_challenge(source)), "run `medflow samples challenge` and commit"


def test_every_span_is_its_marked_value(source: str) -> None:
    """Re-marking each gold record gives back its source line exactly."""
    lines = [line.strip() for line in source.splitlines() if line.strip() and not line.startswith("## ")]
    notes = parse_challenge(source)
    assert len(notes) == len(lines)
    for note, line in zip(notes, lines, strict=True):
        marked, position = [], 0
        for start, end, label in note.spans:
            value = note.text[start:end]
            assert value and value == value.strip() and label in ALL_LABELS
            marked += [note.text[position:start], "{{", value, "|", label, "}}"]
            position = end
        marked.append(note.text[position:])
        assert "".join(marked) == line, note.id


def test_size_and_kinds(source: str) -> None:
    notes = parse_challenge(source)
    kinds = Counter(note.kind for note in notes)
    assert set(kinds) == PHI_KINDS | TRAP_KINDS
    assert len(notes) >= 330
    assert sum(not n.spans for n in notes) >= 120
    assert all(kinds[kind] >= 25 for kind in kinds)
    assert all(not n.spans for n in notes if n.kind.startswith(PHI_FREE_PREFIX))
    assert len({n.id for n in notes}) == len(notes)
    # Any letter case: whole lines in ALL CAPS, all lower case and mixed case in every PHI kind.
    for kind in PHI_KINDS:
        texts = [n.text for n in notes if n.kind == kind]
        assert any(t == t.upper() for t in texts), kind
        assert any(t == t.lower() for t in texts), kind
        assert any(t not in (t.upper(), t.lower()) for t in texts), kind


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("## relative: x\nson {{Arne|PERSON}} called\n", "unknown label"),
        ("## relative: x\nson {{Arne |NAME}} called\n", "whitespace"),
        ("## relative: x\nson {{Arne|NAME} called\n", "malformed"),
        ("## relative: x\nson called\n", "no PHI"),
        ("## trap-cue: x\nson {{Arne|NAME}} called\n", "PHI-free"),
        ("son {{Arne|NAME}} called\n", "before the first"),
        ("## Relative\nson {{Arne|NAME}} called\n", "header"),
    ],
)
def test_bad_markup_is_refused_without_quoting(source: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as error:
        parse_challenge(source)
    assert "Arne" not in str(error.value)
