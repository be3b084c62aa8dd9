"""Person names: patients, relatives and clinicians, in title case or ALL CAPS.

Signals, strongest first: a title before (`Dr.`, `Mrs`), a credential after (`, MD`, `RN`), a relation
word before (`wife`, `daughter`), membership in the name lists, and adjacency to another name token
(`John Kowalczyk`, `Smith, John`, `J. Smith`). Ordinary words that are also names (`Will`, `Hope`) and
medical eponyms (`Foley`, `Parkinson`) need a cue. Capitalisation is only evidence in mixed-case text:
ALL CAPS notes fall back to the lists and cues.
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from deid.labels import PhiLabel
from deid.recognizers.lexicon import COMMON_WORD_NAMES, first_names, is_allow_listed, last_names

TITLES = frozenset("dr doctor mr mrs ms miss mx prof professor".split())
CREDENTIALS = frozenset(
    """md m.d. m.d do d.o. rn np pa pa-c phd dds crnp lpn cna bsn msn aprn fnp dnp pharmd rph lcsw msw
    rrt cnm dpm facp facs mph""".split()
)
RELATIONS = frozenset(
    """wife husband son daughter mother father mom dad sister brother spouse partner friend niece nephew
    aunt uncle grandson granddaughter grandmother grandfather guardian caregiver boyfriend girlfriend
    fiance fiancee neighbor named""".split()
)
# Words that end a name run even when capitalised: facility words and common note headers.
NON_NAME_WORDS = frozenset(
    """hospital clinic center centre medical health healthcare memorial university college institute
    street st avenue ave road rd drive lane blvd unit floor room service services department dept
    syndrome disease sign test score fracture maneuver procedure catheter drain tube criteria scale
    position lift bag note plan assessment history patient pt""".split()
)
WORD_RE = re.compile(r"[^\W\d_][^\W\d_'’\-]*(?:['’][^\W\d_]+)?")
INITIAL_RE = re.compile(r"[A-Z]\.?")
HYPHENS = frozenset({"-", "'", "’"})
# Words that introduce a name but are never part of it.
CUE_WORDS = TITLES | RELATIONS | CREDENTIALS
CAPS_RATIO = 0.7

SCORE_CUE = 0.9
SCORE_LIST = 0.75
SCORE_RELATION = 0.6


def is_caps_text(text: str) -> bool:
    """True when letters are mostly upper case (ALL CAPS notes): capitalisation carries no signal."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    return sum(c.isupper() for c in letters) / len(letters) >= CAPS_RATIO


class NameRecognizer(EntityRecognizer):
    """Token-based person-name recognizer over the spaCy tokens in the NLP artifacts."""

    def __init__(self) -> None:
        super().__init__(supported_entities=[PhiLabel.NAME.value], name="ClinicalNameRecognizer")

    def load(self) -> None:
        self._first = first_names()
        self._last = last_names()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None or nlp_artifacts.tokens is None:
            return []
        doc: Doc = nlp_artifacts.tokens
        words = [t.text for t in doc]
        if not words:
            return []
        starts = nlp_artifacts.tokens_indices
        # Line breaks separate names (a list of staff on separate lines is several names).
        breaks = [("\n" in t.whitespace_) or ("\n" in t.text) for t in doc]
        self._spaced = [bool(t.whitespace_) for t in doc]
        caps = is_caps_text(text)
        scores = self._seed_scores(words, breaks, caps)
        if any(scores):
            self._extend(words, breaks, scores, caps)
        return self._to_results(words, starts, scores)

    # --- token classification -----------------------------------------------------------------
    def _in_lists(self, lower: str) -> bool:
        return lower in self._first or lower in self._last

    @staticmethod
    def _is_ambiguous(lower: str) -> bool:
        return lower in COMMON_WORD_NAMES or lower in STOP_WORDS or is_allow_listed(lower)

    @staticmethod
    def _could_be_name(word: str, caps: bool) -> bool:
        """A token that may belong to a name once a cue says so."""
        if not word[:1].isupper() or WORD_RE.fullmatch(word) is None:
            return False
        lower = word.lower()
        return lower not in NON_NAME_WORDS and lower not in STOP_WORDS and lower not in CUE_WORDS

    def _seed_scores(self, words: list[str], breaks: list[bool], caps: bool) -> list[float]:
        scores = [0.0] * len(words)
        for i, word in enumerate(words):
            if not word[:1].isupper() or not self._could_be_name(word, caps):
                continue
            lower = word.lower()
            prev = _norm(words[i - 1]) if i > 0 and not breaks[i - 1] else ""
            if prev in TITLES or self._credential_follows(words, breaks, i):
                scores[i] = SCORE_CUE
                continue
            in_lists = self._in_lists(lower)
            if in_lists and not self._is_ambiguous(lower):
                scores[i] = SCORE_LIST
            elif prev in RELATIONS and not is_allow_listed(lower) and (in_lists or not caps):
                scores[i] = SCORE_RELATION
        return scores

    @staticmethod
    def _credential_follows(words: list[str], breaks: list[bool], i: int) -> bool:
        j = i + 1
        if j < len(words) and words[j] == "," and not breaks[i]:
            j += 1
        return j < len(words) and not breaks[j - 1] and words[j][:1].isupper() and _norm(words[j]) in CREDENTIALS

    def _extend(self, words: list[str], breaks: list[bool], scores: list[float], caps: bool) -> None:
        """Grow each seed over adjacent name-like tokens and initials (`J. Smith`, `Mary Ann Kowalczyk`,
        `Smith-Jones`, `Smith, John`, `Kowalczyk, Anna, RN`)."""
        n = len(words)
        stack = [i for i in range(n) if scores[i]]
        while stack:
            i = stack.pop()
            for j, step in ((i - 1, -1), (i + 1, 1)):
                if not 0 <= j < n or scores[j] or breaks[min(i, j)]:
                    continue
                if self._joins(words, j, step, caps):
                    scores[j] = scores[i]
                    stack.append(j)
                elif words[j] == "," and 0 <= j + step < n and not scores[j + step] and not breaks[min(j, j + step)]:
                    # "Smith, John" / "Kowalczyk, Anna, RN": a comma between two parts of one name.
                    k = j + step
                    if self._could_be_name(words[k], caps) and (
                        self._in_lists(words[k].lower()) or scores[i] >= SCORE_CUE
                    ) and _norm(words[k]) not in CREDENTIALS:
                        scores[k] = scores[i]
                        stack.append(k)

    def _joins(self, words: list[str], j: int, step: int, caps: bool) -> bool:
        """May token j (next to a name token, on side -step of it) continue that name?"""
        word = words[j]
        if INITIAL_RE.fullmatch(word):
            return not (caps and word.rstrip(".") in {"A", "I"})
        if word in HYPHENS:
            k = j + step
            glued = not self._spaced[j] and not self._spaced[j - 1]
            return glued and 0 <= k < len(words) and self._could_be_name(words[k], caps)
        if not self._could_be_name(word, caps) or is_allow_listed(word.lower()):
            return False
        if caps:
            return self._in_lists(word.lower()) and word.lower() not in COMMON_WORD_NAMES
        return not word.isupper() or len(word) > 3

    @staticmethod
    def _to_results(words: list[str], starts: list[int], scores: list[float]) -> list[RecognizerResult]:
        results = []
        i, n = 0, len(words)
        while i < n:
            if not scores[i]:
                i += 1
                continue
            j = i
            while j + 1 < n and scores[j + 1]:
                j += 1
            start, end = starts[i], starts[j] + len(words[j])
            # A period after a whole word ends the sentence; after an initial it is part of it.
            if words[j].endswith(".") and len(words[j]) > 2:
                end -= 1
            results.append(RecognizerResult(PhiLabel.NAME.value, start, end, max(scores[i : j + 1])))
            i = j + 1
        return results


def _norm(token_text: str) -> str:
    return token_text.lower().rstrip(".")


def _is_title_token(token_text: str) -> bool:
    return _norm(token_text) in TITLES
