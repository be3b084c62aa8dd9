"""HTTP routes: probes and metrics (open), `/v1` classification (bearer JWT with scopes).

No `from __future__ import annotations` here: FastAPI must resolve the body types built per app.
"""

from collections import Counter
from typing import Any

from fastapi import Depends, FastAPI, Request, Response, Security

from api.auth import SCOPE_CLASSIFY, SCOPE_DEID_TEXT, Principal, caller, oauth2_scheme
from api.prometheus import METRICS_CONTENT_TYPE, ApiMetrics
from api.schemas import (
    BatchClassifyResponse,
    ClassifyResponse,
    ClassifyResult,
    ErrorResponse,
    LabelScore,
    ReadinessResponse,
    request_models,
)
from api.service import ClassifiedNote, ClassifyService
from medflow.settings import Settings

# Routes reachable without a token. A test walks every route and checks this list is complete.
PUBLIC_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/docs", "/docs/assets", "/docs/oauth2-redirect", "/openapi.json"}
)


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


REQUEST_ID = {"X-Request-ID": _header("The server's id of this request (also in the audit log)")}
CHALLENGE = {"WWW-Authenticate": _header('Bearer challenge: realm="medflow", the error and, for 403, the scope')}
V1_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorResponse,
        "description": "Ambiguous framing (Content-Length with Transfer-Encoding), a Host not served, or an "
        "invalid Content-Length; the connection is closed",
        "headers": REQUEST_ID,
    },
    401: {
        "model": ErrorResponse,
        "description": "Missing, invalid or expired bearer token (checked before the body is read; the "
        "connection is closed)",
        "headers": CHALLENGE | REQUEST_ID,
    },
    403: {"model": ErrorResponse, "description": "Token lacks the required scope", "headers": CHALLENGE | REQUEST_ID},
    408: {"model": ErrorResponse, "description": "Request body not received in time", "headers": REQUEST_ID},
    413: {"model": ErrorResponse, "description": "Request body too large", "headers": REQUEST_ID},
    422: {
        "model": ErrorResponse,
        "description": "Malformed body: not UTF-8/JSON, wrong types, empty or long text (the input is never echoed)",
        "headers": REQUEST_ID,
    },
    503: {
        "model": ErrorResponse,
        "description": "Model server or token verification unavailable or slow, server busy (no room for the "
        "request's notes), the request not done within its deadline, or a note's de-identification did not "
        "complete; retry after Retry-After seconds",
        "headers": {"Retry-After": _header("Seconds to wait before retrying")} | REQUEST_ID,
    },
}
DEID_TEXT_NOTE = f" `deid_text` is returned only to tokens with the `{SCOPE_DEID_TEXT}` scope."


def get_service(request: Request) -> ClassifyService:
    """The process-wide service built at startup (overridden with fakes in unit tests)."""
    return request.app.state.service


def get_metrics(request: Request) -> ApiMetrics:
    return request.app.state.metrics


def register_routes(app: FastAPI, settings: Settings) -> None:
    """Routes go on the app itself (no included routers): each has its full path as route template."""
    ClassifyRequest, BatchClassifyRequest = request_models(settings.api_max_text_chars, settings.api_max_batch_notes)
    # One dependency for the router and the handlers, so FastAPI resolves it once per request.
    verified_caller = caller(oauth2_scheme(settings.jwt_token_url))
    require_classify = Security(verified_caller, scopes=[SCOPE_CLASSIFY])
    # Every /v1 route takes these: auth cannot be forgotten on a new route.
    v1 = {"tags": ["classify"], "responses": V1_ERROR_RESPONSES, "dependencies": [require_classify]}
    retry_after = str(settings.api_retry_after_s)
    ready_timeout_s = settings.api_ready_timeout_s

    @app.get("/healthz", tags=["probes"])
    async def healthz() -> dict[str, str]:
        """The process is alive (no dependency checks)."""
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["probes"],
        responses={503: {"model": ReadinessResponse, "description": "Triton unreachable or model not ready"}},
    )
    async def readyz(response: Response, service: ClassifyService = Depends(get_service)) -> ReadinessResponse:
        """Triton is reachable and the model is ready."""
        if await service.is_ready(ready_timeout_s):
            return ReadinessResponse(status="ready", model_name=service.model_name, model_version=service.model_version)
        response.status_code = 503
        response.headers["Retry-After"] = retry_after
        return ReadinessResponse(status="not ready", model_name=service.model_name, model_version=service.model_version)

    if settings.api_metrics_port is None:  # else only on its own port (api.server)

        @app.get("/metrics", tags=["probes"], response_class=Response)
        async def metrics(registry: ApiMetrics = Depends(get_metrics)) -> Response:
            """Prometheus exposition."""
            return Response(registry.render(), media_type=METRICS_CONTENT_TYPE)

    @app.post("/v1/classify", response_model_exclude_none=True, **v1)
    async def classify(
        body: ClassifyRequest,  # type: ignore[valid-type]
        request: Request,
        principal: Principal = require_classify,
        service: ClassifyService = Depends(get_service),
    ) -> ClassifyResponse:
        """Classify one note. PHI is removed in this process before the model sees the text; `deid_text` is
        returned only to tokens with the `classify:deid-text` scope."""
        (note,) = await service.classify([body.text])
        request.state.entity_counts = note.entity_counts
        request.state.deid_text_returned = principal.has_scope(SCOPE_DEID_TEXT)
        return ClassifyResponse(
            request_id=request.state.request_id,
            model_name=service.model_name,
            model_version=service.model_version,
            **_result(note, principal).model_dump(),
        )

    @app.post(
        "/v1/classify/batch",
        response_model_exclude_none=True,
        description=f"Classify up to {settings.api_max_batch_notes} notes in one request, results in order."
        + DEID_TEXT_NOTE,
        **v1,
    )
    async def classify_batch(
        body: BatchClassifyRequest,  # type: ignore[valid-type]
        request: Request,
        principal: Principal = require_classify,
        service: ClassifyService = Depends(get_service),
    ) -> BatchClassifyResponse:
        notes = await service.classify([n.text for n in body.notes])
        request.state.entity_counts = dict(sum((Counter(n.entity_counts) for n in notes), Counter()))
        request.state.deid_text_returned = principal.has_scope(SCOPE_DEID_TEXT)
        return BatchClassifyResponse(
            request_id=request.state.request_id,
            model_name=service.model_name,
            model_version=service.model_version,
            results=[_result(n, principal) for n in notes],
        )


def _result(note: ClassifiedNote, principal: Principal) -> ClassifyResult:
    return ClassifyResult(
        label=note.label,
        score=note.score,
        labels=[LabelScore(label=label, score=score) for label, score in note.labels],
        entity_counts=note.entity_counts,
        deid_text=note.deid_text if principal.has_scope(SCOPE_DEID_TEXT) else None,
    )
