"""Embedded Triton: the real `tritonserver` binary bundled in nvidia-pytriton, serving the model on CPU.

The local model repository is generated from the production `triton_repo/<model>/config.pbtxt`
(same name, tensors, max_batch_size and dynamic batching; backend switched to a Python-backend model
running ONNX Runtime), so the CPU and GPU definitions cannot drift.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

import inference
from inference.local_process import die_with_parent, free_port, port_in_use, stop_process
from inference.model_files import CONFIG_FILE, MODEL_INFO_FILE, ONNX_FILES, TOKENIZER_FILE, Precision, uses_gpu
from inference.onnx_model import available_cores, serving_layout
from inference.readiness import poll_until
from inference.server_identity import grpc_server_id, http_answer

BACKEND_MODEL_FILE = Path(__file__).parent / "triton_backend" / "model.py"
LOG_FILE = "tritonserver.log"
PORT_TAKEN_LOG_LINE = "already in use"  # tritonserver's words when it cannot bind a port


@dataclass(frozen=True, slots=True)
class BatcherSettings:
    """Dynamic-batcher numbers replacing the production config's (None in the APIs: keep those)."""

    preferred_batch_sizes: tuple[int, ...]
    max_queue_delay_us: int


# The embedded (CPU) server's batcher: batching buys little on CPU, so it merges what is queued and does
# not wait for more. The T4 keeps config.pbtxt's numbers (larger batches pay on tensor cores). The
# measurements: docs/performance-notes.md.
CPU_BATCHER = BatcherSettings(preferred_batch_sizes=(4, 8), max_queue_delay_us=100)

# Why each CPU instance spreads one batch's session calls over all cores (`session_threads`): after a
# burst Triton hands one instance a large merged batch while the other idles; on several threads that
# batch uses every core, at a small CPU cost when all are busy (docs/performance-notes.md).

# How many padded tokens the Python-backend model accepts to merge requests of different lengths
# into one session call (`inference.length_buckets.group_by_width`): a call's fixed cost is worth about
# ten tokens on CPU (docs/performance-notes.md).
MAX_ADDED_PADDING_TOKENS = 10
# ... and never into calls above this many padded tokens (cache-resident activations).
MAX_RUN_TOKENS = 1024
# On a GPU (fp16) a call's cost barely grows with its size up to the production batch of 64
# sequences of 128 tokens: merge everything the batcher hands over, padded to the widest.
GPU_MAX_RUN_TOKENS = 64 * 128


class TritonStartError(RuntimeError):
    """tritonserver exited or did not get the model ready in time (message carries the log tail)."""


class TritonPortTaken(TritonStartError):
    """A port the server needs is taken, or another server answers on it (one line, no log tail)."""


def pytriton_dir() -> Path:
    import pytriton

    return Path(pytriton.__file__).parent / "tritonserver"


def local_model_config(
    production: model_config_pb2.ModelConfig,
    *,
    precision: Precision,
    dynamic_batching: bool,
    intra_op_threads: int | None = None,
    instances: int = 1,
    batcher: BatcherSettings | None = None,
    session_threads: int = 1,
) -> model_config_pb2.ModelConfig:
    """The CPU variant of the production config: only the execution details change."""
    config = model_config_pb2.ModelConfig()
    config.CopyFrom(production)
    config.backend = "python"
    config.ClearField("platform")
    config.ClearField("default_model_filename")
    config.ClearField("optimization")  # TensorRT / GPU accelerators
    config.ClearField("model_warmup")  # its all-zero attention masks only make sense for TRT engine builds
    # Requests of different lengths may share a batch: the Python-backend model right-pads them.
    # Without this the batcher only merges equal shapes and single notes almost never batch.
    for tensor in config.input:
        tensor.allow_ragged_batch = True
    config.ClearField("instance_group")
    config.instance_group.add(kind=model_config_pb2.ModelInstanceGroup.KIND_CPU, count=instances)
    if not dynamic_batching:
        config.ClearField("dynamic_batching")
    elif batcher is not None:
        config.dynamic_batching.ClearField("preferred_batch_size")
        config.dynamic_batching.preferred_batch_size.extend(batcher.preferred_batch_sizes)
        config.dynamic_batching.max_queue_delay_microseconds = batcher.max_queue_delay_us
    gpu = uses_gpu(precision)
    config.parameters["onnx_file"].string_value = ONNX_FILES[precision]
    config.parameters["gpu"].string_value = "1" if gpu else "0"
    config.parameters["max_added_padding"].string_value = str(GPU_MAX_RUN_TOKENS if gpu else MAX_ADDED_PADDING_TOKENS)
    config.parameters["max_run_tokens"].string_value = str(GPU_MAX_RUN_TOKENS if gpu else MAX_RUN_TOKENS)
    config.parameters["import_path"].string_value = str(Path(inference.__file__).resolve().parent.parent)
    if intra_op_threads:
        config.parameters["intra_op_threads"].string_value = str(intra_op_threads)
    config.parameters["session_threads"].string_value = str(session_threads)
    return config


def read_model_config(path: Path) -> model_config_pb2.ModelConfig:
    return text_format.Parse(Path(path).read_text(), model_config_pb2.ModelConfig())


def generate_local_repository(
    model_dir: Path,
    out_repo: Path,
    *,
    precision: Precision,
    dynamic_batching: bool,
    intra_op_threads: int | None = None,
    instances: int = 1,
    batcher: BatcherSettings | None = None,
    session_threads: int = 1,
) -> Path:
    """Write `out_repo/<name>/config.pbtxt` + per-version `model.py` and symlinks to the built weights."""
    model_dir = Path(model_dir).resolve()
    production = read_model_config(model_dir / CONFIG_FILE)
    config = local_model_config(
        production,
        precision=precision,
        dynamic_batching=dynamic_batching,
        intra_op_threads=intra_op_threads,
        instances=instances,
        batcher=batcher,
        session_threads=session_threads,
    )
    target = Path(out_repo) / config.name
    target.mkdir(parents=True, exist_ok=True)
    (target / CONFIG_FILE).write_text(text_format.MessageToString(config))
    versions = [p for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit() and (p / MODEL_INFO_FILE).exists()]
    if not versions:
        raise FileNotFoundError(f"no built model under {model_dir}; run `medflow model build --demo` first")
    for version_dir in versions:
        if not (version_dir / ONNX_FILES[precision]).exists():
            raise FileNotFoundError(f"{version_dir / ONNX_FILES[precision]} is missing; rebuild the model")
        local_version = target / version_dir.name
        local_version.mkdir(exist_ok=True)
        shutil.copyfile(BACKEND_MODEL_FILE, local_version / "model.py")
        for name in (ONNX_FILES[precision], TOKENIZER_FILE, MODEL_INFO_FILE):
            (local_version / name).symlink_to(version_dir / name)
    return Path(out_repo)


def prepare_backend_dir(out_dir: Path) -> Path:
    """`<out_dir>/python/` with the Python backend library and the stub matching this interpreter."""
    source = pytriton_dir()
    python_dir = Path(out_dir) / "python"
    python_dir.mkdir(parents=True, exist_ok=True)
    stub = source / "python_backend_stubs" / f"{sys.version_info.major}.{sys.version_info.minor}"
    for path in (
        source / "backends" / "python" / "libtriton_python.so",
        source / "backends" / "python" / "triton_python_backend_utils.py",
        stub / "triton_python_backend_stub",
    ):
        (python_dir / path.name).symlink_to(path)
    return Path(out_dir)


def server_environment() -> dict[str, str]:
    """LD_LIBRARY_PATH: this interpreter's libpython (the stub otherwise binds the system one and fails);
    PATH: this venv first, so the stub's `python` sees the venv's packages (onnxruntime, inference)."""
    libs = [sysconfig.get_config_var("LIBDIR"), str(pytriton_dir().parent.parent / "nvidia_pytriton.libs")]
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join([*libs, env.get("LD_LIBRARY_PATH", "")]).rstrip(os.pathsep)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


class EmbeddedTriton:
    """Context manager running tritonserver in a subprocess until `stop()`.

    Ports set to 0 are replaced by free ones. `start()` returns once the model is ready.
    """

    def __init__(
        self,
        model_dir: Path,
        *,
        precision: Precision = "int8",
        dynamic_batching: bool = True,
        grpc_port: int = 8001,
        http_port: int = 8000,
        metrics_port: int = 8002,
        host: str = "127.0.0.1",
        intra_op_threads: int | None = None,
        instances: int | None = None,
        batcher: BatcherSettings | None = CPU_BATCHER,
        start_timeout_s: float = 120.0,
        work_dir: Path | None = None,
        session_threads: int | None = None,
    ) -> None:
        self.model_dir = Path(model_dir)
        self.model_name = read_model_config(self.model_dir / CONFIG_FILE).name
        self.precision: Precision = precision
        self.dynamic_batching = dynamic_batching
        self.host = host
        self.grpc_port = grpc_port or free_port()
        self.http_port = http_port or free_port()
        self.metrics_port = metrics_port or free_port()
        # Default: the measured layout (on CPU one single-threaded instance per core); an explicit
        # instance count without threads splits the cores between the instances.
        gpu = uses_gpu(precision)
        default_instances, default_threads = serving_layout(gpu)
        self.instances = instances or default_instances
        self.intra_op_threads = intra_op_threads or (
            default_threads if instances is None else max(1, available_cores() // self.instances)
        )
        self.batcher = None if gpu and batcher is CPU_BATCHER else batcher  # a GPU keeps config.pbtxt's
        # Each instance may spread one batch's session calls over all cores (see CPU_BATCHER).
        self.session_threads = session_threads or (1 if gpu else available_cores())
        self.start_timeout_s = start_timeout_s
        self._own_work_dir = work_dir is None
        self._work_dir_arg = work_dir
        self.work_dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.start_seconds: float | None = None
        # Triton's `--id`, echoed in its server metadata: ready means *this* server answers, not another
        # one already listening on the ports.
        self.server_id = f"medflow-{uuid.uuid4().hex[:12]}"

    @property
    def grpc_url(self) -> str:
        return f"{self.host}:{self.grpc_port}"

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{self.host}:{self.metrics_port}/metrics"

    @property
    def pid(self) -> int:
        """The tritonserver process (its Python-backend stubs are its children)."""
        if self._process is None:
            raise RuntimeError("server not started")
        return self._process.pid

    @property
    def log_path(self) -> Path:
        if self.work_dir is None:
            raise RuntimeError("server not started")
        return self.work_dir / LOG_FILE

    def _ports(self) -> dict[str, int]:
        return {"gRPC": self.grpc_port, "HTTP": self.http_port, "metrics": self.metrics_port}

    def _check_ports_free(self) -> None:
        taken = [f"{name} {port}" for name, port in self._ports().items() if port_in_use(self.host, port)]
        if taken:
            raise TritonPortTaken(
                f"port(s) {', '.join(taken)} on {self.host} already in use (another Triton?); choose free ports"
            )

    def start(self) -> EmbeddedTriton:
        if self._process is not None:
            raise RuntimeError("already started")
        self._check_ports_free()
        started = time.perf_counter()
        self.work_dir = Path(self._work_dir_arg or tempfile.mkdtemp(prefix="medflow-triton-"))
        repo = generate_local_repository(
            self.model_dir,
            self.work_dir / "models",
            precision=self.precision,
            dynamic_batching=self.dynamic_batching,
            intra_op_threads=self.intra_op_threads,
            instances=self.instances,
            batcher=self.batcher,
            session_threads=self.session_threads,
        )
        backends = prepare_backend_dir(self.work_dir / "backends")
        command = [
            *die_with_parent(),
            str(pytriton_dir() / "bin" / "tritonserver"),
            f"--model-repository={repo}",
            f"--backend-directory={backends}",
            f"--http-address={self.host}",
            f"--grpc-address={self.host}",
            f"--http-port={self.http_port}",
            f"--grpc-port={self.grpc_port}",
            f"--metrics-port={self.metrics_port}",
            "--allow-metrics=true",
            "--allow-gpu-metrics=false",
            "--allow-cpu-metrics=false",
            f"--id={self.server_id}",
            "--exit-on-error=true",
            "--exit-timeout-secs=10",
            "--log-verbose=0",
        ]
        with open(self.log_path, "wb") as log:
            # Own session: Ctrl-C in a foreground `medflow triton serve` reaches us, and we stop the
            # whole process group (server + Python-backend stubs) in order. If we die without stopping
            # it (SIGKILL), the server gets SIGTERM and stops its stubs itself (a stub outlives a
            # killed server by a minute or so, so the server must not get SIGKILL).
            self._process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=server_environment(),
                start_new_session=True,
            )
        atexit.register(self.stop)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.perf_counter() - started
        return self

    def _wait_ready(self) -> None:
        if not poll_until(self._model_ready, self.start_timeout_s):
            raise TritonStartError(
                f"model {self.model_name!r} not ready after {self.start_timeout_s:.0f} s.\n"
                f"Last lines of {self.log_path}:\n{self.log_tail()}"
            )

    def _model_ready(self) -> bool:
        """Whether the model is ready on this server; raises `TritonStartError` once the server process
        has exited, `TritonPortTaken` when it lost a port to another process."""
        assert self._process is not None
        if self._process.poll() is not None:
            if PORT_TAKEN_LOG_LINE in self.log_tail():
                ports = ", ".join(f"{name} {port}" for name, port in self._ports().items())
                raise TritonPortTaken(f"tritonserver could not bind its ports ({ports}) on {self.host}: one was taken")
            raise TritonStartError(
                f"tritonserver exited with code {self._process.returncode} before the model was ready.\n"
                f"Last lines of {self.log_path}:\n{self.log_tail()}"
            )
        answer = http_answer(self.http_url, self.model_name)  # (server id, model ready); None: no answer yet
        if answer is None:
            return False
        if answer[0] != self.server_id:
            raise TritonPortTaken(f"another server ({answer[0]!r}) answers on HTTP port {self.http_port}")
        return answer[1] and self._grpc_is_ours()

    def _grpc_is_ours(self) -> bool:
        """The gRPC port answers with this server's id (the port the batch flow and the gateway use)."""
        answering = grpc_server_id(self.grpc_url)
        if answering is not None and answering != self.server_id:
            raise TritonPortTaken(f"another server ({answering!r}) answers on gRPC port {self.grpc_port}")
        return answering is not None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def wait(self) -> int:
        """Block until the server exits (foreground serving)."""
        if self._process is None:
            raise RuntimeError("server not started")
        return self._process.wait()

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM (Triton unloads models and stops its stubs), then SIGKILL the group if it hangs."""
        process, self._process = self._process, None
        atexit.unregister(self.stop)
        if process is not None:
            stop_process(process, timeout_s, whole_group=True)
        if self._own_work_dir and self.work_dir is not None:
            shutil.rmtree(self.work_dir, ignore_errors=True)
            self.work_dir = None

    def __enter__(self) -> EmbeddedTriton:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
