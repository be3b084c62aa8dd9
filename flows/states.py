"""Final states of the batch flows, by the rules of `medflow.outcome` (the README's exit-code table).

- pre-flight refused: Failed, named ``NoInput`` (nothing under the input) or ``NotStarted``; the
  message is the checks' lines. Nothing was written.
- committed with quarantine: Completed, named ``Quarantined`` (the run committed everything else, so
  it is not retried and does not alert as a failure; an automation can match the name), or plain
  Completed with ``quarantine_ok``. The message gives the counts either way.
- committed without quarantine: Completed.
- stopped because Triton stayed unreachable past the outage budget: Failed, named ``TritonUnreachable``;
  nothing was committed.
- a fan-out whose partitions did not all complete: Failed, ``data`` a ``PartitionsFailed``.
- another live run held the lock of the date (or partition) past the wait: Failed, named ``Locked``;
  nothing was written.

A Failed state's data is an exception: Prefect's engine raises it when it resolves the final state
(anything else ends in "TypeError: Unexpected result for failed state").
"""

from __future__ import annotations

from prefect.states import Completed, Failed, State

from medflow.outcome import LOCKED_STATE, QUARANTINED_STATE, ExitCode, completed_exit_code
from medflow.preflight import PreflightError
from medflow.tables.locking import RunLockedError
from medflow.tables.manifest import RunManifest


class PartitionsFailed(RuntimeError):
    """A fan-out whose partitions did not all complete; ``manifest``: what the completed ones committed."""

    def __init__(self, message: str, manifest: RunManifest) -> None:
        super().__init__(message)
        self.manifest = manifest


def refused_state(exc: PreflightError) -> State:
    """The state of a run the pre-flight checks stopped (``data``: the error, raised by ``state.result()``)."""
    return Failed(name=exc.state_name, message="; ".join(p.message for p in exc.problems), data=exc)


def locked_state(exc: RunLockedError) -> State:
    """The state of a run that gave up waiting for its lock (``data``: the error, raised by ``state.result()``)."""
    return Failed(name=LOCKED_STATE, message=str(exc), data=exc)


def stopped_state(task_state: State) -> State:
    """The run's own Failed state for a task that stopped it (Triton down past its outage budget): same
    name and message, and the task's error as data (a task's state returned as is would be aggregated)."""
    return Failed(name=task_state.name, message=task_state.message, data=task_state.result(raise_on_failure=False))


def with_quarantine(summary: str, manifest: RunManifest) -> str:
    """``summary``, plus what was quarantined if anything was."""
    t = manifest.totals
    if manifest.status == "ok":
        return summary
    return f"{summary}; QUARANTINED {t.rows_quarantined} row(s), {t.files_failed} whole file(s)"


def committed_state(manifest: RunManifest, summary: str, quarantine_ok: bool) -> State:
    """The state of a run that committed (or staged) ``manifest``; ``summary`` leads its message."""
    message = with_quarantine(summary, manifest)
    if completed_exit_code(manifest.status, quarantine_ok) is ExitCode.QUARANTINED:
        return Completed(name=QUARANTINED_STATE, message=message, data=manifest)
    return Completed(message=message, data=manifest)
