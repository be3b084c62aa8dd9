"""What the de-identification engine is built from: a small frozen value the callers build from their
own settings (`medflow.settings.Settings.deid_config()`), so `deid` reads no application settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


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
