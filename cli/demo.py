"""`medflow demo`: the real pipeline on the shipped samples, on embedded defaults.

Builds the demo model if absent, starts the embedded Triton on free local ports, runs the nightly
flow (Prefect's temporary API server) over every sample, committed before or not, with a progress bar,
and stops what it started (both servers die with the command, even if it is killed). Without
`MEDFLOW_DEID_HMAC_KEY` it uses a random key for this run only, and says so.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from cli.report import progress_bar
from medflow.settings import Settings, get_settings

if TYPE_CHECKING:
    from prefect.states import State


def ensure_demo_model(settings: Settings, samples_dir: Path, console: Console) -> Path:
    """The model directory, after building the offline demo model into it if it has no version yet."""
    from inference.build.export import build_demo, sample_note_texts
    from medflow.model_wiring import model_version_dir

    model_dir = Path(settings.model_repository) / settings.triton_model
    try:
        model_version_dir(settings)
    except FileNotFoundError:
        console.print(f"[yellow]No model in {model_dir}: building the offline demo model (random weights)…")
        result = build_demo(repo=Path(settings.model_repository), name=settings.triton_model,
                            corpus=sample_note_texts(samples_dir))
        console.print(f"built {result.info.model_name} into {result.version_dir}")
    return model_dir


def ensure_demo_key(console: Console) -> None:
    """A random de-identification key for this process when none is configured: the demo works out of
    the box, its pseudonyms and date shifts just change from run to run. Real runs refuse to start
    without a key (`medflow run`)."""
    if get_settings().deid_hmac_key is not None and get_settings().deid_hmac_key.get_secret_value():
        return
    os.environ["MEDFLOW_DEID_HMAC_KEY"] = secrets.token_urlsafe(32)
    get_settings.cache_clear()
    console.print(
        "[yellow]MEDFLOW_DEID_HMAC_KEY is not set: this demo uses a random key for this run only "
        "(pseudonymous ids and shifted dates differ on every run; set the key to keep them stable)."
    )


def run_demo(settings: Settings, samples_dir: Path, output_uri: str, console: Console) -> State:
    """The final state of the demo's flow run (its data: the run manifest)."""
    from flows.nightly import nightly_deid_inference
    from flows.temporary_api import start_temporary_api
    from inference.triton_server import EmbeddedTriton

    model_dir = ensure_demo_model(settings, samples_dir, console)
    console.print(f"Starting the embedded Triton Inference Server ({settings.precision}, CPU)…")
    with EmbeddedTriton(model_dir, precision=settings.precision, grpc_port=0, http_port=0, metrics_port=0) as triton:
        console.print(f"Triton ready in {triton.start_seconds:.1f} s: gRPC {triton.grpc_url}, HTTP {triton.http_url}")
        start_temporary_api()
        ensure_demo_key(console)  # after both servers started: their processes never need the key
        with progress_bar(console):
            # force: a demo rerun shows the pipeline working again instead of skipping committed files
            return nightly_deid_inference(
                input_uri=str(samples_dir), output_uri=output_uri, triton_url=triton.grpc_url, force=True,
                return_state=True,
            )
