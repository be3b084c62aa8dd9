"""Split long texts into overlapping segments so that no entity is cut at a split.

Segment k owns the characters [owned_start, owned_end); it is analysed with `OVERLAP` characters of
context on both sides, and only spans that start inside its owned range are kept. An entity shorter
than `OVERLAP` that starts in the owned range is therefore seen whole. Split points fall on
whitespace (preferably a line break) so that no token is cut either."""

from __future__ import annotations

from dataclasses import dataclass

MAX_SEGMENT_CHARS = 20_000
OVERLAP = 400


@dataclass(frozen=True, slots=True)
class Segment:
    offset: int  # where the analysed text starts in the full text
    text: str
    owned_start: int  # owned range, in full-text offsets
    owned_end: int


def _split_point(text: str, lo: int, hi: int) -> int:
    """A whitespace position in (lo, hi], preferring a line break; hi when there is none."""
    for sep in ("\n\n", "\n", " ", "\t"):
        pos = text.rfind(sep, lo + 1, hi)
        if pos > lo:
            return pos
    return hi


def split_text(text: str, max_chars: int = MAX_SEGMENT_CHARS, overlap: int = OVERLAP) -> list[Segment]:
    if len(text) <= max_chars:
        return [Segment(0, text, 0, len(text))]
    bounds = [0]
    while len(text) - bounds[-1] > max_chars:
        lo = bounds[-1]
        bounds.append(_split_point(text, lo + max_chars // 2, lo + max_chars))
    bounds.append(len(text))
    segments = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        a, b = max(0, start - overlap), min(len(text), end + overlap)
        segments.append(Segment(a, text[a:b], start, end))
    return segments
