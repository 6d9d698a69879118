"""Installation: pip installs exactly the staged files, by path, and resolves nothing.

``pip install --isolated --no-index --no-deps --require-hashes -r <locked files>`` plus the user's
install-location options (``--target``, ``--prefix``, ``--user``, ``--root``...), as pip's parser
read them in the resolve step. ``--isolated`` keeps pip's config files and ``PIP_*`` variables out
(a ``find-links`` there cannot reach this step, nor a build subprocess); ``--no-index`` and ``--no-deps`` leave pip nothing to
look up; ``--require-hashes`` makes pip check each file against the digest the gate verified.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import Sequence

from .lock import StagedFile, requirements


def install(files: Sequence[StagedFile], install_args: Sequence[str], work: str, in_process: bool = False) -> int:
    """Installs ``files`` (and nothing else) with pip; returns pip's exit status. ``in_process``
    runs pip's own entry point in this interpreter (the gate is about to exit) with the same
    arguments and the same environment, saving a process start and the standard library's imports."""
    if not files:
        return 0
    fd, path = tempfile.mkstemp(prefix="locked-", suffix=".txt", dir=work)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(requirements(files))
    argv = [sys.executable, "-m", "pip", "install", "--isolated", "--disable-pip-version-check",
            "--no-index", "--no-deps", "--require-hashes", "-r", path, *install_args]
    # pip reads the global and site config files even with --isolated; PIP_CONFIG_FILE=os.devnull
    # makes it skip every config file, and no PIP_* variable reaches it or its build subprocesses.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    if in_process:
        os.environ.clear()
        os.environ.update(env)  # what pip and its build subprocesses read
        from pip._internal.cli.main import main as pip_main  # type: ignore[import-not-found,unused-ignore]

        return int(pip_main(argv[3:]) or 0)
    return subprocess.call(argv, env=env)
