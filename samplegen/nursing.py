"""Nursing notes: terse, abbreviated, often ALL CAPS, with times, vitals, doses and short dates."""

from __future__ import annotations

from samplegen.context import Writer

_ONE_LINERS = (
    "Pt resting comfortably, no complaints.", "Pt sleeping, easily arousable. Will monitor.",
    "Called pt, left VM to call back.", "Medicated for pain x1 with relief.", "No acute events overnight.",
    "Pt refused AM labs, MD aware.", "Tolerating diet, ambulating in hall.", "VSS, afebrile, NAD.",
    "Pt OOB to chair with assist x1.", "Foley draining clear yellow urine.", "Pt up to BR, steady gait.",
    "IV infiltrated, removed, new PIV placed L FA.", "Dressing C/D/I.", "Family updated at bedside.",
    "Pt with {n} loose stools, C diff sent.", "Fall precautions in place, bed alarm on.",
    "Pt to CT at {time}.", "Bladder scan {n}00 mL, straight cathed.", "Pain {pain} after Tylenol.",
    "{pt_title} resting in bed, call light within reach.", "Dr. on call notified of BP {bp}.",
    "Pt pulled out IV at {time}, replaced.", "Pt given {portion} tab of oxycodone per order.",
    "{pt_title} discharged home with {rel} at {time}.", "Spoke w/ {rel}, updated on plan.",
    "Transferred to ICU at {time}, report given to {rn}.", "Pt ate {portion} of breakfast.",
)

_SYSTEMS = (
    ("NEURO", ("A&Ox3, follows commands.", "A&Ox1, reorients easily.", "Confused overnight, pulling at lines.",
               "PERRLA.", "MAE x4.", "{score}.", "Denies numbness/tingling.", "Sleeping between cares.",
               "Moving all extremities, strength {strength} LUE.", "CIWA {n}.", "Hx Parkinson's, tremor at baseline.")),
    ("CV", ("HR {hr} NSR on tele.", "BP {bp}, HR {hr}.", "A-fib rate 90s-110s.", "+2 pedal pulses.",
            "1+ edema BLE.", "Metoprolol held for SBP<100, MD aware.", "Telemetry: SR with occasional PVCs.",
            "Cap refill <3 sec.")),
    ("RESP", ("LS clear bilat.", "LS diminished at bases.", "O2 {o2}, sat {spo2}.", "RR {rr}, even and unlabored.",
              "Weaned to RA, sats {spo2}.", "IS x10 q1h while awake.", "Coarse crackles RLL, CPT done.",
              "Nonproductive cough.")),
    ("GI", ("Abd soft, NT, +BS.", "Tolerating cardiac diet.", "LBM {date_short}.", "NPO after MN for procedure.",
            "Nausea, given Zofran {dose} IV with relief.", "BM x{n} this shift.", "Ate {portion} of dinner.",
            "Colace and senna given.")),
    ("GU", ("Foley in place draining clear yellow urine.", "Voiding via urinal.", "UOP {n}00 mL this shift.",
            "I/O {n}00/{n}50.", "Foley removed {time}, DTV by {time}.", "Incontinent x2, peri care given.")),
    ("SKIN", ("Intact.", "Stage 2 sacral wound, Mepilex intact.", "Turned q2h.", "Braden 1{n}.",
              "Heels offloaded.", "Bruising to bilat forearms.", "JP drain with {n}0 mL serosang output.")),
    ("PAIN", ("{pain} to L hip, medicated with Tylenol {dose} PO.", "Denies pain.", "{pain}, oxycodone {dose} "
              "given at {time}, reassessed {pain}.", "Pain well controlled.")),
    ("LINES", ("PIV R AC 20g, saline locked.", "PICC L arm, flushed.", "Port-a-Cath accessed.",
               "Foley catheter day {n}.", "Trach care with {ratio} peroxide solution.")),
    ("LABS", ("{labs}.", "{lab}, repleted with KCl 40 mEq PO.", "AM labs pending.", "{lab}, MD aware.")),
    ("SOCIAL", ("{rel} at bedside.", "{rel} called for update, # {rel_phone}.", "Pt's {rel} visited this evening.",
                "No visitors this shift.", "Daughter asking for a call back from MD.")),
    ("PLAN", ("Continue to monitor.", "Plan for d/c home tomorrow.", "Awaiting rehab bed at {hosp_other}.",
              "PT eval in AM.", "Will cont POC.", "Possible d/c {date_short}.", "f/u AM labs.",
              "Pending echo.")),
)

_EVENTS = (
    "{time} Pt found OOB, no fall, bed alarm reset.", "{time} c/o chest pain {pain}, EKG done, {dr} notified.",
    "{time} BP {bp}, HR {hr}, given metoprolol {dose} IV per order.", "{time} Pt agitated, redirected.",
    "{time} Medicated w/ Tylenol {dose} for temp {temp}.", "{time} Rapid response called for sat {spo2}.",
    "{time} {dr} at bedside.", "{time} Pt to MRI.", "{time} Returned from IR, groin site soft.",
    "{time} Blood cx x2 sent.", "{time} 1 unit PRBC started.", "{time} Transfusion complete, no reaction.",
    "{time} {rel} called, updated.", "{time} K {n}.{n}, repleted.", "{time} Pt vomited x1, Zofran given.",
    "{time} Voided {n}00 mL.", "{time} Pt refused heparin SC, educated.", "{time} Haldol 0.5 mg IV given per "
    "{dr}.", "{time} Sitter at bedside.", "{time} Pt resting quietly.",
    "On {date_short} pt had episode of hypoglycemia, BG 54, treated with juice.",
    "Dressing changed {date_short}, next change due {date_short}.", "Received pt at {time} from ED.",
    "Pt on 1:1 since {time}.", "Reviewed discharge instructions with pt and {rel}.",
    "{time} Temp rose to {temp}, MD paged.", "{time} Pt c/o SOB, sat {spo2} on {o2}, placed on {o2}.",
    "{time} Foley catheter placed per order, {n}00 mL return.", "{time} Per {dr_last}, hold AM Coumadin.",
    "{time} Paged {dr_last} at {pager}, awaiting call back.",
    "{time} Family hopes to take pt home tomorrow.", "{time} Marked improvement in edema noted.",
    "{time} Brown liquid stool x1, guaiac neg.", "{time} Pt ambulated {n}0 ft w/ walker and 1 assist.",
    "{time} Lasix {dose} IV given, UOP {n}00 mL.", "{time} Insulin {dose} given per sliding scale, BG 2{n}{n}.",
    "{time} Chaplain visited, pt finds comfort in faith.", "{time} Rapid response: BP {bp}, HR {hr}, RR {rr}.",
    "{time} Pt transferred to {room} for closer monitoring.", "{time} PT/OT worked with pt, tolerated well.",
    "{time} Bed bath given, linens changed.", "{time} Pt requested to speak with {dr}.",
    "Per {rel}, pt is HOH, uses hearing aids.", "Pt's {rel} brought in home meds, sent to pharmacy.",
    "{pt_title} states pain is better today.", "Belongings: glasses, dentures, cell phone.",
    "Admitted from {hosp_other} on {date_short}.", "Wound vac changed {date_short}.",
)

_SBAR = (
    ("S", ("{pt_title} in {room} with {cc}.", "Pt with new onset {cc} at {time}.", "Change in mental status.",
           "BP {bp}, HR {hr}, sat {spo2}.")),
    ("B", ("{age_short} {sex} admitted {date_short} with {cond}.", "Hx {cond}, {cond}.",
           "POD {n} s/p {proc}.", "Admitted for {cc}, on {med}.")),
    ("A", ("Pt appears uncomfortable.", "Possible fluid overload.", "Likely anxiety, r/o cardiac cause.",
           "Lungs with crackles at bases, {exam_cv}.")),
    ("R", ("Request MD eval.", "{dr} notified, orders received.", "Will recheck vitals in 1 hour.",
           "Continue to monitor, call MD if SBP < 90.", "EKG and troponin ordered.")),
)

_SIGNOFF = ("- {rn_initials} RN", "{rn}", "-{rn_initials}", "{rn_initials}/RN", "Signed: {rn}",
            "Report given to {rn}.", "{rn}, {time}")


def write_nursing_note(w: Writer, target_chars: int) -> None:
    rng = w.rng
    if rng.random() < 0.55:
        w.case = str.upper
    if target_chars < 90:
        w.say(_ONE_LINERS)
        return
    style = rng.randrange(5)
    if rng.random() < 0.5:
        w.say(("Nursing Note", "RN Shift Note [0700-1900|1900-0700|7a-7p|7p-7a|0700-1530]",
               "Nsg Progress Note {date_short}", "NURSING",
               "Shift Assessment", "RN NOTE {date_short} {time}", "Nursing Progress Note - 7A-7P",
               "Nursing Note - {room}"), end="\n")
    if style == 0:  # systems review
        systems = list(_SYSTEMS)
        if rng.random() < 0.5:
            rng.shuffle(systems)
        for name, sentences in systems:
            if len(w) > target_chars:
                break
            w.text(f"{name}: ")
            w.some(sentences, 1, 3, end=rng.choice(("\n", " ")))
    elif style == 1:  # time-stamped events
        w.some(_ONE_LINERS, 1, 2, end="\n")
        w.fill(_EVENTS, target_chars, sep="\n")
        w.text("\n")
    elif style == 2:  # DAR
        for part, sentences in (("D", _ONE_LINERS), ("A", _EVENTS), ("R", _ONE_LINERS)):
            w.text(f"{part}: ")
            w.some(sentences, 1, 3, end="\n")
    elif style == 3:  # SBAR to the covering clinician
        for part, sentences in _SBAR:
            w.text(f"{part}: ")
            w.some(sentences, 1, 2, end="\n")
    else:  # narrative
        w.fill([sentence for _, sentences in _SYSTEMS for sentence in sentences] + list(_EVENTS), target_chars)
        w.text(" ")
    if rng.random() < 0.6:
        w.say(_SIGNOFF)
