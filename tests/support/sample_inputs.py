"""Input folders of synthetic notes for flow and CLI tests: Parquet files only, without the gold spans."""

from __future__ import annotations

from pathlib import Path


def notes_without_gold(folder: Path, n_notes: int, seed: int, n_files: int) -> Path:
    """``folder`` filled by the seeded generator, its gold file removed (a flow reads every file there)."""
    from samplegen.generate import generate_samples

    generate_samples(folder, n_notes=n_notes, seed=seed, n_files=n_files)
    (folder / "gold.jsonl").unlink()
    return folder
