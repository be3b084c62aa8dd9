"""Which server answers on a local Triton's ports: the `--id` it echoes in its metadata. A start that
finds another server on its ports (one taken after the port check) fails instead of reporting that
one ready."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException


def http_answer(http_url: str, model_name: str) -> tuple[str | None, bool] | None:
    """The id of the server answering on HTTP and whether `model_name` is ready there; None while
    nothing answers (yet)."""
    try:
        with urllib.request.urlopen(f"{http_url}/v2", timeout=2) as response:  # noqa: S310 (local http)
            answering = json.load(response).get("name")
        with urllib.request.urlopen(f"{http_url}/v2/models/{model_name}/ready", timeout=2) as response:  # noqa: S310
            return answering, response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return None


def grpc_server_id(grpc_url: str) -> str | None:
    """The id of the server answering on gRPC (the port the batch flow and the gateway use); None while
    nothing answers (yet)."""
    client = grpcclient.InferenceServerClient(grpc_url)
    try:
        return str(client.get_server_metadata(client_timeout=2).name)
    except InferenceServerException:
        return None
    finally:
        client.close()
