"""`medflow bench` end to end on the tiny model: real embedded Triton, real uvicorn servers, real
de-identification engine and pipeline, tiny counts. Checks the report's schema and sanity, never timings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.chart import write_chart
from bench.run import BenchConfig, BenchSizes, run_bench
from bench.serving import LoadPlan
from bench.triton_stats import PHASES
from medflow.settings import REPO_ROOT

SAMPLES = REPO_ROOT / "data" / "samples"
SCENARIOS = ("raw_model_rps", "fastapi_inproc", "triton_unbatched", "triton_dynamic", "hybrid")
TINY = BenchSizes(
    short_notes=8,
    load=LoadPlan(concurrency=(1, 4, 16, 64), rounds=3, window_s=0.3),
    raw_batch_sizes=(1, 4),
    raw_min_seconds=0.05,
    batch_notes=12,
    raw_seq_sample=16,
    token_budgets=(512, 4096),
    memory_base_notes=4,
    memory_read_batch_rows=2,
    memory_deid=False,
)


@pytest.fixture(scope="module")
def bench_report(tiny_model_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    # The tiny model stands in for the shipped classifier too: the section's plumbing, not its speed.
    config = BenchConfig(
        model_dir=tiny_model_repo / "distilbert",
        samples_dir=SAMPLES,
        precision="fp32",
        sizes=TINY,
        classifier_dir=tiny_model_repo / "distilbert",
    )
    report = run_bench(config)
    png = write_chart(report, tmp_path_factory.mktemp("bench") / "bench.png")
    return report, png


def test_report_has_the_issue_keys_at_the_top_level(bench_report: tuple[dict, Path]) -> None:
    report, _ = bench_report
    for key in (*SCENARIOS, "raw_model_seq_per_s", "pipeline_seq_per_s", "padding_efficiency", "memory_growth_ratio"):
        assert key in report, key
    assert set(report["pipeline_seq_per_s"]) == {"without_deid", "with_deid"}
    assert report["machine"]["cores"] >= 1
    assert len(report["machine"]["load_average_at_start"]) == 3
    json.dumps(report, allow_nan=False)  # plain JSON: no NaN from empty measurements


def test_every_scenario_is_summarised_at_its_best_point_without_errors(bench_report: tuple[dict, Path]) -> None:
    report, _ = bench_report
    for name in SCENARIOS:
        scenario = report[name]
        assert scenario["errors"] == 0, name
        assert 0 < scenario["p50_ms"] <= scenario["p95_ms"], name
        assert scenario["throughput_rps"] == max(p["throughput_rps"] for p in scenario["sweep"]) > 0, name
        for point in scenario["sweep"]:
            rounds = point["throughput_rounds"]
            assert len(rounds) == TINY.load.rounds, name
            assert min(rounds) <= point["throughput_rps"] <= max(rounds), name  # the median of the rounds
            assert point["requests"] > 0 and 0 <= point["throughput_spread"], name
            # /proc counts CPU in 10 ms ticks: short windows are coarse, but no server uses more than the cores.
            assert 0 <= point["utilization"] <= 1.2, name
            assert 0 <= point["other_cpu_share"] <= 1, name
        assert sum(p["utilization"] for p in scenario["sweep"]) > 0, name
    assert [p["batch_size"] for p in report["raw_model_rps"]["sweep"]] == [1, 4]
    for name in SCENARIOS[1:]:
        sweep = report[name]["sweep"]
        assert [p["concurrency"] for p in sweep] == [1, 4, 16, 64], name
        assert all(p["server_cpu_ms_per_request"] >= 0 for p in sweep), name
        assert sum(p["server_cpu_ms_per_request"] for p in sweep) > 0, name
        assert sum(p["client_cpu_ms_per_request"] for p in sweep) > 0, name
    assert report["raw_model_rps"]["server_cpu_ms_per_request"] > 0


def test_triton_scenarios_carry_the_servers_own_breakdown(bench_report: tuple[dict, Path]) -> None:
    report, _ = bench_report
    assert not any("triton" in p for p in report["fastapi_inproc"]["sweep"] + report["raw_model_rps"]["sweep"])
    for name in ("triton_unbatched", "triton_dynamic", "hybrid"):
        for point in report[name]["sweep"]:
            triton = point["triton"]
            # Triton's count covers the same windows as the clients' but is read at other instants of a
            # counter reading that takes milliseconds (more under load), so only its own totals must agree.
            assert triton["requests"] > 0 and triton["executions"] > 0, name
            # Triton updates its request and batch counters at slightly different moments, so a reading
            # may see a batch in one and not yet in the other: at most the requests in flight (the
            # clients) per reading, two readings per round.
            in_flight = 2 * TINY.load.rounds * point["concurrency"]
            by_size = triton["executions_by_batch_size"]
            assert abs(sum(int(n) * count for n, count in by_size.items()) - triton["requests"]) <= in_flight
            assert abs(sum(by_size.values()) - triton["executions"]) <= in_flight
            assert set(triton["ms_per_request"]) == {*PHASES}
            assert triton["ms_per_request"]["success"] >= triton["ms_per_request"]["compute_infer"] > 0
            assert 0 < triton["instances_busy_share"] <= 1.05
            assert 0 < triton["server_padding_efficiency"] <= 1
            assert triton["cpu_ms_per_request"]["stubs"] > 0
            assert len(triton["instances"]) >= 1
    for point in report["triton_unbatched"]["sweep"]:
        assert set(point["triton"]["executions_by_batch_size"]) == {"1"}  # never merged


def test_batch_section_counts_the_same_notes(bench_report: tuple[dict, Path]) -> None:
    report, _ = bench_report
    pipeline = report["details"]["pipeline"]
    assert pipeline["without_deid"]["notes"] == pipeline["with_deid"]["notes"] > 0
    assert report["pipeline_seq_per_s"]["without_deid"] == pipeline["without_deid"]["seq_per_s"] > 0
    assert report["raw_model_seq_per_s"] > 0
    assert 0 < report["padding_efficiency"] <= 1
    memory = report["details"]["memory"]
    assert memory["runs"]["10x"]["notes"] == 10 * memory["runs"]["1x"]["notes"] > 0
    assert report["memory_growth_ratio"] == pytest.approx(
        memory["runs"]["10x"]["peak_rss_mb"] / memory["runs"]["1x"]["peak_rss_mb"], abs=1e-3
    )


def test_targets_are_evaluated_against_their_thresholds(bench_report: tuple[dict, Path]) -> None:
    report, _ = bench_report
    targets = report["targets"]
    assert targets["triton_dynamic_vs_raw_model"]["value"] == pytest.approx(
        report["triton_dynamic"]["throughput_rps"] / report["raw_model_rps"]["throughput_rps"], abs=1e-3
    )
    for check in targets.values():
        op, threshold = check["target"].split()
        expected = check["value"] >= float(threshold) if op == ">=" else check["value"] <= float(threshold)
        assert check["met"] is expected


def test_classifier_section_has_both_models_and_their_ratio_from_the_same_run(bench_report: tuple[dict, Path]) -> None:
    report, _ = bench_report
    section = report["classifier"]
    assert section["measured"] is True and section["precision"] == "fp32"
    assert section["notes"] == report["details"]["short_notes"]["count"]
    for name in ("distilbert_stand_in", "shipped_classifier"):
        model = section[name]
        assert model["errors"] == 0 and model["throughput_rps"] > 0 and model["server_cpu_ms_per_request"] > 0, name
        assert [p["batch_size"] for p in model["sweep"]] == list(TINY.raw_batch_sizes), name
        assert all(len(p["throughput_rounds"]) == TINY.load.rounds for p in model["sweep"]), name
    shipped, stand_in = section["shipped_classifier"], section["distilbert_stand_in"]
    notes_per_s = shipped["throughput_rps"] / stand_in["throughput_rps"]
    assert section["notes_per_s_ratio"] == pytest.approx(notes_per_s, abs=1e-3)
    assert section["cpu_ms_per_note_ratio"] == pytest.approx(
        shipped["server_cpu_ms_per_request"] / stand_in["server_cpu_ms_per_request"], abs=1e-3
    )
    target = report["targets"]["shipped_classifier_vs_stand_in_notes_per_s"]
    assert target["value"] == section["notes_per_s_ratio"] and target["target"] == ">= 2.5"


def test_without_the_encoder_the_classifier_section_says_why(tmp_path: Path) -> None:
    from bench.classifier import classifier_section, shipped_version_dir
    from cli.demo import SHIPPED_HEAD

    missing = tmp_path / "no-encoder"
    shipped = shipped_version_dir(tmp_path / "not-built", SHIPPED_HEAD, missing, tmp_path, "int8")
    assert isinstance(shipped, str) and "encoder is not installed" in shipped
    section = classifier_section(shipped, tmp_path, "int8", ["a note"], (1,), TINY.load)
    assert section == {"measured": False, "reason": shipped}
    assert not (tmp_path / "classifier").exists()  # nothing built


def test_report_and_chart_carry_no_note_text(bench_report: tuple[dict, Path]) -> None:
    report, png = bench_report
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = json.dumps(report)
    from bench.notes import sample_table

    notes = [t for t in sample_table(SAMPLES, 200).column("note_text").to_pylist() if t and len(t) > 20]
    assert not [n for n in notes if n in text]


def test_write_path_benchmark_runs_and_every_note_lands_once() -> None:
    """`python -m bench.tables` at tiny counts: the partitions' concurrent commits leave the
    seeded notes plus the measured ones in the table, once each."""
    from bench.tables import measure

    report = measure(SAMPLES, notes=20, table_rows=30, partitions=2, output_root=None)
    assert report["predictions_rows"] == 30 + 20
