"""The hand-written challenge set (`data/samples/challenge/`): one-line notes in ICU nursing shorthand
with PHI marked inline, built into gold JSONL (`medflow samples challenge`).

Source format (`notes.txt`): one note per line, each PHI value written as `{{value|LABEL}}` with a
`deid/labels.py` label. A line `## kind: description` starts a section; every note below it has that
kind until the next header, so scores can be reported per kind. Kinds named `trap-...` hold PHI-free
notes only (precision traps); every other kind holds notes with at least one PHI span. Blank lines are
skipped. Gold records are `{"id": "<kind>-<nnn>", "kind", "text", "spans": [{"start", "end", "label"}]}`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from deid.labels import ALL_LABELS

PHI_FREE_PREFIX = "trap-"
_HEADER = re.compile(r"## ([a-z][a-z-]*[a-z]):")
_MARK = re.compile(r"\{\{([^{}|]+)\|([A-Z_]+)\}\}")


@dataclass(frozen=True, slots=True)
class ChallengeNote:
    id: str
    kind: str
    text: str
    spans: tuple[tuple[int, int, str], ...]

    def as_gold(self) -> dict[str, object]:
        spans = [{"start": start, "end": end, "label": label} for start, end, label in self.spans]
        return {"id": self.id, "kind": self.kind, "text": self.text, "spans": spans}


def _unmark(line: str, number: int) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """The note text without markup and its spans. Errors name the line, never quote it."""
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    length = position = 0
    for match in _MARK.finditer(line):
        value, label = match.groups()
        if label not in ALL_LABELS:
            raise ValueError(f"line {number}: unknown label")
        if value != value.strip():
            raise ValueError(f"line {number}: a marked value has surrounding whitespace")
        before = line[position : match.start()]
        parts += [before, value]
        length += len(before)
        spans.append((length, length + len(value), label))
        length += len(value)
        position = match.end()
    parts.append(line[position:])
    text = "".join(parts)
    if "{{" in text or "}}" in text:
        raise ValueError(f"line {number}: malformed {{{{value|LABEL}}}} markup")
    return text, tuple(spans)


def parse_challenge(source: str) -> list[ChallengeNote]:
    """Parse notes.txt; checks that trap kinds are PHI-free and the other kinds are not."""
    notes: list[ChallengeNote] = []
    kind = ""
    per_kind: Counter[str] = Counter()
    for number, line in enumerate(source.splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("## "):
            header = _HEADER.match(line)
            if not header:
                raise ValueError(f"line {number}: a header is '## kind: description'")
            kind = header.group(1)
            continue
        if not kind:
            raise ValueError(f"line {number}: note before the first '## kind:' header")
        text, spans = _unmark(line.strip(), number)
        if kind.startswith(PHI_FREE_PREFIX) and spans:
            raise ValueError(f"line {number}: PHI marked in PHI-free kind {kind}")
        if not kind.startswith(PHI_FREE_PREFIX) and not spans:
            raise ValueError(f"line {number}: no PHI marked in kind {kind}")
        per_kind[kind] += 1
        notes.append(ChallengeNote(f"{kind}-{per_kind[kind]:03d}", kind, text, spans))
    return notes


def gold_jsonl(notes: list[ChallengeNote]) -> str:
    return "".join(json.dumps(note.as_gold(), ensure_ascii=False) + "\n" for note in notes)


def build_challenge(notes_path: Path, gold_path: Path) -> dict[str, object]:
    """Write gold.jsonl from notes.txt; return counts (no note content)."""
    notes = parse_challenge(notes_path.read_text(encoding="utf-8"))
    gold_path.parent.mkdir(parents=True, exist_ok=True)
    with gold_path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(gold_jsonl(notes))
    kinds = Counter(note.kind for note in notes)
    spans_by_kind = Counter({note.kind: 0 for note in notes})
    for note in notes:
        spans_by_kind[note.kind] += len(note.spans)
    return {
        "notes": len(notes),
        "notes_with_phi": sum(1 for note in notes if note.spans),
        "notes_without_phi": sum(1 for note in notes if not note.spans),
        "notes_by_kind": dict(kinds),
        "spans_by_kind": dict(spans_by_kind),
        "spans_by_label": dict(sorted(Counter(label for n in notes for _, _, label in n.spans).items())),
    }
