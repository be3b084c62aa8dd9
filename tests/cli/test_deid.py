"""`medflow deid detect` and `medflow deid eval` end to end on small files."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.deid import app

runner = CliRunner()
NOTES = [
    {"id": "a", "text": "Seen by Dr. Quennell on 3/4/2021."},
    {"id": "b", "text": ""},
    {"id": "c", "text": "BP 120/80, HR 88, metoprolol 25 mg."},
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_detect_writes_one_line_per_input_in_order(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDFLOW_DEID_PROCESSES", "1")
    source, target = tmp_path / "in.jsonl", tmp_path / "out" / "spans.jsonl"
    write_jsonl(source, NOTES)
    result = runner.invoke(app, ["detect", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    found = [NOTES[0]["text"][s["start"] : s["end"]] for s in lines[0]["spans"]]
    assert found == ["Quennell", "3/4/2021"]
    assert {"start", "end", "label", "score"} == set(lines[0]["spans"][0])
    assert lines[1]["spans"] == [] and lines[2]["spans"] == []
    assert "Quennell" not in result.output


def test_detect_rejects_bad_lines_without_echoing_them(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1}\n')
    result = runner.invoke(app, ["detect", "--input", str(source), "--output", str(tmp_path / "o.jsonl")])
    assert result.exit_code != 0


def test_eval_prints_table_and_json(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDFLOW_DEID_PROCESSES", "1")
    gold = tmp_path / "gold.jsonl"
    write_jsonl(
        gold,
        [
            {"id": "a", "text": NOTES[0]["text"], "spans": [{"start": 12, "end": 20, "label": "NAME"},
                                                           {"start": 24, "end": 32, "label": "DATE"}]},
            {"id": "c", "text": NOTES[2]["text"], "spans": []},
        ],
    )
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--json-out", str(report)])
    assert result.exit_code == 0, result.output
    assert "Per-label recall" in result.output
    scores = json.loads(report.read_text())["gold.jsonl"]
    assert scores["recall"] == 1.0 and scores["precision"] == 1.0
    assert scores["false_redaction_rate"] == 0.0 and scores["phi_free_records"] == 1
    assert scores["per_label_recall"] == {"DATE": 1.0, "NAME": 1.0}


def test_detect_writes_an_error_line_for_a_text_it_could_not_analyse_and_exits_1(tmp_path, monkeypatch):
    from deid_support import ERROR_TRIGGER, TIMEOUT_TRIGGER, trapped

    from deid.engine import get_engine
    from deid.recognizers import base
    from medflow.settings import get_settings

    monkeypatch.setenv("MEDFLOW_DEID_PROCESSES", "1")
    monkeypatch.setattr(base, "REGEX_TIMEOUT_S", 0.2)
    get_settings.cache_clear()
    canary = "Zebulon Quigglesworth"
    rows = [
        NOTES[0],
        {"id": "slow", "text": f"Dr. {canary}\n{TIMEOUT_TRIGGER}"},
        {"id": "broken", "text": f"{ERROR_TRIGGER} Dr. {canary}"},
        NOTES[2],
    ]
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(source, rows)
    with trapped(get_engine(get_settings().deid_config())):  # the engine the command uses (same settings)
        result = runner.invoke(app, ["detect", "--input", str(source), "--output", str(target)])
    get_settings.cache_clear()
    assert result.exit_code == 1
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["a", "slow", "broken", "c"]  # every line written, in order
    assert lines[1] == {"id": "slow", "error": "deid_incomplete"} == lines[2] | {"id": "slow"}
    assert [NOTES[0]["text"][s["start"] : s["end"]] for s in lines[0]["spans"]] == ["Quennell", "3/4/2021"]
    assert "2 record(s) could not be analysed completely: deid_incomplete" in result.output
    assert canary not in result.output


def test_eval_without_gold_scores_every_known_set_and_lists_absent_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDFLOW_DEID_PROCESSES", "1")
    samples = tmp_path / "samples"
    (samples / "challenge").mkdir(parents=True)
    write_jsonl(samples / "gold.jsonl", [{"id": "a", "text": NOTES[0]["text"], "spans": [
        {"start": 12, "end": 20, "label": "NAME"}, {"start": 24, "end": 32, "label": "DATE"}]}])
    write_jsonl(samples / "challenge" / "gold.jsonl", [
        {"id": "clinician-001", "kind": "clinician", "text": NOTES[0]["text"],
         "spans": [{"start": 12, "end": 20, "label": "NAME"}]},
        {"id": "trap-number-001", "kind": "trap-number", "text": NOTES[2]["text"], "spans": []},
    ])
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["eval", "--samples-dir", str(samples), "--eval-dir", str(tmp_path / "none"),
                                 "--json", str(report)])
    assert result.exit_code == 0, result.output
    scores = json.loads(report.read_text())
    assert list(scores) == ["project", "challenge", "nursing-shorthand", "presidio-research", "mtsamples-dev"]
    assert scores["mtsamples-dev"]["found"] is False and "precision benchmark is skipped" in result.output
    assert scores["project"]["found"] and scores["project"]["records"] == 1
    challenge = scores["challenge"]
    assert list(challenge["per_kind"]) == ["clinician", "trap-number"]
    assert challenge["per_kind"]["trap-number"]["phi_free_records"] == 1
    assert challenge["per_kind"]["clinician"]["records"] == 1
    # The date in the clinician line is not marked there: the engine finding it is a false token.
    assert challenge["per_kind"]["clinician"]["tokens"] == {"tp": 1, "fp": 3, "fn": 0}
    for name in ("nursing-shorthand", "presidio-research"):
        assert scores[name]["found"] is False and str(tmp_path / "none") in scores[name]["path"]
        assert f"{name}: not found at" in result.output
    assert "Traceback" not in result.output and "Quennell" not in result.output
    assert "Per kind: challenge" in result.output


def test_eval_with_gold_and_presidio_flag_reports_an_absent_shared_set(tmp_path):
    gold = tmp_path / "mine.jsonl"
    write_jsonl(gold, [{"id": "c", "text": NOTES[2]["text"], "spans": []}])
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["eval", "--gold", str(gold), "--presidio-synth", "--eval-dir", str(tmp_path),
                                 "--json", str(report)])
    assert result.exit_code == 0, result.output
    scores = json.loads(report.read_text())
    assert list(scores) == ["mine.jsonl", "presidio-research"]
    assert scores["mine.jsonl"]["false_redaction_rate"] == 0.0 and scores["presidio-research"]["found"] is False


def test_eval_runs_the_mtsamples_benchmark_and_rescores_the_reviewed_sample(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    monkeypatch.setenv("MEDFLOW_DEID_PROCESSES", "1")
    samples = tmp_path / "samples"
    samples.mkdir()
    # Invented reports: one PHI-like name and date, one eponym (clinical language).
    reports = ["Seen by Dr. Quennell on 3/4/2021.", "The fascia was opened with Metzenbaum scissors."]
    pq.write_table(pa.table({"record_id": [7, 9], "transcription": reports}), tmp_path / "reports.parquet")
    (samples / "mtsamples-review.csv").write_text(
        "record_id,start,end,label,verdict\n7,12,20,NAME,right\n7,24,32,DATE,right\n9,28,38,NAME,wrong\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["eval", "--samples-dir", str(samples), "--eval-dir", str(tmp_path / "none"),
                                 "--mtsamples", str(tmp_path / "reports.parquet"), "--json", str(report)])
    assert result.exit_code == 0, result.output
    bench = json.loads(report.read_text())["mtsamples-dev"]
    assert bench["found"] and bench["records"] == 2 and bench["tokens"] == 15
    assert set(bench["per_label_per_1000"]) == {"NAME", "DATE"}  # the eponym is not redacted
    review = bench["review"]
    assert review["still_redacted_spans"] == {"right": 2, "wrong": 0}
    assert review["precision"] == 1.0 and review["wrong_per_1000_estimated"] == 0.0
    assert "Reviewed sample (3 redactions, 1 judged wrong)" in result.output
    assert "Quennell" not in result.output and "Metzenbaum" not in result.output
