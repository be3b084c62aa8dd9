"""uvicorn's ``log_config`` for the gateway: one handler on stderr for uvicorn's records (start-up
included) and the application's, in the format of every medflow log line (``medflow.logging_config``)
with the request's id; the audit trail on its own handler (a file, or stdout), always JSON.

uvicorn applies it with ``logging.config.dictConfig``, which resets the handlers of child loggers of
those it configures: the audit logger is configured here too, not only by ``create_app``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.audit import AUDIT_LOGGER
from medflow.logging_config import RequestIdFilter, json_formatter
from medflow.settings import LogFormat

APPLICATION_LOGGERS = ("api", "medflow", "deid", "inference")
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"


def gateway_log_config(log_format: LogFormat, audit_log_file: Path | None) -> dict[str, Any]:
    """Access lines stay off (raw paths and client data); the audit records every `/v1` request."""
    audit: dict[str, Any] = (
        {"class": "logging.FileHandler", "filename": str(audit_log_file)}
        if audit_log_file
        else {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": json_formatter}, "text": {"format": TEXT_FORMAT}},
        "filters": {"request_id": {"()": RequestIdFilter}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": log_format,
                "filters": ["request_id"],
            },
            "audit": {**audit, "formatter": "json"},
        },
        "loggers": {
            "uvicorn": {"level": "INFO"},
            "uvicorn.access": {"level": "WARNING"},
            **{name: {"level": "INFO"} for name in APPLICATION_LOGGERS},
            AUDIT_LOGGER: {"level": "INFO", "handlers": ["audit"], "propagate": False},
        },
        "root": {"level": "WARNING", "handlers": ["console"]},
    }
