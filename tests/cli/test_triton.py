"""`medflow triton serve` in the foreground: ready banner, clean stop on SIGTERM, clear error without weights."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from inference.local_process import free_port

MEDFLOW = shutil.which("medflow", path=str(Path(sys.executable).parent))


def test_serve_until_sigterm(tiny_model_repo: Path):
    http_port = free_port()
    command = [
        MEDFLOW, "triton", "serve", "--model-dir", str(tiny_model_repo / "distilbert"), "--precision", "fp32",
        "--grpc-port", str(free_port()), "--http-port", str(http_port), "--metrics-port", str(free_port()),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = process.stdout.readline()
        assert "Triton ready" in banner and f":{http_port}" in banner
        assert httpx.get(f"http://127.0.0.1:{http_port}/v2/models/distilbert/ready", timeout=5).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert "stopping Triton" in process.stdout.read()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{http_port}/v2/health/live", timeout=5)


def test_serve_without_built_model_fails_clearly(tmp_path: Path, tiny_model_repo: Path):
    model_dir = tmp_path / "distilbert"
    model_dir.mkdir()
    shutil.copy(tiny_model_repo / "distilbert" / "config.pbtxt", model_dir)
    result = subprocess.run(
        [MEDFLOW, "triton", "serve", "--model-dir", str(model_dir), "--grpc-port", "0", "--http-port", "0"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert "medflow model build --demo" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_taken_ports_is_one_error_line(tiny_model_repo: Path, embedded_triton) -> None:
    """A second server on the ports of a running one: refused before it starts, in one line."""
    result = subprocess.run(
        [MEDFLOW, "triton", "serve", "--model-dir", str(tiny_model_repo / "distilbert"), "--precision", "fp32",
         "--grpc-port", str(embedded_triton.grpc_port), "--http-port", str(embedded_triton.http_port),
         "--metrics-port", str(free_port())],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == "", "nothing may say ready"
    assert result.stderr.splitlines() == [
        f"error: port(s) gRPC {embedded_triton.grpc_port}, HTTP {embedded_triton.http_port} on 127.0.0.1 already in "
        "use (another Triton?); choose free ports"
    ]
    assert embedded_triton.is_running()
