"""The real gateway: `medflow api` under uvicorn, the real Presidio engine, the real embedded Triton."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from api_support import SECRET, ApiServer, bearer, make_token
from label_checks import assert_labels_above_thresholds

from inference.model_files import latest_version_dir, load_model_info
from inference.triton_client import TritonInferenceError
from medflow.model_wiring import TritonClientConfig, async_triton_client
from medflow.settings import Settings

# Synthetic PHI in contexts the engine recognises; the literal strings are the canaries.
CANARIES = ["Zebulon Quigglesworth", "078-05-1120", "zq.canary@example.org", "99817263", "(555) 867-5309"]
PHI_NOTE = (
    "Mr. Zebulon Quigglesworth (SSN 078-05-1120, MRN 99817263) called from (555) 867-5309, "
    "email zq.canary@example.org, about chest pain and shortness of breath."
)
CLASSIFY = bearer(make_token())
JSON_LINES_CHECK = "6f1d2c3e-0a4b-4c5d-9e8f-7a6b5c4d3e2f"
DEID_TEXT = bearer(make_token(scopes=["classify", "classify:deid-text"]))


@pytest.fixture(scope="module")
def api(embedded_triton, tiny_model_repo: Path, tmp_path_factory):
    with ApiServer(
        tmp_path_factory.mktemp("api"),
        triton_url=embedded_triton.grpc_url,
        model_repository=tiny_model_repo,
        api_max_text_chars=4000,  # small limits keep the schema fuzzer's boundary cases fast
        api_max_batch_notes=4,
        log_format="json",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def model_info(tiny_model_repo: Path):
    return load_model_info(latest_version_dir(tiny_model_repo / "distilbert"))


def test_classify_end_to_end(api, model_info):
    assert httpx.get(f"{api.url}/readyz", timeout=10).status_code == 200
    response = httpx.post(f"{api.url}/v1/classify", json={"text": PHI_NOTE}, headers=DEID_TEXT, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["label"] in model_info.labels
    assert 1 / len(model_info.labels) <= body["score"] <= 1
    assert_labels_above_thresholds(body["labels"], body["label"], body["score"], model_info)
    assert (body["model_name"], body["model_version"]) == (model_info.model_name, model_info.model_version)
    assert body["entity_counts"] == {"NAME": 1, "SSN": 1, "MRN": 1, "PHONE": 1, "EMAIL": 1}
    assert "chest pain" in body["deid_text"]
    for canary in CANARIES:
        assert canary not in body["deid_text"]


@pytest.mark.parametrize(
    "note",
    [
        "Patient wurde am 3. Februar 2024 im Klinikum Rechts der Isar aufgenommen, klagt über Atemnot und Fieber.",
        "La paciente ingresó el 9 de junio de 2023 en el Hospital Universitario La Paz con dolor torácico.",
    ],
)
def test_notes_in_another_language_are_refused_without_echo(api, note: str):
    """The issue's German and Spanish notes: the real engine's language gate withholds them (422)."""
    response = httpx.post(f"{api.url}/v1/classify", json={"text": note}, headers=DEID_TEXT, timeout=30)
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == "note is in a language de-identification does not support"
    assert "Klinikum" not in response.text and "Universitario" not in response.text


def test_batch_matches_single_calls(api):
    notes = ["Knee pain after a fall.", PHI_NOTE, "Routine follow up, no complaints today."]
    batch = httpx.post(
        f"{api.url}/v1/classify/batch", json={"notes": [{"text": t} for t in notes]}, headers=CLASSIFY, timeout=30
    )
    assert batch.status_code == 200, batch.text
    singles = [
        httpx.post(f"{api.url}/v1/classify", json={"text": t}, headers=CLASSIFY, timeout=30).json() for t in notes
    ]
    for from_batch, single in zip(batch.json()["results"], singles, strict=True):
        assert from_batch["label"] == single["label"]
        assert from_batch["score"] == pytest.approx(single["score"], abs=1e-5)
        assert [e["label"] for e in from_batch["labels"]] == [e["label"] for e in single["labels"]]
        assert from_batch["entity_counts"] == single["entity_counts"]
        assert "deid_text" not in from_batch


def test_auth_enforced_by_the_served_app(api):
    assert httpx.post(f"{api.url}/v1/classify", json={"text": "x"}, timeout=10).status_code == 401
    expired = bearer(make_token(exp_in_s=-3600))
    assert httpx.post(f"{api.url}/v1/classify", json={"text": "x"}, headers=expired, timeout=10).status_code == 401
    no_scope = bearer(make_token(scopes=["classify:deid-text"]))
    assert httpx.post(f"{api.url}/v1/classify", json={"text": "x"}, headers=no_scope, timeout=10).status_code == 403


def test_metrics_expose_triton_latency_and_entities(api):
    httpx.post(f"{api.url}/v1/classify", json={"text": PHI_NOTE}, headers=CLASSIFY, timeout=30)
    text = httpx.get(f"{api.url}/metrics", timeout=10).text
    lines = text.splitlines()
    triton_ok = [ln for ln in lines if ln.startswith('medflow_triton_request_duration_seconds_count{outcome="ok"}')]
    assert triton_ok and float(triton_ok[0].split()[-1]) >= 1
    ssn = [ln for ln in lines if ln.startswith('medflow_deid_entities_total{label="SSN"}')]
    assert ssn and float(ssn[0].split()[-1]) >= 1
    assert any(ln.startswith("medflow_http_request_duration_seconds_bucket") for ln in lines)
    # The standard process and Python runtime collectors, on the gateway's own registry.
    assert _value(lines, "process_resident_memory_bytes") > 0
    assert _value(lines, "process_cpu_seconds_total") > 0
    assert _value(lines, "process_open_fds") > 0
    assert _value(lines, "process_start_time_seconds") > 0
    assert any(ln.startswith('python_gc_collections_total{generation="0"}') for ln in lines)
    assert any(ln.startswith("python_gc_objects_collected_total") for ln in lines)
    assert any(ln.startswith('python_info{implementation="CPython"') for ln in lines)


def _value(lines: list[str], name: str) -> float:
    (line,) = [ln for ln in lines if ln.startswith(f"{name} ")]
    return float(line.split()[-1])


def test_schemathesis_fuzz_of_own_openapi_schema(api, tmp_path):
    """Bounded property-based run of every operation (valid and invalid inputs): no 5xx, responses and
    status codes as documented, auth not ignored, valid data accepted and invalid data rejected."""
    token = make_token(scopes=["classify", "classify:deid-text"], exp_in_s=3600)
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"{api.url}/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--checks", "all",
        "--max-examples", "40",
        "--seed", "20240601",
        "--workers", "1",
        "--request-timeout", "30",
        "--generation-database", "none",
        "--no-color",
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert generated, run.stdout[-2000:]
    assert int(generated[1]) >= 100 and generated[1] == generated[2]
    assert "Operations:       5 selected / 5 total" in run.stdout


def test_every_server_log_line_is_a_json_object_with_time_level_logger_and_request_id(api):
    """Start-up included: uvicorn's records, the application's and the audit, all through one format."""
    headers = bearer("not-a-jwt") | {"X-Request-ID": JSON_LINES_CHECK}
    httpx.post(f"{api.url}/v1/classify", json={"text": "x"}, headers=headers, timeout=10)
    # The audit record of a request is written after its response has been sent: wait for this one's.
    deadline = time.monotonic() + 60
    while not any(r["client_request_id"] == JSON_LINES_CHECK for r in api.audit_records()):
        assert time.monotonic() < deadline, "no audit record of the last request"
        time.sleep(0.05)
    lines = [line for line in api.logs().splitlines() if line.strip()]
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON log line: {line[:200]!r}")
    assert all({"time", "level", "logger", "message", "request_id"} <= set(p) for p in parsed)
    startup = [p for p in parsed if p["message"] == "Application startup complete."]
    assert [(p["logger"], p["level"], p["request_id"]) for p in startup] == [("uvicorn.error", "INFO", None)]
    # INFO records of the application (a rejected token) are kept and carry the request's id, the same
    # id as the request's audit record.
    rejected = [p for p in parsed if p["logger"] == "api.auth" and p["message"].startswith("rejected token")]
    audited_401 = {r["request_id"] for r in api.audit_records() if r["status"] == 401}
    assert rejected and all(p["level"] == "INFO" and p["request_id"] in audited_401 for p in rejected)
    for record in api.audit_records():
        assert (record["logger"], record["level"], record["message"]) == ("medflow.audit", "INFO", "audit")
        assert {"time", "request_id", "status", "route"} <= set(record)


def test_canary_phi_absent_from_server_logs_and_audit(api):
    """Runs last in this module: everything the server wrote so far must be free of PHI and tokens."""
    bad_inputs = [
        {"text": [PHI_NOTE]},
        {"text": PHI_NOTE, PHI_NOTE: True},
        {"text": PHI_NOTE * 500},
        {"notes": PHI_NOTE},
    ]
    for payload in bad_inputs:
        for route in ("/v1/classify", "/v1/classify/batch"):
            response = httpx.post(f"{api.url}{route}", json=payload, headers=DEID_TEXT, timeout=30)
            assert response.status_code in (413, 422)
            for canary in CANARIES:
                assert canary not in response.text
    httpx.post(f"{api.url}/v1/classify?note={PHI_NOTE}", json={"text": PHI_NOTE}, headers=CLASSIFY, timeout=30)
    records = api.audit_records()
    assert len(records) >= 10
    assert {r["subject"] for r in records} == {"unit-test-client", None}
    exported = api.logs() + api.audit_path.read_text()
    assert "Application startup complete" in exported, "the server log must have been captured"
    for secret in [*CANARIES, SECRET, CLASSIFY["Authorization"][7:], DEID_TEXT["Authorization"][7:]]:
        assert secret not in exported


# --- faults -----------------------------------------------------------------------------------------


@pytest.fixture()
def silent_server():
    """A TCP listener that accepts connections and never answers: a hung model server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_forever():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def _assert_503_bounded(url: str, headers: dict[str, str]) -> None:
    started = time.monotonic()
    response = httpx.post(f"{url}/v1/classify", json={"text": "chest pain"}, headers=headers, timeout=60)
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "3"
    assert response.json()["request_id"] == response.headers["X-Request-ID"]
    # Never a hang: the answer comes well within the client's own 60 s patience (deadline is 1 s).
    assert time.monotonic() - started < 30
    ready = httpx.get(f"{url}/readyz", timeout=60)
    assert ready.status_code == 503
    assert ready.headers["Retry-After"] == "3"


def test_hung_triton_gives_503_within_deadline(silent_server, tiny_model_repo, tmp_path):
    with ApiServer(
        tmp_path,
        triton_url=silent_server,
        model_repository=tiny_model_repo,
        api_triton_timeout_s=1.0,
        api_ready_timeout_s=1.0,
        api_retry_after_s=3,
    ) as server:
        _assert_503_bounded(server.url, CLASSIFY)


def test_realtime_triton_window_is_the_admission_limit(silent_server):
    """16 concurrent callers against a hung Triton all reach their deadline together: none waits behind
    the batch flow's window (`inflight_requests`, 4), which would end them in 4 waves a deadline apart.
    Compared: when the calls end, not how long the machine took to start them."""
    timeout_s = 2.0
    settings = Settings(
        _env_file=None, triton_url=silent_server, api_triton_timeout_s=timeout_s, api_max_concurrency=16,
        inflight_requests=4,
    )

    async def sixteen_calls() -> list[tuple[float, object]]:
        client = async_triton_client(TritonClientConfig.for_realtime(settings), pad_id=0)

        async def call() -> tuple[float, object]:
            try:
                result: object = await client.infer_logits([np.ones(8, dtype=np.int64)])
            except TritonInferenceError as exc:
                result = exc
            return time.monotonic(), result

        try:
            return await asyncio.gather(*(call() for _ in range(16)))
        finally:
            await client.close()

    ended = asyncio.run(sixteen_calls())
    assert all(isinstance(result, TritonInferenceError) for _, result in ended), ended
    spread = max(t for t, _ in ended) - min(t for t, _ in ended)
    assert spread < timeout_s, f"calls ended over {spread:.1f} s: they were serialized"


def test_triton_stopped_then_restarted(tiny_model_repo, tmp_path):
    """A real Triton serving, stopped (503 + Retry-After, not ready), started again (recovers)."""
    from inference.triton_server import EmbeddedTriton

    triton = EmbeddedTriton(tiny_model_repo / "distilbert", precision="fp32", grpc_port=0, http_port=0, metrics_port=0)
    triton.start()
    try:
        with ApiServer(
            tmp_path,
            triton_url=triton.grpc_url,
            model_repository=tiny_model_repo,
            api_triton_timeout_s=1.0,
            api_ready_timeout_s=1.0,
            api_retry_after_s=3,
        ) as server:
            ok = httpx.post(f"{server.url}/v1/classify", json={"text": PHI_NOTE}, headers=CLASSIFY, timeout=30)
            assert ok.status_code == 200, ok.text
            triton.stop()
            _assert_503_bounded(server.url, CLASSIFY)
            triton.start()
            deadline = time.monotonic() + 60
            while httpx.get(f"{server.url}/readyz", timeout=30).status_code != 200:
                assert time.monotonic() < deadline, "gateway did not see Triton come back"
                time.sleep(0.5)
            again = httpx.post(f"{server.url}/v1/classify", json={"text": PHI_NOTE}, headers=CLASSIFY, timeout=30)
            assert again.status_code == 200
            assert again.json()["label"] == ok.json()["label"]
    finally:
        triton.stop()


def test_sigterm_drains_in_flight_request(embedded_triton, tiny_model_repo, tmp_path):
    """A slow request (a batch of long notes: de-identification takes seconds) started before SIGTERM
    still gets its answer, and the server then exits cleanly."""
    server = ApiServer(
        tmp_path, triton_url=embedded_triton.grpc_url, model_repository=tiny_model_repo, api_request_deadline_s=120
    ).start()  # a deadline far beyond the drain: this test is about the drain
    long_note = " ".join([PHI_NOTE] * 20)  # about 3,000 characters
    notes = {"notes": [{"text": long_note}] * 12}
    result: dict[str, httpx.Response] = {}

    def send():
        result["response"] = httpx.post(f"{server.url}/v1/classify/batch", json=notes, headers=CLASSIFY, timeout=120)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        deadline = time.monotonic() + 30
        while not _in_flight(server):  # wait until the request is inside the app
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        sender.join(timeout=120)
        assert result["response"].status_code == 200
        assert len(result["response"].json()["results"]) == 12
        # uvicorn re-raises the signal once shut down: "terminated by SIGTERM" after a clean drain.
        assert server.process.wait(timeout=60) == -signal.SIGTERM
    finally:
        server.stop()
    logs = server.logs()
    assert "Application shutdown complete" in logs  # lifespan ran: the gRPC client was closed
    assert "Finished server process" in logs


def _in_flight(server: ApiServer) -> bool:
    """True once a request other than this /metrics scrape is being processed."""
    try:
        metrics = httpx.get(f"{server.url}/metrics", timeout=5).text
    except httpx.TransportError:
        return False
    (gauge,) = [ln for ln in metrics.splitlines() if ln.startswith("medflow_http_requests_in_flight ")]
    return float(gauge.split()[-1]) >= 2
