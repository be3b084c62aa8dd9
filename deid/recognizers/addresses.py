"""Street addresses: US street lines, PO boxes, military, European and foreign-language street lines, with
the rest of their address block (unit, town, region, country, postcode) labelled part by part."""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from deid.labels import PhiLabel
from deid.recognizers.address_patterns import (
    CAP,
    CASE_SENSITIVE,
    FOREIGN_STREET_WORDS,
    NOT_A_UNIT,
    POSTCODE,
    STREET_LINE,
    STREET_PREFIX,
    UNIT,
    UNIT_DESIGNATOR,
    WORD_START,
)
from deid.recognizers.base import GroupPatternRecognizer, case_insensitive_view
from deid.recognizers.dates import MONTH
from deid.recognizers.gazetteer import country_names, is_place
from deid.recognizers.lexicon import EnglishVocabulary, is_allow_listed
from deid.recognizers.lexicon.people import TITLES
from deid.recognizers.lexicon.places import PLAIN_STREET_TYPES, STATE_NAMES, STATES

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
    LABEL = PhiLabel.STREET
    FLAGS = CASE_SENSITIVE
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

    CONTEXT = ["address", "lives", "resides", "street", "home"]

    def __init__(self, english: EnglishVocabulary | None = None) -> None:
        self._english = english or EnglishVocabulary()
        super().__init__()

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
