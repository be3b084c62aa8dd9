"""Keyed pseudonyms of record identifiers (`patient_id`, `note_id`) for the output tables.

HMAC-SHA256 over the de-identification key: the same id always gives the same pseudonym (analysts can
still group a patient's notes, across runs), nobody without the key can reverse or recompute it, and
a key holder maps an id back by computing its pseudonym and looking it up. The kind is part of the
message, so a note id and a patient id with the same value get unrelated pseudonyms."""

from __future__ import annotations

import hashlib
import hmac

PSEUDONYM_HEX_CHARS = 32  # 128 bits: collisions are not a practical concern


class Pseudonyms:
    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("a de-identification key is required for pseudonyms")
        self._key = key

    def __call__(self, kind: str, value: str) -> str:
        message = f"pseudonym\x1f{kind}\x1f{value}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_CHARS]
