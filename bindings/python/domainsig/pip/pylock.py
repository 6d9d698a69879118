"""pylock.toml (PEP 751): read the files a lock names, and add ``[[packages.attestation-identities]]``
to the text pip wrote without touching anything else.

The format: https://packaging.python.org/en/latest/specifications/pylock-toml/ (originally PEP 751).
A lock is the user's file, but every URL, hash and identity in it was copied from an index's
responses, so it is read as hostile: bounded, type-checked, and never used to choose what is local.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .resolve import GateError, normalize, plain_filename

#: A lock bigger than this is refused (a lock of thousands of packages with many wheels each is a
#: few MiB).
MAX_LOCK_BYTES = 16 << 20

#: The file names the spec allows: ``pylock.toml`` or ``pylock.<name>.toml``
#: (the spec's "File Name": ``r"^pylock\.([^.]+\.)?toml$"``).
LOCK_NAME = re.compile(r"^pylock\.([^.]+\.)?toml$")

#: The table this module writes, per package: ``[[packages.attestation-identities]]``, an array of
#: tables each with ``kind`` (required) and the publisher's keys at the top level, as the provenance
#: object of PEP 740 has them (the spec's ``packages.attestation-identities`` and
#: ``packages.attestation-identities.kind``).
IDENTITIES = "attestation-identities"


def is_lock_file(path: str) -> bool:
    return bool(LOCK_NAME.match(os.path.basename(path)))


def _toml() -> Any:
    try:
        import tomllib  # Python 3.11+

        return tomllib
    except ImportError:  # 3.9, 3.10: the TOML reader pip itself vendors (pip >= 21.2)
        from pip._vendor import tomli  # type: ignore[import-not-found,unused-ignore]

        return tomli


def loads(text: str, what: str) -> Dict[str, Any]:
    try:
        doc = _toml().loads(text)
    except ValueError as e:  # TOMLDecodeError is a ValueError
        raise GateError(f"{what} is not TOML: {e}") from None
    if not isinstance(doc, dict):
        raise GateError(f"{what} is not a TOML table")
    version = doc.get("lock-version")
    # lock-version: "If a tool doesn't support a major version, it MUST raise an error."
    if not isinstance(version, str) or version.split(".")[0] != "1":
        raise GateError(f"{what}: lock-version {version!r} is not 1.x")
    if not isinstance(doc.get("packages"), list):
        raise GateError(f"{what}: no [[packages]] array")
    return doc


def read(path: str) -> Tuple[str, Dict[str, Any]]:
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_LOCK_BYTES + 1)
    except OSError as e:
        raise GateError(f"cannot read {path}: {e}") from None
    if len(raw) > MAX_LOCK_BYTES:
        raise GateError(f"{path} is larger than {MAX_LOCK_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise GateError(f"{path} is not UTF-8") from None
    return text, loads(text, path)


@dataclass
class LockedFile:
    """One file a lock names for a package."""

    entry: int  # index in [[packages]]
    name: str  # normalised
    version: str
    filename: str
    url: str  # "" for a `path`
    path: str  # "" for a `url`
    sha256: Optional[str]
    index: Optional[str]  # packages.index, with a trailing "/"
    identities: List[Dict[str, Any]] = field(default_factory=list)


def _str(v: Any) -> Optional[str]:
    return v if isinstance(v, str) else None


def recorded_identities(pkg: Dict[str, Any], where: str) -> List[Dict[str, Any]]:
    """The package's ``attestation-identities``: tables of strings with a ``kind``."""
    ids = pkg.get(IDENTITIES)
    if ids is None:
        return []
    if not isinstance(ids, list) or not ids:
        raise GateError(f"{where}: `{IDENTITIES}` is not a non-empty array of tables")
    out = []
    for i, t in enumerate(ids):
        if not isinstance(t, dict) or not isinstance(t.get("kind"), str):
            raise GateError(f"{where}: `{IDENTITIES}[{i}]` is not a table with a string `kind`")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in t.items()):
            raise GateError(f"{where}: `{IDENTITIES}[{i}]` has a value that is not a string")
        out.append(dict(t))
    return out


def _check_project(filename: str, name: str, where: str) -> None:
    """A file must be the entry's own project's: the lock's identities and the policy's pins are
    keyed by project, and another project's file listed under this name (an index's page, copied
    into the lock) would be judged as that project, out of reach of the pins recorded here. A wheel
    or sdist name must read as the entry's name; an archive's only when it reads as a project at all
    (an unreadable name matches no attestation's subject)."""
    from pip._vendor.packaging.utils import (  # type: ignore[import-not-found,unused-ignore]
        canonicalize_name,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    is_archive = where.endswith(".archive")
    try:
        project = (parse_wheel_filename(filename) if filename.endswith(".whl") else parse_sdist_filename(filename))[0]
    except Exception:
        if is_archive:
            return
        raise GateError(f"{where}: {filename!r} is not a distribution file name") from None
    if canonicalize_name(project) != canonicalize_name(name):
        raise GateError(f"{where}: {filename!r} is a file of {project}, not of the entry's package {name}")


def _file(entry: int, pkg: Dict[str, Any], f: Any, where: str) -> LockedFile:
    if not isinstance(f, dict):
        raise GateError(f"{where}: not a table")
    url, path = _str(f.get("url")) or "", _str(f.get("path")) or ""
    if not url and not path:
        raise GateError(f"{where}: neither `url` nor `path`")
    last = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]) if url else path.replace("\\", "/").rsplit("/", 1)[-1]
    filename = _str(f.get("name")) or last
    if not plain_filename(filename):
        raise GateError(f"{where}: {filename!r} is not a plain file name")
    _check_project(filename, str(pkg.get("name", "")), where)
    hashes = f.get("hashes")
    sha = hashes.get("sha256") if isinstance(hashes, dict) else None
    if sha is not None and not (isinstance(sha, str) and re.fullmatch(r"[0-9a-fA-F]{64}", sha)):
        raise GateError(f"{where}: hashes.sha256 is not 64 hex digits")
    index = _str(pkg.get("index"))
    if index is not None and not index.endswith("/"):
        index += "/"
    return LockedFile(entry, normalize(str(pkg.get("name", ""))), str(pkg.get("version", "")), filename, url, path,
                      sha.lower() if sha else None, index)


def _where(i: int, pkg: Dict[str, Any]) -> str:
    return f"packages[{i}] ({pkg.get('name', '?')} {pkg.get('version', '')})".rstrip()


def _package(i: int, pkg: Any) -> Dict[str, Any]:
    if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
        raise GateError(f"packages[{i}] is not a table with a `name`")
    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", pkg["name"]):
        raise GateError(f"packages[{i}]: {pkg['name']!r} is not a valid project name")
    return pkg


def all_files(doc: Dict[str, Any]) -> Tuple[List[LockedFile], List[str]]:
    """Every file of every package (what ``lock`` verifies), and the entries that are no file
    (``vcs``, ``directory``): nothing to verify, named so the caller can say so."""
    files: List[LockedFile] = []
    skipped: List[str] = []
    for i, raw in enumerate(doc["packages"]):
        pkg = _package(i, raw)
        where = _where(i, pkg)
        found = False
        for key in ("archive", "sdist"):
            if key in pkg:
                files.append(_file(i, pkg, pkg[key], f"{where}.{key}"))
                found = True
        wheels = pkg.get("wheels")
        if wheels is not None:
            if not isinstance(wheels, list):
                raise GateError(f"{where}.wheels is not an array")
            for j, w in enumerate(wheels):
                files.append(_file(i, pkg, w, f"{where}.wheels[{j}]"))
                found = True
        if not found:
            skipped.append(f"{where}: a {'VCS checkout' if 'vcs' in pkg else 'folder' if 'directory' in pkg else 'package without files'}")
    return files, skipped


def selected_files(doc: Dict[str, Any], where: str) -> List[LockedFile]:
    """The one file per package an installer takes for this interpreter (the spec's
    "Installation" steps): ``marker`` and ``requires-python`` evaluated, then the first wheel whose
    tags this interpreter supports, else the sdist, else the archive. A VCS checkout or a folder is
    refused (the gate installs only files it staged and hashed). Evaluated with pip's own
    ``packaging``, so it chooses as pip would."""
    from pip._vendor.packaging.markers import Marker  # type: ignore[import-not-found,unused-ignore]
    from pip._vendor.packaging.specifiers import SpecifierSet  # type: ignore[import-not-found,unused-ignore]
    from pip._vendor.packaging.tags import sys_tags  # type: ignore[import-not-found,unused-ignore]
    from pip._vendor.packaging.utils import parse_wheel_filename  # type: ignore[import-not-found,unused-ignore]

    py = ".".join(map(str, sys.version_info[:3]))
    rp = doc.get("requires-python")
    if isinstance(rp, str) and not SpecifierSet(rp).contains(py, prereleases=True):
        raise GateError(f"{where}: requires-python {rp} excludes this Python {py}")
    supported = {str(t): n for n, t in enumerate(sys_tags())}
    out: List[LockedFile] = []
    seen: Dict[str, str] = {}
    for i, raw in enumerate(doc["packages"]):
        pkg = _package(i, raw)
        w = _where(i, pkg)
        marker = pkg.get("marker")
        if isinstance(marker, str) and not _marker_holds(Marker(marker), doc):
            continue
        prp = pkg.get("requires-python")
        if isinstance(prp, str) and not SpecifierSet(prp).contains(py, prereleases=True):
            raise GateError(f"{w}: requires-python {prp} excludes this Python {py}")
        name = normalize(pkg["name"])
        if name in seen:
            raise GateError(f"{w}: {name} is also {seen[name]}; a lock must narrow to one entry per package")
        seen[name] = w
        if "vcs" in pkg or "directory" in pkg:
            raise GateError(f"{w}: a {'VCS checkout' if 'vcs' in pkg else 'folder'}: the gate installs only files it staged and hashed")
        best: Optional[Tuple[int, LockedFile]] = None
        wheels = pkg.get("wheels") or []
        if not isinstance(wheels, list):
            raise GateError(f"{w}.wheels is not an array")
        for j, wheel in enumerate(wheels):
            f = _file(i, pkg, wheel, f"{w}.wheels[{j}]")
            try:
                tags = parse_wheel_filename(f.filename)[3]
            except Exception:
                raise GateError(f"{w}.wheels[{j}]: {f.filename!r} is not a wheel file name") from None
            rank = min((supported[str(t)] for t in tags if str(t) in supported), default=None)
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, f)
        if best is not None:
            out.append(best[1])
        elif "sdist" in pkg:
            out.append(_file(i, pkg, pkg["sdist"], f"{w}.sdist"))
        elif "archive" in pkg:
            out.append(_file(i, pkg, pkg["archive"], f"{w}.archive"))
        else:
            raise GateError(f"{w}: no wheel for this interpreter and no sdist")
    for f in out:
        f.identities = recorded_identities(doc["packages"][f.entry], _where(f.entry, doc["packages"][f.entry]))
    return out


def _marker_holds(marker: Any, doc: Dict[str, Any]) -> bool:
    # The spec's installation step 1: `extras` empty by default, `dependency_groups` the lock's
    # `default-groups`. packaging >= 25 evaluates them in its "lock_file" context.
    groups = doc.get("default-groups")
    env = {"extras": frozenset(), "dependency_groups": frozenset(g for g in groups or [] if isinstance(g, str))}
    try:
        return bool(marker.evaluate(env, context="lock_file"))
    except TypeError:  # an older packaging: no lock-file context
        return bool(marker.evaluate())


def toml_string(s: str) -> str:
    """A TOML basic string: ``"`` and ``\\`` escaped, control characters (and DEL) as ``\\uXXXX``."""
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def identity_tables(identities: Sequence[Dict[str, Any]]) -> str:
    """``[[packages.attestation-identities]]`` tables, ``kind`` first, then the other keys sorted."""
    parts = []
    for ident in identities:
        lines = [f"[[packages.{IDENTITIES}]]", f"kind = {toml_string(ident['kind'])}"]
        for k in sorted(k for k in ident if k != "kind"):
            lines.append(f"{k} = {toml_string(str(ident[k]))}")
        parts.append("\n" + "\n".join(lines) + "\n")  # a blank line before each table, as pip writes them
    return "".join(parts)


_HEADER = re.compile(r"^[ \t]*\[")


def add_identities(text: str, doc: Dict[str, Any], add: Dict[int, List[Dict[str, Any]]]) -> str:
    """``text`` with ``[[packages.attestation-identities]]`` appended to each ``[[packages]]`` entry
    of ``add`` (by its index), and nothing else changed.

    Each entry's tables end where the next table header that is not a sub-table of
    ``packages`` starts (another ``[[packages]]``, ``[tool]``...). The result is parsed again and
    must equal ``doc`` plus the new tables, so a layout this reading does not foresee is an error,
    never a silently different lock."""
    if not add:
        return text
    lines = text.splitlines(keepends=True)
    starts = [n for n, line in enumerate(lines) if re.match(r"^[ \t]*\[\[[ \t]*packages[ \t]*\]\][ \t]*(#.*)?$", line.rstrip("\r\n"))]
    if len(starts) != len(doc["packages"]):
        raise GateError("cannot place attestation-identities: the lock does not write each package as a [[packages]] table")
    ends = []
    for k, s in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        for n in range(s + 1, end):
            stripped = lines[n].lstrip()
            if _HEADER.match(lines[n]) and not re.match(r"^\[\[?[ \t]*packages[ \t]*\.", stripped):
                end = n
                break
        # Keep blank lines and comments that precede the next header with the next one.
        while end > s + 1 and not lines[end - 1].strip():
            end -= 1
        ends.append(end)
    out = list(lines)
    for k in sorted(add, reverse=True):
        end = ends[k]
        prefix = "" if end > 0 and out[end - 1].endswith("\n") else "\n"
        out.insert(end, prefix + identity_tables(add[k]))
    result = "".join(out)
    want = json.loads(json.dumps(doc, default=str))
    for k, ids in add.items():
        want["packages"][k][IDENTITIES] = list(want["packages"][k].get(IDENTITIES, [])) + [dict(i) for i in ids]
    got = json.loads(json.dumps(loads(result, "the lock with identities"), default=str))
    if got != want:
        raise GateError("cannot place attestation-identities: the edited lock would not read back as written")
    return result
