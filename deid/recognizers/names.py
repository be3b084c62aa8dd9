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
from deid.recognizers.lexicon import (
    CALENDAR_WORDS,
    COMMON_WORD_NAMES,
    EnglishVocabulary,
    first_names,
    is_allow_listed,
    last_names,
    strong_names,
)
from deid.recognizers.vocabulary import PhilterVocabulary, philter_vocabulary

TITLES = frozenset("dr drs dr's doctor mr mrs ms miss mx prof professor".split())
CREDENTIALS = frozenset(
    """md m.d. m.d do d.o. rn np pa pa-c phd dds crnp lpn cna bsn msn aprn fnp dnp pharmd rph lcsw msw
    rrt cnm dpm facp facs mph""".split()
)
RELATIONS = frozenset(
    """wife husband son daughter mother father mom dad sister brother spouse partner friend niece nephew
    aunt uncle grandson granddaughter grandmother grandfather guardian caregiver boyfriend girlfriend
    fiance fiancee neighbor neighbour named cousin stepson stepdaughter stepmother stepfather sibling
    roommate grandma grandpa poa hcp proxy
    dtr dtrs dau gdtr sis bro hubby bf gf companion fiancé sons daughters dil sil gd gs gdau gson hus""".split()
)
# Roles written before a clinician's name in nursing notes (`np marta notified`, `RN CORA LIND`, `IV
# NURSE PAULA VANCE`, `sw ida`). After one, a listed name or a word in no vocabulary is a name.
ROLES = frozenset(
    """rn np pa md nurse resident intern fellow attending pharmacist pharmd sw cm rt chaplain interpreter
    dietitian nutritionist therapist tech pca sitter cna lpn hospitalist intensivist surgeon neurologist
    cardiologist oncologist pcp physician covering ho""".split()
)
# `per dr.lindqvist`, `DR.IBSEN`: a title glued to the name by its period is one token.
GLUED_TITLE_RE = re.compile(r"(?i:drs?|mrs?|ms)\.([^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*)\.?")
# Words that open a message to someone or sign it off (`hi bruno`, `thanks, fatima`, `this is Ann`).
GREETINGS = frozenset("hi hello hey dear".split())
SIGN_OFFS = frozenset("thanks thank thx ty regards sincerely cheers best love respectfully".split())
ADDRESS_CUES = GREETINGS | SIGN_OFFS | frozenset({"is", ",", "-", "--", "—"})  # the token before the name
# Words that end a name run even when capitalised: facility and address words, note headers,
# services and roles, greetings (not `love`, a sign-off that is a common surname: `Dr Love`).
NON_NAME_WORDS = GREETINGS | (SIGN_OFFS - {"love"}) | frozenset(
    """hospital clinic center centre medical health healthcare memorial university college institute
    street st avenue ave road rd drive lane blvd unit floor room service services department dept
    note plan assessment history patient pt
    cardiology surgery medicine neurology oncology radiology pathology psychiatry pediatrics orthopedics
    ortho urology nephrology gastroenterology hepatology pulmonology pulmonary dermatology hospitalist
    nursing pharmacy emergency team staff unknown resident attending nurse physician provider family
    self none on-call covering consult consultant primary""".split()
)
# Services and roles written like initials after `by` (`cleared by PT`, `seen by ID`): not a person's
# initials there. (In a signature, `- IR RN`, the same letters are initials.)
SERVICE_INITIALISMS = frozenset(
    "pt ot slp rt rn lpn cna np pa md sw cm id gi ent ir icu micu sicu ccu ed er or ct cxr ekg ecg eeg mri hd".split()
)
# Units and services that stand before `RN` or `is a 92 yo` (`MICU RN`, `PT IS A 92 YO`): not initials.
UNIT_INITIALISMS = frozenset("pt icu micu sicu ccu cvicu nicu picu pacu ed er iv".split())
# Addressed without being a name: `hi there`, `dear team`, `hello doctor`.
NOT_ADDRESSEES = frozenset("there all everyone team doctor doc nurse again folks guys sir madam maam".split())
# A name-list word followed by one of these is an eponym, not a person (Thomas splint, Bell palsy).
EPONYM_HEADS = frozenset(
    """syndrome disease disorder sign signs test score fracture maneuver manoeuvre procedure catheter
    drain tube criteria scale position lift bag splint palsy cyst lesion phenomenon reflex stockings
    hose classification staging stage law ulcer node nodes tumor tumour body bodies cell cells""".split()
)
# Field labels that introduce a person (`Patient: SMITH, JOHN`, `Read by Wyatt Loyal`, `cc: J. Lee`).
FIELD_LABELS = frozenset(
    """name patient pt attending referring pcp signed cc resident fellow surgeon physician provider
    author dictated transcribed cosigned ordering consultant interpreter contact proxy hcp poa
    guardian emergency by""".split()
)
CUE_WORDS = TITLES | RELATIONS | CREDENTIALS
# What a clinician does, written right after the name in nursing notes (`RT IRIS ADJUSTED VENT`).
CLINICIAN_ACTIONS = frozenset(
    """aware notified paged called adjusted placed updated met saw examined evaluated assessed ordered
    drew changed removed inserted informed consulted spoke reviewed started stopped gave""".split()
)
# Services a person comes from (`deb from case management`, `GUNNAR FROM RT`).
SERVICES = frozenset(
    """case management social work pharmacy nutrition dietary rehab cardiology surgery anesthesia
    respiratory radiology lab transport admitting security chaplaincy""".split()
)
AGE_WORD_PREFIXES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                     "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
                     "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred")
WORD_RE = re.compile(r"[^\W\d_][^\W\d_'’\-]*(?:['’][^\W\d_]+)?")
INITIAL_RE = re.compile(r"[A-Z]\.?")
TITLE_CASE_RE = re.compile(r"[^\W\d_][^\W\d_A-Z'’\-]+(?:[-'’][^\W\d_]+)*")
OBJECT_PRONOUNS = frozenset("him her me them".split())
CONJUNCTIONS = frozenset({"and", "&"})
INITIALS_RE = re.compile(r"[A-Z]{2,3}")
SIGNATURE_RE = re.compile(r"-{1,2}[A-Z]{2,3}")  # `-WR`, one token
# `-rk rn`, `-JS RN`: initials glued to a dash, then a credential, in any case.
SIGNED_INITIALS_RE = re.compile(r"-{1,2}[^\W\d_]{2,3}")
PHONE_START_RE = re.compile(r"\(?\d{3}")  # `cell 617-...`, `cell (617)`
# `O'CEALLAIGH`, `d'amico`: an Irish or Italian surname prefix, a name by its shape in any case.
NAME_PREFIX_RE = re.compile(r"[OoDd]['’][^\W\d_]{3,}")
POSSESSIVE = frozenset({"'s", "’s", "'", "’"})
HYPHENS = frozenset({"-", "'", "’"})

CLOSING_LINE_TOKENS = 6  # a signature line: two words and their punctuation
CAPS_WORD_SHARE = 0.6  # more ALL-CAPS words than this: an ALL CAPS note
LOWER_CAPITALISED_SHARE = 0.03  # fewer capitalised words than this: an all-lower-case note

SCORE_CUE = 0.9
SCORE_LIST = 0.75
SCORE_RELATION = 0.6


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


class NameRecognizer(EntityRecognizer):
    """Token-based person-name recognizer over the spaCy tokens in the NLP artifacts."""

    def __init__(
        self, english: EnglishVocabulary | None = None, vocabulary: PhilterVocabulary | None = None
    ) -> None:
        self._english = english or EnglishVocabulary()
        self._philter = vocabulary
        # Per-note state (line breaks, spacing, case mode): thread-local, the API analyses notes in
        # a thread pool with one shared engine.
        self._note = threading.local()
        super().__init__(supported_entities=[PhiLabel.NAME.value], name="ClinicalNameRecognizer")

    @property
    def _breaks(self) -> list[bool]:
        return self._note.breaks

    @property
    def _spaced(self) -> list[bool]:
        return self._note.spaced

    @property
    def _informative(self) -> bool:
        return self._note.informative

    def load(self) -> None:
        self._first = first_names()
        self._last = last_names()
        self._strong = strong_names()
        self._strong_or_common = self._strong | COMMON_WORD_NAMES
        philter = self._philter or philter_vocabulary()
        self._vocabulary = philter.non_names
        # Philter's name lists, less the words its own vocabulary holds (`union`, `hope`, `regional`):
        # evidence in a name-like position only (they also hold clinical initialisms such as `HOH`).
        self._philter_names = (philter.first_names | philter.last_names) - philter.non_names

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

    # --- word classes -------------------------------------------------------------------------
    def _in_lists(self, lower: str) -> bool:
        return lower in self._first or lower in self._last

    def _is_english(self, lower: str) -> bool:
        """Ordinary or medical vocabulary: WordNet, stop words, or Philter's non-name words."""
        return self._english.has_word(lower) or lower in STOP_WORDS or lower in self._vocabulary

    def _suspect(self, lower: str) -> bool:
        """In a name-like position (after a relation, a role, a title), a listed name or a word that no
        vocabulary knows; a vocabulary word there needs a stronger cue (Philter's idea, targeted)."""
        if WORD_RE.fullmatch(lower) is None or lower in CALENDAR_WORDS or lower in SERVICE_INITIALISMS:
            return False
        if lower in ROLES or lower in NON_NAME_WORDS:
            return False
        if is_allow_listed(lower) and lower not in self._first:
            return False  # `TED stockings` is caught by the eponym check; `SON TED` is a name
        if lower in self._vocabulary:
            return lower in self._strong and lower not in COMMON_WORD_NAMES and lower not in STOP_WORDS
        return self._in_lists(lower) or lower in self._philter_names or not self._is_english(lower)

    def _is_ambiguous(self, lower: str) -> bool:
        """A list name that is also an ordinary word: needs a cue or a neighbouring name."""
        return (
            lower in COMMON_WORD_NAMES
            or lower in CLINICIAN_ACTIONS  # `RT DREW ABG`
            or lower in STOP_WORDS
            or is_allow_listed(lower)
            or self._english.has_non_noun(lower)
            or ((self._english.has_word(lower) or lower in self._vocabulary) and lower not in self._strong)
        )

    def _shaped(self, word: str) -> bool:
        """Could be part of a name, by form alone."""
        if WORD_RE.fullmatch(word) is None:
            return False
        if self._informative and (not word[0].isupper() or (word.isupper() and len(word) <= 4)):
            return False  # lower case, or an acronym (GERD, AKI) in a mixed-case note
        lower = word.lower()
        return (
            lower not in NON_NAME_WORDS and lower not in STOP_WORDS and lower not in CUE_WORDS and lower not in ROLES
        )

    def _prev(self, words: list[str], i: int) -> str:
        return _norm(words[i - 1]) if i > 0 and not self._breaks[i - 1] else ""

    def _is_title_before(self, words: list[str], i: int) -> bool:
        """A title ends right before token i: `Dr.`, `MRS` or `MRS` + `.` (split off by the tokenizer)."""
        prev = self._prev(words, i)
        if prev in TITLES:
            return True
        return words[i - 1] == "." and i > 1 and not self._spaced[i - 2] and self._prev(words, i - 1) in TITLES

    def _after_title(self, words: list[str], i: int) -> bool:
        """`Dr. Smith`, `Dr. G. Smith`."""
        if self._is_title_before(words, i):
            return True
        return i > 1 and self._initial(words[i - 1]) and self._is_title_before(words, i - 1)

    @staticmethod
    def _introduces_age(words: list[str], i: int) -> bool:
        """`Lance is a 15 yo ...`, `White is an eighty-nine-year-old ...`: the H&P opening line."""
        following = [w.lower() for w in words[i + 1 : i + 4]]
        return (
            len(following) == 3
            and following[0] == "is"
            and following[1] in {"a", "an"}
            and (following[2][:1].isdigit() or following[2].startswith(AGE_WORD_PREFIXES))
        )

    def _initial(self, word: str) -> bool:
        return _is_dotted_initial(word, any_case=not self._informative)

    def _after_field_label(self, words: list[str], i: int) -> bool:
        """`Patient: X`, `Pt name: X`, `Read by X`, `SIGNED: X` (the label ends with a colon or is `by`)."""
        prev = self._prev(words, i)
        if prev in {"by", "called", "named"}:
            lower = words[i].lower()  # not `cleared by PT`, `seen by ID`, `CALLED AT MN BY LAB`
            initials_word = INITIALS_RE.fullmatch(words[i]) is not None and self._is_english(lower)
            return lower not in SERVICE_INITIALISMS and not initials_word
        if prev in {"is", "?"} and i > 1 and _norm(words[i - 2]) == "name":
            return True  # "my name is X", "What's your name? X"
        if prev in OBJECT_PRONOUNS and i > 1 and _norm(words[i - 2]) in {"named", "call", "called"}:
            return True  # "named him X", "call me X"
        return prev == ":" and i > 1 and not self._breaks[i - 2] and _norm(words[i - 2]) in FIELD_LABELS

    def _plausible_name(self, word: str) -> bool:
        """With a strong cue, any case: a listed name or a word that is not ordinary English."""
        if WORD_RE.fullmatch(word) is None:
            return False
        lower = word.lower()
        if lower in CUE_WORDS or lower in CALENDAR_WORDS or lower in STOP_WORDS:
            return False
        if INITIALS_RE.fullmatch(word):
            return lower not in UNIT_INITIALISMS  # `PR RN` signs; `ICU RN` does not
        return lower not in NON_NAME_WORDS and (self._in_lists(lower) or not self._is_english(lower))

    def _cued_name_word(self, word: str) -> bool:
        """After a structural cue (title, field label, relation with `Last, First`): a name unless it
        is ordinary vocabulary used as a verb, adjective or adverb. WordNet also lists surnames and
        towns as nouns (`Yamamoto`, `Romer`, `Concepcion`), so a noun does not rule a name out."""
        if WORD_RE.fullmatch(word) is None:
            return False
        lower = word.lower()
        if lower in CUE_WORDS or lower in CALENDAR_WORDS or lower in STOP_WORDS or lower in NON_NAME_WORDS:
            return False
        if is_allow_listed(lower):
            return False
        if lower in self._vocabulary and lower not in self._strong_or_common and not self._in_lists(lower):
            return False  # `dr brenan spoke`: Philter's vocabulary holds no surname WordNet lists as a noun
        # A census-list name (`Rose`, `Bud`) or a name that is a word (`Ruby`, `Young`) counts even when it
        # is also a verb or an adjective.
        return lower in self._strong or lower in COMMON_WORD_NAMES or not self._english.has_non_noun(lower)

    def _eponym_follows(self, words: list[str], i: int) -> bool:
        j = i + 1
        while j < len(words) and (words[j] in POSSESSIVE or words[j] in HYPHENS):
            j += 1
        if j < len(words) and words[j].lower() == "cell" and (
            words[j - 1] in POSSESSIVE or (j + 1 < len(words) and PHONE_START_RE.match(words[j + 1]) is not None)
        ):
            return False  # `daughter Bryony's cell is ...`, `son Ivo Marsh cell 555-...`: a phone, not a Hurthle cell
        return j < len(words) and words[j].lower() in EPONYM_HEADS

    # --- seeds --------------------------------------------------------------------------------
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

    def _doubled_after_relation(self, words: list[str], i: int) -> bool:
        """A listed name that is also a word, written twice after a relation (`DTR MAY MAY VISIT`)."""
        return (
            i + 1 < len(words)
            and not self._breaks[i]
            and words[i + 1].lower() == words[i].lower()
            and self._in_lists(words[i].lower())
            and words[i].lower() not in CALENDAR_WORDS
            and self._after_relation(words, i)
        )

    def _role_follows(self, words: list[str], i: int) -> bool:
        """`KOWALCZUK (RESIDENT)`, `Per Bao (pharmacy)`: a role or service in parentheses after the name."""
        return (
            i + 3 < len(words)
            and words[i + 1] == "("
            and _norm(words[i + 2]) in ROLES | CREDENTIALS | SERVICE_INITIALISMS | NON_NAME_WORDS
            and words[i + 3] == ")"
        )

    def _relation_follows(self, words: list[str], i: int) -> bool:
        """`mark (nephew wesley rodriguez)`, `Ana Ruiz (daughter) 555-...`: a relation word opens the
        parentheses right after the name."""
        return (
            i + 2 < len(words)
            and not self._breaks[i]
            and words[i + 1] == "("
            and self._relation_at(words, i + 2)
        )

    def _action_follows(self, words: list[str], i: int) -> bool:
        """`RT IRIS ADJUSTED`, `HO PAT AWARE`: a clinician's action right after the name."""
        return i + 1 < len(words) and not self._breaks[i] and words[i + 1].lower() in CLINICIAN_ACTIONS

    def _role_after_from(self, words: list[str], i: int) -> bool:
        """`GUNNAR FROM RT`, `deb from case management`: who someone is, after `from`."""
        if i + 2 >= len(words) or self._breaks[i] or self._breaks[i + 1] or words[i + 1].lower() != "from":
            return False
        following = _norm(words[i + 2])
        return following in ROLES or following in SERVICE_INITIALISMS or following in SERVICES

    def _closing_line(self, words: list[str], i: int) -> bool:
        """The last line of a message, after a blank line, of one or two words that are names or in no
        vocabulary (`\n\nD'Asia`, `\n\nZofia Wrzesniewska`): a signature."""
        if i == 0 or len(words) - i > CLOSING_LINE_TOKENS or words[i - 1].count("\n") < 2:
            return False
        if not words[i - 1].isspace():
            return False
        rest = [w for w in words[i:] if not w.isspace() and WORD_RE.fullmatch(w)]
        tail = [w for w in words[i:] if not w.isspace() and not WORD_RE.fullmatch(w)]
        if not 1 <= len(rest) <= 2 or any(w not in {".", "-", ","} for w in tail):
            return False
        return all(
            self._shaped(w) and not is_allow_listed(w.lower())
            and ((self._in_lists(w.lower()) and not self._is_ambiguous(w.lower())) or not self._is_english(w.lower()))
            for w in rest
        )

    def _initial_follows(self, words: list[str], i: int) -> bool:
        """`Lena V.` (question style: a first name and the initial of the surname)."""
        if i + 1 >= len(words) or self._breaks[i] or WORD_RE.fullmatch(words[i]) is None:
            return False
        following = words[i + 1]
        return len(following) == 2 and following[1] == "." and following[0].isupper() and following[0] not in "AI"

    def _relation_at(self, words: list[str], j: int) -> bool:
        """Token j is a relation word, or the `law` of `dtr-in-law` / `son in law`."""
        word = _norm(words[j])
        if word in RELATIONS:
            return True
        return word == "law" and j > 2 and words[j - 1] in {"-", "in"} and (
            words[j - 2].lower() == "in" or words[j - 2] == "-"
        )

    def _after_relation(self, words: list[str], i: int) -> bool:
        """`son Ted`, `his dtr, nora`, `WIFE-MAUD`, `dtr-in-law Pia`, `proxy is niece, Ana`, `HCP: Ana`."""
        j = i - 1
        if j < 0 or self._breaks[j]:
            return False
        if words[j] in {",", "-", ":"} or words[j].lower() in {"is", "named"}:
            j -= 1
            if j < 0 or self._breaks[j]:
                return False
        return self._relation_at(words, j)

    def _middle_initial_name(self, words: list[str], i: int) -> bool:
        """`First M. Last` in a mixed-case note: a name by its shape when neither word is ordinary
        or medical vocabulary (listed names excepted), not `Vitamin D Deficiency` or `Factor V Leiden`."""
        if not self._informative or i + 2 >= len(words) or self._breaks[i] or self._breaks[i + 1]:
            return False
        first, initial, last = words[i], words[i + 1], words[i + 2]
        if INITIAL_RE.fullmatch(initial) is None or self._eponym_follows(words, i + 2):
            return False
        return all(
            TITLE_CASE_RE.fullmatch(w) is not None
            and self._shaped(w)
            and not is_allow_listed(w.lower())
            and (self._in_lists(w.lower()) or not self._is_english(w.lower()))
            for w in (first, last)
        )

    def _comma_name_after_cue(self, words: list[str], i: int) -> bool:
        """`Last, First` right after a relation word or a field label, in any case."""
        if i + 2 >= len(words) or words[i + 1] != "," or self._breaks[i] or self._breaks[i + 1]:
            return False
        prev = self._prev(words, i)
        cued = prev in RELATIONS or self._after_field_label(words, i)
        return cued and self._cued_name_word(words[i]) and self._given_name_after_comma(words[i + 2])

    def _given_name_after_comma(self, word: str) -> bool:
        """The first name of a cued `LAST, FIRST` (`wife BUI, YEN`): any name-shaped word but a function,
        calendar or clinical word, or an adjective or a verb that is not a listed name (`AWARE`)."""
        lower = word.lower()
        if self._cued_name_word(word):
            return True
        if WORD_RE.fullmatch(word) is None or is_allow_listed(lower) or lower in STOP_WORDS or lower in CUE_WORDS:
            return False
        if lower in NON_NAME_WORDS or lower in ROLES or lower in CALENDAR_WORDS:
            return False
        return self._in_lists(lower) or not self._is_english(lower)

    def _eponym_surname(self, word: str) -> bool:
        """After a title, a surname that is also a medical eponym (`DR MURPHY`, `dr.morse`, `Dr. Foley`)."""
        lower = word.lower()
        return WORD_RE.fullmatch(word) is not None and is_allow_listed(lower) and self._in_lists(lower) and (
            lower not in CALENDAR_WORDS
        )

    def _addressed_or_signed(self, words: list[str], i: int) -> bool:
        """Message openings and sign-offs: `hi bruno`, `dear Ann`, `this is Ann`, `thanks, fatima`,
        a line `- grace gonzalez`. A sign-off name runs to the end of its line."""
        word = words[i]
        prev = self._prev(words, i)
        if prev not in ADDRESS_CUES:
            return False  # the cue comes first: cheap to test on every token
        if word.lower() in NOT_ADDRESSEES or not self._cued_name_word(word):
            return False
        if not self._informative and word.isupper() and len(word) > 1:
            return False  # ALL CAPS: too many headers look like this
        if prev in GREETINGS:
            return True
        if prev == "is" and i > 1 and _norm(words[i - 2]) == "this":
            return True
        before = self._prev(words, i - 1) if prev == "," else prev
        if prev in {"-", "--", "—"} and (i == 1 or self._breaks[i - 2]):
            # A dashed line is a list item unless it is a name: listed or unknown words, or the
            # closing line of a message (`- concepcion yamamoto`).
            last_line = "\n" not in "".join(words[i:]).strip()
            closing = last_line and not self._informative
            signed = closing or self._in_lists(word.lower()) or not self._is_english(word.lower())
        else:
            signed = before in SIGN_OFFS
        if not signed:
            return False
        return any(self._ends_line(words, end) for end in range(i, min(i + 3, len(words))))

    def _ends_line(self, words: list[str], i: int) -> bool:
        """Token i is the last of its line (the tokenizer keeps a line break as its own token)."""
        if i + 1 == len(words) or "\n" in words[i + 1] and words[i + 1].isspace():
            return True
        return "\n" in words[i] and words[i].isspace()

    def _is_signature(self, words: list[str], i: int) -> bool:
        """`-CW` / `- PB` at the end of a line: a nurse's initials signing an entry."""
        if INITIALS_RE.fullmatch(words[i]) is None or i == 0 or words[i - 1] not in {"-", "--"}:
            return False
        return i + 1 == len(words) or self._breaks[i]

    def _initial_and_credential_follow(self, words: list[str], i: int) -> bool:
        return i + 1 < len(words) and self._initial(words[i + 1]) and self._credential_follows(words, i + 1)

    def _credential_follows(self, words: list[str], i: int) -> bool:
        """`Smith, MD`, `Smith MD`, `JS/RN`, `Holly M. RN`."""
        j = i + 1
        if j < len(words) and self._initial(words[j]) and not self._breaks[i]:
            j += 1
        if j < len(words) and words[j] in {",", "/"} and not self._breaks[j - 1]:
            j += 1
        if j >= len(words) or self._breaks[j - 1]:
            return False
        credential = words[j]
        return _norm(credential) in CREDENTIALS and (
            credential[:1].isupper() or not self._informative or self._lower_case_line(words, j)
        )

    def _lower_case_line(self, words: list[str], i: int) -> bool:
        """Token i stands on a line without capitals (`-- t. okoro, rn` signing a mixed-case note)."""
        start = i
        while start > 0 and not self._breaks[start - 1]:
            start -= 1
        end = i
        while end + 1 < len(words) and not self._breaks[end]:
            end += 1
        return not any(c.isupper() for w in words[start : end + 1] for c in w)

    def _propagate(self, words: list[str], scores: list[float]) -> bool:
        """A surname found once (`Dr. Vattimo`) is a name wherever else the note uses it."""
        known = {
            w.lower()
            for w, s in zip(words, scores, strict=True)
            if s and len(w) > 2 and WORD_RE.fullmatch(w) and (
                (not self._is_ambiguous(w.lower()) and not self._is_english(w.lower()))
                # Named after a title or a label (`Dr Romer`): also when WordNet lists it as a noun.
                or (s >= SCORE_CUE and self._cued_name_word(w) and (
                    self._informative or not self._english.has_non_noun(w.lower())))
                # Named after a relation or a role (`RN CORA LIND ... PAGE CORA`): a word no vocabulary holds.
                or (self._suspect(w.lower()) and not self._is_english(w.lower()))
            )
        }
        added = False
        for i, word in enumerate(words):
            if not scores[i] and word.lower() in known and self._shaped(word):
                scores[i] = SCORE_RELATION
                added = True
        return added

    # --- extension ----------------------------------------------------------------------------
    def _extend(self, words: list[str], scores: list[float]) -> None:
        """Grow each seed over adjacent name tokens and initials (`J. Smith`, `Mary Ann Kowalczyk`,
        `Smith-Jones`, `Smith, John`, `Kowalczyk, Anna, RN`)."""
        n = len(words)
        stack = [i for i in range(n) if scores[i]]
        while stack:
            i = stack.pop()
            for step in (-1, 1):
                j = i + step
                if not 0 <= j < n or scores[j] or self._breaks[min(i, j)]:
                    continue
                if self._joins(words, j, step, scores[i]):
                    scores[j] = scores[i]
                    stack.append(j)
                elif words[j] == "," and 0 <= j + step < n and not scores[j + step]:
                    k = j + step
                    if not self._breaks[min(j, k)] and self._comma_joins(words[k], scores[i]):
                        scores[k] = scores[i]
                        stack.append(k)
                elif words[j].lower() in CONJUNCTIONS and 0 <= j + step < n and not scores[j + step]:
                    k = j + step
                    # The run's best score (`Drs O'Brien-Johnston and Taylor`: the title scored O'Brien).
                    run_score = max(scores[max(0, i - 4) : i + 1])
                    if not self._breaks[min(j, k)] and self._coordinated_name(words, k, run_score):
                        scores[k] = scores[i]
                        stack.append(k)

    def _coordinated_name(self, words: list[str], k: int, seed_score: float) -> bool:
        """`Marrero and Murphy`, `Usamov & Bowers`: in a mixed-case note, a capitalised word joined to a
        name by `and` is a name when it is not vocabulary (or is an unambiguous list name). In any case
        after a title: `drs feld and amato`."""
        word = words[k]
        if not self._shaped(word) or self._eponym_follows(words, k):
            return False
        if seed_score >= SCORE_CUE and self._cued_name_word(word) and (not self._informative or word[0].isupper()):
            return True  # after a title or label: `DRS WRIGHT AND WALKER`, `Drs Feld and Walker`
        if not self._informative:  # `drs feld and amato`, `DTRS AMARA AND CHIOMA`
            return seed_score >= SCORE_RELATION and self._suspect(word.lower())
        lower = word.lower()
        if is_allow_listed(lower) or TITLE_CASE_RE.fullmatch(word) is None:
            return False
        return (self._in_lists(lower) and not self._is_ambiguous(lower)) or not self._is_english(lower)

    def _comma_joins(self, word: str, seed_score: float) -> bool:
        """`Smith, John` / `Kowalczyk, Anna, RN`: the other side of a comma is part of the name."""
        if not self._shaped(word) or _norm(word) in CREDENTIALS:
            return False
        lower = word.lower()
        if not self._in_lists(lower) or lower in CALENDAR_WORDS:
            return seed_score >= SCORE_CUE and self._cued_name_word(word)
        return not self._is_ambiguous(lower) or self._informative or seed_score >= SCORE_CUE

    def _joins(self, words: list[str], j: int, step: int, seed_score: float) -> bool:
        """May token j, on side `step` of a name token, continue that name?"""
        word = words[j]
        if j > 1 and words[j - 1] == "/" and len(words[j - 2]) == 1 and _is_dotted_initial(word, any_case=True):
            return False  # the end of a slashed abbreviation: `i/o.`, `s/p.`
        if step == -1 and seed_score >= SCORE_CUE and _is_dotted_initial(word, any_case=True) and (
            self._lower_case_line(words, j)
        ):
            return True  # `-- t. okoro, rn`: a lower-case signature line
        if INITIAL_RE.fullmatch(word) or (not self._informative and self._initial(word)):
            # "J. Smith", "Smith J." and "J Smith"; a bare capital after a name is usually not an initial.
            if word in {"A", "I"} and not self._informative:
                return False
            return word.endswith(".") or step == -1
        if word in HYPHENS:
            k = j + step
            glued = not self._spaced[j] and not self._spaced[j - 1]
            return glued and 0 <= k < len(words) and self._shaped(words[k])
        hyphen = j - step
        if words[hyphen] in HYPHENS and not self._spaced[min(hyphen, j)]:
            return self._shaped(word)  # the rest of a hyphenated name: `Mei-Ling`, whatever `Ling` means alone
        if not self._shaped(word) or self._eponym_follows(words, j) or word.lower() in CALENDAR_WORDS:
            return False
        lower = word.lower()
        if self._in_lists(lower) and (not self._is_ambiguous(lower) or self._informative):
            return True
        if lower in self._philter_names and not self._english.has_non_noun(lower):
            return True  # `SON DESMOND PRYCE`: a listed name that no vocabulary holds
        if self._in_lists(lower) and step == -1 and seed_score >= SCORE_CUE and not is_allow_listed(lower):
            return True  # a first name before a cued surname: `WEI ROSE, LPN`
        if seed_score >= SCORE_CUE and self._cued_name_word(word):
            return True  # `Dr. Inna Romer`: a surname WordNet lists as a noun
        if seed_score >= SCORE_CUE or self._informative:
            return not self._is_english(lower)
        if NAME_PREFIX_RE.fullmatch(word):
            return not self._is_english(lower)  # `NURSE AOIFE O'DONNCHA`
        # `SON IVO KRASTEVICH`: after a relative's first name, a word no vocabulary holds is the surname.
        return step == 1 and len(lower) > 2 and lower.isalpha() and not self._is_english(lower) and (
            self._after_relation(words, j - 1)
        )

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


def _is_dotted_initial(token_text: str, any_case: bool = False) -> bool:
    """`J.`; in an all-lower-case note also `j.`."""
    return len(token_text) == 2 and token_text[1] == "." and (token_text[0].isupper() or (
        any_case and token_text[0].isalpha()))
