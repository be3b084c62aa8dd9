"""Names and places from spaCy's statistical NER (`DeidConfig.ner`), for the PHI the lists and cues
miss: names that are in no list and have no cue (`She named him Tobiah`), foreign cities and countries.

The NER entities come from the NLP artifacts (`deid.nlp` runs the `ner` component when enabled; when
it does not, this recognizer finds nothing). On notes the NER also tags drugs, eponyms and
abbreviations as people or places, so an entity is dropped when every word of it is clinical or
ordinary vocabulary: the medical allow-list, a drug-name stem or common brand, clinical shorthand, an
English word that is in no name list (or, for a place, in no country or city list), an abbreviation,
a short word in no name list, or a lower-case word. Entities with digits (`Wt 88 kg`) or line
breaks are dropped, and so are countries (not PHI under Safe Harbor).
ALL CAPS and all-lower-case notes get no NER results: the model tags headings and findings there."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from functools import lru_cache

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Span

from deid.labels import PhiLabel
from deid.recognizers.base import case_is_informative
from deid.recognizers.lexicon import EnglishVocabulary, first_names, is_allow_listed, last_names
from deid.recognizers.lexicon.people import EPONYM_HEADS

# OntoNotes label -> PHI label. GPE (cities, states, countries) and LOC (regions) count as CITY: the
# scorer is type-blind and the anonymiser tags them alike. FAC/ORG are not used: hospitals have their
# own recognizer, and companies are not PHI.
LABELS: dict[str, str] = {
    "PERSON": PhiLabel.NAME.value,
    "GPE": PhiLabel.CITY.value,
    "LOC": PhiLabel.CITY.value,
}
SCORE = 0.6  # above the default threshold, below the cue-based recognizers (they win label ties)
WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Generic drug-name stems (USAN): `Metoprolol`, `Lisinopril`, `Atorvastatin` are not people.
DRUG_SUFFIXES = (
    "olol", "pril", "sartan", "statin", "dipine", "prazole", "tidine", "parin", "gliptin", "gliflozin",
    "triptan", "cycline", "cillin", "mycin", "floxacin", "azole", "conazole", "oxetine", "azepam",
    "zolam", "afil", "lukast", "semide", "thiazide", "mab", "tinib", "platin", "rubicin", "vudine",
    "navir", "ciclovir", "amivir", "setron", "terol", "sone", "olone", "formin", "glitazone",
)
# Brands among the most prescribed drugs in the US, and clinical shorthand the NER calls people or
# places (`Neuro`, `Dispo`, insurers), beyond the lexicon's allow-list.
CLINICAL_WORDS = frozenset(
    """
    miralax eliquis xarelto flomax spiriva synthroid ambien bactrim zoloft lexapro prozac celexa
    wellbutrin xanax klonopin valium seroquel zyprexa risperdal abilify depakote lamictal neurontin
    lyrica norvasc zestril lipitor crestor zocor plavix brilinta pradaxa toprol lopressor coreg
    cozaar diovan lantus humalog novolog levemir januvia jardiance farxiga ozempic trulicity victoza
    glucophage advair symbicort proair ventolin albuterol singulair flovent prilosec nexium pepcid
    zantac colace senokot dulcolax keflex augmentin cipro levaquin zithromax flagyl vancomycin
    zosyn rocephin solumedrol medrol decadron prednisone oxycontin ultram tramadol narcan suboxone
    humira enbrel remicade imdur nitrostat lanoxin aldactone cardizem entresto
    neuro dispo nsg psych resp pulm cardio ortho derm onc heme endo nephro uro rheum gyn peds
    abd ext heent msk gu cv sob doe cxr ct mri echo ekg etoh phos trop recs multiplanar mediastinal
    osteopenia impella ommaya tinea surgery
    kaiser cigna aetna humana anthem medicare medicaid tricare bluecross
    """.split()
)
# Diagnosis and procedure word endings (`Cardiomegaly`, `Cholangitis`), never a name or a city.
MEDICAL_SUFFIXES = (
    "megaly", "ectomy", "otomy", "itis", "osis", "emia", "penia", "pathy", "plasty", "scopy", "ology", "algia",
)
ABBREVIATION_MAX_LETTERS = 5
# More eponym heads than the name recognizer's (`McBurney point`, `Greenfield filter`).
DEVICE_HEADS = frozenset("point filter reservoir pump shunt stent valve device".split())
POSSESSIVES = frozenset({"'s", "’s", "'", "’"})
SHORT_WORD_MAX_LETTERS = 3  # `Abd`, `Wt`, `Hct`, `Rm`: shorthand unless a name list knows it (`Li`, `Ng`)


class NerRecognizer(EntityRecognizer):
    def __init__(self, english: EnglishVocabulary | None = None) -> None:
        self._english = english or EnglishVocabulary()
        super().__init__(
            supported_entities=sorted(set(LABELS.values())), name="SpacyNerRecognizer"
        )

    def load(self) -> None:
        self._first = first_names()
        self._last = last_names()
        self._places = place_names()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None or not nlp_artifacts.entities:
            return []
        if not case_is_informative([t.text for t in nlp_artifacts.tokens]):
            return []
        results = []
        for ent in nlp_artifacts.entities:
            label = LABELS.get(ent.label_)
            if label is None or label not in entities or not self._is_phi(ent, label):
                continue
            results.append(RecognizerResult(label, ent.start_char, ent.end_char, SCORE))
        return results

    def _is_phi(self, ent: Span, label: str) -> bool:
        words = WORD_RE.findall(ent.text)
        # Digits (`Wt 88 kg`) or a line break (`Progress Note\nDate`): a measurement or headings.
        if not words or any(c.isdigit() or c == "\n" for c in ent.text) or self._is_eponym(ent):
            return False
        if label == PhiLabel.CITY.value:
            whole = " ".join(words).lower().removeprefix("the ")
            # A country is not PHI under Safe Harbor (travel history stays readable); a known city is.
            if whole in countries():
                return False
            if whole in self._places:
                return True
        known = self._known_place if label == PhiLabel.CITY.value else self._known_person
        places = label == PhiLabel.CITY.value
        return any(self._is_proper_word(word, known, places) for word in words)

    def _known_person(self, lower: str) -> bool:
        return lower in self._first or lower in self._last

    def _known_place(self, lower: str) -> bool:
        return lower in self._places

    def _is_proper_word(self, word: str, known: Callable[[str], bool], places: bool) -> bool:
        lower = word.lower()
        if len(word) < 2 or word.islower() or lower in STOP_WORDS or lower in CLINICAL_WORDS:
            return False
        if is_allow_listed(lower) or lower.endswith(DRUG_SUFFIXES) or lower.endswith(MEDICAL_SUFFIXES):
            return False
        # `CBC`, `RUQ`, `LLE`: an abbreviation (the note is mixed case); `EtOH`, `HFpEF`: a unit or term.
        if word.isupper():
            if len(word) <= ABBREVIATION_MAX_LETTERS:
                return False
        elif word[-1].isupper():
            return False
        if len(word) <= SHORT_WORD_MAX_LETTERS:
            return known(lower)
        # `Surgery`, `Unlabored`: ordinary words, unless a name or place list knows them too. WordNet
        # also lists many cities as nouns (`Boston`, `Tbilisi`): for places only non-nouns count.
        if self._english.has_non_noun(lower) or (self._english.has_word(lower) and not places):
            return known(lower)
        return True

    @staticmethod
    def _is_eponym(ent: Span) -> bool:
        """`Graves disease`, `Baker's cyst`: the NER often calls the name part a PERSON."""
        doc = ent.doc
        after = ent.end
        if after < len(doc) and doc[after].lower_ in POSSESSIVES:
            after += 1
        return after < len(doc) and (doc[after].lower_ in EPONYM_HEADS or doc[after].lower_ in DEVICE_HEADS)


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """City names (lower case) from Faker's address providers of every locale: cities that are also
    English words (`Nice`, `Reading`) still count as places."""
    return _faker_address_names(("cities", "city_names"))


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    return _faker_address_names(("countries",)) | frozenset({"usa", "us", "uk", "america"})


def _faker_address_names(attributes: tuple[str, ...]) -> frozenset[str]:
    import faker.providers.address as addresses

    names: set[str] = set()
    for module in pkgutil.iter_modules(addresses.__path__):
        provider = importlib.import_module(f"{addresses.__name__}.{module.name}").Provider
        for attribute in attributes:
            values = getattr(provider, attribute, ())
            if isinstance(values, list | tuple):
                names.update(v.lower() for v in values if isinstance(v, str))
    return frozenset(names)
