"""Labelled notes as the classifier sees them in production: de-identified by the pipeline's own engine
and configuration, so training, evaluation and serving read the same kind of text."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import typer

from inference.build.dataset import LabelledNotes, read_labelled

DEID_BATCH = 64


def deidentified_notes(path: Path, text_column: str, labels_column: str, what: str) -> LabelledNotes:
    """Read `path` and de-identify every text; a note the engine cannot fully de-identify is left out
    (fail closed, as in the pipeline). Exits with a message when the key is missing."""
    from deid.engine import DeidResult, get_engine
    from medflow.preflight import DeidKeyMissing, deid_key
    from medflow.settings import get_settings

    settings = get_settings()
    try:
        deid_key(settings)
    except DeidKeyMissing as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        notes = read_labelled(path, text_column, labels_column)
    except (OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    engine = get_engine(settings.deid_config())
    texts, labels, withheld = [], [], 0
    with typer.progressbar(length=len(notes.texts), label=f"de-identifying {what}") as bar:
        for start in range(0, len(notes.texts), DEID_BATCH):
            batch = notes.texts[start : start + DEID_BATCH]
            for offset, result in enumerate(engine.deidentify(batch, _stable_ids(batch))):
                if isinstance(result, DeidResult):
                    texts.append(result.text)
                    labels.append(notes.labels[start + offset])
                else:
                    withheld += 1
            bar.update(len(batch))
    if withheld:
        typer.echo(f"{withheld} of {len(notes.texts)} notes withheld (de-identification incomplete)")
    return LabelledNotes(texts, labels, notes.sha256)


def _stable_ids(texts: Sequence[str]) -> list[str]:
    """A per-text stand-in patient id: surrogates and date shifts stay the same from run to run (the
    engine gives a note without an id fresh random ones), so runs are reproducible and cacheable."""
    return [hashlib.sha256(text.encode("utf-8")).hexdigest()[:16] for text in texts]
