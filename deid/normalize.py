"""The detection view of a note: what the recognizers read, with Unicode evasions undone.

Text pasted from Word or a PDF, or written to slip past the patterns, spells PHI with characters that
look the same but are not ASCII: a non-breaking hyphen (U+2011) or minus sign (U+2212) in an SSN, en
dashes in a phone number, a zero-width space or soft hyphen inside a name, decomposed accents,
full-width letters and digits, Cyrillic look-alike letters. The view is built once per note:

- NFKC (full-width and mathematical letters and digits, ligatures, composed accents);
- format characters (category Cf: U+200B-U+200D, U+00AD, U+FEFF, U+2060, bidi controls) removed;
- every dash and minus sign becomes `-`, every space `' '`, line and paragraph separators a line break;
- decimal digits of other scripts become ASCII digits;
- letters confusable with a Latin letter become that letter (Unicode's confusables data, UTS #39, as
  packaged by `confusable-homoglyphs`, MIT): `Jоhn` with a Cyrillic `о` reads `John`. Only in words
  that mix them with Latin letters, or that are made only of such look-alikes (`Ѕаrа`): a word of real
  Cyrillic or Greek (`Иванов`, `Παπαδόπουλος`) keeps its letters, so its own script's rules can read it.

Recognizers find spans in the view; `NormalizedText.to_original` maps them back to the original text,
widened over removed characters and whole changed clusters, and the original text is what gets
replaced. Notes with nothing to change (most: plain ASCII) share the original string and cost one scan.
"""

from __future__ import annotations

import unicodedata
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache, lru_cache

import regex
from confusable_homoglyphs.confusables import confusables_data

# Dashes and minus signs that are not category Pd.
EXTRA_DASHES = "\u2212\u2043\u02d7\u2796\ufe63"
LINE_SEPARATORS = "\u2028\u2029\u0085"


@cache
def _confusable_letters() -> dict[str, str]:
    """Non-ASCII letters that look like one ASCII letter, mapped to it (`а` -> `a`, `Ѕ` -> `S`). The
    data's prototype for capital-I look-alikes is `l`; a capital is folded to `I`."""
    table: dict[str, str] = {}
    for char, homoglyphs in confusables_data.items():
        if len(char) != 1 or char.isascii() or not unicodedata.category(char).startswith("L"):
            continue
        latin = [h["c"] for h in homoglyphs if len(h["c"]) == 1 and h["c"].isascii() and h["c"].isalpha()]
        if latin:
            table[char] = "I" if latin[0] == "l" and unicodedata.category(char) == "Lu" else latin[0]
    return table


@cache
def _char_table() -> dict[str, str]:
    """Single characters and what they become in the view ("" when removed)."""
    table = dict(_confusable_letters())
    for code in range(0x80, 0x110000):
        char = chr(code)
        category = unicodedata.category(char)
        if category == "Cf":
            table[char] = ""
        elif category == "Pd" or char in EXTRA_DASHES:
            table[char] = "-"
        elif category == "Zs":
            table[char] = " "
        elif char in LINE_SEPARATORS:
            table[char] = "\n"
        elif category == "Nd":
            table[char] = str(unicodedata.digit(char))
    return table


@lru_cache(maxsize=1024)
def _changing(chars: frozenset[str], composed: bool) -> regex.Pattern[str]:
    """One character the view changes: one of `chars` (from the table above), or, unless the text is
    already NFKC (`composed`), a character that NFKC may change (a combining mark among them)."""
    listed = "".join(regex.escape(c) for c in sorted(chars))
    return regex.compile(f"[{listed}]" if composed else rf"[\p{{NFKC_QC=N}}\p{{NFKC_QC=M}}{listed}]")


def _is_mark(char: str) -> bool:
    return unicodedata.category(char).startswith("M")


@lru_cache(maxsize=65536)
def _fold(piece: str, keep_letters: bool = False) -> str:
    """The view of a changed cluster; `keep_letters`: inside a word of another script, letters that only
    look Latin stay as they are."""
    table = _char_table()
    letters = _confusable_letters()
    return "".join(
        c if keep_letters and c in letters else table.get(c, c) for c in unicodedata.normalize("NFKC", piece)
    )


WORD = regex.compile(r"[\p{L}\p{M}]+")
LATIN_LETTER = regex.compile(r"\p{Latin}")


def _script_words(text: str, listed: frozenset[str]) -> list[tuple[int, int]]:
    """Words of a script other than Latin that hold look-alike letters (`Иванов`): their look-alikes are
    letters of that script, not an evasion. So are words of look-alikes only next to such a word (`г.
    Казань`, `в`). A word that mixes look-alikes with Latin letters (`Jоhn`), or is made of them only
    among Latin words (`Dr. Ѕаrа`), is folded."""
    letters = _confusable_letters()
    words = []  # (span, kind): "latin", "script" (has letters of its script that look like no Latin one)
    for word in WORD.finditer(text):
        value = word.group()
        if LATIN_LETTER.search(value):
            kind = "latin"
        elif any(c not in letters and unicodedata.category(c).startswith("L") for c in value):
            kind = "script"
        else:
            kind = "look-alike" if any(c in listed for c in value) else "other"
        words.append((word.span(), kind))
    spans = []
    for k, (span, kind) in enumerate(words):
        near_script = any(0 <= j < len(words) and words[j][1] == "script" for j in (k - 1, k + 1))
        if kind == "script" or (kind == "look-alike" and near_script):
            spans.append(span)
    return spans


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """`view` is the text the recognizers read. For a changed text, `_starts[i]`/`_ends[i]` are the
    original offsets of the character (or changed cluster) that view character i comes from."""

    original: str
    view: str
    _starts: array | None = None
    _ends: array | None = None

    @property
    def changed(self) -> bool:
        return self._starts is not None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets of view span [start, end), widened over characters removed right
        before or after it and over whole clusters it only partly covers (a ligature, a base and its
        marks): what is replaced then leaves nothing of the PHI behind."""
        if self._starts is None or self._ends is None or start >= end:
            return start, end
        first = 0 if start == 0 else min(self._starts[start], self._ends[start - 1])
        last = len(self.original) if end == len(self.view) else max(self._ends[end - 1], self._starts[end])
        return first, last


def normalize(text: str) -> NormalizedText:
    """The detection view of `text` and the offset map back to it."""
    if text.isascii():
        return NormalizedText(text, text)
    table = _char_table()
    listed = frozenset(c for c in set(text) if c in table)
    composed = unicodedata.is_normalized("NFKC", text)
    if composed and not listed:
        return NormalizedText(text, text)
    # Changed clusters as (start, stop) in the original; a combining mark joins its base (NFKC composes
    # them), which may itself be a changed character.
    protected = _script_words(text, listed) if listed & _confusable_letters().keys() else []
    clusters: list[tuple[int, int]] = []
    for match in _changing(listed, composed).finditer(text):
        at, stop = match.span()
        if clusters and at < clusters[-1][1]:
            continue  # inside marks already joined to the previous cluster
        if _is_mark(text[at]):
            while stop < len(text) and _is_mark(text[stop]):
                stop += 1
            if clusters and clusters[-1][1] == at:
                at = clusters.pop()[0]
            elif at > 0:
                at -= 1
        clusters.append((at, stop))
    parts: list[str] = []
    starts, ends = array("q"), array("q")
    done = 0
    for at, stop in clusters:
        if at > done:
            parts.append(text[done:at])
            starts.extend(range(done, at))
            ends.extend(range(done + 1, at + 1))
        folded = _fold(text[at:stop], _inside(protected, at))
        parts.append(folded)
        starts.extend([at] * len(folded))
        ends.extend([stop] * len(folded))
        done = stop
    if done < len(text):
        parts.append(text[done:])
        starts.extend(range(done, len(text)))
        ends.extend(range(done + 1, len(text) + 1))
    return NormalizedText(text, "".join(parts), starts, ends)


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    index = bisect_right(spans, (at, len(spans) and spans[-1][1] + 1)) - 1
    return index >= 0 and spans[index][0] <= at < spans[index][1]


def normalize_value(value: str) -> str:
    """The view of a short value (a detected span), e.g. to seed its surrogate or parse its date."""
    return normalize(value).view
