"""Progress of a batch run: input rows finished (written or quarantined) out of the rows it has to do.

The pipeline reports rows through an injected callback (``process_file(on_rows=...)``). The task layer
keeps one ``RunProgress`` per run and passes every change to its sinks: the run's Prefect progress
artifact (``flows.artifacts.progress_artifact``) and whatever watches this process's runs through
``watch_progress`` (the CLI's bar on a terminal). Nothing here knows either of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

# (rows done, rows to do)
ProgressSink = Callable[[int, int], None]

_watchers: list[ProgressSink] = []


@contextmanager
def watch_progress(sink: ProgressSink) -> Iterator[None]:
    """Send the progress of every run this process starts while the block runs to ``sink`` as well."""
    _watchers.append(sink)
    try:
        yield
    finally:
        _watchers.remove(sink)


class RunProgress:
    """Rows done of ``total_rows``; thread-safe (the pipeline reports from its classify thread too).

    Finished files count with their exact row count, so a retried file or one quarantined whole (which
    reports no rows on the way) is counted once.
    """

    def __init__(self, total_rows: int, sinks: Sequence[ProgressSink] = ()) -> None:
        self.total_rows = total_rows
        self._sinks = [*sinks, *_watchers]
        self._finished = 0
        self._in_file = 0
        self._lock = threading.Lock()
        self._notify()

    @property
    def rows_done(self) -> int:
        return self._finished + self._in_file

    def _notify(self) -> None:
        for sink in self._sinks:
            sink(min(self.rows_done, self.total_rows), self.total_rows)

    def start_file(self) -> Callable[[int], None]:
        """The ``on_rows`` callback of one attempt at one file."""
        with self._lock:
            self._in_file = 0

        def rows_done(rows: int) -> None:
            with self._lock:
                self._in_file += rows
                self._notify()

        return rows_done

    def finish_file(self, rows_in: int) -> None:
        with self._lock:
            self._finished += rows_in
            self._in_file = 0
            self._notify()
