"""Regex building blocks of addresses shared by the location recognizers: capitalised words, towns,
street lines, units, US states, ZIP codes and postcodes."""

from __future__ import annotations

import regex
from faker.providers.address.en_US import Provider as UsAddresses

from deid.recognizers.lexicon.places import STATE_NAMES, STATES, STREET_ABBREVIATIONS

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
# US, Canadian, UK, Dutch, Swedish/Czech, Polish and plain four- and five-digit postcodes.
POSTCODE = (
    r"(?:\d{5}(?:-\d{4})?|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[A-Z]{2}|\d{4}[ \t]?[A-Z]{2}\b|"
    r"\d{3}[ \t]\d{2}|\d{2}-\d{3}|\d{4})"
)
