"""ICU nursing notes: system-by-system shorthand in ALL CAPS, lower case or mixed case, with drips,
vent settings and ranges, history lists with two-digit years, social lines with relatives and phones,
transfers between facilities by short name and ward number, clinician shorthand and sign-offs."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from deid.labels import PhiLabel
from samplegen.context import Writer
from samplegen.phi import Clinician
from samplegen.shorthand import (
    clinician_initial,
    dr_short,
    drs_pair,
    employer,
    facility_short,
    history_date,
    kin_word,
    nursing_phone,
    pager,
    real_hospital,
    relative_line,
    sign_off,
    ward,
)
from samplegen.text import Neg, Phi, Piece, Slot

# (item, whether a date may follow it) for "PMH:" lines.
_HISTORY = (
    ("CAD s/p CABG", True), ("MI", True), ("CVA", True), ("TIA", True), ("afib", False), ("CHF", False),
    ("COPD", False), ("DM2", False), ("HTN", False), ("hyperlipidemia", False), ("CKD", False),
    ("ESRD on HD", False), ("PVD", False), ("AAA repair", True), ("DVT", True), ("PE", True), ("GIB", True),
    ("appy", True), ("lap chole", True), ("TAH/BSO", True), ("TKR", True), ("L hip fx", True),
    ("R wrist fx", True), ("cath", True), ("PCI w/ 2 stents", True), ("PPM", True), ("ICD", True),
    ("AVR", True), ("MVR", True), ("CEA", True), ("fem-pop bypass", True), ("breast ca s/p lumpectomy", True),
    ("prostate ca s/p XRT", True), ("seizure d/o", False), ("ETOH abuse", False), ("depression", False),
    ("OSA on CPAP", False), ("gout", False), ("hypothyroid", False), ("cirrhosis", False), ("hep C", False),
    ("SBO s/p ex lap", True), ("pancreatitis", True),
)

_PROCEDURES = ("CABG", "ex lap", "trach/PEG", "TEE", "cath", "ERCP", "IR drain", "bronch", "TIPS", "EGD",
               "AVR", "crani")
_HEADERS = ("NPN [1900-0700|0700-1900|7P-7A|7A-7P]", "MICU NURSING PROGRESS NOTE", "CCU NPN [7a-7p|7p-7a]",
            "nsg note [0700-1900|1900-0730]", "SICU RN note", "Nursing Progress Note [7A-7P|7P-7A]",
            "CSRU NPN", "Neuro ICU nsg note", "MICU/SICU NURSING NOTE [7P-7A|7A-7P]")
_INTROS = (
    "{age_short} {sex} w/ hx {hx_list} admitted {date_short} from {osh} w/ {cc}.",
    "{age_short} {sex} transferred from {osh} ICU for further mgmt of {cc}.",
    "Pt is a {age_short} {sex} admitted from {osh} ED w/ {cc}, intubated there for airway protection.",
    "{age_short} {sex} s/p {icu_proc} {date_short}, came up from {ward} after RRT for hypotension.",
    "Pt admitted from home w/ {cc}, {hx_list}.",
    "Received pt from {hosp_short} ED at {time}, on {drip_press}.",
    "{age_short} {sex} w/ {cc}, transferred from {ward} for closer monitoring.",
)
_HISTORY_LINES = ("PMH: {hx_list}.", "Hx: {hx_list}.", "PMH/PSH: {hx_list}.", "pmh- {hx_list}.")
_SYSTEMS = (
    ("NEURO", ("A&Ox3, MAE, follows commands.", "Sedated on {drip_sed}, RASS [-1|-2|0|-3].", "PERRL [2|3|4]mm brisk.",
               "Lethargic but arousable to voice, oriented x[1|2].", "No sz activity noted.", "CAM ICU [neg|pos].",
               "Agitated at {time}, {md_init} aware, haldol [2|5]mg iv given w/ effect.",
               "Precedex titrated to 0.[4|6|8].",
               "GCS [10 (E3V2M5)|14|9T|15].", "Neuro checks q[1|2|4]h, unchanged.", "Ativan 1mg iv x1 for anxiety.")),
    ("CV", ("HR {hr_range} [NSR|SR|ST|afib], [no ectopy|occ PVCs|rare PACs].", "SBP {sbp_range} on {drip_press}.",
            "MAP >65 off pressors since {time}.", "CVP {cvp_range}, CO/CI {coci}, SVR {svr_range}.",
            "K 3.[2|4|6] repleted w/ [20|40] meq kcl.", "Mg 1.[5|6|7] repleted w/ 2g mg sulfate.",
            "+2 pulses, extremities warm.", "Levophed weaned off at {time}.",
            "Lopressor [2.5|5]mg iv for HR 120s, per {dr_x}.")),
    ("RESP", ("Remains intubated, {ett}.", "Vent: {vent}.", "Weaned to {vent_wean}, RSBI [52|68|74|88].",
              "LS coarse bilat, rales {frac} up.",
              "Sx'd for [sm|mod|lg] amt [thick tan|thin white|blood tinged] sputum.",
              "ABG {abg}.", "{plat}.", "O2 {o2}, sats {sat_range}.", "RR {rr_range}, TV {tv_range}.",
              "Extubated at {time} to {o2}, tol well.", "BiPAP {bipap} overnight, off at {time}.")),
    ("GI", ("Abd soft, +BS, {count_stool}.", "TF @ [40|45|55|60]cc/hr, residuals {res_range}cc.", "OGT to LCWS.",
            "NPO after MN for {icu_proc}.", "Protonix iv bid.", "Tolerating clears, no n/v.", "Colace/senna given.")),
    ("GU", ("Foley draining {uo_range}cc/hr [clear yellow|amber|cloudy] urine.",
            "Lasix [20|40|80] iv w/ [6|8|9]00cc response.",
            "BUN/Cr {bun_cr}.", "CVVH running, net neg [50|75|100]cc/hr.", "UO marginal, {md_init} aware.")),
    ("ID", ("Tmax {temp}, bld cx x2 sent.", "On vanco/zosyn, trough due at {time}.", "C diff [neg|pending] x1.",
            "Afebrile, WBC [9.8|12.4|14.1|17.9].")),
    ("HEME", ("Hct {hct_trend}, {count_blood} given.", "{plts}, no s/s bleeding.",
              "Heparin gtt @ {hep_rate}, ptt due at {time}.", "INR [1.4|2.1|3.2], vit K [5|10]mg given.")),
    ("ENDO", ("FS {fs_range}, RISS.", "Insulin gtt @ [2|3|4|6]u/hr per protocol.", "fs @ {fs_at}, [4|6|8]u reg sq.")),
    ("SKIN", ("Intact, turned q2h.", "Stage 2 coccyx, mepilex applied.", "R groin site soft, no hematoma.",
              "Heels offloaded, bair hugger on.")),
    ("ACCESS", ("{size} L FA, R IJ TLC, L radial aline.", "PICC R basilic, flushed.", "{size} R AC, R fem cordis.",
                "All sites c/d/i.")),
)
_SOCIAL = (
    "{rel_line}.", "{rel_line}.", "{rel_line}; {rel_line}.", "{kin} at bedside, updated on plan.",
    "Pt lives w/ {kin} in {city}.", "Pt works for {employer}.", "Retired from {employer}, lives alone.",
    "{kin} works for {employer}, will come in after shift.", "No family in to visit this shift.",
    "{kin} called, update given. Family requests call w/ any changes at {kin_phone}.",
)
_EVENTS = (
    "{time} pt to CT, returned at {time} w/o incident.", "{time} RRT called for SBP 70s, {md_init} at bedside.",
    "{time} {md_init} aware of K [2.9|3.1|5.9], lytes repeated.", "{time} paged {dr_x} @ {pager}, no call back.",
    "{time} d/w {dr_x}, will start {drip_press}.", "{time} {drs_two} at bedside for line placement.",
    "{time} np {np_first} notified of UO <30cc/hr x2h, bolus ordered.", "{time} {count_blood} given for hct drop.",
    "{time} HO {ho} aware, no new orders.", "{time} IV RN {staff_full} placed {size} after 2 attempts.",
    "{time} RT {staff_first} adjusted vent to {vent_wean}.", "{time} SW {staff_first} met w/ family.",
)
_PLANS = (
    "Transfer to {ward} in am if stable.", "Back to {osh} when bed available.",
    "Screening for {rehab} rehab, CM following.", "F/u at the {hosp_short} clinic in 2 wks.",
    "Cont current plan, wean vent as tol.", "Pending ID recs.", "Plan d/w {drs_two}, TEE in am.",
    "Accepted to {osh} for EP study, transport at {time}.", "Wean pressors as tol, follow lytes.",
    "Per {dr_x}, ok to advance diet.", "Call covering np @ {pager} w/ changes.", "{md_init} aware of plan.",
)
_SIGNOFFS = ("{sign}", "See flowsheet for details. {sign}", "{sign}", "Report given to oncoming RN. {sign}")


def _history(w: Writer) -> list[Piece]:
    rng, day = w.rng, w.ctx.day
    pieces: list[Piece] = []
    for index, (item, dated) in enumerate(rng.sample(_HISTORY, rng.randint(3, 7))):
        pieces += [", " if index else "", item]
        if dated and rng.random() < 0.7:
            past = day - timedelta(days=rng.randint(200, 40 * 365))
            pieces += history_date(past, rng, glued=item.endswith("fx") and rng.random() < 0.5)
    return pieces


def _negatives(rng: random.Random) -> dict[str, Slot]:
    def neg(kind: str, make: Callable[[], str]) -> Slot:
        return lambda: [Neg(make(), kind)]

    def span(low: int, high: int, step: int, widths: tuple[int, ...]) -> str:
        start = rng.randrange(low, high, step)
        return f"{start}-{start + rng.choice(widths)}"

    clock = [rng.randrange(0, 1440, 5)]

    def military_time() -> str:
        """Shift times run forward and are written 0-2359, as on an ICU flowsheet."""
        clock[0] = (clock[0] + rng.choice((15, 30, 45, 60, 90, 120))) % 1440
        return f"{clock[0] // 60:02d}{clock[0] % 60:02d}"

    def peep() -> int:
        return rng.choice((5, 5, 8, 10, 12))

    def vent() -> str:
        tv, rate, fio2 = rng.randrange(380, 720, 10), rng.randint(12, 24), rng.randrange(30, 70, 5)
        form = rng.randrange(5)
        if form == 0:
            return f"AC {tv}x{rate}, PEEP {peep()}, FIO2 {fio2}%"
        if form == 1:
            return f"PSV {rng.choice((8, 10, 12, 14))}/{peep()}"
        if form == 2:
            return f"SIMV {tv}/{rate}/{peep()}/10"
        if form == 3:
            return f"PRVC {tv}x{rate} PEEP {peep()} {fio2}%"
        return f"AC {tv}/{rate}/+{peep()}/{fio2}%"

    return {
        "hr_range": neg("range", lambda: span(60, 110, 5, (10, 15, 20)) + rng.choice(("", "s"))),
        "sbp_range": neg("range", lambda: span(90, 140, 5, (20, 30))),
        "rr_range": neg("range", lambda: span(12, 22, 1, (4, 6, 8))),
        "tv_range": neg("range", lambda: span(380, 700, 10, (30, 50, 70))),
        "svr_range": neg("range", lambda: span(800, 1300, 10, (120, 190, 250))),
        "cvp_range": neg("range", lambda: span(4, 14, 1, (2, 4))),
        "sat_range": neg("range", lambda: span(88, 96, 1, (2, 4)) + "%"),
        "uo_range": neg("range", lambda: span(20, 60, 5, (20, 30, 40))),
        "fs_range": neg("range", lambda: span(110, 200, 10, (30, 40, 60))),
        "res_range": neg("range", lambda: span(10, 60, 10, (20, 30))),
        "vent": neg("vent", vent),
        "vent_wean": neg("vent", lambda: f"PSV {rng.choice((8, 10, 12, 14))}/{rng.choice((5, 5, 8))}"
                         if rng.random() < 0.7 else f"CPAP {rng.choice((5, 8))}/5"),
        "bipap": neg("vent", lambda: f"{rng.choice((10, 12, 14, 16))}/{rng.choice((5, 6, 8))}"),
        "abg": neg("lab", lambda: f"7.{rng.randint(18, 48)}/{rng.randint(30, 70)}/{rng.randint(55, 140)}"),
        "plat": neg("vent", lambda: rng.choice(("plateau pressure ", "plat ", "Pplat ")) + str(rng.randint(18, 35))),
        "plts": neg("lab", lambda: rng.choice(("Platelets ", "Plts ", "Plt ct ")) + str(rng.randint(20, 400))),
        "fs_at": neg("vital", lambda: f"{rng.choice(('0200', '0600', '1100', '1600', '2100', '2200'))}-"
                     f"{rng.randint(60, 340)}"),
        "coci": neg("vital", lambda: f"{rng.uniform(3, 7):.1f}/{rng.uniform(1.6, 3.4):.1f}"),
        "bun_cr": neg("lab", lambda: f"{rng.randint(12, 90)}/{rng.uniform(0.6, 5.5):.1f}"),
        "hct_trend": neg("lab", lambda: f"{rng.uniform(21, 30):.1f} -> {rng.uniform(21, 30):.1f}"),
        "size": neg("size", lambda: rng.choice(("#20 angiocath", "#18 PIV", "#22 PIV", "#20 PIV", "#16 PIV"))),
        "ett": neg("size", lambda: f"#{rng.choice(('7', '7.5', '8'))} ETT {rng.randint(21, 25)} @ lip"),
        "count_stool": neg("count", lambda: rng.choice((f"{rng.randint(2, 5)} loose stools", "no BM this shift",
                                                        f"{rng.randint(2, 4)} brown BMs, guaiac neg"))),
        "count_blood": neg("count", lambda: rng.choice((f"{rng.randint(1, 3)} UPRBC", f"{rng.randint(1, 2)} u prbc",
                                                        "1 unit PRBC"))),
        "frac": neg("fraction", lambda: rng.choice(("1/4", "1/3", "1/2", "2/3"))),
        "drip_press": neg("dose", lambda: rng.choice(("levo @ .08", "neo @ 1.2", "vaso .04", "levophed 0.1 mcg/kg/min",
                                                      "dopa 5", "neo 80 mcg/min"))),
        "drip_sed": neg("dose", lambda: rng.choice(("propofol @ 30mcg/kg/min", "fent 50mcg/hr", "versed 2mg/hr",
                                                    "precedex 0.6"))),
        "hep_rate": neg("dose", lambda: f"{rng.randrange(800, 1800, 50)}u/hr"),
        "time": neg("time", military_time),
        "icu_proc": lambda: rng.choice(_PROCEDURES),
    }


def _phi(w: Writer) -> dict[str, Slot]:
    ctx, rng = w.ctx, w.rng
    p = ctx.patient
    his = "his" if p.person.sex == "M" else "her"
    doctors: list[Clinician] = [ctx.attending, *ctx.consultants]

    def name(text: str) -> list[Piece]:
        return [Phi(text, PhiLabel.NAME)]

    return {
        "md_init": lambda: clinician_initial(rng.choice(doctors)),
        "dr_x": lambda: dr_short(rng.choice(doctors), rng),
        "drs_two": lambda: drs_pair(*rng.sample(doctors, 2)),
        "ho": lambda: name(rng.choice(ctx.consultants).person.last),
        "np_first": lambda: name(ctx.ids.person().first),
        "staff_full": lambda: name((lambda s: f"{s.first} {s.last}")(ctx.ids.person())),
        "staff_first": lambda: name(ctx.ids.person().first),
        "rel_line": lambda: relative_line(rng.choice(p.relatives), his, rng),
        "kin": lambda: kin_word(rng.choice(p.relatives), rng),
        "kin_phone": lambda: nursing_phone(rng.choice(p.relatives).phone, rng),
        "pager": lambda: pager(rng),
        "osh": lambda: facility_short(ctx.other_hospital, rng) if rng.random() < 0.6 else real_hospital(rng),
        "hosp_short": lambda: facility_short(ctx.hospital, rng),
        "rehab": lambda: [Phi(rng.choice(ctx.ids.wards), PhiLabel.HOSPITAL)],
        "ward": lambda: ward(ctx.ids.wards, rng),
        "employer": lambda: employer(rng),
        "hx_list": lambda: _history(w),
        "sign": lambda: sign_off(ctx.nurse, rng),
    }


def write_icu_nursing_note(w: Writer, target_chars: int) -> None:
    rng = w.rng
    w.builder.slots.update(_negatives(rng) | _phi(w))
    w.case = rng.choices((str.upper, str.lower, None), (0.45, 0.35, 0.2))[0]
    sep = rng.choice(("\n", "\n", " "))  # some nurses run the systems together on one line
    label = rng.choice(("{}: ", "{}- ", "{}:", "{} - "))
    if rng.random() < 0.7:
        w.say(_HEADERS, end="\n")
    w.say(_INTROS, end=sep)
    if rng.random() < 0.6:
        w.say(_HISTORY_LINES, end=sep)
    if rng.random() < 0.4:
        w.text(label.format("EVENTS"))
        w.some(_EVENTS, 1, 3, end=sep)
    for system, sentences in _SYSTEMS:
        if len(w) > target_chars:
            break
        w.text(label.format(system))
        w.some(sentences, 1, 3, end=sep)
    w.text(label.format(rng.choice(("SOCIAL", "SOC", "FAMILY"))))
    w.some(_SOCIAL, 1, 2, end=sep)
    w.text(label.format(rng.choice(("PLAN", "A/P", "DISPO"))))
    w.some(_PLANS, 1, 3, end="\n")
    if rng.random() < 0.8:
        w.say(_SIGNOFFS)
