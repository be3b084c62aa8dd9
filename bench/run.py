"""Orchestrates one benchmark run and assembles the JSON report (its keys: README, Performance).

Order: in-process ceiling, FastAPI baseline, Triton unbatched, then one Triton with dynamic batching
for `triton_dynamic`, `hybrid`, the batch path and the memory runs. One thing is measured at a time.
"""

from __future__ import annotations

import os
import platform
import secrets
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.serving import LoadPlan

PAPER_T4 = {
    "hardware": "NVIDIA T4 (paper: Scalable and Secure AI Inference in Healthcare, 2026)",
    "fastapi_inproc": {"p50_ms": 22, "p95_ms": 45, "throughput_rps": 450},
    "triton_unbatched": {"throughput_rps": 420},
    "triton_dynamic": {"p50_ms": 34, "throughput_rps": 780, "max_batch": 16},
}


@dataclass(frozen=True, slots=True)
class BenchSizes:
    short_notes: int
    load: LoadPlan
    raw_batch_sizes: tuple[int, ...]
    raw_min_seconds: float
    batch_notes: int
    raw_seq_sample: int
    token_budgets: tuple[int, ...]
    memory_base_notes: int
    memory_read_batch_rows: int
    memory_deid: bool
    memory_factor: int = 10


QUICK = BenchSizes(
    short_notes=64,
    load=LoadPlan(concurrency=(1, 16, 64), rounds=5, window_s=1.0),
    raw_batch_sizes=(1, 8, 32),
    raw_min_seconds=1.0,
    batch_notes=100,
    raw_seq_sample=128,
    token_budgets=(512, 1024, 4096),
    memory_base_notes=16,
    memory_read_batch_rows=8,
    memory_deid=False,
)
FULL = BenchSizes(
    short_notes=256,
    load=LoadPlan(concurrency=(1, 4, 16, 64), rounds=5, window_s=2.5),
    raw_batch_sizes=(1, 4, 8, 16, 32, 64),
    raw_min_seconds=3.0,
    batch_notes=1000,
    raw_seq_sample=512,
    token_budgets=(512, 1024, 2048, 4096, 8192),
    memory_base_notes=64,
    memory_read_batch_rows=32,
    memory_deid=True,
)


@dataclass(frozen=True, slots=True)
class BenchConfig:
    model_dir: Path
    samples_dir: Path
    precision: str = "int8"
    sizes: BenchSizes = FULL
    triton_instances: int | None = None  # None: EmbeddedTriton's default
    triton_threads: int | None = None
    triton_session_threads: int | None = None
    # The shipped classifier measured beside the stand-in: its built model directory, else its head
    # (built on the pinned encoder for this run); neither: the report's `classifier` says why not.
    classifier_dir: Path | None = None
    classifier_head: Path | None = None
    encoder_dir: Path | None = None  # None: where `make` installs all-MiniLM-L6-v2
    extra: dict[str, Any] = field(default_factory=dict)


def machine_info() -> dict[str, object]:
    import onnxruntime

    return {
        "cores": len(os.sched_getaffinity(0)),
        "gpu": _gpu_name(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "onnxruntime": onnxruntime.__version__,
        "platform": platform.platform(),
    }


def run_bench(config: BenchConfig, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    from bench import batch_path, serving
    from bench.classifier import bench_classifier
    from bench.memory import memory_growth
    from bench.notes import sample_table, short_notes, write_sample_copies
    from bench.servers import ServerProcess, medflow_command, python_module_command
    from bench.triton_stats import triton_probe
    from deid.engine import get_engine
    from deid.pseudonyms import Pseudonyms
    from inference.model_files import uses_gpu
    from inference.triton_server import EmbeddedTriton
    from medflow.model_wiring import TritonClientConfig, load_model, model_version_dir, triton_client
    from medflow.processing.pipeline import Stages
    from medflow.processing.stages import classify_stage
    from medflow.settings import get_settings

    sizes, precision = config.sizes, config.precision
    model_dir = config.model_dir.resolve()
    report: dict[str, Any] = {"machine": machine_info()}
    started = time.perf_counter()
    settings = get_settings().model_copy(
        update={"model_repository": model_dir.parent, "triton_model": model_dir.name, "precision": precision}
    )
    model = load_model(model_version_dir(settings))
    version_dir, info, tokenizer = model.version_dir, model.info, model.tokenizer
    engine = get_engine(settings.deid_config())
    progress("selecting and de-identifying the short notes")
    notes = short_notes(config.samples_dir, tokenizer, engine.deidentify, sizes.short_notes)
    plan, pad = sizes.load, tokenizer.pad_id
    triton_options: dict[str, Any] = {"precision": precision, "grpc_port": 0, "http_port": 0, "metrics_port": 0}
    if config.triton_instances:
        triton_options["instances"] = config.triton_instances
    if config.triton_threads:
        triton_options["intra_op_threads"] = config.triton_threads
    if config.triton_session_threads:
        triton_options["session_threads"] = config.triton_session_threads

    with tempfile.TemporaryDirectory(prefix="medflow-bench-") as tmp, ExitStack() as servers:
        work = Path(tmp)
        progress("starting the servers: FastAPI + ONNX Runtime, Triton unbatched, Triton dynamic, gateway")
        inproc = python_module_command(
            "bench.inproc_app",
            "--model-dir",
            str(model_dir),
            "--precision",
            precision,
            "--max-length",
            str(settings.max_length),
            "--stride",
            str(settings.chunk_stride),
        )
        inproc_server = servers.enter_context(ServerProcess(inproc, work / "inproc.log"))
        unbatched = servers.enter_context(EmbeddedTriton(model_dir, dynamic_batching=False, **triton_options))
        triton = servers.enter_context(EmbeddedTriton(model_dir, dynamic_batching=True, **triton_options))
        secret = secrets.token_urlsafe(32)  # in-bench only: never printed or written
        bench_pseudonyms = Pseudonyms(secrets.token_bytes(32))
        api_env = {
            "MEDFLOW_JWT_SECRET": secret,
            "MEDFLOW_JWT_DEV_HS256": "true",
            "MEDFLOW_JWT_ISSUER": settings.jwt_issuer,
            "MEDFLOW_JWT_AUDIENCE": settings.jwt_audience,
            "MEDFLOW_MODEL_REPOSITORY": str(model_dir.parent),
            "MEDFLOW_TRITON_MODEL": model_dir.name,
            "MEDFLOW_API_AUDIT_LOG_FILE": str(work / "audit.jsonl"),
        } | gateway_capacity_env(max(plan.concurrency))
        api = medflow_command("api", "--triton-url", triton.grpc_url)
        api_server = servers.enter_context(ServerProcess(api, work / "api.log", api_env))
        headers = {"Authorization": f"Bearer {_token(secret, settings)}"}
        levels = plan.concurrency
        dynamic_stats = triton_probe(triton.grpc_url, triton.model_name, triton.metrics_url, triton.pid)
        unbatched_stats = triton_probe(unbatched.grpc_url, unbatched.model_name, unbatched.metrics_url, unbatched.pid)
        scenarios: dict[str, serving.Scenario] = {
            "raw_model_rps": serving.RawModelScenario(
                version_dir,
                precision,  # type: ignore[arg-type]
                notes.seqs,
                sizes.raw_batch_sizes,
                pad,
            ),
            "fastapi_inproc": serving.ClientScenario(
                serving.http_senders(inproc_server.port, "/classify", notes.deid_texts),
                levels,
                serving.scenario_probe([inproc_server.pid]),
            ),
            "triton_unbatched": serving.ClientScenario(
                serving.triton_senders(unbatched.grpc_url, unbatched.model_name, notes.seqs, pad),
                levels,
                serving.scenario_probe([unbatched.pid], unbatched_stats),
            ),
            "triton_dynamic": serving.ClientScenario(
                serving.triton_senders(triton.grpc_url, triton.model_name, notes.seqs, pad),
                levels,
                serving.scenario_probe([triton.pid], dynamic_stats),
            ),
            "hybrid": serving.ClientScenario(  # the gateway and the Triton behind it
                serving.http_senders(api_server.port, "/v1/classify", notes.raw_texts, headers),
                levels,
                serving.scenario_probe([api_server.pid, triton.pid], dynamic_stats),
            ),
        }
        for name, windows in serving.interleaved_sweep(scenarios, plan, progress).items():
            level_name = scenarios[name].level_name
            report[name] = serving.summarize([serving.sweep_point(w, level_name) for w in windows])
        del scenarios  # closes the clients' connections before the servers stop
        api_server.stop()
        unbatched.stop()
        inproc_server.stop()
        report["classifier"] = bench_classifier(config, version_dir, notes.deid_texts, work, progress)
        progress("batch path: raw model vs process_file (without / with de-identification)")
        batch_settings = settings.model_copy(update={"triton_url": triton.grpc_url})
        input_dir = work / "batch-input"
        write_sample_copies(config.samples_dir, input_dir, sizes.batch_notes, copies=1)
        texts = [t for t in sample_table(input_dir).column("note_text").to_pylist() if t and t.strip()]
        seqs = [
            c for chunks in tokenizer.encode_notes(texts, settings.max_length, settings.chunk_stride) for c in chunks
        ]
        raw = batch_path.raw_model_seq_per_s(
            version_dir,
            precision,  # type: ignore[arg-type]
            seqs,
            sizes.token_budgets,
            settings.max_batch_size,
            sizes.raw_seq_sample,
            sizes.raw_min_seconds,
            pad,
        )
        with triton_client(TritonClientConfig.for_batch(batch_settings), pad) as client:
            classify = classify_stage(model, client, batch_settings.max_length, batch_settings.chunk_stride)
            without = batch_path.pipeline_run(
                input_dir,
                work / "out-plain",
                batch_settings,
                Stages(batch_path.passthrough_deidentify, classify, bench_pseudonyms),
                info,
            )
            padding = client.padding.efficiency
            # The model alone again right after the flow: the ratio uses the mean of both brackets.
            raw_after = batch_path.raw_model_seq_per_s(
                version_dir,
                precision,  # type: ignore[arg-type]
                seqs,
                (int(raw["token_budget"]),),
                settings.max_batch_size,
                sizes.raw_seq_sample,
                sizes.raw_min_seconds,
                pad,
            )
            raw["after_pipeline_seq_per_s"] = raw_after["seq_per_s"]
            deid_stages = Stages(engine.deidentify, classify, bench_pseudonyms)
            with_deid = batch_path.pipeline_run(input_dir, work / "out-deid", batch_settings, deid_stages, info)
        report["raw_model_seq_per_s"] = round((raw["seq_per_s"] + raw_after["seq_per_s"]) / 2, 2)
        report["pipeline_seq_per_s"] = {"without_deid": without["seq_per_s"], "with_deid": with_deid["seq_per_s"]}
        report["padding_efficiency"] = round(padding, 4)

        progress(f"memory: peak RSS on 1x and {sizes.memory_factor}x input (one subprocess each)")
        memory_env = dict(os.environ) | {
            "MEDFLOW_TRITON_URL": triton.grpc_url,
            "MEDFLOW_MODEL_REPOSITORY": str(model_dir.parent),
            "MEDFLOW_TRITON_MODEL": model_dir.name,
            "MEDFLOW_PRECISION": precision,
            "MEDFLOW_READ_BATCH_ROWS": str(sizes.memory_read_batch_rows),
            "MEDFLOW_DEID_HMAC_KEY": secrets.token_urlsafe(32),  # in-bench only, like the JWT secret
        }
        memory = memory_growth(
            config.samples_dir,
            work,
            memory_env,
            sizes.memory_base_notes,
            sizes.memory_factor,
            sizes.memory_deid,
            timeout_s=900,
        )
        report["memory_growth_ratio"] = memory["ratio"]

    report["details"] = {
        "raw_model_batch": raw,
        "pipeline": {"without_deid": without, "with_deid": with_deid},
        "memory": memory,
        "short_notes": {"count": len(notes.seqs), "max_tokens": max(len(s) for s in notes.seqs)},
    }
    report["targets"] = targets(report, gpu=uses_gpu(precision))
    report["paper"] = PAPER_T4
    report["config"] = {
        "precision": precision,
        "model_name": info.model_name,
        "sizes": asdict(sizes),
        "triton_instances": config.triton_instances,
        "triton_threads": config.triton_threads,
        "triton_session_threads": config.triton_session_threads,
        "max_length": settings.max_length,
        "max_batch_size": settings.max_batch_size,
        "batch_token_budget": settings.batch_token_budget,
        "inflight_requests": settings.inflight_requests,
        "gateway": gateway_capacity_env(max(sizes.load.concurrency)),
    } | config.extra
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def _gpu_name() -> str | None:
    try:
        listed = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return listed.stdout.strip().splitlines()[0] if listed.returncode == 0 and listed.stdout.strip() else None


def _token(secret: str, settings: Any) -> str:
    from api.auth import mint_dev_token

    return mint_dev_token(
        secret,
        subject="medflow-bench",
        scopes=["classify"],
        ttl_s=3600,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )


def _at(scenario: dict[str, Any], concurrency: int) -> dict[str, Any]:
    return next(p for p in scenario["sweep"] if p["concurrency"] == concurrency)


def ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else float("nan")


def gateway_capacity_env(clients: int) -> dict[str, str]:
    """The bench measures what the gateway path can serve, not its overload policy: every client of the
    sweep is admitted (no 503 shedding after `MEDFLOW_API_ADMISSION_WAIT_S`) and a Triton call on a busy
    machine is not cut at the production 2 s deadline, nor the request at its 10 s one."""
    return {
        "MEDFLOW_API_MAX_CONCURRENCY": str(clients),
        "MEDFLOW_API_TRITON_TIMEOUT_S": "60",
        "MEDFLOW_API_REQUEST_DEADLINE_S": "120",
    }


def targets(report: dict[str, Any], gpu: bool = False) -> dict[str, dict[str, object]]:
    """The issues' targets as measured ratios, each with its threshold and whether it was met.

    On a GPU (fp16) Triton's dynamic batching is held to the paper's T4 figure instead of the CPU's
    1.10 x unbatched: 1.5 x the paper's 780 req/s and 1.8 x unbatched.
    """
    raw, dyn, unb = (report[k]["throughput_rps"] for k in ("raw_model_rps", "triton_dynamic", "triton_unbatched"))
    hybrid, inproc, dynamic = report["hybrid"], report["fastapi_inproc"], report["triton_dynamic"]
    h1, i1 = _at(hybrid, 1), _at(inproc, 1)
    h16, i16 = _at(hybrid, 16), _at(inproc, 16)
    d16, d64 = _at(dynamic, 16), _at(dynamic, 64)
    # The points these targets read; their rounds must agree to +-5 % for one run to be trusted.
    compared = [report["raw_model_rps"], report["triton_unbatched"], d16, d64]
    checks = {
        "triton_dynamic_utilization_c16": (d16["utilization"], ">=", 0.90),
        "triton_dynamic_utilization_c64": (d64["utilization"], ">=", 0.90),
        "triton_dynamic_vs_raw_model": (ratio(dyn, raw), ">=", 0.90),
        "triton_dynamic_vs_unbatched": (ratio(dyn, unb), ">=", 1.8 if gpu else 1.10),
        # "No drop from 16 to 64 clients", read within the +-5 % the run is trusted to.
        "triton_dynamic_c64_vs_c16": (ratio(d64["throughput_rps"], d16["throughput_rps"]), ">=", 0.95),
        "throughput_spread_max": (max(p["throughput_spread"] for p in compared), "<=", 0.05),
        "pipeline_without_deid_vs_raw_model": (
            ratio(report["pipeline_seq_per_s"]["without_deid"], report["raw_model_seq_per_s"]),
            ">=",
            0.85,
        ),
        "padding_efficiency": (report["padding_efficiency"], ">=", 0.90),
        "hybrid_p50_vs_fastapi_inproc_p50_c1": (ratio(h1["p50_ms"], i1["p50_ms"]), "<=", 1.5),
        "hybrid_p50_ms_c1": (h1["p50_ms"], "<=", 22.0),
        "hybrid_p95_ms_c1": (h1["p95_ms"], "<=", 45.0),
        "hybrid_errors_c16": (h16["errors"], "<=", 0),
        "hybrid_vs_fastapi_inproc_rps_c16": (ratio(h16["throughput_rps"], i16["throughput_rps"]), ">=", 1.0),
        "memory_growth_ratio": (report["memory_growth_ratio"], "<=", 1.2),
    }
    classifier = report.get("classifier", {})
    if classifier.get("measured"):
        checks["shipped_classifier_vs_stand_in_notes_per_s"] = (classifier["notes_per_s_ratio"], ">=", 2.5)
    if gpu:
        paper = float(PAPER_T4["triton_dynamic"]["throughput_rps"])  # type: ignore[index, arg-type]
        checks["triton_dynamic_vs_paper_t4"] = (ratio(dyn, paper), ">=", 1.5)
    return {
        name: {
            "value": value,
            "target": f"{op} {threshold}",
            "met": value >= threshold if op == ">=" else value <= threshold,
        }
        for name, (value, op, threshold) in checks.items()
    }
