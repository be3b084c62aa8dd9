"""Logging of flow runs through Prefect's own logging settings, in the JSON line format of
``medflow.logging_config``.

``logging.yml`` beside this module is a Prefect logging configuration (``PREFECT_LOGGING_SETTINGS_PATH``)
whose console handler writes those JSON lines with the run's ids; the project's loggers are Prefect
"extra loggers" (``PREFECT_LOGGING_EXTRA_LOGGERS``), so their records reach the flow run's logs in the
Prefect UI. ``k8s/base/logging.yml`` is the same file for the pods (a ConfigMap; a test keeps them equal).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flows.states import PartitionsFailed
from medflow.preflight import PreflightError
from medflow.processing.outage import TritonOutage
from medflow.settings import LogFormat
from medflow.tables.locking import RunLockedError

PREFECT_LOGGING_CONFIG = Path(__file__).with_name("logging.yml")
# Failures a run reports in its final state's message: expected, so one line and no traceback.
EXPECTED_FAILURES = (PreflightError, PartitionsFailed, TritonOutage, RunLockedError)
# The batch path's loggers, registered as Prefect extra loggers: their records go to the run's logs too.
FLOW_LOGGERS = ("medflow", "deid", "inference", "flows")


class RunIdFilter(logging.Filter):
    """Adds the ids of the current Prefect flow run and task run (None outside a run)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from prefect.runtime import flow_run, task_run

        # Prefect's run loggers already set these; records of other loggers get them from the context.
        if getattr(record, "flow_run_id", None) is None:
            record.flow_run_id = flow_run.id
            record.flow_name = flow_run.flow_name
        if getattr(record, "task_run_id", None) is None:
            record.task_run_id = task_run.id
        return True


def configure_logging(log_format: LogFormat) -> None:
    """``json``: Prefect's logging set up from ``logging.yml`` with the project's extra loggers, as in the
    pods (unless PREFECT_LOGGING_SETTINGS_PATH names another file); ``text``: Prefect's own console."""
    if log_format == "text":
        return
    from prefect.logging.configuration import setup_logging
    from prefect.settings import PREFECT_LOGGING_EXTRA_LOGGERS, PREFECT_LOGGING_SETTINGS_PATH, temporary_settings

    configured = PREFECT_LOGGING_SETTINGS_PATH.value()
    updates: dict[Any, Any] = {PREFECT_LOGGING_EXTRA_LOGGERS: ",".join(FLOW_LOGGERS)}
    if not configured.exists():
        updates[PREFECT_LOGGING_SETTINGS_PATH] = PREFECT_LOGGING_CONFIG
    logging.captureWarnings(True)  # library warnings become JSON lines too, not bare stderr text
    with temporary_settings(updates=updates):
        setup_logging(incremental=False)


class ExpectedFailureLine(logging.Filter):
    """A worker's flow-run process resolves the final state after the run and, when it is Failed, logs
    "Engine execution exited with unexpected exception" with the traceback of the state's exception.
    For the expected failures that record becomes one ``error:`` line with the state's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, EXPECTED_FAILURES):
            record.msg, record.args = "error: %s", (str(exc).splitlines()[0] if str(exc) else type(exc).__name__,)
            record.exc_info = record.exc_text = None
        return True


def quiet_expected_failures() -> None:
    """Install `ExpectedFailureLine` on Prefect's flow-run logger (once per process)."""
    logger = logging.getLogger("prefect.flow_runs")
    if not any(isinstance(f, ExpectedFailureLine) for f in logger.filters):
        logger.addFilter(ExpectedFailureLine())
