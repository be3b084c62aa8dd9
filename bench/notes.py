"""The fixed note sets of the benchmark, all taken from the synthetic samples in `data/samples/`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from deid.outcomes import DeidIncomplete
from inference.tokenizer import NoteTokenizer
from medflow.processing.pipeline import Deidentify

MIN_SHORT_TOKENS = 8  # skip one-word stubs: they are not realistic requests
STRIDE = 32  # only used to call the chunker; short notes are one chunk by construction


@dataclass(frozen=True, slots=True)
class ShortNotes:
    raw_texts: list[str]  # synthetic notes as written: what the hybrid gateway receives and de-identifies
    deid_texts: list[str]  # the same notes de-identified: what the model-only scenarios receive
    seqs: list[np.ndarray]  # deid_texts tokenized: one chunk each, at most `max_tokens` ids


def sample_files(samples_dir: Path) -> list[Path]:
    files = sorted(Path(samples_dir).glob("notes-*.parquet"))
    if not files:
        raise FileNotFoundError(f"no notes-*.parquet under {samples_dir}; run `medflow samples generate`")
    return files


def sample_table(samples_dir: Path, max_notes: int | None = None) -> pa.Table:
    """The first `max_notes` sample rows (all when None), in file order."""
    tables, rows = [], 0
    for path in sample_files(samples_dir):
        table = pq.read_table(path)
        tables.append(table)
        rows += table.num_rows
        if max_notes is not None and rows >= max_notes:
            break
    table = pa.concat_tables(tables)
    return table if max_notes is None else table.slice(0, max_notes)


def short_notes(
    samples_dir: Path, tokenizer: NoteTokenizer, deidentify: Deidentify, count: int, max_tokens: int = 64
) -> ShortNotes:
    """`count` sample notes of 8..max_tokens tokens (special tokens included), before and after de-id."""
    texts = [t for t in sample_table(samples_dir).column("note_text").to_pylist() if t and t.strip()]
    lengths = [len(chunks[0]) if len(chunks) == 1 else max_tokens + 1 for chunks in _encode(tokenizer, texts, 512)]
    candidates = [t for t, n in zip(texts, lengths, strict=True) if MIN_SHORT_TOKENS <= n <= max_tokens]
    outcomes = deidentify(candidates, [None] * len(candidates))
    # A note whose de-identification did not complete is withheld, here as in the flow.
    pairs = [(t, r.text) for t, r in zip(candidates, outcomes, strict=True) if not isinstance(r, DeidIncomplete)]
    candidates, deid = [t for t, _ in pairs], [d for _, d in pairs]
    chunks = _encode(tokenizer, deid, max_tokens)
    keep = [i for i, c in enumerate(chunks) if len(c) == 1][:count]
    if len(keep) < count:
        raise ValueError(f"only {len(keep)} sample notes have at most {max_tokens} tokens (wanted {count})")
    return ShortNotes([candidates[i] for i in keep], [deid[i] for i in keep], [chunks[i][0] for i in keep])


def _encode(tokenizer: NoteTokenizer, texts: list[str], max_length: int) -> list[list[np.ndarray]]:
    return tokenizer.encode_notes(texts, max_length, min(STRIDE, max_length - 3))


def write_sample_copies(samples_dir: Path, out_dir: Path, max_notes: int, copies: int) -> list[Path]:
    """`copies` Parquet files of the first `max_notes` sample rows, each copy with new note_ids."""
    table = sample_table(samples_dir, max_notes)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for copy in range(copies):
        note_ids = pc.binary_join_element_wise(table.column("note_id"), pa.scalar(f"c{copy}"), "-")
        path = out_dir / f"notes-c{copy:03d}.parquet"
        pq.write_table(table.set_column(table.schema.get_field_index("note_id"), "note_id", note_ids), path)
        paths.append(path)
    return paths
