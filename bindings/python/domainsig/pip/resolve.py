"""Resolution: the real pip decides what to install (``pip install --dry-run --report``), once.

The gate reads pip's options with pip's own parser (arguments, abbreviations, combined flags,
``PIP_*`` variables, config files), so it sees the indexes pip searched and the install location
the user asked for exactly as pip does, and refuses what it could not stage as a file.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from .. import _policy


class GateError(Exception):
    """A problem that stops the gate before any verdict (bad arguments, pip failed)."""


@dataclass
class Candidate:
    """One file pip chose, and what the gate learned about it."""

    name: str
    version: str
    url: str
    filename: str
    path: str = ""
    sha256: str = ""
    index_url: Optional[str] = None
    index_domain: Optional[str] = None
    provenance: Optional[bytes] = None
    want_sha256: Optional[str] = None
    local: bool = False
    why_unattested: str = ""
    refusal: str = ""
    verdict: Optional[_policy.VerificationResult] = None
    notes: List[str] = field(default_factory=list)


@dataclass
class PipOptions:
    """What pip's own parser made of the user's arguments, environment and config files."""

    index_urls: List[str]
    #: ``install`` options that say where and how to install (not what): passed to the install step.
    install_args: List[str]
    #: ``-r``/``-c`` files given as URLs, and ``-e`` requirements: nothing the gate can stage.
    unstageable: List[str]
    #: What pip's parser read: ``-r`` files, ``-c`` files, and the requirements given as arguments.
    requirements: List[str] = field(default_factory=list)
    constraints: List[str] = field(default_factory=list)
    positional: List[str] = field(default_factory=list)


def split_args(argv: Sequence[str]) -> "tuple[Optional[str], List[str]]":
    """Takes ``--policy P`` / ``--policy=P`` out of the pip arguments."""
    policy: Optional[str] = None
    rest: List[str] = []
    it = iter(argv)
    for a in it:
        if a == "--policy":
            policy = next(it, None)
            if policy is None:
                raise GateError("--policy needs a file")
        elif a.startswith("--policy="):
            policy = a.split("=", 1)[1]
        else:
            rest.append(a)
    return policy, rest


# Runs in the pip that will install, with its parser: the options as pip reads them. Attribute
# names are pip's `install` command's `dest`s (pip/_internal/cli/cmdoptions.py, commands/install.py).
_OPTIONS_SCRIPT = r"""
import json, sys
from pip._internal.commands import create_command
options, positional = create_command("install").parse_args(sys.argv[1:])
g = lambda name, default=None: getattr(options, name, default)
print(json.dumps({
    "index_urls": [] if g("no_index") else [g("index_url"), *(g("extra_index_urls") or [])],
    "requirements": g("requirements") or [], "constraints": g("constraints") or [],
    "editables": g("editables") or [],
    "target_dir": g("target_dir"), "prefix_path": g("prefix_path"), "root_path": g("root_path"),
    "use_user_site": g("use_user_site"), "upgrade": g("upgrade"), "force_reinstall": g("force_reinstall"),
    "ignore_installed": g("ignore_installed"), "compile": g("compile"),
    "warn_script_location": g("warn_script_location"), "build_isolation": g("build_isolation"),
    "override_externally_managed": g("override_externally_managed"),
    "root_user_action": g("root_user_action"), "python_version": g("python_version"),
    "platforms": g("platforms"), "abis": g("abis"), "implementation": g("implementation"),
    "config_settings": g("config_settings"), "verbose": g("verbose", 0), "quiet": g("quiet", 0),
    "positional": positional,
}, default=str))
"""


def _options_in_process(args: Sequence[str]) -> Dict[str, Any]:
    """The same script, run in this interpreter (it is the pip that installs): saves a process
    start and pip's import for the lock install, whose whole cost is measured (scripts/bench_gates.py)."""
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    try:
        sys.argv = ["-c", *args]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            exec(compile(_OPTIONS_SCRIPT, "<pip options>", "exec"), {"__name__": "__pip_options__"})
    except SystemExit:  # pip's parser exits on a usage error, after printing it
        raise GateError(f"could not read pip's options: {err.getvalue().strip()}") from None
    finally:
        sys.argv = argv
    parsed: Dict[str, Any] = json.loads(out.getvalue())
    return parsed


def pip_options(args: Sequence[str], in_process: bool = False) -> PipOptions:
    if in_process:
        o = _options_in_process(args)
    else:
        out = subprocess.run([sys.executable, "-c", _OPTIONS_SCRIPT, *args], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise GateError(f"could not read pip's options: {out.stderr.strip()}")
        o = json.loads(out.stdout)
    urls = [u if u.endswith("/") else u + "/" for u in o["index_urls"] if isinstance(u, str)]
    unstageable = [f"-e {e}: an editable install is a folder, not a file the gate can stage" for e in o["editables"]]
    for flag, files in (("-r", o["requirements"]), ("-c", o["constraints"])):
        for f in files:
            scheme = urllib.parse.urlsplit(f).scheme.lower()
            if len(scheme) > 1 and scheme != "file":  # a one-letter scheme is a Windows drive
                unstageable.append(f"{flag} {f}: a requirements file the gate would read from the network")
    a: List[str] = []
    for key, flag in (("target_dir", "--target"), ("prefix_path", "--prefix"), ("root_path", "--root"),
                      ("python_version", "--python-version"), ("implementation", "--implementation"),
                      ("root_user_action", "--root-user-action")):
        if o.get(key):
            a += [flag, str(o[key])]
    for p in o.get("platforms") or []:
        a += ["--platform", str(p)]
    for p in o.get("abis") or []:
        a += ["--abi", str(p)]
    if o.get("platforms") or o.get("abis") or o.get("python_version") or o.get("implementation"):
        a += ["--only-binary", ":all:"]  # pip requires it with a foreign target (it is all wheels then)
    for key, flag in (("use_user_site", "--user"), ("upgrade", "--upgrade"), ("force_reinstall", "--force-reinstall"),
                      ("ignore_installed", "--ignore-installed"), ("override_externally_managed", "--break-system-packages")):
        if o.get(key):
            a.append(flag)
    if o.get("use_user_site") is False:
        a.append("--no-user")
    if o.get("compile") is False:
        a.append("--no-compile")
    if o.get("warn_script_location") is False:
        a.append("--no-warn-script-location")
    if o.get("build_isolation") is False:
        a.append("--no-build-isolation")
    cs = o.get("config_settings")
    if isinstance(cs, dict):
        for k, vs in cs.items():
            for v in vs if isinstance(vs, list) else [vs]:
                a += ["--config-settings", f"{k}={v}"]
    a += ["-v"] * int(o.get("verbose") or 0) + ["-q"] * int(o.get("quiet") or 0)
    return PipOptions(urls, a, unstageable, [str(r) for r in o["requirements"]], [str(c) for c in o["constraints"]],
                      [str(p) for p in o.get("positional") or []])


def normalize(name: str) -> str:
    # PEP 503 name normalisation: https://peps.python.org/pep-0503/#normalized-names
    return re.sub(r"[-_.]+", "-", name).lower()


def plain_filename(name: str) -> bool:
    """A file name the gate may create: no folder part on any platform (``/`` and Windows' ``\\``),
    no drive (``:``), not ``.`` or ``..``, no NUL."""
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\:\0")


def report(args: Sequence[str], work: str) -> List[Candidate]:
    """Runs pip's resolution and reads its installation report (one entry per file pip chose)."""
    path = os.path.join(work, "report.json")
    code = subprocess.call([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--report", path, *args])
    if code != 0:
        raise GateError(f"pip could not resolve the install (exit status {code})")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out: List[Candidate] = []
    # The installation report format: https://pip.pypa.io/en/stable/reference/installation-report/
    # (`download_info` is a PEP 610 direct_url.json: `archive_info`, `dir_info` or `vcs_info`).
    for item in doc.get("install", []):
        info = item.get("download_info", {})
        meta = item.get("metadata", {})
        url = str(info.get("url", ""))
        filename = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        c = Candidate(str(meta.get("name", "")), str(meta.get("version", "")), url, filename)
        if "vcs_info" in info:
            c.refusal = "a VCS checkout: the gate installs only files it staged and hashed"
        elif "archive_info" not in info:
            c.refusal = "a local folder: the gate installs only files it staged and hashed (install your own project with pip after the gate)"
        elif not plain_filename(filename):
            c.refusal = f"{filename!r} is not a plain file name (it has a folder part, `/` or `\\`)"
        elif not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", c.name):
            c.refusal = f"{c.name!r} is not a valid project name"
        elif url.startswith("file:") and item.get("requested") is True and item.get("is_direct") is True:
            # A file on disk the user named (a path or `name @ file:...` they typed or wrote in
            # their requirements): their own, nothing to verify it against. It is staged and
            # hash-pinned like the rest, so the install reads what the gate read. A `file:` URL pip
            # found any other way (an index page, --find-links, a dependency's metadata) is judged
            # like any file from the network.
            c.local = True
        hashes = info.get("archive_info", {}).get("hashes", {})
        if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
            c.want_sha256 = hashes["sha256"]
        out.append(c)
    return out
