"""The one readiness poll: call a check until it says ready or the deadline passes (at least once).

Used by the Triton clients (`wait_ready`) and the embedded server's start. The async form is the same
loop for the gateway's event loop, which must not block. A check that raises ends the poll with its
exception: the caller's way to stop early (a server process that exited)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

POLL_INTERVAL_S = 0.25


def poll_until(check: Callable[[], bool], timeout_s: float) -> bool:
    """True as soon as ``check()`` is; False once ``timeout_s`` has passed without it."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_INTERVAL_S)
    return True


async def poll_until_async(check: Callable[[], Awaitable[bool]], timeout_s: float) -> bool:
    """`poll_until` for an async check, sleeping without blocking the event loop."""
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(POLL_INTERVAL_S)
    return True
