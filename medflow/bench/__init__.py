"""`medflow bench`: the paper's serving comparison and the batch-path throughput, measured on this machine.

One job per module: `load` (closed-loop load generator), `notes` (the fixed note sets), `servers`
(HTTP servers in subprocesses), `inproc_app` (the FastAPI + in-process ONNX baseline), `serving` (the
serving scenarios), `batch` (pipeline throughput and padding), `memory` (peak RSS vs input size),
`chart` (PNG), `run` (orchestration and the JSON report).
"""
