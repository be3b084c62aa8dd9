"""Consistent surrogates and per-patient date shifts, keyed by an HMAC secret.

The same (patient, label, value) always maps to the same fake value, so a patient's notes stay
coherent; another patient, or another key, gets different values. The key comes from the
environment / a Kubernetes secret (`Settings.deid_hmac_key`); it is never logged or stored."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, timedelta

from deid.labels import PhiLabel
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


class Surrogates:
    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("an HMAC key is required for surrogates and date shifting")
        self._key = key
        self._first = sorted(first_names())
        self._last = sorted(last_names())

    def _digest(self, *parts: str) -> int:
        message = "\x1f".join(parts).encode("utf-8")
        return int.from_bytes(hmac.new(self._key, message, hashlib.sha256).digest()[:8], "big")

    def shift_days(self, patient_id: str) -> int:
        """Per-patient offset in [-365, -1] or [1, 365]: every date of a patient moves by the same
        amount, so intervals between them are kept."""
        raw = self._digest("date-shift", patient_id) % (2 * MAX_SHIFT_DAYS)
        return raw - MAX_SHIFT_DAYS if raw < MAX_SHIFT_DAYS else raw - MAX_SHIFT_DAYS + 1

    def surrogate(self, label: str, value: str, patient_id: str) -> str:
        """A fake value of the same kind and rough shape as `value`."""
        normalised = " ".join(value.lower().split())
        seed = self._digest("surrogate", patient_id, label, normalised)
        if label == PhiLabel.NAME:
            return self._fake_name(value, seed)
        if any(c.isdigit() for c in value):
            return _replace_digits(value, seed)
        return f"[{label}-{seed % 100000:05d}]"

    def _fake_name(self, value: str, seed: int) -> str:
        words = value.split()
        fake = []
        for i, word in enumerate(words):
            pool = self._first if i == 0 and len(words) > 1 else self._last
            pick = pool[(seed >> (i * 7)) % len(pool)]
            fake.append(pick.upper() if word.isupper() and len(word) > 1 else pick.title())
        return " ".join(fake)

    def shift_date(self, value: str, patient_id: str) -> str | None:
        """`value` moved by the patient's offset, in the same format; None when it cannot be parsed
        (the caller then falls back to a type tag)."""
        days = timedelta(days=self.shift_days(patient_id))
        text = value.strip()
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


def _replace_digits(value: str, seed: int) -> str:
    """Same punctuation and length, digits replaced deterministically."""
    digits = f"{seed:020d}"
    return "".join(digits[i % len(digits)] if c.isdigit() else c for i, c in enumerate(value))
