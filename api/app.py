"""The FastAPI application: `create_app(settings)`, and `published_contract()`, its OpenAPI document for
the default settings (what `docs/openapi.json` holds).

Startup builds the shared pieces once per process (de-identification engine, tokenizer, model info,
one async gRPC Triton client); the hot path only uses them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.admission import ServerBusy, retry_later
from api.audit import configure_audit_logger
from api.auth import TokenVerifier
from api.docs import add_docs
from api.gate import RequestGateMiddleware
from api.limits import BodyGuardMiddleware
from api.middleware import RequestObserverMiddleware
from api.prometheus import ApiMetrics
from api.routes import register_routes
from api.service import BackendUnavailable, DeadlineExceeded, DeidUnavailable, UnsupportedNote
from medflow.settings import Settings, get_settings

# Names of request fields; any other key in an error location is replaced (keys are caller-controlled).
_KNOWN_LOCATIONS = frozenset({"body", "text", "note_type", "notes", "path", "query", "header"})


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = _application(settings)
    app.state.token_verifier = TokenVerifier(settings)  # fails fast when no key is configured
    configure_audit_logger(settings.api_audit_log_file)
    return app


def published_contract() -> dict[str, Any]:
    """The OpenAPI document of the gateway with the default settings, whatever the environment says: the
    contract client developers get (`medflow api openapi`). A served gateway's `/openapi.json` equals it
    unless its limits or token URL are configured otherwise."""
    return _application(Settings.model_construct()).openapi()


def _application(settings: Settings) -> FastAPI:
    """Everything the contract depends on: routes, models, limits, error handlers, middleware."""
    metrics = ApiMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from api.model_backend import build_service  # heavy imports (Presidio, spaCy, gRPC) only when serving

        service, classifier = build_service(settings, metrics)
        app.state.service = service
        try:
            yield
        finally:
            await classifier.close()

    app = FastAPI(
        title="medflow gateway",
        version="1",
        description="Realtime de-identification and classification of clinical notes.",
        lifespan=lifespan,
        docs_url=None,  # api.docs serves Swagger UI from local files instead of a CDN
        redoc_url=None,
        redirect_slashes=False,  # a redirect would reflect the caller's Host header
    )
    app.state.metrics = metrics
    register_routes(app, settings)
    add_docs(app)
    retry_after_s = settings.api_retry_after_s

    @app.exception_handler(BackendUnavailable)
    async def backend_unavailable(request: Request, exc: BackendUnavailable) -> JSONResponse:
        request.state.error = "model_unavailable"
        return retry_later(request.state.request_id, "model server unavailable, retry later", retry_after_s)

    @app.exception_handler(ServerBusy)
    async def server_busy(request: Request, exc: ServerBusy) -> JSONResponse:
        request.state.error = "busy"
        return retry_later(request.state.request_id, "server busy, retry later", retry_after_s)

    @app.exception_handler(DeadlineExceeded)
    async def deadline_exceeded(request: Request, exc: DeadlineExceeded) -> JSONResponse:
        request.state.error = "deadline"
        return retry_later(request.state.request_id, "request not done in time, retry later", retry_after_s)

    @app.exception_handler(DeidUnavailable)
    async def deid_unavailable(request: Request, exc: DeidUnavailable) -> JSONResponse:
        # Fail closed: a note that could not be fully de-identified is neither classified nor echoed.
        request.state.error = "deid_incomplete"
        return retry_later(request.state.request_id, "de-identification did not complete", retry_after_s)

    @app.exception_handler(UnsupportedNote)
    async def unsupported_note(request: Request, exc: UnsupportedNote) -> JSONResponse:
        # Fail closed: a note in a script or language without rules (the English rules would miss its
        # dates and names) is neither classified nor echoed.
        request.state.error = exc.reason
        return JSONResponse({"detail": exc.detail, "request_id": request.state.request_id}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the offending input: that could be PHI. Keep location, message, type.
        errors = [_safe_error(e) for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    # Last added is outermost: the observer sees every refusal. The gate checks framing, host and token
    # before the body guard reads a byte; admission (per note) happens in the service, after parsing.
    app.add_middleware(
        BodyGuardMiddleware, max_body_bytes=settings.api_max_body_bytes, read_timeout_s=settings.api_body_read_timeout_s
    )
    app.add_middleware(
        RequestGateMiddleware,
        max_headers=settings.api_max_headers,
        max_header_bytes=settings.api_max_header_bytes,
        trusted_hosts=[host.strip() for host in settings.api_trusted_hosts.split(",") if host.strip()],
        retry_after_s=retry_after_s,
    )
    app.add_middleware(RequestObserverMiddleware, metrics=metrics, route_paths=frozenset(r.path for r in app.routes))
    return app


def _safe_error(error: dict[str, Any]) -> dict[str, Any]:
    loc = [part if isinstance(part, int) or part in _KNOWN_LOCATIONS else "?" for part in error.get("loc", ())]
    return {"loc": loc, "msg": str(error.get("msg", "")), "type": str(error.get("type", ""))}
