"""Pre-flight checks of a batch run: everything it needs, checked before it does any work.

`medflow run` runs them before it starts Prefect, and the flows run them first (deployments start
the flows directly, without the CLI): the de-identification key, the model files the client
tokenizes with, the output (not of the old layout, writable), the input (listable, not empty) and
Triton (ready with the model, answered within seconds). Every failed check is one line saying what
to do; none of them leaves anything behind. Kept light to import: the checks must answer in seconds.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from inference.model_files import MODEL_INFO_FILE, TOKENIZER_FILE, latest_version_dir
from inference.triton_client import TritonNotReady, check_model_ready
from medflow.outcome import NO_INPUT_STATE, NOT_STARTED_STATE, ExitCode
from medflow.settings import Settings
from medflow.storage import fail_fast, filesystem_for, is_local, join_uri, list_parquet_objects
from medflow.tables.delta import LegacyLayoutError, check_layout

TRITON_READY_TIMEOUT_S = 3.0
NO_INPUT = "no_input"  # the one check whose failure has its own exit code
LEGACY_LAYOUT = "legacy_layout"  # reported alone: nothing else matters until the output is converted


class DeidKeyMissing(RuntimeError):
    """The batch flow cannot write tables without direct identifiers: no de-identification key."""


MISSING_KEY_MESSAGE = (
    "MEDFLOW_DEID_HMAC_KEY is not set: the batch flow writes patient_id and note_id as keyed pseudonyms "
    "and shifts created_at, and will not run without the key (set it from your secret store)"
)


def deid_key(settings: Settings) -> bytes:
    """The de-identification key, or `DeidKeyMissing` (fail closed: raw ids never reach a table)."""
    key = settings.deid_hmac_key.get_secret_value() if settings.deid_hmac_key is not None else ""
    if not key:
        raise DeidKeyMissing(MISSING_KEY_MESSAGE)
    return key.encode("utf-8")


@dataclass(frozen=True, slots=True)
class Problem:
    check: str  # key, model, output, legacy_layout, input, no_input, triton
    message: str  # one line: what is wrong and what to do


class PreflightError(RuntimeError):
    """One or more pre-flight checks failed; ``str()`` is one line per problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(tuple(problems))
        self.problems = tuple(problems)

    def __str__(self) -> str:
        return "\n".join(p.message for p in self.problems)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.NO_INPUT if all(p.check == NO_INPUT for p in self.problems) else ExitCode.NOT_STARTED

    @property
    def state_name(self) -> str:
        return NO_INPUT_STATE if self.exit_code is ExitCode.NO_INPUT else NOT_STARTED_STATE


def _short(exc: BaseException) -> str:
    """An infrastructure error as ``Type: first line`` (storage and gRPC errors name paths and hosts, no data)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def check_key(settings: Settings) -> list[Problem]:
    try:
        deid_key(settings)
    except DeidKeyMissing as exc:
        return [Problem("key", str(exc))]
    return []


def check_model_files(settings: Settings) -> tuple[list[Problem], str]:
    """Problems with the tokenizer and model description the flow classifies with; and their version."""
    model_dir = Path(settings.model_repository) / settings.triton_model
    try:
        version_dir = latest_version_dir(model_dir)
    except OSError:
        version_dir = None
    missing = [f for f in (TOKENIZER_FILE, MODEL_INFO_FILE) if version_dir is None or not (version_dir / f).is_file()]
    if not missing:
        return [], version_dir.name if version_dir else ""
    where = version_dir or f"{model_dir}/<version>"
    return [
        Problem(
            "model",
            f"model files missing: no {' or '.join(missing)} in {where}: build the offline demo model with "
            "`medflow model build --demo`, or set MEDFLOW_MODEL_REPOSITORY to the served model's repository",
        )
    ], ""


def probe_writable(output_uri: str) -> None:
    """Raise unless objects can be written under ``output_uri``; leaves nothing behind.

    Locally a folder that does not exist yet is not created: a temporary file is written in its
    nearest existing parent. On an object store a probe object is written and deleted.
    """
    fs, path = filesystem_for(output_uri)
    if is_local(fs):
        folder = Path(path)
        while not folder.exists():
            folder = folder.parent
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder} is a file")
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".medflow-write-probe-"):
            return
    probe = join_uri(path, f".medflow-write-probe-{uuid.uuid4().hex}")
    fs.pipe_file(probe, b"")
    fs.rm_file(probe)


def check_output(output_uri: str) -> list[Problem]:
    try:
        check_layout(output_uri)
        probe_writable(output_uri)
    except LegacyLayoutError as exc:
        return [Problem(LEGACY_LAYOUT, str(exc))]
    except Exception as exc:  # any storage error: the one line names it
        return [Problem("output", f"cannot write to the output {output_uri} ({_short(exc)}): check --output "
                                  "and its permissions (on S3: the bucket, credentials and AWS_ENDPOINT_URL)")]
    return []


def check_input(input_uri: str, allow_empty: bool) -> list[Problem]:
    try:
        found = bool(list_parquet_objects(input_uri))
        fs, path = filesystem_for(input_uri)
        exists = found or fs.exists(path)
    except Exception as exc:  # any storage error: the one line names it
        return [Problem("input", f"cannot list the input {input_uri} ({_short(exc)}): check --input and its "
                                 "permissions (on S3: the bucket, credentials and AWS_ENDPOINT_URL)")]
    if found or allow_empty:
        return []
    where = f"{input_uri} (it does not exist)" if not exists else input_uri
    return [Problem(NO_INPUT, f"no input: no *.parquet object under {where}; check --input, or pass "
                              "--allow-empty (flow parameter allow_empty) where a night without input is normal")]


def check_triton(settings: Settings, model_version: str) -> list[Problem]:
    try:
        check_model_ready(settings.triton_url, settings.triton_model, model_version, TRITON_READY_TIMEOUT_S)
    except TritonNotReady as exc:
        return [Problem("triton", f"Triton at {settings.triton_url}: {exc}: start one with `medflow triton serve`, "
                                  "or point at one with --triton-url (or MEDFLOW_TRITON_URL)")]
    return []


def preflight(settings: Settings, input_uri: str, output_uri: str, *, allow_empty: bool = False) -> None:
    """Raise `PreflightError` naming every check that failed; return when the run can start.

    A fan-out parent classifies nothing itself but runs every check too: a night with Triton down
    fails before it starts its partitions.
    """
    with fail_fast():
        output_problems = check_output(output_uri)
        if any(p.check == LEGACY_LAYOUT for p in output_problems):
            raise PreflightError(output_problems)
        input_problems = check_input(input_uri, allow_empty)
    model_problems, model_version = check_model_files(settings)
    problems = [
        *check_key(settings),
        *model_problems,
        *output_problems,
        *input_problems,
        *check_triton(settings, model_version),
    ]
    if problems:
        raise PreflightError(problems)
