"""The load generator's window, the rounds' statistics and the Triton breakdown (pure logic, plus
`run_load` with in-process senders)."""

from __future__ import annotations

import itertools
import threading

import pytest

from bench.load import run_load, share_in_window
from bench.serving import median_spread, sweep_point
from bench.triton_stats import breakdown, instance_counters


def test_a_request_counts_for_the_share_of_its_duration_inside_the_window():
    assert share_in_window(1.0, 2.0, 0.0, 10.0) == 1.0
    assert share_in_window(1.0, 2.0, 3.0, 10.0) == 0.0
    assert share_in_window(9.0, 11.0, 0.0, 10.0) == pytest.approx(0.5)
    assert share_in_window(-1.0, 3.0, 0.0, 10.0) == pytest.approx(0.75)
    assert share_in_window(-1.0, 11.0, 0.0, 10.0) == pytest.approx(10 / 12)
    assert share_in_window(5.0, 5.0, 0.0, 10.0) == 1.0  # an instant answer inside counts whole


def test_back_to_back_requests_across_the_window_add_up_to_its_length():
    # One client, requests of 0.3 s back to back from t=0: a window [1, 2] holds 1 / 0.3 of them,
    # however its edges cut them, so a batch of answers at an edge cannot jump the count.
    for offset in (0.0, 0.05, 0.1, 0.25):
        starts = [offset + 0.3 * k for k in range(10)]
        served = sum(share_in_window(s, s + 0.3, 1.0, 2.0) for s in starts)
        assert served == pytest.approx(1 / 0.3)


def test_run_load_measures_a_window_with_every_client_running():
    gate, calls, probes = threading.Event(), itertools.count(), itertools.count()
    started = set()

    def make(k: int):
        def send(i: int) -> bool:
            started.add(k)
            next(calls)
            if k == 2 and i % 2:
                raise ConnectionError("counted as an error")
            return gate.wait(0.002) or True

        return send

    result = run_load([make(k) for k in range(3)], window_s=0.2, probe=lambda: {"reads": float(next(probes))})
    assert started == {0, 1, 2}
    assert result.level == 3
    assert result.counters == {"reads": 1.0}  # read once when the window opened, once when it closed
    assert result.seconds >= 0.2
    assert result.items > 0 and result.errors > 0
    assert all(latency >= 0.002 for latency in result.latencies_s)
    assert len(result.latencies_s) <= next(calls)


def test_median_and_spread_of_rounds():
    assert median_spread([100.0, 96.0, 104.0, 90.0, 110.0]) == (100.0, pytest.approx(0.1))
    assert median_spread([5.0]) == (5.0, 0.0)


def test_sweep_point_utilization_is_server_cpu_over_the_cores():
    from bench.load import LoadResult

    windows = [
        LoadResult(
            16,
            0,
            1.0,
            (0.1, 0.2),
            150.0,
            {"server_cpu_s": 1.8, "client_cpu_s": 0.1, "machine_busy_s": 2.0, "machine_total_s": 2.0},
        ),
        LoadResult(
            16,
            1,
            1.0,
            (0.3,),
            100.0,
            {"server_cpu_s": 1.0, "client_cpu_s": 0.1, "machine_busy_s": 1.5, "machine_total_s": 2.0},
        ),
        LoadResult(
            16,
            0,
            2.0,
            (0.4,),
            250.0,
            {"server_cpu_s": 3.2, "client_cpu_s": 0.2, "machine_busy_s": 4.0, "machine_total_s": 4.0},
        ),
    ]
    point = sweep_point(windows, "concurrency", cores=2)
    assert point["concurrency"] == 16
    assert point["throughput_rps"] == 125.0  # median of 150, 100, 125
    assert point["throughput_rounds"] == [150.0, 100.0, 125.0]
    assert point["utilization"] == 0.8  # median of 0.9, 0.5, 0.8
    assert point["server_cpu_ms_per_request"] == pytest.approx(6000 / 500, abs=0.01)
    assert point["client_cpu_ms_per_request"] == pytest.approx(400 / 500, abs=0.01)
    assert point["other_cpu_share"] == pytest.approx((7.5 - 6.0 - 0.4) / 8.0, abs=1e-3)
    assert point["errors"] == 1 and point["requests"] == 500
    assert "triton" not in point


METRICS = """# HELP medflow_instance_executions_total Batches this instance executed
# TYPE medflow_instance_executions_total counter
medflow_instance_executions_total{instance="distilbert_0_0",model="distilbert"} 12
medflow_instance_executions_total{instance="distilbert_0_1",model="distilbert"} 8
# HELP nv_inference_count Number of inferences performed
# TYPE nv_inference_count counter
nv_inference_count{model="distilbert",version="1"} 40
"""


def test_instance_counters_are_read_from_the_metrics_text():
    assert instance_counters(METRICS) == {
        "instance.distilbert_0_0.executions": 12.0,
        "instance.distilbert_0_1.executions": 8.0,
    }


def test_breakdown_of_a_window():
    counters = {
        "triton.requests": 40.0,
        "triton.executions": 20.0,
        "triton.queue_s": 0.4,
        "triton.compute_input_s": 0.04,
        "triton.compute_infer_s": 1.2,
        "triton.compute_output_s": 0.04,
        "triton.success_s": 1.8,
        "triton.execution_infer_s": 0.5,
        "triton.batch_1.executions": 10.0,
        "triton.batch_1.busy_s": 0.2,
        "triton.batch_3.executions": 10.0,
        "triton.batch_3.busy_s": 0.4,
        "tritonserver.cpu_s": 0.02,
        "instance.a.executions": 12.0,
        "instance.a.requests": 24.0,
        "instance.a.execute_seconds": 0.3,
        "instance.a.session_seconds": 0.25,
        "instance.a.session_calls": 14.0,
        "instance.a.tokens": 800.0,
        "instance.a.padding_tokens": 200.0,
        "instance.a.cpu_s": 0.3,
        "instance.b.executions": 8.0,
        "instance.b.requests": 16.0,
        "instance.b.execute_seconds": 0.15,
        "instance.b.session_seconds": 0.1,
        "instance.b.session_calls": 10.0,
        "instance.b.cpu_s": 0.2,
    }
    result = breakdown(counters, seconds=1.0, client_requests=50.0)
    assert result["requests"] == 40 and result["executions"] == 20
    assert result["requests_per_execution"] == 2.0
    assert result["executions_by_batch_size"] == {"1": 10, "3": 10}
    assert result["ms_per_request"]["queue"] == 10.0 and result["ms_per_request"]["success"] == 45.0
    assert result["ms_per_execution"] == {
        "triton_compute": 30.0,
        "stub_execute": 22.5,
        "backend_hop": 2.5,
        "sessions": 17.5,
    }
    assert result["session_calls_per_execution"] == 1.2
    assert result["server_padding_efficiency"] == 0.8
    assert result["instances_busy_share"] == 0.3  # 0.6 s of execution over 2 instances x 1 s
    # CPU accrues continuously: per request the clients saw served (50), not per completed execution.
    assert result["cpu_ms_per_request"] == {"tritonserver": 0.4, "stubs": 10.0}
    assert result["instances"]["a"] == {"executions": 12, "requests": 24, "busy_share": 0.3, "cpu_share": 0.3}
    assert breakdown({}, 1.0, 0.0) == {}
