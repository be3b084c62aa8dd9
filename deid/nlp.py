"""The spaCy side of Presidio: tokenisation only, batched through `nlp.pipe`.

The clinical recognizers need tokens (names, context words), not tagger/parser/NER: statistical
components cost most of the time and their entities flag times and doses in notes. The spaCy model
is still loaded by name (`Settings.spacy_model`) so a site's tokenizer customisations apply."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc

from deid.recognizers.lexicon import EnglishVocabulary

LANGUAGE = "en"
BATCH_SIZE = 64


class TokenizerNlpEngine(SpacyNlpEngine):
    """Presidio `NlpEngine` that runs only spaCy's tokenizer and uses lower-cased tokens as lemmas
    (context words in the recognizers are written in lower case)."""

    def __init__(self, model_name: str) -> None:
        super().__init__(models=[{"lang_code": LANGUAGE, "model_name": model_name}])
        self._model_name = model_name
        self.english = EnglishVocabulary()

    def load(self) -> None:
        nlp: Language = spacy.load(self._model_name)
        self.english = _english_vocabulary(nlp)
        # Keep the tokenizer (and its exceptions); drop every trained component.
        for name in list(nlp.pipe_names):
            nlp.remove_pipe(name)
        self.nlp = {LANGUAGE: nlp}

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return self.doc_to_artifacts(self.nlp[language](text))

    def pipe(self, texts: Iterable[str]) -> Iterator[NlpArtifacts]:
        for doc in self.nlp[LANGUAGE].pipe(texts, batch_size=BATCH_SIZE):
            yield self.doc_to_artifacts(doc)

    def doc_to_artifacts(self, doc: Doc) -> NlpArtifacts:
        return NlpArtifacts(
            entities=[],
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[token.lower_ for token in doc],
            nlp_engine=self,
            language=LANGUAGE,
        )


def _english_vocabulary(nlp: Language) -> EnglishVocabulary:
    """English vocabulary (WordNet lemma index shipped with the model's rule lemmatizer), used to
    tell ordinary words from names; empty when the model has no such lemmatizer."""
    if "lemmatizer" not in nlp.pipe_names:
        return EnglishVocabulary()
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return EnglishVocabulary()
    index = lookups.get_table("lemma_index")
    by_pos = {pos: frozenset(index.get(pos, ())) for pos in ("noun", "verb", "adj", "adv")}
    non_nouns = by_pos["verb"] | by_pos["adj"] | by_pos["adv"]
    return EnglishVocabulary(words=non_nouns | by_pos["noun"], non_nouns=non_nouns)
