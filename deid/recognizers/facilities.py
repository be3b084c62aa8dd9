"""Facilities, wards and employers called by a short name, in any letter case.

Nursing notes name the place a patient moves to or comes from by its nickname, often with a ward
number (`TRANSFERRED TO SIBLEY 4`, `back to harbourview in am`, `admitted from good samaritan rehab`),
and the social history names employers the same way (`husband works for Raytheon`). Questions name a
hospital by its proper name alone (`treated at Lakeview Regional`, `seen at St. Brendan's`).

After a movement, care or work cue (`transferred to`, `f/u at`, `works for`), the next words are a
facility when they are proper names: words in no vocabulary (Philter's non-names, WordNet), listed
person names or places, or words hospitals are named with (`Samaritan`, `Memorial`, `Regional`). A
phrase of vocabulary words needs such a word or a facility head after it (`HOPE LODGE`), so that
`transferred to floor`, `back to baseline` and `works for the city` stay. The ward number is not part
of the name. `St./Saint` + a name is a hospital (or a town: PHI either way) anywhere, except the herb."""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from deid.labels import PhiLabel
from deid.recognizers.base import case_is_informative, other_occurrences
from deid.recognizers.facility_phrases import GAP, PLACE_WORD, POSSESSIVE_SUFFIX, FacilityPhrases
from deid.recognizers.gazetteer import country_names, is_place
from deid.recognizers.lexicon import EnglishVocabulary
from deid.recognizers.lexicon.people import EPONYM_HEADS
from deid.recognizers.lexicon.places import CARE_PLACES, CARE_TIMES, GENERIC_EMPLOYERS, HOLIDAYS, HOSPITAL_NAME_WORDS
from deid.recognizers.vocabulary import PhilterVocabulary

# Verbs of moving and care, of following up, and of work, each with the prepositions that introduce a
# place after it (`treated for` introduces a disease, `note for work` is no employer).

# Verbs of moving and care, of following up, and of work, each with the prepositions that introduce a
# place after it (`treated for` introduces a disease, `note for work` is no employer).
FACILITY_CUE = regex.compile(
    r"\b(?:"
    r"(?:transferr?(?:ed|ing)?|xferr?(?:ed)?|trans|admit(?:ted)?|readmit(?:ted)?|sent|back|returned|return|"
    r"returning|go|going|goes|went|came|comes|arrived|brought|taken|transported|discharged|d/c'?d|dc'?d|d/c|"
    r"seen|treated|hospitali[sz]ed|accepted|spent|stay(?:s|ed|ing)?|outpatient|bed|transfer|presented|presenting|"
    r"flown|flew|(?:med|life)?-?flighted|airlifted)"
    # `admitted 1/11 from`, `ADMITTED THE 24TH FROM`, `came to us from`, `sent back over to`.
    r"(?:[ \t]+(?:back|over|here|there|him|her|them|out|up|pt|patient|to[ \t]+us|the[ \t]+\d\d?(?:st|nd|rd|th)|"
    r"\d[\d/]*(?:st|nd|rd|th)?(?:[ \t]+\p{L}{3,9}\.?)?|\p{L}{3,9}\.?[ \t]+\d\d?(?:st|nd|rd|th)?))?"
    r"[ \t]+(?:to|from|at|in|into)"
    r"|(?:f/u|follow(?:ed|ing)?[ -]up)[ \t]+(?:at|with|in)"
    r")[ \t]+(?:the[ \t]+)?",
    regex.IGNORECASE,
)
# Cues that also introduce diseases and services (`screening for colon cancer`, `referred to cardiology`):
# only proper words or a facility head make a name after them (`screening for hebrew seniorlife`).
WEAK_FACILITY_CUE = regex.compile(
    r"\b(?:screening|screened|refer|referred|referral|placement|bed[ \t]+offer(?:ed)?)[ \t]+(?:for|to|at|by)"
    r"[ \t]+(?:the[ \t]+)?",
    regex.IGNORECASE,
)
# Work cues, after which the next words name an employer whatever they are (`works for Target`, `retired
# from GE`, `works nights at home depot`, `IS A FIREFIGHTER WITH FDNY`), unless they are a kind of
# work or a generic employer (`works for the city`, `retired from teaching`, `works for a bank`).
EMPLOYER_CUE = regex.compile(
    r"\b(?:(?:works|worked|working|employed|retired|volunteers?|volunteered)"
    r"(?:[ \t]+(?:nights|days|evenings|weekends|part[ -]time|full[ -]time|there|now|still|currently))?"
    r"(?:[ \t]+as[ \t]+an?(?:[ \t]+\p{L}+){1,3}?)?[ \t]+(?:for|at|by|from|with)"
    r"|(?:is|was|as)[ \t]+an?(?:[ \t]+\p{L}+)?[ \t]+\p{L}+(?:er|or|ist|man|men|ian|ant|ent|nurse|aide|tech|clerk)"
    r"[ \t]+(?:for|at|with)"
    # `RETIRED MACHINIST AT X`; not `with` (`retired teacher with dementia`).
    r"|(?:retired|former|ex-?)(?:[ \t]+\p{L}+)?[ \t]+\p{L}+(?:er|or|ist|man|men|ian|ant|ent|nurse|aide|tech|clerk)"
    r"[ \t]+(?:for|at)"
    # `cleans offices for X`, `drives for X`: a trade's verb, its object, then the employer.
    r"|(?:cleans|cleaned|drives|drove|delivers|delivered|cooks|cooked|teaches|taught|tutors|bartends|waitresses)"
    r"(?:[ \t]+\p{L}+)?[ \t]+(?:for|at))[ \t]+(?P<the>the[ \t]+)?",
    regex.IGNORECASE,
)
# `RETIRED CON ED LINEMAN`, `retired USPS mail carrier`: an employer between `retired` and a trade.
RETIRED_TRADE = regex.compile(
    r"\bretired[ \t]+(?P<name>\p{L}[\p{L}&'’-]*(?:[ \t]+\p{L}[\p{L}&'’-]*)?)[ \t]+(?:\p{L}+[ \t]+)?"
    r"(?P<trade>\p{L}+(?:er|or|man|men|ian|ist|clerk))\b",
    regex.IGNORECASE,
)
# `OSH WAS PENROSE VALLEY`, `outside hospital: Lakeside`: the name of the hospital the note refers to.
OSH_NAMED = regex.compile(
    r"\b(?:osh|outside[ \t]+hospital|referring[ \t]+hospital|transferring[ \t]+hospital)"
    r"(?:[ \t]+(?:was|is|=)|[ \t]*[:(-])[ \t]*(?:the[ \t]+)?",
    regex.IGNORECASE,
)
# Treatment or care earlier in the clause (`chemo at moffitt`, `methotrexate was started at HSS`, `f/u
# with cards at tufts`, `methadone she gets at CODAC`): the word after `at`/`from` is a place even when
# short and upper case, unless it is vocabulary or a time or rate of the treatment (`at HS`, `at KVO`).
CARE_CONTEXT = regex.compile(
    r"\b(?i:chemo\w*|radiation|xrt|dialysis|hd|infusions?|transfusions?|methadone|suboxone|treatment|therapy|"
    r"f/u|follow[ -]?up|appt|appointment|surgery|started|gets|receives|received|receiving|cards|onc)\b"
    r"[^.,;:!?\n]{0,40}\Z"
)
COMPARISON_AFTER = regex.compile(r"[ \t]*[<>=\d]")
# `left Hammersmith on 12 March`: a place left on a day, not a side (`left IJ in place`, `left AMA on`).
LEFT_PLACE = regex.compile(
    r"\b(?i:left)[ \t]+(?P<name>\p{L}[\p{L}'’-]+)(?=[ \t]+(?i:on|in|after|yesterday|last|this)\b)"
)
# A place preposition alone (`at Vanderbilt`, `from SHANDS`, `at beaumont`): only a word that is a listed
# name or place and no vocabulary, or, in mixed case, a capitalised word no vocabulary holds.
PLACE_PREPOSITION = regex.compile(r"\b(?:(?:at|from)[ \t]+(?:the[ \t]+)?|in[ \t]+the[ \t]+)", regex.IGNORECASE)
SAINT = regex.compile(
    r"\b(?i:st|ste|saint|mount|mt)\.?[ \t]+(?P<name>\p{L}[\p{L}-]*)(?:['’](?i:s)?)?(?![\p{L}'’])(?![ \t]+(?i:wort)\b)"
)
# `Lakeview Regional`; not `Attorney General` (a vocabulary word before the ending).
HOSPITAL_ENDING = regex.compile(
    r"(?<![\w'’-])(?P<name>\p{Lu}[\p{L}'’-]++)[ \t]+"
    r"(?P<ending>Regional|Memorial|General|Community|Presbyterian|Methodist|Baptist|Mercy|Samaritan)\b"
)
# `switched from Coumadin`, `weaned from Levophed`: a drug, not a place.
CHANGE_BEFORE = regex.compile(
    r"(?i:switch(?:ed)?|chang(?:ed|e)|convert(?:ed)?|transition(?:ed)?|wean(?:ed)?|titrat(?:ed|e)|taper(?:ed)?|"
    r"off|stop(?:ped)?|increased|decreased)[ \t]+\Z"
)
TO_AFTER = regex.compile(r"[ \t]+(?i:to)[ \t]+\p{Lu}")
WORDS_BEFORE = regex.compile(r"\p{L}[\p{L}'’-]*")
NEXT_PLACE_WORD = regex.compile(r"[ \t]{1,2}(\p{L}+)")
NEXT_WORD = regex.compile(r"(?:['’]s)?[ \t]+([\p{L}\d])")


class FacilityNameRecognizer(FacilityPhrases, EntityRecognizer):
    """Facilities, wards and employers after movement, care and work cues, places after `at`/`from`,
    `St./Saint` names and `X Regional`; phrase reading in `FacilityPhrases`, word classes in
    `FacilityWords`."""

    SCORE = 0.6

    def __init__(
        self, english: EnglishVocabulary | None = None, vocabulary: PhilterVocabulary | None = None
    ) -> None:
        self._english = english or EnglishVocabulary()
        self._philter = vocabulary
        super().__init__(supported_entities=[PhiLabel.HOSPITAL.value], name="FacilityNameRecognizer")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        informative = case_is_informative(text.split())
        spans: list[tuple[int, int]] = []
        for cue in FACILITY_CUE.finditer(text):
            span = self._name_after(text, cue.end(), informative)
            if span:
                spans.append(span)
        for cue in WEAK_FACILITY_CUE.finditer(text):
            span = self._name_after(text, cue.end(), informative, strict=True)
            if span:
                spans.append(span)
        for cue in EMPLOYER_CUE.finditer(text):
            span = self._employer_after(text, cue.end(), informative, after_the=bool(cue.group("the")))
            if span:
                spans.append(span)
        for cue in OSH_NAMED.finditer(text):
            span = self._employer_after(text, cue.end(), informative, after_the=False, named=True)
            if span:
                spans.append(span)
        for trade in RETIRED_TRADE.finditer(text):
            name = trade.group("name")
            if any(w.lower() in STOP_WORDS for w in (*name.split(), trade.group("trade"))):
                continue  # `retired from Pfizer after`
            if self._employer_words(name, after_the=False):
                words = name.split()
                if len(words) == 2 and words[1].lower() in GENERIC_EMPLOYERS:  # `USPS MAIL CARRIER`
                    spans.append((trade.start("name"), trade.start("name") + len(words[0])))
                else:
                    spans.append(trade.span("name"))
        cued = {start for start, _ in spans}
        for place in PLACE_PREPOSITION.finditer(text):
            word = PLACE_WORD.match(text, place.end())
            if word is None or word.start() in cued or self._eponym_follows(text, word.end()):
                continue  # `tender at McBurney's point`
            headed = self._name_after(text, place.end(), informative, require_head=True)
            if headed:
                spans.append(headed)
            elif place.group().lower().startswith(("at", "from")):
                found = [
                    self._named_place(text, place.start(), word, informative),
                    self._cared_place(text, place.start(), word, informative),
                ]
                named = [span for span in found if span]
                if named:
                    spans.append(max(named, key=lambda span: span[1]))  # `at davita ridgeway`
        for left in LEFT_PLACE.finditer(text):
            name = left.group("name")
            lower = name.lower()
            if len(lower) > 3 and self._proper(lower) and (not informative or name[0].isupper()):
                spans.append(left.span("name"))
        spans += self._alternatives(text, spans, informative)
        for saint in SAINT.finditer(text):
            name = saint.group("name")
            lower = name.lower()
            proper = self._proper(lower) or is_place(lower) or (informative and self._capitalised(name, lower))
            if proper and (not informative or name[0].isupper()):
                spans.append(saint.span())
        if informative:
            for match in HOSPITAL_ENDING.finditer(text):
                if not self._is_vocabulary(match.group("name").lower()):
                    spans.append(match.span())
        results = [RecognizerResult(PhiLabel.HOSPITAL.value, start, end, self.SCORE) for start, end in spans]
        # A facility named once is named everywhere else in the note (`managed at the SHNH clinic` ...
        # `arranged through SHNH`), unless its name is one ordinary word.
        names = {text[start:end] for start, end in spans}
        spread = [n for n in names if " " in n or (len(n) > 2 and not self._is_vocabulary(n.lower()))]
        return results + other_occurrences(text, results, spread, PhiLabel.HOSPITAL.value, self.SCORE)

    @staticmethod
    def _eponym_follows(text: str, end: int) -> bool:
        following = PLACE_WORD.search(text, end, min(len(text), end + 24))
        return following is not None and following.group().lower() in EPONYM_HEADS | {"point"}

    def _named_place(
        self, text: str, preposition: int, word: regex.Match[str], informative: bool
    ) -> tuple[int, int] | None:
        """After a bare `at`/`from`: stricter than after a movement cue (`at bedside`, `at HS`). A
        country is not PHI (Safe Harbor): `emigrated from India` stays. In mixed case a capitalised
        word in running text (its neighbours in lower case) is a proper name (`at Cedars`, `discharged
        from Northwestern`), with the capitalised words after it (`at Lenox Hill`); not a drug someone
        is switched from (`changed from Coumadin to Eliquis`)."""
        value = word.group()
        lower = POSSESSIVE_SUFFIX.sub("", value.lower())
        town = self._town_of_words(text, word)
        if town:
            return town  # `FROM NEW BEDFORD`
        if lower in country_names() or lower in HOLIDAYS:
            return None
        if not informative:
            if lower in CARE_PLACES:
                return None  # `FROM OSH`: the outside hospital, though Osh is also a town
            listed = (lower in self._names and not self._is_vocabulary(lower)) or is_place(lower)
            unknown = len(lower) >= 5 and lower.isalpha() and self._proper(lower)  # `at moffitt`
            return word.span() if listed or unknown else None
        if not value[0].isupper() or (value.isupper() and len(value) <= 3):
            return None
        at = text[preposition : preposition + 2].lower() == "at"
        if at and value.isupper() and len(value) <= 5 and not value.endswith("H"):
            return None  # `murmur at RUSB`, `tender at RLQ`; not `at SHNH`, `images from AHOC`
        listed = lower in HOSPITAL_NAME_WORDS or lower in self._names  # `at Jackson`, `to Mercy`
        if self._not_a_name(lower) and not listed:
            return None
        if not (self._proper(lower) or self._running_text(text, preposition, word)):
            return None
        if CHANGE_BEFORE.search(text, max(0, preposition - 24), preposition) or TO_AFTER.match(text, word.end()):
            return None  # `switched from Coumadin to Eliquis`
        end = word.end()
        for _ in range(2):  # `at Lenox Hill`, `at Sinai Grace`; not `from Emmie Ström's Cautionary Tales`
            gap = GAP.match(text, end) if not POSSESSIVE_SUFFIX.search(text[word.start() : end]) else None
            following = PLACE_WORD.match(text, gap.end()) if gap else None
            if following is None or not following.group()[0].isupper() or following.group().isupper():
                break
            lower = POSSESSIVE_SUFFIX.sub("", following.group().lower())
            adjective = self._english.has_non_noun(lower) and not self._english.has_noun(lower)
            if self._not_a_name(lower) or (adjective and not self._proper(lower)):
                break
            end = following.end()
        return word.start(), end

    def _cared_place(
        self, text: str, preposition: int, word: regex.Match[str], informative: bool
    ) -> tuple[int, int] | None:
        """After `at`/`from` in a clause about treatment: a word no English vocabulary holds (Philter's
        also holds initialisms such as `HSS`), or a listed surname that is a noun (`at tufts`), with the
        proper words after it (`fresenius elmwood`); not a clinical word, a time or a rate."""
        if not CARE_CONTEXT.search(text, max(0, preposition - 60), preposition):
            return None
        value = word.group()
        lower = POSSESSIVE_SUFFIX.sub("", value.lower())
        if informative and not value[0].isupper():
            return None
        if len(lower) < 3 or not lower.isalpha() or not self._place_word(lower) or lower in CARE_TIMES:
            return None
        if COMPARISON_AFTER.match(text, word.end()):
            return None  # `started at MAP 65`, `at SBP>90`
        end = word.end()
        for _ in range(2):  # `dialysis at fresenius elmwood`
            gap = GAP.match(text, end)
            following = PLACE_WORD.match(text, gap.end()) if gap else None
            if following is None:
                break
            lower = following.group().lower()
            cased = not informative or following.group()[0].isupper()
            if not cased or self._not_a_name(lower) or not (self._proper(lower) or self._place_word(lower)):
                break
            end = following.end()
        after = NEXT_PLACE_WORD.match(text, end)
        if after and self._modified_noun(after.group(1).lower()):
            return None  # `at DKA protocol`, `at TPA dose`: an abbreviation modifying a clinical noun
        return word.start(), end

    @staticmethod
    def _town_of_words(text: str, word: regex.Match[str]) -> tuple[int, int] | None:
        """A listed town of two or three words starting with `word` (`New Bedford`, `Fall River`)."""
        words, end = [word.group().lower()], word.end()
        for _ in range(2):
            gap = GAP.match(text, end)
            following = PLACE_WORD.match(text, gap.end()) if gap else None
            if following is None:
                return None
            words.append(following.group().lower())
            end = following.end()
            if is_place(" ".join(words)) and " ".join(words) not in country_names():
                return word.start(), end
        return None

    @staticmethod
    def _running_text(text: str, preposition: int, word: regex.Match[str]) -> bool:
        """The capitalised word stands in lower-case running text: a word in lower case among the three
        before the preposition in its sentence, and the word after it in lower case (not a heading:
        `Pain At Rest`)."""
        sentence_start = max(text.rfind(stop, 0, preposition) for stop in ("\n", ". ", ": ", "; ")) + 1
        before = WORDS_BEFORE.findall(text, max(sentence_start, preposition - 40), preposition)[-3:]
        after = NEXT_WORD.match(text, word.end())
        return any(w[0].islower() for w in before) and (
            after is None or after.group(1)[0].islower() or after.group(1)[0].isdigit()
        )
