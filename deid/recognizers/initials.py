"""Patient initials: a person written as two or three capital letters, dotted or not. Only with a cue,
since two capitals are most often an abbreviation: after `pt`/`patient` when dotted (`pt J.K.`, `PT
C.W. TOLERATED`), or before a possessive and a relation word (`JK's daughter`, `T.M.'s son`), never a
service or unit (`ICU's`, `ED's`) or a dotted clinical abbreviation (`pt A.O. x3`). All the letters
are labelled NAME."""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern

from deid.labels import PhiLabel
from deid.recognizers.base import GroupPatternRecognizer
from deid.recognizers.lexicon.people import RELATIONS, SERVICE_INITIALISMS

DOTTED = r"\p{Lu}\.[ \t]?\p{Lu}\.(?:[ \t]?\p{Lu}\.)?"
_RELATIONS = "|".join(sorted(map(regex.escape, RELATIONS), key=len, reverse=True))
# Dotted clinical abbreviations after `pt`: `pt A.O. x3`, `pt N.P.O.`, `pt D.N.R.`.
CLINICAL_DOTTED = frozenset("ao aox npo prn oob sob dnr dni doe loc nad wnl nkda".split())
_SERVICES = "|".join(sorted(SERVICE_INITIALISMS | {"pcp", "icu", "pacu", "ccu", "micu", "sicu", "nicu"}))


class PatientInitialsRecognizer(GroupPatternRecognizer):
    LABEL = PhiLabel.NAME
    FLAGS = regex.DOTALL | regex.MULTILINE  # capitals are the evidence
    PATTERNS = [
        Pattern("pt_dotted", rf"\b(?i:pt|patient)\.?[ \t]+(?P<phi>{DOTTED})(?![\w.])", 0.85),
        Pattern(
            "possessive_relation",
            rf"(?<![\w.])(?!(?i:{_SERVICES})\b)(?P<phi>{DOTTED}|\p{{Lu}}{{2,3}})['’][sS][ \t]+(?i:{_RELATIONS})\b",
            0.85,
        ),
    ]

    def invalidate_result(self, pattern_text: str) -> bool:
        return "".join(c for c in pattern_text if c.isalpha()).lower() in CLINICAL_DOTTED
