"""Outermost request wrapper (pure ASGI): request id, metrics, audit line, and the last-resort error guard.

The error guard answers 500 itself and does not re-raise: otherwise the server would log the exception
with its message, which may quote request text. Logs name the exception type and code location only.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
import uuid

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.audit import audit_request
from api.auth import ALL_SCOPES
from api.prometheus import ApiMetrics, method_label
from medflow.logging_config import request_id as current_request_id

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
AUDITED_PREFIX = "/v1/"
CLIENT_CLOSED_REQUEST = 499  # nginx's code: the client went away before an answer, not a server error
UNMATCHED_ROUTE = "unmatched"  # unknown paths share one label: no cardinality blow-up, no raw paths
# The caller's request id is kept beside the server's own only if it is a UUID: any freer form (names,
# SSN-shaped numbers) would let a caller write PHI into the audit trail.
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.IGNORECASE)


class RequestObserverMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: ApiMetrics, route_paths: frozenset[str]) -> None:
        self.app = app
        self.metrics = metrics
        # Requests rejected before routing (e.g. 413 from the body guard) still get their route label.
        self.route_paths = route_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex  # always the server's own: a caller cannot choose the audit key
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        started = False
        disconnected = False

        async def receive_observed() -> Message:
            nonlocal disconnected
            message = await receive()
            disconnected = disconnected or message["type"] == "http.disconnect"
            return message

        async def send_observed(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        start = time.perf_counter()
        self.metrics.http_in_flight.inc()
        context = current_request_id.set(request_id)  # log lines of this request carry its id
        try:
            await self.app(scope, receive_observed, send_observed)
        except Exception as exc:
            if not disconnected:  # an app failing to talk to a client that left is not a server fault
                _log_unhandled(exc, scope, request_id)
            if not started and not disconnected:
                body = {"detail": "internal error", "request_id": request_id}
                await JSONResponse(body, status_code=500)(scope, receive, send_observed)
        finally:
            if disconnected and not started:
                status = CLIENT_CLOSED_REQUEST
            self.metrics.http_in_flight.dec()
            elapsed = time.perf_counter() - start
            route = self._route_label(scope)
            self.metrics.observe_http(scope["method"], route, status, elapsed)
            if scope["path"].startswith(AUDITED_PREFIX):
                principal = state.get("principal")
                audit_request(
                    subject=principal.subject if principal else None,
                    request_id=request_id,
                    client_request_id=_client_request_id(scope),
                    method=method_label(scope["method"]),
                    route=route,
                    status=status,
                    entity_counts=state.get("entity_counts", {}),
                    deid_text_returned=bool(state.get("deid_text_returned")) and status == 200,
                    # Only scopes the gateway knows: a token's scope claim is otherwise unbounded.
                    scopes=sorted(principal.scopes & frozenset(ALL_SCOPES)) if principal else [],
                    error=state.get("error"),
                    latency_ms=elapsed * 1000,
                )
            current_request_id.reset(context)

    def _route_label(self, scope: Scope) -> str:
        if "route" in scope:
            return scope["route"].path
        return scope["path"] if scope["path"] in self.route_paths else UNMATCHED_ROUTE


def _client_request_id(scope: Scope) -> str | None:
    """The caller's `X-Request-ID` when it is a UUID (in its canonical form), else None: dropped."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return str(uuid.UUID(candidate)) if _UUID.fullmatch(candidate) else None
    return None


def _log_unhandled(exc: Exception, scope: Scope, request_id: str) -> None:
    frames = traceback.extract_tb(exc.__traceback__)[-6:]
    where = " <- ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in reversed(frames))
    route = scope["route"].path if "route" in scope else UNMATCHED_ROUTE
    log.error(
        "unhandled %s on %s %s (request_id=%s) at %s",
        type(exc).__name__,
        method_label(scope["method"]),
        route,
        request_id,
        where,
    )
