"""Person names: patients, relatives and clinicians, in title case, ALL CAPS or all lower case.

Signals, strongest first: a title before (`Dr.`, `Mrs`), a credential after (`, MD`, `RN`), a relation
word before (`wife`, `daughter`), membership in the name lists, and adjacency to another name token
(`John Kowalczyk`, `Smith, John`, `J. Smith`). Ordinary words that are also names (`Will`, `Hope`,
`Post`) and medical eponyms (`Foley`, `Parkinson`) need a cue; a name-list word followed by `disease`,
`sign`, `catheter`... is an eponym. Capitalisation is evidence only in mixed-case text: ALL CAPS and
all-lower-case notes fall back to the lists and cues.
"""

from __future__ import annotations

import re
import threading

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from deid.labels import PhiLabel
from deid.recognizers.base import case_is_informative
from deid.recognizers.lexicon import CALENDAR_WORDS, EnglishVocabulary, is_allow_listed
from deid.recognizers.lexicon.people import CLINICIAN_ACTIONS, RELATIONS, ROLES
from deid.recognizers.name_joining import NameJoining
from deid.recognizers.name_words import (
    SCORE_CUE,
    SCORE_LIST,
    SCORE_RELATION,
    SIGNATURE_RE,
    SIGNED_INITIALS_RE,
    TITLE_CASE_RE,
)
from deid.recognizers.vocabulary import PhilterVocabulary

# `per dr.lindqvist`, `DR.IBSEN`: a title glued to the name by its period is one token.
GLUED_TITLE_RE = re.compile(r"(?i:drs?|mrs?|ms)\.([^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*)\.?")


class NameRecognizer(NameJoining, EntityRecognizer):
    """Token-based person-name recognizer over the spaCy tokens in the NLP artifacts: seeds from cues and
    the name lists (here), grown into whole names (`NameJoining`), over positional cues (`NameCues`) and
    word classes (`NameWords`)."""

    def __init__(
        self, english: EnglishVocabulary | None = None, vocabulary: PhilterVocabulary | None = None
    ) -> None:
        self._english = english or EnglishVocabulary()
        self._philter = vocabulary
        # Per-note state (line breaks, spacing, case mode): thread-local, the API analyses notes in
        # a thread pool with one shared engine.
        self._note = threading.local()
        super().__init__(supported_entities=[PhiLabel.NAME.value], name="ClinicalNameRecognizer")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None or nlp_artifacts.tokens is None or not len(nlp_artifacts.tokens):
            return []
        doc = nlp_artifacts.tokens
        words = [t.text for t in doc]
        # A line break separates names (staff listed one per line are several names).
        self._note.breaks = [("\n" in t.whitespace_) or ("\n" in t.text) for t in doc]
        self._note.spaced = [bool(t.whitespace_) for t in doc]
        self._note.informative = case_is_informative(words)
        scores = self._seed_scores(words)
        if any(scores):
            self._extend(words, scores)
            if self._propagate(words, scores):
                self._extend(words, scores)
        results = self._to_results(words, nlp_artifacts.tokens_indices, scores)
        return results + self._glued_titles(words, nlp_artifacts.tokens_indices)

    def _glued_titles(self, words: list[str], starts: list[int]) -> list[RecognizerResult]:
        """`per dr.lindqvist`, `DR.IBSEN`: the name after a title glued to it by its period."""
        results = []
        for word, start in zip(words, starts, strict=True):
            match = GLUED_TITLE_RE.fullmatch(word) if "." in word[2:4] else None
            if match and (self._cued_name_word(match.group(1)) or self._eponym_surname(match.group(1))):
                name_start, name_end = start + match.start(1), start + match.end(1)
                results.append(RecognizerResult(PhiLabel.NAME.value, name_start, name_end, SCORE_CUE))
        return results

    def _seed_scores(self, words: list[str]) -> list[float]:
        scores = [0.0] * len(words)
        for i, word in enumerate(words):
            if self._middle_initial_name(words, i):
                # `Faina D. Yefremova`, `Stephan M Urner`; a cue on the first word scores it higher below.
                scores[i + 1] = scores[i + 2] = max(scores[i + 2], SCORE_LIST)
                scores[i] = max(scores[i], SCORE_LIST)
            if self._after_title(words, i) and (
                (self._informative and self._shaped(word)) or self._cued_name_word(word) or self._eponym_surname(word)
            ):  # case-less: `MS CHANGES` is mental status, not Ms. Changes
                if not (len(word) == 1 and i + 1 < len(words) and words[i + 1] == "/"):
                    scores[i] = SCORE_CUE  # not `MOD MR. S/P HIP` (mitral regurgitation, status post)
                continue
            if self._comma_name_after_cue(words, i):
                scores[i] = scores[i + 2] = SCORE_CUE  # `son MACK, JAMES`, `Name: BREWER, ROSE`
                continue
            if self._addressed_or_signed(words, i):
                scores[i] = SCORE_CUE  # `hi bruno`, `thanks, fatima`, `- grace gonzalez`
                continue
            if SIGNATURE_RE.fullmatch(word) and self._ends_line(words, i):
                scores[i] = SCORE_CUE  # `... MD AWARE. -WR`
                continue
            if SIGNED_INITIALS_RE.fullmatch(word) and self._credential_follows(words, i):
                scores[i] = SCORE_CUE  # `see flowsheet. -tb rn`
                continue
            if self._initial_and_credential_follow(words, i) and self._shaped(word):
                scores[i] = SCORE_CUE  # `PRECIOUS R. RN`
                continue
            if self._after_field_label(words, i) and (
                self._plausible_name(word) or (self._prev(words, i) == ":" and self._cued_name_word(word))
            ):
                scores[i] = SCORE_CUE  # `Patient: Concepcion Yamamoto` (a label, not `by`: `Course by Problem`)
                continue
            age = self._introduces_age(words, i)
            cued = self._credential_follows(words, i) or age or self._is_signature(words, i)
            if cued and (self._plausible_name(word) or self._suspect(word.lower())):
                scores[i] = SCORE_CUE  # `report called to deb RN`
                continue
            if (
                (self._role_follows(words, i) or self._initial_follows(words, i))
                and (self._suspect(word.lower()) or (self._informative and self._cued_name_word(word)))
            ):
                scores[i] = SCORE_LIST  # `ABE KOWALCZUK (RESIDENT)`, `Pt Lena V. treated`
                continue
            if self._relation_follows(words, i) and self._cued_name_word(word) and self._shaped(word):
                scores[i] = SCORE_LIST  # `mark (nephew wesley)`, `Rusty Dennis (partner) 851 ...`
                continue
            if self._closing_line(words, i):
                scores[i] = SCORE_LIST  # a message's last line, alone after a blank line: `\n\nD'Asia`
                continue
            # `Concepcion is an 86-year-old`, `Lan Yamamoto, DO`: capitalised names WordNet lists as nouns.
            strong_cue = age or (
                i + 1 < len(words) and words[i + 1] == "," and self._credential_follows(words, i)
            )
            if strong_cue and self._informative and self._shaped(word) and self._cued_name_word(word):
                scores[i] = SCORE_CUE
                continue
            after_relation_initial = i > 1 and self._initial(words[i - 1]) and self._prev(words, i - 1) in RELATIONS
            if after_relation_initial and self._shaped(word) and word.lower() not in CALENDAR_WORDS:
                scores[i] = SCORE_CUE  # `brother M. Barrett`: relation and initial, even an eponym word
                continue
            if (
                self._informative
                and word.lower() in STOP_WORDS
                and self._in_lists(word.lower())
                and word[0].isupper()
                and TITLE_CASE_RE.fullmatch(word)
                and word.lower() not in CALENDAR_WORDS
                and self._after_relation(words, i)
            ):
                scores[i] = SCORE_RELATION  # `per brother Will by the 10th`: a first name that is a stop word
                continue
            if self._doubled_after_relation(words, i):
                scores[i] = SCORE_RELATION  # `son will will call`: the first is the name, the second the verb
                continue
            if not self._shaped(word):
                continue
            lower = word.lower()
            prev = self._prev(words, i)
            if self._eponym_follows(words, i) or lower in CALENDAR_WORDS:
                continue
            elif self._in_lists(lower) and not self._is_ambiguous(lower):
                scores[i] = SCORE_LIST
            elif self._in_lists(lower) and not is_allow_listed(lower) and i > 0 and self._initial(words[i - 1]):
                scores[i] = SCORE_LIST  # "I. Strong"
            elif i > 0 and self._initial(words[i - 1]) and self._suspect(lower):
                scores[i] = SCORE_LIST  # `R. OKAFOR AWARE`: an initial and a word no vocabulary knows
            elif self._after_relation(words, i) and (
                ((self._informative or self._in_lists(lower)) and not is_allow_listed(lower)) or self._suspect(lower)
            ):
                # Mixed case: `granddaughter Pearl` (capitalised, checked by `_shaped`); any case:
                # `SON TED`, `his dtr, nora,`, `WIFE-MAUD`, `dtr-in-law Pia`.
                scores[i] = SCORE_RELATION
            elif prev in ROLES and self._suspect(lower) and lower not in ROLES and lower not in CLINICIAN_ACTIONS:
                scores[i] = SCORE_RELATION  # `np marta notified`, `RN CORA LIND`, `wound nurse Hazel Quint`
            elif prev in ROLES and self._action_follows(words, i) and self._cued_name_word(word):
                scores[i] = SCORE_RELATION  # `RT IRIS ADJUSTED VENT`, `HO PAT AWARE`: a name that is also a word
            elif self._role_after_from(words, i) and self._suspect(lower):
                scores[i] = SCORE_RELATION  # `GUNNAR FROM RT DREW ABG`, `deb from case management`
        return scores
