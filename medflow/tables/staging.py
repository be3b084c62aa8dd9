"""The staging area's housekeeping: what runs staged under ``{output}/_staging/`` and never committed.

A run stages its Parquet there (`medflow.run_types.RunContext.staging_uri`) until its commit; what a
killed run left behind is swept by the next run holding the date's lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from medflow.run_types import STAGING_FOLDER
from medflow.storage import filesystem_for, join_uri


def discard_staging(output_uri: str, run_date: date, run_ids: Sequence[str] | None = None) -> int:
    """Delete what runs of ``run_date`` staged: of ``run_ids``, or of every run of that date.

    Every run of the date is only safe while holding the date's run lock: no live writer can own
    staged objects then. Returns how many runs' staging folders were removed.
    """
    fs, root = filesystem_for(join_uri(output_uri, STAGING_FOLDER, f"run_date={run_date.isoformat()}"))
    fs.invalidate_cache(root)  # s3fs caches listings; another process staged these
    if run_ids is None:
        folders = list(fs.ls(root, detail=False)) if fs.exists(root) else []
    else:
        folders = [f"{root}/{run_id}" for run_id in run_ids if fs.exists(f"{root}/{run_id}")]
    for folder in folders:
        fs.rm(folder, recursive=True)
    return len(folders)
