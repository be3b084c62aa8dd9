"""Token-level, type-blind scoring of PHI detection (pure functions).

Tokenisation rule: a token is a maximal run of letters and digits (`[^\\W_]+`, Unicode-aware);
punctuation and whitespace are never scored. A token is PHI in the gold standard when any of its
characters lies inside a gold span, and detected when any of its characters lies inside a predicted
span. Type-blind: a PHI token found under another label still counts as found (what matters for
de-identification is that it is removed). Tokens inside *ignored* spans (labels of a public set that
are not PHI under HIPAA, e.g. ORGANIZATION) count neither way. Per-label recall is the share of a
label's gold tokens that were detected. The false-redaction rate is the share of PHI-free records
(no gold span) in which anything was detected."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

TOKEN_RE = re.compile(r"[^\W_]+")

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class GoldRecord:
    id: str
    text: str
    spans: tuple[tuple[int, int, str], ...]
    ignore: tuple[Span, ...] = ()
    kind: str = ""  # a set's own grouping of its records (the challenge set's kinds), for per-kind scores


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    label_gold: dict[str, int] = field(default_factory=dict)
    label_found: dict[str, int] = field(default_factory=dict)
    phi_free_records: int = 0
    phi_free_flagged: int = 0


@dataclass(frozen=True, slots=True)
class Scores:
    recall: float
    precision: float
    f2: float
    per_label_recall: dict[str, float]
    label_support: dict[str, int]
    false_redaction_rate: float
    phi_free_records: int
    tokens_tp: int
    tokens_fp: int
    tokens_fn: int

    def as_dict(self) -> dict[str, object]:
        return {
            "recall": self.recall,
            "precision": self.precision,
            "f2": self.f2,
            "false_redaction_rate": self.false_redaction_rate,
            "phi_free_records": self.phi_free_records,
            "tokens": {"tp": self.tokens_tp, "fp": self.tokens_fp, "fn": self.tokens_fn},
            "per_label_recall": self.per_label_recall,
            "label_support": self.label_support,
        }


def tokens(text: str) -> list[Span]:
    return [m.span() for m in TOKEN_RE.finditer(text)]


def _covered(token: Span, spans: Sequence[Span]) -> bool:
    return any(s < token[1] and token[0] < e for s, e in spans)


def _label_of(token: Span, spans: Sequence[tuple[int, int, str]]) -> str | None:
    for s, e, label in spans:
        if s < token[1] and token[0] < e:
            return label
    return None


def count_record(counts: Counts, record: GoldRecord, predicted: Sequence[Span]) -> None:
    """Add one record's token outcomes to `counts` (mutates it)."""
    if not record.spans:
        counts.phi_free_records += 1
        counts.phi_free_flagged += bool(predicted)
    for token in tokens(record.text):
        if record.ignore and _covered(token, record.ignore):
            continue
        label = _label_of(token, record.spans)
        found = _covered(token, predicted)
        if label is not None:
            counts.label_gold[label] = counts.label_gold.get(label, 0) + 1
            if found:
                counts.tp += 1
                counts.label_found[label] = counts.label_found.get(label, 0) + 1
            else:
                counts.fn += 1
        elif found:
            counts.fp += 1


def f_beta(precision: float, recall: float, beta: float = 2.0) -> float:
    b2 = beta * beta
    denominator = b2 * precision + recall
    return (1 + b2) * precision * recall / denominator if denominator else 0.0


def summarise(counts: Counts) -> Scores:
    recall = counts.tp / (counts.tp + counts.fn) if counts.tp + counts.fn else 1.0
    precision = counts.tp / (counts.tp + counts.fp) if counts.tp + counts.fp else 1.0
    per_label = {
        label: counts.label_found.get(label, 0) / n for label, n in sorted(counts.label_gold.items())
    }
    rate = counts.phi_free_flagged / counts.phi_free_records if counts.phi_free_records else 0.0
    return Scores(
        recall, precision, f_beta(precision, recall), per_label, dict(sorted(counts.label_gold.items())),
        rate, counts.phi_free_records, counts.tp, counts.fp, counts.fn,
    )


def score(records: Iterable[GoldRecord], predictions: Iterable[Sequence[Span]]) -> Scores:
    counts = Counts()
    for record, predicted in zip(records, predictions, strict=True):
        count_record(counts, record, predicted)
    return summarise(counts)


def score_by_kind(records: Iterable[GoldRecord], predictions: Iterable[Sequence[Span]]) -> dict[str, Scores]:
    """Scores per record kind, in order of first appearance; records without a kind are left out."""
    counts: dict[str, Counts] = {}
    for record, predicted in zip(records, predictions, strict=True):
        if record.kind:
            count_record(counts.setdefault(record.kind, Counts()), record, predicted)
    return {kind: summarise(kind_counts) for kind, kind_counts in counts.items()}
