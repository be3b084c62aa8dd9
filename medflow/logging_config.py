"""One log format for every process: a JSON object per line with time, level, logger, message and the
run's ids (flow runs) or the request's id (the gateway).

Configured through each ecosystem's own mechanism, never by patching handlers in code:

- flow runs (the CLI and the flow-run pods): Prefect's logging settings. ``logging.yml`` beside this
  module is a Prefect logging configuration (``PREFECT_LOGGING_SETTINGS_PATH``) whose console handler
  writes these JSON lines, and the project's loggers are Prefect "extra loggers"
  (``PREFECT_LOGGING_EXTRA_LOGGERS``), so their records reach the flow run's logs in the Prefect UI.
  ``k8s/base/logging.yml`` is the same file for the pods (a ConfigMap; a test keeps them equal).
- the gateway: uvicorn's ``log_config`` (``api.log_config``), the same formatter on one handler.

Records carry the code's own messages only: nothing in medflow logs note text, headers or tokens (the
PHI rule), and these formatters add ids and names, never payloads.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from medflow.settings import LogFormat

PREFECT_LOGGING_CONFIG = Path(__file__).with_name("logging.yml")
# The batch path's loggers, registered as Prefect extra loggers: their records go to the run's logs too.
FLOW_LOGGERS = ("medflow", "deid", "inference")

# The gateway's request id (the server's own, as in the audit log) while a request is being served.
request_id: ContextVar[str | None] = ContextVar("medflow_request_id", default=None)


def json_formatter() -> logging.Formatter:
    """``{"time", "level", "logger", "message", ...ids and extras}``; ``time`` is ISO 8601 in UTC."""
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],  # uvicorn's copy of the message with ANSI colours
    )


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


class RequestIdFilter(logging.Filter):
    """Adds the id of the request being served (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
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
