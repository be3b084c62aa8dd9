"""Auth matrix of the gateway: dev HS256, JWKS file and JWKS URL (RS256/ES256), scopes, open routes."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from api_support import AUDIENCE, ISSUER, SECRET, bearer, captured_audit, make_token, unit_app, unit_settings
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from api.auth import AuthConfigError, TokenVerifier
from api.routes import PUBLIC_PATHS

NOTE = {"text": "Patient reports chest pain since yesterday."}


@pytest.fixture()
def api():
    return unit_app()


def test_valid_token_is_accepted(api):
    response = api.client.post("/v1/classify", json=NOTE, headers=bearer(make_token()))
    assert response.status_code == 200, response.text
    assert response.json()["label"] == "PAIN"


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({}, None),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, None),
        ({"Authorization": "Bearer not-a-jwt"}, "invalid_token"),
        (bearer(make_token(secret="another-secret-of-sufficient-length-xyz")), "invalid_token"),
        (bearer(make_token(exp_in_s=-3600)), "invalid_token"),
        (bearer(make_token(audience="someone-else")), "invalid_token"),
        (bearer(make_token(issuer="https://evil.example")), "invalid_token"),
        (bearer(make_token(subject=None)), "invalid_token"),
        (bearer(jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": 2**33}, None, algorithm="none")),
         "invalid_token"),
    ],
    ids=["no-token", "basic-auth", "garbage", "bad-signature", "expired", "wrong-audience", "wrong-issuer",
         "no-subject", "alg-none"],
)  # fmt: skip
def test_rejected_tokens_get_401_with_challenge(api, headers, error):
    response = api.client.post("/v1/classify", json=NOTE, headers=headers)
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert (f'error="{error}"' in challenge) == (error is not None)
    assert api.classifier.seen_texts == [], "nothing may reach the model without a valid token"


def test_expired_token_says_so_and_small_skew_is_tolerated(api):
    expired = api.client.post("/v1/classify", json=NOTE, headers=bearer(make_token(exp_in_s=-120)))
    assert expired.status_code == 401
    assert expired.json()["detail"] == "token expired"
    within_leeway = api.client.post("/v1/classify", json=NOTE, headers=bearer(make_token(exp_in_s=-5)))
    assert within_leeway.status_code == 200


@pytest.mark.parametrize("scopes", [(), ("classify:deid-text",), ("read",)])
def test_missing_scope_is_403(api, scopes):
    response = api.client.post("/v1/classify", json=NOTE, headers=bearer(make_token(scopes=scopes)))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert api.classifier.seen_texts == []


def test_scp_list_claim_is_honoured(api):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "idp-client", "iat": now, "exp": now + 60, "scp": ["classify"]}
    response = api.client.post("/v1/classify", json=NOTE, headers=bearer(jwt.encode(claims, SECRET, "HS256")))
    assert response.status_code == 200


def test_deid_text_only_with_its_scope(api):
    note = {"text": "Zebulon Quigglesworth has chest pain."}
    plain = api.client.post("/v1/classify", json=note, headers=bearer(make_token(scopes=["classify"])))
    assert plain.status_code == 200
    assert "deid_text" not in plain.json()
    full = api.client.post(
        "/v1/classify", json=note, headers=bearer(make_token(scopes=["classify", "classify:deid-text"]))
    )
    assert full.json()["deid_text"] == "[NAME] has chest pain."
    batch = api.client.post(
        "/v1/classify/batch",
        json={"notes": [note, note]},
        headers=bearer(make_token(scopes=["classify", "classify:deid-text"])),
    )
    assert [r["deid_text"] for r in batch.json()["results"]] == ["[NAME] has chest pain."] * 2


def test_every_route_is_protected_unless_listed_public(api):
    """Walk every route and method without a token: only the explicit allow-list may answer non-401."""
    reachable_without_token = set()
    walked = 0
    for route in api.app.routes:
        if isinstance(route, Mount):  # static files: the assets of the docs page
            assert route.path in PUBLIC_PATHS and api.client.get(f"{route.path}/swagger-ui.css").status_code == 200
            continue
        assert isinstance(route, Route | APIRoute), f"unexpected route type {type(route).__name__}"
        for method in sorted(route.methods or ()):
            walked += 1
            response = api.client.request(method, route.path, json=NOTE if method == "POST" else None)
            if response.status_code != 401:
                reachable_without_token.add(route.path)
            else:
                assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert walked >= 8
    assert reachable_without_token <= PUBLIC_PATHS
    assert all(path.startswith("/v1/") for path in {r.path for r in api.app.routes} - PUBLIC_PATHS)
    # The OpenAPI document declares the bearer requirement on exactly the protected operations.
    spec = api.client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            assert ("security" in operation) == (path not in PUBLIC_PATHS), path


def test_app_refuses_to_start_without_key_material():
    with pytest.raises(AuthConfigError):
        TokenVerifier(unit_settings(jwt_secret=None))


def test_hs256_needs_the_development_switch_and_a_secret_of_32_bytes():
    with pytest.raises(AuthConfigError, match="MEDFLOW_JWT_DEV_HS256"):
        TokenVerifier(unit_settings(jwt_dev_hs256=False))
    for short in ("zq-short", "0123456789abcdef0123456789abcde"):  # 8 and 31 bytes
        with pytest.raises(AuthConfigError, match="32 bytes") as refused:
            TokenVerifier(unit_settings(jwt_secret=short))
        assert short not in str(refused.value)
    assert TokenVerifier(unit_settings(jwt_secret="0123456789abcdef0123456789abcdef")).mode == "dev-hs256"


def test_served_app_refuses_to_start_with_hs256_not_enabled(tmp_path):
    """`medflow api` (the real command) exits at start, naming the setting and never the secret."""
    from api_support import ApiServer

    server = ApiServer(tmp_path, triton_url="127.0.0.1:1", model_repository=tmp_path, jwt_dev_hs256="false")
    with pytest.raises(RuntimeError, match="exited"):
        server.start(timeout_s=60)
    assert "MEDFLOW_JWT_DEV_HS256" in server.logs() and SECRET not in server.logs()


@pytest.mark.parametrize(
    ("token_args", "settings_args", "status"),
    [
        ({}, {}, 200),
        ({"iat_offset_s": None}, {}, 401),  # no iat
        ({"iat_offset_s": 600}, {}, 401),  # issued in the future
        ({"exp_in_s": 7200}, {}, 401),  # lives longer than the default maximum (3600 s)
        ({"exp_in_s": 300, "iat_offset_s": -3000}, {}, 200),  # 3300 s lifetime, still valid
        ({"exp_in_s": 900}, {"jwt_max_lifetime_s": 600}, 401),
        ({"exp_in_s": 500}, {"jwt_max_lifetime_s": 600}, 200),
    ],
    ids=["fine", "no-iat", "iat-in-future", "too-long", "old-but-short", "configured-max", "within-max"],
)
def test_tokens_need_iat_and_a_bounded_lifetime(token_args, settings_args, status):
    api = unit_app(unit_settings(**settings_args))
    response = api.client.post("/v1/classify", json=NOTE, headers=bearer(make_token(**token_args)))
    assert response.status_code == status, response.text


def test_jwks_url_must_be_https_unless_http_is_allowed_explicitly():
    for url in ("http://idp.hospital.example/jwks", "file:///etc/jwks.json", "ftp://idp/jwks"):
        with pytest.raises(AuthConfigError, match="https"):
            TokenVerifier(unit_settings(jwt_jwks_url=url))
    assert TokenVerifier(unit_settings(jwt_jwks_url="https://idp.hospital.example/jwks")).mode == "jwks-url"
    assert TokenVerifier(unit_settings(jwt_jwks_url="http://127.0.0.1:1/jwks", jwt_jwks_allow_http=True)).mode \
        == "jwks-url"
    with pytest.raises(AuthConfigError):
        TokenVerifier(unit_settings(jwt_jwks_url="file:///etc/jwks.json", jwt_jwks_allow_http=True))


# --- production mode: asymmetric keys from a JWKS ----------------------------------------------------


def _jwk(public_key, kid: str, alg: str) -> dict:
    jwk = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(public_key))
    return jwk | {"kid": kid, "alg": alg, "use": "sig"}


@pytest.fixture(scope="module")
def keys():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = {"keys": [_jwk(rsa_key.public_key(), "rsa-1", "RS256"), _jwk(ec_key.public_key(), "ec-1", "ES256")]}
    return {"rsa": rsa_key, "ec": ec_key, "other_rsa": other_rsa, "jwks": jwks}


@pytest.fixture()
def jwks_file(tmp_path: Path, keys) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(keys["jwks"]))
    return path


class JwksServer:
    """A real HTTP server on loopback serving a JWKS; `mode` makes it misbehave, `stop()` takes it down."""

    BODIES = {
        "garbage": (200, b"<html>gateway error</html>"),
        "not-an-object": (200, b"[1, 2, 3]"),
        "no-keys": (200, b'{"keys": []}'),
        "http-500": (500, b"{}"),
    }

    def __init__(self, jwks: dict) -> None:
        self.mode = "ok"  # ok | slow | one of BODIES
        self.fetches = 0
        self.released = threading.Event()  # a slow answer waits for this (or a minute)
        server_self = self
        body = json.dumps(jwks).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server API)
                server_self.fetches += 1
                if server_self.mode == "slow":
                    server_self.released.wait(60)  # far beyond the verifier's fetch deadline
                status, payload = server_self.BODIES.get(server_self.mode, (200, body))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"

    def stop(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture()
def jwks_server(keys):
    server = JwksServer(keys["jwks"])
    yield server
    server.stop()


@pytest.fixture()
def jwks_url(jwks_server):
    return jwks_server.url


def _asymmetric_cases(keys):
    return {
        "rs256": (make_token(secret=keys["rsa"], algorithm="RS256", headers={"kid": "rsa-1"}), 200),
        "es256": (make_token(secret=keys["ec"], algorithm="ES256", headers={"kid": "ec-1"}), 200),
        "unknown-key": (make_token(secret=keys["other_rsa"], algorithm="RS256", headers={"kid": "rsa-1"}), 401),
        "unknown-kid": (make_token(secret=keys["rsa"], algorithm="RS256", headers={"kid": "nope"}), 401),
        "expired": (make_token(secret=keys["rsa"], algorithm="RS256", headers={"kid": "rsa-1"}, exp_in_s=-600), 401),
        "wrong-audience": (
            make_token(secret=keys["rsa"], algorithm="RS256", headers={"kid": "rsa-1"}, audience="x"),
            401,
        ),
        # A dev secret must not open production: HS256 is never accepted once a JWKS is configured.
        "hs256-downgrade": (make_token(), 401),
        "missing-scope": (make_token(secret=keys["ec"], algorithm="ES256", headers={"kid": "ec-1"}, scopes=()), 403),
    }


@pytest.mark.parametrize("source", ["file", "url"])
def test_jwks_modes(source, keys, request):
    if source == "file":
        settings = unit_settings(jwt_jwks_file=request.getfixturevalue("jwks_file"))
    else:
        settings = unit_settings(jwt_jwks_url=request.getfixturevalue("jwks_url"), jwt_jwks_allow_http=True)
    api = unit_app(settings)
    assert api.app.state.token_verifier.mode == f"jwks-{source}"
    outcomes = {
        name: api.client.post("/v1/classify", json=NOTE, headers=bearer(token)).status_code
        for name, (token, _) in _asymmetric_cases(keys).items()
    }
    assert outcomes == {name: expected for name, (_, expected) in _asymmetric_cases(keys).items()}


def test_token_command_prints_only_a_verifiable_token(tmp_path):
    """`medflow api token` (the real CLI) prints one token on stdout, accepted by the app with its scopes."""
    medflow = str(Path(sys.executable).parent / "medflow")
    env = dict(os.environ) | {
        "MEDFLOW_JWT_SECRET": SECRET,
        "MEDFLOW_JWT_ISSUER": ISSUER,
        "MEDFLOW_JWT_AUDIENCE": AUDIENCE,
    }
    command = [medflow, "api", "token", "--scope", "classify", "--scope", "classify:deid-text", "--subject", "dr-who"]
    run = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert run.returncode == 0, run.stderr
    token = run.stdout.strip()
    assert run.stdout == token + "\n" and token.count(".") == 2
    api = unit_app()
    response = api.client.post("/v1/classify", json={"text": "Zebulon Quigglesworth"}, headers=bearer(token))
    assert response.status_code == 200
    assert response.json()["deid_text"] == "[NAME]"
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "dr-who"

    env.pop("MEDFLOW_JWT_SECRET")
    missing = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert missing.returncode == 2
    assert missing.stdout == ""
    assert "MEDFLOW_JWT_SECRET" in missing.stderr


# --- JWKS outage: the identity provider is down, the token is not necessarily bad --------------------


def _rs256_token(keys, kid: str = "rsa-1") -> str:
    return make_token(secret=keys["rsa"], algorithm="RS256", headers={"kid": kid})


@pytest.mark.parametrize("outage", ["stopped", "slow", *JwksServer.BODIES])
def test_jwks_outage_is_503_with_retry_after_not_401(outage, keys, jwks_server, caplog):
    caplog.set_level(logging.DEBUG)
    api = unit_app(unit_settings(jwt_jwks_url=jwks_server.url, jwt_jwks_allow_http=True, jwt_jwks_timeout_s=0.5))
    if outage == "stopped":
        jwks_server.stop()
    else:
        jwks_server.mode = outage
    token = _rs256_token(keys)
    with captured_audit() as audit_lines:
        started = time.monotonic()
        response = api.client.post("/v1/classify", json=NOTE, headers=bearer(token))
        elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "7"
    assert response.json() == {
        "detail": "token verification unavailable, retry later",
        "request_id": response.headers["X-Request-ID"],
    }
    assert "WWW-Authenticate" not in response.headers, "a 503 must not tell the client its token is bad"
    assert elapsed < 30, "the JWKS fetch is bounded by its deadline (0.5 s), not the server's minute-long stall"
    assert api.classifier.seen_texts == []
    (audit,) = audit_lines()
    assert (audit["status"], audit["subject"], audit["route"]) == (503, None, "/v1/classify")
    assert any("cannot verify token: JWKS fetch failed" in r.getMessage() for r in caplog.records)
    exported = "\n".join(
        [response.text, json.dumps(dict(response.headers)), json.dumps(audit)]
        + [r.getMessage() + (r.exc_text or "") for r in caplog.records]
    )
    for part in token.split("."):
        assert part not in exported
    assert jwks_server.url not in exported  # the fetch error's message (it quotes the URL) is dropped


class _Clock:
    """The monotonic clock of `api.jwks`, moved by the test: windows pass when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_jwks_outage_fails_fast_then_recovers_and_cached_keys_ride_out_an_outage(keys, jwks_server, monkeypatch):
    """One slow fetch per back-off window (not one per request); a fetched set keeps serving during an
    outage until it expires; an unknown kid against a reachable JWKS stays 401."""
    import api.jwks

    clock = _Clock()
    monkeypatch.setattr(api.jwks, "time", clock)
    settings = unit_settings(
        jwt_jwks_url=jwks_server.url, jwt_jwks_allow_http=True, jwt_jwks_timeout_s=0.5, api_retry_after_s=5
    )
    api_app = unit_app(settings)
    token = bearer(_rs256_token(keys))
    jwks_server.mode = "slow"
    assert api_app.client.post("/v1/classify", json=NOTE, headers=token).status_code == 503
    clock.now += 4.9
    assert api_app.client.post("/v1/classify", json=NOTE, headers=token).status_code == 503
    assert jwks_server.fetches == 1, "within the back-off window the JWKS is not asked again"

    jwks_server.mode = "ok"
    clock.now += 0.2  # the back-off window (Retry-After) has passed
    assert api_app.client.post("/v1/classify", json=NOTE, headers=token).status_code == 200
    unknown_kid = bearer(_rs256_token(keys, kid="rotated-away"))
    assert api_app.client.post("/v1/classify", json=NOTE, headers=unknown_kid).status_code == 401

    jwks_server.stop()  # the cached set (fetched < MEDFLOW_JWT_JWKS_CACHE_S ago) still verifies
    assert api_app.client.post("/v1/classify", json=NOTE, headers=token).status_code == 200
