"""`medflow bench`: the paper's serving comparison and the batch-path throughput, measured on this machine.

One job per module: `load` (closed-loop load generator, steady-state windows), `notes` (the fixed
note sets), `servers` (HTTP servers in subprocesses), `inproc_app` (the FastAPI + in-process ONNX
baseline), `serving` (the serving scenarios), `batch_path` (pipeline throughput and padding),
`model_timing` (ONNX Runtime and Triton timings, shared with `medflow model bench`), `memory` (peak RSS
vs input size), `cpu` (CPU time from /proc), `triton_stats` (Triton's own breakdown), `tables` (table
commits under concurrency), `chart` (PNG), `run` (orchestration and the JSON report).
"""
