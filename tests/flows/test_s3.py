"""The flow against a real S3 API (moto_server on loopback): s3:// in and out, Delta tables on S3
committed with conditional writes, idempotent reruns, concurrent writers, and SQL over the tables."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from pathlib import Path

import pytest
import s3fs
from deltalake import DeltaTable
from prefect_support import note_pseudonym, retry_scheduled, task_run_counts

from medflow.tables.query import run_query

RUN_DATE = date(2026, 11, 21)


@pytest.fixture()
def s3_bucket(
    moto_s3: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[s3fs.S3FileSystem, str]:
    """A fresh bucket holding two generated Parquet files under incoming/."""
    from samplegen.generate import generate_samples

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


def _delta(uri: str) -> DeltaTable:
    return DeltaTable(uri, storage_options={"AWS_ALLOW_HTTP": "true"})


def test_flow_on_s3_commits_once_and_reruns_idempotently(prefect_harness, flow_env, s3_bucket) -> None:
    from flows.nightly import nightly_deid_inference

    fs, bucket = s3_bucket
    input_uri, output_uri = f"s3://{bucket}/incoming", f"s3://{bucket}/curated"

    first = nightly_deid_inference(input_uri=input_uri, output_uri=output_uri, run_date=RUN_DATE, return_state=True)
    assert first.is_completed(), first.message
    manifest = first.result()
    assert manifest.totals.rows_out == 40 and manifest.totals.files == 2
    predictions = _delta(f"{output_uri}/predictions")
    assert manifest.tables is not None and manifest.tables.predictions.version == predictions.version()
    assert predictions.to_pyarrow_table().num_rows == 40
    assert fs.find(f"{bucket}/curated/manifests/run_date={RUN_DATE}") == [
        f"{bucket}/curated/manifests/run_date={RUN_DATE}/{manifest.run_id}.json"
    ]
    assert not fs.exists(f"{bucket}/curated/_locks/run_date={RUN_DATE}.lock")  # released
    fs.invalidate_cache()
    assert fs.find(f"{bucket}/curated/_staging") == []  # staged objects deleted after the commit

    # Rerun: both inputs are already committed for this date and model, so nothing is reprocessed
    # and nothing is committed.
    second = nightly_deid_inference(input_uri=input_uri, output_uri=output_uri, run_date=RUN_DATE, return_state=True)
    rerun = second.result()
    assert "2 file(s) skipped" in second.message
    assert [f.status for f in rerun.files] == ["skipped", "skipped"]
    assert rerun.totals.rows_out == 0
    assert _delta(f"{output_uri}/predictions").version() == predictions.version()

    # --force reprocesses: the MERGE replaces the 40 rows (one new version), it does not add any.
    forced = nightly_deid_inference(
        input_uri=input_uri, output_uri=output_uri, run_date=RUN_DATE, force=True, return_state=True
    ).result()
    assert forced.totals.rows_out == 40
    assert forced.tables.predictions.version == predictions.version() + 1
    assert _delta(f"{output_uri}/predictions").history(1)[0]["operationMetrics"]["num_target_rows_updated"] == 40

    # Analysts see each note once.
    frame = run_query("SELECT count(*) AS n, count(DISTINCT note_id) AS ids FROM predictions", output_uri)
    assert frame.to_dicts() == [{"n": 40, "ids": 40}]


def test_uncommitted_output_is_invisible_to_queries(prefect_harness, flow_env, s3_bucket) -> None:
    """Objects in the table folder that no commit lists (a killed writer's) are not part of the table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from flows.nightly import nightly_deid_inference

    fs, bucket = s3_bucket
    output_uri = f"s3://{bucket}/curated"
    nightly_deid_inference(input_uri=f"s3://{bucket}/incoming", output_uri=output_uri, run_date=RUN_DATE)
    data_files = [p for p in fs.find(f"{bucket}/curated/predictions") if p.endswith(".parquet")]
    orphan = pq.read_table(fs.open(data_files[0], "rb"))
    with fs.open(f"{bucket}/curated/predictions/run_date={RUN_DATE}/orphan-from-crashed-run.parquet", "wb") as f:
        pq.write_table(pa.concat_tables([orphan, orphan]), f)
    frame = run_query("SELECT count(*) AS n FROM predictions", output_uri)
    assert frame.item() == 40
    assert _delta(f"{output_uri}/predictions").to_pyarrow_table().num_rows == 40


def test_delta_commits_on_s3_never_overwrite_a_log_entry(moto_s3, s3_bucket) -> None:
    """delta-rs commits version N with a conditional PUT (If-None-Match: *): moto honours it, so a
    writer whose version number was taken meanwhile commits N+1 instead of replacing the other's."""
    import json
    from datetime import date as date_

    import pyarrow as pa
    from deltalake import write_deltalake

    fs, bucket = s3_bucket
    uri = f"s3://{bucket}/race"
    schema = pa.schema([pa.field("note_id", pa.string()), pa.field("run_date", pa.date32())])
    DeltaTable.create(uri, schema=schema, storage_options={"AWS_ALLOW_HTTP": "true"})
    stale = _delta(uri)  # a writer that read version 0
    taken = f"{bucket}/race/_delta_log/{1:020d}.json"
    other = json.dumps({"commitInfo": {"timestamp": 1, "operation": "OTHER WRITER", "operationParameters": {}}})
    fs.pipe_file(taken, (other + "\n").encode())
    write_deltalake(stale, pa.table({"note_id": ["a"], "run_date": [date_(2026, 11, 21)]}, schema=schema),
                    mode="append")
    assert fs.cat_file(taken).decode().strip() == other  # not overwritten
    assert _delta(uri).version() == 2


def _commit_on_s3(input_dir: str, output_uri: str, run_id: str, env: dict[str, str]) -> None:
    import os
    from pathlib import Path as Path_

    os.environ.update(env)
    from tests.medflow.tables.test_tables import run_once

    run_once(Path_(input_dir), output_uri, run_id, RUN_DATE)  # type: ignore[arg-type]


def test_concurrent_commits_on_s3_all_land(moto_s3, s3_bucket, tmp_path: Path) -> None:
    """Three processes commit runs into one S3 output at once; every note lands once."""
    import multiprocessing

    from tests.medflow.processing.test_pipeline import note, pseudonym, write_notes

    fs, bucket = s3_bucket
    output_uri = f"s3://{bucket}/concurrent"
    folders = []
    for k in range(3):
        folder = tmp_path / f"in-{k}"
        write_notes(folder / "a.parquet", [note(i) for i in range(k * 10, k * 10 + 10)])
        folders.append(str(folder))
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_commit_on_s3, args=(folder, output_uri, f"run-{k}", moto_s3))
        for k, folder in enumerate(folders)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=240)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    table = _delta(f"{output_uri}/predictions")
    ids = table.to_pyarrow_table().column("note_id").to_pylist()
    assert sorted(ids) == sorted(pseudonym(f"n{i}") for i in range(30))  # run_once stages with test_pipeline's key
    merges = sorted(c.get("medflow.run_id") for c in table.history() if c["operation"] == "MERGE")
    assert merges == ["run-0", "run-1", "run-2"]


def test_bad_input_is_quarantined_and_counts_reconcile(prefect_harness, flow_env, moto_s3, monkeypatch) -> None:
    """Every kind of bad input at once, on S3: the good rows go on, each bad row/file has a reason."""
    import io
    from datetime import UTC, datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    from flows.nightly import nightly_deid_inference

    for key, value in moto_s3.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MEDFLOW_MAX_NOTE_CHARS", "20000")
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    bucket = f"medflow-{uuid.uuid4().hex[:8]}"
    fs.mkdir(bucket)

    def put(name: str, table: pa.Table | bytes) -> None:
        if isinstance(table, bytes):
            fs.pipe_file(f"{bucket}/in/{name}", table)
            return
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        fs.pipe_file(f"{bucket}/in/{name}", buffer.getvalue())

    when = datetime(2026, 11, 20, tzinfo=UTC)
    mixed = pa.table(
        {
            "note_id": ["a1", "a2", "a3", "a1", "a5", None, "a7"],
            "patient_id": ["p1"] * 7,
            "note_type": ["nursing_note"] * 7,
            "note_text": [
                b"Pt seen by Dr. Hannelore Quistgaard on 03/04/2026, stable.",
                None,
                b"   ",
                b"duplicate of a1",
                b"x" * 20001,
                b"no id",
                b"\xff\xfe not utf-8",
            ],
            "created_at": [when] * 7,
        }
    )
    put("a-mixed.parquet", mixed)
    put("b-no-text-column.parquet", pa.table({"note_id": ["b1", "b2"], "body": ["x", "y"]}))
    put("c-numeric-text.parquet", pa.table({"note_id": ["c1"], "note_text": [42]}))
    put("d-corrupt.parquet", b"PAR1" + bytes(range(256)) * 4)
    put("e-good.parquet", pa.table({"note_id": ["e1"], "note_text": ["Follow up in clinic, BP 120/80."]}))

    state = nightly_deid_inference(
        input_uri=f"s3://{bucket}/in", output_uri=f"s3://{bucket}/out", run_date=RUN_DATE, return_state=True
    )
    assert state.is_completed()
    assert "QUARANTINED 9 row(s), 3 whole file(s)" in state.message  # 6 rows of a-mixed + every row of b and c
    manifest = state.result()
    by_file = {f.source.rsplit("/", 1)[1]: f for f in manifest.files}
    for report in manifest.files:
        assert report.rows_in == report.rows_out + report.rows_quarantined, report.source
    assert [(n, by_file[n].status, by_file[n].rows_out) for n in sorted(by_file)] == [
        ("a-mixed.parquet", "partial", 1),
        ("b-no-text-column.parquet", "failed", 0),
        ("c-numeric-text.parquet", "failed", 0),
        ("d-corrupt.parquet", "failed", 0),
        ("e-good.parquet", "ok", 1),
    ]
    quarantine = run_query(
        "SELECT source, row_index, reason FROM quarantine ORDER BY source, row_index", f"s3://{bucket}/out"
    ).rows()
    reasons = [(src.rsplit("/", 1)[1], idx, reason) for src, idx, reason in quarantine]
    assert reasons == [
        ("a-mixed.parquet", 1, "missing note_text"),
        ("a-mixed.parquet", 2, "empty note_text"),
        ("a-mixed.parquet", 3, "duplicate note_id"),
        ("a-mixed.parquet", 4, "note_text longer than 20000 characters"),
        ("a-mixed.parquet", 5, "missing note_id"),
        ("a-mixed.parquet", 6, "note_text is not valid UTF-8"),
        ("b-no-text-column.parquet", None, "missing required column(s): note_text"),
        ("c-numeric-text.parquet", None, "note_text has type int64, expected string"),
        ("d-corrupt.parquet", None, "unreadable Parquet (ArrowInvalid)"),
    ]
    rows = run_query("SELECT note_id, deid_text FROM predictions ORDER BY note_id", f"s3://{bucket}/out").rows()
    by_id = dict(rows)
    assert set(by_id) == {note_pseudonym("a1"), note_pseudonym("e1")}
    assert "Quistgaard" not in by_id[note_pseudonym("a1")] and "03/04/2026" not in by_id[note_pseudonym("a1")]


class _SwitchableProxy:
    """A loopback TCP proxy to the S3 server that can be switched off: an S3 outage on demand. Switching
    off cuts the open connections too, so pooled keep-alive connections fail like new ones."""

    def __init__(self, target_port: int) -> None:
        import socket
        import threading

        self.target_port = target_port
        self.up = threading.Event()
        self.up.set()
        self.refused = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                if not self.up.is_set():
                    self.refused += 1
                    client.close()
                    continue
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
                self._open |= {client, upstream}
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def switch_off(self) -> None:
        import socket

        with self._lock:
            self.up.clear()
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._open.clear()

    def _pipe(self, src, dst) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.close()
                except OSError:
                    pass

    def close(self) -> None:
        self._server.close()


def test_s3_outage_mid_run_is_retried_and_loses_nothing(
    prefect_harness, flow_env, moto_s3, s3_bucket, monkeypatch
) -> None:
    """S3 unreachable mid-run: the file task fails, Prefect retries it, nothing is lost. The outage starts
    when the run has classified its first rows (before it uploads their staged object) and lasts until a
    task of the run has failed and its retry is scheduled, whatever the machine's speed."""
    from urllib.parse import urlparse

    from flows.nightly import nightly_deid_inference
    from medflow.processing.progress import watch_progress

    fs, bucket = s3_bucket  # talks to moto directly; the flow goes through the proxy
    for name in ("notes-0001", "notes-0002"):  # more files, so the outage lands while files remain
        fs.copy(f"{bucket}/incoming/{name}.parquet", f"{bucket}/incoming/{name}-copy.parquet")
    proxy = _SwitchableProxy(urlparse(moto_s3["AWS_ENDPOINT_URL"]).port)
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # no transport retries: the outage must reach Prefect
    s3fs.S3FileSystem.clear_instance_cache()
    outage_started = threading.Event()

    def start_outage_at_the_first_rows(done: int, total: int) -> None:
        if done and not outage_started.is_set():
            outage_started.set()
            proxy.switch_off()

    with retry_scheduled() as retry:

        def end_outage_once_a_retry_is_scheduled() -> None:
            retry.wait(240)
            proxy.up.set()

        restorer = threading.Thread(target=end_outage_once_a_retry_is_scheduled, daemon=True)
        restorer.start()
        try:
            with watch_progress(start_outage_at_the_first_rows):
                state = nightly_deid_inference(
                    input_uri=f"s3://{bucket}/incoming", output_uri=f"s3://{bucket}/curated", run_date=RUN_DATE,
                    return_state=True,
                )
        finally:
            retry.set()
            restorer.join(timeout=60)
            proxy.close()
    assert state.is_completed(), state.message
    manifest = state.result()
    assert manifest.totals.rows_in == 80
    # The outage hit a file task or the commit (which reads the staged objects): Prefect retried it.
    retried = task_run_counts(manifest.run_id, "process-") + task_run_counts(manifest.run_id, "commit-")
    assert max(retried) > 1
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_s3["AWS_ENDPOINT_URL"])
    s3fs.S3FileSystem.clear_instance_cache()
    frame = run_query("SELECT count(*) AS n, count(DISTINCT note_id) AS ids FROM predictions", f"s3://{bucket}/curated")
    assert frame.to_dicts() == [{"n": 40, "ids": 40}]  # one row per note
    # Each note is in two input objects (a file and its copy): the copies' rows are quarantined.
    assert manifest.totals.rows_out == manifest.totals.rows_quarantined == 40


def test_failed_s3_write_leaves_no_object_and_nothing_to_flush_later(s3_bucket, monkeypatch) -> None:
    import gc
    import sys

    from medflow.storage import atomic_write

    fs, bucket = s3_bucket
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    path = f"{bucket}/out/failed.parquet"
    with pytest.raises(RuntimeError, match="write failed"):
        with atomic_write(fs, path) as f:
            f.write(b"partial")
            raise RuntimeError("write failed")
    del f
    gc.collect()
    assert not fs.exists(path)
    assert unraisable == []  # the discarded file is closed: collecting it does not try to upload
