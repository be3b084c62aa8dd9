"""Request body guard (pure ASGI): size limit (413), read deadline (408) and UTF-8 check (422) before
any parsing.

The body is buffered once (FastAPI buffers it anyway) so a chunked upload cannot exceed the limit
either, and must arrive within the deadline: a trickling client does not hold its buffer and
connection for long. Rejections carry a fixed message, never echo the body, and close the connection
(the rest of an unread body is not parsed as a next request).
"""

from __future__ import annotations

import asyncio

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


class BodyGuardMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, read_timeout_s: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.read_timeout_s = read_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODYLESS_METHODS:
            await self.app(scope, receive, send)
            return
        too_large = refuse(413, f"request body exceeds the limit of {self.max_body_bytes} bytes")
        declared = _content_length(scope)
        if declared is None:
            await refuse(400, "invalid Content-Length header")(scope, receive, send)
            return
        if declared > self.max_body_bytes:
            await too_large(scope, receive, send)
            return

        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.read_timeout_s):
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
        except TimeoutError:
            await refuse(408, "request body not received in time")(scope, receive, send)
            return
        body = b"".join(chunks)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            await refuse(422, "request body is not valid UTF-8")(scope, receive, send)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def refuse(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """An error answer that closes the connection: what follows the refused request is never parsed."""
    return JSONResponse({"detail": detail}, status_code=status, headers={"Connection": "close"} | (headers or {}))


def _content_length(scope: Scope) -> int | None:
    """The declared length, 0 when absent (chunked), None when malformed."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return 0
