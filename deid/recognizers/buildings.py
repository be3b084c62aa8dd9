"""Buildings, towers, pavilions and halls named after people (`the Whitcombe building`, `ARDAL PAVILION`,
`"Marsh wing"`): the name before the building word is PHI (it names the institution) when it is a
listed name or a word in no vocabulary. Ordinary and clinical words are not (`Main building`, `East
wing`, `Research tower`), nor a listed name that is also a word (`Rose Hall`: a cue would be needed).
The building word itself is kept."""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from deid.labels import PhiLabel
from deid.recognizers.lexicon import EnglishVocabulary, first_names, last_names
from deid.recognizers.vocabulary import PhilterVocabulary, philter_vocabulary

BUILDING = regex.compile(
    r"(?<![\w-])(?P<name>\p{Lu}[\p{L}'’-]*\p{L})[ \t]+(?i:building|bldg\.?|pavilion|tower|wing|hall)(?![\w-])"
)
SCORE = 0.7


class BuildingNameRecognizer(EntityRecognizer):
    def __init__(
        self, english: EnglishVocabulary | None = None, vocabulary: PhilterVocabulary | None = None
    ) -> None:
        self._english = english or EnglishVocabulary()
        self._philter = vocabulary
        super().__init__(supported_entities=[PhiLabel.HOSPITAL.value], name="BuildingNameRecognizer")

    def load(self) -> None:
        philter = self._philter or philter_vocabulary()
        self._vocabulary = philter.non_names
        self._names = first_names() | last_names()

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = []
        for match in BUILDING.finditer(text):
            word = match.group("name").lower().removesuffix("'s").removesuffix("’s")
            ordinary = self._english.has_word(word) or word in self._vocabulary
            if ordinary and not (word in self._names and not self._english.has_word(word)):
                continue
            results.append(RecognizerResult(PhiLabel.HOSPITAL.value, match.start("name"), match.end("name"), SCORE))
        return results
