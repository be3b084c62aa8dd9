"""The MTSamples precision benchmark (pure functions apart from the readers).

MTSamples (CC0) are real transcribed reports written for publication: almost everything in them is
clinical language, with a little PHI-like text (placeholder names such as `ABC`, dates, towns, ages
over 89). Two numbers come from it:

- redacted tokens per 1,000 tokens, by label (the tokens of `deid.scoring`);
- a reviewed sample of redactions: spans drawn (seeded) from one engine's output and judged by a
  person as `right` (PHI-like) or `wrong` (clinical language), stored as record id, offsets, label and
  verdict only, never the text. Under the current engine a sampled span counts where a detected span
  still covers one of its tokens; the sample's precision is right / (right + wrong) over those tokens,
  and wrong redactions per 1,000 tokens are estimated as the current redaction rate times the share
  of wrong tokens among the sample's still-redacted tokens.

The report text is read from the shared parquet file and never copied."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from deid.scoring import tokens

REVIEW_FIELDS = ("record_id", "start", "end", "label", "verdict")
VERDICTS = frozenset({"right", "wrong"})

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class ReviewedRedaction:
    record_id: int
    start: int
    end: int
    label: str
    verdict: str  # "right": PHI-like text; "wrong": clinical language


def read_reports(path: Path) -> dict[int, str]:
    """record_id -> report text, from the shared `mtsamples-dev.parquet`."""
    import pyarrow.parquet as pq  # only the benchmark needs it

    table = pq.read_table(path, columns=["record_id", "transcription"])
    return dict(zip(table["record_id"].to_pylist(), table["transcription"].to_pylist(), strict=True))


def read_review(path: Path) -> list[ReviewedRedaction]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    review = []
    for number, row in enumerate(rows, 2):
        if row.get("verdict") not in VERDICTS:
            raise ValueError(f"{path.name}: line {number} has no verdict right/wrong")
        review.append(
            ReviewedRedaction(int(row["record_id"]), int(row["start"]), int(row["end"]), row["label"], row["verdict"])
        )
    return review


def write_review(path: Path, review: Sequence[ReviewedRedaction]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(REVIEW_FIELDS)
        for r in review:
            writer.writerow((r.record_id, r.start, r.end, r.label, r.verdict))


def _overlaps(a: Span, spans: Sequence[Span]) -> bool:
    return any(s < a[1] and a[0] < e for s, e in spans)


def redaction_rates(
    reports: Mapping[int, str], detected: Mapping[int, Sequence[tuple[int, int, str]]]
) -> dict[str, object]:
    """Tokens, redacted tokens, and redacted tokens per 1,000 tokens overall and by label."""
    total = 0
    by_label: Counter[str] = Counter()
    for record_id, text in reports.items():
        found = detected.get(record_id, ())
        for token in tokens(text):
            total += 1
            for start, end, label in found:
                if start < token[1] and token[0] < end:
                    by_label[label] += 1
                    break
    redacted = sum(by_label.values())
    return {
        "tokens": total,
        "redacted_tokens": redacted,
        "redacted_per_1000": round(1000 * redacted / max(total, 1), 3),
        "per_label_per_1000": {
            label: round(1000 * n / max(total, 1), 3) for label, n in sorted(by_label.items(), key=lambda x: -x[1])
        },
    }


def rescore_review(
    review: Sequence[ReviewedRedaction],
    reports: Mapping[int, str],
    detected: Mapping[int, Sequence[tuple[int, int, str]]],
    redacted_per_1000: float,
) -> dict[str, object]:
    """The reviewed sample under the current engine (see the module docstring)."""
    still: Counter[str] = Counter()  # verdict -> still-redacted tokens
    spans_still: Counter[str] = Counter()
    wrong_by_label: Counter[str] = Counter()
    for r in review:
        current = [(s, e) for s, e, _ in detected.get(r.record_id, ())]
        text = reports.get(r.record_id)
        if text is None:
            raise ValueError(f"reviewed record {r.record_id} is not in the reports")
        covered = [t for t in tokens(text) if t[0] < r.end and r.start < t[1] and _overlaps(t, current)]
        if covered:
            still[r.verdict] += len(covered)
            spans_still[r.verdict] += 1
            if r.verdict == "wrong":
                wrong_by_label[r.label] += 1
    kept = still["right"] + still["wrong"]
    wrong_share = still["wrong"] / kept if kept else 0.0
    return {
        "sample_spans": len(review),
        "sample_wrong_spans": sum(r.verdict == "wrong" for r in review),
        "still_redacted_spans": {"right": spans_still["right"], "wrong": spans_still["wrong"]},
        "still_redacted_tokens": {"right": still["right"], "wrong": still["wrong"]},
        "precision": round(1 - wrong_share, 4) if kept else 1.0,
        "wrong_per_1000_estimated": round(redacted_per_1000 * wrong_share, 3),
        "wrong_spans_by_label": dict(wrong_by_label.most_common()),
    }
