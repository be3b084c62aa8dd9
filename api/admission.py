"""Overload protection: at most `capacity` notes of `/v1` requests in flight per process.

A request takes one unit per note (a batch of 16 notes does 16 times the work of one), after its body
is parsed. A request that finds too few free units waits at most `max_wait_s`, then gets 503 with
`Retry-After` at once: under overload callers learn quickly to back off instead of queueing without
bound. A request with more notes than the capacity is refused at once. Probes and metrics are not
limited, so an overloaded gateway still reports itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.responses import JSONResponse

from api.prometheus import ApiMetrics


class ServerBusy(Exception):
    """No room for the request's notes in time (HTTP 503, retry later)."""


def retry_later(request_id: str | None, detail: str, retry_after_s: int) -> JSONResponse:
    """The gateway's 503: a fixed message, the request id, and when to come back."""
    return JSONResponse(
        {"detail": detail, "request_id": request_id}, status_code=503, headers={"Retry-After": str(retry_after_s)}
    )


class NoteAdmission:
    def __init__(self, *, capacity: int, max_wait_s: float, metrics: ApiMetrics) -> None:
        self.capacity = capacity
        self.max_wait_s = max_wait_s
        self.metrics = metrics
        self._free = capacity
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def notes(self, count: int) -> AsyncIterator[None]:
        """Hold `count` units while the body runs; `ServerBusy` when they are not free in time."""
        try:
            if count > self.capacity:
                raise TimeoutError
            async with asyncio.timeout(self.max_wait_s), self._changed:
                await self._changed.wait_for(lambda: self._free >= count)
                self._free -= count
        except TimeoutError:
            self.metrics.overload_rejected.inc()
            raise ServerBusy(f"no room for {count} note(s)") from None
        try:
            yield
        finally:
            async with self._changed:
                self._free += count
                self._changed.notify_all()
