"""Gateway behaviour with fake backends: limits, bad input, PHI hygiene (canary), faults, metrics, audit."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import httpx
import pytest
from api_support import (
    CANARY_PHI,
    FAKE_FOREIGN_MARKER,
    FAKE_UNSUPPORTED_MARKER,
    bearer,
    captured_audit,
    make_token,
    serve_on_loopback,
    unit_app,
    unit_settings,
)

CANARY_NOTE = (
    "Zebulon Quigglesworth (SSN 078-05-1120, MRN 99817263) called from (555) 867-5309, "
    "email zq.canary@example.org, about chest pain."
)


@pytest.fixture()
def api():
    return unit_app()


@pytest.fixture()
def token():
    return make_token()


@pytest.fixture()
def audit_lines():
    with captured_audit() as lines:
        yield lines


# --- happy path and response shape ------------------------------------------------------------------


def test_classify_returns_prediction_model_and_counts(api, token):
    response = api.client.post("/v1/classify", json={"text": CANARY_NOTE, "note_type": "triage"}, headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["label"] == "PAIN"
    assert body["labels"] == [{"label": "PAIN", "score": 0.75}]
    assert body["model_name"] == "fake-model"
    assert body["model_version"] == "7"
    assert body["entity_counts"] == {"NAME": 1, "SSN": 1, "MRN": 1, "PHONE": 1, "EMAIL": 1}
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_batch_keeps_order_and_per_note_counts(api, token):
    notes = [{"text": "no complaints today"}, {"text": CANARY_NOTE}, {"text": "knee pain after fall, fever"}]
    response = api.client.post("/v1/classify/batch", json={"notes": notes}, headers=bearer(token))
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["label"] for r in results] == ["OTHER", "PAIN", "PAIN"]
    assert [[e["label"] for e in r["labels"]] for r in results] == [["OTHER"], ["PAIN"], ["PAIN", "FEVER"]]
    assert [sum(r["entity_counts"].values()) for r in results] == [0, 5, 0]
    assert api.deid.calls == 3, "note by note: an expired deadline stops the work between notes"


def test_only_deidentified_text_reaches_the_model(api, token):
    api.client.post("/v1/classify", json={"text": CANARY_NOTE}, headers=bearer(token))
    long_note = (CANARY_NOTE + " ") * 3  # longer than the inline limit: de-identified in the threadpool
    api.client.post("/v1/classify", json={"text": long_note}, headers=bearer(token))
    assert len(api.classifier.seen_texts) == 2
    for seen in api.classifier.seen_texts:
        for phi in CANARY_PHI:
            assert phi not in seen
        assert "[NAME]" in seen


def test_request_id_is_the_servers_own_and_a_uuid_caller_id_is_kept_beside_it(api, token, audit_lines):
    callers = ["0F8FAD5B-D9CB-469F-A165-70867728950E", "512-44-9021.Zebulon_Quartermaine", "abc-123-def-456", None]
    responses = [
        api.client.post(
            "/v1/classify", json={"text": "ok"}, headers=bearer(token) | ({"X-Request-ID": c} if c else {})
        )
        for c in callers
    ]
    ids = [r.json()["request_id"] for r in responses]
    assert all(len(i) == 32 and i not in callers for i in ids) and len(set(ids)) == 4
    assert [r.headers["X-Request-ID"] for r in responses] == ids
    audits = audit_lines()
    assert [a["request_id"] for a in audits] == ids
    assert [a["client_request_id"] for a in audits] == ["0f8fad5b-d9cb-469f-a165-70867728950e", None, None, None]


# --- limits and bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"text": ""}, "at least 1 character"),
        ({"text": "   \n\t "}, "should match pattern"),
        ({"text": 12345}, "valid string"),
        ({"text": None}, "valid string"),
        ({"note_type": "x"}, "Field required"),
        ({"text": "x" * 501}, "at most 500 characters"),
        ({"text": "ok", "note_type": "bad/type!"}, "should match pattern"),
        ([], "valid dictionary"),
    ],
    ids=["empty", "blank", "int", "null", "missing", "too-long", "bad-note-type", "not-object"],
)
def test_invalid_single_note_is_422_with_clear_message(api, token, payload, fragment):
    response = api.client.post("/v1/classify", json=payload, headers=bearer(token))
    assert response.status_code == 422
    messages = " ".join(e["msg"] for e in response.json()["detail"])
    assert fragment in messages
    assert api.classifier.seen_texts == []


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"notes": []}, "at least 1 item"),
        ({"notes": [{"text": "a"}] * 5}, "at most 4 items"),
        ({"notes": [{"text": "a"}, {"text": ""}]}, "at least 1 character"),
        ({"notes": "a note"}, "valid list"),
    ],
    ids=["empty", "too-many", "one-empty", "not-list"],
)
def test_invalid_batch_is_422(api, token, payload, fragment):
    response = api.client.post("/v1/classify/batch", json=payload, headers=bearer(token))
    assert response.status_code == 422
    assert fragment in " ".join(e["msg"] for e in response.json()["detail"])


def test_oversized_body_is_413_declared_or_streamed(api, token):
    big = json.dumps({"text": "x" * 9_000}).encode()
    declared = api.client.post(
        "/v1/classify", content=big, headers=bearer(token) | {"Content-Type": "application/json"}
    )
    assert declared.status_code == 413
    assert "8000 bytes" in declared.json()["detail"]

    def chunks():
        for i in range(0, len(big), 1000):
            yield big[i : i + 1000]

    streamed = api.client.post(
        "/v1/classify", content=chunks(), headers=bearer(token) | {"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    assert api.classifier.seen_texts == []


def test_invalid_utf8_and_invalid_json_are_422(api, token):
    headers = bearer(token) | {"Content-Type": "application/json"}
    bad_utf8 = api.client.post("/v1/classify", content=b'{"text": "caf\xe9 \xff"}', headers=headers)
    assert bad_utf8.status_code == 422
    assert bad_utf8.json()["detail"] == "request body is not valid UTF-8"
    bad_json = api.client.post("/v1/classify", content=b'{"text": "unterminated', headers=headers)
    assert bad_json.status_code == 422
    assert bad_json.json()["detail"][0]["type"] == "json_invalid"


# --- PHI hygiene: canary ----------------------------------------------------------------------------


def test_canary_phi_never_in_logs_responses_or_errors(api, caplog, audit_lines):
    """Known PHI goes in through every path (success, bad input, crash); none may come back out."""
    caplog.set_level(logging.DEBUG)
    token = make_token(scopes=["classify", "classify:deid-text"])
    headers = bearer(token)
    responses = [
        api.client.post("/v1/classify", json={"text": CANARY_NOTE}, headers=headers),
        api.client.post("/v1/classify/batch", json={"notes": [{"text": CANARY_NOTE}] * 2}, headers=headers),
        # Bad input that embeds PHI in values and keys: validation errors must not echo it.
        api.client.post("/v1/classify", json={"text": [CANARY_NOTE]}, headers=headers),
        api.client.post("/v1/classify", json={"text": "ok", CANARY_NOTE: 1}, headers=headers),
        api.client.post("/v1/classify", json={"text": CANARY_NOTE * 5}, headers=headers),
        api.client.post("/v1/classify", json={"text": CANARY_NOTE, "note_type": CANARY_NOTE}, headers=headers),
        # No/invalid token with PHI-bearing body.
        api.client.post("/v1/classify", json={"text": CANARY_NOTE}),
        api.client.post("/v1/classify", json={"text": CANARY_NOTE}, headers={"Authorization": f"Bearer {CANARY_NOTE}"}),
    ]
    api.classifier.mode = "crash"  # the backend raises an exception quoting the text
    responses.append(api.client.post("/v1/classify", json={"text": CANARY_NOTE}, headers=headers))
    api.classifier.mode = "unavailable"
    responses.append(api.client.post("/v1/classify", json={"text": CANARY_NOTE}, headers=headers))

    assert [r.status_code for r in responses] == [200, 200, 422, 422, 422, 422, 401, 401, 500, 503]
    assert responses[0].json()["deid_text"].startswith("[NAME] (SSN [SSN], [MRN])")
    assert any("unhandled RuntimeError" in r.getMessage() for r in caplog.records), "the crash must be logged"
    exported = "\n".join(
        [r.text + json.dumps(dict(r.headers)) for r in responses]
        + [r.getMessage() + (r.exc_text or "") for r in caplog.records]
        + [json.dumps(line) for line in audit_lines()]
        + [api.client.get("/metrics").text]
    )
    for phi in CANARY_PHI:
        assert phi not in exported, f"canary {phi!r} leaked"
    assert token not in exported
    assert "Zebulon" not in exported


# --- Triton faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["unavailable", "hang"])
def test_backend_down_or_slow_is_503_with_retry_after(api, token, mode):
    api.classifier.mode = mode
    started = time.monotonic()
    response = api.client.post("/v1/classify", json={"text": "chest pain"}, headers=bearer(token))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.json()["request_id"] == response.headers["X-Request-ID"]
    # Bounded by the configured deadline (0.3 s) rather than the fake's one-hour sleep.
    assert time.monotonic() - started < 60


@pytest.mark.parametrize(("ready", "mode", "status"), [(True, "ok", 200), (False, "ok", 503), (True, "hang", 503)])
def test_readiness_follows_backend(api, ready, mode, status):
    api.classifier.ready, api.classifier.mode = ready, mode
    response = api.client.get("/readyz")
    assert response.status_code == status
    assert response.json()["model_name"] == "fake-model"
    assert ("Retry-After" in response.headers) == (status == 503)
    assert api.client.get("/healthz").json() == {"status": "ok"}


# --- metrics and audit ------------------------------------------------------------------------------


def _sample(metrics_text: str, prefix: str) -> float:
    values = [float(line.rsplit(" ", 1)[1]) for line in metrics_text.splitlines() if line.startswith(prefix)]
    assert len(values) == 1, f"{prefix} -> {values}"
    return values[0]


def test_metrics_count_requests_latency_triton_and_entities(api, token):
    for _ in range(3):
        api.client.post("/v1/classify", json={"text": CANARY_NOTE}, headers=bearer(token))
    api.client.post("/v1/classify", json={"text": ""}, headers=bearer(token))
    api.client.post("/v1/classify", json={"text": "x"})
    api.client.get("/no/such/path/Zebulon")
    api.client.post("/v1/classify", content=b"x" * 9000, headers=bearer(token))
    api.classifier.mode = "unavailable"
    api.client.post("/v1/classify", json={"text": "x"}, headers=bearer(token))
    text = api.client.get("/metrics").text
    ok = 'method="POST",route="/v1/classify",status="200"'
    assert _sample(text, f"medflow_http_requests_total{{{ok}}}") == 3
    assert _sample(text, 'medflow_http_requests_total{method="POST",route="/v1/classify",status="422"}') == 1
    assert _sample(text, 'medflow_http_requests_total{method="POST",route="/v1/classify",status="401"}') == 1
    assert _sample(text, 'medflow_http_requests_total{method="GET",route="unmatched",status="404"}') == 1
    assert _sample(text, 'medflow_http_requests_total{method="POST",route="/v1/classify",status="413"}') == 1
    assert _sample(text, f"medflow_http_request_duration_seconds_count{{{ok}}}") == 3
    assert _sample(text, 'medflow_triton_request_duration_seconds_count{outcome="ok"}') == 3
    assert _sample(text, 'medflow_triton_request_duration_seconds_count{outcome="error"}') == 1
    assert _sample(text, 'medflow_deid_entities_total{label="SSN"}') == 3
    assert _sample(text, 'medflow_deid_entities_total{label="NAME"}') == 3


def test_audit_line_per_v1_request_without_text(api, token, audit_lines):
    api.client.post("/v1/classify", json={"text": CANARY_NOTE}, headers=bearer(token))
    api.client.post("/v1/classify", json={"text": CANARY_NOTE})
    api.client.get("/healthz")
    lines = audit_lines()
    assert len(lines) == 2
    ok, denied = lines
    assert set(ok) == {
        "time", "level", "logger", "message",  # as every log line
        "subject", "request_id", "client_request_id", "method", "route", "status", "entity_counts",
        "deid_text_returned", "scopes", "error", "latency_ms",
    }  # fmt: skip
    assert (ok["level"], ok["logger"], ok["message"]) == ("INFO", "medflow.audit", "audit")
    assert ok["subject"] == "unit-test-client"
    assert ok["route"] == "/v1/classify"
    assert ok["status"] == 200
    assert ok["entity_counts"] == {"NAME": 1, "SSN": 1, "MRN": 1, "PHONE": 1, "EMAIL": 1}
    assert (ok["deid_text_returned"], ok["scopes"], ok["error"]) == (False, ["classify"], None)
    assert ok["latency_ms"] > 0
    assert denied["subject"] is None
    assert denied["status"] == 401
    assert denied["entity_counts"] == {}
    assert (denied["deid_text_returned"], denied["scopes"]) == (False, [])


def test_audit_says_when_deid_text_was_returned_and_under_which_scopes(api, audit_lines):
    token = make_token(scopes=["classify", "classify:deid-text", "made-up:scope"])
    single = api.client.post("/v1/classify", json={"text": CANARY_NOTE}, headers=bearer(token))
    batch = api.client.post("/v1/classify/batch", json={"notes": [{"text": "ok"}]}, headers=bearer(token))
    assert single.json()["deid_text"] and batch.json()["results"][0]["deid_text"] == "ok"
    api.classifier.mode = "unavailable"
    failed = api.client.post("/v1/classify", json={"text": "ok"}, headers=bearer(token))
    assert failed.status_code == 503
    audits = audit_lines()
    assert [a["deid_text_returned"] for a in audits] == [True, True, False]
    assert all(a["scopes"] == ["classify", "classify:deid-text"] for a in audits)  # unknown scopes dropped
    assert audits[2]["error"] == "model_unavailable"


def test_unknown_http_methods_are_one_bounded_label(api, audit_lines):
    for method in ("FOOBAR", "X-ZEBULON-QUIGGLESWORTH", "PROPFIND"):
        assert api.client.request(method, "/v1/classify").status_code in {401, 405}
    assert api.client.request("PATCH", "/v1/classify").status_code in {401, 405}
    metrics = api.client.get("/metrics").text
    methods = {line.split('method="')[1].split('"')[0] for line in metrics.splitlines() if 'method="' in line}
    assert methods == {"OTHER", "PATCH"}
    assert [a["method"] for a in audit_lines()] == ["OTHER", "OTHER", "OTHER", "PATCH"]


def test_note_whose_deid_did_not_complete_is_refused_503_without_echo(api, audit_lines, caplog):
    from api_support import FAKE_INCOMPLETE_MARKER

    caplog.set_level(logging.DEBUG)
    token = bearer(make_token(scopes=["classify", "classify:deid-text"]))
    note = f"{CANARY_NOTE} {FAKE_INCOMPLETE_MARKER}"
    single = api.client.post("/v1/classify", json={"text": note}, headers=token)
    batch = api.client.post("/v1/classify/batch", json={"notes": [{"text": "fine"}, {"text": note}]}, headers=token)
    for response in (single, batch):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "7"
        assert response.json() == {
            "detail": "de-identification did not complete", "request_id": response.headers["X-Request-ID"]
        }
    assert api.classifier.seen_texts == []  # nothing of the request reached the model
    audits = audit_lines()
    assert [(a["status"], a["error"], a["deid_text_returned"]) for a in audits] == [(503, "deid_incomplete", False)] * 2
    exported = json.dumps(audits) + caplog.text + single.text + batch.text
    assert not [phi for phi in CANARY_PHI if phi in exported]


@pytest.mark.parametrize(
    ("marker", "detail", "error"),
    [
        (FAKE_UNSUPPORTED_MARKER, "note is mostly in a script de-identification does not support",
         "unsupported_script"),
        (FAKE_FOREIGN_MARKER, "note is in a language de-identification does not support", "unsupported_language"),
    ],
)
def test_note_in_a_script_or_language_without_rules_is_refused_422_without_echo(
    api, audit_lines, marker: str, detail: str, error: str
):
    token = bearer(make_token(scopes=["classify", "classify:deid-text"]))
    note = f"{CANARY_NOTE} {marker}"
    single = api.client.post("/v1/classify", json={"text": note}, headers=token)
    batch = api.client.post("/v1/classify/batch", json={"notes": [{"text": "fine"}, {"text": note}]}, headers=token)
    for response in (single, batch):
        assert response.status_code == 422
        assert response.json() == {"detail": detail, "request_id": response.headers["X-Request-ID"]}
        assert not [phi for phi in CANARY_PHI if phi in response.text]
    assert api.classifier.seen_texts == []  # nothing of the request reached the model
    audits = audit_lines()
    assert [(a["status"], a["error"]) for a in audits] == [(422, error)] * 2


# --- overload protection ----------------------------------------------------------------------------


def test_overload_gets_quick_503s_counted_in_metrics_while_probes_answer(token):
    """Real uvicorn, a model server that holds every call until released, room for 2 requests: of 8
    simultaneous callers the other 6 get 503 + Retry-After while the 2 are still held (no queueing
    behind them), probes answer meanwhile, the 2 finish once released, and all is counted."""
    api = unit_app(unit_settings(api_max_concurrency=2, api_admission_wait_s=0.05, api_triton_timeout_s=300))
    api.classifier.gate = threading.Event()
    clients = 8
    with serve_on_loopback(api.app) as url, ThreadPoolExecutor(clients) as pool:

        def post(_: int) -> httpx.Response:
            return httpx.post(f"{url}/v1/classify", json={"text": "chest pain"}, headers=bearer(token), timeout=300)

        calls = [pool.submit(post, i) for i in range(clients)]
        deadline = time.monotonic() + 120
        while sum(call.done() for call in calls) < clients - 2:
            assert time.monotonic() < deadline, "the callers beyond the limit were not turned away"
            time.sleep(0.02)
        rejected = [call.result() for call in calls if call.done()]
        probe_statuses = [httpx.get(f"{url}{path}", timeout=30).status_code for path in ("/healthz", "/readyz")]
        held = [call for call in calls if not call.done()]
        api.classifier.gate.set()
        admitted = [call.result() for call in held]
        metrics = httpx.get(f"{url}/metrics", timeout=30).text

    assert len(held) == 2 and [r.status_code for r in admitted] == [200, 200]
    assert [(r.status_code, r.headers["Retry-After"]) for r in rejected] == [(503, "7")] * (clients - 2)
    assert all(r.json()["detail"] == "server busy, retry later" for r in rejected)
    assert probe_statuses == [200, 200]
    assert _sample(metrics, "medflow_http_overload_rejected_total ") == len(rejected)
    busy = 'medflow_http_requests_total{method="POST",route="/v1/classify",status="503"}'
    assert _sample(metrics, busy) == len(rejected)
    assert _sample(metrics, "medflow_http_requests_in_flight ") == 1  # only this scrape


def test_a_batch_takes_one_admission_unit_per_note(token):
    """Room for 4 notes: a batch of 4 is admitted alone; a 4-note batch finds no room while a single note
    is held, and gets 503 once the admission wait is over."""
    api = unit_app(unit_settings(api_max_concurrency=4, api_admission_wait_s=0.2, api_triton_timeout_s=300))
    batch = {"notes": [{"text": "knee pain"}] * 4}
    assert api.client.post("/v1/classify/batch", json=batch, headers=bearer(token)).status_code == 200
    api.classifier.gate = threading.Event()
    with serve_on_loopback(api.app) as url, ThreadPoolExecutor(1) as pool:
        single = pool.submit(httpx.post, f"{url}/v1/classify", json={"text": "pain"}, headers=bearer(token), timeout=60)
        deadline = time.monotonic() + 60
        while not api.classifier.seen_texts[4:]:  # the single note holds its unit, waiting on the model
            assert time.monotonic() < deadline and not single.done()
            time.sleep(0.02)
        refused = httpx.post(f"{url}/v1/classify/batch", json=batch, headers=bearer(token), timeout=60)
        api.classifier.gate.set()
        assert single.result().status_code == 200
    assert (refused.status_code, refused.json()["detail"]) == (503, "server busy, retry later")


def test_one_deadline_for_the_whole_request_stops_deidentification_between_notes(token):
    api = unit_app(unit_settings(api_request_deadline_s=0.5, api_deid_inline_max_chars=0))
    api.deid.seconds_per_call = 0.2
    batch = {"notes": [{"text": "knee pain"}] * 4}
    with captured_audit() as audit_lines:
        response = api.client.post("/v1/classify/batch", json=batch, headers=bearer(token))
        audits = audit_lines()
    assert (response.status_code, response.json()["detail"]) == (503, "request not done in time, retry later")
    assert response.headers["Retry-After"] == "7"
    calls = api.deid.calls
    time.sleep(0.5)  # had the thread gone on, it would have started another note by now
    assert api.deid.calls == calls <= 3, "the thread stopped before its next note"
    assert api.classifier.seen_texts == []
    assert [(a["status"], a["error"]) for a in audits] == [(503, "deadline")]


def test_slow_upload_does_not_hold_an_admission_slot(token):
    """With room for one request, a client stalled mid-body (slow loris) does not lock others out."""
    api = unit_app(unit_settings(api_max_concurrency=1, api_admission_wait_s=0.05))
    with serve_on_loopback(api.app) as url, socket.create_connection(("127.0.0.1", httpx.URL(url).port)) as stall:
        head = "POST /v1/classify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        head += "Content-Length: 100\r\n"
        stall.sendall((head + f"Authorization: Bearer {token}\r\n\r\n" + '{"text": "che').encode())
        deadline = time.monotonic() + 60
        # The stalled request is inside the app, waiting for the rest of its body (this scrape is the other).
        while _sample(httpx.get(f"{url}/metrics", timeout=30).text, "medflow_http_requests_in_flight ") < 2:
            assert time.monotonic() < deadline, "the stalled request never reached the app"
            time.sleep(0.02)
        response = httpx.post(f"{url}/v1/classify", json={"text": "chest pain"}, headers=bearer(token), timeout=30)
        assert response.status_code == 200, response.text


def test_open_connections_are_capped_by_the_server(token):
    """uvicorn as `medflow api` configures it: past `api_max_connections` open connections a request gets
    503 from the server itself, before the app; once the idle ones go, requests are served again."""
    settings = unit_settings(api_max_connections=3)
    api = unit_app(settings)
    with serve_on_loopback(api.app, settings) as url:
        port = httpx.URL(url).port
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        try:
            over = httpx.post(f"{url}/v1/classify", json={"text": "pain"}, headers=bearer(token), timeout=30)
        finally:
            for conn in idle:
                conn.close()
        deadline = time.monotonic() + 30
        post = partial(httpx.post, f"{url}/v1/classify", json={"text": "pain"}, headers=bearer(token), timeout=30)
        while (again := post()).status_code != 200:
            assert time.monotonic() < deadline, again.status_code
            time.sleep(0.05)
    assert over.status_code == 503 and api.classifier.seen_texts == ["pain"]  # only the one after
    assert "X-Request-ID" not in over.headers  # answered by the server, not the app


def test_served_app_with_the_real_engine_refuses_notes_whose_deid_did_not_complete(monkeypatch):
    """The real app under uvicorn with the real de-identification engine (two trap recognizers added)."""
    from api_support import FakeClassifier
    from deid_support import ERROR_TRIGGER, TIMEOUT_TRIGGER, trapped

    from api.app import create_app
    from api.routes import get_service
    from api.service import ClassifyService
    from deid.engine import get_engine
    from deid.recognizers import base
    from medflow.settings import Settings

    monkeypatch.setattr(base, "REGEX_TIMEOUT_S", 0.2)
    settings = unit_settings()
    app = create_app(settings)
    engine = get_engine(Settings(_env_file=None, deid_processes=1).deid_config())
    classifier = FakeClassifier()
    service = ClassifyService.configured(engine, classifier, app.state.metrics, settings)
    app.dependency_overrides[get_service] = lambda: service
    headers = bearer(make_token(scopes=["classify", "classify:deid-text"]))
    canary = "Zebulon Quigglesworth"
    with captured_audit() as audit_lines, trapped(engine), serve_on_loopback(app) as url:
        ok = httpx.post(f"{url}/v1/classify", json={"text": "Seen by Dr. Quennell on 3/4/2021."}, headers=headers)
        slow = httpx.post(f"{url}/v1/classify", json={"text": f"Dr. {canary}.\n{TIMEOUT_TRIGGER}"}, headers=headers)
        broken = httpx.post(
            f"{url}/v1/classify/batch",
            json={"notes": [{"text": "fine"}, {"text": f"{ERROR_TRIGGER} Dr. {canary}"}]},
            headers=headers,
            timeout=30,
        )
        odd_method = httpx.request("X-ZEBULON", f"{url}/v1/classify", headers=headers)
        metrics = httpx.get(f"{url}/metrics").text
        audits = audit_lines()
    assert ok.status_code == 200 and ok.json()["deid_text"] == "Seen by Dr. [NAME] on [DATE]."
    assert (slow.status_code, broken.status_code) == (503, 503)
    assert canary not in slow.text + broken.text
    assert classifier.seen_texts == ["Seen by Dr. [NAME] on [DATE]."]
    assert odd_method.status_code == 405 and 'method="OTHER"' in metrics and "X-ZEBULON" not in metrics
    assert [(a["status"], a["error"], a["deid_text_returned"], a["method"]) for a in audits] == [
        (200, None, True, "POST"), (503, "deid_incomplete", False, "POST"), (503, "deid_incomplete", False, "POST"),
        (405, None, False, "OTHER"),
    ]  # fmt: skip
    assert canary not in json.dumps(audits)
