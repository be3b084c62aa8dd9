"""The flow against a real S3 API (moto_server on loopback): s3:// in and out, idempotent reruns,
the manifest as commit point, and SQL over the committed S3 tables."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
import s3fs

from medflow.query import run_query

RUN_DATE = date(2026, 11, 21)


@pytest.fixture()
def s3_bucket(
    moto_s3: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[s3fs.S3FileSystem, str]:
    """A fresh bucket holding two generated Parquet files under incoming/."""
    from medflow.samplegen import generate_samples

    for key, value in moto_s3.items():
        monkeypatch.setenv(key, value)
    s3fs.S3FileSystem.clear_instance_cache()  # credentials and endpoint are read at construction
    generate_samples(tmp_path / "notes", n_notes=40, seed=11, n_files=2)
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    bucket = f"medflow-{uuid.uuid4().hex[:8]}"
    fs.mkdir(bucket)
    for path in sorted((tmp_path / "notes").glob("*.parquet")):
        fs.put_file(str(path), f"{bucket}/incoming/{path.name}")
    return fs, bucket


def test_flow_on_s3_commits_once_and_reruns_idempotently(prefect_harness, flow_env, s3_bucket) -> None:
    from flows.nightly import nightly_deid_inference

    fs, bucket = s3_bucket
    input_uri, output_uri = f"s3://{bucket}/incoming", f"s3://{bucket}/curated"

    first = nightly_deid_inference(input_uri=input_uri, output_uri=output_uri, run_date=RUN_DATE, return_state=True)
    assert first.is_completed(), first.message
    manifest = first.result()
    assert manifest.totals.rows_out == 40 and manifest.totals.files == 2
    predictions = sorted(fs.find(f"{bucket}/curated/predictions/run_date={RUN_DATE}"))
    assert len(predictions) == 2
    assert fs.find(f"{bucket}/curated/manifests/run_date={RUN_DATE}") == [
        f"{bucket}/curated/manifests/run_date={RUN_DATE}/{manifest.run_id}.json"
    ]
    assert not fs.exists(f"{bucket}/curated/_locks/run_date={RUN_DATE}.lock")  # released

    # Rerun: both inputs are already committed for this date and model, so nothing is reprocessed.
    second = nightly_deid_inference(input_uri=input_uri, output_uri=output_uri, run_date=RUN_DATE, return_state=True)
    rerun = second.result()
    assert "2 file(s) skipped" in second.message
    assert [f.status for f in rerun.files] == ["skipped", "skipped"]
    assert rerun.totals.rows_out == 0
    assert sorted(fs.find(f"{bucket}/curated/predictions/run_date={RUN_DATE}")) == predictions

    # A changed input object gets a new output; --force reprocesses into the same object names.
    forced = nightly_deid_inference(
        input_uri=input_uri, output_uri=output_uri, run_date=RUN_DATE, force=True, return_state=True
    ).result()
    assert forced.totals.rows_out == 40
    assert sorted(fs.find(f"{bucket}/curated/predictions/run_date={RUN_DATE}")) == predictions

    # Analysts see each note once, across three committed manifests.
    frame = run_query("SELECT count(*) AS n, count(DISTINCT note_id) AS ids FROM predictions", output_uri)
    assert frame.to_dicts() == [{"n": 40, "ids": 40}]


def test_uncommitted_output_is_invisible_to_queries(prefect_harness, flow_env, s3_bucket) -> None:
    """Objects written by a run that never committed its manifest are not part of the tables."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from flows.nightly import nightly_deid_inference

    fs, bucket = s3_bucket
    output_uri = f"s3://{bucket}/curated"
    nightly_deid_inference(input_uri=f"s3://{bucket}/incoming", output_uri=output_uri, run_date=RUN_DATE)
    orphan = pq.read_table(fs.open(fs.find(f"{bucket}/curated/predictions")[0], "rb"))
    with fs.open(f"{bucket}/curated/predictions/run_date={RUN_DATE}/orphan-from-crashed-run.parquet", "wb") as f:
        pq.write_table(pa.concat_tables([orphan, orphan]), f)
    frame = run_query("SELECT count(*) AS n FROM predictions", output_uri)
    assert frame.item() == 40
