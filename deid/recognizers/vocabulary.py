"""Philter's vocabularies: the safety net that tells a name from a word.

UCSF Philter (PyPI `philter-lite` 0.6.0, BSD-3-Clause) ships, in `philter_lite/filters/set.toml`,
about 195,000 words that are not names (English and medical vocabulary, clinical abbreviations such as
`uprbc`, `appy`, `osh`), about 97,000 first names and about 161,000 last names, all lower case. Only
that data file is read: the package's code needs NLTK taggers that cannot be downloaded here, so the
package is installed without its dependencies (`requirements-vocabulary.txt`) and never imported.

Built once per process (module-level cache); reading the three lists takes about 0.2 s."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PHILTER_DISTRIBUTION = "philter-lite"
PHILTER_SET_FILE = "philter_lite/filters/set.toml"
# The file is three TOML arrays of plain strings, one per line: a regex reads it five times faster
# than `tomllib`, which stays the reader when a string has an escape.
QUOTED = re.compile(r'"([^"\\]*)"')


@dataclass(frozen=True)
class PhilterVocabulary:
    non_names: frozenset[str]
    first_names: frozenset[str]
    last_names: frozenset[str]


def philter_set_path() -> Path:
    return Path(str(importlib.metadata.distribution(PHILTER_DISTRIBUTION).locate_file(PHILTER_SET_FILE)))


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


@lru_cache(maxsize=1)
def philter_vocabulary() -> PhilterVocabulary:
    lists = read_philter_sets(philter_set_path())
    return PhilterVocabulary(
        non_names=lists["nonames"] - {""}, first_names=lists["firstnames"], last_names=lists["lastnames"]
    )
