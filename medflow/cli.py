"""The single `medflow` command. Area packages contribute sub-apps; heavy imports stay inside commands."""

from __future__ import annotations

import typer

from api.cli import app as api_app
from deid.cli import app as deid_app
from inference.cli import model_app, triton_app

app = typer.Typer(no_args_is_help=True, help="medflow: de-identify and classify clinical notes.")
app.add_typer(deid_app, name="deid", help="De-identification: detect PHI spans, evaluate against gold.")
app.add_typer(model_app, name="model", help="Build and export the classifier into triton_repo/.")
app.add_typer(triton_app, name="triton", help="Run the embedded Triton Inference Server.")
app.add_typer(api_app, name="api", help="Realtime FastAPI gateway.")
