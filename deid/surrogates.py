"""Consistent surrogates and per-patient date shifts, keyed by an HMAC secret.

The same (patient, label, value) always maps to the same fake value, so a patient's notes stay
coherent; another patient, or another key, gets different values. A surrogate keeps the kind and the
format of the value (its case, separators, digit and letter positions) and nothing else: e-mail
addresses, URLs, street lines and IPs are whole synthetic values; identifiers get new letters as well
as new digits; SSNs are valid-looking (area 001-899 but not 666, group 01-99, serial 0001-9999).

The key comes in as configuration (`DeidConfig.hmac_key`, which callers read from the environment or a
Kubernetes secret); it is never logged or stored. `ephemeral()` gives the same generator under a fresh
random key: a note without a patient id gets one of its own, so nobody can learn a shared offset or
read back surrogates of chosen values."""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import secrets
import string
from datetime import date, timedelta
from functools import cache

from deid.labels import PhiLabel
from deid.normalize import normalize_value
from deid.recognizers.lexicon import first_names, last_names

MAX_SHIFT_DAYS = 365
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]
MONTH_INDEX = {m[:3]: i + 1 for i, m in enumerate(MONTHS)}

NUMERIC_MDY = re.compile(r"(?P<m>\d{1,2})(?P<sep>[/.-])(?P<d>\d{1,2})(?:(?P=sep)(?P<y>\d{2}|\d{4}))?")
ISO = re.compile(r"(?P<y>\d{4})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})")
MONTH_DAY = re.compile(
    r"(?P<mon>[A-Za-z]{3,9})\.?\s+(?:the\s+)?(?P<d>\d{1,2})(?P<ord>st|nd|rd|th)?(?:,?\s+(?P<y>\d{4}))?", re.I
)
DAY_MONTH = re.compile(
    r"(?P<d>\d{1,2})(?P<ord>st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>[A-Za-z]{3,9})\.?(?:,?\s+(?P<y>\d{4}))?", re.I
)
YEAR_ONLY = re.compile(r"(?P<y>\d{4})")
# Dates without a year are shifted inside this reference year (a leap year, so 2/29 stays valid).
REFERENCE_YEAR = 2000

# Identifiers whose surrogate keeps the format: every letter and digit replaced, separators kept.
FORMAT_PRESERVING = frozenset(
    {PhiLabel.PHONE, PhiLabel.FAX, PhiLabel.MRN, PhiLabel.ACCOUNT, PhiLabel.HEALTH_PLAN, PhiLabel.ID,
     PhiLabel.LICENSE, PhiLabel.DEVICE, PhiLabel.VEHICLE, PhiLabel.ZIP}
)
# Reserved for documentation (RFC 2606, RFC 5737, RFC 3849): a surrogate never points at a real party.
EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")
STREET_TYPES = ("Street", "Avenue", "Road", "Lane", "Drive", "Court", "Place", "Boulevard", "Way", "Terrace")
SSN_LAYOUT = re.compile(r"\d{3}([- ]?)\d{2}\1\d{4}")
# Safe Harbor aggregates ages over 89.
AGE_SURROGATE = "90+"


@cache
def _name_pools() -> tuple[list[str], list[str]]:
    return sorted(first_names()), sorted(last_names())


class Surrogates:
    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("an HMAC key is required for surrogates and date shifting")
        self._key = key

    @classmethod
    def ephemeral(cls) -> Surrogates:
        """The same generator under a fresh random key (a note or request without a patient id)."""
        return cls(secrets.token_bytes(32))

    def for_note(self, patient_id: str | None) -> tuple[Surrogates, str]:
        """The generator and scope of one note's surrogates and date shift: its patient's under this key,
        or, without a patient id (missing or blank), a fresh random key of the note's own."""
        if patient_id and patient_id.strip():
            return self, patient_id
        return self.ephemeral(), ""

    def _digest(self, *parts: str) -> bytes:
        message = "\x1f".join(parts).encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def shift_days(self, patient_id: str) -> int:
        """Per-patient offset in [-365, -1] or [1, 365]: every date of a patient moves by the same
        amount, so intervals between them are kept."""
        raw = int.from_bytes(self._digest("date-shift", patient_id)[:8], "big") % (2 * MAX_SHIFT_DAYS)
        return raw - MAX_SHIFT_DAYS if raw < MAX_SHIFT_DAYS else raw - MAX_SHIFT_DAYS + 1

    def surrogate(self, label: str, value: str, patient_id: str) -> str:
        """A fake value of the same kind and format as `value`, from a generator seeded by the key."""
        value = normalize_value(value)  # `Jo\u200bhn` and `John` get the same surrogate
        normalised = " ".join(value.lower().split())
        rng = random.Random(self._digest("surrogate", patient_id, label, normalised))
        if label == PhiLabel.NAME:
            return _fake_name(value, rng)
        if label == PhiLabel.EMAIL:
            return _fake_email(value, rng)
        if label == PhiLabel.URL:
            return _fake_url(value, rng)
        if label == PhiLabel.IP:
            return _fake_ip(value, rng)
        if label == PhiLabel.STREET:
            return _fake_street(value, rng)
        if label == PhiLabel.SSN:
            return _fake_ssn(value, rng)
        if label == PhiLabel.AGE:
            return AGE_SURROGATE
        if label in FORMAT_PRESERVING or any(c.isdigit() for c in value):
            return _replace_characters(value, rng)
        return f"[{label}-{rng.randrange(100000):05d}]"

    def shift_date(self, value: str, patient_id: str) -> str | None:
        """`value` moved by the patient's offset, in the same format; None when it cannot be parsed or
        falls outside years 1-9999 once shifted (the caller then redacts it with a type tag)."""
        try:
            return self._shift_date(normalize_value(value).strip(), timedelta(days=self.shift_days(patient_id)))
        except (ValueError, OverflowError):
            return None

    def _shift_date(self, text: str, days: timedelta) -> str | None:
        if m := ISO.fullmatch(text):
            d = _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
            if d is None:
                return None
            s = d + days
            return f"{s.year:04d}{m['sep']}{s.month:0{len(m['m'])}d}{m['sep']}{s.day:0{len(m['d'])}d}"
        if m := NUMERIC_MDY.fullmatch(text):
            year = _expand_year(m["y"])
            d = _safe_date(year or REFERENCE_YEAR, int(m["m"]), int(m["d"]))
            if d is None:
                return None
            s = d + days
            out = f"{s.month:0{len(m['m'])}d}{m['sep']}{s.day:0{len(m['d'])}d}"
            if m["y"]:
                out += m["sep"] + (f"{s.year:04d}" if len(m["y"]) == 4 else f"{s.year % 100:02d}")
            return out
        for pattern in (MONTH_DAY, DAY_MONTH):
            if (m := pattern.fullmatch(text)) and (month := MONTH_INDEX.get(m["mon"][:3].lower())):
                d = _safe_date(int(m["y"]) if m["y"] else REFERENCE_YEAR, month, int(m["d"]))
                if d is None:
                    return None
                s = d + days
                name = MONTHS[s.month - 1]
                name = name[: len(m["mon"])] if len(m["mon"]) <= 4 else name
                name = name.upper() if m["mon"].isupper() else name.title()
                day = f"{s.day}{_ordinal(s.day) if m['ord'] else ''}"
                if pattern is MONTH_DAY:
                    return f"{name} {day}" + (f", {s.year}" if m["y"] else "")
                return f"{day} {name}" + (f" {s.year}" if m["y"] else "")
        if m := YEAR_ONLY.fullmatch(text):
            return str((date(int(m["y"]), 7, 2) + days).year)
        return None


def _fake_name(value: str, rng: random.Random) -> str:
    first, last = _name_pools()
    words = value.split()
    fake = []
    for i, word in enumerate(words):
        pick = rng.choice(first if i == 0 and len(words) > 1 else last)
        fake.append(pick.upper() if word.isupper() and len(word) > 1 else pick.title())
    return " ".join(fake)


def _fake_email(value: str, rng: random.Random) -> str:
    first, last = _name_pools()
    local = f"{rng.choice(first)}.{rng.choice(last)}{rng.randrange(10, 100)}".lower().replace(" ", "")
    fake = f"{local}@{rng.choice(EXAMPLE_DOMAINS)}"
    return fake.upper() if value.isupper() else fake


def _fake_url(value: str, rng: random.Random) -> str:
    host = f"{rng.choice(_name_pools()[1]).lower().replace(' ', '')}{rng.randrange(100)}.{rng.choice(EXAMPLE_DOMAINS)}"
    lower = value.lower()
    if "://" in lower:
        return f"https://www.{host}/"
    return f"www.{host}" if lower.startswith("www.") else host


def _fake_ip(value: str, rng: random.Random) -> str:
    if ":" in value:
        return "2001:db8::" + ":".join(f"{rng.randrange(1 << 16):x}" for _ in range(3))
    return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _fake_street(value: str, rng: random.Random) -> str:
    fake = f"{rng.randrange(1, 9900)} {rng.choice(_name_pools()[1]).title()} {rng.choice(STREET_TYPES)}"
    return fake.upper() if value.isupper() else fake


def _fake_ssn(value: str, rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    group, serial = rng.randrange(1, 100), rng.randrange(1, 10000)
    if layout := SSN_LAYOUT.fullmatch(value.strip()):
        sep = layout.group(1)
        return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"
    return _replace_characters(value, rng)  # a partial SSN (`last four 1120`): new digits


def _replace_characters(value: str, rng: random.Random) -> str:
    """Same length, case and separators; every letter and digit replaced."""
    out = []
    for c in value:
        if c.isdigit():
            out.append(rng.choice(string.digits))
        elif c.isalpha():
            letter = rng.choice(string.ascii_uppercase)
            out.append(letter if c.isupper() else letter.lower())
        else:
            out.append(c)
    return "".join(out)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _expand_year(year: str | None) -> int | None:
    if not year:
        return None
    return int(year) if len(year) == 4 else 2000 + int(year) if int(year) < 50 else 1900 + int(year)


def _ordinal(day: int) -> str:
    return "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
