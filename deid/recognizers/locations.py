"""Street addresses, city / state / ZIP, and hospitals or other facilities.

Address parts are written case-sensitively (`[A-Z][A-Za-z]`) so that ordinary lower-case words do not
start an address; ALL CAPS notes still match because upper-case letters satisfy both classes."""

from __future__ import annotations

import regex
from faker.providers.address.en_US import Provider as UsAddresses
from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from deid.labels import PhiLabel
from deid.recognizers.base import GroupPatternRecognizer, case_insensitive_view, other_occurrences
from deid.recognizers.dates import MONTH
from deid.recognizers.gazetteer import country_names, is_place
from deid.recognizers.lexicon import EnglishVocabulary, is_allow_listed
from deid.recognizers.lexicon.people import RELATIONS, TITLES
from deid.recognizers.vocabulary import PhilterVocabulary, philter_vocabulary

CASE_SENSITIVE = regex.DOTALL | regex.MULTILINE
CAP = r"[A-Z][A-Za-z'.-]*"
# Where a capitalised word may start: not inside a run of word characters and joiners (`Aa-Aa-Aa`), else
# every capital of a long run would start a scan of the rest of it (quadratic time). A single quote or
# hyphen after a space still starts one (`'Boston`).
WORD_START = r"(?<!\w|[\w'.&-]['.&-])"
# A word of a place name: a sentence's final period is not part of it (`St.` is).
CITY_WORD = r"(?:(?i:St|Ste|Ft|Mt)\.|\p{Lu}[\p{L}'-]*)"
CITY = rf"{CITY_WORD}(?:\s{CITY_WORD}){{0,2}}"
# USPS street suffixes (Faker's maintained list) plus the common abbreviations.
STREET_ABBREVIATIONS = "st ave rd blvd ln dr ct pl ter cir pkwy hwy sq trl".split()
STREET_TYPES = (
    "(?:"
    + "|".join(
        sorted({s.lower() for s in UsAddresses.street_suffixes} | set(STREET_ABBREVIATIONS), key=len, reverse=True)
    )
    + ")"
)
STREET_TYPES_CI = rf"(?i:{STREET_TYPES})"
UNIT_DESIGNATOR = (
    r"(?:(?i:\b(?:apt|apartment|suite|ste|unit|room|rm|floor|fl|bldg|building)\b|#)\.?\s*#?\s*"
    r"(?=[A-Za-z-]*\d)[A-Za-z0-9-]{1,6}\b)"
)
UNIT = rf"(?:,?\s*{UNIT_DESIGNATOR})"
STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
    "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
).split()
STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|"
    "Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|"
    "Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|"
    "New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|"
    "South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|"
    "Wisconsin|Wyoming|Puerto Rico"
)
STATE_ABBR = "(?:" + "|".join(STATES) + ")"
# Abbreviations that are also credentials or words (`Smith, MD`, `PA`, `OR`): a state only before a ZIP.
AMBIGUOUS_STATE = "(?:MD|PA|OR|IN|ME|OK|HI|DO|MA|MS|DE|LA|CO|SC|NP|RN)"
STATE_ANY = rf"(?:{STATE_ABBR}|(?i:{STATE_NAMES}))"
# `3 CM. CALF VEINS NOT WELL`, `2 AM Rapid response`: a measurement or a time, not a house number.
NOT_A_UNIT = r"(?!(?i:cm|mm|mg|ml|cc|kg|lbs?|am|pm|hrs?|hours?|min|days?|weeks?|months?|x|times|of|to|and)\b)"
# Street words of other languages that are not English words (`via`, `avenue` are: they need a capital).
FOREIGN_STREET_WORDS = r"rue|rua|calle|avda\.|avenida|carrer|camino|praça|piazza|piazzale|viale|strada|ulica|ul\.|c/"
STREET_PREFIX = r"(?:Rue|Via|Viale|Avenida|Avda\.|Calle|Rua|Praça|Piazza|Chemin|Boulevard|Avenue|Plaza|Carrer|Camino)"
STREET_LINE = (
    rf"(?<![\w/.:-])\d{{1,6}}[A-Z]?\s+{NOT_A_UNIT}(?:[NSEW]\.?\s+)?(?:{CAP}\s+){{0,3}}{CAP}\s+{STREET_TYPES_CI}\b"
    # `1415 PER DR. OWSIANY`: a time, a word and a doctor, not a drive.
    r"(?!(?<=(?i:\bdr))\.?[ \t]*[A-Z])\.?"
    rf"{UNIT}?"
)
ZIP = r"\d{5}(?:-\d{4})?"

# International street lines with no street type: house number, street, number (`5049 Harjukuja 54`,
# `233 Erzsébet tér 19.`, `772 ul. Narewska 94`), ending the line or before a unit.
INTL_STREET_LINE = regex.compile(
    rf"(?<![\w/.:,-])\d{{1,6}}[ \t]+(?!(?i:{MONTH})\b){NOT_A_UNIT}(?:\p{{L}}{{1,3}}\.[ \t]*)?"
    r"(?P<words>\p{Lu}[\p{L}'’-]*(?:[ \t]+(?:\p{Lu}[\p{L}'’-]*|\p{Ll}{1,12}\.?)){0,3})"
    r"[ \t]+\d{1,5}[A-Za-z]?\b\.?(?=[ \t]*(?:[,\n?]|$|(?i:apt|suite|unit|st)\b))",
    CASE_SENSITIVE,
)
# USPS military addresses: `PSC 0413, Box 8144` / `USS Mahler` on the line before `APO AA 42323`.
MILITARY_ADDRESS = (
    rf"\b(?:(?:PSC|CMR|Unit)\s+\d{{3,5}},?\s+Box\s+\d{{3,5}}|(?:USS|USNS|USNV|USCGC)\s+{CAP}(?:\s{CAP})?)"
    r"[ \t]*,?\s*(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+\d{5}\b"
)
# The lines of an address block after its street line: unit, town, region, country, postcode.
ADDRESS_LINE_BREAK = regex.compile(r"[ \t]*,?[ \t]*(?:\n[ \t>]*){1,2},?[ \t]*|[ \t]*,[ \t]*")
ADDRESS_SPACE = regex.compile(r"[ \t]+")
# US, Canadian, UK, Dutch, Swedish/Czech, Polish and plain four- and five-digit postcodes.
POSTCODE = (
    r"(?:\d{5}(?:-\d{4})?|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}|\d{4}[ \t]?[A-Z]{2}\b|"
    r"\d{3}[ \t]\d{2}|\d{2}-\d{3}|\d{4})"
)
ADDRESS_POSTCODE = regex.compile(rf"{POSTCODE}\b(?![/:.,-]?\d)", CASE_SENSITIVE)
ADDRESS_UNIT = regex.compile(
    r"(?i:apt|apartment|suite|ste|unit|room|rm|floor|fl|bldg|building|box|#)\.?[ \t]*#?[ \t]*[A-Za-z0-9-]{0,5}\d\b"
)
ADDRESS_REGION = regex.compile(r"\p{Lu}{2,3}\b(?![ \t]*\p{Ll})")
ADDRESS_PLACE = regex.compile(
    r"\p{Lu}[\p{L}'’-]*(?:\.(?=[ \t]?\p{L}))?"
    r"(?:[ \t-]+(?:\p{Lu}[\p{L}'’-]*(?:\.(?=[ \t]?\p{L}))?|(?:de|del|di|da|do|des|du|la|le|nad|pod|u|v|am|an|"
    r"der|upon|on|sur|sous)\b))*(?:[ \t]*\([\p{L} ]{1,20}\))?"
    r"(?=[ \t]*(?:[,\n?]|$|\.(?:\s|$)|[ \t]\d|[ \t]\p{Lu}{2,3}\b))",
    CASE_SENSITIVE,
)
STATE_NAME = regex.compile(rf"(?i:{STATE_NAMES})")
MAX_ADDRESS_PARTS = 6
ENDS_WITH_UNIT = regex.compile(rf"{UNIT_DESIGNATOR}$")


class StreetAddressRecognizer(GroupPatternRecognizer):
    PATTERNS = [
        Pattern(
            "number_street",
            STREET_LINE,
            0.85,
        ),
        Pattern("po_box", r"\b(?i:p\.?\s?o\.?\s?box|post office box)\s+\d{1,6}\b", 0.9),
        Pattern("military", MILITARY_ADDRESS, 0.85),
        # European forms: `Feldstrasse 42`, `Via Roma 131`, `63 Rue de Kairouan`, `Nybyvägen 65`.
        Pattern(
            "street_word_number",
            rf"(?:\b\d{{1,6}}\s+)?{WORD_START}[A-Z][\w'-]*(?i:strasse|straße|gasse|weg|vej|vägen|gatan|gata|veien|tie|katu|"
            rf"laan|straat|plein|ulica|utca|allee)\s+\d{{1,5}}[A-Za-z]?\b{UNIT}?",
            0.8,
        ),
        Pattern(
            "street_prefix",
            rf"(?:\b\d{{1,6}}\s+{STREET_PREFIX}|\b{STREET_PREFIX}(?=[^\n\d]{{0,40}}\s\d{{1,5}}\b))"
            rf"\s+(?:(?:de|del|della|di|da|do|des|du|la|le|d')\s*)*{CAP}(?:\s{CAP}){{0,2}}"
            rf"(?:\s+\d{{1,5}}[A-Za-z]?\b)?{UNIT}?",
            0.6,
        ),
        # Non-English street words in any case, with the house number after the name
        # (`rue du centre 320`, `Rua Vinte e Cinco de Setembro 1257`, `C/ Señores Curas 88`).
        Pattern(
            "foreign_street_word",
            rf"\b(?i:{FOREIGN_STREET_WORDS})[ \t]+(?:[\p{{L}}'’.-]+[ \t]+){{0,5}}?\d{{1,5}}[A-Za-z]?\b\.?{UNIT}?",
            0.6,
        ),
        # `the corner of Main Street and Elm`, `corner of Kuusiku 7 and Alexander Flat`.
        Pattern(
            "corner",
            r"\b(?i:(?:the[ \t]+)?corner[ \t]+of)[ \t]+[\w.'’ -]{3,60}?[ \t]+(?i:and|&)[ \t]+"
            r"\p{Lu}[\p{L}'’-]*(?:[ \t]+\p{Lu}[\p{L}'’-]*){0,2}",
            0.6,
        ),
        # A unit word after a comma (`, Apt 4B`); not a bare `#` (`#18 PIV R AC, #20 L HAND`).
        Pattern("unit_alone", rf",\s*(?!#)(?P<phi>{UNIT_DESIGNATOR})", 0.5),
    ]

    def __init__(self, english: EnglishVocabulary | None = None) -> None:
        self._english = english or EnglishVocabulary()
        super().__init__(
            supported_entity=PhiLabel.STREET.value,
            patterns=self.PATTERNS,
            name="StreetAddressRecognizer",
            global_regex_flags=CASE_SENSITIVE,
            context=["address", "lives", "resides", "street", "home"],
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Street lines (US and international), each with a house number before it, then the rest
        of its address block (unit, town, region, country and postcode lines) as their own parts."""
        view = case_insensitive_view(text)
        found = super().analyze(text, entities, nlp_artifacts, regex_flags)
        results = [r for r in found if not _clinical_phrase(text, r)] + self._international(view)
        extended = []
        for r in results:
            before = HOUSE_NUMBER_BEFORE.search(view, max(0, r.start - 12), r.start)
            start = before.start() if before else r.start
            extended.append(RecognizerResult(r.entity_type, start, r.end, r.score, r.recognition_metadata))
            for part_start, part_end, label in address_block_parts(view, r.end, self._english):
                extended.append(RecognizerResult(label, part_start, part_end, r.score))
        return extended

    def _international(self, view: str) -> list[RecognizerResult]:
        """`5049 Harjukuja 54` in the case-normalised `view`: kept when a street word is a name, not
        vocabulary (not `88 RR 18`, `2 Lasix 40`)."""
        results = []
        for match in INTL_STREET_LINE.finditer(view):
            words = [w.lower() for w in regex.findall(r"[\p{L}'’-]+", match.group("words"))]
            if any(w in NOT_IN_STREET_NAMES for w in words):
                continue
            if any(len(w) >= 4 and self._street_name_word(w) for w in words):
                results.append(RecognizerResult(PhiLabel.STREET.value, match.start(), match.end(), 0.7))
        return results

    def _street_name_word(self, lower: str) -> bool:
        return not (self._english.has_word(lower) or is_allow_listed(lower))


# `3 UNITS FFP VIA PIV`, `S/P 3 VESSEL BYPASS`, `6 MINUTE WALK`: in an ALL CAPS (or all lower-case)
# note a count, some words and a street-type word is usually clinical. There, only these street types
# count without an address cue before them; other ones (via, run, bypass, port, point, walk, falls, ...)
# need the cue, or the title case of a mixed-case note.
PLAIN_STREET_TYPES = frozenset(
    "street st avenue ave road rd drive dr lane ln boulevard blvd court ct place pl terrace ter parkway pkwy "
    "highway hwy circle cir square trl turnpike expressway freeway crescent".split()  # not sq: `6U REG SQ`
)
ADDRESS_CUE_BEFORE = regex.compile(
    r"(?i:address|lives?|living|resid\w*|home|located|mail\w*|sent|send|ship\w*|deliver\w*|moved)"
    r"\W+(?:\w+\W+){0,4}$"
)
NUMBER_LINE = regex.compile(rf"\d{{1,6}}[A-Z]?\s+(?P<words>.*?){UNIT}?\.?$", CASE_SENSITIVE | regex.IGNORECASE)


def _clinical_phrase(text: str, result: RecognizerResult) -> bool:
    """A `number words street-type` match that is a clinical phrase, not a street line: a stop word
    inside (`10 AT THE INCISION POINT`), or a case-less note with a street type that is also a
    clinical word and no address cue before it."""
    line = NUMBER_LINE.fullmatch(text, result.start, result.end)
    if line is None:
        return False  # not a street line with a house number first (PO box, Via Roma 12, ...)
    words = [w.lower() for w in regex.findall(r"[\p{L}'’]+", line.group("words"))]
    if not words:
        return False
    if any(w in STOP_WORDS for w in words[:-1]):
        return True
    value = text[result.start : result.end]
    if value != value.upper() and value != value.lower():
        return False  # mixed case: the capitals already carry the evidence
    cue = ADDRESS_CUE_BEFORE.search(text, max(0, result.start - 60), result.start)
    return words[-1] not in PLAIN_STREET_TYPES and cue is None


# A time, a page or a count, not a street: `1045 PAGED DR ZAGURI AT 4976`.
NOT_IN_STREET_NAMES = STOP_WORDS | TITLES | frozenset({"paged", "called", "per", "dr", "x"})
HOUSE_NUMBER_BEFORE = regex.compile(r"(?<![\w/.:,-])\d{1,6}[A-Z]?[ \t]+$")


def address_block_parts(text: str, end: int, english: EnglishVocabulary) -> list[tuple[int, int, str]]:
    """The rest of the address block whose street line ends at `end`, part by part with its label:
    parts separated by line breaks or commas (a unit, a town, a region code, a country, a
    postcode), and on the same line after a space only a unit, region code, country or postcode, or
    a town after a unit (`Apt. 678 Velenje`). Countries are labelled CITY (there is no country label)."""
    parts: list[tuple[int, int, str]] = []
    places = 0
    after_unit = ENDS_WITH_UNIT.search(text, max(0, end - 24), end) is not None  # `12 Timms Drive Suite 215`
    for _ in range(MAX_ADDRESS_PARTS):
        line_break = ADDRESS_LINE_BREAK.match(text, end)
        separator = line_break or ADDRESS_SPACE.match(text, end)
        if separator is None:
            break
        at = separator.end()
        part, label = ADDRESS_UNIT.match(text, at), PhiLabel.STREET
        if part is None:
            part, label = ADDRESS_POSTCODE.match(text, at), PhiLabel.ZIP
        if part is None:
            place = ADDRESS_PLACE.match(text, at)
            region = ADDRESS_REGION.match(text, at)
            if place and _is_country(place.group()):
                part, label = place, PhiLabel.CITY
            elif place and STATE_NAME.fullmatch(place.group()):
                part, label = place, PhiLabel.STATE
            elif region and (line_break or region.group() in STATES) and (not place or region.end() >= place.end()):
                part, label = region, PhiLabel.STATE
            elif place and (line_break or after_unit) and places < 2 and _is_town(place.group(), english):
                part, label, places = place, PhiLabel.CITY, places + 1
        if part is None:
            break
        if label is PhiLabel.ZIP and parts and parts[-1][2] == PhiLabel.STATE.value:
            parts.append((part.start(), part.end(), label.value))
            break  # `Tupelo, MS 38804` ends a US block: the next line is no longer the address
        parts.append((part.start(), part.end(), label.value))
        after_unit = part.re is ADDRESS_UNIT
        end = part.end()
    return parts


def _is_country(words: str) -> bool:
    return regex.sub(r"\s*\(.*\)$", "", words).lower() in country_names()


def _is_town(words: str, english: EnglishVocabulary) -> bool:
    """A town's line, not a heading or a sentence's first word (`Plan`, `Allergies`)."""
    lower = words.lower()
    if " " in lower or "-" in lower or is_place(lower):
        return True
    return not (english.has_word(lower.rstrip(".")) or is_allow_listed(lower))


# Where patients are moved to or come from, but not a town (`transported to ED`, `arrived from Rehab`).
NOT_A_PLACE = (
    r"(?i:the|a|an|his|her|their|my|our|this|that|another|same|outside|home|bed|senior|assisted|long|ed|er|"
    r"icu|ccu|micu|sicu|cvicu|nicu|picu|pacu|or|ir|pcu|snf|ltac|alf|ems|pt|ot|osh|rehab|rehabilitation|hospital|"
    r"clinic|floor|unit|ward|radiology|surgery|dialysis|hospice|shelter|work|school|jail|prison|nursing|"
    r"facility|skilled|urgent|emergency|cath|endoscopy|pre-op|post-op|holding|triage|room|bay)"
)


# Where a person lives, comes from or travels to, named right after the cue.
TRAVEL_CUE = regex.compile(
    r"\b(?:(?i:grew up|brought up|based|originally|flew|flown|flying|returned|returning|trip|visited|visit|"
    r"native|emigrated|immigrated|live|lived|I'm|I am|we're|we are|currently|now|stays?|staying)"
    r"\s+(?i:in|to|from|of|at)|(?i:home city|home town|hometown))\s+"
    rf"(?P<phi>(?!{NOT_A_PLACE}\b){CITY})",
    CASE_SENSITIVE,
)


# `NEPHEW ARLO BEST OF TUCSON`, `dtr jo of san antonio`, `(SON IN LEEDS)`: the town a relative is of or
# lives in, after the relation word or their name.
RELATIVE_OF = regex.compile(
    r"\b(?i:" + "|".join(sorted(RELATIONS, key=len, reverse=True)) + r")[ \t]*[,:-]?"
    r"(?:[ \t]+\p{L}[\p{L}'’.-]*){0,3}?[ \t]+(?i:of|in|from)[ \t]+(?P<phi>\p{L}+(?:[ \t]\p{L}+){0,2})"
)


class CityRecognizer(GroupPatternRecognizer):
    """A city is recognised by its position: before `, STATE` (`Boston, MA 02114`) or after
    a residence cue (`lives in Springfield`)."""

    PATTERNS = [
        Pattern(
            "city_state",
            rf"{WORD_START}{CAP}(?:\s{CAP}){{0,2}}(?=,?\s+(?:{STATE_ABBR}\s+{ZIP}\b|(?!{AMBIGUOUS_STATE}\b){STATE_ANY}(?:\s+{ZIP}\b|\s*[,.\n]|\s*$)))",
            0.7,
        ),
        Pattern(
            "lives_in",
            r"\b(?i:lives|living|resides|residing|moved|relocated|born|raised|arrived|transported|travel|"
            r"traveling|travelling|visiting)\b(?:[^.\n]|(?<=\b(?:[A-Z]|Dr|Mr|Mrs|Ms|St))\.){0,40}?\b(?i:in|to|from)\s+"
            rf"(?P<phi>(?!{NOT_A_PLACE}\b){CITY})",
            0.5,
        ),
        # The line after a street address (`1 Main St | Springfield, IL 62701` or `... in Springfield`).
        Pattern(
            "after_street",
            rf"{STREET_LINE}(?:,?\s*\n|,|\s+in)\s*(?P<phi>{CITY})(?=,|\s+{STATE_ANY}\b|\.|$)",
            0.6,
        ),
    ]

    def __init__(
        self, english: EnglishVocabulary | None = None, vocabulary: PhilterVocabulary | None = None
    ) -> None:
        self._english = english or EnglishVocabulary()
        self._non_names = (vocabulary or philter_vocabulary()).non_names
        super().__init__(
            supported_entity=PhiLabel.CITY.value,
            patterns=self.PATTERNS,
            name="CityRecognizer",
            global_regex_flags=CASE_SENSITIVE,
            context=["city", "town", "lives", "resides"],
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Cities by position, then the same city wherever else the note names it (`West Saraview, RI`
        ... `lives in West Saraview`). A one-word city that is an English word (`Mobile`) is not spread."""
        results = [
            trimmed
            for r in super().analyze(text, entities, nlp_artifacts, regex_flags)
            if (trimmed := self._trim_words(text, r)) is not None
        ] + self._after_travel_cue(text) + self._relative_of(text)
        found = {text[r.start : r.end] for r in results}
        names = [c for c in found if " " in c or c.lower() not in self._english.words]
        return results + other_occurrences(text, results, names, PhiLabel.CITY.value, 0.6)

    def _trim_words(self, text: str, result: RecognizerResult) -> RecognizerResult | None:
        """`CALLED AT MN`, `R/O MI`, `RENAL, ID`, `ARRIVED FROM OSH VIA AMBULANCE`: in ALL CAPS or lower
        case, the ordinary or clinical words (or single letters) that start a `city` are not part of it
        (`LIVES IN DUNDALK, MD` is `DUNDALK`); none left, no city. In mixed case the capitals are the
        evidence (`Lake Joseph`, `East Heather`)."""
        phrase = text[result.start : result.end]
        if phrase not in (phrase.upper(), phrase.lower()):
            return result
        for word in regex.finditer(r"\S+", phrase):
            rest = phrase[word.start() :]
            if is_place(rest.lower().rstrip(",.")) or not is_vocabulary_phrase(
                word.group(), self._english, self._non_names
            ):
                result.start += word.start()
                return result
        return None

    def _relative_of(self, text: str) -> list[RecognizerResult]:
        """A listed town, not a country, after a relative (and their name) and `of`/`in`/`from`, any case; not a
        one-word town that is also a verb or an adjective (`in charge of Reading`)."""
        results = []
        for match in RELATIVE_OF.finditer(text):
            words = match.group("phi").split()
            for count in range(len(words), 0, -1):  # the longest listed town: `san antonio`
                lower = " ".join(words[:count]).lower()
                ordinary = count == 1 and self._english.has_non_noun(lower)
                if is_place(lower) and lower not in country_names() and not ordinary:
                    start = match.start("phi")
                    results.append(RecognizerResult(PhiLabel.CITY.value, start, start + len(lower), 0.5))
                    break
        return results

    def _after_travel_cue(self, text: str) -> list[RecognizerResult]:
        """`grew up in X`, `flew to X`, `originally from X`: a place unless its words are ordinary
        words (`returned to BASELINE`, `trip to Floor`) that no gazetteer lists, or it is a country."""
        results = []
        for match in TRAVEL_CUE.finditer(case_insensitive_view(text)):
            place = match.group("phi")
            lower = place.lower()
            if lower in country_names():  # not PHI under Safe Harbor: `emigrated from Haiti` stays readable
                continue
            words = lower.split()
            if any(w in STOP_WORDS for w in words):  # `BASELINE AFTER TRIP`
                continue
            if is_place(lower) or not all(self._english.has_word(w) or is_allow_listed(w) for w in words):
                results.append(RecognizerResult(PhiLabel.CITY.value, *match.span("phi"), 0.5))
        return results


def is_vocabulary_phrase(phrase: str, english: EnglishVocabulary, non_names: frozenset[str]) -> bool:
    """Every word is ordinary or clinical vocabulary (WordNet, Philter's non-names, stop words) or a
    single letter, and neither the phrase nor a word of it is a listed place (Philter's non-names hold
    town names: `Quincy`, `Springfield`)."""
    lower = phrase.lower().strip()
    if is_place(lower):
        return False
    words = regex.findall(r"[\p{L}']+", lower)
    return all(
        len(w) == 1 or (not is_place(w) and (w in STOP_WORDS or w in non_names or english.has_word(w))) for w in words
    )


PREVIOUS_PLACE_WORD = regex.compile(r"(\p{L}[\p{L}'.-]*)[ \t]*,?[ \t]*$")
ZIP_AHEAD = regex.compile(rf"[ \t]+{ZIP}\b")


class StateRecognizer(GroupPatternRecognizer):
    PATTERNS = [
        Pattern("state_name", rf"\b(?i:{STATE_NAMES})\b", 0.6),
        Pattern(
            "state_after_city",
            rf"{WORD_START}{CAP},?\s+(?P<phi>{STATE_ABBR})"
            rf"(?=\s+{ZIP}\b|(?<!{AMBIGUOUS_STATE})\s*[,.\n]|(?<!{AMBIGUOUS_STATE})\s*$)",
            0.6,
        ),
    ]

    def __init__(
        self, english: EnglishVocabulary | None = None, vocabulary: PhilterVocabulary | None = None
    ) -> None:
        self._english = english or EnglishVocabulary()
        self._non_names = (vocabulary or philter_vocabulary()).non_names
        super().__init__(
            supported_entity=PhiLabel.STATE.value,
            patterns=self.PATTERNS,
            name="StateRecognizer",
            global_regex_flags=CASE_SENSITIVE,
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """State names, and codes after a town. Without a ZIP after it, a code after an ordinary or
        clinical word is an abbreviation (`R/O MI`, `CALLED AT MN`, `RENAL, ID`)."""
        results = []
        for r in super().analyze(text, entities, nlp_artifacts, regex_flags):
            if r.end - r.start == 2 and not ZIP_AHEAD.match(text, r.end):
                before = PREVIOUS_PLACE_WORD.search(text, max(0, r.start - 40), r.start)
                if before is None or is_vocabulary_phrase(before.group(1), self._english, self._non_names):
                    continue
            results.append(r)
        return results


class ZipRecognizer(GroupPatternRecognizer):
    PATTERNS = [
        Pattern("zip_after_state", rf"\b{STATE_ANY}\.?,?\s+(?P<phi>{ZIP})\b", 0.9),
        Pattern(
            "zip_keyed",
            rf"\b(?i:zip|zip code|postal code|zipcode|postcode)(?:\s+(?i:is))?\W{{0,3}}(?P<phi>{POSTCODE}|\d{{3,5}})\b",
            0.9,
        ),
    ]

    def __init__(self) -> None:
        super().__init__(
            supported_entity=PhiLabel.ZIP.value,
            patterns=self.PATTERNS,
            name="ZipRecognizer",
            global_regex_flags=CASE_SENSITIVE,
        )


FACILITY_TYPES = (
    r"(?:hospital|medical center|medical centre|health center|health centre|clinic|infirmary|"
    r"rehabilitation center|rehabilitation hospital|rehab center|nursing home|nursing facility|hospice|"
    r"health system|healthcare|health care|medical group|medical associates|urgent care|care center|"
    r"surgery center|surgical center|cancer center|cancer institute|heart institute|institute|"
    r"children's hospital|memorial|va medical center|senior living|assisted living|skilled nursing facility|"
    r"behavioral health|mental health center|family health center|health campus|campus|"
    r"dialysis center|imaging center)"
)
FACILITY_WORD = (
    r"(?!(?i:the|a|an|to|at|in|from|of|and|for|with|by|on|was|is|pt|patient|seen|admitted|transferred|"
    r"discharged|home|brief|admission|admitting|discharge|recent|am|pm|cardiac|pulmonary|physical|occupational|"
    r"your|our|his|her|their|this|that|outpatient|inpatient|acute|local|outside|prior|previous|same|"
    r"clinic|note|hospital|per|call|called)\b)[A-Z][A-Za-z'.&-]*+"
)


class HospitalRecognizer(GroupPatternRecognizer):
    PATTERNS = [
        Pattern(
            "named_facility",
            # `Brigham and Women's Hospital`, `Johnson & Johnson Clinic`: `and` joins two capitalised words.
            rf"{WORD_START}(?:(?i:st\.?|saint)\s+)?{FACILITY_WORD}"
            rf"(?:[ -]{FACILITY_WORD}|\s(?:and|&)\s{FACILITY_WORD}){{0,3}}"
            rf"\s+(?i:{FACILITY_TYPES})\b",
            0.8,
        ),
        # Initialisms of facilities (`SMH`, `QVMC`) where a facility is expected.
        Pattern(
            "facility_initialism",
            r"\b(?i:at|to|from|in|into|clinic|facility|hospital|location|site|transferred|admitted|accepted)\s*:?\s+"
            r"(?P<phi>(?!(?:ICU|CCU|MICU|SICU|NICU|PICU|PACU|CVICU|ED|ER|OR|IR|PT|OT|MD|RN|NP|PA|DO|ICD|CT|MRI|"
            r"EKG|ECG|EEG|EMS|GI|ENT|ID|OB|PCP|SNF|LTAC|ALF|HOH|BR|BID|TID|QID|PRN|AM|PM|US|VA|PMH|HPI|ROS|"
            r"DVT|CBC|BMP|CMP|LFT|ABG|VBG|UA|UTI|CHF|COPD|HTN|DM|CKD|ESRD|MI|CVA|TIA|PE|GERD|BPH|OSA|HOB|"
            r"ADL|ADLS|IADL|RH|LH|BH|GH|"
            # Clinical words and initialisms with a facility-like ending (`to cath lab`, `secondary to SIADH`).
            r"CATH|PATH|TRACH|BATH|NASH|SIADH|SAH|SDH|EDH|ICH|IVH|IPH|LVH|RVH|PAH|PPH|HH|QHS|DH|OSH|EVAL)\b)"
            r"[A-Z]{1,4}(?:H|MC|HC|HS|GH|CH|MH|RMC|CI|HI|MG|UC|BH|LC|RC|SNF|AL)\b)",
            0.6,
        ),
        Pattern(
            "facility_of",
            rf"\b(?i:hospital|university|medical center|clinic)\s+(?i:of)\s+(?:the\s+)?{CAP}(?:\s{CAP}){{0,2}}",
            0.7,
        ),
    ]

    def __init__(self, english: EnglishVocabulary | None = None) -> None:
        self._english = english or EnglishVocabulary()
        super().__init__(
            supported_entity=PhiLabel.HOSPITAL.value,
            patterns=self.PATTERNS,
            name="HospitalRecognizer",
            global_regex_flags=CASE_SENSITIVE,
            context=["transferred", "admitted", "hospital", "facility"],
        )

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Facility names, then their initialisms wherever the note uses them (`Warren Women's
        Hospital` ... `WWH`). A cued initialism that is an English word (`IN FAITH`) is not one."""
        results = [
            r
            for r in super().analyze(text, entities, nlp_artifacts, regex_flags)
            if " " in text[r.start : r.end].strip() or text[r.start : r.end].lower() not in self._english.words
        ]
        initialisms = {initialism(text[r.start : r.end]) for r in results} - {""}
        if initialisms:
            pattern = regex.compile(r"\b(?:" + "|".join(sorted(initialisms)) + r")\b", regex.IGNORECASE)
            for match in pattern.finditer(text):
                if text[match.start() : match.end()].isupper():
                    results.append(RecognizerResult(PhiLabel.HOSPITAL.value, match.start(), match.end(), 0.7))
        return results


def initialism(facility: str) -> str:
    """`Hartford Rehabilitation Center` -> `HRC`; empty when too short to be distinctive."""
    words = regex.findall(r"[A-Za-z][\w'’]*", facility)
    letters = "".join(w[0] for w in words if w.lower() not in {"of", "the", "and"})
    return letters.upper() if len(letters) >= 2 else ""
