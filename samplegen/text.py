"""Building note text with exact gold PHI offsets.

Notes are assembled piece by piece: plain text, PHI values (recorded as gold spans at the offset where
they are appended) and hard negatives (recorded only for tests, never written to gold). Offsets are
never recovered by searching the finished text.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from deid.labels import PhiLabel


@dataclass(frozen=True, slots=True)
class Phi:
    """A PHI value to insert and label."""

    value: str
    label: PhiLabel


@dataclass(frozen=True, slots=True)
class Neg:
    """A hard negative (looks like PHI, is not): inserted unlabelled, remembered for tests."""

    value: str
    kind: str


Piece = str | Phi | Neg
Slot = Callable[[], Piece | Sequence[Piece]]


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class BuiltNote:
    text: str
    spans: tuple[Span, ...]
    negatives: tuple[Span, ...]  # label holds the negative's kind


_ALTERNATION = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")


class NoteBuilder:
    """Accumulates pieces; `render` fills templates with `[a|b]` alternations and `{slot}` slots."""

    def __init__(self, rng: random.Random, slots: dict[str, Slot]) -> None:
        self._rng = rng
        self.slots = slots
        self._parts: list[str] = []
        self._length = 0
        self._spans: list[Span] = []
        self._negatives: list[Span] = []
        # Applied to literal template text only (never to PHI or negatives), e.g. portal-message typos.
        self.literal_transform: Callable[[str], str] | None = None

    def __len__(self) -> int:
        return self._length

    def add(self, piece: Piece | Sequence[Piece]) -> None:
        if isinstance(piece, str):
            self._append(piece)
        elif isinstance(piece, Phi):
            self._record(self._spans, piece.value, piece.label.value)
        elif isinstance(piece, Neg):
            self._record(self._negatives, piece.value, piece.kind)
        else:
            for part in piece:
                self.add(part)

    def render(self, template: str) -> None:
        """Append a template: `[x|y|]` picks one option, `{name}` inserts the slot's pieces."""
        chosen = _ALTERNATION.sub(lambda m: self._rng.choice(m.group(1).split("|")), template)
        position = 0
        for match in _SLOT.finditer(chosen):
            self._literal(chosen[position : match.start()])
            self.add(self.slots[match.group(1)]())
            position = match.end()
        self._literal(chosen[position:])

    def checkpoint(self) -> tuple[int, int, int, int]:
        return len(self._parts), self._length, len(self._spans), len(self._negatives)

    def rollback(self, checkpoint: tuple[int, int, int, int]) -> None:
        n_parts, self._length, n_spans, n_negatives = checkpoint
        del self._parts[n_parts:], self._spans[n_spans:], self._negatives[n_negatives:]

    def has_phi_since(self, checkpoint: tuple[int, int, int, int]) -> bool:
        return len(self._spans) > checkpoint[2]

    def build(self, case: Callable[[str], str] | None = None) -> BuiltNote:
        """Join the pieces; `case` (str.upper / str.lower) applies to the whole note, offsets kept."""
        text = "".join(self._parts)
        spans, negatives = self._spans, self._negatives
        if case is not None:
            cased = case(text)
            if len(cased) == len(text):  # true for the characters used here; guard anyway
                text = cased
                spans = [Span(s.start, s.end, s.label, case(s.value)) for s in spans]
                negatives = [Span(s.start, s.end, s.label, case(s.value)) for s in negatives]
        return BuiltNote(text, tuple(spans), tuple(negatives))

    def _literal(self, text: str) -> None:
        if text:
            self._append(self.literal_transform(text) if self.literal_transform else text)

    def _append(self, text: str) -> None:
        self._parts.append(text)
        self._length += len(text)

    def _record(self, target: list[Span], value: str, label: str) -> None:
        if value != value.strip() or not value:
            raise ValueError("span values must be non-empty without surrounding whitespace")
        target.append(Span(self._length, self._length + len(value), label, value))
        self._append(value)


_KEYBOARD_NEIGHBOURS = dict(zip("aeioustnrl", "sriplyrbet", strict=True))


def make_typo_transform(rng: random.Random, rate: float) -> Callable[[str], str]:
    """Informal-message noise: swapped, dropped, doubled or mistyped letters in some words."""

    def transform(text: str) -> str:
        words = text.split(" ")
        for index, word in enumerate(words):
            if len(word) < 4 or not word.isalpha() or rng.random() >= rate:
                continue
            pos = rng.randrange(1, len(word) - 1)
            kind = rng.randrange(4)
            if kind == 0:
                word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
            elif kind == 1:
                word = word[:pos] + word[pos + 1 :]
            elif kind == 2:
                word = word[:pos] + word[pos] + word[pos:]
            else:
                word = word[:pos] + _KEYBOARD_NEIGHBOURS.get(word[pos], word[pos]) + word[pos + 1 :]
            words[index] = word
        return " ".join(words)

    return transform
