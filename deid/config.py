"""What the de-identification engine is built from: a small frozen value the callers build from their
own settings (`medflow.settings.Settings.deid_config()`), so `deid` reads no application settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# The rules (lists, vocabularies, cues, date formats) are written for English notes.
DEFAULT_LANGUAGES = frozenset({"en"})


@dataclass(frozen=True, slots=True)
class DeidConfig:
    spacy_model: str
    ner: bool
    policy: str
    # The HMAC key of surrogates and date shifts (None: a fresh random one per note); never in the repr.
    hmac_key: str | None = field(repr=False)
    score_threshold: float
    # Worker processes for large batches (0: the usable cores; 1: in-process only).
    processes: int
    vocabulary_file: Path
    # Languages whose notes are analysed (`deid.language` codes); notes in others are withheld.
    languages: frozenset[str] = DEFAULT_LANGUAGES
