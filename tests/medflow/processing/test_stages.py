"""The batch path's stages are built once per process and configuration, not once per file."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect_support import TEST_DEID_KEY
from pydantic import SecretStr

from medflow.preflight import DeidKeyMissing
from medflow.processing.stages import build_stages
from medflow.settings import Settings


@pytest.fixture()
def settings(tiny_model_repo: Path) -> Settings:
    # Nothing connects while the stages are built: no Triton is needed for this test.
    return Settings(model_repository=tiny_model_repo, deid_hmac_key=TEST_DEID_KEY, triton_url="127.0.0.1:1")


def test_the_same_configuration_reuses_the_stages_built_first(settings: Settings) -> None:
    stages, info = build_stages(settings)
    again, same_info = build_stages(settings.model_copy(update={"lock_ttl_s": settings.lock_ttl_s + 1}))
    assert again is stages
    assert same_info is info
    assert info.model_name == "demo-random-distilbert"  # the tiny model the session built


def test_a_setting_the_stages_use_builds_new_ones(settings: Settings) -> None:
    stages, _ = build_stages(settings)
    other, _ = build_stages(settings.model_copy(update={"triton_url": "127.0.0.1:2"}))
    rekeyed, _ = build_stages(settings.model_copy(update={"deid_hmac_key": SecretStr(TEST_DEID_KEY[::-1])}))
    assert other is not stages
    assert rekeyed is not stages
    assert rekeyed.pseudonymize("note_id", "n1") != stages.pseudonymize("note_id", "n1")


def test_no_stages_without_the_deid_key(settings: Settings) -> None:
    with pytest.raises(DeidKeyMissing):
        build_stages(settings.model_copy(update={"deid_hmac_key": None}))
