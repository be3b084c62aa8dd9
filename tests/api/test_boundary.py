"""The PHI boundary against a hostile client (issue 24), against `medflow api` itself: real uvicorn on
loopback, the real engine, the real embedded Triton. HTTP framing cases use raw sockets."""

from __future__ import annotations

import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import jwt
import pytest
from api_support import AUDIENCE, ISSUER, SECRET, ApiServer, bearer, make_token

CLASSIFY = bearer(make_token())
NOTE = json.dumps({"text": "Knee pain after a fall."}).encode()
PHI_IDS = ["512-44-9021.Zebulon_Quartermaine", "078-05-1120", "Quigglesworth_Zebulon", "MRN99817263"]
PHI_FRAGMENTS = ["512-44-9021", "Zebulon", "Quartermaine", "078-05-1120", "Quigglesworth", "99817263"]


@pytest.fixture(scope="module")
def api(embedded_triton, tiny_model_repo: Path, tmp_path_factory):
    with ApiServer(
        tmp_path_factory.mktemp("boundary"),
        triton_url=embedded_triton.grpc_url,
        model_repository=tiny_model_repo,
        api_body_read_timeout_s=5,
        api_max_headers=40,
        api_max_header_bytes=8192,
        log_format="json",
    ) as server:
        yield server


def _exchange(port: int, payload: bytes, *, wait_s: float = 30) -> tuple[bytes, float, bool]:
    """Send raw bytes; read until the server closes or `wait_s` passes. Returns what came back, when the
    first byte came (seconds after sending), and whether the server closed the connection."""
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.settimeout(0.2)
        try:
            conn.sendall(payload)
        except OSError:  # the server refused the head and closed while the rest was being sent
            pass
        sent = time.monotonic()
        received, first = b"", float("inf")
        deadline = sent + wait_s
        while time.monotonic() < deadline:
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            except ConnectionResetError:
                return received, first, True
            if not chunk:
                return received, first, True
            first = min(first, time.monotonic() - sent)
            received += chunk
        return received, first, False


def _statuses(raw: bytes) -> list[int]:
    return [int(line.split()[1]) for line in raw.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]


def _head(path: str = "/v1/classify", host: str = "127.0.0.1", extra: str = "") -> str:
    return f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra}"


def _audits_settled(api: ApiServer, count: int) -> list[dict]:
    """The audit records once there are at least `count` (each is written after its response)."""
    deadline = time.monotonic() + 60
    while len(records := api.audit_records()) < count:
        assert time.monotonic() < deadline, f"{len(records)} audit records, expected {count}"
        time.sleep(0.05)
    return records


def test_anonymous_slow_body_gets_401_at_once_and_is_closed(api):
    """Declares 2 MB, sends 10 bytes, no token: answered 401 within 2 s and disconnected."""
    payload = (_head(extra="Content-Length: 2097152\r\n\r\n") + '{"text": "').encode()
    raw, first_byte_s, closed = _exchange(api.port, payload, wait_s=10)
    assert _statuses(raw) == [401] and closed
    assert first_byte_s < 2.0
    assert b'www-authenticate: bearer realm="medflow"' in raw.lower()


def test_malformed_json_without_a_token_is_401_not_422(api):
    response = httpx.post(f"{api.url}/v1/classify", content=b'{"text": ', timeout=30)
    assert response.status_code == 401
    assert response.json() == {"detail": "bearer token required"}


def test_authenticated_slow_body_gets_408_and_is_closed(api):
    """With a token, a body trickling past the read deadline (5 s here) is cut off with 408."""
    auth = f"Authorization: {CLASSIFY['Authorization']}\r\n"
    payload = (_head(extra=f"{auth}Content-Length: 100\r\n\r\n") + '{"text": "').encode()
    raw, first_byte_s, closed = _exchange(api.port, payload, wait_s=30)
    assert _statuses(raw) == [408] and closed
    assert 5 <= first_byte_s


def test_both_framing_headers_get_one_400_and_the_smuggled_request_is_never_answered(api):
    auth = f"Authorization: {CLASSIFY['Authorization']}\r\n"
    smuggled = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    body = f"{len(NOTE):x}\r\n".encode() + NOTE + b"\r\n0\r\n\r\n" + smuggled.encode()
    head = _head(extra=f"{auth}Content-Length: {len(NOTE)}\r\nTransfer-Encoding: chunked\r\n\r\n")
    raw, _, closed = _exchange(api.port, head.encode() + body)
    assert _statuses(raw) == [400] and closed


@pytest.mark.parametrize(
    "headers",
    [
        "".join(f"X-Filler-{i}: {i}\r\n" for i in range(10_000)),
        "".join(f"X-Filler-{i}: {i}\r\n" for i in range(50)),  # under the byte cap (8 KB), past the count (40)
        "X-Large: " + "a" * 60_000 + "\r\n",
    ],
    ids=["10000-headers", "50-headers", "60KB-header"],
)
def test_header_count_and_size_are_capped(api, headers):
    raw, _, closed = _exchange(api.port, (_head(extra=headers) + "Content-Length: 2\r\n\r\n{}").encode())
    assert closed
    if len(headers) < 8192:
        assert _statuses(raw) == [431]
    else:
        # A head past the byte cap is refused by uvicorn's parser when it arrives in pieces (400), by the
        # gate when it arrives whole (431); a client still sending may see the reset before the answer.
        assert _statuses(raw) in ([400], [431], [])


def test_untrusted_host_is_refused_and_nothing_redirects(api):
    evil = httpx.post(f"{api.url}/v1/classify", json={"text": "x"}, headers=CLASSIFY | {"Host": "evil.example"})
    assert evil.status_code == 400 and evil.json() == {"detail": "invalid host header"}
    assert httpx.get(f"{api.url}/healthz", headers={"Host": "10.1.2.3:8080"}).status_code == 200  # probes
    slash = httpx.post(f"{api.url}/v1/classify/", json={"text": "x"}, headers=CLASSIFY, follow_redirects=False)
    assert slash.status_code in (401, 404) and "location" not in slash.headers


def test_a_string_iat_is_refused(api):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "s", "scope": "classify", "iat": str(now), "exp": now + 60}
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    response = httpx.post(f"{api.url}/v1/classify", json={"text": "x"}, headers=bearer(token), timeout=30)
    assert response.status_code == 401
    assert response.json()["detail"] == "token invalid"


def test_client_disconnect_is_recorded_as_499(api):
    before = len(api.audit_records())
    auth = f"Authorization: {CLASSIFY['Authorization']}\r\n"
    with socket.create_connection(("127.0.0.1", api.port)) as conn:
        conn.sendall((_head(extra=f"{auth}Content-Length: 100\r\n\r\n") + '{"text": "').encode())
        deadline = time.monotonic() + 30
        while _metric(api, "medflow_http_requests_in_flight ") < 2:  # the request is inside the app
            assert time.monotonic() < deadline
            time.sleep(0.05)
    (record,) = _audits_settled(api, before + 1)[before:]
    assert (record["status"], record["subject"]) == (499, "unit-test-client")
    assert _metric(api, 'medflow_http_requests_total{method="POST",route="/v1/classify",status="499"}') == 1
    assert 'status="500"' not in httpx.get(f"{api.url}/metrics").text


def test_phi_shaped_request_ids_never_reach_logs_or_audit(api):
    """Runs last in this module: every log line and audit record so far is searched."""
    kept = "0f8fad5b-d9cb-469f-a165-70867728950e"
    for client_id in [*PHI_IDS, kept]:
        response = httpx.post(
            f"{api.url}/v1/classify", json={"text": "Knee pain."}, headers=CLASSIFY | {"X-Request-ID": client_id}
        )
        assert response.status_code == 200, response.text
        assert client_id not in response.text + str(response.headers)
    records = _audits_settled(api, 1)
    deadline = time.monotonic() + 60
    while not any(r["client_request_id"] == kept for r in records):
        assert time.monotonic() < deadline, "no audit record of the request with a UUID id"
        records = api.audit_records()
        time.sleep(0.05)
    exported = api.logs() + api.audit_path.read_text()
    assert "Application startup complete" in exported, "the server log must have been captured"
    for fragment in PHI_FRAGMENTS:
        assert fragment not in exported, fragment
    assert [r["client_request_id"] for r in records[-5:]] == [None] * 4 + [kept]


def _metric(api: ApiServer, prefix: str) -> float:
    text = httpx.get(f"{api.url}/metrics", timeout=30).text
    lines = [ln for ln in text.splitlines() if ln.startswith(prefix)]
    return float(lines[0].split()[-1]) if lines else 0.0


def test_metrics_on_their_own_port(embedded_triton, tiny_model_repo: Path, tmp_path: Path):
    from inference.local_process import free_port

    metrics_port = free_port()
    with ApiServer(
        tmp_path, triton_url=embedded_triton.grpc_url, model_repository=tiny_model_repo, api_metrics_port=metrics_port
    ) as server:
        assert httpx.post(f"{server.url}/v1/classify", json={"text": "Knee pain."}, headers=CLASSIFY).status_code == 200
        scraped = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30)
        assert scraped.status_code == 200
        assert 'medflow_http_requests_total{method="POST",route="/v1/classify",status="200"} 1.0' in scraped.text
        assert httpx.get(f"{server.url}/metrics", timeout=30).status_code == 404


def test_admitted_batches_answer_or_503_within_the_deadline(embedded_triton, tiny_model_repo: Path, tmp_path: Path):
    """Many concurrent batches of 16 notes against a gateway with room for 32 notes: each request is
    answered 200 or 503, and the server's own latency of each (audit) is within its deadline + 1 s."""
    deadline_s = 4.0
    long_note = "Patient Zebulon Quigglesworth reports knee pain after a fall; seen on 3/4/2021. " * 10
    batch = {"notes": [{"text": long_note}] * 16}
    with ApiServer(
        tmp_path,
        triton_url=embedded_triton.grpc_url,
        model_repository=tiny_model_repo,
        api_request_deadline_s=deadline_s,
        api_max_concurrency=32,
        api_admission_wait_s=1.0,
        api_max_connections=512,
    ) as server:
        clients = 40
        with ThreadPoolExecutor(clients) as pool:
            responses = list(
                pool.map(
                    lambda _: httpx.post(f"{server.url}/v1/classify/batch", json=batch, headers=CLASSIFY, timeout=120),
                    range(clients),
                )
            )
        records = _audits_settled(server, clients)
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 503}, statuses
    assert 200 in statuses and 503 in statuses, statuses
    errors = {r.json()["detail"] for r in responses if r.status_code == 503}
    assert errors <= {"server busy, retry later", "request not done in time, retry later"}
    batches = [r for r in records if r["route"] == "/v1/classify/batch"]
    assert len(batches) == clients
    slowest_ms = max(r["latency_ms"] for r in batches)
    assert slowest_ms <= (deadline_s + 1) * 1000, f"slowest request took {slowest_ms:.0f} ms"
