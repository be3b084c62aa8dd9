"""Signing keys for asymmetric JWTs: from a JWKS file, or fetched from a JWKS URL and cached.

A JWKS endpoint that cannot be reached, times out or answers garbage is an outage of the identity
provider, not a bad token: it raises `JwksUnavailable` (HTTP 503), while a token whose `kid` is not
in a JWKS that *was* fetched stays an invalid token (401).
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import jwt
from fastapi.concurrency import run_in_threadpool

# After an unknown `kid`, the set is fetched again at most this often (PyJWT's own cooldown): a flood
# of made-up kids cannot turn into a flood of requests to the identity provider.
UNKNOWN_KID_REFETCH_S = 30.0


class JwksUnavailable(Exception):
    """The JWKS endpoint is unreachable, slow or returns no usable keys; the caller should retry later."""


def unique_signing_key(key_set: jwt.PyJWKSet, kid: str | None) -> Any:
    """The one signing key matching `kid` (the only signing key when the token names none)."""
    candidates = [k for k in key_set.keys if k.public_key_use in ("sig", None) and (kid is None or k.key_id == kid)]
    if len(candidates) != 1:
        raise jwt.InvalidKeyError("no unique key for the token's kid")
    return candidates[0].key


class JwksUrlKeys:
    """Keys fetched from a JWKS URL, cached for `cache_s`, each fetch bounded by `timeout_s`.

    After a failed fetch, lookups fail fast for `outage_backoff_s` instead of each request waiting out
    the timeout again. An expired cache is not served during an outage: a key withdrawn by the identity
    provider is not trusted past its cache lifetime.
    """

    def __init__(self, url: str, *, cache_s: float, timeout_s: float, outage_backoff_s: float) -> None:
        # PyJWT does the HTTP fetch (http/https only, no redirects); caching and outage rules are ours.
        self._fetcher = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=timeout_s)
        self._cache_s = cache_s
        self._outage_backoff_s = outage_backoff_s
        self._keys: jwt.PyJWKSet | None = None
        self._fetched_at = -math.inf
        self._failed_at = -math.inf
        self._fetch_lock = asyncio.Lock()  # one fetch at a time; waiters reuse its result

    async def key_for(self, kid: str | None) -> Any:
        try:
            return unique_signing_key(await self._key_set(max_age_s=self._cache_s), kid)
        except jwt.InvalidKeyError:
            pass  # perhaps a key rotated in since the last fetch
        return unique_signing_key(await self._key_set(max_age_s=UNKNOWN_KID_REFETCH_S), kid)

    async def _key_set(self, max_age_s: float) -> jwt.PyJWKSet:
        if self._keys is not None and time.monotonic() - self._fetched_at < max_age_s:
            return self._keys
        async with self._fetch_lock:
            if self._keys is not None and time.monotonic() - self._fetched_at < max_age_s:
                return self._keys  # fetched by the request we waited for
            if time.monotonic() - self._failed_at < self._outage_backoff_s:
                raise JwksUnavailable("JWKS fetch failed recently")
            try:
                # Blocking urllib I/O: off the event loop.
                keys = jwt.PyJWKSet.from_dict(await run_in_threadpool(self._fetcher.fetch_data))
            except (jwt.PyJWKClientError, jwt.PyJWKSetError, ValueError) as exc:
                # Connection errors, timeouts, HTTP errors, non-JSON or key-less bodies. The message
                # of these errors is not kept (it quotes the URL and the server's reply).
                self._failed_at = time.monotonic()
                raise JwksUnavailable(f"JWKS fetch failed: {type(exc).__name__}") from None
            self._keys, self._fetched_at = keys, time.monotonic()
            return keys
