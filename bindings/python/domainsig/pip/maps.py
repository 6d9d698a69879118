"""Publisher maps (``publishers_from``, docs/publisher-map.md) for the three pip gate commands.

Loading a policy that names a map reads the verified TUF cache only, and a project the cache was
never asked about is refused (``TUF_MISSING``). So once the gate knows what it installs (pip's
report, or the lock's packages) it runs, for each map, a TUF update through the installer's network
(:func:`domainsig.trust.update` fetching with the run's byte budget and deadline,
:func:`.fetch.read_tuf`; a local directory needs none) that searches exactly those names, and only then compiles the policy. A refused update refuses the install with its
reason; the library leaves the cache as it was.

What a map means for a file *without* provenance is the library's to say, one rule for every
door (:meth:`domainsig.Policy.judge_unattested`, called by :func:`.verify.judge_unattested`): a map
that governs the file (its index, or a mirror ``domains.mirrors`` allows for it; every map for a
file no index listed) and names publishers for its project refuses it as a downgrade; where it
makes no claim it asks nothing by itself; then, as for any package no source speaks for, the file
passes (with a warning) only with ``first_sight`` on (an attested file of such a project is refused
without it, and taking the provenance away must not do better).
"""

from __future__ import annotations

import os
import pathlib
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from .. import trust
from . import fetch
from .._status import VerificationError
from .resolve import Candidate, GateError, normalize
from .verify import host_port

#: Where an index's map keeps a project's entry: ``<index>/publishers/<project>.json``
#: (docs/publisher-map.md, "What an index publishes"; src/trust/publisher_map.rs MAP_DIR).
MAP_DIR = "publishers"
#: The names one update may search (the library's limit, src/limits.rs MAX_TUF_MAP_NAMES): checked
#: here too so that a resolution or a lock with more names is refused before anything is fetched.
MAX_NAMES = 4096
#: A valid project name once normalised ("Names and normalization": ASCII letters and digits,
#: '.', '_', '-', starting and ending with a letter or digit; normalising lowers it and turns each
#: run of '.', '_', '-' into one '-'; https://packaging.python.org/en/latest/specifications/name-normalization/),
#: at most 214 bytes as the library takes. Stricter than the library (which also takes npm's
#: scoped names), so no '/' or '.' of a hostile name reaches a target path.
_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,212}[a-z0-9])?")


@dataclass(frozen=True)
class MapSpec:
    """One ``publishers_from`` entry as :func:`domainsig.trust.update`'s arguments, and as the
    entry the gate compiles (``entry``: the same repository, root and cache, paths made absolute)."""

    at: str
    index: str
    repo: Union[str, "os.PathLike[str]"]
    root: Optional[Union[bytes, "os.PathLike[str]"]]
    cache: Optional[str]
    entry: Dict[str, Any]


@dataclass
class Said:
    """What :func:`refresh` leaves for the gate: the policy to compile, its maps named exactly as
    they were updated (the library reads what each map says from the cache)."""

    policy: Dict[str, Any] = field(default_factory=dict)


def _domain(text: str) -> str:
    """An index domain as the library compares them, for the forms a policy and the gate write
    (``pypi.org``, ``https://PyPI.org/``, ``host:8080``): host[:non-default port], lower case."""
    text = text.strip()
    if "://" in text:
        return host_port(text)
    return text.rstrip("/").rstrip(".").lower()


def specs(policy: Mapping[str, Any]) -> List[MapSpec]:
    """The policy's maps as update arguments. A relative path resolves against the working folder,
    as the gate's ``Policy.from_json`` resolves it (no base folder: src/trust/tuf/config.rs).
    Raises ValueError for an entry of the wrong shape (the library checks the rest)."""
    raw = policy.get("publishers_from")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError(f"publishers_from must be a list of maps, found {type(raw).__name__}")
    domains = policy.get("domains")
    if raw and isinstance(domains, dict) and domains.get("mode") == "ignore":
        # The library refuses this too, but only once the maps are updated: said before pip runs.
        raise ValueError("publishers_from: a publisher map governs only files fetched from its index, but "
                         "domains.mode \"ignore\" drops the index domain; use \"require\" or \"warn\"")
    mirrors = domains.get("mirrors") if isinstance(domains, dict) else None
    indexes = {_domain(m["index"]) for m in raw if isinstance(m, dict) and isinstance(m.get("index"), str)}
    for key, ups in mirrors.items() if isinstance(mirrors, dict) else []:
        # The gate judges a file for its index's host[:port] (verify.host_port), never a path: a
        # mirror of a map's index named with one (DESIGN.md's `mirror.corp.example:8443/pypi`)
        # matches no file, so the map would never govern what pip fetches from it, silently.
        governed = isinstance(ups, list) and any(_domain(str(u)) in indexes for u in ups)
        if governed and "/" in str(key).split("://", 1)[-1].rstrip("/"):
            raise ValueError(f"domains.mirrors: {key!r} has a path, but the pip gate judges each file for its index's "
                             "host[:port], so a map would never govern files from it; name the mirror by host[:port]")
    out = []
    for i, m in enumerate(raw):
        at = f"publishers_from[{i}]"
        if not isinstance(m, dict):
            raise ValueError(f"{at} must be an object {{tuf, cache, index}}, found {type(m).__name__}")
        index, tuf, cache = m.get("index"), m.get("tuf"), m.get("cache")
        if not isinstance(index, str):
            raise ValueError(f"{at}.index is required: the index whose map this is (\"pypi.org\")")
        if cache is not None and not isinstance(cache, str):
            raise ValueError(f"{at}.cache must be a directory path as a string")
        repo: Union[str, "os.PathLike[str]"]
        root: Optional[Union[bytes, "os.PathLike[str]"]] = None
        entry = dict(m)
        if tuf in ("public-good", "staging"):
            repo = str(tuf)
        elif isinstance(tuf, dict) and isinstance(tuf.get("repo"), str):
            # The library names a repository's cache folder after the text of its location
            # (src/trust/tuf/config.rs repo_name), and trust.update makes a directory absolute: the
            # entry compiled is given the same absolute text, so both name the same cache folder.
            location = tuf["repo"]
            repo = location if "://" in location else pathlib.Path(os.path.abspath(location))
            new_tuf = dict(tuf, repo=location if "://" in location else os.fspath(repo))
            r = tuf.get("root")
            if isinstance(r, str):
                root = pathlib.Path(os.path.abspath(r))
                new_tuf["root"] = os.fspath(root)
            elif isinstance(r, dict):
                import json

                root = json.dumps(r).encode()
            elif r is not None:
                raise ValueError(f"{at}.tuf.root must be the bootstrap root.json as a path or an inline object")
            entry["tuf"] = new_tuf
        else:
            raise ValueError(f"{at}.tuf must be \"public-good\", \"staging\" or {{\"repo\": URL or directory, \"root\": ...}}")
        if cache is not None:
            cache = entry["cache"] = os.path.abspath(cache)
        out.append(MapSpec(at, index, repo, root, cache, entry))
    return out


def without_maps(policy: Mapping[str, Any]) -> Dict[str, Any]:
    """``policy`` without its maps (and with ``first_sight``, so that a policy whose only signer
    rule is a map compiles): what the gate checks before pip runs, when no map is updated yet."""
    doc = {k: v for k, v in policy.items() if k != "publishers_from"}
    doc["first_sight"] = True
    return doc


def searched_names(candidates: Iterable[Candidate]) -> List[str]:
    """The names to search: each file's project as pip or the lock names it, and as its file name
    does (the library judges a file under its file name's project), normalised and deduplicated.
    A file name that does not yield a plain name adds nothing (the library refuses that file)."""
    names: Dict[str, None] = {}
    for c in candidates:
        if c.local:
            continue  # the user's own file: installed as given, never judged
        names.setdefault(normalize(c.name))
        stem = project_of(c.filename)
        if stem is not None:
            names.setdefault(normalize(stem))
    return list(names)


def misnamed(c: Candidate) -> Optional[str]:
    """Why an attested file cannot be judged as the project pip or the lock resolved (None: it can).

    The library judges a file under the project its name reads as, and reads as PyPI's only
    wheels and ``.tar.gz``/``.zip`` sdists (the forms PEP 740 attests). pip also installs sdists in
    ``.tar.bz2``, ``.tgz``, ``.tar.xz``, ``.tar``..., which the library reads as a conda package
    (``pytest-cov-5.0.tar.bz2`` is conda's ``pytest``), an npm tarball, or nothing: an index could
    then have a file of a project the map names judged under another project the map makes no
    claim for, signed by whoever the index chose."""
    project = project_of(c.filename)
    if project is not None and normalize(project) == normalize(c.name):
        return None
    return (f"{c.filename!r} is not a wheel or a .tar.gz/.zip sdist of {c.name}, so its provenance would be judged "
            f"as another project's than the one resolved (and a publisher map or pin asked about that one)")


def project_of(filename: str) -> Optional[str]:
    # Wheel: {distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl (PEP 427); sdist:
    # {name}-{version}.tar.gz (PEP 625). Only the part before the first '-' of a wheel, and before
    # the last '-' of an sdist.
    if filename.endswith(".whl"):
        stem = filename.split("-", 1)[0]
    elif filename.endswith((".tar.gz", ".zip")):
        stem = filename.rsplit("-", 1)[0] if "-" in filename else ""
    else:
        return None
    # A valid project name (the spec's regex, run with re.IGNORECASE: see _NAME), else nothing.
    return stem if re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", stem) else None


def refresh(policy: Mapping[str, Any], names: Sequence[str], budget: "fetch.Budget") -> Said:
    """Updates every map of ``policy`` searching ``names`` (pip's names; the library normalises
    them as PEP 503 does), then reads what each map said. Raises GateError when a name cannot be
    searched (before any update) or an update is refused (the library leaves that cache as it
    was): the command then installs and locks nothing.

    Each update fetches through ``budget``, the run's one byte cap and deadline
    (``DOMAINSIG_GATE_MAX_BYTES``, ``DOMAINSIG_GATE_DEADLINE``): a map's repository is as hostile
    as an index, and a huge or slow one must not hold the gate past the limits every other
    download keeps."""
    maps = specs(policy)
    said = Said(policy=dict(policy))
    if not maps:
        return said
    said.policy["publishers_from"] = [m.entry for m in maps]
    wanted = list(dict.fromkeys(normalize(n) for n in names))
    bad = [n for n in wanted if not _NAME.fullmatch(n)]
    if bad:
        raise GateError(f"{len(bad)} package name(s) cannot be looked up in a publisher map: "
                        + ", ".join(repr(n[:80]) for n in bad[:5]))
    if len(wanted) > MAX_NAMES:
        raise GateError(f"{len(wanted)} packages to look up in a publisher map; one update searches at most {MAX_NAMES}")
    for m in maps:
        try:
            report = trust.update(m.repo, m.root, m.cache, lambda url, n: fetch.read_tuf(budget, url, n),
                                  search={"index": m.index, "packages": wanted, "ecosystem": "pypi"})
        except VerificationError as e:
            raise GateError(f"the publisher map of {m.index} ({m.at}) could not be updated: {e.code}: {e.message}") from None
        index = _domain(m.index)
        prefix = f"{index}/{MAP_DIR}/"
        # The library computed the same target names (the index and names normalised): if it did
        # not, what the map said could not be read back, so nothing is installed.
        asked = set(report.get("asked", []) or [])
        missing = [n for n in wanted if f"{prefix}{n}.json" not in asked]
        if missing:
            raise GateError(f"the publisher map of {m.index} ({m.at}) was not searched for {', '.join(missing[:5])}")
    return said
