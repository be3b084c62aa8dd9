"""The spaCy side of Presidio: the tokenizer, plus the statistical NER when enabled, batched through
`nlp.pipe`.

The clinical recognizers need tokens (names, context words), not tagger/parser: those components
cost most of the time and are never loaded. The NER (`DeidConfig.ner`) is optional: it finds names
and places that are in no list and have no cue, at a large cost in speed (see deid/README.md). In the
small English models it has its own internal tok2vec, so it runs without the shared `tok2vec`. The
spaCy model is loaded by name (`DeidConfig.spacy_model`) so a site's tokenizer customisations apply."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import spacy
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from spacy.language import Language
from spacy.tokens import Doc, Span

from deid.recognizers.lexicon import EnglishVocabulary

LANGUAGE = "en"
BATCH_SIZE = 64
# The NER's CNN is cheaper per text in larger batches; notes are segmented, so memory stays small.
NER_BATCH_SIZE = 128
NER_COMPONENT = "ner"
# spaCy's tokenizer takes quadratic time on a long run without whitespace (`a:a:a:...`: 1 s for 16,000
# characters). The tokenizer reads such runs with a space every this many characters (same length, so
# token offsets still match the text the recognizers read); no name or cue is that long.
MAX_TOKENIZER_RUN = 100
LONG_RUN = re.compile(rf"\S{{{MAX_TOKENIZER_RUN + 1},}}")


class TokenizerNlpEngine(SpacyNlpEngine):
    """Presidio `NlpEngine` that runs spaCy's tokenizer (and, with `ner=True`, the NER component
    only) and uses lower-cased tokens as lemmas (context words in the recognizers are lower case).
    Without NER the artifacts carry no entities, so the NER recognizer finds nothing."""

    def __init__(self, model_name: str, ner: bool = False) -> None:
        super().__init__(models=[{"lang_code": LANGUAGE, "model_name": model_name}])
        self._model_name = model_name
        self.ner = ner
        self.english = EnglishVocabulary()

    def load(self) -> None:
        nlp: Language = spacy.load(self._model_name)
        self.english = _english_vocabulary(nlp)
        if self.ner and NER_COMPONENT not in nlp.pipe_names:
            raise ValueError(f"spaCy model {self._model_name!r} has no {NER_COMPONENT!r} component")
        # Keep the tokenizer (and its exceptions), and the NER if enabled; drop every other component.
        keep = {NER_COMPONENT, *_ner_sources(nlp)} if self.ner else set()
        for name in list(nlp.pipe_names):
            if name not in keep:
                nlp.remove_pipe(name)
        self.nlp = {LANGUAGE: nlp}

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return self.doc_to_artifacts(self.nlp[language](_with_short_runs(text)))

    def pipe(self, texts: Iterable[str]) -> Iterator[NlpArtifacts]:
        batch_size = NER_BATCH_SIZE if self.ner else BATCH_SIZE
        for doc in self.nlp[LANGUAGE].pipe(map(_with_short_runs, texts), batch_size=batch_size):
            yield self.doc_to_artifacts(doc)

    def doc_to_artifacts(self, doc: Doc) -> NlpArtifacts:
        entities: list[Span] = list(doc.ents) if self.ner else []
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[token.lower_ for token in doc],
            nlp_engine=self,
            language=LANGUAGE,
        )


def _with_short_runs(text: str) -> str:
    """`text` with every run of non-space characters longer than `MAX_TOKENIZER_RUN` broken by a space
    every `MAX_TOKENIZER_RUN` characters (linear tokenization; same length, same offsets)."""
    if LONG_RUN.search(text) is None:
        return text

    def broken(match: re.Match[str]) -> str:
        chars = list(match.group())
        every = slice(MAX_TOKENIZER_RUN, None, MAX_TOKENIZER_RUN)
        chars[every] = " " * len(chars[every])
        return "".join(chars)

    return LONG_RUN.sub(broken, text)


def _ner_sources(nlp: Language) -> list[str]:
    """Shared `tok2vec`/`transformer` components the NER listens to (md/lg/trf models)."""
    return [
        name
        for name, component in nlp.pipeline
        if NER_COMPONENT in getattr(component, "listening_components", ())
    ]


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
    return EnglishVocabulary(words=non_nouns | by_pos["noun"], non_nouns=non_nouns, nouns=by_pos["noun"])
