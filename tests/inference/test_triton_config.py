"""The production config (GPU, T4) and the generated embedded one (CPU) define the same model contract."""

from pathlib import Path

from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2 as mc

from inference.triton_server import generate_local_repository, read_model_config

PRODUCTION_DIR = Path(__file__).resolve().parents[2] / "triton_repo" / "distilbert"


def _contract(config: mc.ModelConfig) -> tuple:
    tensors = lambda ts: [(t.name, t.data_type, list(t.dims)) for t in ts]  # noqa: E731
    return (
        config.name,
        tensors(config.input),
        tensors(config.output),
        config.max_batch_size,
        config.HasField("dynamic_batching"),
        list(config.dynamic_batching.preferred_batch_size),
        config.dynamic_batching.max_queue_delay_microseconds,
    )


def _generate(tiny_model_repo: Path, tmp_path: Path, **kw) -> mc.ModelConfig:
    generate_local_repository(tiny_model_repo / "distilbert", tmp_path / "models", **kw)
    return text_format.Parse((tmp_path / "models" / "distilbert" / "config.pbtxt").read_text(), mc.ModelConfig())


def test_production_config_targets_t4_with_tensorrt_fp16():
    config = read_model_config(PRODUCTION_DIR / "config.pbtxt")
    assert config.backend == "onnxruntime"
    assert config.max_batch_size >= 64
    assert [g.kind for g in config.instance_group] == [mc.ModelInstanceGroup.KIND_GPU]
    (accelerator,) = config.optimization.execution_accelerators.gpu_execution_accelerator
    assert accelerator.name == "tensorrt"
    assert accelerator.parameters["precision_mode"] == "FP16"
    assert int(accelerator.parameters["max_workspace_size_bytes"]) > 0
    assert config.dynamic_batching.preferred_batch_size and config.dynamic_batching.max_queue_delay_microseconds
    assert [(i.name, i.data_type, list(i.dims)) for i in config.input] == [
        ("input_ids", mc.TYPE_INT64, [-1]),
        ("attention_mask", mc.TYPE_INT64, [-1]),
    ]
    assert [(o.name, o.data_type, list(o.dims)) for o in config.output] == [("logits", mc.TYPE_FP32, [2])]


def test_generated_cpu_config_keeps_the_contract(tiny_model_repo: Path, tmp_path: Path):
    production = read_model_config(tiny_model_repo / "distilbert" / "config.pbtxt")
    # The tiny repo was seeded from the committed production config.
    assert _contract(production) == _contract(read_model_config(PRODUCTION_DIR / "config.pbtxt"))
    local = _generate(tiny_model_repo, tmp_path, precision="int8", dynamic_batching=True)
    assert _contract(local) == _contract(production)
    assert local.backend == "python"
    assert [g.kind for g in local.instance_group] == [mc.ModelInstanceGroup.KIND_CPU]
    assert not local.HasField("optimization")
    assert local.parameters["onnx_file"].string_value == "model.int8.onnx"
    version = tmp_path / "models" / "distilbert" / "1"
    assert (version / "model.py").is_file()
    assert (version / "model.int8.onnx").resolve() == (tiny_model_repo / "distilbert" / "1" / "model.int8.onnx")


def test_dynamic_batching_can_be_switched_off(tiny_model_repo: Path, tmp_path: Path):
    local = _generate(tiny_model_repo, tmp_path, precision="fp32", dynamic_batching=False)
    assert not local.HasField("dynamic_batching")
    assert local.parameters["onnx_file"].string_value == "model.onnx"
    assert local.max_batch_size == read_model_config(PRODUCTION_DIR / "config.pbtxt").max_batch_size


def test_cpu_batcher_replaces_only_the_batcher_numbers(tiny_model_repo: Path, tmp_path: Path):
    from inference.triton_server import BatcherSettings

    batcher = BatcherSettings(preferred_batch_sizes=(4, 8), max_queue_delay_us=100)
    local = _generate(tiny_model_repo, tmp_path, precision="int8", dynamic_batching=True, batcher=batcher, instances=2)
    assert list(local.dynamic_batching.preferred_batch_size) == [4, 8]
    assert local.dynamic_batching.max_queue_delay_microseconds == 100
    assert [(g.kind, g.count) for g in local.instance_group] == [(mc.ModelInstanceGroup.KIND_CPU, 2)]
    assert local.max_batch_size == read_model_config(PRODUCTION_DIR / "config.pbtxt").max_batch_size
