"""One run per (output, run_date) at a time: a lease lock object created with an exclusive write.

Locally the lock file is created with ``O_EXCL``; on S3 with a conditional PUT (``If-None-Match: *``),
so two runs racing for it cannot both win. The holder refreshes the lease from a heartbeat thread; a
lease not refreshed for ``ttl_s`` (its holder was killed) is broken by the next run, which again needs
an exclusive create to take over.
"""

from __future__ import annotations

import json
import logging
import posixpath
import socket
import threading
import time
from dataclasses import dataclass
from datetime import date
from types import TracebackType

from fsspec import AbstractFileSystem

from medflow.storage import atomic_write, filesystem_for, is_local, join_uri

logger = logging.getLogger(__name__)


class RunLockedError(RuntimeError):
    """Another live run holds the lock for this output partition."""


@dataclass(frozen=True, slots=True)
class LeaseInfo:
    owner: str
    heartbeat: float  # epoch seconds of the last refresh


def _create_exclusive(fs: AbstractFileSystem, path: str, data: bytes) -> bool:
    """Create ``path`` only if it does not exist; False when it already does."""
    if is_local(fs):
        fs.makedirs(posixpath.dirname(path), exist_ok=True)
        try:
            with open(path, "xb") as f:
                f.write(data)
        except FileExistsError:
            return False
        return True
    bucket, key, _ = fs.split_path(path)
    try:
        fs.call_s3("put_object", Bucket=bucket, Key=key, Body=data, IfNoneMatch="*")
    except FileExistsError:  # s3fs maps 412 Precondition Failed to FileExistsError
        return False
    return True


class RunLock:
    """Context manager holding the lease for one output partition while a run writes to it."""

    def __init__(
        self,
        output_uri: str,
        run_date: date,
        owner: str,
        ttl_s: float = 120.0,
        wait_s: float = 0.0,
        scope: str | None = None,
    ) -> None:
        # ``scope`` narrows the lock to a part of the date (one fan-out partition): parts lock independently.
        suffix = f".{scope}" if scope else ""
        self.uri = join_uri(output_uri, "_locks", f"run_date={run_date.isoformat()}{suffix}.lock")
        self.fs, self.path = filesystem_for(self.uri)
        self.owner = f"{owner}@{socket.gethostname()}"
        self.ttl_s, self.wait_s = ttl_s, wait_s
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def _payload(self) -> bytes:
        return json.dumps({"owner": self.owner, "heartbeat": time.time()}).encode()

    def current(self) -> LeaseInfo | None:
        try:
            raw = json.loads(self.fs.cat_file(self.path))
        except FileNotFoundError:
            return None
        return LeaseInfo(raw["owner"], float(raw["heartbeat"]))

    def acquire(self) -> None:
        deadline = time.monotonic() + self.wait_s
        while True:
            if _create_exclusive(self.fs, self.path, self._payload()):
                break
            lease = self.current()
            if lease is not None and time.time() - lease.heartbeat > self.ttl_s:
                logger.warning("breaking stale lock %s of %s", self.uri, lease.owner)
                self.fs.rm_file(self.path)
                continue
            if time.monotonic() >= deadline:
                holder = lease.owner if lease else "unknown"
                raise RunLockedError(f"{self.uri} is held by {holder}; another run of this date is active")
            time.sleep(min(2.0, self.ttl_s / 4))
        self._heartbeat = threading.Thread(target=self._refresh, name="medflow-lock-heartbeat", daemon=True)
        self._heartbeat.start()

    def _refresh(self) -> None:
        # Four beats per TTL: a storage hiccup skips a beat, it must not end the heartbeat.
        while not self._stop.wait(self.ttl_s / 4):
            try:
                lease = self.current()
                if lease is None or lease.owner != self.owner:
                    logger.error("lost lock %s (now held by %s)", self.uri, lease.owner if lease else "nobody")
                    return
                with atomic_write(self.fs, self.path) as f:
                    f.write(self._payload())
            except Exception as exc:  # noqa: BLE001 - any storage error; retried at the next beat
                logger.warning("lock heartbeat for %s failed (%s); retrying", self.uri, type(exc).__name__)

    def release(self) -> None:
        """Give the lease back. If storage is unreachable the lease simply expires after its TTL."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        try:
            lease = self.current()
            if lease is not None and lease.owner == self.owner:
                self.fs.rm_file(self.path)
        except Exception as exc:  # noqa: BLE001 - the run's work is committed; do not fail it here
            logger.warning("could not release lock %s (%s); it expires in %.0f s", self.uri, type(exc).__name__,
                           self.ttl_s)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
