"""What a word may be in a facility's or an employer's name: a proper word (in no vocabulary, a listed
person name or place), a care place or service that names nothing, a plain noun."""

from __future__ import annotations

from spacy.lang.en.stop_words import STOP_WORDS

from deid.recognizers.gazetteer import is_place
from deid.recognizers.lexicon import (
    CALENDAR_WORDS,
    COMMON_WORD_NAMES,
    EnglishVocabulary,
    first_names,
    is_allow_listed,
    last_names,
)
from deid.recognizers.lexicon.people import NON_NAME_WORDS, ROLES, SERVICE_INITIALISMS
from deid.recognizers.lexicon.places import (
    ADMITTING_SERVICES,
    CARE_PLACES,
    CARE_QUALIFIERS,
    FACILITY_HEADS,
    GENERIC_HEADS,
    HOSPITAL_NAME_WORDS,
    NAME_PART_WORDS,
    TIME_WORDS,
)
from deid.recognizers.vocabulary import PhilterVocabulary, philter_vocabulary


class FacilityWords:
    """Word classes of the facility recognizer; `FacilityNameRecognizer` sets the vocabularies."""

    _english: EnglishVocabulary
    _philter: PhilterVocabulary | None

    def load(self) -> None:
        philter = self._philter or philter_vocabulary()
        self._vocabulary = philter.non_names
        self._names = philter.first_names | philter.last_names | first_names() | last_names()

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

    def _place_word(self, lower: str) -> bool:
        if self._not_a_name(lower) or lower in ADMITTING_SERVICES or lower in CARE_QUALIFIERS:
            return False
        if not self._english.has_word(lower):
            return True
        return (
            lower in self._names and lower not in COMMON_WORD_NAMES and not self._english.has_non_noun(lower)
        )

    def _modified_noun(self, lower: str) -> bool:
        heads = FACILITY_HEADS | GENERIC_HEADS | CARE_PLACES | NAME_PART_WORDS | HOSPITAL_NAME_WORDS
        if lower in STOP_WORDS or lower in TIME_WORDS or lower in CALENDAR_WORDS or lower in heads:
            return False
        return self._english.has_word(lower)
