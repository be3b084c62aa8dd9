"""Structured logs: one JSON object per line on stderr, with the Prefect flow and task run ids.

Replaces the root logger's console output, so Prefect's own run logs and medflow's loggers come out
in the same shape for a log collector. Records carry the code's own messages only: nothing in medflow
logs note text (the PHI rule), and this formatter adds ids and names, never payloads.
"""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

FIELDS = ("asctime", "levelname", "name", "message", "flow_run_id", "flow_name", "task_run_id")
RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


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


def json_handler(stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            " ".join(f"%({f})s" for f in FIELDS),
            rename_fields=RENAMED,
            timestamp=False,
            json_default=str,
        )
    )
    handler.addFilter(RunIdFilter())
    return handler


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """``json``: route all logs through one JSON handler on the root logger; ``text``: leave Prefect's."""
    if log_format == "text":
        return
    if log_format != "json":
        raise ValueError(f"log format must be text or json, got {log_format!r}")
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(json_handler())
    logging.getLogger("medflow").setLevel(level)
