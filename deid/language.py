"""Which language a note is written in, as far as de-identification cares: English (the language its
rules are for) or one of the Latin-script languages whose notes would otherwise pass through with their
dates, facilities and names unseen (`3. Februar 2024`, `9 de junio de 2023`, `Klinikum …`).

A stop-word profile, not a statistical model: each language is a set of its commonest function words,
with a few month names and clinical nouns, none of them also an English word or a clinical
abbreviation (no `die`, `am`, `er`, `la`, `los`, `le`, `na`, `os`). A note counts as language L only on
clear evidence: at least `MIN_HITS` words of L and `DOMINANCE` times as many as of English (where
profiles share words, Spanish and Portuguese say, the one with more names the note; either way it is not
English). Anything less (a short note, ALL-CAPS shorthand, a Spanish name in an English note) counts as
English: the gate errs towards the rules it has. Deterministic and offline (its cost: docs/performance-notes.md).
Notes in other scripts are the script gate's (`deid.coverage`)."""

from __future__ import annotations

import regex

ENGLISH = "en"
WORD = regex.compile(r"\p{L}+")
# Function words, lower case. English's list is what the other languages are weighed against.
PROFILES: dict[str, frozenset[str]] = {
    ENGLISH: frozenset(
        "the and of with was were to for is are on in at by from this that has have had not no but or "
        "he she his her him they them their there which who will would been be being after before than "
        "then into over under about per denies denied patient presents reports history".split()
    ),
    # Left out as English words or abbreviations: die am an im in war also so hat den er es (de);
    # y ha los la para por sin lo (es: y/o, HA, LOS, LA, gravida/para); le est et du pas ou (fr: LE, et al.);
    # di il non come per ma (it: DI, IL, non-tender); do no na os em nos (pt: Na, OS, EM, NOS); met van (nl).
    "de": frozenset(
        "und der das ist nicht mit wurde wurden wird werden bei ein eine einer eines einem dem des sich "
        "auf für von zu zum zur auch nach seit keine kein keinen sowie oder aber über unter wir sie ihr "
        "sind haben hatte durch vom beim aufgrund bzw zustand patientin klagt stationär aufnahme klinikum "
        "fieber husten schmerzen januar februar märz juni oktober dezember".split()
    ),
    "es": frozenset(
        "el las del que con una se su sus al como más pero sobre fue han está están desde hasta entre "
        "presenta refiere niega paciente ingresó ingresa ingreso dolor cuadro años fiebre enero febrero marzo "
        "junio agosto septiembre octubre noviembre diciembre".split()
    ),
    "fr": frozenset(
        "les des dans pour avec sur qui aux été cette elle ses leur mais depuis chez sans selon présente "
        "patiente douleur était sont ont fièvre janvier février avril juin juillet août septembre octobre "
        "novembre décembre".split()
    ),
    "it": frozenset(
        "che è una con del della dei delle sono gli nel nella alla allo dal dalla anche paziente presenta "
        "dolore stato stata viene ricoverato febbre gennaio febbraio marzo aprile maggio giugno luglio "
        "settembre ottobre dicembre".split()
    ),
    "pt": frozenset(
        "dos das não com uma que é nas ao aos pelo pela foi está são paciente apresenta refere nega dor "
        "quadro internado febre janeiro fevereiro março junho julho setembro outubro novembro dezembro".split()
    ),
    "nl": frozenset(
        "het een niet voor dat zijn werd bij ook naar heeft hebben deze wordt patiënt klachten sinds geen "
        "opgenomen ziekenhuis koorts januari februari maart mei juni juli oktober".split()
    ),
}
MIN_HITS = 3  # fewer function words of a language than this is no evidence (a name, a quoted phrase)
DOMINANCE = 2.0  # ... and it must have this many times as many as English


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the profile that clearly dominates ``text``, else ``"en"``."""
    hits = dict.fromkeys(PROFILES, 0)
    for word in WORD.findall(text.lower()):
        for code, words in PROFILES.items():
            if word in words:
                hits[code] += 1
    best = max((code for code in PROFILES if code != ENGLISH), key=hits.__getitem__)
    if hits[best] >= MIN_HITS and hits[best] >= DOMINANCE * hits[ENGLISH]:
        return best
    return ENGLISH


def is_unsupported_language(text: str, allowed: frozenset[str]) -> bool:
    """Whether ``text`` is in a language outside ``allowed`` (codes as `detect_language` returns them)."""
    return detect_language(text) not in allowed
