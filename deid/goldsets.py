"""Readers of evaluation sets into `GoldRecord`s: the project's gold JSONL and the public
presidio-research synthetic set (read in place from the shared directory, never copied).

Which presidio-research labels count as PHI (HIPAA Safe Harbor), and as what:
PERSON→NAME, STREET_ADDRESS→STREET, GPE→CITY (cities, states and countries are not separated in that
set, so all count), DATE_TIME→DATE, PHONE_NUMBER→PHONE, EMAIL_ADDRESS→EMAIL, ZIP_CODE→ZIP,
DOMAIN_NAME→URL, IP_ADDRESS→IP, US_SSN→SSN, US_DRIVER_LICENSE→LICENSE, CREDIT_CARD and IBAN_CODE→ACCOUNT
(account numbers), AGE→AGE when over 89. Ignored (neither missed nor false when detected): ORGANIZATION
(companies are not PHI; hospitals would be, but the set does not tell them apart), TITLE, NRP
(nationality, religion, politics) and ages of 89 and under."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from deid.labels import PhiLabel
from deid.metrics import GoldRecord

PRESIDIO_SYNTH_FILE = Path("presidio-research-synth") / "synth_dataset_v2.json"

PRESIDIO_LABELS: dict[str, PhiLabel] = {
    "PERSON": PhiLabel.NAME,
    "STREET_ADDRESS": PhiLabel.STREET,
    "GPE": PhiLabel.CITY,
    "DATE_TIME": PhiLabel.DATE,
    "PHONE_NUMBER": PhiLabel.PHONE,
    "EMAIL_ADDRESS": PhiLabel.EMAIL,
    "ZIP_CODE": PhiLabel.ZIP,
    "DOMAIN_NAME": PhiLabel.URL,
    "IP_ADDRESS": PhiLabel.IP,
    "US_SSN": PhiLabel.SSN,
    "US_DRIVER_LICENSE": PhiLabel.LICENSE,
    "CREDIT_CARD": PhiLabel.ACCOUNT,
    "IBAN_CODE": PhiLabel.ACCOUNT,
    "AGE": PhiLabel.AGE,
}
PRESIDIO_IGNORED = frozenset({"ORGANIZATION", "TITLE", "NRP"})


def read_gold_jsonl(path: Path) -> Iterator[GoldRecord]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                spans = tuple((int(s["start"]), int(s["end"]), str(s["label"])) for s in row["spans"])
                yield GoldRecord(str(row["id"]), row["text"], spans)
            except (KeyError, TypeError, ValueError) as exc:
                # Line number and error class only: the line holds note text.
                raise ValueError(f"{path.name}: line {number} is not a gold record ({type(exc).__name__})") from None


def _age_over_89(value: str) -> bool:
    digits = "".join(c for c in value if c.isdigit())
    return bool(digits) and int(digits) > 89


def read_presidio_synth(eval_dir: Path) -> Iterator[GoldRecord]:
    rows = json.loads((eval_dir / PRESIDIO_SYNTH_FILE).read_text(encoding="utf-8"))
    for number, row in enumerate(rows):
        spans, ignore = [], []
        for span in row["spans"]:
            kind, start, end = span["entity_type"], span["start_position"], span["end_position"]
            if kind == "AGE" and not _age_over_89(span["entity_value"]):
                ignore.append((start, end))
            elif kind in PRESIDIO_LABELS:
                spans.append((start, end, PRESIDIO_LABELS[kind].value))
            elif kind in PRESIDIO_IGNORED:
                ignore.append((start, end))
            else:
                raise ValueError(f"presidio-research set: unmapped label {kind!r}")
        yield GoldRecord(f"synth-{number}", row["full_text"], tuple(spans), tuple(ignore))
