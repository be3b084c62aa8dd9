"""The MTSamples benchmark's pure parts (deid.mtsamples) on invented reports: redaction rates and the
reviewed sample re-scored under another engine's spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from deid.mtsamples import ReviewedRedaction, read_review, redaction_rates, rescore_review, write_review

REPORTS = {
    1: "Seen by Dr. Quell on 3/4/2021. Metzenbaum scissors used.",  # 11 tokens
    2: "Strength 5/5 throughout.",  # 4 tokens
}
REVIEW = [
    ReviewedRedaction(1, 12, 17, "NAME", "right"),  # Quell
    ReviewedRedaction(1, 21, 29, "DATE", "right"),  # 3/4/2021: three tokens
    ReviewedRedaction(1, 31, 41, "NAME", "wrong"),  # Metzenbaum
    ReviewedRedaction(2, 9, 12, "DATE", "wrong"),  # 5/5: two tokens
]


def test_rates_count_tokens_by_label() -> None:
    detected = {1: [(12, 17, "NAME"), (21, 29, "DATE")], 2: []}
    rates = redaction_rates(REPORTS, detected)
    assert rates["tokens"] == 15
    assert rates["redacted_tokens"] == 4
    assert rates["per_label_per_1000"] == {"DATE": round(3000 / 15, 3), "NAME": round(1000 / 15, 3)}


def test_rescore_counts_what_the_engine_still_redacts() -> None:
    everything = {1: [(12, 17, "NAME"), (21, 29, "DATE"), (31, 41, "NAME")], 2: [(9, 12, "DATE")]}
    before = rescore_review(REVIEW, REPORTS, everything, redacted_per_1000=10.0)
    assert before["still_redacted_tokens"] == {"right": 4, "wrong": 3}
    assert before["precision"] == round(4 / 7, 4)
    assert before["wrong_per_1000_estimated"] == round(10.0 * 3 / 7, 3)
    assert before["wrong_spans_by_label"] == {"NAME": 1, "DATE": 1}

    clinical_kept = {1: [(12, 17, "NAME"), (21, 29, "DATE")], 2: []}
    after = rescore_review(REVIEW, REPORTS, clinical_kept, redacted_per_1000=5.0)
    assert after["still_redacted_spans"] == {"right": 2, "wrong": 0}
    assert after["precision"] == 1.0
    assert after["wrong_per_1000_estimated"] == 0.0


def test_rescore_refuses_a_record_that_is_not_there() -> None:
    with pytest.raises(ValueError, match="not in the reports"):
        rescore_review([ReviewedRedaction(9, 0, 1, "NAME", "wrong")], REPORTS, {}, 1.0)


def test_review_file_round_trip_holds_offsets_and_verdicts_only(tmp_path: Path) -> None:
    path = tmp_path / "review.csv"
    write_review(path, REVIEW)
    assert path.read_text(encoding="utf-8").splitlines()[0] == "record_id,start,end,label,verdict"
    assert read_review(path) == REVIEW
    path.write_text("record_id,start,end,label,verdict\n1,0,4,NAME,maybe\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        read_review(path)


def test_shipped_review_is_a_reviewed_sample_of_at_least_300() -> None:
    review = read_review(Path(__file__).parents[2] / "data" / "samples" / "mtsamples-review.csv")
    assert len(review) >= 300
    assert {r.verdict for r in review} == {"right", "wrong"}
    assert len({(r.record_id, r.start) for r in review}) == len(review)
