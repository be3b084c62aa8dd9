"""bench/gpu.sh on a machine without a usable GPU: one line, exit status 0, nothing installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "gpu.sh"
BASH = shutil.which("bash") or "/bin/bash"

NVIDIA_SMI = {
    "missing": None,  # no driver installed
    "failing": "#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate with the driver.'\nexit 9\n",
    "empty": "#!/bin/sh\nexit 0\n",  # a driver but no device listed
}


@pytest.mark.parametrize("nvidia_smi", sorted(NVIDIA_SMI))
def test_without_a_gpu_it_says_so_in_one_line_and_exits_0(tmp_path: Path, nvidia_smi: str) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    if script := NVIDIA_SMI[nvidia_smi]:
        (tools / "nvidia-smi").write_text(script)
        (tools / "nvidia-smi").chmod(0o755)
    venv = tmp_path / "venv"
    # PATH holds only the fake tools: a real nvidia-smi on the machine running the tests is not seen.
    env = {"PATH": str(tools), "MEDFLOW_GPU_VENV": str(venv), "HOME": str(tmp_path)}
    result = subprocess.run([BASH, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    assert result.stderr == ""
    (line,) = result.stdout.splitlines()
    assert line.startswith("bench/gpu.sh: no NVIDIA GPU found")
    assert not venv.exists()
