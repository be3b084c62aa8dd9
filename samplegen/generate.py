"""Seeded generator of synthetic clinical notes with exact gold PHI spans (`medflow samples generate`).

Writes `notes-0001.parquet` ... (the batch input schema) and `gold.jsonl` (text + gold spans) into an
output directory. Same seed and arguments give byte-identical files. Everything is synthetic.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from medflow.schema import INPUT_SCHEMA
from samplegen.context import NoteContext, Writer
from samplegen.discharge import write_discharge_summary
from samplegen.icu import write_icu_nursing_note
from samplegen.nursing import write_nursing_note
from samplegen.outpatient import write_clinic_note, write_portal_message
from samplegen.phi import DATE_STYLES_FULL, DATE_STYLES_SHORT, Clinician, IdentityFactory, Patient
from samplegen.radiology import write_radiology_report
from samplegen.text import BuiltNote
from samplegen.vocab import SPECIALTIES

DEFAULT_SEED = 20261121
ROW_GROUP_SIZE = 256
PHI_FREE_SHARE = 0.04  # plus the notes that happen to contain no PHI (e.g. short nursing lines)
_FIRST_DAY, _LAST_DAY = date(2019, 1, 1), date(2025, 6, 30)


@dataclass(frozen=True, slots=True)
class NoteKind:
    weight: float
    writer: Callable[[Writer, int], None]
    target_chars: Callable[[random.Random], int]
    name_style: str
    date_styles: tuple[str, ...]
    inpatient: bool


def _lognormal(rng: random.Random, median: float, sigma: float, low: int, high: int) -> int:
    return int(min(high, max(low, rng.lognormvariate(math.log(median), sigma))))


NOTE_KINDS: dict[str, NoteKind] = {
    "discharge_summary": NoteKind(
        0.08, write_discharge_summary,
        lambda r: r.randint(4000, 8300) if r.random() < 0.8 else r.randint(1800, 4000),
        "any", DATE_STYLES_FULL, True),
    "nursing_note": NoteKind(
        0.26, write_nursing_note,
        lambda r: 40 if r.random() < 0.18 else _lognormal(r, 420, 0.6, 100, 2500),
        "nursing", DATE_STYLES_SHORT + DATE_STYLES_FULL[:4], True),
    "radiology_report": NoteKind(
        0.13, write_radiology_report, lambda r: _lognormal(r, 650, 0.4, 250, 2200),
        "formal", DATE_STYLES_FULL, True),
    "progress_note": NoteKind(
        0.21, write_clinic_note, lambda r: _lognormal(r, 850, 0.6, 150, 3500),
        "any", DATE_STYLES_FULL + DATE_STYLES_SHORT, False),
    "portal_message": NoteKind(
        0.17, write_portal_message, lambda r: _lognormal(r, 200, 0.6, 40, 900),
        "message", DATE_STYLES_SHORT + DATE_STYLES_FULL[:3], False),
    "icu_nursing_note": NoteKind(
        0.15, write_icu_nursing_note, lambda r: _lognormal(r, 900, 0.5, 250, 3000),
        "nursing", DATE_STYLES_SHORT, True),
}


@dataclass(frozen=True, slots=True)
class SampleNote:
    note_id: str
    patient_id: str
    note_type: str
    created_at: datetime
    note: BuiltNote


@dataclass(frozen=True, slots=True)
class _Admission:
    start: date
    end: date
    hospital: str
    attending: Clinician
    account: str


class _World:
    """Clinicians and facilities shared by all patients (so names recur across notes)."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        self.rng = rng
        self.ids = IdentityFactory(rng, seed)
        self.physicians = [self.ids.clinician(rng.choice(("MD", "MD", "MD", "DO")), rng.choice(SPECIALTIES))
                           for _ in range(90)]
        self.nurses = [self.ids.clinician(rng.choice(("RN", "RN", "RN", "LPN", "NP", "PA-C")), "nursing")
                       for _ in range(50)]
        self.phones = {h: (self.ids.phone_number(), self.ids.phone_number()) for h in self.ids.hospitals}

    def patient(self, patient_id: str) -> tuple[Patient, date]:
        """A new patient and the date their care centres on."""
        rng = self.rng
        roll = rng.random()
        age = rng.randint(1, 17) if roll < 0.05 else rng.randint(90, 104) if roll < 0.22 else rng.randint(18, 89)
        anchor = _FIRST_DAY + timedelta(days=rng.randrange((_LAST_DAY - _FIRST_DAY).days))
        return self.ids.new_patient(patient_id, age, anchor, rng.choice(self.physicians)), anchor

    def admission(self, patient: Patient, anchor: date) -> _Admission:
        rng = self.rng
        start = anchor + timedelta(days=rng.randint(-200, 200))
        hospital = patient.hospital if rng.random() < 0.75 else rng.choice(self.ids.hospitals)
        return _Admission(start, start + timedelta(days=rng.randint(1, 12)), hospital,
                          rng.choice(self.physicians), self.ids.account())


def _note_context(world: _World, patient: Patient, kind: NoteKind, day: date, admission: _Admission | None,
                  phi_free: bool) -> NoteContext:
    rng = world.rng
    hospital = admission.hospital if admission else patient.hospital
    phone, fax = world.phones[hospital]
    return NoteContext(
        rng=rng, ids=world.ids, patient=patient, day=day, hospital=hospital,
        attending=admission.attending if admission else rng.choice((patient.pcp, rng.choice(world.physicians))),
        consultants=rng.sample(world.physicians, 3), nurse=rng.choice(world.nurses),
        admit=admission.start if admission else None, discharge=admission.end if admission else None,
        name_style=kind.name_style, date_styles=kind.date_styles, phi_free=phi_free,
        other_hospital=rng.choice([h for h in world.ids.hospitals if h != hospital]),
        clinic_phone=phone, clinic_fax=fax, account=admission.account if admission else "")


def build_notes(n_notes: int, seed: int = DEFAULT_SEED) -> list[SampleNote]:
    """All notes in memory, with gold spans and the hard negatives (for tests)."""
    rng = random.Random(seed)
    world = _World(rng, seed)
    names = list(NOTE_KINDS)
    weights = [NOTE_KINDS[n].weight for n in names]
    drafts: list[tuple[datetime, str, str, BuiltNote]] = []
    patient_number = 0
    while len(drafts) < n_notes:
        patient_number += 1
        patient, anchor = world.patient(f"P{patient_number:06d}")
        admissions: list[_Admission] = []
        count = min(n_notes - len(drafts), rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 12)))
        for _ in range(count):
            note_type = rng.choices(names, weights)[0]
            kind = NOTE_KINDS[note_type]
            admission = None
            if kind.inpatient and (note_type != "radiology_report" or rng.random() < 0.7):
                if not admissions or (note_type == "discharge_summary" and rng.random() < 0.5):
                    admissions.append(world.admission(patient, anchor))
                admission = rng.choice(admissions)
                day = admission.end if note_type == "discharge_summary" else admission.start + timedelta(
                    days=rng.randint(0, (admission.end - admission.start).days))
            else:
                day = anchor + timedelta(days=rng.randint(-300, 300))
            phi_free = note_type != "discharge_summary" and rng.random() < PHI_FREE_SHARE / (1 - kind.weight)
            ctx = _note_context(world, patient, kind, day, admission, phi_free)
            writer = Writer(ctx)
            kind.writer(writer, kind.target_chars(rng))
            created = datetime.combine(day, time(rng.randrange(24), rng.randrange(60), rng.randrange(60)),
                                       tzinfo=UTC)
            drafts.append((created, patient.patient_id, note_type, writer.builder.build(writer.case)))
    # Batches are in time order, as a nightly export would be.
    order = sorted(range(len(drafts)), key=lambda i: (drafts[i][0], i))
    return [SampleNote(f"N{rank + 1:07d}", drafts[i][1], drafts[i][2], drafts[i][0], drafts[i][3])
            for rank, i in enumerate(order)]


def _write_parquet(path: Path, notes: list[SampleNote]) -> None:
    table = pa.Table.from_pydict({
        "note_id": [n.note_id for n in notes],
        "patient_id": [n.patient_id for n in notes],
        "note_type": [n.note_type for n in notes],
        "note_text": [n.note.text for n in notes],
        "created_at": [n.created_at for n in notes],
    }, schema=INPUT_SCHEMA)
    pq.write_table(table, path, row_group_size=ROW_GROUP_SIZE, compression="zstd")


def generate_samples(out_dir: Path, n_notes: int = 3000, seed: int = DEFAULT_SEED, n_files: int = 6) -> dict:
    """Write the Parquet batches and gold.jsonl; return counts (no note content)."""
    if n_notes < 1 or n_files < 1:
        raise ValueError("n_notes and n_files must be positive")
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("notes-*.parquet"):
        stale.unlink()
    notes = build_notes(n_notes, seed)
    n_files = min(n_files, n_notes)
    files: list[str] = []
    for index in range(n_files):
        chunk = notes[index * n_notes // n_files:(index + 1) * n_notes // n_files]
        name = f"notes-{index + 1:04d}.parquet"
        _write_parquet(out_dir / name, chunk)
        files.append(name)
    with (out_dir / "gold.jsonl").open("w", encoding="utf-8", newline="\n") as gold:
        for note in notes:
            spans = [{"start": s.start, "end": s.end, "label": s.label} for s in note.note.spans]
            record = {"id": note.note_id, "kind": note.note_type, "text": note.note.text, "spans": spans}
            gold.write(json.dumps(record, ensure_ascii=False) + "\n")
    files.append("gold.jsonl")
    labels = Counter(s.label for n in notes for s in n.note.spans)
    return {
        "files": files,
        "notes": len(notes),
        "chars": sum(len(n.note.text) for n in notes),
        "spans_by_label": dict(sorted(labels.items())),
        "notes_by_type": dict(sorted(Counter(n.note_type for n in notes).items())),
        "notes_without_phi": sum(1 for n in notes if not n.note.spans),
    }
