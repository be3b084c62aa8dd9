"""Bearer-JWT authentication and scope checks for the `/v1` routes.

Production verifies RS256/ES256 tokens against a JWKS (an https URL, or a file). HS256 tokens signed with
`MEDFLOW_JWT_SECRET` are accepted only when `MEDFLOW_JWT_DEV_HS256=true` says this is local development,
and only with a secret of at least 32 bytes. Issuer, audience, subject, issue time and expiry are always
required, and a token may not live longer than `MEDFLOW_JWT_MAX_LIFETIME_S`. Error responses and logs
name the failure kind only, never the token or its claims.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
from fastapi import HTTPException, Request, Security, status
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2, SecurityScopes
from fastapi.security.utils import get_authorization_scheme_param

from api.jwks import JwksUnavailable, JwksUrlKeys, unique_signing_key
from medflow.settings import Settings

log = logging.getLogger(__name__)

SCOPE_CLASSIFY = "classify"
SCOPE_DEID_TEXT = "classify:deid-text"
SCOPE_DESCRIPTIONS = {
    SCOPE_CLASSIFY: "Classify notes: every /v1 route",
    SCOPE_DEID_TEXT: "Also receive the de-identified text (`deid_text`) in the answers",
}
ALL_SCOPES = tuple(SCOPE_DESCRIPTIONS)

ASYMMETRIC_ALGORITHMS = ["RS256", "ES256"]
DEV_ALGORITHM = "HS256"
# RFC 7518 3.2: an HS256 key must be at least as long as the hash output.
MIN_DEV_SECRET_BYTES = 32
REALM = "medflow"


def oauth2_scheme(token_url: str) -> OAuth2:
    """The contract's security scheme: OAuth2 access tokens (JWTs) with the gateway's scopes, obtained from
    the identity provider's token endpoint and sent as `Authorization: Bearer`. The scheme only reads the
    header (``auto_error=False``): verification and the 401/403 answers are ``caller``'s."""
    return OAuth2(
        flows=OAuthFlows(clientCredentials=OAuthFlowClientCredentials(tokenUrl=token_url, scopes=SCOPE_DESCRIPTIONS)),
        scheme_name="OAuth2",
        description="Bearer JWT (RS256/ES256) from the identity provider; issuer, audience, `iat` and expiry checked.",
        auto_error=False,
    )


class AuthConfigError(RuntimeError):
    """No usable key material is configured."""


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    scopes: frozenset[str]

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class TokenLifetimeError(jwt.InvalidTokenError):
    """The token's lifetime (exp - iat) is longer than the gateway accepts."""


class TokenVerifier:
    """Verifies a compact JWT and returns the caller. Raises `jwt.PyJWTError` subclasses for a bad token,
    `JwksUnavailable` when the keys to check it cannot be fetched."""

    def __init__(self, settings: Settings) -> None:
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._leeway = settings.jwt_leeway_s
        self._max_lifetime_s = settings.jwt_max_lifetime_s
        self._jwks_url_keys: JwksUrlKeys | None = None
        self._jwks: jwt.PyJWKSet | None = None
        self._secret: str | None = None
        # A JWKS, when configured, wins: HS256 is then never accepted (no algorithm confusion).
        if settings.jwt_jwks_url:
            _check_jwks_url(settings.jwt_jwks_url, allow_http=settings.jwt_jwks_allow_http)
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
            self._secret = _dev_secret(settings.jwt_secret.get_secret_value(), enabled=settings.jwt_dev_hs256)
            self.mode = "dev-hs256"
        else:
            raise AuthConfigError(
                "no JWT key configured: set MEDFLOW_JWT_JWKS_URL or MEDFLOW_JWT_JWKS_FILE (production) "
                "or MEDFLOW_JWT_SECRET with MEDFLOW_JWT_DEV_HS256=true (local development)"
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
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
        # PyJWT accepts numeric strings ("1700000000"); the gateway takes JSON integers only.
        if not all(type(claims[c]) is int for c in ("iat", "exp")):
            raise jwt.InvalidIssuedAtError("iat and exp must be integers")
        if int(claims["exp"]) - int(claims["iat"]) > self._max_lifetime_s:
            raise TokenLifetimeError("token lifetime exceeds the maximum")
        return Principal(subject=str(claims["sub"]), scopes=frozenset(_scopes_of(claims)))


def _check_jwks_url(url: str, *, allow_http: bool) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https" or (scheme == "http" and allow_http):
        return
    raise AuthConfigError(
        "MEDFLOW_JWT_JWKS_URL must be an https URL (keys fetched over plain http could be swapped in transit); "
        "MEDFLOW_JWT_JWKS_ALLOW_HTTP=true allows http for loopback tests"
    )


def dev_secret_problem(secret: str) -> str | None:
    """Why `secret` cannot sign development tokens, or None (the message never quotes it)."""
    if len(secret.encode("utf-8")) < MIN_DEV_SECRET_BYTES:
        return f"MEDFLOW_JWT_SECRET is shorter than {MIN_DEV_SECRET_BYTES} bytes (try: openssl rand -hex 32)"
    return None


def _dev_secret(secret: str, *, enabled: bool) -> str:
    if not enabled:
        raise AuthConfigError(
            "MEDFLOW_JWT_SECRET is set but HS256 tokens are for local development only: set "
            "MEDFLOW_JWT_DEV_HS256=true to accept them, or MEDFLOW_JWT_JWKS_URL for the identity provider"
        )
    if problem := dev_secret_problem(secret):
        raise AuthConfigError(problem)
    return secret


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


class Unauthorized(Exception):
    """No usable bearer token: HTTP 401 with a `WWW-Authenticate` challenge (never quoting the token)."""

    def __init__(self, error: str | None, description: str) -> None:
        super().__init__(description)
        self.description = description
        self.challenge = f'Bearer realm="{REALM}"'
        if error:
            self.challenge += f', error="{error}", error_description="{description}"'


async def authenticate(verifier: TokenVerifier, authorization: str | None) -> Principal:
    """The verified caller of an `Authorization` header value; `Unauthorized` when there is none,
    `JwksUnavailable` when the keys cannot be fetched (the token may be fine: 503, not 401)."""
    kind, token = get_authorization_scheme_param(authorization)
    if kind.lower() != "bearer" or not token:
        raise Unauthorized(None, "bearer token required")
    try:
        return await verifier.verify(token)
    except JwksUnavailable as exc:
        log.warning("cannot verify token: %s", exc)
        raise
    except jwt.ExpiredSignatureError:
        log.info("rejected token: expired")
        raise Unauthorized("invalid_token", "token expired") from None
    except jwt.PyJWTError as exc:
        log.info("rejected token: %s", type(exc).__name__)
        raise Unauthorized("invalid_token", "token invalid") from None


def caller(scheme: OAuth2) -> Callable[..., Awaitable[Principal]]:
    """The FastAPI dependency for `Security(caller(scheme), scopes=[...])`: the verified caller holding every
    scope the route asks for (FastAPI collects them in `SecurityScopes` and lists them in the contract);
    401 without a valid token, 403 for a missing scope."""

    async def verified_caller(
        security_scopes: SecurityScopes, request: Request, authorization: str | None = Security(scheme)
    ) -> Principal:
        # `api.gate` verified the token before the body was read; here only the scopes are checked.
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="bearer token required",
                headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'},
            )
        missing = [scope for scope in security_scopes.scopes if not principal.has_scope(scope)]
        if missing:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"token lacks scope {' '.join(missing)}",
                headers={
                    "WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", '
                    f'scope="{security_scopes.scope_str}"'
                },
            )
        return principal

    return verified_caller
