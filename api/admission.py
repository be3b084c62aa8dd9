"""Overload protection (pure ASGI): at most `max_concurrency` `/v1` requests in flight per process.

A request that finds no free slot waits at most `max_wait_s` for one, then gets 503 with `Retry-After`
at once: under overload callers learn quickly to back off instead of queueing without bound (and
timing out anyway). Probes and metrics are not limited, so an overloaded gateway still reports itself.
"""

from __future__ import annotations

import asyncio

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.prometheus import ApiMetrics

LIMITED_PREFIX = "/v1/"


def retry_later(request_id: str | None, detail: str, retry_after_s: int) -> JSONResponse:
    """The gateway's 503: a fixed message, the request id, and when to come back."""
    return JSONResponse(
        {"detail": detail, "request_id": request_id}, status_code=503, headers={"Retry-After": str(retry_after_s)}
    )


class AdmissionMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_concurrency: int, max_wait_s: float, retry_after_s: int, metrics: ApiMetrics
    ) -> None:
        self.app = app
        self.max_wait_s = max_wait_s
        self.retry_after_s = retry_after_s
        self.metrics = metrics
        self._slots = asyncio.Semaphore(max_concurrency)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LIMITED_PREFIX):
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.max_wait_s):
                await self._slots.acquire()
        except TimeoutError:
            self.metrics.overload_rejected.inc()
            state = scope.setdefault("state", {})
            state["error"] = "busy"  # for the audit record
            request_id = state.get("request_id")
            response = retry_later(request_id, "server busy, retry later", self.retry_after_s)
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()
