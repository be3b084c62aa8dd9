"""One run per (output, run_date) at a time: a lease object that only conditional writes change.

Every change of the lease is a compare-and-swap on the object's version. On S3 the version is the
ETag: ``If-None-Match: *`` creates the lease, ``If-Match: <etag>`` takes a stale one over, refreshes
and deletes it. On a local path the version is the SHA-256 of the file's bytes, compared and replaced
under an exclusive ``flock`` of the lock folder (the kernel drops it when a process dies). So of
several runs that find the same stale lease, exactly one replaces it; the others find a changed
version and keep waiting.

The holder refreshes the lease from a heartbeat thread with the same conditional write. When that
write finds the lease changed (another run took it over) or has not succeeded for a whole TTL (the
lease may have gone stale), the lease is lost: ``ensure_held()``, which the run calls before every
write, raises ``LeaseLost``, and ``verify_held()`` also reads the lease back before a commit. Stale
means a heartbeat older than the TTL by the reader's clock: hosts' clocks must agree to well within it.
"""

from __future__ import annotations

import contextvars
import fcntl
import hashlib
import json
import logging
import os
import posixpath
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from types import TracebackType
from typing import Protocol

from fsspec import AbstractFileSystem
from fsspec.asyn import sync

from medflow.storage import filesystem_for, is_local, join_uri

logger = logging.getLogger(__name__)
WAIT_REPORT_S = 15.0  # how often a run waiting for the lock says it still waits


class RunLockedError(RuntimeError):
    """Another live run holds the lock for this output partition."""


class LeaseLost(RuntimeError):
    """This run no longer holds its lock: another run took it over, or it could not be refreshed in time."""


@dataclass(frozen=True, slots=True)
class LeaseInfo:
    owner: str
    heartbeat: float  # epoch seconds of the last refresh


class LeaseObject(Protocol):
    """The lease's storage: reads return ``(bytes, version)``; writes succeed only on the expected version."""

    def read(self) -> tuple[bytes, str] | None: ...

    def create(self, data: bytes) -> str | None:
        """The new version, or None when the object already exists."""

    def replace(self, data: bytes, version: str) -> str | None:
        """The new version, or None when the object is gone or no longer at ``version``."""

    def delete(self, version: str) -> bool: ...


class LocalLeaseFile:
    """A lease file whose version is the SHA-256 of its bytes; every change runs under ``flock`` of its folder."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.folder = posixpath.dirname(path)

    @staticmethod
    def _version(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        os.makedirs(self.folder, exist_ok=True)
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # per open file description: threads exclude each other too
            yield
        finally:
            os.close(fd)  # releases the flock

    def _read_bytes(self) -> bytes | None:
        try:
            with open(self.path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return None

    def _write(self, data: bytes) -> str:
        # Readers do not take the flock: they must see the old or the new file, never a partial one.
        tmp = f"{self.path}.{uuid.uuid4().hex}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, self.path)
        return self._version(data)

    def read(self) -> tuple[bytes, str] | None:
        data = self._read_bytes()
        return None if data is None else (data, self._version(data))

    def create(self, data: bytes) -> str | None:
        with self._exclusive():
            return None if os.path.exists(self.path) else self._write(data)

    def replace(self, data: bytes, version: str) -> str | None:
        with self._exclusive():
            current = self._read_bytes()
            if current is None or self._version(current) != version:
                return None
            return self._write(data)

    def delete(self, version: str) -> bool:
        with self._exclusive():
            current = self._read_bytes()
            if current is None or self._version(current) != version:
                return False
            os.unlink(self.path)
            return True


# 412: the condition failed; 409: another conditional write to the key was in flight (S3 asks to re-read).
_CONFLICT_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict", "412", "409"})


def _is_conflict(exc: BaseException) -> bool:
    """A conditional S3 write refused because the object changed or is gone (s3fs maps the codes to OSErrors)."""
    if isinstance(exc, FileExistsError | FileNotFoundError):
        return True
    response = getattr(exc.__cause__, "response", None) or {}
    return response.get("Error", {}).get("Code") in _CONFLICT_CODES


class S3LeaseObject:
    """A lease object whose version is its ETag; writes are conditional PUTs and DELETEs."""

    def __init__(self, fs: AbstractFileSystem, path: str) -> None:
        self.fs = fs
        self.bucket, self.key, _ = fs.split_path(path)

    async def _get(self) -> tuple[bytes, str]:
        response = await self.fs._call_s3("get_object", Bucket=self.bucket, Key=self.key)
        try:
            return await response["Body"].read(), response["ETag"]
        finally:
            response["Body"].close()

    def read(self) -> tuple[bytes, str] | None:
        try:
            return sync(self.fs.loop, self._get)
        except FileNotFoundError:
            return None

    def _put(self, data: bytes, **condition: str) -> str | None:
        try:
            response = self.fs.call_s3("put_object", Bucket=self.bucket, Key=self.key, Body=data, **condition)
        except OSError as exc:
            if _is_conflict(exc):
                return None
            raise
        return response["ETag"]

    def create(self, data: bytes) -> str | None:
        return self._put(data, IfNoneMatch="*")

    def replace(self, data: bytes, version: str) -> str | None:
        return self._put(data, IfMatch=version)

    def delete(self, version: str) -> bool:
        try:
            self.fs.call_s3("delete_object", Bucket=self.bucket, Key=self.key, IfMatch=version)
        except OSError as exc:
            if _is_conflict(exc):
                return False
            raise
        return True


def lease_object(fs: AbstractFileSystem, path: str) -> LeaseObject:
    return LocalLeaseFile(path) if is_local(fs) else S3LeaseObject(fs, path)


def _parse(data: bytes) -> LeaseInfo:
    try:
        raw = json.loads(data)
        return LeaseInfo(str(raw["owner"]), float(raw["heartbeat"]))
    except (ValueError, KeyError, TypeError):
        return LeaseInfo("unreadable lease", 0.0)  # stale: whoever comes next may take it over


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
        clock: Callable[[], float] = time.time,
        heartbeat_s: float | None = None,
    ) -> None:
        # ``scope`` narrows the lock to a part of the date (one fan-out partition): parts lock independently.
        suffix = f".{scope}" if scope else ""
        self.uri = join_uri(output_uri, "_locks", f"run_date={run_date.isoformat()}{suffix}.lock")
        self.fs, self.path = filesystem_for(self.uri)
        self.lease = lease_object(self.fs, self.path)
        # Unique per lock object: a lease with this owner was written by this holder and no one else.
        self.owner = f"{owner}@{socket.gethostname()}#{uuid.uuid4().hex[:8]}"
        self.ttl_s, self.wait_s = ttl_s, wait_s
        # Four beats per TTL by default: a storage hiccup skips a beat; only a whole TTL without one loses it.
        self.heartbeat_s = heartbeat_s or ttl_s / 4
        self._clock = clock
        self._version: str | None = None
        self._last_refresh = 0.0  # monotonic start of the last successful write of the lease
        self._lost: str | None = None
        self._holder = "unknown"
        self._holder_age: float | None = None  # seconds since the holder's last heartbeat, when last read
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def _payload(self) -> bytes:
        return json.dumps({"owner": self.owner, "heartbeat": self._clock()}).encode()

    def current(self) -> LeaseInfo | None:
        found = self.lease.read()
        return None if found is None else _parse(found[0])

    def acquire(self) -> None:
        started = time.monotonic()
        deadline = started + self.wait_s
        next_report = started + WAIT_REPORT_S
        if not self._try_acquire():
            if self.wait_s > 0:
                self._log_wait_start()
            while not self._try_acquire():
                now = time.monotonic()
                if now >= deadline:
                    raise RunLockedError(f"{self.uri} is held by {self._holder}; another run of this date is active")
                if now >= next_report:
                    logger.warning(
                        "still waiting for the lock %s held by %s: %.0f s of at most %.0f s",
                        self.uri, self._holder, now - started, self.wait_s,
                    )
                    next_report = now + WAIT_REPORT_S
                time.sleep(min(2.0, self.ttl_s / 4))
        # The thread runs in a copy of the caller's context: its log records belong to the caller's flow run.
        self._heartbeat = threading.Thread(
            target=contextvars.copy_context().run, args=(self._refresh,), name="medflow-lock-heartbeat", daemon=True
        )
        self._heartbeat.start()

    def _log_wait_start(self) -> None:
        """Say what the wait is for and its limit: a run silent for minutes looks hung. Warnings: the
        flow's console shows the project's loggers from that level."""
        age = self._holder_age
        stale_in = f"stale in {max(self.ttl_s - age, 0):.0f} s" if age is not None else "its age unknown"
        logger.warning(
            "waiting up to %.0f s for the lock %s held by %s (last heartbeat %s ago; %s, then taken over)",
            self.wait_s, self.uri, self._holder, f"{age:.0f} s" if age is not None else "?", stale_in,
        )

    def _try_acquire(self) -> bool:
        began = time.monotonic()
        version = self.lease.create(self._payload())
        if version is None:
            found = self.lease.read()
            if found is None:
                return False  # released in between; the next attempt creates it
            lease = _parse(found[0])
            self._holder = lease.owner
            self._holder_age = self._clock() - lease.heartbeat
            if lease.owner == self.owner:  # our create landed although its answer was lost (a retried request)
                version = found[1]
            elif self._clock() - lease.heartbeat <= self.ttl_s:
                return False
            else:
                version = self.lease.replace(self._payload(), found[1])
                if version is None:
                    logger.info("another run took over the stale lock %s first", self.uri)
                    return False
                logger.warning(
                    "took over the stale lock %s of %s (last heartbeat %.0f s ago)",
                    self.uri, lease.owner, self._clock() - lease.heartbeat,
                )
        self._version, self._last_refresh = version, began
        return True

    def _refresh(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            began = time.monotonic()
            try:
                version = self.lease.replace(self._payload(), self._version or "")
                if version is None:
                    found = self.lease.read()
                    lease = _parse(found[0]) if found else None
                    if lease is None or lease.owner != self.owner:
                        self._lose(f"taken over by {lease.owner if lease else 'nobody (the lease was deleted)'}")
                        return
                    version = found[1]  # our write landed although its answer was lost
            except Exception as exc:  # noqa: BLE001 - any storage error; retried at the next beat
                logger.warning("lock heartbeat for %s failed (%s); retrying", self.uri, type(exc).__name__)
                continue
            self._version, self._last_refresh = version, began

    def _lose(self, reason: str) -> None:
        self._lost = reason
        logger.error("lost the lock %s: %s; the run stops before its next write", self.uri, reason)

    def ensure_held(self) -> None:
        """Raise ``LeaseLost`` unless this run still holds the lease. Call before every write; no I/O."""
        if self._version is None:
            raise LeaseLost(f"{self.uri} is not held by this run")
        if self._lost is None and time.monotonic() - self._last_refresh > self.ttl_s:
            self._lose(f"not refreshed for {self.ttl_s:g} s (storage unreachable?), another run may have taken it")
        if self._lost is not None:
            raise LeaseLost(f"lost the lock {self.uri} ({self._lost}): the run stopped before its next write")

    def verify_held(self) -> None:
        """``ensure_held`` plus a read of the lease: before a commit, the point that must never be doubled."""
        self.ensure_held()
        lease = self.current()
        if lease is None or lease.owner != self.owner:
            self._lose(f"taken over by {lease.owner if lease else 'nobody (the lease was deleted)'}")
            self.ensure_held()

    def release(self) -> None:
        """Give the lease back, unless another run holds it now. If storage is unreachable it expires after its TTL."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        version, self._version = self._version, None
        if version is None or self._lost is not None:
            return
        try:
            if not self.lease.delete(version):
                logger.warning("lock %s changed while held; left to its current holder", self.uri)
        except Exception as exc:  # noqa: BLE001 - the run's work is committed; do not fail it here
            logger.warning(
                "could not release lock %s (%s); it expires in %.0f s", self.uri, type(exc).__name__, self.ttl_s
            )

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
