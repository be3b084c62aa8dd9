"""How the gateway is served: uvicorn with the connection-level limits from the settings, and `/metrics`
on a port of its own when `api_metrics_port` is set.

The HTTP implementation is pinned to h11 (strict parsing; httptools would be picked if it were
installed), the request head is capped in bytes, and open connections plus requests in flight are
capped (more get uvicorn's 503) so a crowd of clients cannot exhaust the process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.prometheus import METRICS_CONTENT_TYPE, ApiMetrics
from medflow.settings import Settings


def server_config(app: Any, settings: Settings, **overrides: Any) -> uvicorn.Config:
    """uvicorn's configuration of the gateway (`overrides`: port, log settings, lifespan for tests)."""
    options: dict[str, Any] = {
        "host": settings.api_host,
        "port": settings.api_port,
        "http": "h11",
        "limit_concurrency": settings.api_max_connections,
        "timeout_keep_alive": settings.api_keepalive_timeout_s,
        "h11_max_incomplete_event_size": settings.api_max_header_bytes,
        "timeout_graceful_shutdown": int(settings.api_shutdown_grace_s),
        "access_log": False,  # access lines carry raw paths and client data; the audit log covers requests
        "server_header": False,
    }
    return uvicorn.Config(app, **(options | overrides))


def metrics_app(metrics: ApiMetrics) -> Starlette:
    """`/metrics` alone, for a port that only the monitoring network reaches."""

    async def scrape(request: Request) -> Response:
        return Response(metrics.render(), media_type=METRICS_CONTENT_TYPE)

    return Starlette(routes=[Route("/metrics", scrape)])


class _Sidecar(uvicorn.Server):
    """A server that leaves the signal handlers to the main one and stops when it stops."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def serve(app: FastAPI, settings: Settings, **overrides: Any) -> None:
    """Serve until SIGTERM/SIGINT (in-flight requests drain), with the metrics port if configured."""
    main = uvicorn.Server(server_config(app, settings, **overrides))
    if settings.api_metrics_port is None:
        main.run()
        return
    sidecar = overrides | {"port": settings.api_metrics_port, "lifespan": "off", "log_config": None}
    metrics_config = server_config(metrics_app(app.state.metrics), settings, **sidecar)
    asyncio.run(_serve_both(main, _Sidecar(metrics_config)))


async def _serve_both(main: uvicorn.Server, sidecar: uvicorn.Server) -> None:
    metrics_task = asyncio.create_task(sidecar.serve())
    try:
        await main.serve()
    finally:
        sidecar.should_exit = True
        await metrics_task
