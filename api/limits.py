"""Request body guard (pure ASGI): size limit (413) and UTF-8 check (422) before any parsing.

The body is buffered once (FastAPI buffers it anyway) so a chunked upload cannot exceed the limit
either. Rejections carry a fixed message and never echo the body.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class BodyGuardMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODYLESS_METHODS:
            await self.app(scope, receive, send)
            return
        too_large = JSONResponse(
            {"detail": f"request body exceeds the limit of {self.max_body_bytes} bytes"}, status_code=413
        )
        declared = _content_length(scope)
        if declared is None:
            await JSONResponse({"detail": "invalid Content-Length header"}, status_code=400)(scope, receive, send)
            return
        if declared > self.max_body_bytes:
            await too_large(scope, receive, send)
            return

        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            await JSONResponse({"detail": "request body is not valid UTF-8"}, status_code=422)(scope, receive, send)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _content_length(scope: Scope) -> int | None:
    """The declared length, 0 when absent (chunked), None when malformed."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return 0
