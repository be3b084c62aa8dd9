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

from api.admission import AdmissionMiddleware, retry_later
from api.audit import configure_audit_logger
from api.auth import TokenVerifier
from api.jwks import JwksUnavailable
from api.limits import BodyGuardMiddleware
from api.middleware import RequestObserverMiddleware
from api.prometheus import ApiMetrics
from api.routes import register_routes
from api.service import BackendUnavailable, DeidUnavailable, UnsupportedLanguage, UnsupportedScript
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
        redoc_url=None,
    )
    app.state.metrics = metrics
    register_routes(app, settings)
    retry_after_s = settings.api_retry_after_s

    @app.exception_handler(BackendUnavailable)
    async def backend_unavailable(request: Request, exc: BackendUnavailable) -> JSONResponse:
        request.state.error = "model_unavailable"
        return retry_later(request.state.request_id, "model server unavailable, retry later", retry_after_s)

    @app.exception_handler(JwksUnavailable)
    async def jwks_unavailable(request: Request, exc: JwksUnavailable) -> JSONResponse:
        # The token may well be valid: 503 (retry), not 401 (get a new token).
        request.state.error = "jwks_unavailable"
        return retry_later(request.state.request_id, "token verification unavailable, retry later", retry_after_s)

    @app.exception_handler(DeidUnavailable)
    async def deid_unavailable(request: Request, exc: DeidUnavailable) -> JSONResponse:
        # Fail closed: a note that could not be fully de-identified is neither classified nor echoed.
        request.state.error = "deid_incomplete"
        return retry_later(request.state.request_id, "de-identification did not complete", retry_after_s)

    @app.exception_handler(UnsupportedScript)
    async def unsupported_script(request: Request, exc: UnsupportedScript) -> JSONResponse:
        # Fail closed: a note mostly in a script the engine cannot read is neither classified nor echoed.
        request.state.error = "unsupported_script"
        detail = "note is mostly in a script de-identification does not support"
        return JSONResponse({"detail": detail, "request_id": request.state.request_id}, status_code=422)

    @app.exception_handler(UnsupportedLanguage)
    async def unsupported_language(request: Request, exc: UnsupportedLanguage) -> JSONResponse:
        # Fail closed, like a script without rules: the English rules would miss its dates and names.
        request.state.error = "unsupported_language"
        detail = "note is in a language de-identification does not support"
        return JSONResponse({"detail": detail, "request_id": request.state.request_id}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the offending input: that could be PHI. Keep location, message, type.
        errors = [_safe_error(e) for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    # Last added is outermost: the observer sees the guard's 413/422 and the admission 503 too. Admission
    # comes after the guard has buffered the body: a slow upload does not hold one of the slots.
    app.add_middleware(
        AdmissionMiddleware,
        max_concurrency=settings.api_max_concurrency,
        max_wait_s=settings.api_admission_wait_s,
        retry_after_s=retry_after_s,
        metrics=metrics,
    )
    app.add_middleware(BodyGuardMiddleware, max_body_bytes=settings.api_max_body_bytes)
    app.add_middleware(RequestObserverMiddleware, metrics=metrics, route_paths=frozenset(r.path for r in app.routes))
    return app


def _safe_error(error: dict[str, Any]) -> dict[str, Any]:
    loc = [part if isinstance(part, int) or part in _KNOWN_LOCATIONS else "?" for part in error.get("loc", ())]
    return {"loc": loc, "msg": str(error.get("msg", "")), "type": str(error.get("type", ""))}
