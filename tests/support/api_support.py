"""Helpers for the API tests: token minting, and fakes of the de-identifier and the model backend
(unit tests only; the integration tests run the real engine and the real Triton)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.audit import AUDIT_LOGGER
from api.routes import get_service
from api.service import BackendUnavailable, ClassifyService
from deid.outcomes import DeidIncomplete
from inference.classify import Prediction
from inference.local_process import free_port, stop_process
from medflow.settings import Settings

SECRET = "unit-test-secret-0123456789abcdef0123456789"
ISSUER = "medflow"
AUDIENCE = "medflow-api"

# A note with this word is one whose de-identification the fake de-identifier does not complete.
FAKE_INCOMPLETE_MARKER = "UNFINISHABLE"
FAKE_UNSUPPORTED_MARKER = "UNREADABLE-SCRIPT"
FAKE_FOREIGN_MARKER = "UNSUPPORTED-LANGUAGE"
# Known synthetic PHI strings (canaries) and the label the fake de-identifier gives them.
CANARY_PHI = {
    "Zebulon Quigglesworth": "NAME",
    "078-05-1120": "SSN",
    "zq.canary@example.org": "EMAIL",
    "MRN 99817263": "MRN",
    "(555) 867-5309": "PHONE",
}


def make_token(
    *,
    scopes: Sequence[str] = ("classify",),
    secret: str = SECRET,
    algorithm: str = "HS256",
    subject: str | None = "unit-test-client",
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
    exp_in_s: int = 300,
    headers: dict[str, Any] | None = None,
    iat_offset_s: int | None = 0,
) -> str:
    """A signed token; `iat_offset_s` moves its issue time (None: no `iat` claim)."""
    now = int(time.time())
    claims: dict[str, Any] = {"iss": issuer, "aud": audience, "exp": now + exp_in_s}
    if iat_offset_s is not None:
        claims["iat"] = now + iat_offset_s
    if subject is not None:
        claims["sub"] = subject
    if scopes:
        claims["scope"] = " ".join(scopes)
    return jwt.encode(claims, secret, algorithm=algorithm, headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def captured_audit() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Audit records as parsed JSON (the audit logger does not propagate to application logs)."""
    stream = io.StringIO()
    logger = logging.getLogger(AUDIT_LOGGER)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.handlers[0].formatter)
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


@dataclass(frozen=True)
class FakeDeidResult:
    text: str
    entity_counts: dict[str, int]


@dataclass
class FakeDeidentifier:
    """Replaces the canary strings with `[LABEL]` (a stand-in for Presidio in unit tests)."""

    phi: dict[str, str] = field(default_factory=lambda: dict(CANARY_PHI))
    calls: int = 0
    seconds_per_call: float = 0.0  # a slow engine (CPU-bound work in a thread)

    def deidentify(
        self, texts: Sequence[str], patient_ids: Sequence[str | None]
    ) -> list[FakeDeidResult | DeidIncomplete]:
        self.calls += 1
        time.sleep(self.seconds_per_call)
        results: list[FakeDeidResult | DeidIncomplete] = []
        for text in texts:
            if FAKE_INCOMPLETE_MARKER in text:
                results.append(DeidIncomplete("timeout"))
                continue
            if FAKE_UNSUPPORTED_MARKER in text:
                results.append(DeidIncomplete(DeidIncomplete.UNSUPPORTED_SCRIPT))
                continue
            if FAKE_FOREIGN_MARKER in text:
                results.append(DeidIncomplete(DeidIncomplete.UNSUPPORTED_LANGUAGE))
                continue
            counts: dict[str, int] = {}
            for value, label in self.phi.items():
                n = text.count(value)
                if n:
                    text = text.replace(value, f"[{label}]")
                    counts[label] = counts.get(label, 0) + n
            results.append(FakeDeidResult(text, counts))
        return results


@dataclass
class FakeClassifier:
    """Records what would reach Triton. Label: whether the text mentions pain (a rule, so results vary)."""

    mode: str = "ok"  # ok | unavailable | hang | crash
    gate: threading.Event | None = None  # a slow (but working) model server: calls wait until it is set
    ready: bool = True
    seen_texts: list[str] = field(default_factory=list)
    model_name: str = "fake-model"
    model_version: str = "7"

    async def classify(self, texts: Sequence[str]) -> list[Prediction]:
        self.seen_texts.extend(texts)
        while self.gate is not None and not self.gate.is_set():
            await asyncio.sleep(0.01)
        if self.mode == "unavailable":
            raise BackendUnavailable("Triton inference failed: StatusCode.UNAVAILABLE")
        if self.mode == "hang":
            await asyncio.sleep(3600)
        if self.mode == "crash":
            # A careless library error that quotes its input: must not reach logs or responses.
            raise RuntimeError(f"cannot handle input {texts[0]!r}")
        return [self._prediction(t) for t in texts]

    @staticmethod
    def _prediction(text: str) -> Prediction:
        label = "PAIN" if re.search(r"\bpain\b", text) else "OTHER"
        # A second label above its threshold for a note that also mentions a fever (multi-label, best first).
        labels = ((label, 0.75), ("FEVER", 0.6)) if re.search(r"\bfever\b", text) else ((label, 0.75),)
        return Prediction(label, 0.75, 1, len(text.split()) + 2, labels)

    async def is_ready(self) -> bool:
        if self.mode == "hang":
            await asyncio.sleep(3600)
        return self.ready

    async def close(self) -> None:
        pass


def unit_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "jwt_secret": SECRET,
        "jwt_dev_hs256": True,
        "jwt_issuer": ISSUER,
        "jwt_audience": AUDIENCE,
        "api_triton_timeout_s": 0.3,
        "api_ready_timeout_s": 0.3,
        "api_retry_after_s": 7,
        "api_max_text_chars": 500,
        "api_max_batch_notes": 4,
        "api_max_body_bytes": 8_000,
        "api_deid_inline_max_chars": 100,
        "api_trusted_hosts": "testserver,127.0.0.1,localhost",  # TestClient's Host, loopback
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


@dataclass
class UnitApp:
    app: FastAPI
    client: TestClient
    deid: FakeDeidentifier
    classifier: FakeClassifier


def unit_app(settings: Settings | None = None) -> UnitApp:
    """The real app (auth, limits, middleware, routes, service) with fake backends; no lifespan."""
    settings = settings or unit_settings()
    app = create_app(settings)
    deid, classifier = FakeDeidentifier(), FakeClassifier()
    service = ClassifyService.configured(deid, classifier, app.state.metrics, settings)
    app.dependency_overrides[get_service] = lambda: service
    return UnitApp(app, TestClient(app, raise_server_exceptions=False), deid, classifier)


@contextmanager
def serve_on_loopback(app: FastAPI, settings: Settings | None = None) -> Iterator[str]:
    """`app` under a real uvicorn in a thread, configured as `medflow api` serves it (`settings`, default
    `unit_settings()`), yielding its URL (lifespan off: the unit fakes are the backends)."""
    import uvicorn

    from api.server import server_config

    port = free_port()
    config = server_config(
        app, settings or unit_settings(), host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class ApiServer:
    """`medflow api` in a subprocess (real uvicorn, real engine), on a free port, logs captured to files."""

    def __init__(self, work_dir: Path, *, triton_url: str, model_repository: Path, **settings: object) -> None:
        self.work_dir = work_dir
        self.triton_url = triton_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.audit_path = work_dir / "audit.jsonl"
        self.stdout_path = work_dir / "api.stdout.log"
        self.stderr_path = work_dir / "api.stderr.log"
        self.env = dict(os.environ) | {
            "MEDFLOW_JWT_SECRET": SECRET,
            "MEDFLOW_JWT_DEV_HS256": "true",
            "MEDFLOW_JWT_ISSUER": ISSUER,
            "MEDFLOW_JWT_AUDIENCE": AUDIENCE,
            "MEDFLOW_MODEL_REPOSITORY": str(model_repository),
            "MEDFLOW_API_AUDIT_LOG_FILE": str(self.audit_path),
        }
        self.env |= {f"MEDFLOW_{k.upper()}": str(v) for k, v in settings.items()}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 120.0) -> ApiServer:
        command = [str(Path(sys.executable).parent / "medflow"), "api", "--port", str(self.port)]
        command += ["--triton-url", self.triton_url]
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            self.process = subprocess.Popen(
                command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=self.env, cwd=self.work_dir
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"medflow api exited with {self.process.returncode}:\n{self.logs()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"medflow api not healthy after {timeout_s} s:\n{self.logs()[-3000:]}")

    def stop(self, timeout_s: float = 30.0) -> int | None:
        """SIGTERM (uvicorn drains in-flight requests), SIGKILL if it does not exit in time."""
        process, self.process = self.process, None
        return None if process is None else stop_process(process, timeout_s)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in (self.stdout_path, self.stderr_path) if p.exists())

    def audit_records(self) -> list[dict[str, Any]]:
        if not self.audit_path.exists():
            return []
        return [json.loads(line) for line in self.audit_path.read_text().splitlines()]

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
