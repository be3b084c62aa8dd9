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

import typer

from cli.paths import DEMO_OUTPUT, SAMPLES_DIR
from cli.run import run_exit_code, this_medflow
from cli.tables import refuse_old_layout
from inference.model_files import CLASSIFIER_MODEL
from medflow.settings import REPO_ROOT, Settings, get_settings

if TYPE_CHECKING:
    from prefect.states import State
    from rich.console import Console


# The shipped classifier: a head trained on MTSamples (CC0) for the pinned all-MiniLM-L6-v2 encoder.
SHIPPED_HEAD = REPO_ROOT / "models" / "mtsamples-minilm"
EXAMPLE_QUERY = "query 'SELECT label, count(*) AS notes FROM predictions GROUP BY label'"


def demo(
    output_uri: str = typer.Option(DEMO_OUTPUT, "--output", help="Where the demo writes its tables"),
    samples: Path = typer.Option(SAMPLES_DIR, help="Input Parquet folder"),
) -> None:
    """Build the demo model if needed, start the embedded Triton, run the flow on every sample (again on
    every run). Exit codes as `medflow run`."""
    from rich.console import Console

    refuse_old_layout(output_uri)
    console = Console()
    code = run_exit_code(run_demo(get_settings(), samples, output_uri, console), False, console)
    if code == 0:
        print_kind_vs_label(output_uri, console)
        typer.echo(f"Tables written under {output_uri}/. Try: {this_medflow()} {EXAMPLE_QUERY}")
    raise typer.Exit(code)


def ensure_demo_model(settings: Settings, samples_dir: Path, console: Console) -> Path:
    """The model directory the demo serves: the configured model when it is built (a model of your own,
    or the DistilBERT stand-in built by an earlier demo); else the real classifier (the pretrained encoder
    + the shipped head, built on first use and as a new version whenever the head changes) when the encoder
    is installed (`make` does), with the demo's flow pointed at it (MEDFLOW_TRITON_MODEL); else the
    random-weight DistilBERT stand-in, built."""
    from inference.build.encoder import WEIGHTS_FILE, default_encoder_dir
    from inference.build.train import head_build_version
    from medflow.model_wiring import model_version_dir

    shipped = (SHIPPED_HEAD / "head.json").exists() and (default_encoder_dir() / WEIGHTS_FILE).exists()
    if not (shipped and settings.triton_model == CLASSIFIER_MODEL):  # the classifier is checked below
        try:
            model_version_dir(settings)
            return Path(settings.model_repository) / settings.triton_model
        except FileNotFoundError:
            pass
    if shipped:
        model_dir = Path(settings.model_repository) / CLASSIFIER_MODEL
        if (version := head_build_version(model_dir, SHIPPED_HEAD)) is not None:
            console.print(f"Building the classifier (pretrained all-MiniLM-L6-v2 + {SHIPPED_HEAD.name} head)…")
            from cli.inference import build_from_head

            build_from_head(SHIPPED_HEAD, model_dir.parent, model_dir.name, [], version)
        os.environ["MEDFLOW_TRITON_MODEL"] = CLASSIFIER_MODEL
        get_settings.cache_clear()
        return model_dir
    console.print("[yellow]No pretrained encoder installed (`make` installs it): the demo uses the random-weight "
                  "DistilBERT stand-in, whose labels mean nothing.")
    return ensure_stand_in_model(settings, samples_dir, console)


def ensure_stand_in_model(settings: Settings, samples_dir: Path, console: Console) -> Path:
    """The random-weight DistilBERT, built into the configured model directory."""
    from inference.build.export import build_demo, sample_note_texts

    model_dir = Path(settings.model_repository) / settings.triton_model
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
    from cli.report import progress_bar
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


KIND_VS_LABEL = (
    "SELECT note_type AS kind, label AS predicted, COUNT(*) AS notes FROM predictions "
    "GROUP BY note_type, label ORDER BY note_type, notes DESC"
)


def print_kind_vs_label(output_uri: str, console: Console, per_kind: int = 3) -> None:
    """Each sample kind's most frequent predicted labels (a radiology report should come out as Radiology)."""
    from rich.table import Table

    from medflow.storage import absolute_uri
    from medflow.tables.query import run_query

    rows = run_query(KIND_VS_LABEL, absolute_uri(output_uri), None).to_dicts()
    table = Table(title="Sample kind vs predicted label (top 3 per kind)")
    for column in ("kind", "predicted", "notes"):
        table.add_column(column, justify="right" if column == "notes" else "left")
    shown: dict[str, int] = {}
    for row in rows:
        shown[row["kind"]] = shown.get(row["kind"], 0) + 1
        if shown[row["kind"]] <= per_kind:
            table.add_row(str(row["kind"]), str(row["predicted"]), str(row["notes"]))
    console.print(table)
