"""The multi-process path of the deid engine, in a fresh interpreter set up like the batch flow: a
SIGTERM handler that raises (as Prefect installs one) and a live non-daemon thread in the parent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import json, multiprocessing, signal, sys, threading
    from pathlib import Path

    from deid import engine as deid_engine
    from samplegen.generate import generate_samples
    from medflow.settings import Settings

    class Terminated(Exception):
        pass

    def raise_on_sigterm(signum, frame):  # what Prefect's handler does in a flow-run process
        raise Terminated("SIGTERM")

    signal.signal(signal.SIGTERM, raise_on_sigterm)
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait, name="grpc-like")  # stands for the Triton client's threads
    busy.start()

    folder = Path(sys.argv[1])
    generate_samples(folder, n_notes=240, seed=11, n_files=2)
    texts = [json.loads(line)["text"] for line in (folder / "gold.jsonl").read_text().splitlines()]
    while sum(map(len, texts)) < deid_engine.PARALLEL_MIN_CHARS:
        texts = texts + texts
    engine = deid_engine.get_engine(Settings(deid_processes=2).deid_config())
    parallel = engine.detect(texts)
    workers = len(multiprocessing.active_children())
    again = engine.detect(texts[::-1])  # the same pool, reused
    serial = engine._detect_serial(texts)
    stop.set()
    busy.join()
    print(json.dumps({
        "n": len(texts),
        "workers": workers,
        "equal": parallel == serial,
        "equal_reversed": again == serial[::-1],
        "spans": sum(map(len, serial)),
    }))
    """
)


def test_parallel_path_matches_serial_and_shuts_down_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["workers"] == 2  # the parallel path ran, in a persistent pool
    assert report["spans"] > 0
    assert report["equal"] and report["equal_reversed"]
    # Pool shutdown at exit: no traceback, no TerminationSignal-style noise from the workers.
    assert "Traceback" not in proc.stderr
    assert "Terminated" not in proc.stderr
