"""Audit trail of `/v1` requests: one JSON line per request on its own logger (`medflow.audit`).

Fields: time, level, logger and message (`audit`) as in every log line (``medflow.logging_config``), then
subject, the server's request id (and the caller's `X-Request-ID` beside it, when it is a UUID; any
other caller id is dropped), method (known ones, else OTHER), route, status (499: the client went
away), entity counts, whether de-identified text was returned and under which scopes, the error kind
of a refused request, latency. Never text, tokens or other headers.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from medflow.logging_config import json_formatter

AUDIT_LOGGER = "medflow.audit"


def configure_audit_logger(path: Path | None = None) -> logging.Logger:
    """Route audit records to `path` (or stdout) only: they do not propagate to application logs."""
    logger = logging.getLogger(AUDIT_LOGGER)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    handler: logging.Handler = logging.FileHandler(path) if path else logging.StreamHandler(sys.stdout)
    handler.setFormatter(json_formatter())
    logger.addHandler(handler)
    return logger


def audit_request(
    *,
    subject: str | None,
    request_id: str,
    client_request_id: str | None,
    method: str,
    route: str,
    status: int,
    entity_counts: dict[str, int],
    deid_text_returned: bool,
    scopes: list[str],
    error: str | None,
    latency_ms: float,
) -> None:
    record = {
        "subject": subject,
        "request_id": request_id,
        "client_request_id": client_request_id,
        "method": method,
        "route": route,
        "status": status,
        "entity_counts": entity_counts,
        "deid_text_returned": deid_text_returned,
        "scopes": scopes,
        "error": error,
        "latency_ms": round(latency_ms, 3),
    }
    logging.getLogger(AUDIT_LOGGER).info("audit", extra=record)
