"""Peak memory of the batch flow vs input size: one subprocess per size, so each peak is its own.

The child runs the real stages (`medflow.processing.stages.build_stages`) over a folder with `process_file` and
prints `{"peak_rss_mb": ...}`: the larger of its own peak RSS and that of its de-identification
workers (`getrusage` of itself and of its children). Run as
`python -m bench.memory --input DIR --output DIR [--no-deid]` with `MEDFLOW_*` settings in the env.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.notes import write_sample_copies


def peak_rss_mb() -> float:
    """ru_maxrss is in KiB on Linux."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def measure_peak(input_dir: Path, env: dict[str, str], deid: bool, timeout_s: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="medflow-bench-mem-out-") as out_dir:
        command = [sys.executable, "-m", "bench.memory", "--input", str(input_dir), "--output", out_dir]
        if not deid:
            command.append("--no-deid")
        done = subprocess.run(command, env=env, capture_output=True, timeout=timeout_s, check=False)
    if done.returncode != 0:
        # The child's stderr is a traceback of bench code over synthetic samples: keep its last line only.
        last = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
        raise RuntimeError(f"memory child failed ({done.returncode}): {last[0][:300]}")
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def memory_growth(
    samples_dir: Path, work_dir: Path, env: dict[str, str], base_notes: int, factor: int, deid: bool, timeout_s: float
) -> dict[str, object]:
    """Peak RSS on `factor` copies of the first `base_notes` samples divided by peak RSS on one copy."""
    peaks = {}
    for copies in (1, factor):
        input_dir = work_dir / f"memory-{copies}x"
        write_sample_copies(samples_dir, input_dir, base_notes, copies)
        peaks[copies] = measure_peak(input_dir, env, deid, timeout_s)
    return {
        "ratio": round(peaks[factor]["peak_rss_mb"] / peaks[1]["peak_rss_mb"], 3),
        "factor": factor,
        "base_notes": base_notes,
        "deid": deid,
        "read_batch_rows": int(env.get("MEDFLOW_READ_BATCH_ROWS", "0")) or None,
        "runs": {f"{copies}x": peak for copies, peak in peaks.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--no-deid", action="store_true", help="pass-through de-identification (bench only)")
    args = parser.parse_args()

    from bench.batch_path import passthrough_deidentify, pipeline_run
    from medflow.processing.pipeline import Stages
    from medflow.processing.stages import build_stages
    from medflow.settings import get_settings

    settings = get_settings()
    stages, info = build_stages(settings)
    if args.no_deid:
        stages = Stages(deidentify=passthrough_deidentify, classify=stages.classify, pseudonymize=stages.pseudonymize)
    run = pipeline_run(args.input, args.output, settings, stages, info)
    result = {"peak_rss_mb": round(peak_rss_mb(), 1), "notes": run["notes"], "seconds": run["seconds"]}
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
