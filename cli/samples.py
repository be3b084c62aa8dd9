"""`medflow samples ...`: the synthetic sample notes and the hand-written challenge set, with their gold
PHI spans. Heavy imports stay inside the commands so `medflow --help` stays fast."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.paths import SAMPLES_DIR

samples_app = typer.Typer(no_args_is_help=True)


@samples_app.command("generate")
def samples_generate(
    out_dir: Path = typer.Option(SAMPLES_DIR, "--out"),
    n_notes: int = typer.Option(3000, "--notes"),
    seed: int = typer.Option(20261121),
) -> None:
    """Regenerate the synthetic samples and their gold PHI spans (deterministic for a seed)."""
    from samplegen.generate import generate_samples

    summary = generate_samples(out_dir, n_notes=n_notes, seed=seed)
    typer.echo(summary)


@samples_app.command("challenge")
def samples_challenge(
    notes: Path = typer.Option(SAMPLES_DIR / "challenge" / "notes.txt", "--notes", exists=True, dir_okay=False,
                               help="Hand-written notes, PHI marked inline as {{value|LABEL}}"),
    out: Path = typer.Option(SAMPLES_DIR / "challenge" / "gold.jsonl", "--out", help="Gold JSONL to write"),
) -> None:
    """Rebuild the hand-written challenge set's gold JSONL from its marked-up notes."""
    from samplegen.challenge import build_challenge

    typer.echo(build_challenge(notes, out))
