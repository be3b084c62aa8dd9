"""Where a Triton scenario's time goes, from three sources read at the edges of each window:

- Triton's statistics extension (`get_inference_statistics`): requests, executions, queue and
  compute input/infer/output time, executions per batch size;
- its metrics endpoint: the backend model's per-instance counters (`medflow_instance_*`: time in
  `execute`, in ONNX Runtime session calls, calls, tokens and padded tokens);
- /proc: CPU seconds of the tritonserver process and of each instance's Python-backend stub.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bench.cpu import children, command_line, process_cpu_seconds
from bench.load import Probe

PHASES = ("queue", "compute_input", "compute_infer", "compute_output", "success")
INSTANCE_PREFIX = "medflow_instance_"
STUB_INSTANCE_ARG = 8  # triton_python_backend_stub <model.py> <shm> <size> <size> <ppid> <dir> <n> <instance> ...


def triton_probe(grpc_url: str, model: str, metrics_url: str, server_pid: int) -> Probe:
    """Cumulative counters of one embedded Triton (see the module docstring), flat, in seconds."""
    import tritonclient.grpc as grpcclient

    client = grpcclient.InferenceServerClient(grpc_url)

    def read() -> dict[str, float]:
        counters: dict[str, float] = {"tritonserver.cpu_s": process_cpu_seconds(server_pid)}
        for version in client.get_inference_statistics(model, as_json=True).get("model_stats", []):
            _add(counters, "triton.requests", float(version.get("inference_count", 0)))
            _add(counters, "triton.executions", float(version.get("execution_count", 0)))
            for phase in PHASES:
                _add(counters, f"triton.{phase}_s", _seconds(version["inference_stats"].get(phase)))
            for batch in version.get("batch_stats", []):
                prefix = f"triton.batch_{batch['batch_size']}"
                _add(counters, f"{prefix}.executions", float(batch["compute_infer"].get("count", 0)))
                busy = sum(_seconds(batch.get(p)) for p in ("compute_input", "compute_infer", "compute_output"))
                _add(counters, f"{prefix}.busy_s", busy)
                _add(counters, "triton.execution_infer_s", _seconds(batch.get("compute_infer")))
        with urllib.request.urlopen(metrics_url, timeout=10) as response:  # noqa: S310 (loopback)
            counters |= instance_counters(response.read().decode())
        for stub in children(server_pid):
            args = command_line(stub)
            if len(args) > STUB_INSTANCE_ARG:
                counters[f"instance.{args[STUB_INSTANCE_ARG]}.cpu_s"] = process_cpu_seconds(stub)
        return counters

    return read


def instance_counters(metrics_text: str) -> dict[str, float]:
    """`instance.<name>.<counter>` from the backend model's `medflow_instance_<counter>_total` samples."""
    counters = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name.startswith(INSTANCE_PREFIX) and sample.name.endswith("_total"):
                counter = sample.name[len(INSTANCE_PREFIX) : -len("_total")]
                counters[f"instance.{sample.labels['instance']}.{counter}"] = sample.value
    return counters


def breakdown(counters: Mapping[str, float], seconds: float, client_requests: float) -> dict[str, Any]:
    """One level's breakdown from the counters' increase over its windows (`seconds` in total).

    Triton and the backend count an execution (its requests, its time) when it completes, so a batch
    running across a window's edge counts wholly in one window or the other: the per-request and
    per-execution figures are ratios of such counts, but shares of the window are only as good as
    the windows are long against one execution. CPU seconds accrue continuously, so CPU per request
    divides by the requests the clients saw served in the windows (`client_requests`).
    """
    requests, executions = counters.get("triton.requests", 0.0), counters.get("triton.executions", 0.0)
    if not requests or not executions or seconds <= 0:
        return {}
    names = sorted({key.split(".")[1] for key in counters if key.startswith("instance.")})
    batch_keys = [key for key in counters if key.startswith("triton.batch_")]
    sizes = sorted({int(key.split(".")[1].removeprefix("batch_")) for key in batch_keys})
    busy_s = sum(counters.get(f"triton.batch_{size}.busy_s", 0.0) for size in sizes)
    per_instance = {name: _instance(counters, name, seconds) for name in names}
    execute_s = sum(counters.get(f"instance.{name}.execute_seconds", 0.0) for name in names)
    session_s = sum(counters.get(f"instance.{name}.session_seconds", 0.0) for name in names)
    calls = sum(counters.get(f"instance.{name}.session_calls", 0.0) for name in names)
    tokens = sum(counters.get(f"instance.{name}.tokens", 0.0) for name in names)
    padded = tokens + sum(counters.get(f"instance.{name}.padding_tokens", 0.0) for name in names)
    stub_cpu_s = sum(counters.get(f"instance.{name}.cpu_s", 0.0) for name in names)
    per_execution = 1000 / executions
    return {
        "requests": int(requests),
        "executions": int(executions),
        "requests_per_execution": round(requests / executions, 2),
        "executions_by_batch_size": {
            str(size): int(n) for size in sizes if (n := counters.get(f"triton.batch_{size}.executions", 0.0))
        },
        # Triton's per-request view: each request is charged its whole batch's compute time.
        "ms_per_request": {p: round(counters.get(f"triton.{p}_s", 0.0) * 1000 / requests, 2) for p in PHASES},
        "ms_per_execution": {
            "triton_compute": round(busy_s * per_execution, 2),
            "stub_execute": round(execute_s * per_execution, 2),
            # Triton's compute_infer minus the stub's execute: the hop to the stub process and back.
            "backend_hop": round((counters.get("triton.execution_infer_s", 0.0) - execute_s) * per_execution, 2),
            "sessions": round(session_s * per_execution, 2),
        },
        "session_calls_per_execution": round(calls / executions, 2),
        "server_padding_efficiency": round(tokens / padded, 3) if padded else None,
        # Share of the window during which the instances were executing batches (idle capacity = 1 - it).
        "instances_busy_share": round(busy_s / (len(names) * seconds), 3) if names else None,
        "cpu_ms_per_request": {
            "tritonserver": round(counters.get("tritonserver.cpu_s", 0.0) * 1000 / client_requests, 2),
            "stubs": round(stub_cpu_s * 1000 / client_requests, 2),
        }
        if client_requests
        else {},
        "instances": per_instance,
    }


def _instance(counters: Mapping[str, float], name: str, seconds: float) -> dict[str, float]:
    get = lambda key: counters.get(f"instance.{name}.{key}", 0.0)  # noqa: E731
    return {
        "executions": int(get("executions")),
        "requests": int(get("requests")),
        "busy_share": round(get("execute_seconds") / seconds, 3),
        "cpu_share": round(get("cpu_s") / seconds, 3),
    }


def _seconds(duration: Mapping[str, Any] | None) -> float:
    return int(duration.get("ns", 0)) / 1e9 if duration else 0.0


def _add(counters: dict[str, float], key: str, value: float) -> None:
    counters[key] = counters.get(key, 0.0) + value
