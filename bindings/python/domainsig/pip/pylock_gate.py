"""The two lock commands of the pip gate (docs/lock.md).

``python -m domainsig.pip lock [pip lock args...] --policy P.json``: the real ``pip lock`` (pip >= 25.1)
writes the lock to a scratch file; every file it names is fetched and verified as the install gate
verifies (with ``first_sight``: a package no pin covers accepts its first verified signer); the
publishers proven are written as each package's ``[[packages.attestation-identities]]``, everything
else exactly as pip wrote it. Nothing is written when a file is refused.

``python -m domainsig.pip install -r pylock.toml --policy P.json`` (any lock: pip's, uv's, pdm's):
pip resolves nothing. The file the lock names for this interpreter is fetched, must have the lock's
sha256, and is verified for ``packages.index`` (the index domain) or, without one, for the index pip
is configured with. A package's recorded identities are its pins on top of the policy; a file of
such a package without provenance is refused (a downgrade). Only when every file passed, pip
installs exactly the staged files (:mod:`.install`).
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import urllib.parse
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .._policy import Policy
from . import fetch, identities, maps, pylock
from .install import install
from .resolve import Candidate, GateError, PipOptions, pip_options
from .verify import Indexes, stage, verify

#: ``pip lock`` appeared in pip 25.1 (https://pip.pypa.io/en/stable/news/, 25.1 "Features").
MIN_PIP_LOCK = (25, 1)


def lock_requested(args: Sequence[str]) -> bool:
    """Whether the install arguments name a pylock.toml (``-r pylock.toml``, ``-rpylock.x.toml``,
    ``--requirement=...``); pip's parser then confirms it is a requirements file."""
    for a in args:
        value = a.split("=", 1)[1] if a.startswith("--") and "=" in a else a[2:] if a.startswith("-r") else a
        if pylock.is_lock_file(value.split("[", 1)[0]):
            return True
    return False


def _pip_version() -> Optional[Tuple[int, ...]]:
    try:
        from importlib.metadata import version

        return tuple(int(p) for p in version("pip").split(".")[:2])
    except Exception:
        return None


# The install options a lock install takes, as pip spells them (pip/_internal/cli/cmdoptions.py and
# commands/install.py): those with a value, and flags, each mapped to what the install step passes.
_VALUE = {"-r": "requirement", "--requirement": "requirement", "-t": "--target", "--target": "--target",
          "--prefix": "--prefix", "--root": "--root", "--root-user-action": "--root-user-action",
          "-C": "--config-settings", "--config-settings": "--config-settings",
          "-i": "index", "--index-url": "index", "--extra-index-url": "extra-index"}
_FLAG = {"--user": "--user", "--no-user": "--no-user", "-U": "--upgrade", "--upgrade": "--upgrade",
         "--force-reinstall": "--force-reinstall", "-I": "--ignore-installed", "--ignore-installed": "--ignore-installed",
         "--break-system-packages": "--break-system-packages", "--no-compile": "--no-compile",
         "--no-warn-script-location": "--no-warn-script-location", "--no-build-isolation": "--no-build-isolation",
         "-q": "-q", "--quiet": "-q", "-v": "-v", "--verbose": "-v", "--no-index": "no-index"}
#: Variables that do not change what pip installs or from where.
_HARMLESS_ENV = {"PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_NO_INPUT", "PIP_CACHE_DIR", "PIP_PROGRESS_BAR",
                 "PIP_NO_COLOR", "PIP_CONFIG_FILE", "PIP_DEFAULT_TIMEOUT", "PIP_CERT"}


def _config_may_apply() -> bool:
    """Whether a pip config file or variable could change the install's options (then pip's own
    parser reads them). pip reads no file at all when PIP_CONFIG_FILE is os.devnull
    (https://pip.pypa.io/en/stable/topics/configuration/#pip-config-file)."""
    if any(k.startswith("PIP_") and k not in _HARMLESS_ENV for k in os.environ):
        return True
    named = os.environ.get("PIP_CONFIG_FILE")
    if named == os.devnull:
        return False
    home = os.path.expanduser("~")
    xdg_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    xdg_dirs = (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)
    candidates = [named or "", "/etc/pip.conf", os.path.join(home, ".pip", "pip.conf"), os.path.join(xdg_home, "pip", "pip.conf"),
                  os.path.join(sys.prefix, "pip.conf"), *(os.path.join(d, "pip", "pip.conf") for d in xdg_dirs)]
    return any(c and os.path.exists(c) for c in candidates)


def _fast_options(args: Sequence[str]) -> Optional[PipOptions]:
    """The options of a lock install read without importing pip's install command (its import is
    most of a second), for arguments spelled exactly as pip documents them and no config that
    applies. Anything else (an abbreviation, combined short flags, another option) returns None
    and pip's own parser reads the arguments."""
    if _config_may_apply():
        return None
    requirements: List[str] = []
    index: Optional[str] = "https://pypi.org/simple/"  # pip's default index (PyPI.simple_url)
    extra: List[str] = []
    install_args: List[str] = []
    it = iter(args)
    for a in it:
        name, eq, inline = a.partition("=") if a.startswith("--") else (a[:2], "", a[2:]) if len(a) > 2 and a[:2] in _VALUE else (a, "", "")
        if name in _VALUE:
            value = inline if (eq or inline) else next(it, None)
            if value is None:
                return None
            what = _VALUE[name]
            if what == "requirement":
                requirements.append(value)
            elif what == "index":
                index = value
            elif what == "extra-index":
                extra.append(value)
            else:
                install_args += [what, value]
        elif a in _FLAG:
            if _FLAG[a] == "no-index":
                index, extra = None, []
            else:
                install_args.append(_FLAG[a])
        else:
            return None
    if "--root-user-action" not in install_args:
        install_args += ["--root-user-action", "warn"]  # pip's default, which its parser always reports
    urls = [u if u.endswith("/") else u + "/" for u in ([index] if index else []) + extra]
    return PipOptions(urls, install_args, [], requirements, [], [])


def _compile(policy_doc: Dict[str, Any], pinned: bool) -> Policy:
    from . import compile_policy

    # With pins, an InputError is most likely an identity the lock records that no policy can hold.
    return compile_policy(policy_doc, "the policy with the lock's identities as pins" if pinned else "the policy")


def _candidates(files: Sequence[pylock.LockedFile], lock_dir: str) -> List[Candidate]:
    out = []
    for f in files:
        if f.url:
            scheme = urllib.parse.urlsplit(f.url).scheme.lower()
            if scheme not in ("http", "https", "file"):
                raise GateError(f"{f.filename}: {f.url!r} is not an http(s) or file URL")
            c = Candidate(f.name, f.version, f.url, f.filename)
        else:
            # A `path` is the lock author's own file (relative to the lock), like a file the user
            # names on pip's command line: staged and hash-pinned, not verified.
            path = f.path if os.path.isabs(f.path) else os.path.join(lock_dir, f.path)
            c = Candidate(f.name, f.version, pathlib_uri(path), f.filename, local=True)
        if f.sha256 is None:
            c.refusal = "the lock records no sha256 for it"
        c.want_sha256 = f.sha256
        out.append(c)
    return out


def pathlib_uri(path: str) -> str:
    return pathlib.Path(path).resolve().as_uri()


def _verify(policy_doc: Dict[str, Any], pins: Dict[str, List[Dict[str, Any]]], files: Sequence[pylock.LockedFile],
            candidates: List[Candidate], index_urls: Sequence[str], work: str, first_sight: bool,
            budget: fetch.Budget) -> None:
    staging = os.path.join(work, "staged")
    os.mkdir(staging)
    stage(candidates, staging, budget)
    for c in candidates:
        if c.refusal.startswith("the file changed after pip resolved it"):
            c.refusal = f"its sha256 is {c.sha256}; the lock says {c.want_sha256}"
    shared = Indexes(index_urls, budget)
    per_index: Dict[str, Indexes] = {}
    index_of = {id(c): f.index for c, f in zip(candidates, files)}

    def indexes_for(c: Candidate) -> Indexes:
        # `packages.index`: where the file must come from, so the index domain it is judged for.
        index = index_of[id(c)]
        if index is None:
            return shared
        return per_index.setdefault(index, Indexes([index], budget))

    verify(_compile(identities.with_pins(policy_doc, pins, allow_first_sight=first_sight), bool(pins)), candidates, shared,
           indexes_for)


def install_lock(policy_doc: Dict[str, Any], args: List[str], work: str) -> int:
    from . import announce, judge

    options = _fast_options(args) or pip_options(args, in_process=True)
    locks = [r for r in options.requirements if pylock.is_lock_file(r.split("[", 1)[0])]
    if len(locks) != 1 or len(options.requirements) != 1 or options.constraints or options.positional or options.unstageable:
        raise GateError("install -r pylock.toml takes one lock and nothing else to install "
                        "(no other -r, -c, -e or requirement)")
    if "[" in locks[0]:
        raise GateError(f"{locks[0]}: extras of a lock are not supported by the gate; lock them in")
    path = locks[0]
    _, doc = pylock.read(path)
    files = pylock.selected_files(doc, path)
    pins = {f.name: f.identities for f in files if f.identities}
    candidates = _candidates(files, os.path.dirname(os.path.abspath(path)))
    # One budget for the run: the maps' updates, then the files and their provenance.
    budget = fetch.Budget()
    said = maps.refresh(policy_doc, maps.searched_names(candidates), budget)
    _verify(said.policy, pins, files, candidates, options.index_urls, work, first_sight=False, budget=budget)

    def downgrade(c: Candidate) -> Optional[str]:
        rec = pins.get(c.name)
        if not rec:
            return None
        return (f"{os.path.basename(path)} records its publisher(s) {', '.join(map(identities.describe, rec))}, "
                "so a file without provenance is a downgrade and is refused")

    # The lock's own rule (``downgrade``) first; then the policy and its maps, without the lock's pins.
    refused, warnings, locked = judge(_compile(said.policy, False), candidates, downgrade)
    if not announce(refused, warnings, len(candidates)):
        return 1
    return install(locked, options.install_args, work, in_process=True)


_LOCK_OPTIONS = r"""
import json, sys
from pip._internal.commands import create_command
options, _ = create_command("lock").parse_args(sys.argv[1:])
g = lambda name: getattr(options, name, None)
print(json.dumps({"output": g("output_file"), "no_index": bool(g("no_index")),
                  "index_urls": [g("index_url"), *(g("extra_index_urls") or [])]}, default=str))
"""


def lock(policy_doc: Dict[str, Any], args: List[str], work: str) -> int:
    have = _pip_version()
    if have is None or have < MIN_PIP_LOCK:
        shown = ".".join(map(str, have)) if have else "unknown"
        print(f"domainsig.pip: `pip lock` needs pip 25.1 or newer; this pip is {shown}. Upgrade it with:\n"
              f"  {sys.executable} -m pip install --upgrade 'pip>=25.1'", file=sys.stderr)
        return 2
    out = subprocess.run([sys.executable, "-c", _LOCK_OPTIONS, *args], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise GateError(f"could not read pip's options: {out.stderr.strip()}")
    o = json.loads(out.stdout)
    output = o["output"] or "pylock.toml"
    index_urls = [] if o["no_index"] else [u if u.endswith("/") else u + "/" for u in o["index_urls"] if isinstance(u, str)]
    scratch = os.path.join(work, "pylock.toml")
    # `-o` given last wins in pip's parser: pip writes to the scratch file, never to the user's lock.
    code = subprocess.call([sys.executable, "-m", "pip", "lock", *args, "--output", scratch])
    if code != 0:
        print(f"domainsig.pip: pip lock failed (exit status {code}); no lock was written", file=sys.stderr)
        return 1
    text, doc = pylock.read(scratch)
    files, skipped = pylock.all_files(doc)
    for s in skipped:
        print(f"domainsig.pip: warning: {s}: no file to verify, no identities recorded", file=sys.stderr)
    recorded: Dict[str, List[Dict[str, Any]]] = {}
    for f in files:
        f.identities = pylock.recorded_identities(doc["packages"][f.entry], f"packages[{f.entry}]")
        if f.identities:
            recorded[f.name] = f.identities
    candidates = _candidates(files, os.path.dirname(os.path.abspath(output)))
    budget = fetch.Budget()
    said = maps.refresh(policy_doc, maps.searched_names(candidates), budget)
    _verify(said.policy, recorded, files, candidates, index_urls, work, first_sight=True, budget=budget)

    from . import announce, judge

    refused, warnings, _ = judge(_compile(said.policy, False), candidates)
    if not announce(refused, warnings, len(candidates), what="locked"):
        print("domainsig.pip: no lock was written", file=sys.stderr)
        return 1
    add: Dict[int, List[Dict[str, Any]]] = {}
    for c, f in zip(candidates, files):
        if doc["packages"][f.entry].get(pylock.IDENTITIES):
            continue  # what the lock already recorded was a pin, and held
        if c.verdict is not None and c.verdict.ok:
            proven = identities.proven(c.verdict)
            add[f.entry] = identities.unique(add.get(f.entry, []) + proven)
            how = "first sight, trusted on first use" if identities.first_sight(c.verdict) else "accepted by the policy"
            for p in proven:
                print(f"domainsig.pip: {f.name} {f.version}: {f.filename} is signed by {identities.describe(p)} ({how}); recorded",
                      file=sys.stderr)
    new_text = pylock.add_identities(text, doc, add)
    if output == "-":
        sys.stdout.write(new_text)
    else:
        tmp = output + ".domainsig-tmp"
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(new_text)
        os.replace(tmp, output)
        print(f"domainsig.pip: wrote {output} with the attestation identities of {len(add)} package(s)", file=sys.stderr)
    return 0
