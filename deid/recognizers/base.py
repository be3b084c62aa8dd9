"""`GroupPatternRecognizer`: a Presidio `PatternRecognizer` whose regexes may mark the PHI part with a
named group `phi`. Key words (`MRN:`, `lives in`) are evidence, not PHI, and matching them as a
consumed prefix is much faster than a variable-length look-behind tried at every position."""

from __future__ import annotations

from typing import ClassVar

import regex
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from deid.labels import PhiLabel
from deid.outcomes import AnalysisTimeout

DEFAULT_FLAGS = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE
# Bound on one regex scan. Every pattern is linear (tests/deid/test_adversarial.py), so a scan of a
# 20,000-character segment takes milliseconds; hitting the bound means the text cannot be analysed,
# and the note is withheld (fail closed), never passed on with that pattern skipped.
REGEX_TIMEOUT_S = 2.0
PHI_GROUP = "phi"
UPPER = regex.compile(r"[A-Z]")
# Fewer capitals than this share of characters: an all-lower-case note (patient messages).
LOWER_CASE_SHARE = 0.01
CAPS_WORD_SHARE = 0.6  # more ALL-CAPS words than this: an ALL CAPS note
LOWER_CAPITALISED_SHARE = 0.03  # fewer capitalised words than this: an all-lower-case note


def case_insensitive_view(text: str) -> str:
    """The text to match case-sensitive patterns on: an all-lower-case note is upper-cased (same
    length, so offsets hold) so that it matches like an ALL CAPS note does."""
    if len(UPPER.findall(text)) >= LOWER_CASE_SHARE * len(text):
        return text
    upper = text.upper()
    return upper if len(upper) == len(text) else text


def case_is_informative(words: list[str]) -> bool:
    """False for ALL CAPS or all-lower-case text, where capitalisation says nothing about names."""
    alpha = [w for w in words if w.isalpha()]
    if len(alpha) < 3:
        return True
    upper = sum(w.isupper() and len(w) > 1 for w in alpha) / len(alpha)
    # A capital letter alone is a side or an initial (`R groin`), not capitalisation.
    capitalised = sum(w[0].isupper() and len(w) > 1 for w in alpha) / len(alpha)
    if upper >= CAPS_WORD_SHARE or capitalised < LOWER_CAPITALISED_SHARE:
        return False
    # A lower-case note with a few capitalised words (`pt's husband works at Corvane`): its sentences
    # start in lower case.
    starts = [w for before, w in zip(["."] + words, words) if before[-1:] in ".!?" and w[:1].isalpha()]  # noqa: B905
    return len(starts) < 2 or 2 * sum(w[0].isupper() for w in starts) >= len(starts)


def other_occurrences(
    text: str,
    results: list[RecognizerResult],
    values: list[str],
    label: str,
    score: float,
    left: str = r"(?<![\w-])",
    right: str = r"(?![\w-])",
) -> list[RecognizerResult]:
    """Results for every occurrence of ``values`` in ``text`` that ``results`` does not cover yet: a
    value the note names once with a cue is PHI wherever else the note names it."""
    if not values:
        return []
    covered = {(r.start, r.end) for r in results}
    pattern = regex.compile(left + "(?:" + "|".join(map(regex.escape, sorted(values))) + ")" + right)
    return [
        RecognizerResult(label, m.start(), m.end(), score) for m in pattern.finditer(text) if m.span() not in covered
    ]


class GroupPatternRecognizer(PatternRecognizer):
    """A subclass declares at class level what Presidio's constructor takes: `LABEL`, `PATTERNS`,
    `CONTEXT` (words before a match that raise its score), `FLAGS` (without IGNORECASE where capitals
    are the evidence) and `NAME` (default: the class name). One that needs word lists sets them before
    calling `super().__init__()`: Presidio's constructor calls `load()`."""

    LABEL: ClassVar[PhiLabel]
    PATTERNS: ClassVar[list[Pattern]]
    CONTEXT: ClassVar[list[str]] = []
    FLAGS: ClassVar[int] = DEFAULT_FLAGS
    NAME: ClassVar[str | None] = None

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.LABEL.value,
            patterns=self.PATTERNS,
            name=self.NAME or type(self).__name__,
            global_regex_flags=self.FLAGS,
            context=self.CONTEXT,
        )

    def _compiled_patterns(self) -> list[tuple[Pattern, regex.Pattern[str]]]:
        # Compiled on first use: Presidio's base __init__ calls load() before the patterns are set.
        compiled = self.__dict__.get("_compiled")
        if compiled is None:
            flags = self.global_regex_flags or DEFAULT_FLAGS
            compiled = [(p, regex.compile(p.regex, flags=flags)) for p in self.patterns]
            self._compiled = compiled
        return compiled

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        label = self.supported_entities[0]
        metadata = {
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
        }
        results: list[RecognizerResult] = []
        if not (self.global_regex_flags or DEFAULT_FLAGS) & regex.IGNORECASE:
            text = case_insensitive_view(text)
        for pattern, compiled in self._compiled_patterns():
            has_group = PHI_GROUP in compiled.groupindex
            try:
                for match in compiled.finditer(text, timeout=REGEX_TIMEOUT_S):
                    start, end = match.span(PHI_GROUP) if has_group else match.span()
                    if start >= end:
                        continue
                    value = text[start:end]
                    score = pattern.score
                    valid = self.validate_result(value)
                    if valid is False or self.invalidate_result(value):
                        continue
                    if valid:
                        score = self.MAX_SCORE
                    results.append(RecognizerResult(label, start, end, score, recognition_metadata=dict(metadata)))
            except TimeoutError:
                # The pattern name only: never the text.
                raise AnalysisTimeout(f"{self.name}.{pattern.name}") from None
        return results
