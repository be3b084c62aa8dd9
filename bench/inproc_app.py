"""The paper's FastAPI baseline: one endpoint, tokenizer and ONNX Runtime in the server process.

Benchmark only (no auth, no de-identification): it answers "what does plain FastAPI + in-process model
cost", the reference the gateway + Triton path is compared with. Run as
`python -m bench.inproc_app --model-dir DIR --precision int8 --port N`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from inference.classify import classify_texts
from inference.model_files import latest_version_dir, onnx_path, uses_gpu
from inference.onnx_model import OnnxClassifier
from medflow.model_wiring import load_model


class Note(BaseModel):
    text: str


class Label(BaseModel):
    label: str
    score: float


def create_inproc_app(model_dir: Path, precision: str, max_length: int, stride: int) -> FastAPI:
    loaded = load_model(latest_version_dir(model_dir))
    info, tokenizer = loaded.info, loaded.tokenizer
    model = OnnxClassifier(
        onnx_path(loaded.version_dir, precision),  # type: ignore[arg-type]
        pad_id=tokenizer.pad_id,
        gpu=uses_gpu(precision),
    )
    app = FastAPI(title="bench: FastAPI + in-process ONNX Runtime")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/classify")
    async def classify(note: Note) -> Label:
        # The model call releases the GIL; a worker thread keeps the event loop serving other requests.
        (prediction,) = await run_in_threadpool(classify_texts, [note.text], tokenizer, model, info, max_length, stride)
        return Label(label=prediction.label, score=prediction.score)

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--precision", default="int8", choices=["int8", "fp32", "fp16"])
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--stride", type=int, default=32)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_inproc_app(args.model_dir, args.precision, args.max_length, args.stride)
    uvicorn.run(app, host="127.0.0.1", port=args.port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
