"""Token-level scoring and the gold-set readers."""

from __future__ import annotations

import json

import pytest

from deid.goldsets import read_gold_jsonl, read_presidio_synth
from deid.scoring import GoldRecord, f_beta, score, score_by_kind, tokens


def test_tokens_are_alphanumeric_runs():
    text = "Dr. O'Brien, 3/4/2021 — Zoë"
    assert [text[s:e] for s, e in tokens(text)] == ["Dr", "O", "Brien", "3", "4", "2021", "Zoë"]


def test_type_blind_token_scoring_and_per_label_recall():
    text = "Dr. John Smith seen 3/4/2021 BP 120/80"
    record = GoldRecord("1", text, ((4, 14, "NAME"), (20, 28, "DATE")))
    predicted = [(4, 8, ), (20, 28), (32, 38)]  # John, the date, and a false "120/80"
    result = score([record], [[p for p in predicted]])
    assert (result.tokens_tp, result.tokens_fn, result.tokens_fp) == (4, 1, 2)
    assert result.recall == pytest.approx(4 / 5)
    assert result.precision == pytest.approx(4 / 6)
    assert result.per_label_recall == {"DATE": 1.0, "NAME": 0.5}
    assert result.f2 == pytest.approx(f_beta(4 / 6, 4 / 5))


def test_false_redaction_rate_counts_phi_free_records_with_any_detection():
    records = [GoldRecord("a", "no phi here", ()), GoldRecord("b", "still none", ()), GoldRecord("c", "x", ())]
    result = score(records, [[(0, 2)], [], []])
    assert result.false_redaction_rate == pytest.approx(1 / 3)
    assert result.phi_free_records == 3


def test_ignored_spans_count_neither_way():
    record = GoldRecord("1", "Acme Corp hired Ann", ((16, 19, "NAME"),), ignore=((0, 9),))
    result = score([record], [[(0, 9), (16, 19)]])
    assert (result.tokens_tp, result.tokens_fp, result.tokens_fn) == (1, 0, 0)


def test_f_beta_weights_recall():
    assert f_beta(0.5, 1.0) > f_beta(1.0, 0.5)
    assert f_beta(0.0, 0.0) == 0.0


def test_read_gold_jsonl_and_error_without_text(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"id": 7, "text": "Ann", "spans": [{"start": 0, "end": 3, "label": "NAME"}]}) + "\n")
    (record,) = read_gold_jsonl(path)
    assert record == GoldRecord("7", "Ann", ((0, 3, "NAME"),))
    path.write_text('{"id": 1, "text": "SECRET-PHI"}\n')
    with pytest.raises(ValueError) as error:
        list(read_gold_jsonl(path))
    assert "SECRET" not in str(error.value)


def test_presidio_synth_label_mapping(tmp_path):
    rows = [
        {
            "full_text": "Ann (95) of Acme, age 40",
            "spans": [
                {"entity_type": "PERSON", "entity_value": "Ann", "start_position": 0, "end_position": 3},
                {"entity_type": "AGE", "entity_value": "95", "start_position": 5, "end_position": 7},
                {"entity_type": "ORGANIZATION", "entity_value": "Acme", "start_position": 12, "end_position": 16},
                {"entity_type": "AGE", "entity_value": "40", "start_position": 22, "end_position": 24},
            ],
        }
    ]
    folder = tmp_path / "presidio-research-synth"
    folder.mkdir()
    (folder / "synth_dataset_v2.json").write_text(json.dumps(rows))
    (record,) = read_presidio_synth(tmp_path)
    assert record.spans == ((0, 3, "NAME"), (5, 7, "AGE"))
    assert record.ignore == ((12, 16), (22, 24))


def test_scores_by_kind_and_the_kind_read_from_gold_jsonl(tmp_path):
    path = tmp_path / "gold.jsonl"
    rows = [{"id": "p-1", "kind": "phone", "text": "pg 41187", "spans": [{"start": 3, "end": 8, "label": "PHONE"}]},
            {"id": "t-1", "kind": "trap", "text": "PSV 12/5", "spans": []},
            {"id": "x", "text": "Ann", "spans": [{"start": 0, "end": 3, "label": "NAME"}]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    records = list(read_gold_jsonl(path))
    assert [r.kind for r in records] == ["phone", "trap", ""]
    by_kind = score_by_kind(records, [[], [(4, 8)], [(0, 3)]])
    assert list(by_kind) == ["phone", "trap"]
    assert by_kind["phone"].recall == 0.0 and by_kind["phone"].tokens_fn == 1
    assert by_kind["trap"].false_redaction_rate == 1.0 and by_kind["trap"].tokens_fp == 2
