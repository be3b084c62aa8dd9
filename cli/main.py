"""The single `medflow` command: each command group's module contributes its commands or sub-app here.
Heavy imports stay inside the commands so `medflow --help` stays fast."""

from __future__ import annotations

import typer

from cli.api import app as api_app
from cli.api import token as api_token
from cli.bench import bench
from cli.deid import app as deid_app
from cli.demo import demo
from cli.deploy import deploy, worker
from cli.inference import model_app, triton_app
from cli.paths import SAMPLES_DIR
from cli.run import run
from cli.samples import samples_app
from cli.tables import query, tables_app

app = typer.Typer(no_args_is_help=True, help="medflow: de-identify and classify clinical notes.")
# deid/ knows no repository layout: the CLI on top gives `deid eval` where the sample gold sets are.
app.add_typer(deid_app, name="deid", help="De-identification: detect PHI spans, evaluate against gold.",
              context_settings={"default_map": {"eval": {"samples_dir": str(SAMPLES_DIR)}}})
app.add_typer(model_app, name="model", help="Build and export the classifier into triton_repo/.")
app.add_typer(triton_app, name="triton", help="Run the embedded Triton Inference Server.")
app.add_typer(api_app, name="api", help="Realtime FastAPI gateway.")
app.command("deploy")(deploy)
app.command("worker")(worker)
app.command("token", help="Print a development JWT signed with MEDFLOW_JWT_SECRET (alias of `api token`).")(api_token)
app.add_typer(samples_app, name="samples", help="Synthetic sample notes with gold PHI spans.")
app.add_typer(tables_app, name="tables", help="The Delta tables: history, vacuum, optimize, convert.")
app.command()(run)
app.command()(demo)
app.command()(query)
app.command()(bench)


if __name__ == "__main__":
    app()
