"""The run lock: exclusive, refreshed while held, broken only when stale."""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from medflow.locking import RunLock, RunLockedError

DAY = date(2026, 11, 21)


def test_second_run_of_same_date_is_refused_until_released(tmp_path: Path) -> None:
    with RunLock(str(tmp_path), DAY, "run-a", ttl_s=60) as held:
        assert held.current().owner.startswith("run-a@")
        with pytest.raises(RunLockedError, match="another run of this date is active"):
            RunLock(str(tmp_path), DAY, "run-b", ttl_s=60, wait_s=0.2).acquire()
        # Another date is independent.
        with RunLock(str(tmp_path), date(2026, 11, 22), "run-c", ttl_s=60):
            pass
    with RunLock(str(tmp_path), DAY, "run-b", ttl_s=60) as second:
        assert second.current().owner.startswith("run-b@")
    assert not any(tmp_path.rglob("*.lock"))


def test_waiting_run_gets_the_lock_when_the_holder_finishes(tmp_path: Path) -> None:
    first = RunLock(str(tmp_path), DAY, "run-a", ttl_s=60)
    first.acquire()
    waiter = RunLock(str(tmp_path), DAY, "run-b", ttl_s=60, wait_s=30)
    threading.Timer(0.5, first.release).start()
    waiter.acquire()
    assert waiter.current().owner.startswith("run-b@")
    waiter.release()


def test_stale_lock_of_a_killed_run_is_broken(tmp_path: Path) -> None:
    lock = RunLock(str(tmp_path), DAY, "run-killed", ttl_s=1)
    Path(lock.path).parent.mkdir(parents=True)
    Path(lock.path).write_text(json.dumps({"owner": "run-killed@host", "heartbeat": time.time() - 10}))
    with RunLock(str(tmp_path), DAY, "run-new", ttl_s=1) as new:
        assert new.current().owner.startswith("run-new@")


def test_heartbeat_keeps_a_long_run_fresh(tmp_path: Path) -> None:
    with RunLock(str(tmp_path), DAY, "run-long", ttl_s=2) as held:
        first_beat = held.current().heartbeat
        time.sleep(1.2)
        assert held.current().heartbeat > first_beat
        with pytest.raises(RunLockedError):
            RunLock(str(tmp_path), DAY, "run-other", ttl_s=2, wait_s=0).acquire()


class _FlakyStorage:
    """Wraps a filesystem; while ``down`` is set every call raises like an unreachable object store."""

    def __init__(self, fs) -> None:
        self._fs = fs
        self.down = threading.Event()

    def __getattr__(self, name: str):
        attribute = getattr(self._fs, name)
        if not callable(attribute):
            return attribute

        def call(*args, **kwargs):
            if self.down.is_set():
                raise ConnectionError("storage unreachable")
            return attribute(*args, **kwargs)

        return call


def test_heartbeat_survives_a_storage_outage(tmp_path: Path) -> None:
    lock = RunLock(str(tmp_path), DAY, "run-flaky", ttl_s=1.2)
    flaky = _FlakyStorage(lock.fs)
    lock.fs = flaky
    with lock:
        flaky.down.set()
        time.sleep(0.8)  # a few beats fail
        flaky.down.clear()
        before = lock.current().heartbeat
        time.sleep(0.8)
        assert lock.current().heartbeat > before  # the heartbeat thread is still alive
    assert not any(tmp_path.rglob("*.lock"))


def test_release_during_an_outage_does_not_fail_the_run(tmp_path: Path) -> None:
    lock = RunLock(str(tmp_path), DAY, "run-flaky", ttl_s=60)
    flaky = _FlakyStorage(lock.fs)
    lock.fs = flaky
    lock.acquire()
    flaky.down.set()
    lock.release()  # logs and lets the lease expire instead of raising
    flaky.down.clear()
    assert lock.current().owner.startswith("run-flaky@")
