"""`medflow model ...` (build/export) and `medflow triton ...` (embedded server). Heavy imports stay inside
the commands so `medflow --help` stays fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.model_train import INT8_CHECK_TEXTS, evaluate, train
from cli.paths import SAMPLES, STAND_IN_DIR, TRITON_REPO

model_app = typer.Typer(no_args_is_help=True)
triton_app = typer.Typer(no_args_is_help=True)
model_app.command("train")(train)
model_app.command("eval")(evaluate)


@model_app.command("build")
def build(
    model: Annotated[str, typer.Option(help="Hugging Face model id or local directory")] = (
        "distilbert-base-uncased-finetuned-sst-2-english"
    ),
    repo: Annotated[Path, typer.Option(help="Triton model repository")] = TRITON_REPO,
    name: Annotated[str, typer.Option(help="Model name (directory) in the repository")] = STAND_IN_DIR.name,
    demo: Annotated[
        bool, typer.Option("--demo", help="Offline: random-weight DistilBERT + WordPiece trained on the samples")
    ] = False,
    samples: Annotated[
        Path, typer.Option(help="Synthetic or de-identified Parquet notes: the demo vocabulary is stored")
    ] = SAMPLES,
    seed: Annotated[int, typer.Option(help="Seed of the demo weights")] = 0,
    fp16: Annotated[
        bool, typer.Option("--fp16", help="Also the GPU variant model.fp16.onnx (fused kernels, FP16 weights)")
    ] = False,
    head: Annotated[
        Path | None,
        typer.Option(help="A head saved by `medflow model train --head-out`: built on the pinned pretrained encoder"),
    ] = None,
) -> None:
    """Export the classifier to ONNX (FP32 + dynamic INT8) with its tokenizer into REPO/NAME/1/."""
    from itertools import islice

    from inference.build.export import (
        DemoArchitecture,
        ModelSourceError,
        build_demo,
        build_pretrained,
        sample_note_texts,
    )

    have_samples = any(samples.glob("*.parquet"))
    check_texts = list(islice(sample_note_texts(samples), INT8_CHECK_TEXTS)) if have_samples else []
    if head is not None:
        build_from_head(head, repo, name, check_texts)
        return
    try:
        if demo:
            corpus = sample_note_texts(samples)
            arch = DemoArchitecture(seed=seed)
            result = build_demo(repo=repo, name=name, corpus=corpus, arch=arch, check_texts=check_texts, fp16=fp16)
        else:
            result = build_pretrained(repo=repo, name=name, model_id_or_dir=model, check_texts=check_texts, fp16=fp16)
    except ModelSourceError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    info = result.info
    typer.echo(
        f"built {info.model_name} (labels {', '.join(info.labels)}; max_length {info.max_length}) "
        f"into {result.version_dir}: export {result.export_seconds:.1f} s, "
        f"INT8{' and FP16' if fp16 else ''} conversion {result.quantize_seconds:.1f} s"
    )
    if result.int8_check:
        check = result.int8_check
        typer.echo(
            f"INT8 vs FP32 on {check['sequences']:.0f} sample notes: label agreement {check['label_agreement']:.1%}, "
            f"max |logit diff| {check['max_abs_logit_diff']:.3f} (FP32 logit range {check['fp32_logit_range']:.3f})"
        )


def build_from_head(head: Path, repo: Path, name: str, check_texts: list[str], version: int = 1) -> None:
    """The pinned pretrained encoder + a trained head -> REPO/NAME/VERSION/ (what `make demo` runs on a fresh
    clone)."""
    from inference.build.encoder import default_encoder_dir
    from inference.build.train import build_from_head as build

    version_dir = build(head, default_encoder_dir(), repo, name, check_texts, version)
    typer.echo(f"built {head.name} into {version_dir}")


@triton_app.command("serve")
def serve(
    model_dir: Annotated[Path, typer.Option(help="Model directory holding config.pbtxt")] = STAND_IN_DIR,
    precision: Annotated[str, typer.Option(help="int8 or fp32 ONNX weights (CPU), fp16 (GPU)")] = "int8",
    dynamic_batching: Annotated[bool, typer.Option(help="Keep the config's dynamic batcher")] = True,
    grpc_port: int = 8001,
    http_port: int = 8000,
    metrics_port: int = 8002,
    host: Annotated[str, typer.Option(help="Bind address")] = "127.0.0.1",
    threads: Annotated[int, typer.Option(help="ONNX Runtime threads per instance (0: cores / instances)")] = 0,
    instances: Annotated[int, typer.Option(help="Model instances (0: one single-threaded instance per core)")] = 0,
    session_threads: Annotated[
        int, typer.Option(help="Session calls of one batch run at once per instance (0: cores on CPU, 1 on GPU)")
    ] = 0,
) -> None:
    """Run the real tritonserver (CPU, Python backend + ONNX Runtime) in the foreground until Ctrl-C."""
    import signal

    from inference.triton_server import EmbeddedTriton, TritonStartError

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # SIGTERM (kubectl, systemd) and SIGINT (also when started from a non-interactive shell, which
    # ignores it) both stop the server cleanly instead of orphaning it.
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)
    if precision not in ("int8", "fp32", "fp16"):
        raise typer.BadParameter("precision must be int8, fp32 or fp16")
    server: EmbeddedTriton | None = None
    try:
        server = EmbeddedTriton(
            model_dir,
            precision=precision,  # type: ignore[arg-type]
            dynamic_batching=dynamic_batching,
            grpc_port=grpc_port,
            http_port=http_port,
            metrics_port=metrics_port,
            host=host,
            intra_op_threads=threads or None,
            instances=instances or None,
            session_threads=session_threads or None,
        )
        server.start()
        typer.echo(
            f"Triton ready in {server.start_seconds:.1f} s: model {server.model_name!r} ({precision}) "
            f"gRPC {server.grpc_url}, HTTP {server.http_url}, metrics {server.metrics_url}. Ctrl-C to stop."
        )
        code = server.wait()
        typer.echo(f"tritonserver exited with code {code}:\n{server.log_tail()}", err=True)
        raise typer.Exit(1)
    except (TritonStartError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("stopping Triton")
    finally:
        if server is not None:
            server.stop()


@model_app.command("bench")
def bench(
    model_dir: Annotated[Path, typer.Option(help="Model directory holding config.pbtxt")] = STAND_IN_DIR,
    batch_sizes: Annotated[str, typer.Option(help="Comma-separated batch sizes")] = "1,8,32",
    seq_len: Annotated[int, typer.Option(help="Tokens per sequence")] = 128,
    seconds: Annotated[float, typer.Option(help="Minimum time per measurement")] = 3.0,
    triton: Annotated[bool, typer.Option(help="Also measure through an embedded Triton")] = True,
    triton_sequences: Annotated[int, typer.Option(help="Sequences sent to Triton per precision")] = 256,
    threads: Annotated[int, typer.Option(help="ONNX Runtime intra-op threads (0: all cores)")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results as JSON")] = None,
) -> None:
    """Sequences/s in process (ONNX Runtime FP32 vs INT8) and through the embedded Triton (gRPC)."""
    import json

    from bench.model_timing import bench_in_process, bench_triton
    from inference.model_files import latest_version_dir
    from inference.triton_server import EmbeddedTriton

    version_dir = latest_version_dir(model_dir)
    sizes = [int(b) for b in batch_sizes.split(",")]
    results = []
    for precision in ("fp32", "int8"):
        results += bench_in_process(version_dir, precision, sizes, seq_len, seconds, threads or None)
        if triton:
            ports = {"grpc_port": 0, "http_port": 0, "metrics_port": 0}
            with EmbeddedTriton(model_dir, precision=precision, intra_op_threads=threads or None, **ports) as server:
                typer.echo(f"triton ({precision}) started in {server.start_seconds:.1f} s")
                results.append(bench_triton(server.grpc_url, precision, triton_sequences, seq_len))
    for r in results:
        typer.echo(f"{r.target:12} {r.precision:5} batch {r.batch_size:3} len {r.seq_len}: {r.seq_per_s:8.1f} seq/s")
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps([r.as_dict() for r in results], indent=2) + "\n")
