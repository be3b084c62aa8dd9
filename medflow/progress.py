"""Progress events of the batch path, sent as log records so any front end (the demo's progress
bar, Prefect's log view) can follow a run without the pipeline knowing about it."""

from __future__ import annotations

import logging

PROGRESS_LOGGER_NAME = "medflow.progress"
ROWS_ATTRIBUTE = "medflow_rows_done"
_logger = logging.getLogger(PROGRESS_LOGGER_NAME)


def report_rows_done(rows: int) -> None:
    """Announce that ``rows`` more input rows were finished (written or quarantined)."""
    _logger.debug("%d rows done", rows, extra={ROWS_ATTRIBUTE: rows})
