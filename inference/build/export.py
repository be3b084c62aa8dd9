"""Export a DistilBERT/BERT sequence classifier to ONNX (FP32 + dynamic INT8) into the Triton repository.

torch and transformers are the optional `export` extra: they are imported only inside the functions
that need them, so the serving side (client, API, embedded Triton) never loads them.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

from inference.build.quant_check import compare_precisions
from inference.model_files import (
    CONFIG_FILE,
    ONNX_FILES,
    TOKENIZER_FILE,
    ModelInfo,
    write_model_info,
)

if TYPE_CHECKING:
    import tokenizers

DEFAULT_MODEL_ID = "distilbert-base-uncased-finetuned-sst-2-english"
DEMO_MODEL_NAME = "demo-random-distilbert"
OPSET = 17
HUB_CONNECT_TIMEOUT_S = 3.0
# The committed production config; seeds repositories built elsewhere (tests, other --repo paths).
PRODUCTION_CONFIG = Path(__file__).resolve().parents[2] / "triton_repo" / "distilbert" / CONFIG_FILE


class ModelSourceError(RuntimeError):
    """The requested checkpoint cannot be loaded (no hub access, missing directory, wrong architecture)."""


@dataclass(frozen=True, slots=True)
class DemoArchitecture:
    """DistilBERT-base shape by default; tests pass a tiny one."""

    dim: int = 768
    n_layers: int = 6
    n_heads: int = 12
    vocab_size: int = 30522
    num_labels: int = 2
    max_position_embeddings: int = 512
    # Wider than BERT's 0.02: with 0.02 a random DistilBERT gives ~0.50 for every note; 0.1 (full size)
    # spreads scores and produces both labels, so demo outputs and dashboards are not flat.
    initializer_range: float = 0.1
    seed: int = 0


@dataclass(frozen=True, slots=True)
class BuildResult:
    version_dir: Path
    info: ModelInfo
    export_seconds: float
    quantize_seconds: float
    int8_check: dict[str, float] | None


# --- tokenizer for the demo model ------------------------------------------------------------------

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")  # [PAD] = id 0, as DistilBERT expects


def train_demo_tokenizer(texts: Iterable[str], vocab_size: int = 30522) -> tokenizers.Tokenizer:
    """Uncased BERT-style WordPiece trained offline on the given (synthetic) note texts."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))  # noqa: S106 (a token, not a password)
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    # No progress bar: outside a terminal it prints only blank lines.
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=list(SPECIAL_TOKENS), show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    return tok


def sample_note_texts(samples_dir: Path) -> Iterator[str]:
    """The `note_text` column of `data/samples/*.parquet`, streamed batch by batch."""
    import pyarrow.parquet as pq

    files = sorted(Path(samples_dir).glob("*.parquet"))
    if not files:
        raise ModelSourceError(
            f"no sample Parquet files in {samples_dir} to train the demo tokenizer on; generate the samples first"
        )
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(columns=["note_text"]):
            yield from (t for t in batch.column(0).to_pylist() if t)


# --- model sources --------------------------------------------------------------------------------


def build_demo_model(arch: DemoArchitecture) -> Any:
    """A DistilBERT classifier with deterministic random weights (same compute as the real one)."""
    import torch
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    config = DistilBertConfig(
        vocab_size=arch.vocab_size,
        dim=arch.dim,
        n_layers=arch.n_layers,
        n_heads=arch.n_heads,
        hidden_dim=4 * arch.dim,
        max_position_embeddings=arch.max_position_embeddings,
        num_labels=arch.num_labels,
        initializer_range=arch.initializer_range,
        pad_token_id=0,
    )
    config._attn_implementation = "eager"  # plain MatMul/Softmax graph: the well-trodden ONNX export path
    torch.manual_seed(arch.seed)
    return DistilBertForSequenceClassification(config).eval()


def _hub_reachable(timeout_s: float = HUB_CONNECT_TIMEOUT_S) -> bool:
    """Quick TCP probe of the hub endpoint; DNS lookups can block, so it runs in a bounded thread."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}:
        return False
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    port = url.port or (443 if url.scheme == "https" else 80)
    outcome: list[bool] = []

    def probe() -> None:
        try:
            socket.create_connection((url.hostname, port), timeout=timeout_s).close()
            outcome.append(True)
        except OSError:
            outcome.append(False)

    worker = threading.Thread(target=probe, daemon=True)
    worker.start()
    worker.join(timeout_s + 0.5)
    return bool(outcome and outcome[0])


def load_pretrained(model_id_or_dir: str) -> tuple[Any, Any]:
    """Load (model, fast tokenizer) from a local directory, the local HF cache, or the hub."""
    local_dir = Path(model_id_or_dir).expanduser()
    local_only = local_dir.is_dir() or not _hub_reachable()
    source = str(local_dir) if local_dir.is_dir() else model_id_or_dir
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_only)
        model = AutoModelForSequenceClassification.from_pretrained(
            source, local_files_only=local_only, attn_implementation="eager"
        )
    except (OSError, ValueError) as exc:
        where = "the local directory" if local_dir.is_dir() else "the Hugging Face hub (unreachable) or the local cache"
        raise ModelSourceError(
            f"Cannot load model {model_id_or_dir!r} from {where} ({type(exc).__name__}). "
            "Pass a local directory holding a saved DistilBERT/BERT sequence classifier "
            "(config.json, weights, tokenizer.json), or run `medflow model build --demo` to build a "
            "random-weight DistilBERT of the same architecture offline (meaningless labels, named "
            f"{DEMO_MODEL_NAME!r})."
        ) from None
    if not getattr(tokenizer, "is_fast", False):
        raise ModelSourceError(f"{model_id_or_dir!r} has no fast tokenizer (tokenizer.json) to serve with")
    return model.eval(), tokenizer


# --- export -----------------------------------------------------------------------------------------


def export_onnx(model: Any, path: Path, opset: int = OPSET) -> None:
    """TorchScript-based export with dynamic batch and sequence axes."""
    import torch

    example_ids = torch.ones((2, 16), dtype=torch.int64)
    example_mask = torch.ones((2, 16), dtype=torch.int64)
    example_mask[1, 10:] = 0  # trace with real padding, so no "mask is all ones" shortcut gets baked in
    dynamic = {0: "batch", 1: "sequence"}
    # The tracer warns about shape-dependent Python branches in transformers' masking code; they are
    # exercised by the parity tests (padded vs unpadded, several lengths), so the noise is dropped here.
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=torch.jit.TracerWarning)
        warnings.simplefilter("ignore", category=UserWarning)
        torch.onnx.export(
            model,
            (example_ids, example_mask),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "logits": {0: "batch"}},
            opset_version=opset,
            dynamo=False,
        )


class _NoPreprocessingHint(logging.Filter):
    """ONNX Runtime logs a hint to run its pre-processing (shape inference, graph optimisation) before
    every quantization; the exported graph is quantized as it is (the variant measured in the README)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Please consider to run pre-processing before quantization")


def quantize_int8(fp32_path: Path, int8_path: Path) -> None:
    """Dynamic INT8 quantization of the MatMul weights (activations quantized at run time)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    hint = _NoPreprocessingHint()
    logging.getLogger().addFilter(hint)  # the hint goes to the root logger
    try:
        quantize_dynamic(str(fp32_path), str(int8_path), weight_type=QuantType.QInt8)
    finally:
        logging.getLogger().removeFilter(hint)


def convert_fp16(fp32_path: Path, fp16_path: Path, num_heads: int, hidden_size: int) -> None:
    """The GPU variant: ONNX Runtime's transformer optimizer fuses attention, LayerNorm and GELU into
    single kernels and stores the weights in FP16 (inputs stay INT64, logits FP32)."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(
        str(fp32_path), model_type="bert", num_heads=num_heads, hidden_size=hidden_size, opt_level=1, use_gpu=True
    )
    optimized.convert_float_to_float16(keep_io_types=True)
    optimized.save_model_to_file(str(fp16_path))


def ensure_model_config(model_dir: Path, n_labels: int | None = None) -> model_config_pb2.ModelConfig:
    """The model's config.pbtxt; a new model directory gets a copy of the production one, renamed (and
    with `n_labels` logits when given)."""
    config_path = Path(model_dir) / CONFIG_FILE
    if config_path.exists():
        return text_format.Parse(config_path.read_text(), model_config_pb2.ModelConfig())
    config = text_format.Parse(PRODUCTION_CONFIG.read_text(), model_config_pb2.ModelConfig())
    config.name = Path(model_dir).name
    if n_labels is not None:
        (logits,) = [o for o in config.output if o.name == "logits"]
        logits.dims[:] = [n_labels]
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(text_format.MessageToString(config))
    return config


@contextmanager
def staged_version(model_dir: Path, version: int) -> Iterator[Path]:
    """A temp sibling folder to write model_dir/version/ into, swapped in whole when the block succeeds
    (removed when it fails), so a running server never sees half-written files."""
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=model_dir))
    try:
        yield staging
        version_dir = model_dir / str(version)
        if version_dir.exists():
            shutil.rmtree(version_dir)
        staging.rename(version_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def save_serving_tokenizer(tokenizer: tokenizers.Tokenizer, folder: Path) -> None:
    """`folder/tokenizer.json` without truncation or padding: serving chunks and pads notes itself."""
    tokenizer.no_truncation()
    tokenizer.no_padding()
    tokenizer.save(str(folder / TOKENIZER_FILE))


def build_model_repo(
    model: Any,
    tokenizer: tokenizers.Tokenizer,
    *,
    repo: Path,
    name: str,
    model_name: str,
    source: str,
    max_length: int,
    check_texts: Sequence[str] = (),
    version: int = 1,
    fp16: bool = False,
) -> BuildResult:
    """Write model.onnx, model.int8.onnx, tokenizer.json and medflow_model.json into repo/name/version/
    (and model.fp16.onnx with `fp16`).

    `check_texts` (synthetic or de-identified) measure INT8 against FP32; the result is recorded.
    """
    import time

    labels = tuple(model.config.id2label[i] for i in range(model.config.num_labels))
    model_dir = Path(repo) / name
    (logits,) = [o for o in ensure_model_config(model_dir).output if o.name == "logits"]
    expected = int(logits.dims[-1])
    if expected != len(labels):
        raise ModelSourceError(
            f"{model_dir / CONFIG_FILE} declares {expected} logits but the model has {len(labels)} labels; "
            "update the output dims of the config first"
        )
    with staged_version(model_dir, version) as staging:
        started = time.perf_counter()
        export_onnx(model, staging / ONNX_FILES["fp32"])
        exported = time.perf_counter()
        quantize_int8(staging / ONNX_FILES["fp32"], staging / ONNX_FILES["int8"])
        if fp16:
            config = model.config
            heads = getattr(config, "n_heads", None) or config.num_attention_heads
            hidden = getattr(config, "dim", None) or config.hidden_size
            convert_fp16(staging / ONNX_FILES["fp32"], staging / ONNX_FILES["fp16"], heads, hidden)
        quantized = time.perf_counter()
        save_serving_tokenizer(tokenizer, staging)
        info = ModelInfo(
            model_name=model_name,
            model_version=str(version),
            labels=labels,
            max_length=max_length,
            source=source,
        )
        int8_check = compare_precisions(staging, check_texts) if check_texts else None
        write_model_info(staging, info, {"int8_check": int8_check} if int8_check else None)
    version_dir = model_dir / str(version)
    return BuildResult(version_dir, info, exported - started, quantized - exported, int8_check)


def build_demo(
    *,
    repo: Path,
    name: str,
    corpus: Iterable[str],
    arch: DemoArchitecture = DemoArchitecture(),
    max_length: int = 512,
    check_texts: Sequence[str] = (),
    fp16: bool = False,
) -> BuildResult:
    tokenizer = train_demo_tokenizer(corpus, vocab_size=arch.vocab_size)
    model = build_demo_model(arch)
    return build_model_repo(
        model,
        tokenizer,
        repo=repo,
        name=name,
        model_name=DEMO_MODEL_NAME,
        source=f"random weights (seed {arch.seed}); WordPiece trained on synthetic notes",
        max_length=min(max_length, arch.max_position_embeddings),
        check_texts=check_texts,
        fp16=fp16,
    )


def build_pretrained(
    *, repo: Path, name: str, model_id_or_dir: str, check_texts: Sequence[str] = (), fp16: bool = False
) -> BuildResult:
    model, hf_tokenizer = load_pretrained(model_id_or_dir)
    max_length = min(int(hf_tokenizer.model_max_length), int(model.config.max_position_embeddings))
    return build_model_repo(
        model,
        hf_tokenizer.backend_tokenizer,
        repo=repo,
        name=name,
        model_name=Path(model_id_or_dir).name if Path(model_id_or_dir).is_dir() else model_id_or_dir,
        source=model_id_or_dir,
        max_length=max_length,
        check_texts=check_texts,
        fp16=fp16,
    )
