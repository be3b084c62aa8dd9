"""Command-line interface of this package (mounted by medflow/cli.py). Placeholder: filled by the area owner."""

import typer

app = typer.Typer(no_args_is_help=True)
