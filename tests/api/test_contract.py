"""The published API contract, docs/openapi.json: generated from the app, equal to what a gateway with the
default settings serves, and saying what clients need (scopes, errors and their bodies and headers)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from api_support import SECRET, serve_on_loopback
from pydantic import SecretStr

from api.app import create_app, published_contract
from medflow.settings import Settings

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
REGENERATE = "docs/openapi.json is out of date: run `medflow api openapi --output docs/openapi.json` and commit it"
V1_OPERATIONS = [("/v1/classify", "post"), ("/v1/classify/batch", "post")]


@pytest.fixture(scope="module")
def contract() -> dict:
    return json.loads(CONTRACT.read_text())


def test_committed_contract_is_the_apps(contract: dict) -> None:
    assert contract == published_contract(), REGENERATE


def test_committed_contract_equals_what_a_default_gateway_serves(contract: dict) -> None:
    settings = Settings.model_construct(jwt_secret=SecretStr(SECRET), jwt_dev_hs256=True)  # defaults, no env
    with serve_on_loopback(create_app(settings)) as url:
        served = httpx.get(f"{url}/openapi.json", timeout=30).json()
    assert served == contract, REGENERATE


def test_the_command_writes_the_committed_file(tmp_path: Path) -> None:
    output = tmp_path / "openapi.json"
    command = [str(Path(sys.executable).parent / "medflow"), "api", "openapi", "--output", str(output)]
    env = {"MEDFLOW_API_MAX_TEXT_CHARS": "17", "PATH": ""}  # the environment does not change the contract
    subprocess.run(command, check=True, timeout=120, env=env, cwd=tmp_path)
    assert output.read_bytes() == CONTRACT.read_bytes(), REGENERATE


def test_contract_declares_oauth2_with_both_scopes_on_every_v1_operation(contract: dict) -> None:
    scheme = contract["components"]["securitySchemes"]["OAuth2"]
    assert scheme["type"] == "oauth2"
    flow = scheme["flows"]["clientCredentials"]
    assert set(flow["scopes"]) == {"classify", "classify:deid-text"}
    assert flow["tokenUrl"].startswith("https://")
    for path, method in V1_OPERATIONS:
        operation = contract["paths"][path][method]
        assert operation["security"] == [{"OAuth2": ["classify"]}], path
        assert "classify:deid-text" in (operation.get("description", "") + operation.get("summary", "")), path


def test_contract_documents_the_error_responses_with_their_model_and_headers(contract: dict) -> None:
    error_model = contract["components"]["schemas"]["ErrorResponse"]
    assert set(error_model["properties"]) == {"detail", "request_id"}
    for path, method in V1_OPERATIONS:
        responses = contract["paths"][path][method]["responses"]
        for status in ("401", "403", "413", "422", "503"):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (path, status)
            assert "X-Request-ID" in responses[status]["headers"], (path, status)
        assert "WWW-Authenticate" in responses["401"]["headers"] and "WWW-Authenticate" in responses["403"]["headers"]
        assert "Retry-After" in responses["503"]["headers"]
    readiness = contract["paths"]["/readyz"]["get"]["responses"]["503"]
    assert readiness["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ReadinessResponse"}


def test_docs_page_loads_everything_from_the_gateway_itself() -> None:
    """Offline: the Swagger UI page references no other host, and every asset it names is served."""
    import re

    settings = Settings.model_construct(jwt_secret=SecretStr(SECRET), jwt_dev_hs256=True)
    with serve_on_loopback(create_app(settings)) as url:
        page = httpx.get(f"{url}/docs", timeout=30)
        assert page.status_code == 200 and "SwaggerUIBundle" in page.text
        referenced = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        referenced += re.findall(r"""url: ?['"]([^'"]+)['"]""", page.text)
        assert not [ref for ref in referenced if "//" in ref], "the page names another host"
        assets = [ref for ref in referenced if ref.startswith("/docs/assets/")]
        assert {a.rsplit("/", 1)[1] for a in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
        for asset in assets:
            response = httpx.get(f"{url}{asset}", timeout=30)
            assert response.status_code == 200 and len(response.content) > 500, asset
        assert httpx.get(f"{url}/docs/oauth2-redirect", timeout=30).status_code == 200
        assert httpx.get(f"{url}/openapi.json", timeout=30).json()["openapi"].startswith("3.1")
