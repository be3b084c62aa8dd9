"""Triton Python-backend model: DistilBERT logits with ONNX Runtime on CPU.

Loaded by the real tritonserver (see inference/triton_server.py). Model parameters set by the generated
config.pbtxt: `onnx_file` (model.int8.onnx or model.onnx, next to this file) and `import_path` (where
the `inference` package lives, so session options come from inference/onnx_model.py) and
`max_added_padding` / `max_run_tokens` (how far requests are merged into one session call).
Error messages never include tensor contents.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args: dict) -> None:
        config = json.loads(args["model_config"])
        params = {k: v["string_value"] for k, v in config.get("parameters", {}).items()}
        if params.get("import_path") and params["import_path"] not in sys.path:
            sys.path.insert(0, params["import_path"])
        from inference.batching import group_by_width
        from inference.onnx_model import load_session, run_logits

        version_dir = Path(args["model_repository"]) / args["model_version"]
        threads = int(params["intra_op_threads"]) if params.get("intra_op_threads") else None
        self._session = load_session(version_dir / params["onnx_file"], intra_op_threads=threads)
        self._run_logits = run_logits
        self._group_by_width = group_by_width
        self._max_added_padding = int(params.get("max_added_padding", "0"))
        self._max_run_tokens = int(params.get("max_run_tokens", "1024"))

    def execute(self, requests: list) -> list:
        """Run a dynamic batch as few session calls as padding allows, then split the rows back.

        Requests may differ in sequence length (the local config allows ragged batches). Requests of
        similar width share one call, right-padded with mask 0 (which leaves the logits unchanged);
        a much wider one gets its own call rather than padding everyone (`group_by_width`).
        """
        ids_parts, mask_parts = [], []
        for request in requests:
            ids_parts.append(pb_utils.get_input_tensor_by_name(request, "input_ids").as_numpy())
            mask_parts.append(pb_utils.get_input_tensor_by_name(request, "attention_mask").as_numpy())
        shapes_ok = all(i.shape == m.shape and i.ndim == 2 for i, m in zip(ids_parts, mask_parts, strict=True))
        if not shapes_ok:
            error = pb_utils.TritonError("input_ids and attention_mask must have the same [batch, seq] shape")
            return [pb_utils.InferenceResponse(output_tensors=[], error=error) for _ in requests]
        widths, rows = [p.shape[1] for p in ids_parts], [p.shape[0] for p in ids_parts]
        logits_per_request: list = [None] * len(requests)
        for group in self._group_by_width(widths, rows, self._max_added_padding, self._max_run_tokens):
            width = max(widths[i] for i in group)
            input_ids = np.concatenate([_pad_right(ids_parts[i], width) for i in group]).astype(np.int64, copy=False)
            mask = np.concatenate([_pad_right(mask_parts[i], width) for i in group]).astype(np.int64, copy=False)
            logits, row = self._run_logits(self._session, input_ids, mask), 0
            for i in group:
                logits_per_request[i] = logits[row : row + rows[i]]
                row += rows[i]
        return [
            pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("logits", logits)])
            for logits in logits_per_request
        ]

    def finalize(self) -> None:
        self._session = None


def _pad_right(array: np.ndarray, width: int) -> np.ndarray:
    return np.pad(array, ((0, 0), (0, width - array.shape[1]))) if array.shape[1] < width else array
