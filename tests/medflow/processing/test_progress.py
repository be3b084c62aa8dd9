"""Run progress: rows done against the rows to do, each file counted once whatever happened to it."""

from __future__ import annotations

import threading

from medflow.processing.progress import RunProgress, watch_progress


def test_progress_counts_rows_as_reported_and_each_file_once() -> None:
    seen: list[tuple[int, int]] = []
    progress = RunProgress(100, [lambda done, total: seen.append((done, total))])
    assert seen == [(0, 100)]

    first_try = progress.start_file()
    first_try(20)  # the first attempt at a file gets 20 rows in, then fails; Prefect retries it
    retry = progress.start_file()
    retry(30)
    retry(10)
    progress.finish_file(40)
    progress.start_file()
    progress.finish_file(60)  # a file quarantined whole reports no rows on the way
    assert seen == [(0, 100), (20, 100), (30, 100), (40, 100), (40, 100), (100, 100)]
    assert progress.rows_done == 100


def test_watchers_see_the_runs_started_while_they_watch() -> None:
    watched: list[tuple[int, int]] = []
    with watch_progress(lambda done, total: watched.append((done, total))):
        progress = RunProgress(10)
    RunProgress(5).finish_file(5)  # started after the block: not watched
    progress.finish_file(10)
    assert watched == [(0, 10), (10, 10)]


def test_rows_reported_from_two_threads_all_count() -> None:
    progress = RunProgress(20_000)
    on_rows = progress.start_file()
    threads = [threading.Thread(target=lambda: [on_rows(1) for _ in range(10_000)]) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert progress.rows_done == 20_000
