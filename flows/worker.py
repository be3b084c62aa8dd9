"""A Prefect process worker that stops on the first SIGTERM or SIGINT.

`prefect worker start` (3.8) turns a first SIGTERM into a SIGINT to itself and only a second signal
into a SIGKILL; the first one cancels nothing that ends its polling loop, so under a process manager
the worker lives on, keeps taking new runs, and the second signal kills it without cleanup. Here the
signal cancels the worker's task: it stops polling at once and tears down through Prefect's own exit
path (in under 3 s, measured). A flow-run process it is running is terminated on the way out
(Prefect's process handling) and its run stays Running in the API: measured, not marked by Prefect.
"""

from __future__ import annotations

import asyncio
import signal

from prefect.workers.process import ProcessWorker


async def _serve(pool: str, work_queues: list[str] | None, limit: int | None) -> None:
    worker = ProcessWorker(work_pool_name=pool, work_queues=work_queues, limit=limit)
    task = asyncio.current_task()
    assert task is not None  # always inside asyncio.run
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, task.cancel)
    try:
        await worker.start(printer=print)  # noqa: T201 - the worker's own status lines
    except asyncio.CancelledError:
        print(f"worker {worker.name!r} stopped")  # noqa: T201


def run_process_worker(pool: str, work_queues: list[str] | None = None, limit: int | None = None) -> None:
    """Poll ``pool`` (all its queues unless ``work_queues``) and run its flow runs as processes until a
    signal; ``limit``: flow runs at once (None: no limit of the worker's own)."""
    asyncio.run(_serve(pool, work_queues, limit))
