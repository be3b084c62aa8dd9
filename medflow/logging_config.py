"""One log format for every process: a JSON object per line with time, level, logger, message and the
run's ids (flow runs) or the request's id (the gateway).

Configured through each ecosystem's own mechanism, never by patching handlers in code:

- flow runs (the CLI and the flow-run pods): Prefect's logging settings (``flows.run_logging``).
  ``flows/logging.yml`` is a Prefect logging configuration (``PREFECT_LOGGING_SETTINGS_PATH``) whose console handler
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

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

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


class RequestIdFilter(logging.Filter):
    """Adds the id of the request being served (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True
