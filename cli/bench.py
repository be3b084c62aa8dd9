"""`medflow bench`: the paper's serving comparison and the batch-path throughput, with a JSON report and a
chart. Heavy imports stay inside the command so `medflow --help` stays fast."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.paths import CLASSIFIER_DIR, SAMPLES_DIR, STAND_IN_DIR
from medflow.settings import REPO_ROOT


def bench(
    json_out: Path = typer.Option(Path("out/bench/bench.json"), "--json", help="Where the JSON report goes"),
    png: Path | None = typer.Option(None, help="Chart PNG (default: the JSON path with .png)"),
    quick: bool = typer.Option(False, "--quick", help="Smaller counts and a subset of the samples (< 3 min)"),
    precision: str = typer.Option("int8", help="Model variant: int8 or fp32 (CPU), fp16 (GPU)"),
    model_dir: Path = typer.Option(REPO_ROOT / STAND_IN_DIR, help="Built model directory"),
    classifier_dir: Path = typer.Option(
        REPO_ROOT / CLASSIFIER_DIR,
        help="The shipped classifier, measured beside MODEL_DIR (built for the run from its head when not built here)",
    ),
    samples: Path = typer.Option(SAMPLES_DIR, help="Synthetic sample notes"),
    triton_instances: int = typer.Option(0, help="Model instances in the embedded Triton (0: its default)"),
    triton_threads: int = typer.Option(0, help="ONNX Runtime threads per Triton instance (0: its default)"),
    triton_session_threads: int = typer.Option(
        0, help="Session calls of one batch run at once per Triton instance (0: its default)"
    ),
) -> None:
    """The paper's serving comparison and the batch-path throughput, measured on this machine."""
    import json

    from bench.chart import write_chart
    from bench.run import FULL, QUICK, BenchConfig, run_bench
    from cli.demo import SHIPPED_HEAD

    if precision not in ("int8", "fp32", "fp16"):
        raise typer.BadParameter("precision must be int8, fp32 or fp16")
    config = BenchConfig(
        model_dir=model_dir,
        samples_dir=samples,
        precision=precision,
        sizes=QUICK if quick else FULL,
        triton_instances=triton_instances or None,
        triton_threads=triton_threads or None,
        triton_session_threads=triton_session_threads or None,
        classifier_dir=classifier_dir,
        classifier_head=SHIPPED_HEAD,
    )
    report = run_bench(config, progress=lambda step: typer.echo(f"bench: {step}", err=True))
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps(report, indent=2) + "\n")
    chart = write_chart(report, png or json_out.with_suffix(".png"))
    for name, check in report["targets"].items():
        verdict = "met" if check["met"] else "MISSED"
        typer.echo(f"{name:40} {check['value']!s:>10} (target {check['target']}): {verdict}")
    typer.echo(f"wrote {json_out} and {chart} in {report['seconds']:.0f} s")
