"""PHI as ICU nurses type it: facilities by short name, named wards, employers, clinician and relative
shorthand, phones and pagers with odd spacing, and dates in history lists (two-digit years, m/yy, month
names alone). Every function returns pieces: PHI values are `Phi`, the words around them plain text."""

from __future__ import annotations

import random
from datetime import date

from deid.labels import PhiLabel
from samplegen.phi import Clinician, Person, Relative
from samplegen.text import Phi, Piece

# Hospitals called by their proper name alone, as staff say them ("the" stays outside the span). A
# different list from the hand-written challenge set's, so that set measures more than this one.
REAL_HOSPITALS = (
    "Mass General", "MGH", "the Brigham", "BWH", "Yale New Haven", "Dartmouth", "Maine Med", "Baystate",
    "UMass Memorial", "Newton-Wellesley", "Faulkner", "Emerson", "Cooley Dickinson", "Columbia Presbyterian",
    "Weill Cornell", "NYU Langone", "Bellevue", "Kings County", "Einstein", "Hackensack", "Morristown",
    "Inova Fairfax", "Georgetown", "MedStar", "Emory", "Duke", "UNC", "Atrium", "Novant", "MUSC",
    "Tampa General", "Henry Ford", "Spectrum", "Rush", "Loyola", "Lurie", "Barnes-Jewish",
    "Abbott Northwestern", "Hennepin", "UCLA", "Stanford", "Kaiser", "Swedish", "OHSU", "Denver Health",
    "Banner", "Memorial Hermann", "Ben Taub", "UAB", "Erlanger", "St George's", "King's College",
    "the Royal London", "UCLH", "Charing Cross", "the Royal Marsden", "Papworth", "the John Radcliffe",
    "Southmead", "Ninewells", "Wythenshawe", "Aintree", "Frimley Park", "Morriston",
)
# Employers are PHI in notes (they point at a person); labelled HOSPITAL, the project's organisation label.
EMPLOYERS = (
    "Boeing", "General Dynamics", "Verizon", "Stop & Shop", "Home Depot", "FedEx", "the MBTA", "Walmart",
    "Costco", "Target", "Comcast", "Kroger", "Publix", "Lockheed", "GE", "Staples", "Fidelity", "State Street",
    "Liberty Mutual", "Market Basket", "Walgreens", "Starbucks", "McDonald's", "Shaw's", "Hannaford", "UPS",
    "Sysco", "Intel", "Ford", "Exxon", "BNSF", "Delta", "JetBlue", "Marriott", "Gillette", "Textron",
)
# Generic kinds after a facility's name: outside the span in the short form (`Kessler rehab`).
_FACILITY_TAILS = {"Rehabilitation": "rehab", "Skilled": "snf", "Nursing": "nh", "Assisted": "assisted living",
                   "Clinic": "clinic", "Dialysis": "dialysis"}
_FACILITY_WORDS = frozenset({"Hospital", "Medical", "Center", "Campus", "Institute", "Facility", "Group", "of"})
_KIN = {"daughter": ("dtr", "daughter", "dau"), "son": ("son",), "wife": ("wife",),
        "husband": ("husband", "spouse", "hus"), "mother": ("mother", "mom"), "father": ("father", "dad"),
        "sister": ("sister", "sis"), "brother": ("brother", "bro"), "niece": ("niece",), "nephew": ("nephew",),
        "granddaughter": ("granddaughter", "gd"), "grandson": ("grandson", "gs"), "partner": ("partner",),
        "friend": ("friend",), "aunt": ("aunt",), "uncle": ("uncle",)}
_IN_LAW = {"daughter": ("dtr-in-law", "DIL", "daughter-in-law"), "son": ("son-in-law", "SIL")}
_MONTHS = ("jan", "feb", "march", "april", "may", "june", "july", "aug", "sept", "oct", "nov", "dec")


def _name(text: str) -> Phi:
    return Phi(text, PhiLabel.NAME)


def facility_short(name: str, rng: random.Random) -> list[Piece]:
    """A facility as staff name it: its distinctive words without Hospital / Medical Center; a generic
    kind after the name (rehab, snf, clinic) stays outside the span; sometimes the initialism."""
    words = name.split()
    capitals = [w for w in words if w[0].isupper()]
    if len(capitals) >= 3 and rng.random() < 0.2:
        return [Phi("".join(w[0] for w in capitals), PhiLabel.HOSPITAL)]
    if words[:2] == ["Good", "Samaritan"] and rng.random() < 0.5:
        return [Phi("Good Sam", PhiLabel.HOSPITAL)]
    core: list[str] = []
    tail = ""
    for word in words:
        if word in _FACILITY_TAILS:
            tail = _FACILITY_TAILS[word]
            break
        if word in _FACILITY_WORDS:
            break
        core.append(word)
    if core[-1] == "Memorial" and len(core) > 1 and rng.random() < 0.4:
        core = core[:-1]
    elif core[-1] == "General" and rng.random() < 0.3:
        core[-1] = "Gen"
    return [Phi(" ".join(core), PhiLabel.HOSPITAL)] + ([f" {tail}"] if tail else [])


def real_hospital(rng: random.Random) -> list[Piece]:
    name = rng.choice(REAL_HOSPITALS)
    if name.startswith("the "):
        return ["the ", Phi(name[4:], PhiLabel.HOSPITAL)]
    return [Phi(name, PhiLabel.HOSPITAL)]


def employer(rng: random.Random) -> list[Piece]:
    name = rng.choice(EMPLOYERS)
    if name.startswith("the "):
        return ["the ", Phi(name[4:], PhiLabel.HOSPITAL)]
    return [Phi(name, PhiLabel.HOSPITAL)]


def ward(wards: list[str], rng: random.Random) -> list[Piece]:
    """A named ward or building with its floor (`Kessler 6`): the name is PHI, the number is not."""
    return [Phi(rng.choice(wards), PhiLabel.HOSPITAL), f" {rng.randint(2, 12)}"]


def nursing_phone(number: str, rng: random.Random) -> list[Piece]:
    """Phone numbers as typed on the unit: odd spacing, slashes, 7 digits, parentheses, extensions."""
    a, b, c = number[:3], number[3:6], number[6:]
    form = rng.randrange(12)
    if form == 0:
        return ["(", Phi(f"{a} {b} {c}", PhiLabel.PHONE), ")"]
    text = ("", f"{a}- {b}- {c}", f"{a} {b}{c}", f"{a}/{b}/{c}", f"{b}-{c}", f"{a}.{b}.{c}", f"({a}){b}-{c}",
            number, f"{a} - {b} - {c}", f"{a}-{b}-{c}", f"({a}) {b} {c}", f"{b} {c}")[form]
    pieces: list[Piece] = [Phi(text, PhiLabel.PHONE)]
    if rng.random() < 0.08:
        pieces.append(rng.choice((" x", " ext ", " x ")) + str(rng.randint(100, 9999)))
    return pieces


def pager(rng: random.Random) -> list[Piece]:
    digits = "".join(rng.choice("0123456789") for _ in range(5))
    number = rng.choice((digits, digits[:4], f"{digits[0]}-{digits[1:]}"))
    return [rng.choice(("pg ", "PG ", "pager #", "Pager # ", "pg# ", "beeper ", "bpr ", "pager ")),
            Phi(number, PhiLabel.PHONE)]


def clinician_initial(clinician: Clinician) -> list[Piece]:
    """`J. Dalton` (before AWARE, after AS PER)."""
    p = clinician.person
    return [_name(f"{p.first[0]}. {p.last}")]


def dr_short(clinician: Clinician, rng: random.Random) -> list[Piece]:
    """`dr.santiago`, `dr santiago`, `Dr. Santiago`, `DR SANTIAGO`."""
    return [rng.choice(("dr.", "dr ", "Dr. ", "Dr ", "Dr.")), _name(clinician.person.last)]


def drs_pair(first: Clinician, second: Clinician) -> list[Piece]:
    return ["Drs ", _name(first.person.last), " and ", _name(second.person.last)]


def sign_off(nurse: Clinician, rng: random.Random) -> list[Piece]:
    p = nurse.person
    form = rng.randrange(6)
    if form == 0:
        return [_name(f"{p.first[0]}. {p.last}"), " RN"]
    if form == 1:
        return ["-", _name(p.initials)]
    if form == 2:
        return ["-- ", _name(p.first), " rn"]
    if form == 3:
        return [_name(p.initials), "/RN"]
    if form == 4:
        return ["Signed ", _name(f"{p.first} {p.last}"), ", RN"]
    return [_name(f"{p.first} {p.last}"), rng.choice((", RN", " RN", ", RN, BSN"))]


def kin_word(relative: Relative, rng: random.Random) -> str:
    if relative.relation in _IN_LAW and rng.random() < 0.15:
        return rng.choice(_IN_LAW[relative.relation])
    return rng.choice(_KIN.get(relative.relation, (relative.relation,)))


def relative_line(relative: Relative, his: str, rng: random.Random) -> list[Piece]:
    """A social-line clause about one relative, in one of the ways nurses write it."""
    kin = kin_word(relative, rng)
    person: Person = relative.person
    first, full = _name(person.first), _name(f"{person.first} {person.last}")
    phone = nursing_phone(relative.phone, rng)
    form = rng.randrange(9)
    if form == 0:
        return [f"{his} {kin}, ", first, ", called and was updated"]
    if form == 1:
        return [f"{kin} ", first, " ", *phone]
    if form == 2:
        return [f"{kin}-", first, " aware of plan"]
    if form == 3:
        return [f"{kin} ", full, " visited, updated by RN"]
    if form == 4:
        return [f"proxy is {kin}, ", full, " ", *phone]
    if form == 5:
        return [f"HCP: {kin} ", full, ", cell ", *phone]
    if form == 6:
        return [full, f" ({kin}) ", *phone]
    if form == 7:
        return [f"{kin} ", first, " at bedside most of shift"]
    return [f"spoke w/ {kin} ", first, ", reach at ", *phone]


def history_date(day: date, rng: random.Random, glued: bool = False) -> list[Piece]:
    """A date in a history list: `'91`, `86`, `71'`, `6/89`, `fx11/99` (glued), `in oct`, `2004`."""
    yy = f"{day.year % 100:02d}"
    if glued:
        return [Phi(f"{day.month}/{yy}", PhiLabel.DATE)]
    form = rng.randrange(7)
    if form == 0:
        return [" '", Phi(yy, PhiLabel.DATE)]
    if form == 1:
        return [" ", Phi(yy, PhiLabel.DATE)]
    if form == 2:
        return [" ", Phi(yy, PhiLabel.DATE), "'"]
    if form == 3:
        return [" ", Phi(f"{day.month}/{yy}", PhiLabel.DATE)]
    if form == 4:
        return [" ", Phi(str(day.year), PhiLabel.DATE)]
    if form == 5:
        return [" in ", Phi(_MONTHS[day.month - 1], PhiLabel.DATE)]
    return [" (", Phi(yy, PhiLabel.DATE), ")"]
