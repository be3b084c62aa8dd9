"""Per-note context: who and when a note is about, the slots templates can use, and a writer that
renders templates (keeping PHI-free notes PHI-free)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from deid.labels import PhiLabel
from samplegen.phi import (
    DATE_STYLES_COARSE,
    DATE_STYLES_FULL,
    DATE_STYLES_SHORT,
    Clinician,
    IdentityFactory,
    Patient,
    age_pieces,
    clinician_name,
    date_pieces,
    mrn_text,
    patient_name,
    phone_pieces,
    ssn_text,
)
from samplegen.text import Neg, NoteBuilder, Phi, Piece, Slot
from samplegen.vocab import (
    CHIEF_COMPLAINTS,
    CONDITIONS,
    DEVICES_AND_PROCEDURES,
    EXAM_FINDINGS,
    LABS,
    MEDS,
    SCORES,
    SERVICES,
    SPECIALTIES,
)


@dataclass(slots=True)
class NoteContext:
    rng: random.Random
    ids: IdentityFactory
    patient: Patient
    day: date  # the note's date
    hospital: str
    attending: Clinician
    consultants: list[Clinician]
    nurse: Clinician
    admit: date | None = None
    discharge: date | None = None
    name_style: str = "any"
    date_styles: Sequence[str] = DATE_STYLES_FULL
    phi_free: bool = False
    other_hospital: str = ""
    clinic_phone: str = ""
    clinic_fax: str = ""
    account: str = ""


def _labs_line(rng: random.Random, count: int) -> list[Piece]:
    pieces: list[Piece] = []
    for index, (name, low, high, decimals) in enumerate(rng.sample(LABS, count)):
        value = rng.uniform(low, high)
        shown = f"{value:.{decimals}f}" if decimals else str(round(value))
        sep = rng.choice((" ", " ", ": ", " of "))
        pieces += [", " if index else "", Neg(f"{name}{sep}{shown}", "lab")]
    return pieces


def _time(rng: random.Random, minutes: int) -> str:
    hour, minute = divmod(minutes % 1440, 60)
    form = rng.randrange(5)
    if form <= 1:
        return f"{hour:02d}{minute:02d}"
    if form == 2:
        return f"{hour:02d}:{minute:02d}"
    twelve = hour % 12 or 12
    suffix = rng.choice(("am", "AM", "a.m.")) if hour < 12 else rng.choice(("pm", "PM", "p.m."))
    return f"{twelve} {suffix}" if minute == 0 else f"{twelve}:{minute:02d} {suffix}"


def _med(rng: random.Random) -> list[Piece]:
    name, doses, route, freqs = rng.choice(MEDS)
    return [name, " ", Neg(rng.choice(doses), "dose"), f" {route} {rng.choice(freqs)}"]


def _hospital_pieces(name: str, rng: random.Random) -> list[Piece]:
    words = [w for w in name.split() if w[0].isalpha() and w not in ("of",)]
    if len(words) >= 3 and rng.random() < 0.2:
        return [Phi("".join(w[0] for w in words).upper(), PhiLabel.HOSPITAL)]
    return [Phi(name, PhiLabel.HOSPITAL)]


def make_slots(ctx: NoteContext) -> dict[str, Slot]:
    rng, p, ids = ctx.rng, ctx.patient, ctx.ids
    person = p.person
    he = "he" if person.sex == "M" else "she"
    his = "his" if person.sex == "M" else "her"

    clock = [rng.randrange(1440)]  # times within a note run forward, as in a shift log

    def next_time() -> str:
        clock[0] += rng.choice((5, 10, 15, 15, 30, 30, 45, 60, 60, 90, 120, 180))
        if rng.random() < 0.5:
            clock[0] -= clock[0] % 15
        return _time(rng, clock[0])

    def near_date(days: int) -> date:
        return ctx.day + timedelta(days=rng.randint(-days, days))

    def d(day: date, styles: Sequence[str] | None = None) -> list[Piece]:
        return date_pieces(day, rng.choice(styles or ctx.date_styles))

    def rel() -> list[Piece]:
        relative = rng.choice(p.relatives)
        return [f"{relative.relation} ", *patient_name(relative.person, rng, "message" if rng.random() < 0.5
                                                         else "any")]

    def relative_age() -> list[Piece]:
        relative = rng.choice(p.relatives)
        return [*age_pieces(relative.age, rng, "short"), f" {relative.relation}"]

    def address() -> list[Piece]:
        a = p.address
        state = a.state_abbr if rng.random() < 0.8 else a.state
        return [Phi(a.street, PhiLabel.STREET), rng.choice((", ", " ", "\n")), Phi(a.city, PhiLabel.CITY), ", ",
                Phi(state, PhiLabel.STATE), " ", Phi(a.zip_code, PhiLabel.ZIP)]

    def device() -> list[Piece]:
        kind, serial = p.device or ("glucometer", ids.serial())
        return [f"{kind} ", rng.choice(("serial # ", "SN ", "S/N: ", "serial number ")), Phi(serial, PhiLabel.DEVICE)]

    def vehicle() -> list[Piece]:
        make, plate, vin = p.vehicle or ("sedan", ids.plate(), ids.vin())
        if rng.random() < 0.6:
            return [f"{make}, plate ", Phi(plate, PhiLabel.VEHICLE)]
        return [f"{make} (VIN ", Phi(vin, PhiLabel.VEHICLE), ")"]

    def a_or_an(pieces: list[Piece], capital: bool = False) -> list[Piece]:
        first = (pieces[0] if isinstance(pieces[0], str) else pieces[0].value).lower()
        vowel = (first[:1] in "aei" or first.startswith(("8", "18", "11"))) and not first.startswith("one")
        article = "an " if vowel else "a "
        return [article.capitalize() if capital else article, *pieces]

    slots: dict[str, Callable[[], Piece | Sequence[Piece]]] = {
        # --- PHI ---
        "pt": lambda: patient_name(person, rng, ctx.name_style),
        "pt_full": lambda: [Phi(f"{person.first} {person.last}", PhiLabel.NAME)],
        "pt_first": lambda: [Phi(person.first, PhiLabel.NAME)],
        "pt_formal": lambda: patient_name(person, rng, "formal"),
        "pt_title": lambda: patient_name(person, rng, "title"),
        "pt_initials": lambda: [Phi(person.initials, PhiLabel.NAME)],
        "rel": rel,
        "rel_age": relative_age,
        "rel_phone": lambda: phone_pieces(rng.choice(p.relatives).phone, rng),
        "dr": lambda: clinician_name(ctx.attending, rng),
        "dr2": lambda: clinician_name(rng.choice(ctx.consultants), rng),
        "dr_last": lambda: [rng.choice(("Dr. ", "Dr ", "Dr. ")), Phi(ctx.attending.person.last, PhiLabel.NAME)],
        "dr2_last": lambda: ["Dr. ", Phi(rng.choice(ctx.consultants).person.last, PhiLabel.NAME)],
        "pcp": lambda: clinician_name(p.pcp, rng),
        "rn": lambda: clinician_name(ctx.nurse, rng),
        "rn_initials": lambda: [Phi(ctx.nurse.person.initials, PhiLabel.NAME)],
        "date": lambda: d(ctx.day),
        "date_full": lambda: d(ctx.day, DATE_STYLES_FULL),
        "date_short": lambda: d(near_date(3), DATE_STYLES_SHORT),
        "date_near": lambda: d(near_date(10)),
        "date_adm": lambda: d(ctx.admit or ctx.day),
        "date_dc": lambda: d(ctx.discharge or ctx.day),
        "date_dob": lambda: d(p.dob, DATE_STYLES_FULL),
        "date_prior": lambda: d(ctx.day - timedelta(days=rng.randint(30, 3000)),
                                rng.choice((DATE_STYLES_COARSE, DATE_STYLES_FULL, ctx.date_styles))),
        "year_prior": lambda: d(ctx.day - timedelta(days=rng.randint(365, 9000)), ("year",)),
        "date_next": lambda: d(ctx.day + timedelta(days=rng.randint(5, 120)),
                               rng.choice((DATE_STYLES_FULL, DATE_STYLES_SHORT))),
        "hosp": lambda: _hospital_pieces(ctx.hospital, rng),
        "hosp_other": lambda: _hospital_pieces(ctx.other_hospital, rng),
        "phone": lambda: phone_pieces(p.phone, rng),
        "clinic_phone": lambda: phone_pieces(ctx.clinic_phone, rng),
        "pager": lambda: [Phi(ids.digits(rng.choice((4, 5))), PhiLabel.PHONE)],
        "fax": lambda: phone_pieces(ctx.clinic_fax, rng, PhiLabel.FAX),
        "email": lambda: [Phi(p.email, PhiLabel.EMAIL)],
        "addr": address,
        "street": lambda: [Phi(p.address.street, PhiLabel.STREET)],
        "city": lambda: [Phi(p.address.city, PhiLabel.CITY)],
        "state": lambda: [Phi(p.address.state, PhiLabel.STATE)],
        "zip": lambda: [Phi(p.address.zip_code, PhiLabel.ZIP)],
        "mrn": lambda: [Phi(mrn_text(p.mrn, rng), PhiLabel.MRN)],
        "acct": lambda: [Phi(ctx.account or ids.account(), PhiLabel.ACCOUNT)],
        "plan": lambda: [p.plan_name, rng.choice((" ID ", " member ID ", " #", " member # ", " policy ")),
                         Phi(p.plan_id, PhiLabel.HEALTH_PLAN)],
        "plan_id": lambda: [Phi(p.plan_id, PhiLabel.HEALTH_PLAN)],
        "ssn": lambda: [Phi(ssn_text(p.ssn, rng), PhiLabel.SSN)],
        "dl": lambda: [Phi(p.drivers_license, PhiLabel.LICENSE)],
        "dea": lambda: [Phi(ids.dea(ctx.attending.person.last), PhiLabel.LICENSE)],
        "medlic": lambda: [Phi(rng.choice(("", "MD", "DO-")) + ids.digits(rng.choice((5, 6, 7))),
                               PhiLabel.LICENSE)],
        "npi": lambda: [Phi(rng.choice("12") + ids.digits(9), PhiLabel.ID)],
        "accession": lambda: [Phi(rng.choice(("", "RAD-", "CT", "A", "XR")) + ids.digits(rng.choice((7, 8, 9))),
                                  PhiLabel.ID)],
        "specimen": lambda: [Phi(f"{rng.choice(('S', 'SP', 'M'))}{ctx.day.year % 100}-{ids.digits(5)}",
                                 PhiLabel.ID)],
        "device": device,
        "device_sn": lambda: [Phi(p.device[1] if p.device else ids.serial(), PhiLabel.DEVICE)],
        "vehicle": vehicle,
        "url": lambda: [Phi(p.portal_url, PhiLabel.URL)],
        "ip": lambda: [Phi(ids.ip(), PhiLabel.IP)],
        "age": lambda: age_pieces(p.age_on(ctx.day), rng),
        "a_age": lambda: a_or_an(age_pieces(p.age_on(ctx.day), rng, "adj")),
        "A_age": lambda: a_or_an(age_pieces(p.age_on(ctx.day), rng, "adj"), capital=True),
        "age_short": lambda: age_pieces(p.age_on(ctx.day), rng, "short"),
        "other_age": lambda: age_pieces(rng.randint(55, 103), rng, "short"),
        "age_num": lambda: age_pieces(p.age_on(ctx.day), rng, "short")[:1],
        # --- not PHI ---
        "cc": lambda: rng.choice(CHIEF_COMPLAINTS),
        "service": lambda: rng.choice(SERVICES),
        "spec": lambda: rng.choice(SPECIALTIES),
        "he": lambda: he, "He": lambda: he.capitalize(), "his": lambda: his, "His": lambda: his.capitalize(),
        "him": lambda: "him" if person.sex == "M" else "her",
        "man": lambda: rng.choice(("man", "gentleman", "male")) if person.sex == "M" else
        rng.choice(("woman", "lady", "female")),
        "sex": lambda: person.sex if rng.random() < 0.5 else ("male" if person.sex == "M" else "female"),
        "time": lambda: [Neg(next_time(), "time")],
        "bp": lambda: [Neg(f"{rng.randint(88, 182)}/{rng.randint(48, 102)}", "vital")],
        "hr": lambda: [Neg(str(rng.randint(52, 128)), "vital")],
        "rr": lambda: [Neg(str(rng.randint(12, 30)), "vital")],
        "temp": lambda: [Neg(rng.choice((f"{rng.uniform(97.0, 102.8):.1f}", f"{rng.uniform(36.1, 39.4):.1f}C")),
                             "vital")],
        "spo2": lambda: [Neg(f"{rng.randint(86, 100)}%", "vital")],
        "o2": lambda: rng.choice(("RA", "room air", "2L NC", "3L NC", "4L", "40% FM", "HFNC 30L/40%", "BiPAP")),
        "labs": lambda: _labs_line(rng, rng.randint(2, 6)),
        "lab": lambda: _labs_line(rng, 1),
        "med": lambda: _med(rng),
        "med_name": lambda: rng.choice(MEDS)[0],
        "code": lambda: [Neg(rng.choice(("ICD-10 I50.9", "ICD-10: E11.65", "I48.91", "CPT 99214", "J18.9",
                                         "N17.9", "CPT 71046", "Z79.01", "DRG 291", "LOINC 2160-0")), "code")],
        "dose": lambda: [Neg(rng.choice(("5 mg", "0.5 mg", "10 mg", "40 mEq", "1 g", "2 units", "500 mL",
                                         "250 mL", "1 L", "12.5 mg", "325 mg", "0.4 mg")), "dose")],
        "portion": lambda: [Neg(rng.choice(("1/2", "2/3", "3/4", "1/4", "1/3", "50%", "half")), "fraction")],
        "strength": lambda: [Neg(rng.choice(("4/5", "3/5", "4+/5", "2/5", "5-/5")), "fraction")],
        "ratio": lambda: [Neg(rng.choice(("1:1", "2:1", "1:2", "1:10")), "fraction")],
        "pain": lambda: [Neg(f"{rng.randint(0, 10)}/10", "score")],
        "score": lambda: [Neg(rng.choice(SCORES), "score")],
        "duration": lambda: [Neg(rng.choice(("for 3 days", "x2 days", "for 2 weeks", "for the past week",
                                             "over 48 hours", "for 6 months", "x 1 month", "since yesterday",
                                             "for several years", "for 10 minutes")), "duration")],
        "room": lambda: [Neg(rng.choice((f"Rm {rng.randint(100, 999)}", f"bed {rng.randint(1, 40)}",
                                         f"room {rng.randint(2, 12)}{rng.choice('AB')}",
                                         f"bed {rng.randint(1, 24)}{rng.choice('ABCD')}")), "room")],
        "cond": lambda: [Neg(rng.choice(CONDITIONS), "condition")],
        "exam": lambda: [Neg(rng.choice([f for group in EXAM_FINDINGS.values() for f in group]), "exam")],
        **{f"exam_{system}": (lambda group=group: [Neg(rng.choice(group), "exam")])
           for system, group in EXAM_FINDINGS.items()},
        "proc": lambda: [Neg(rng.choice(DEVICES_AND_PROCEDURES), "eponym")],
        "n": lambda: str(rng.randint(2, 9)),
        "ef": lambda: f"{rng.choice((20, 25, 30, 35, 40, 45, 50, 55, 60, 65))}%",
    }
    return slots


class Writer:
    """Renders templates into a builder. In PHI-free notes, a template that produced PHI is rolled
    back and another one is tried."""

    def __init__(self, ctx: NoteContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.builder = NoteBuilder(ctx.rng, make_slots(ctx))
        self.case: Callable[[str], str] | None = None  # whole-note casing chosen by the note writer
        # One heading style per note, as a template or author would use consistently.
        self._heading_format = self.rng.choice(("{}:\n", "{}: ", "{}:\n", "{}\n", "--- {} ---\n", "# {}\n"))
        self._heading_case = self.rng.choice((str.upper, str.upper, str, str))

    def heading(self, names: Sequence[str], gap: str = "\n\n") -> None:
        if len(self.builder):
            self.builder.add(gap)
        self.builder.add(self._heading_format.format(self._heading_case(self.rng.choice(names))))

    def say(self, templates: Sequence[str] | str, end: str = "") -> bool:
        """Render one template of the pool (another one if it produced PHI in a PHI-free note)."""
        pool = [templates] if isinstance(templates, str) else list(templates)
        self.rng.shuffle(pool)
        for template in pool:
            if self._try(template):
                self.builder.add(end)
                return True
        return False

    def some(self, templates: Sequence[str], low: int, high: int, sep: str = " ", end: str = "") -> None:
        """Render between low and high distinct templates of a pool, joined by sep."""
        self._sequence(templates, self.rng.randint(low, high), None, sep)
        self.builder.add(end)

    def fill(self, templates: Sequence[str], target_chars: int, sep: str = " ") -> None:
        """Append distinct templates of a pool until the note reaches target_chars (or the pool ends)."""
        self._sequence(templates, len(templates), target_chars, sep)

    def _sequence(self, templates: Sequence[str], count: int, target_chars: int | None, sep: str) -> None:
        pool = list(templates)
        self.rng.shuffle(pool)
        done = 0
        for template in pool:
            if done >= count or (target_chars is not None and len(self.builder) >= target_chars):
                break
            checkpoint = self.builder.checkpoint()
            if done:
                self.builder.add(sep)
            if self._try(template):
                done += 1
            else:
                self.builder.rollback(checkpoint)

    def _try(self, template: str) -> bool:
        checkpoint = self.builder.checkpoint()
        self.builder.render(template)
        if self.ctx.phi_free and self.builder.has_phi_since(checkpoint):
            self.builder.rollback(checkpoint)
            return False
        return True

    def text(self, text: str) -> None:
        self.builder.add(text)

    def __len__(self) -> int:
        return len(self.builder)
