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
from deid.recognizers.gazetteer import country_names, is_place
from deid.recognizers.lexicon import (
    CALENDAR_WORDS,
    COMMON_WORD_NAMES,
    EnglishVocabulary,
    first_names,
    is_allow_listed,
    last_names,
)
from deid.recognizers.lexicon.people import EPONYM_HEADS, NON_NAME_WORDS, ROLES, SERVICE_INITIALISMS, TITLES
from deid.recognizers.vocabulary import PhilterVocabulary, philter_vocabulary

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
# Kinds of work and employers that name no one (`works for the city`, `retired from teaching`).
GENERIC_EMPLOYERS = frozenset(
    """city state county town government federal military army navy marines marine police fire
    school schools hospital company business family church university college bank factory mill farm
    post office postal mail railroad construction himself herself themselves self years yrs living
    work home hospice nursing teaching farming sales retail insurance local dept department bus truck taxi cab
    auto steel dock union restaurant office store money cash tips extra""".split()
)
# Treatment or care earlier in the clause (`chemo at moffitt`, `methotrexate was started at HSS`, `f/u
# with cards at tufts`, `methadone she gets at CODAC`): the word after `at`/`from` is a place even when
# short and upper case, unless it is vocabulary or a time or rate of the treatment (`at HS`, `at KVO`).
CARE_CONTEXT = regex.compile(
    r"\b(?i:chemo\w*|radiation|xrt|dialysis|hd|infusions?|transfusions?|methadone|suboxone|treatment|therapy|"
    r"f/u|follow[ -]?up|appt|appointment|surgery|started|gets|receives|received|receiving|cards|onc)\b"
    r"[^.,;:!?\n]{0,40}\Z"
)
CARE_TIMES = frozenset("hs qhs mn noon am pm kvo tko goal rate mwf tts tth".split())
COMPARISON_AFTER = regex.compile(r"[ \t]*[<>=\d]")
# `left Hammersmith on 12 March`: a place left on a day, not a side (`left IJ in place`, `left AMA on`).
LEFT_PLACE = regex.compile(
    r"\b(?i:left)[ \t]+(?P<name>\p{L}[\p{L}'’-]+)(?=[ \t]+(?i:on|in|after|yesterday|last|this)\b)"
)
# A place preposition alone (`at Vanderbilt`, `from SHANDS`, `at beaumont`): only a word that is a listed
# name or place and no vocabulary, or, in mixed case, a capitalised word no vocabulary holds.
PLACE_PREPOSITION = regex.compile(r"\b(?:(?:at|from)[ \t]+(?:the[ \t]+)?|in[ \t]+the[ \t]+)", regex.IGNORECASE)
PLACE_WORD = regex.compile(r"\p{L}[\p{L}'’&-]*(?<=[\p{L}])(?:['’](?i:s))?|\p{L}")
POSSESSIVE = regex.compile(r"['’]s$")
GAP = regex.compile(r"[ \t]{1,2}(?:&[ \t]{1,2})?")
MAX_NAME_WORDS = 3
# Where patients go that is not a named place (`transferred to floor`, `back to OR`, `sent to CT`).
CARE_PLACES = frozenset(
    """icu ccu micu sicu cvicu csru nicu picu pacu ed er or ir pcu tcu step stepdown floor unit ward bed room rm pod
    bay home house hospital rehab rehabilitation snf ltac ltach alf hospice clinic office facility nursing
    baseline sleep lab ct mri us cath endo endoscopy radiology dialysis hd surgery pt ot chair commode bathroom
    shower work school jail prison shelter church outside osh another same his her their my our its this that
    bedside bs rest
    which where it there here them him me us you""".split()
)
# Heads that end a facility's name (`Hope Lodge`, `Mayo Clinic`, `Larkspur Manor`), and generic ones
# written after a short name, evidence but not part of it (`maple crest nh`, `kessington icu`).
FACILITY_HEADS = frozenset(
    """hospital clinic center centre lodge house manor village hospice infirmary institute campus gardens
    terrace inn""".split()
)
# Words a facility's short name is made of besides its proper words (`Mass General`, `King's College`,
# `Denver Health`, `Reading Heart`, `Lowell Family Health`): part of the name, evidence with another word.
NAME_PART_WORDS = frozenset(
    """health medical memorial university college cancer heart family general regional community children's
    childrens women's womens veterans va""".split()
)
# A street in a facility's name (`the Pine Street Inn`): part of it when a head follows.
STREET_WORDS = frozenset("street st avenue ave road rd".split())
GENERIC_HEADS = frozenset("rehab snf ltac ltach nh alf icu er ed facility home dialysis".split())
# A ward or building named by a word and its floor (`TRANSFER TO BROWN 2`, `came up from Woods 8`).
WARD_NUMBER = regex.compile(r"[ \t]{1,2}\d{1,2}[A-Za-z]?(?![\w/:.%-]|\.\d)")
# Qualifiers of a care unit that are nouns too (`trauma icu`, `stroke rehab`): not a name.
CARE_QUALIFIERS = frozenset(
    """trauma stroke burn neuro cardiac surgical medical transplant step down acute subacute inpatient
    outpatient pediatric adult psych geri geriatric pulmonary cardiothoracic oncology day night nursing
    skilled assisted senior care respite memory intensive critical progressive intermediate""".split()
)
# Words that hospitals are named with, though they are vocabulary (`Good Samaritan`, `Union Memorial`,
# `Mass General`, `Mercy`, `Lakeview Regional`).
HOSPITAL_NAME_WORDS = frozenset(
    """samaritan memorial regional general community presbyterian methodist baptist lutheran adventist
    episcopal deaconess mercy providence shriners charity sacred holy shepherd""".split()
)
SAINT = regex.compile(
    r"\b(?i:st|ste|saint|mount|mt)\.?[ \t]+(?P<name>\p{L}[\p{L}-]*)(?:['’](?i:s)?)?(?![\p{L}'’])(?![ \t]+(?i:wort)\b)"
)
# `Lakeview Regional`; not `Attorney General` (a vocabulary word before the ending).
HOSPITAL_ENDING = regex.compile(
    r"(?<![\w'’-])(?P<name>\p{Lu}[\p{L}'’-]++)[ \t]+"
    r"(?P<ending>Regional|Memorial|General|Community|Presbyterian|Methodist|Baptist|Mercy|Samaritan)\b"
)


# Services a patient is admitted to (`admitted to General Medicine`): not a facility.
SERVICES = frozenset(
    """medicine surgery cardiology neurology oncology radiology pathology psychiatry pediatrics orthopedics
    ortho urology nephrology gastroenterology hepatology pulmonology pulmonary dermatology hospitalist
    nursing pharmacy emergency team staff service services department dept consult anesthesia""".split()
)
# Words after an employer's name that are not part of it (`Kroger near home`, `the MBTA x 30 yrs`).
EMPLOYER_STOPS = frozenset("x near nights days weekends part-time full-time prn per diem vs age".split())
TIME_WORDS = frozenset("today tonight tomorrow yesterday am pm now later soon morning evening overnight".split())
ALTERNATIVES = frozenset({"vs", "vs.", "versus", "v."})  # `hebrew seniorlife vs kindred ltach`
ALTERNATIVE = regex.compile(
    r"(?:[ \t]+(?:ltach|ltac|snf|rehab|nh|alf))?[ \t]+(?:vs\.?|versus|or)[ \t]+(?:the[ \t]+)?", regex.IGNORECASE
)
HOLIDAYS = frozenset("christmas easter thanksgiving xmas hanukkah ramadan passover halloween".split())
DETERMINERS = frozenset("a an his her their my our your its this that some another himself herself self".split())
# `switched from Coumadin`, `weaned from Levophed`: a drug, not a place.
CHANGE_BEFORE = regex.compile(
    r"(?i:switch(?:ed)?|chang(?:ed|e)|convert(?:ed)?|transition(?:ed)?|wean(?:ed)?|titrat(?:ed|e)|taper(?:ed)?|"
    r"off|stop(?:ped)?|increased|decreased)[ \t]+\Z"
)
TO_AFTER = regex.compile(r"[ \t]+(?i:to)[ \t]+\p{Lu}")
WORDS_BEFORE = regex.compile(r"\p{L}[\p{L}'’-]*")
NEXT_PLACE_WORD = regex.compile(r"[ \t]{1,2}(\p{L}+)")
NEXT_WORD = regex.compile(r"(?:['’]s)?[ \t]+([\p{L}\d])")


class FacilityNameRecognizer(EntityRecognizer):
    SCORE = 0.6

    def __init__(
        self, english: EnglishVocabulary | None = None, vocabulary: PhilterVocabulary | None = None
    ) -> None:
        self._english = english or EnglishVocabulary()
        self._philter = vocabulary
        super().__init__(supported_entities=[PhiLabel.HOSPITAL.value], name="FacilityNameRecognizer")

    def load(self) -> None:
        philter = self._philter or philter_vocabulary()
        self._vocabulary = philter.non_names
        self._names = philter.first_names | philter.last_names | first_names() | last_names()

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

    def _is_vocabulary(self, lower: str) -> bool:
        return lower in STOP_WORDS or lower in self._vocabulary or self._english.has_word(lower)

    def _not_a_name(self, lower: str) -> bool:
        """Care places, services, roles, calendar and medical words: never a facility's name."""
        return (
            lower in CARE_PLACES or lower in GENERIC_HEADS or lower in STOP_WORDS or lower in CALENDAR_WORDS
            or is_allow_listed(lower)
            or lower in SERVICE_INITIALISMS or lower in ROLES or lower in NON_NAME_WORDS
        )

    def _proper(self, lower: str) -> bool:
        """A word that names something: in no vocabulary, a person's name no vocabulary holds, or a place."""
        if self._not_a_name(lower):
            return False
        # A town that is also an adjective or a verb (`Normal`, `Reading`, `Mobile`) is not evidence.
        place = is_place(lower) and not self._english.has_non_noun(lower)
        return not self._is_vocabulary(lower) or place or (lower in self._names and lower not in self._vocabulary)

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
        lower = POSSESSIVE.sub("", value.lower())
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
            gap = GAP.match(text, end) if not POSSESSIVE.search(text[word.start() : end]) else None
            following = PLACE_WORD.match(text, gap.end()) if gap else None
            if following is None or not following.group()[0].isupper() or following.group().isupper():
                break
            lower = POSSESSIVE.sub("", following.group().lower())
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
        lower = POSSESSIVE.sub("", value.lower())
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

    def _modified_noun(self, lower: str) -> bool:
        heads = FACILITY_HEADS | GENERIC_HEADS | CARE_PLACES | NAME_PART_WORDS | HOSPITAL_NAME_WORDS
        if lower in STOP_WORDS or lower in TIME_WORDS or lower in CALENDAR_WORDS or lower in heads:
            return False
        return self._english.has_word(lower)

    def _place_word(self, lower: str) -> bool:
        if self._not_a_name(lower) or lower in SERVICES or lower in CARE_QUALIFIERS:
            return False
        if not self._english.has_word(lower):
            return True
        return (
            lower in self._names and lower not in COMMON_WORD_NAMES and not self._english.has_non_noun(lower)
        )

    def _alternatives(self, text: str, spans: list[tuple[int, int]], informative: bool) -> list[tuple[int, int]]:
        """`hebrew seniorlife vs kindred ltach`: the option after `vs` in a placement line, a proper word
        or one before a facility head."""
        found = []
        for _, end in spans:
            alternative = ALTERNATIVE.match(text, end)
            if alternative:
                span = self._name_after(text, alternative.end(), informative, strict=True)
                if span:
                    found.append(span)
        return found

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

    def _name_after(
        self, text: str, at: int, informative: bool, require_head: bool = False, strict: bool = False
    ) -> tuple[int, int] | None:
        """The facility name starting at `at`, or None: up to three name words, then the heads that end
        the name (inside the span) or a generic head (`nh`, `icu`, `rehab`: evidence, outside it).
        `strict`: after a cue that also introduces diseases, only proper words or a head count."""
        words: list[tuple[regex.Match[str], str]] = []
        position = at
        ward = False
        while len(words) < MAX_NAME_WORDS + 2:
            word = PLACE_WORD.match(text, position)
            if word is None:
                break
            lower = POSSESSIVE.sub("", word.group().lower())
            if informative and not word.group()[0].isupper() and lower not in GENERIC_HEADS:
                break  # mixed case: a facility's name is capitalised
            if lower in GENERIC_HEADS:
                words.append((word, lower))
                break
            ends = (
                lower in CARE_PLACES or lower in STOP_WORDS or lower in ALTERNATIVES or lower in TIME_WORDS
                or lower.rstrip(".") in TITLES
            )
            if (ends and lower not in FACILITY_HEADS) or lower in CALENDAR_WORDS or lower in HOLIDAYS:
                break  # `transferred to floor`; `seen by dr brennan`: the name recognizer takes a person
            if text.startswith("/", word.end()):
                break  # `W/ RASH`, `s/p`
            service = lower in NON_NAME_WORDS and lower not in FACILITY_HEADS | NAME_PART_WORDS | STREET_WORDS
            if service or lower in SERVICES or lower in ROLES or lower.split("-")[0] in EPONYM_HEADS:
                return None  # `admitted to General Medicine`, `Osgood-Schlatter disease`
            words.append((word, lower))
            if WARD_NUMBER.match(text, word.end()):
                ward = True  # `TRANSFER TO BROWN 2`: a named ward and its floor
                break
            gap = GAP.match(text, word.end())
            if gap is None:
                break
            position = gap.end()
        return self._accept(words, informative, require_head, ward and not strict, strict)

    def _accept(
        self,
        words: list[tuple[regex.Match[str], str]],
        informative: bool,
        require_head: bool,
        ward: bool = False,
        strict: bool = False,
    ) -> tuple[int, int] | None:
        """`require_head`: after a bare preposition (`fell at maple crest nh`, `in the kessington icu`)."""
        generic = bool(words) and words[-1][1] in GENERIC_HEADS
        if generic:
            words = words[:-1]
        name_end = next((k for k, (_, w) in enumerate(words) if w in FACILITY_HEADS), len(words))
        if name_end == 0 or name_end > MAX_NAME_WORDS:
            return None
        heads_end = name_end
        while heads_end < len(words) and words[heads_end][1] in FACILITY_HEADS:
            heads_end += 1
        name = [w for _, w in words[:name_end]]
        proper = [self._proper(w) or (informative and self._capitalised(m.group(), w)) for m, w in words[:name_end]]
        named = not strict and (
            any(w in HOSPITAL_NAME_WORDS for w in name) or (len(name) > 1 and any(w in NAME_PART_WORDS for w in name))
        )
        headed = heads_end > name_end or generic
        if require_head and not headed:
            return None
        if informative and not require_head and not strict and len(name) > 1 and not any(
            self._not_a_name(w) or w in CARE_QUALIFIERS for w in name
        ):  # mixed case, after a movement cue: `transferred from the Royal Free`
            return words[0][0].start(), words[heads_end - 1][0].end()
        if any(proper) or named:
            # Without a head, the name ends at its last proper word (`Raytheon` of `Raytheon Labs`).
            last = heads_end if headed else max(k + 1 for k, p in enumerate(proper) if p or named)
            while not headed and last < name_end and self._name_noun(name[last]):
                last += 1  # `BACK TO CHARING CROSS WHEN`: a noun after the proper word is part of the name
            return words[0][0].start(), words[last - 1][0].end()
        if ward and len(name) == 1 and not self._not_a_name(name[0]) and name[0] not in CARE_QUALIFIERS:
            return words[0][0].start(), words[0][0].end()
        # Vocabulary words only: a name when a head follows and they are nouns that describe no care
        # (`maple crest nh`, `Larkspur Manor`), not `cardiac rehab`, `trauma icu`, `nursing home`.
        if headed and all(self._plain_noun(w) for w in name):
            return words[0][0].start(), words[heads_end - 1][0].end()
        return None

    def _employer_after(
        self, text: str, at: int, informative: bool, after_the: bool, named: bool = False
    ) -> tuple[int, int] | None:
        """After a work cue or `OSH was`: the next one to four words up to punctuation, a number or a
        function word, unless they are a kind of work or a generic employer. `named` (after `OSH was`):
        nouns and names only, not a finding (`OSH WAS INTUBATED`, `osh was negative`)."""
        words: list[regex.Match[str]] = []
        position = at
        while len(words) < MAX_NAME_WORDS + 1:
            word = PLACE_WORD.match(text, position)
            if word is None or text.startswith("/", word.end()):
                break  # `w/`
            lower = word.group().lower()
            if lower in STOP_WORDS or lower in EMPLOYER_STOPS or lower.rstrip(".") in TITLES:
                break
            if informative and words and not word.group()[0].isupper():
                break  # `works for Raytheon nights`
            words.append(word)
            gap = GAP.match(text, word.end())
            if gap is None:
                break
            position = gap.end()
        if not words or not self._employer_words(" ".join(w.group() for w in words), after_the):
            return None
        if named and not (informative and words[0].group()[0].isupper()) and any(
            self._english.has_non_noun(w.group().lower()) and not self._proper(w.group().lower()) for w in words
        ):
            return None
        if informative and not words[0].group()[0].isupper():
            return None  # mixed case: `works for a living` is caught above, `works for hospice care` here
        return words[0].start(), words[-1].end()

    def _employer_words(self, phrase: str, after_the: bool) -> bool:
        words = [POSSESSIVE.sub("", w.lower()) for w in PLACE_WORD.findall(phrase)]
        if not words or words[0] in DETERMINERS or any(w.endswith("ing") and self._is_vocabulary(w) for w in words):
            return False  # `works for a bank`, `retired from teaching`
        if all(w in GENERIC_EMPLOYERS or w in CARE_PLACES or w in CARE_QUALIFIERS for w in words):
            return False  # `works for the city`, `retired from the post office`
        if len(words) == 1 and (self._not_a_name(words[0]) or words[0] in ROLES):
            return False
        # After `the`, ordinary words are a generic employer (`the railroad`); a name is not (`the MBTA`).
        return not after_the or any(self._proper(w) or w in HOSPITAL_NAME_WORDS | NAME_PART_WORDS for w in words)

    def _capitalised(self, word: str, lower: str) -> bool:
        """Mixed case: a capitalised word that WordNet does not know (`Pfizer`, `Aramark`) is a name even
        when Philter lists it, unless it is a care place or a service."""
        return word[0].isupper() and not self._english.has_word(lower) and not self._not_a_name(lower)

    def _name_noun(self, lower: str) -> bool:
        return not self._not_a_name(lower) and lower not in CARE_QUALIFIERS and (
            lower in self._names or self._english.has_noun(lower)
        )

    def _plain_noun(self, lower: str) -> bool:
        return (
            lower not in CARE_QUALIFIERS
            and lower not in CARE_PLACES
            and (lower in self._names or self._english.has_word(lower))
        )
