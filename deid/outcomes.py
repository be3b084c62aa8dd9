"""What happens to a note whose analysis did not complete: it is withheld, never passed on (fail closed).

A recognizer that cannot finish on a text (a regex time-out, an error) raises `AnalysisIncomplete`; the
engine catches it per note and returns a `DeidIncomplete` in that note's place. Callers handle it: the
batch flow quarantines the row (`deid_incomplete`), the API answers 503, `medflow deid detect` writes an
error line. Messages name the recognizer and pattern or the exception type, never text.

No heavy imports here: the pipeline and the API import these types without loading Presidio."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


class AnalysisIncomplete(Exception):
    """Raised inside the analysis of one text when it cannot be completed."""


class AnalysisTimeout(AnalysisIncomplete):
    """A pattern hit its time limit (its message names the recognizer and pattern)."""


class DeidIncompleteError(Exception):
    """Raised by callers that need every note analysed (`DeidEngine.detect`) when one was not."""


@dataclass(frozen=True, slots=True)
class DeidIncomplete:
    """One note's outcome when its analysis did not complete; `cause` is `timeout` or `error`."""

    cause: str
    REASON: ClassVar[str] = "deid_incomplete"
