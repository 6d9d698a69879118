"""The locked set: the files the gate staged and judged, each pinned to the sha256 it was hashed to
as it was written. The install step takes this list and nothing else."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class StagedFile:
    """A file on the gate's disk, in a folder of its own, with the digest of its bytes."""

    name: str
    path: str
    sha256: str


def requirements(files: Sequence[StagedFile]) -> str:
    """A requirements file naming each staged file by its ``file:`` URL, hash-pinned.

    pip's requirements-file format: one ``<name> @ <url> --hash=sha256:<hex>`` per line; with
    ``--require-hashes`` pip refuses any file whose sha256 differs.
    https://pip.pypa.io/en/stable/reference/requirements-file-format/ and
    https://pip.pypa.io/en/stable/topics/secure-installs/#hash-checking-mode
    """
    lines = []
    for f in files:
        if not all(c.isalnum() or c in "._-" for c in f.name) or len(f.sha256) != 64:
            raise ValueError(f"not a staged file: {f!r}")
        lines.append(f"{f.name} @ {pathlib.Path(f.path).resolve().as_uri()} --hash=sha256:{f.sha256}")
    return "".join(line + "\n" for line in lines)
