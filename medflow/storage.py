"""Object storage through fsspec: local paths, ``file://`` and ``s3://`` (s3fs) look the same here.

Credentials, region and endpoint for S3 come from the standard AWS environment variables
(``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL``) or
the pod's IAM role, which s3fs/botocore read themselves: nothing secret passes through this code.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec import AbstractFileSystem


@dataclass(frozen=True, slots=True)
class InputObject:
    """One input Parquet object and the version of its content (ETag on S3, size+mtime locally)."""

    uri: str
    path: str
    size: int
    version: str

    @property
    def stem(self) -> str:
        name = posixpath.basename(self.path)
        return name[: -len(".parquet")] if name.endswith(".parquet") else name

    def fingerprint(self, model_version: str) -> str:
        """Stable id of (this content, this model): equal fingerprints mean the same output."""
        key = f"{self.uri}\x00{self.size}\x00{self.version}\x00{model_version}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]


_FAIL_FAST: ContextVar[bool] = ContextVar("medflow_storage_fail_fast", default=False)


def _fail_fast_options(protocol: str) -> dict[str, Any]:
    """No transport retries and short timeouts (botocore otherwise retries an unreachable endpoint for ~10 s
    per call); a new dict each time, since botocore edits the one it gets."""
    if protocol in ("s3", "s3a"):
        return {"config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 3, "read_timeout": 10}}
    return {}


@contextmanager
def fail_fast() -> Iterator[None]:
    """Within this block object stores are reached without transport retries, so an unreachable one fails
    in seconds (the pre-flight checks). Runs keep the stores' standard retries."""
    token = _FAIL_FAST.set(True)
    try:
        yield
    finally:
        _FAIL_FAST.reset(token)


def filesystem_for(uri: str) -> tuple[AbstractFileSystem, str]:
    """The filesystem serving ``uri`` and the path of ``uri`` inside it."""
    options = _fail_fast_options(uri.split("://", 1)[0]) if _FAIL_FAST.get() and "://" in uri else {}
    return fsspec.core.url_to_fs(uri, **options)


def absolute_uri(uri: str) -> str:
    """Local paths made absolute, once: flow runs start in other working directories than their caller."""
    return uri if "://" in uri else str(Path(uri).expanduser().resolve())


def join_uri(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def _object_version(info: dict[str, Any]) -> str:
    etag = info.get("ETag") or info.get("etag")
    if etag:
        return str(etag).strip('"')
    return f"{info.get('size')}-{info.get('mtime') or info.get('LastModified') or info.get('created')}"


def list_parquet_objects(input_uri: str) -> list[InputObject]:
    """All ``*.parquet`` objects under ``input_uri`` (or the single object it names), sorted by path."""
    fs, root = filesystem_for(input_uri)
    if fs.isfile(root):
        infos = {root: fs.info(root)}
    else:
        infos = fs.find(root, detail=True)
    objects = [
        InputObject(
            uri=fs.unstrip_protocol(path),
            path=path,
            size=int(info.get("size") or 0),
            version=_object_version(info),
        )
        for path, info in infos.items()
        if path.endswith(".parquet") and info.get("type", "file") == "file"
    ]
    return sorted(objects, key=lambda o: o.path)


@dataclass(frozen=True, slots=True)
class ParquetFooter:
    num_rows: int
    schema: pa.Schema


def read_parquet_footer(fs: AbstractFileSystem, path: str) -> ParquetFooter:
    """Row count and schema from the Parquet footer, without reading data."""
    with fs.open(path, "rb") as f:
        parquet = pq.ParquetFile(f)
        return ParquetFooter(parquet.metadata.num_rows, parquet.schema_arrow)


def iter_record_batches(
    fs: AbstractFileSystem, path: str, batch_rows: int, columns: list[str] | None = None
) -> Iterator[pa.RecordBatch]:
    """Stream a Parquet object as record batches: memory stays bounded by one row group + one batch."""
    with fs.open(path, "rb") as f:
        parquet = pq.ParquetFile(f)
        present = set(parquet.schema_arrow.names)
        wanted = [c for c in columns if c in present] if columns is not None else None
        yield from parquet.iter_batches(batch_size=batch_rows, columns=wanted)


TEMP_SUFFIX = ".tmp"


@contextmanager
def atomic_write(fs: AbstractFileSystem, path: str) -> Iterator[IO[bytes]]:
    """Open ``path`` for writing so that readers see either nothing or the complete object.

    Locally: write a hidden temporary file next to it, then rename (atomic on POSIX). On object stores
    an upload only becomes visible when it completes, so the object is written in place.
    """
    parent = posixpath.dirname(path)
    fs.makedirs(parent, exist_ok=True)
    if not is_local(fs):
        f = fs.open(path, "wb")
        try:
            yield f
        except BaseException:
            f.discard()  # abort the upload: a failed write must not leave a partial object
            # s3fs's discard drops the buffer but leaves the file open, so collecting it later would
            # try to flush and fail; nothing is left to write.
            f.closed = True
            raise
        f.close()
        return
    tmp = posixpath.join(parent, f".{posixpath.basename(path)}.{uuid.uuid4().hex}{TEMP_SUFFIX}")
    try:
        with fs.open(tmp, "wb") as f:
            yield f
        fs.mv(tmp, path)
    finally:
        if fs.exists(tmp):
            fs.rm(tmp)


def write_json(fs: AbstractFileSystem, path: str, payload: dict[str, Any]) -> None:
    data = (json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n").encode()
    with atomic_write(fs, path) as f:
        f.write(data)


def read_json(fs: AbstractFileSystem, path: str) -> dict[str, Any]:
    with fs.open(path, "r") as f:
        return json.load(f)


def is_local(fs: AbstractFileSystem) -> bool:
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else fs.protocol
    return "file" in protocols or "local" in protocols
