"""Bearer-JWT authentication and scope checks for the `/v1` routes.

Production verifies RS256/ES256 tokens against a JWKS (URL or file); local development verifies HS256
tokens signed with `MEDFLOW_JWT_SECRET`. Issuer, audience, expiry and subject are always required.
Error responses and logs name the failure kind only, never the token or its claims.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from fastapi import HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.jwks import JwksUnavailable, JwksUrlKeys, unique_signing_key
from medflow.settings import Settings

log = logging.getLogger(__name__)

SCOPE_CLASSIFY = "classify"
SCOPE_DEID_TEXT = "classify:deid-text"
ALL_SCOPES = (SCOPE_CLASSIFY, SCOPE_DEID_TEXT)

ASYMMETRIC_ALGORITHMS = ["RS256", "ES256"]
DEV_ALGORITHM = "HS256"
REALM = "medflow"

bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description=f"OAuth2 access token (JWT). Scopes: {', '.join(ALL_SCOPES)}.",
)


class AuthConfigError(RuntimeError):
    """No usable key material is configured."""


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    scopes: frozenset[str]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class TokenVerifier:
    """Verifies a compact JWT and returns the caller. Raises `jwt.PyJWTError` subclasses for a bad token,
    `JwksUnavailable` when the keys to check it cannot be fetched."""

    def __init__(self, settings: Settings) -> None:
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._leeway = settings.jwt_leeway_s
        self._jwks_url_keys: JwksUrlKeys | None = None
        self._jwks: jwt.PyJWKSet | None = None
        self._secret: str | None = None
        # A JWKS, when configured, wins: HS256 is then never accepted (no algorithm confusion).
        if settings.jwt_jwks_url:
            self._jwks_url_keys = JwksUrlKeys(
                settings.jwt_jwks_url,
                cache_s=settings.jwt_jwks_cache_s,
                timeout_s=settings.jwt_jwks_timeout_s,
                # Clients are told to retry after this long; asking the identity provider sooner is pointless.
                outage_backoff_s=settings.api_retry_after_s,
            )
            self.mode = "jwks-url"
        elif settings.jwt_jwks_file:
            self._jwks = jwt.PyJWKSet.from_dict(json.loads(settings.jwt_jwks_file.read_text()))
            self.mode = "jwks-file"
        elif settings.jwt_secret is not None and settings.jwt_secret.get_secret_value():
            self._secret = settings.jwt_secret.get_secret_value()
            self.mode = "dev-hs256"
        else:
            raise AuthConfigError(
                "no JWT key configured: set MEDFLOW_JWT_JWKS_URL or MEDFLOW_JWT_JWKS_FILE (production) "
                "or MEDFLOW_JWT_SECRET (local development)"
            )

    async def verify(self, token: str) -> Principal:
        if self._jwks_url_keys is not None:
            key = await self._jwks_url_keys.key_for(_kid_of(token))
            return self._decode(token, key, ASYMMETRIC_ALGORITHMS)
        if self._jwks is not None:
            return self._decode(token, unique_signing_key(self._jwks, _kid_of(token)), ASYMMETRIC_ALGORITHMS)
        return self._decode(token, self._secret, [DEV_ALGORITHM])

    def _decode(self, token: str, key: Any, algorithms: list[str]) -> Principal:
        claims = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            audience=self._audience,
            issuer=self._issuer,
            leeway=self._leeway,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
        return Principal(subject=str(claims["sub"]), scopes=frozenset(_scopes_of(claims)))


def _kid_of(token: str) -> str | None:
    kid = jwt.get_unverified_header(token).get("kid")  # DecodeError for a malformed token: 401
    if kid is not None and not isinstance(kid, str):
        raise jwt.InvalidTokenError("kid is not a string")
    return kid


def _scopes_of(claims: dict[str, Any]) -> Iterable[str]:
    """OAuth2 `scope` (space-separated string, RFC 9068) or `scp` (list, some identity providers)."""
    scope = claims.get("scope")
    if isinstance(scope, str):
        yield from scope.split()
    scp = claims.get("scp")
    if isinstance(scp, list):
        yield from (s for s in scp if isinstance(s, str))


def mint_dev_token(secret: str, *, subject: str, scopes: Iterable[str], ttl_s: int, issuer: str, audience: str) -> str:
    """An HS256 token for local development, signed with `MEDFLOW_JWT_SECRET`."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "scope": " ".join(scopes),
        "iat": now,
        "nbf": now,
        "exp": now + ttl_s,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=DEV_ALGORITHM)


def _unauthorized(error: str | None, description: str) -> HTTPException:
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}", error_description="{description}"'
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=description, headers={"WWW-Authenticate": challenge})


async def authenticate(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer_scheme)
) -> Principal:
    """FastAPI dependency: the verified caller, or 401 with a `WWW-Authenticate` challenge."""
    if credentials is None:
        raise _unauthorized(None, "bearer token required")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = await verifier.verify(credentials.credentials)
    except JwksUnavailable as exc:
        # The identity provider is down, not the token bad: 503 (app-level handler) so clients retry.
        log.warning("cannot verify token: %s", exc)
        raise
    except jwt.ExpiredSignatureError:
        log.info("rejected token: expired")
        raise _unauthorized("invalid_token", "token expired") from None
    except jwt.PyJWTError as exc:
        log.info("rejected token: %s", type(exc).__name__)
        raise _unauthorized("invalid_token", "token invalid") from None
    request.state.principal = principal
    return principal


def require_scope(scope: str) -> Callable[..., Any]:
    """FastAPI dependency factory: the caller must hold `scope`, else 403."""

    async def dependency(principal: Principal = Security(authenticate)) -> Principal:
        if not principal.has_scope(scope):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"token lacks scope {scope}",
                headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"'},
            )
        return principal

    return dependency
