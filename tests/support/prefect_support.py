"""Helpers for tests that run flows and read back what they recorded in the Prefect API (artifacts,
task runs), and the de-identification key those flows run with."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from deid.pseudonyms import Pseudonyms

# The de-identification key of the batch-flow tests (the flow refuses to run without one).
TEST_DEID_KEY = "test-deid-key-0123456789abcdef0123456789abcdef"


def note_pseudonym(note_id: str) -> str:
    """What the flow writes for `note_id` under `TEST_DEID_KEY`."""
    return Pseudonyms(TEST_DEID_KEY.encode())("note_id", note_id)


def run_artifacts(flow_run_id: UUID | str) -> dict[str, Any]:
    """The artifacts of one flow run by key (the latest version of each key)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import Artifact

    # A raw request: the 3.8 sync client's read_artifacts sends null for omitted filters, which the API
    # rejects, and empty flow-run/task-run filters would drop artifacts created outside a task.
    query = {"artifacts": {"flow_run_id": {"any_": [str(flow_run_id)]}}, "sort": "CREATED_DESC", "limit": 50}
    with get_client(sync_client=True) as client:
        artifacts = Artifact.model_validate_list(client.request("POST", "/artifacts/filter", json=query).json())
    latest: dict[str, Any] = {}
    for artifact in artifacts:
        latest.setdefault(artifact.key, artifact)
    return latest


def task_run_counts(flow_run_id: UUID | str, name_prefix: str) -> list[int]:
    """How many times each task run of a flow run whose name starts with ``name_prefix`` ran."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[str(flow_run_id)])),
            sort=TaskRunSort.EXPECTED_START_TIME_ASC,
            limit=200,
        )
    return [r.run_count for r in runs if r.name.startswith(name_prefix)]


def run_logs(flow_run_id: UUID | str) -> list[Any]:
    """The log records Prefect stored for one flow run (its own and its task runs'), oldest first."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all()  # this process's records are sent in batches by a background worker
    with get_client(sync_client=True) as client:
        return client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[str(flow_run_id)])),
            sort=LogSort.TIMESTAMP_ASC,
            limit=200,
        )


class RetryScheduled(logging.Handler):
    """On `prefect.task_runs` (``with retry_scheduled() as event``): set when a task run of this process
    fails and Prefect schedules its retry. Lets a test end an outage it caused at the moment it has hit."""

    def __init__(self) -> None:
        super().__init__()
        self.event = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if "will start" in record.getMessage():
            self.event.set()


@contextmanager
def retry_scheduled() -> Iterator[threading.Event]:
    handler = RetryScheduled()
    logger = logging.getLogger("prefect.task_runs")
    logger.addHandler(handler)
    try:
        yield handler.event
    finally:
        logger.removeHandler(handler)
