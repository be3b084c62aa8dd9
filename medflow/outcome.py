"""How a batch run ended, in the terms a scheduler acts on: exit codes of `medflow run` and `medflow demo`,
and the names of the flows' final Prefect states. The README's "Exit codes" table is this module."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # every input row written (or only quarantine, accepted with --quarantine-ok)
    FAILED = 1  # the run broke (retries exhausted, a commit failed): rerun it; it redoes what it did not commit
    NOT_STARTED = 2  # a usage error or a failed pre-flight check: nothing was written
    QUARANTINED = 3  # committed, but some rows or whole files were quarantined: see the quarantine table
    NO_INPUT = 4  # no Parquet object under --input: nothing was written (0 with --allow-empty)
    TRITON_UNREACHABLE = 5  # Triton stayed unreachable past the outage budget: nothing committed; rerun later


# Final state names of the flows, beside Prefect's own "Completed" and "Failed". A run that quarantined
# rows committed everything else, so its state is of type COMPLETED (no retries, no failure alerts),
# named so an automation can match it; pre-flight refusals are of type FAILED.
QUARANTINED_STATE = "Quarantined"
NO_INPUT_STATE = "NoInput"
NOT_STARTED_STATE = "NotStarted"
TRITON_UNREACHABLE_STATE = "TritonUnreachable"
LOCKED_STATE = "Locked"  # another live run of the date (or partition) held the lock past the wait


def completed_exit_code(run_status: str, quarantine_ok: bool) -> ExitCode:
    """The exit code of a run that committed, from its manifest's status (``ok`` or ``completed_with_quarantine``)."""
    return ExitCode.OK if run_status == "ok" or quarantine_ok else ExitCode.QUARANTINED
