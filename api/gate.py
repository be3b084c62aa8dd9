"""Request gate (pure ASGI), before any byte of the body is read: strict framing, header count, trusted
hosts, and on `/v1` a verified bearer token.

An anonymous caller is answered 401 at once and its connection closed, whatever body it declares or
trickles: it holds no buffer, no admission slot and no connection for long. Every refusal here closes
the connection, so bytes after the head (a smuggled second request) are never parsed.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from api.admission import retry_later
from api.auth import Unauthorized, authenticate
from api.jwks import JwksUnavailable
from api.limits import refuse

AUTHENTICATED_PREFIX = "/v1/"
# Probes carry no PHI and are called by the platform with whatever Host it uses (a pod IP).
HOST_EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class RequestGateMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_headers: int, max_header_bytes: int, trusted_hosts: Collection[str],
        retry_after_s: int,
    ) -> None:  # fmt: skip
        self.app = app
        self.max_headers = max_headers
        self.max_header_bytes = max_header_bytes
        self.trusted_hosts = [h.lower() for h in trusted_hosts]
        self.retry_after_s = retry_after_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is None and scope["path"].startswith(AUTHENTICATED_PREFIX):
            refusal = await self._authenticate(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> JSONResponse | None:
        headers = scope["headers"]
        if len(headers) > self.max_headers:
            return refuse(431, f"more than {self.max_headers} request headers")
        # uvicorn's h11 cap only bounds a head that arrives in pieces; one that arrives whole is checked here.
        if sum(len(name) + len(value) for name, value in headers) > self.max_header_bytes:
            return refuse(431, f"request headers exceed {self.max_header_bytes} bytes")
        names = [name for name, _ in headers]
        # Both framings at once is how requests are smuggled past a proxy that reads the other one.
        if b"transfer-encoding" in names and b"content-length" in names or names.count(b"content-length") > 1:
            return refuse(400, "ambiguous request framing (Content-Length with Transfer-Encoding)")
        if scope["path"] not in HOST_EXEMPT_PATHS and not self._trusted(_host(headers)):
            return refuse(400, "invalid host header")
        return None

    def _trusted(self, host: str | None) -> bool:
        if host is None:
            return False
        return any(
            pattern == "*" or host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
            for pattern in self.trusted_hosts
        )

    async def _authenticate(self, scope: Scope) -> JSONResponse | None:
        authorization = next((v.decode("latin-1") for n, v in scope["headers"] if n == b"authorization"), None)
        state = scope.setdefault("state", {})
        try:
            state["principal"] = await authenticate(scope["app"].state.token_verifier, authorization)
        except Unauthorized as exc:
            return refuse(401, exc.description, {"WWW-Authenticate": exc.challenge})
        except JwksUnavailable:
            state["error"] = "jwks_unavailable"
            response = retry_later(state.get("request_id"), "token verification unavailable, retry later",
                                   self.retry_after_s)  # fmt: skip
            response.headers["Connection"] = "close"
            return response
        return None


def _host(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The Host header's name without its port (IPv6 literals without their brackets), lower-cased."""
    values = [value.decode("latin-1").lower() for name, value in headers if name == b"host"]
    if len(values) != 1:
        return None
    host = values[0]
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else None
    return host.rsplit(":", 1)[0] if ":" in host else host
