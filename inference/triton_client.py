"""gRPC clients of the Triton `distilbert` model: sync (batch flow) and asyncio (API).

Both bucket sequences by length, pad each bucket and keep at most `inflight` requests outstanding
(backpressure: a large batch never floods the server's queue). Errors never carry tensor contents.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Sequence

import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.grpc.aio as grpcaio
from tritonclient.utils import InferenceServerException

from inference.length_buckets import PaddingTally, bucket_by_length, pad_batch
from inference.readiness import poll_until, poll_until_async


class TritonInferenceError(RuntimeError):
    """A Triton request failed (status text only; no inputs in the message)."""


class TritonUnavailable(TritonInferenceError):
    """The server could not be reached at all (gRPC UNAVAILABLE: down, restarting, wrong address)."""


class TritonNotReady(RuntimeError):
    """The server is unreachable, or does not have the model (version) ready; the message says which."""


def check_model_ready(url: str, model: str, version: str = "", timeout_s: float = 3.0) -> None:
    """Return when the server at ``url`` has ``model`` (``version``, default its latest) ready; else raise
    `TritonNotReady` within about ``timeout_s`` (each call has that deadline; no retries)."""
    client = grpcclient.InferenceServerClient(url)
    try:
        if not client.is_server_ready(client_timeout=timeout_s):
            raise TritonNotReady("the server is not ready")
        if client.is_model_ready(model, version, client_timeout=timeout_s):
            return
        if version and client.is_model_ready(model, client_timeout=timeout_s):
            raise TritonNotReady(f"it serves model {model!r}, but not version {version}")
        raise TritonNotReady(f"model {model!r} is not ready")
    except InferenceServerException as exc:
        raise TritonNotReady(f"not reachable ({exc.status()})") from None
    finally:
        client.close()


def make_inputs(seqs: Sequence[np.ndarray], pad_id: int, min_width: int = 0) -> list[grpcclient.InferInput]:
    input_ids, attention_mask = pad_batch(seqs, pad_id, min_width)
    inputs = []
    for name, array in (("input_ids", input_ids), ("attention_mask", attention_mask)):
        tensor = grpcclient.InferInput(name, list(array.shape), "INT64")
        tensor.set_data_from_numpy(array)
        inputs.append(tensor)
    return inputs


def _assemble(parts: dict[int, np.ndarray], batches: list[list[int]], n: int) -> np.ndarray:
    """Scatter per-batch logits back to the caller's sequence order."""
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    width = next(iter(parts.values())).shape[1]
    logits = np.empty((n, width), dtype=np.float32)
    for batch_no, indices in enumerate(batches):
        logits[indices] = parts[batch_no]
    return logits


def _error(exc: BaseException) -> TritonInferenceError:
    status = exc.status() if isinstance(exc, InferenceServerException) else type(exc).__name__
    message = exc.message() if isinstance(exc, InferenceServerException) else "request failed"
    kind = TritonUnavailable if status == "StatusCode.UNAVAILABLE" else TritonInferenceError
    return kind(f"Triton inference failed: {status}: {message}")


class _TritonClientBase:
    """What both clients share: options, length bucketing, padding and the padding tally."""

    def __init__(
        self,
        url: str,
        model: str = "distilbert",
        timeout_s: float = 30.0,
        inflight: int = 4,
        *,
        max_batch_size: int = 64,
        token_budget: int = 4096,
        pad_id: int = 0,
        request_width: int = 0,
    ) -> None:
        if inflight < 1:
            raise ValueError("inflight must be >= 1")
        self.model = model
        self.timeout_s = timeout_s
        self.inflight = inflight
        self.max_batch_size = max_batch_size
        self.token_budget = token_budget
        self.pad_id = pad_id
        # Pad every request to at least this width (0: to its longest sequence). A server whose backend
        # only batches equal shapes (ONNX Runtime / TensorRT on the T4) can then merge single notes.
        self.request_width = request_width
        self.padding = PaddingTally()  # over all calls; read by the benchmark
        self._connect(url)

    def _connect(self, url: str) -> None:
        raise NotImplementedError

    def _batches(self, seqs: Sequence[np.ndarray]) -> list[list[int]]:
        lengths = [len(s) for s in seqs]
        batches = bucket_by_length(lengths, self.max_batch_size, self.token_budget)
        for indices in batches:
            self.padding.add([lengths[i] for i in indices], self.request_width)
        return batches

    def _inputs(self, seqs: Sequence[np.ndarray]) -> list[grpcclient.InferInput]:
        return make_inputs(seqs, self.pad_id, self.request_width)


class TritonClassifier(_TritonClientBase):
    """Synchronous client for the batch flow (one per worker process)."""

    def _connect(self, url: str) -> None:
        self._client = grpcclient.InferenceServerClient(url)

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        if not poll_until(self._is_ready, timeout_s):
            raise TimeoutError(f"Triton model {self.model!r} not ready after {timeout_s:.0f} s")

    def _is_ready(self) -> bool:
        try:
            return self._client.is_server_ready() and self._client.is_model_ready(self.model)
        except InferenceServerException:
            return False

    def infer_logits(self, seqs: Sequence[np.ndarray]) -> np.ndarray:
        """Logits [len(seqs), num_labels] in input order."""
        batches = self._batches(seqs)
        slots = threading.BoundedSemaphore(self.inflight)
        done: queue.Queue[tuple[int, np.ndarray | None, BaseException | None]] = queue.Queue()

        def on_done(batch_no: int, result: grpcclient.InferResult | None, error: BaseException | None) -> None:
            logits = None
            try:
                if error is None and result is not None:
                    logits = result.as_numpy("logits")
            except Exception as exc:  # decoding failed: report it like a server error
                error = exc
            done.put((batch_no, logits, error))
            slots.release()

        parts: dict[int, np.ndarray] = {}
        failure: BaseException | None = None

        def collect(block: bool) -> None:
            nonlocal failure
            while True:
                try:
                    batch_no, logits, error = done.get(block=block)
                except queue.Empty:
                    return
                if error is not None:
                    failure = failure or error
                else:
                    parts[batch_no] = logits
                block = False

        for batch_no, indices in enumerate(batches):
            slots.acquire()  # backpressure: wait for a free in-flight slot
            collect(block=False)
            if failure is not None:
                slots.release()
                break
            self._client.async_infer(
                self.model,
                self._inputs([seqs[i] for i in indices]),
                callback=lambda result, error, b=batch_no: on_done(b, result, error),
                outputs=[grpcclient.InferRequestedOutput("logits")],
                client_timeout=self.timeout_s,
            )
        for _ in range(self.inflight):  # drain: all slots free means all callbacks ran
            slots.acquire()
        collect(block=False)
        if failure is not None:
            raise _error(failure) from None
        return _assemble(parts, batches, len(seqs))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> TritonClassifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncTritonClassifier(_TritonClientBase):
    """asyncio client for the API; same contract as TritonClassifier."""

    def _connect(self, url: str) -> None:
        self._client = grpcaio.InferenceServerClient(url)
        # Shared by all concurrent callers of this client: bounds requests in flight per process.
        self._slots = asyncio.Semaphore(self.inflight)

    async def wait_ready(self, timeout_s: float = 60.0) -> None:
        if not await poll_until_async(self._is_ready, timeout_s):
            raise TimeoutError(f"Triton model {self.model!r} not ready after {timeout_s:.0f} s")

    async def _is_ready(self) -> bool:
        try:
            return await self._client.is_server_ready() and await self._client.is_model_ready(self.model)
        except InferenceServerException:
            return False

    async def _infer_batch(self, seqs: Sequence[np.ndarray]) -> np.ndarray:
        async with self._slots:
            try:
                result = await self._client.infer(
                    self.model,
                    self._inputs(seqs),
                    outputs=[grpcaio.InferRequestedOutput("logits")],
                    client_timeout=self.timeout_s,
                )
            except InferenceServerException as exc:
                raise _error(exc) from None
        return result.as_numpy("logits")

    async def infer_logits(self, seqs: Sequence[np.ndarray]) -> np.ndarray:
        batches = self._batches(seqs)
        results = await asyncio.gather(*(self._infer_batch([seqs[i] for i in b]) for b in batches))
        return _assemble(dict(enumerate(results)), batches, len(seqs))

    async def close(self) -> None:
        await self._client.close()

    async def __aenter__(self) -> AsyncTritonClassifier:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
