"""The run lock: exclusive, refreshed while held, taken over only when stale and by exactly one run, and
lost loudly: the holder's next write raises instead of overwriting another run's work."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from lease_race import race_stale_takeovers

from medflow.tables.locking import LeaseLost, RunLock, RunLockedError

DAY = date(2026, 11, 21)
TRIALS = 100
TAKERS = 4
PATIENCE_S = 60.0  # generous: a busy machine may delay a heartbeat thread by seconds


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = PATIENCE_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def lease_lost(lock: RunLock) -> bool:
    try:
        lock.ensure_held()
    except LeaseLost:
        return True
    return False


def plant_stale_lease(lock: RunLock, owner: str = "run-killed@host") -> None:
    Path(lock.path).parent.mkdir(parents=True, exist_ok=True)
    Path(lock.path).write_text(json.dumps({"owner": owner, "heartbeat": time.time() - 3600}))


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
    waiter = RunLock(str(tmp_path), DAY, "run-b", ttl_s=4, wait_s=PATIENCE_S)  # polls every second
    threading.Timer(0.5, first.release).start()
    waiter.acquire()
    assert waiter.current().owner.startswith("run-b@")
    waiter.release()


def test_stale_lock_of_a_killed_run_is_taken_over(tmp_path: Path) -> None:
    new = RunLock(str(tmp_path), DAY, "run-new", ttl_s=60)
    plant_stale_lease(new)
    with new:
        assert new.current().owner.startswith("run-new@")
    assert not any(tmp_path.rglob("*.lock"))


def test_a_lease_is_stale_by_the_takers_clock(tmp_path: Path) -> None:
    holder = RunLock(str(tmp_path), DAY, "run-a", ttl_s=60)
    holder.acquire()
    try:
        with pytest.raises(RunLockedError):
            RunLock(str(tmp_path), DAY, "run-b", ttl_s=60, clock=lambda: time.time() + 59).acquire()
        later = RunLock(str(tmp_path), DAY, "run-b", ttl_s=60, clock=lambda: time.time() + 600)
        later.acquire()  # ten minutes on, the lease (not refreshed in that clock's view) is stale
        assert later.current().owner == later.owner
        later.release()
    finally:
        holder.release()


def test_heartbeat_keeps_a_long_run_fresh(tmp_path: Path) -> None:
    with RunLock(str(tmp_path), DAY, "run-long", ttl_s=0.4) as held:
        first_beat = held.current().heartbeat
        wait_for(lambda: held.current().heartbeat > first_beat, "a heartbeat")
        held.ensure_held()


def test_racing_takers_of_a_stale_local_lock_exactly_one_wins(tmp_path: Path) -> None:
    lock_path = Path(RunLock(str(tmp_path), DAY, "probe").path)
    lock_path.parent.mkdir(parents=True)

    outcomes = race_stale_takeovers(str(tmp_path), lock_path.write_bytes, takers=TAKERS, trials=TRIALS)
    assert [o.winners for o in outcomes] == [1] * TRIALS
    # The races were real: in some trials more than one taker saw the stale lease and lost only at the
    # conditional write.
    assert sum(o.lost_at_the_conditional_write > 0 for o in outcomes) > 0, outcomes
    print(f"local: {TRIALS}/{TRIALS} trials with one winner; contested at the conditional write in "
          f"{sum(o.lost_at_the_conditional_write > 0 for o in outcomes)}")


def test_holder_whose_lease_was_taken_over_stops_before_its_next_write(tmp_path: Path) -> None:
    holder = RunLock(str(tmp_path), DAY, "run-slow", ttl_s=0.4)
    holder.acquire()
    holder.ensure_held()
    # Another run took the lease over (as if the holder had stalled past the TTL).
    Path(holder.path).write_text(json.dumps({"owner": "run-other@host#1", "heartbeat": time.time()}))
    wait_for(lambda: lease_lost(holder), "the heartbeat to notice")
    with pytest.raises(LeaseLost, match=r"lost the lock .*taken over by run-other@host#1.*stopped before its next"):
        holder.ensure_held()
    holder.release()  # does not delete the other run's lease
    assert json.loads(Path(holder.path).read_text())["owner"] == "run-other@host#1"


def test_verify_held_reads_the_lease_back(tmp_path: Path) -> None:
    holder = RunLock(str(tmp_path), DAY, "run-a", ttl_s=60)  # no beat before the check below
    holder.acquire()
    holder.verify_held()
    Path(holder.path).write_text(json.dumps({"owner": "run-other@host#1", "heartbeat": time.time()}))
    holder.ensure_held()  # the heartbeat has not looked yet...
    with pytest.raises(LeaseLost, match="taken over by run-other"):
        holder.verify_held()  # ...but the check before a commit reads the lease
    holder.release()


class _FlakyLease:
    """Wraps a lease object; while ``down`` is set every call raises like an unreachable object store."""

    def __init__(self, lease) -> None:
        self._lease = lease
        self.down = threading.Event()
        self.failed_calls = 0

    def __getattr__(self, name: str):
        attribute = getattr(self._lease, name)

        def call(*args, **kwargs):
            if self.down.is_set():
                self.failed_calls += 1
                raise ConnectionError("storage unreachable")
            return attribute(*args, **kwargs)

        return call


def test_heartbeat_survives_a_storage_outage_shorter_than_the_ttl(tmp_path: Path) -> None:
    lock = RunLock(str(tmp_path), DAY, "run-flaky", ttl_s=PATIENCE_S, heartbeat_s=0.05)
    flaky = _FlakyLease(lock.lease)
    lock.lease = flaky
    with lock:
        flaky.down.set()
        wait_for(lambda: flaky.failed_calls >= 3, "beats to fail")
        flaky.down.clear()
        before = lock.current().heartbeat
        wait_for(lambda: lock.current().heartbeat > before, "the heartbeat to resume")
        lock.ensure_held()
    assert not any(tmp_path.rglob("*.lock"))


def test_lease_not_refreshed_for_a_ttl_is_lost(tmp_path: Path) -> None:
    lock = RunLock(str(tmp_path), DAY, "run-cut-off", ttl_s=0.4)
    lock.acquire()
    flaky = _FlakyLease(lock.lease)
    lock.lease = flaky
    flaky.down.set()
    wait_for(lambda: lease_lost(lock), "the TTL to pass without a refresh")
    with pytest.raises(LeaseLost, match="not refreshed for 0.4 s"):
        lock.ensure_held()
    lock.release()


def test_release_during_an_outage_does_not_fail_the_run(tmp_path: Path) -> None:
    lock = RunLock(str(tmp_path), DAY, "run-flaky", ttl_s=60)
    lock.acquire()
    flaky = _FlakyLease(lock.lease)
    lock.lease = flaky
    flaky.down.set()
    lock.release()  # logs and lets the lease expire instead of raising
    flaky.down.clear()
    assert lock.current().owner.startswith("run-flaky@")


def test_lock_on_s3_is_exclusive_and_taken_over_once(moto_s3, monkeypatch: pytest.MonkeyPatch) -> None:
    import s3fs

    for key, value in moto_s3.items():
        monkeypatch.setenv(key, value)
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    fs.mkdir("locks-basic")
    out = "s3://locks-basic/out"
    with RunLock(out, DAY, "run-a", ttl_s=60) as held:
        assert held.current().owner == held.owner
        with pytest.raises(RunLockedError):
            RunLock(out, DAY, "run-b", ttl_s=60).acquire()
        held.verify_held()
    assert not fs.exists("locks-basic/out/_locks/run_date=2026-11-21.lock")

    holder = RunLock(out, DAY, "run-slow", ttl_s=0.4)
    holder.acquire()
    fs.pipe_file(holder.path, json.dumps({"owner": "run-other@host#1", "heartbeat": time.time()}).encode())
    wait_for(lambda: lease_lost(holder), "the heartbeat to notice on S3")
    holder.release()
    assert json.loads(fs.cat_file(holder.path))["owner"] == "run-other@host#1"


def test_racing_takers_of_a_stale_s3_lock_exactly_one_wins(moto_s3, monkeypatch: pytest.MonkeyPatch) -> None:
    import s3fs

    for key, value in moto_s3.items():
        monkeypatch.setenv(key, value)  # the takers' processes inherit the environment
    s3fs.S3FileSystem.clear_instance_cache()
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    fs.mkdir("locks-race")
    out = "s3://locks-race/out"
    path = RunLock(out, DAY, "probe").path

    outcomes = race_stale_takeovers(out, lambda data: fs.pipe_file(path, data), takers=TAKERS, trials=TRIALS)
    assert [o.winners for o in outcomes] == [1] * TRIALS
    assert sum(o.lost_at_the_conditional_write > 0 for o in outcomes) > 0, outcomes
    print(f"moto_server: {TRIALS}/{TRIALS} trials with one winner; contested at the conditional write in "
          f"{sum(o.lost_at_the_conditional_write > 0 for o in outcomes)}")


def test_a_waiting_run_says_what_it_waits_for_and_how_long(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("medflow.tables.locking.WAIT_REPORT_S", 0.0)  # every poll reports progress
    caplog.set_level("INFO", logger="medflow.tables.locking")
    with RunLock(str(tmp_path), DAY, "run-a", ttl_s=60):
        with pytest.raises(RunLockedError):
            RunLock(str(tmp_path), DAY, "run-b", ttl_s=4, wait_s=1.5).acquire()
    messages = [r.getMessage() for r in caplog.records]
    start = [m for m in messages if m.startswith("waiting up to 2 s for the lock")]
    assert len(start) == 1 and "held by run-a@" in start[0] and "stale in" in start[0]
    assert messages.index(start[0]) == 0, "the wait is announced before anything else"
    assert any(m.startswith("still waiting for the lock") and "of at most 2 s" in m for m in messages)
