"""A Prefect worker (process or Kubernetes) that stops on the first SIGTERM or SIGINT and leaves no run
`Running`.

`prefect worker start` (3.8) turns a first SIGTERM into a SIGINT to itself and only a second signal
into a SIGKILL; the first one cancels nothing that ends its polling loop, so under a process manager
the worker lives on, keeps taking new runs, and the second signal kills it without cleanup. Here the
signal cancels the worker's task: it stops polling at once and tears down through Prefect's own exit
path, which terminates the flow-run processes it is running. Prefect 3.8 leaves those runs `Running`
in the API (measured), so the worker then marks each of them Crashed, naming the signal; a run that
reached a final state meanwhile keeps it (the server refuses the change).
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any
from uuid import UUID

import anyio.abc
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.states import Crashed
from prefect.workers.base import BaseWorker
from prefect.workers.process import ProcessJobConfiguration, ProcessWorker, ProcessWorkerResult


class _InFlightWorker(ProcessWorker):
    """A process worker that remembers the flow runs whose processes it is running."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_flight: set[UUID] = set()

    async def run(
        self,
        flow_run: FlowRun,
        configuration: ProcessJobConfiguration,
        task_status: anyio.abc.TaskStatus[int] | None = None,
    ) -> ProcessWorkerResult:
        # Cancelled by a stop signal (not an Exception), the id stays here for `_mark_crashed`.
        self.in_flight.add(flow_run.id)
        try:
            result = await super().run(flow_run, configuration, task_status)
        except Exception:  # the run did not start or its process was lost: Prefect reports it itself
            self.in_flight.discard(flow_run.id)
            raise
        self.in_flight.discard(flow_run.id)
        return result


async def _mark_crashed(run_ids: set[UUID], signal_name: str) -> None:
    message = (f"medflow worker stopped on {signal_name} while this run was in flight (its process was "
               "terminated): rerun it; it redoes only what it did not commit")
    async with get_client() as client:
        for run_id in sorted(run_ids):
            try:
                result = await client.set_flow_run_state(run_id, Crashed(message=message))
            except Exception as exc:  # the API is unreachable: say so in one line and stop anyway
                print(f"error: could not mark flow run {run_id} Crashed: {type(exc).__name__}")  # noqa: T201
                continue
            state = result.state.name if result.state else "unknown"
            print(f"flow run {run_id} was in flight: now {state}")  # noqa: T201


def _worker_class(worker_type: str) -> type[BaseWorker[Any, Any, Any]]:
    if worker_type == "kubernetes":
        from prefect_kubernetes.worker import KubernetesWorker  # the `k8s` extra (the cluster's image)

        return KubernetesWorker
    return _InFlightWorker


async def _serve(
    worker_type: str, pool: str, work_queues: list[str] | None, limit: int | None, healthcheck: bool
) -> None:
    worker = _worker_class(worker_type)(work_pool_name=pool, work_queues=work_queues, limit=limit)
    task = asyncio.current_task()
    assert task is not None  # always inside asyncio.run
    loop = asyncio.get_running_loop()
    received: list[str] = []

    def stop(signum: signal.Signals) -> None:
        received.append(signum.name)
        task.cancel()  # a second signal also cancels the marking of the runs in flight

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop, signum)
    try:
        await worker.start(with_healthcheck=healthcheck, printer=print)  # noqa: T201 - its own status lines
    except asyncio.CancelledError:
        # A Kubernetes Job runs on without its worker and reports its own state; a process does not.
        if isinstance(worker, _InFlightWorker) and worker.in_flight:
            await _mark_crashed(worker.in_flight, received[0])
        print(f"worker {worker.name!r} stopped")  # noqa: T201


def run_worker(
    pool: str,
    worker_type: str = "process",
    work_queues: list[str] | None = None,
    limit: int | None = None,
    healthcheck: bool = False,
) -> None:
    """Poll ``pool`` (all its queues unless ``work_queues``) and run its flow runs, as processes or as
    Kubernetes Jobs, until a signal; a process worker then marks the runs still in flight Crashed.
    ``limit``: flow runs at once (None: no limit of the worker's own); ``healthcheck``: serve Prefect's
    worker health endpoint (PREFECT_WORKER_WEBSERVER_PORT)."""
    asyncio.run(_serve(worker_type, pool, work_queues, limit, healthcheck))
