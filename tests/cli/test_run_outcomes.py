"""How runs end, for a scheduler (issue 17): pre-flight refusals are one line each, with their exit code,
and write nothing; the flow's final state and `medflow run`'s exit code follow the README's table;
the tables can be queried after any committed run, even one that wrote no row."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable
from sample_inputs import notes_without_gold
from typer.testing import CliRunner

from cli.main import app
from inference.local_process import free_port
from medflow.outcome import ExitCode
from medflow.tables.delta import TABLE_SCHEMAS

MEDFLOW = str(Path(sys.executable).parent / "medflow")
RUN_DATE = date(2026, 11, 21)


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return notes_without_gold(tmp_path_factory.mktemp("notes"), n_notes=12, seed=3, n_files=2)


@pytest.fixture(scope="module")
def corrupt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Input whose every object is unreadable: the run commits nothing but quarantine records."""
    folder = tmp_path_factory.mktemp("corrupt")
    (folder / "a.parquet").write_bytes(b"PAR1 this is not a parquet file")
    (folder / "b.parquet").write_bytes(b"neither is this")
    return folder


def _medflow(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The CLI in its own process (it sets up Prefect's console logging, which CliRunner would capture)."""
    return subprocess.run([MEDFLOW, *args], env=env, capture_output=True, text=True, timeout=600, check=False)


def _env(flow_env: str, **changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines), lines
    return lines


def test_preflight_refusals_are_one_line_each_and_write_nothing(
    flow_env: str, notes: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    run = ["run", "--input", str(notes), "--output", str(out)]
    down = f"127.0.0.1:{free_port()}"  # nothing listens there

    nothing = _medflow("run", "--input", str(tmp_path / "typo"), "--output", str(out), env=_env(flow_env))
    assert nothing.returncode == ExitCode.NO_INPUT
    (line,) = _error_lines(nothing)
    assert f"no *.parquet object under {tmp_path / 'typo'} (it does not exist)" in line and "--allow-empty" in line

    (tmp_path / "empty").mkdir()
    empty = _medflow("run", "--input", str(tmp_path / "empty"), "--output", str(out), env=_env(flow_env))
    assert empty.returncode == ExitCode.NO_INPUT
    assert "no *.parquet object under" in _error_lines(empty)[0]

    triton = _medflow(*run, "--triton-url", down, env=_env(flow_env))
    assert triton.returncode == ExitCode.NOT_STARTED
    (line,) = _error_lines(triton)
    assert f"Triton at {down}: not reachable" in line
    assert "medflow triton serve" in line and "--triton-url" in line and "MEDFLOW_TRITON_URL" in line

    (tmp_path / "a-file").write_text("")
    under_a_file = tmp_path / "a-file" / "out"
    unwritable = _medflow("run", "--input", str(notes), "--output", str(under_a_file), env=_env(flow_env))
    assert unwritable.returncode == ExitCode.NOT_STARTED
    assert f"cannot write to the output {under_a_file}" in _error_lines(unwritable)[0]

    no_model = _medflow(*run, env=_env(flow_env, MEDFLOW_MODEL_REPOSITORY=str(tmp_path / "no-models")))
    assert no_model.returncode == ExitCode.NOT_STARTED
    (line,) = _error_lines(no_model)
    assert "model files missing" in line and "medflow model build --demo" in line

    # Everything wrong at once: one line per problem, in one go; no input is then not the only problem.
    everything = _medflow("run", "--input", str(tmp_path / "typo"), "--output", str(out), "--triton-url", down,
                          env=_env(flow_env, MEDFLOW_DEID_HMAC_KEY=None))
    assert everything.returncode == ExitCode.NOT_STARTED
    lines = _error_lines(everything)
    assert len(lines) == 3
    assert lines[0].startswith("error: MEDFLOW_DEID_HMAC_KEY is not set")

    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "empty"]  # the write probes left nothing


def test_flow_states_follow_the_exit_code_rules(
    prefect_harness: None, flow_env: str, notes: Path, corrupt: Path, tmp_path: Path
) -> None:
    from flows.nightly import nightly_deid_inference
    from medflow.preflight import PreflightError

    # No input: Failed "NoInput", nothing written; the flow raises the pre-flight error when called plainly.
    out = tmp_path / "out"
    state = nightly_deid_inference(input_uri=str(tmp_path / "typo"), output_uri=str(out), return_state=True)
    assert state.is_failed() and state.name == "NoInput"
    assert "no *.parquet object under" in state.message
    assert not out.exists()
    with pytest.raises(PreflightError):
        nightly_deid_inference(input_uri=str(tmp_path / "typo"), output_uri=str(out))

    # Triton down: Failed "NotStarted", before any work.
    state = nightly_deid_inference(
        input_uri=str(notes), output_uri=str(out), triton_url=f"127.0.0.1:{free_port()}", return_state=True
    )
    assert state.is_failed() and state.name == "NotStarted" and "medflow triton serve" in state.message
    assert not out.exists()

    # Allowed empty input: an empty run commits; both tables exist with their schema and answer queries.
    state = nightly_deid_inference(
        input_uri=str(tmp_path / "typo"), output_uri=str(out), run_date=RUN_DATE, allow_empty=True, return_state=True
    )
    assert state.is_completed() and state.name == "Completed"
    for name in ("predictions", "quarantine"):
        table = DeltaTable(str(out / name))
        assert pa.schema(table.schema()) == TABLE_SCHEMAS[name] and table.to_pyarrow_table().num_rows == 0
        counted = CliRunner().invoke(app, ["query", f"SELECT count(*) AS n FROM {name}", "--output", str(out),
                                           "--format", "json"])
        assert counted.exit_code == 0 and json.loads(counted.output) == [{"n": 0}]

    # Every file unreadable: Completed "Quarantined" (plain Completed when quarantine is accepted), and
    # the quarantine table says why.
    bad_out = tmp_path / "bad"
    state = nightly_deid_inference(input_uri=str(corrupt), output_uri=str(bad_out), return_state=True)
    assert state.is_completed() and state.name == "Quarantined"
    assert "QUARANTINED 0 row(s), 2 whole file(s)" in state.message
    reasons = CliRunner().invoke(app, ["query", "SELECT reason, count(*) AS records FROM quarantine GROUP BY reason",
                                       "--output", str(bad_out), "--format", "csv"])
    assert reasons.exit_code == 0
    assert reasons.output.splitlines() == ["reason,records", "unreadable Parquet (ArrowInvalid),2"]
    state = nightly_deid_inference(
        input_uri=str(corrupt), output_uri=str(bad_out), force=True, quarantine_ok=True, return_state=True
    )
    assert state.is_completed() and state.name == "Completed" and "QUARANTINED" in state.message


def test_run_exit_codes_for_committed_runs(prefect_harness: None, flow_env: str, corrupt: Path, tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    env = _env(flow_env, PREFECT_API_URL=PREFECT_API_URL.value())
    out = tmp_path / "out"
    quarantined = _medflow("run", "--input", str(corrupt), "--output", str(out), env=env)
    assert quarantined.returncode == ExitCode.QUARANTINED, quarantined.stderr[-2000:]
    # Exit 3 says how to see what was quarantined, and that command works.
    (hint,) = [line for line in quarantined.stdout.splitlines() if line.startswith("Quarantined rows and files")]
    shown = _medflow(*shlex.split(hint.split(": ", 1)[1])[1:], "--format", "csv", env=env)
    assert shown.returncode == 0, shown.stderr
    assert sorted(shown.stdout.splitlines()[1:]) == [
        f"{(corrupt / name).as_uri()},unreadable Parquet (ArrowInvalid),1" for name in ("a.parquet", "b.parquet")
    ]
    # The manifest names the quarantine table for the unreadable files (they have a record there).
    (manifest,) = (out / "manifests").rglob("*.json")
    assert [f["quarantine"] for f in json.loads(manifest.read_text())["files"]] == [str(out / "quarantine")] * 2
    # A rerun that skips every file commits nothing and says so.
    rerun = _medflow("run", "--input", str(corrupt), "--output", str(out), env=env)
    assert rerun.returncode == ExitCode.OK, rerun.stderr[-2000:]
    logs = rerun.stdout + rerun.stderr
    assert "nothing to commit: every input was already committed" in logs and "committed predictions" not in logs
    accepted = _medflow("run", "--input", str(corrupt), "--output", str(out), "--force", "--quarantine-ok", env=env)
    assert accepted.returncode == ExitCode.OK, accepted.stderr[-2000:]
    empty = _medflow("run", "--input", str(tmp_path / "nothing"), "--output", str(out), "--allow-empty", env=env)
    assert empty.returncode == ExitCode.OK, empty.stderr[-2000:]


def test_a_run_behind_another_runs_lock_says_what_it_waits_for(
    prefect_harness: None, flow_env: str, notes: Path, tmp_path: Path
) -> None:
    """Another run holds the date's lease (this test refreshes it) until the new run says it waits for it;
    then that holder dies: its lease goes stale and the new run takes it over and finishes."""
    import threading
    import time

    from prefect.settings import PREFECT_API_URL

    out = tmp_path / "out"
    lock = out / "_locks" / f"run_date={RUN_DATE.isoformat()}.lock"
    lock.parent.mkdir(parents=True)
    holder_alive = threading.Event()
    holder_alive.set()

    def heartbeat() -> None:
        while holder_alive.is_set():
            (lock.parent / "beat.tmp").write_text(json.dumps({"owner": "run-other@host", "heartbeat": time.time()}))
            os.replace(lock.parent / "beat.tmp", lock)
            time.sleep(0.5)

    beating = threading.Thread(target=heartbeat, daemon=True)
    beating.start()
    env = _env(flow_env, PREFECT_API_URL=PREFECT_API_URL.value(), MEDFLOW_LOCK_TTL_S="8")
    command = [MEDFLOW, "run", "--input", str(notes), "--output", str(out), "--run-date", RUN_DATE.isoformat()]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line.rstrip("\n"))
            if "waiting up to 900 s for the lock" in line:
                holder_alive.clear()  # the holder dies now
        process.wait(timeout=600)
    finally:
        holder_alive.clear()
        if process.poll() is None:
            process.kill()
        beating.join()
    assert process.returncode == ExitCode.OK, "\n".join(lines[-40:])
    (waiting,) = [i for i, line in enumerate(lines) if "waiting up to 900 s for the lock" in line]
    assert "held by run-other@host" in lines[waiting] and "stale in" in lines[waiting]
    (took_over,) = [i for i, line in enumerate(lines) if "took over the stale lock" in line]
    assert waiting < took_over


def test_a_run_that_gives_up_waiting_for_the_lock_is_one_error_line(
    prefect_harness: None, flow_env: str, notes: Path, tmp_path: Path
) -> None:
    """Another live run holds the date's lock past MEDFLOW_LOCK_WAIT_S: the flow ends Failed `Locked`,
    `python -m cli.main run` exits 1 with one `error:` line naming the holder, no traceback, nothing written."""
    from prefect.settings import PREFECT_API_URL

    from medflow.tables.locking import RunLock

    out = tmp_path / "out"
    env = _env(flow_env, PREFECT_API_URL=PREFECT_API_URL.value(), MEDFLOW_LOCK_WAIT_S="1")
    command = [sys.executable, "-m", "cli.main", "run", "--input", str(notes), "--output", str(out),
               "--run-date", RUN_DATE.isoformat()]
    with RunLock(str(out), RUN_DATE, "another-run", ttl_s=3600):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == ExitCode.FAILED, output[-4000:]
    assert "Traceback" not in output, output[-4000:]
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert "(Locked)" in line and "is held by another-run@" in line, line
    assert sorted(p.name for p in out.iterdir()) == ["_locks"]
