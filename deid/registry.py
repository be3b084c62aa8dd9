"""Assembles the clinical recognizers into one Presidio `RecognizerRegistry`.

Presidio's predefined recognizers are not loaded: on clinical text they flag times, doses and vitals
(credit-card, date-time and NER recognizers) and they are slower. Each kind of PHI has its own
recognizer in `deid.recognizers`."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer, RecognizerRegistry

from deid.recognizers.age import AgeOver89Recognizer
from deid.recognizers.contact import EmailRecognizer, IpRecognizer, PhoneRecognizer, UrlRecognizer
from deid.recognizers.dates import DateRecognizer
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
from deid.recognizers.locations import (
    CityRecognizer,
    HospitalRecognizer,
    StateRecognizer,
    StreetAddressRecognizer,
    ZipRecognizer,
)
from deid.recognizers.names import NameRecognizer


def clinical_recognizers(english_words: frozenset[str] = frozenset()) -> list[EntityRecognizer]:
    """`english_words`: ordinary vocabulary, to tell names from words (see `deid.nlp`)."""
    return [
        NameRecognizer(english_words),
        DateRecognizer(),
        AgeOver89Recognizer(),
        PhoneRecognizer(),
        EmailRecognizer(),
        UrlRecognizer(),
        IpRecognizer(),
        SsnRecognizer(),
        MrnRecognizer(),
        AccountRecognizer(),
        HealthPlanRecognizer(),
        LicenseRecognizer(),
        DeviceRecognizer(),
        VehicleRecognizer(),
        OtherIdRecognizer(),
        StreetAddressRecognizer(),
        CityRecognizer(),
        StateRecognizer(),
        ZipRecognizer(),
        HospitalRecognizer(),
    ]


def build_registry(english_words: frozenset[str] = frozenset()) -> RecognizerRegistry:
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in clinical_recognizers(english_words):
        registry.add_recognizer(recognizer)
    return registry
