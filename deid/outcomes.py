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
    """One note's outcome when it cannot be de-identified safely: `cause` is `timeout` or `error` (its
    analysis did not complete), `unsupported_script` (most of its letters are in a script the engine
    has no rules for, `deid.coverage`) or `unsupported_language` (it is written in a language outside the
    allowed ones, `deid.language`). `reason` is what callers record: the quarantine reason, the
    `deid detect` error, the API's error kind."""

    cause: str
    REASON: ClassVar[str] = "deid_incomplete"
    UNSUPPORTED_SCRIPT: ClassVar[str] = "unsupported_script"
    UNSUPPORTED_LANGUAGE: ClassVar[str] = "unsupported_language"

    @property
    def reason(self) -> str:
        return self.cause if self.cause in (self.UNSUPPORTED_SCRIPT, self.UNSUPPORTED_LANGUAGE) else self.REASON
