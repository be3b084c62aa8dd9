"""Synthetic identities (patients, relatives, clinicians, facilities) and the many surface forms in
which their identifiers appear in notes. Every formatter returns pieces: PHI values are `Phi`, the
words around them (titles, credentials, "the") stay plain text."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker

from deid.labels import PhiLabel
from samplegen.text import Neg, Phi, Piece

# Faker locales mixed into the name pool; en_US dominates as in a US record system.
_NAME_LOCALES = ("en_US", "es_MX", "it_IT", "pl_PL", "de_DE", "fr_FR", "vi_VN", "en_IN", "pt_BR", "en_IE",
                 "yo_NG")
_LOCALE_WEIGHTS = (50, 8, 3, 3, 3, 3, 5, 6, 3, 3, 3)

# Names that are also ordinary words, names with apostrophes/hyphens, and non-Anglo names.
_WORD_FIRST_F = ("Hope", "Rose", "Faith", "Joy", "April", "May", "June", "Summer", "Dawn", "Grace", "Iris",
                 "Ruby", "Pearl", "Destiny", "Precious", "Harmony", "Sunny", "Patience", "Autumn", "Crystal")
_WORD_FIRST_M = ("Grant", "Bill", "Will", "Mark", "Guy", "Ray", "Chase", "Hunter", "Rich", "Frank", "Art",
                 "Miles", "Major", "Rusty", "Sonny", "Pat", "Lance", "Gene", "Drew", "Bud")
_OTHER_FIRST_F = ("Nguyet", "Thanh", "Priya", "Aisha", "Fatima", "Oluwaseun", "Chiamaka", "Mei", "Xiu",
                  "Yuki", "Olga", "Svetlana", "Siobhan", "Aoife", "Zofia", "Mary-Kate", "Anne-Marie",
                  "Ji-woo", "Ngozi", "Guadalupe", "Maria Jose", "Lakshmi", "Fen", "Hana", "Amara", "D'Asia")
_OTHER_FIRST_M = ("Nguyen", "Rohan", "Mohammed", "Chidi", "Jose", "Jean-Pierre", "D'Andre", "Da'Quan",
                  "Hiroshi", "Xiaoming", "Dmitri", "Giuseppe", "Tadeusz", "Oluwadamilare", "Ji-hoon",
                  "Arjun", "Kwame", "Juan Carlos", "Tuan", "Seamus", "Abdirahman", "Wei", "Emeka")
_OTHER_LAST = ("O'Brien", "O'Connor", "O'Neil", "D'Angelo", "DiMaggio", "McAllister", "MacDonald", "Nguyen",
               "Tran", "Le", "Pham", "Patel", "Shah", "Desai", "Okafor", "Adeyemi", "Okonkwo", "Mensah",
               "Kowalczyk", "Al-Hassan", "Abdullahi", "El-Amin", "Haddad", "Khoury", "Cohen", "Goldberg",
               "Yamamoto", "Tanaka", "Kim", "Park", "Choi", "Zhang", "Wang", "Li", "Chen", "Liu", "Ivanova",
               "Petrov", "Rossi", "Garcia-Lopez", "Smith-Jones", "St. Clair", "Van der Berg", "De la Cruz",
               "Young", "Grant", "Rose", "Hope", "King", "Price", "Banks", "Brown", "White", "Long", "Little",
               "Hall", "Walker", "Baker", "Cook", "Wise", "Love", "Small", "Strong", "Black", "Gray", "Bell",
               "Mills", "Rivers", "Moody", "Hardy", "Sweet", "Frost", "Winter", "Day", "Page", "Bishop",
               "Ng", "Wu", "Ho", "Fofanah", "Diallo", "N'Diaye", "Gutierrez-Mendoza", "Ben-David")

_REAL_CITIES = (("Boston", "Massachusetts", "MA"), ("Worcester", "Massachusetts", "MA"),
                ("Springfield", "Illinois", "IL"), ("Lowell", "Massachusetts", "MA"),
                ("Chicago", "Illinois", "IL"), ("Houston", "Texas", "TX"), ("Lincoln", "Nebraska", "NE"),
                ("Jackson", "Mississippi", "MS"), ("Warren", "Michigan", "MI"), ("Florence", "Alabama", "AL"),
                ("Eugene", "Oregon", "OR"), ("Aurora", "Colorado", "CO"), ("Providence", "Rhode Island", "RI"),
                ("Hartford", "Connecticut", "CT"), ("Portland", "Maine", "ME"), ("Dayton", "Ohio", "OH"),
                ("Fresno", "California", "CA"), ("Tucson", "Arizona", "AZ"), ("Newark", "New Jersey", "NJ"),
                ("Brockton", "Massachusetts", "MA"), ("Quincy", "Massachusetts", "MA"),
                ("Madison", "Wisconsin", "WI"), ("Tampa", "Florida", "FL"), ("Raleigh", "North Carolina", "NC"),
                ("Albany", "New York", "NY"), ("Bangor", "Maine", "ME"), ("Nashua", "New Hampshire", "NH"),
                ("Burlington", "Vermont", "VT"), ("Charleston", "West Virginia", "WV"),
                ("Mobile", "Alabama", "AL"), ("Reading", "Pennsylvania", "PA"), ("Orange", "California", "CA"))

_SAINTS = ("Mary", "Joseph", "Luke", "Elizabeth", "Vincent", "Francis", "Anne", "Jude", "John", "Agnes",
           "Catherine", "Michael", "Peter")
_HOSPITAL_PATTERNS = ("{city} General Hospital", "{city} Medical Center", "St. {saint}'s Hospital",
                      "{last} Memorial Hospital", "{city} Community Hospital", "{last} Clinic",
                      "{city} Rehabilitation Center", "{city} VA Medical Center", "{saint} Regional Medical Center",
                      "{city} Family Health Center", "{last} Cancer Institute", "{city} Dialysis Center",
                      "{last} Skilled Nursing Facility", "{city} Urgent Care", "Good Samaritan Hospital of {city}",
                      "Mercy Hospital {city}", "{last} House Nursing Home", "{city} Heart Institute",
                      "{last}-{last2} Medical Group", "{city} Women's Hospital", "{city} Children's Hospital",
                      "{saint} Health {city} Campus", "{last} Assisted Living", "{city} Behavioral Health")

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_ONES = ("", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TENS = {6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety", 10: "one hundred"}

_EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "hotmail.com", "aol.com", "comcast.net", "outlook.com",
                  "icloud.com", "verizon.net")
_PLANS = ("BCBS", "Blue Cross", "Aetna", "Cigna", "Harvard Pilgrim", "Tufts", "UnitedHealthcare", "Medicare",
          "MassHealth", "Humana", "Medicaid", "Kaiser")
_DEVICES = ("pacemaker", "ICD", "insulin pump", "CGM", "LVAD", "neurostimulator", "cochlear implant",
            "CPAP machine", "loop recorder")
_VEHICLE_MAKES = ("Honda Civic", "Ford F-150", "Toyota Camry", "Chevy Malibu", "Nissan Altima", "Subaru Outback")
_RELATIONS_F = ("wife", "daughter", "mother", "sister", "niece", "granddaughter", "partner", "friend", "aunt")
_RELATIONS_M = ("husband", "son", "father", "brother", "nephew", "grandson", "partner", "friend", "uncle")


def fold_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _plausible_name(text: str) -> bool:
    return case_safe(text) and all(c.isalpha() or c in " -'." for c in text) and text == text.strip()


def case_safe(text: str) -> bool:
    """Whole-note upper/lower casing must not change lengths (rules out e.g. German sharp s)."""
    return len(text.upper()) == len(text) == len(text.lower())


@dataclass(frozen=True, slots=True)
class Person:
    first: str
    middle: str
    last: str
    sex: str  # "F" or "M"

    @property
    def initials(self) -> str:
        return (self.first[0] + self.last[0]).upper()


@dataclass(frozen=True, slots=True)
class Clinician:
    person: Person
    credential: str  # MD, DO, NP, PA-C, RN
    specialty: str


@dataclass(frozen=True, slots=True)
class Relative:
    person: Person
    relation: str
    phone: str
    age: int


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    city: str
    state: str
    state_abbr: str
    zip_code: str


@dataclass(slots=True)
class Patient:
    patient_id: str
    person: Person
    dob: date
    mrn: str
    ssn: str
    phone: str
    email: str
    address: Address
    plan_name: str
    plan_id: str
    drivers_license: str
    relatives: list[Relative]
    pcp: Clinician
    hospital: str
    device: tuple[str, str] | None  # (kind, serial)
    vehicle: tuple[str, str, str] | None  # (make, plate, VIN)
    portal_url: str

    def age_on(self, day: date) -> int:
        return day.year - self.dob.year - ((day.month, day.day) < (self.dob.month, self.dob.day))


class IdentityFactory:
    """Draws synthetic identities from Faker (seeded) plus curated name lists."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        self.rng = rng
        self._fakers = []
        for index, locale in enumerate(_NAME_LOCALES):
            faker = Faker(locale)
            faker.seed_instance(seed + index)
            self._fakers.append(faker)
        self.us = self._fakers[0]
        self.hospitals = self._make_hospitals(60)
        self.wards = self._make_wards(30)  # named buildings / wards, written with a floor (`Kessler 6`)

    # --- people ---------------------------------------------------------------------------------
    def person(self, sex: str | None = None) -> Person:
        rng = self.rng
        sex = sex or rng.choice("FM")
        while True:
            roll = rng.random()
            faker = rng.choices(self._fakers, weights=_LOCALE_WEIGHTS)[0]
            if roll < 0.12:
                first = rng.choice(_WORD_FIRST_F if sex == "F" else _WORD_FIRST_M)
            elif roll < 0.22:
                first = rng.choice(_OTHER_FIRST_F if sex == "F" else _OTHER_FIRST_M)
            else:
                first = faker.first_name_female() if sex == "F" else faker.first_name_male()
            last = rng.choice(_OTHER_LAST) if rng.random() < 0.25 else faker.last_name()
            if rng.random() < 0.05:
                last = f"{last}-{self.us.last_name()}"
            middle = self.us.first_name_female() if sex == "F" else self.us.first_name_male()
            if rng.random() < 0.6:
                first, last = fold_accents(first), fold_accents(last)
            if _plausible_name(first) and _plausible_name(last):
                return Person(first.strip(), middle, last.strip(), sex)

    def clinician(self, credential: str, specialty: str) -> Clinician:
        return Clinician(self.person(), credential, specialty)

    def relative(self, patient_age: int) -> Relative:
        person = self.person()
        relations = _RELATIONS_F if person.sex == "F" else _RELATIONS_M
        relation = self.rng.choice(relations)
        if relation in ("mother", "father"):
            age = patient_age + self.rng.randint(18, 35)
        elif relation in ("daughter", "son", "niece", "nephew"):
            age = max(18, patient_age - self.rng.randint(20, 35))
        else:
            age = max(18, patient_age + self.rng.randint(-15, 15))
        return Relative(person, relation, self.phone_number(), min(age, self.rng.randint(95, 104)))

    # --- places -----------------------------------------------------------------------------------
    def address(self) -> Address:
        rng, us = self.rng, self.us
        if rng.random() < 0.6:
            city, state, abbr = rng.choice(_REAL_CITIES)
        else:
            city = us.city()
            _, state, abbr = rng.choice(_REAL_CITIES)
        street = us.street_address()
        return Address(street, city, state, abbr, us.zipcode() if rng.random() < 0.85 else us.zipcode_plus4())

    def _make_hospitals(self, count: int) -> list[str]:
        names: list[str] = []
        while len(names) < count:
            pattern = self.rng.choice(_HOSPITAL_PATTERNS)
            name = pattern.format(city=self.rng.choice(_REAL_CITIES)[0] if self.rng.random() < 0.7 else
                                  self.us.city(), saint=self.rng.choice(_SAINTS), last=self.us.last_name(),
                                  last2=self.us.last_name())
            if name not in names and case_safe(name):
                names.append(name)
        return names

    def _make_wards(self, count: int) -> list[str]:
        names: list[str] = []
        while len(names) < count:
            name = self.us.last_name()
            if name not in names and _plausible_name(name) and " " not in name:
                names.append(name)
        return names

    # --- numbers ------------------------------------------------------------------------------------
    def digits(self, count: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(count))

    def letters(self, count: int) -> str:
        return "".join(self.rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(count))

    def phone_number(self) -> str:
        area = f"{self.rng.randint(2, 9)}{self.digits(2)}"
        return f"{area}{self.rng.randint(2, 9)}{self.digits(6)}"

    def mrn(self) -> str:
        return self.rng.choice((lambda: self.digits(7), lambda: self.digits(8), lambda: "00" + self.digits(6),
                                lambda: self.letters(1) + self.digits(7)))()

    def ssn(self) -> str:
        return f"{self.rng.randint(100, 899)}{self.digits(2)}{self.digits(4)}"

    def account(self) -> str:
        return self.rng.choice((lambda: self.digits(10), lambda: "4000" + self.digits(8),
                                lambda: f"{self.digits(4)}-{self.digits(6)}", lambda: "V" + self.digits(9)))()

    def plan_id(self, plan: str) -> str:
        if plan == "Medicare":
            return f"{self.rng.randint(1, 9)}{self.letters(1)}{self.letters(1)}{self.digits(1)}-" \
                   f"{self.letters(2)}{self.digits(1)}-{self.letters(2)}{self.digits(2)}"
        if plan in ("MassHealth", "Medicaid"):
            return self.digits(12) if self.rng.random() < 0.5 else self.digits(8) + self.letters(1)
        return self.rng.choice((lambda: self.letters(3) + self.digits(9), lambda: "W" + self.digits(9),
                                lambda: self.letters(2) + self.digits(8) + "01"))()

    def drivers_license(self) -> str:
        return self.rng.choice((lambda: "S" + self.digits(8), lambda: f"{self.letters(1)}{self.digits(3)}-"
                                f"{self.digits(4)}-{self.digits(4)}", lambda: self.digits(9)))()

    def dea(self, last: str) -> str:
        return self.rng.choice("ABFM") + fold_accents(last)[0].upper() + self.digits(7)

    def serial(self) -> str:
        return self.rng.choice((lambda: self.letters(3) + self.digits(6), lambda: self.digits(8),
                                lambda: f"{self.letters(2)}{self.digits(4)}-{self.digits(4)}",
                                lambda: "SN" + self.digits(10)))()

    def plate(self) -> str:
        return self.rng.choice((lambda: f"{self.digits(1)}{self.letters(3)}{self.digits(3)}",
                                lambda: f"{self.letters(3)}-{self.digits(4)}",
                                lambda: f"{self.digits(3)} {self.letters(3)}"))()

    def vin(self) -> str:
        alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        return "".join(self.rng.choice(alphabet) for _ in range(17))

    def ip(self) -> str:
        first = self.rng.choice((10, 172, 192, 24, 73, 98, 68, 107))
        return f"{first}.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"

    def email_for(self, person: Person) -> str:
        first, last = (fold_accents(p).lower().replace("'", "").replace(" ", "").replace(".", "")
                       for p in (person.first, person.last))
        local = self.rng.choice((f"{first}.{last}", f"{first[0]}{last}{self.digits(2)}", f"{first}{last[:1]}",
                                 f"{last}.{first}{self.rng.randint(50, 99)}", f"{first}_{last}"))
        return f"{local}@{self.rng.choice(_EMAIL_DOMAINS)}"

    def new_patient(self, patient_id: str, age: int, anchor: date, pcp: Clinician) -> Patient:
        rng = self.rng
        person = self.person()
        dob = anchor - timedelta(days=age * 365 + rng.randint(0, 364))
        plan = rng.choice(_PLANS) if age < 65 else rng.choice(("Medicare", "Medicare", "BCBS", "Tufts"))
        relatives = [self.relative(age) for _ in range(rng.randint(1, 3))]
        device = (rng.choice(_DEVICES), self.serial()) if rng.random() < 0.25 else None
        vehicle = (rng.choice(_VEHICLE_MAKES), self.plate(), self.vin()) if rng.random() < 0.08 else None
        hospital = rng.choice(self.hospitals)
        slug = "".join(w[0] for w in hospital.split() if w[0].isalpha()).lower()
        portal = rng.choice((f"https://mychart.{slug}health.org", f"www.{slug}.org/patients",
                             f"https://portal.{slug}-health.com/login", f"http://{slug}.org/billing"))
        return Patient(patient_id, person, dob, self.mrn(), self.ssn(), self.phone_number(),
                       self.email_for(person), self.address(), plan, self.plan_id(plan), self.drivers_license(),
                       relatives, pcp, hospital, device, vehicle, portal)


# --- surface forms --------------------------------------------------------------------------------

def patient_name(person: Person, rng: random.Random, style: str = "any") -> list[Piece]:
    """A patient or relative name in a form typical of the given note style."""
    forms = {
        "formal": ("full", "full", "mid", "comma", "COMMA", "title"),
        "nursing": ("title", "full", "last", "title", "first"),
        "message": ("first", "first", "full"),
        "title": ("title",),
        "any": ("full", "mid", "comma", "title", "first", "last", "initial", "COMMA"),
    }[style]
    form = rng.choice(forms)
    p = person
    if form == "full":
        return [Phi(f"{p.first} {p.last}", PhiLabel.NAME)]
    if form == "mid":
        return [Phi(f"{p.first} {p.middle[0]}. {p.last}", PhiLabel.NAME)]
    if form == "comma":
        return [Phi(f"{p.last}, {p.first}", PhiLabel.NAME)]
    if form == "COMMA":
        return [Phi(f"{p.last.upper()}, {p.first.upper()}", PhiLabel.NAME)]
    if form == "title":
        return [rng.choice(("Mr. ", "Mr ")) if p.sex == "M" else rng.choice(("Mrs. ", "Ms. ", "Ms ", "Miss ")),
                Phi(p.last, PhiLabel.NAME)]
    if form == "first":
        return [Phi(p.first, PhiLabel.NAME)]
    if form == "last":
        return [Phi(p.last, PhiLabel.NAME)]
    return [Phi(f"{p.first[0]}. {p.last}", PhiLabel.NAME)]


def clinician_name(clinician: Clinician, rng: random.Random) -> list[Piece]:
    p, cred = clinician.person, clinician.credential
    if cred in ("MD", "DO"):
        form = rng.randrange(8)
        if form <= 1:
            return [rng.choice(("Dr. ", "Dr ", "Dr. ")), Phi(p.last, PhiLabel.NAME)]
        if form == 2:
            return ["Dr. ", Phi(f"{p.first} {p.last}", PhiLabel.NAME)]
        if form == 3:
            suffix = rng.choice((cred, cred, cred, f"{cred}, PhD", f"{cred}, MPH", f"{cred} FACC", f"{cred}, FACP"))
            return [Phi(f"{p.first} {p.last}", PhiLabel.NAME), f", {suffix}"]
        if form == 4:
            return [Phi(f"{p.first[0]}. {p.last}", PhiLabel.NAME), f", {cred}"]
        if form == 5:
            return [Phi(f"{p.last.upper()}, {p.first.upper()}", PhiLabel.NAME), f" {cred}"]
        if form == 6:
            return [Phi(f"{p.first} {p.middle[0]}. {p.last}", PhiLabel.NAME), f", {cred}"]
        return ["Dr. ", Phi(f"{p.first[0]}. {p.last}", PhiLabel.NAME)]
    form = rng.randrange(4)
    if form == 0:
        return [Phi(f"{p.first} {p.last}", PhiLabel.NAME), f", {cred}"]
    if form == 1:
        return [Phi(p.first, PhiLabel.NAME), f" {cred}"]
    if form == 2:
        return [Phi(p.initials, PhiLabel.NAME), f" {cred}"]
    return [Phi(f"{p.first} {p.last[0]}.", PhiLabel.NAME), f" {cred}"]


def ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


DATE_STYLES_FULL = ("mdy_pad", "mdy", "mdy2", "mdy_dash2", "mdy_dash", "month_day_year", "mon_day_year",
                    "day_month_year", "iso", "dd_mon_yyyy", "mdy_pad", "mdy")
DATE_STYLES_SHORT = ("md", "md", "month_day", "month_day_ord", "day_mon", "mon_dot", "the_ord", "md_pad",
                     "ord_of_month")
DATE_STYLES_COARSE = ("year", "month_year", "m_yyyy", "mon_year")


def date_pieces(day: date, style: str) -> list[Piece]:
    m, d, y = day.month, day.day, day.year
    month, mon = _MONTHS[m - 1], _MONTHS[m - 1][:3]
    values = {
        "mdy_pad": f"{m:02d}/{d:02d}/{y}", "mdy": f"{m}/{d}/{y}", "mdy2": f"{m}/{d}/{y % 100:02d}",
        "mdy_dash2": f"{m:02d}-{d:02d}-{y % 100:02d}", "mdy_dash": f"{m:02d}-{d:02d}-{y}",
        "month_day_year": f"{month} {d}, {y}", "mon_day_year": f"{mon} {d}, {y}",
        "day_month_year": f"{d} {month} {y}", "iso": day.isoformat(), "dd_mon_yyyy": f"{d:02d}-{mon}-{y}",
        "md": f"{m}/{d}", "md_pad": f"{m:02d}/{d:02d}", "month_day": f"{month} {d}",
        "month_day_ord": f"{month} {ordinal(d)}", "ord_of_month": f"{ordinal(d)} of {month}", "day_mon": f"{d} {mon}",
        "mon_dot": f"{mon}. {d}" if len(month) > 3 else f"{month} {d}",
        "year": str(y), "month_year": f"{month} {y}", "m_yyyy": f"{m}/{y}", "mon_year": f"{mon} {y}",
    }
    if style == "the_ord":
        return ["the ", Phi(ordinal(d), PhiLabel.DATE)]
    return [Phi(values[style], PhiLabel.DATE)]


def number_words(n: int) -> str:
    tens, ones = divmod(n, 10)
    if n < 20:
        return ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                "fifteen sixteen seventeen eighteen nineteen").split()[n]
    word = _TENS.get(tens) or ("twenty", "thirty", "forty", "fifty")[tens - 2]
    if n >= 100:
        return "one hundred" + (f" {number_words(n - 100)}" if n > 100 else "")
    return word + (f"-{_ONES[ones]}" if ones else "")


def age_pieces(age: int, rng: random.Random, style: str = "any") -> list[Piece]:
    """An age; labelled AGE only when over 89 (HIPAA), otherwise a hard negative."""

    def value(text: str) -> Piece:
        return Phi(text, PhiLabel.AGE) if age > 89 else Neg(text, "age")

    form = {"any": rng.randrange(9), "short": rng.choice((0, 1, 2)), "adj": rng.choice((0, 1, 1, 4))}[style]
    if form == 0:
        return [value(str(age)), rng.choice((" y/o", " yo", " y.o.", "yo", " YO"))]
    if form == 1:
        return [value(str(age)), "-year-old"]
    if form == 2:
        return [value(str(age)), rng.choice((" year old", " yr old", " years old", " y"))]
    if form == 3:
        return ["aged ", value(str(age))]
    if form == 4:
        return [value(number_words(age)), "-year-old"]
    if form == 5:
        return ["age ", value(str(age))]
    if form == 6:
        return [value(str(age)), "M" if rng.random() < 0.5 else "F"]
    if form == 7:
        return [value(str(age)), " years of age"]
    return [value(number_words(age).capitalize()), " year old"]


def phone_pieces(number: str, rng: random.Random, label: PhiLabel = PhiLabel.PHONE) -> list[Piece]:
    a, b, c = number[:3], number[3:6], number[6:]
    form = rng.randrange(9)
    text = (f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", number, f"+1 {a} {b} {c}", f"{b}-{c}",
            f"1-{a}-{b}-{c}", f"{a}-{b}-{c}", f"({a}){b}-{c}")[form]
    pieces: list[Piece] = [Phi(text, label)]
    if label is PhiLabel.PHONE and rng.random() < 0.08:
        pieces.append(f" ext {rng.randint(100, 9999)}")
    return pieces


def ssn_text(ssn: str, rng: random.Random) -> str:
    form = rng.randrange(4)
    if form == 3:
        return ssn[-4:]
    sep = ("-", " ", "")[form]
    return f"{ssn[:3]}{sep}{ssn[3:5]}{sep}{ssn[5:]}"


def mrn_text(mrn: str, rng: random.Random) -> str:
    if mrn.isdigit() and len(mrn) == 8 and rng.random() < 0.3:
        return f"{mrn[:2]}-{mrn[2:5]}-{mrn[5:]}"
    return mrn
