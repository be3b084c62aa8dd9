"""Assembles the clinical recognizers into one Presidio `RecognizerRegistry`.

Presidio's predefined recognizers are not loaded: on clinical text they flag times, doses and vitals
(credit-card, date-time and NER recognizers) and they are slower. Each kind of PHI has its own
recognizer in `deid.recognizers`. The spaCy NER recognizer is always registered: it reads the NER
entities from the NLP artifacts and finds nothing when `deid.nlp` does not run the NER."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer, RecognizerRegistry

from deid.recognizers.addresses import StreetAddressRecognizer
from deid.recognizers.age import AgeOver89Recognizer
from deid.recognizers.buildings import BuildingNameRecognizer
from deid.recognizers.contact import EmailRecognizer, IpRecognizer, PhoneRecognizer, UrlRecognizer
from deid.recognizers.dates import DateRecognizer
from deid.recognizers.facilities import FacilityNameRecognizer
from deid.recognizers.gazetteer import CityGazetteerRecognizer
from deid.recognizers.hospitals import HospitalRecognizer
from deid.recognizers.identifiers import (
    AccountRecognizer,
    DeviceRecognizer,
    HealthPlanRecognizer,
    LicenseRecognizer,
    MrnRecognizer,
    OtherIdRecognizer,
    SsnRecognizer,
    VehicleRecognizer,
)
from deid.recognizers.initials import PatientInitialsRecognizer
from deid.recognizers.lexicon import EnglishVocabulary
from deid.recognizers.locations import CityRecognizer, StateRecognizer, ZipRecognizer
from deid.recognizers.names import NameRecognizer
from deid.recognizers.ner import NerRecognizer
from deid.recognizers.scripts import NonLatinRecognizer
from deid.recognizers.vocabulary import PhilterVocabulary, philter_vocabulary


def clinical_recognizers(
    english: EnglishVocabulary | None = None, vocabulary: PhilterVocabulary | None = None
) -> list[EntityRecognizer]:
    """`english`: ordinary vocabulary, to tell names and places from words (see `deid.nlp`);
    `vocabulary`: Philter's lists (default: the default file, see `deid.recognizers.vocabulary`)."""
    english = english or EnglishVocabulary()
    vocabulary = vocabulary or philter_vocabulary()
    return [
        NameRecognizer(english, vocabulary),
        PatientInitialsRecognizer(),
        DateRecognizer(),
        AgeOver89Recognizer(),
        PhoneRecognizer(),
        EmailRecognizer(),
        UrlRecognizer(vocabulary),
        IpRecognizer(),
        SsnRecognizer(),
        MrnRecognizer(),
        AccountRecognizer(),
        HealthPlanRecognizer(),
        LicenseRecognizer(),
        DeviceRecognizer(),
        VehicleRecognizer(),
        OtherIdRecognizer(),
        StreetAddressRecognizer(english),
        CityRecognizer(english, vocabulary),
        CityGazetteerRecognizer(english),
        StateRecognizer(english, vocabulary),
        ZipRecognizer(),
        HospitalRecognizer(english),
        FacilityNameRecognizer(english, vocabulary),
        BuildingNameRecognizer(english, vocabulary),
        NonLatinRecognizer(),
        NerRecognizer(english),
    ]


def build_registry(
    english: EnglishVocabulary | None = None, vocabulary: PhilterVocabulary | None = None
) -> RecognizerRegistry:
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in clinical_recognizers(english, vocabulary):
        registry.add_recognizer(recognizer)
    return registry
