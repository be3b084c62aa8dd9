"""`medflow bench`: the paper's serving comparison and the batch-path throughput, measured on this machine.

One job per module: `load` (closed-loop load generator, steady-state windows), `notes` (the fixed
note sets), `servers` (HTTP servers in subprocesses), `inproc_app` (the FastAPI + in-process ONNX
baseline), `serving` (the serving scenarios), `batch` (pipeline throughput and padding), `memory`
(peak RSS vs input size), `cpu` (CPU time from /proc), `triton_stats` (Triton's own breakdown),
`chart` (PNG), `run` (orchestration and the JSON report).
"""
