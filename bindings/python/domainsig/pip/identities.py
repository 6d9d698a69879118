"""Publishers between a lock and the library: the recorded ones become the package's pins, the proven
ones become what the lock records.

The library derives a PEP 740 publisher from each verified certificate (``publisher`` in a result)
and accepts publishers as pins. A lock's ``[[packages.attestation-identities]]`` are that package's
pins, passed as a pin source (``packages[name].sources``): every source that speaks must accept the
signer, so they narrow what the policy allows and never widen it (docs/lock.md). Locking runs with
``first_sight``, so a package no pin covers accepts its first verified signer, who is recorded.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from .._policy import VerificationResult
from .resolve import normalize

#: How a lock's identities are named in refusals (the pin source's label).
SOURCE = "pylock.toml"


def key(publisher: Mapping[str, Any]) -> str:
    """A canonical form: two publishers are the same when their keys and values are."""
    return json.dumps(publisher, sort_keys=True, separators=(",", ":"))


def unique(publishers: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Deduplicated, in a stable order (kind, then the canonical form), so a lock diffs cleanly."""
    seen: Dict[str, Dict[str, Any]] = {}
    for p in publishers:
        seen.setdefault(key(p), dict(p))
    return [seen[k] for k in sorted(seen, key=lambda k: (seen[k].get("kind", ""), k))]


def describe(publisher: Mapping[str, Any]) -> str:
    rest = ", ".join(f"{k}={v}" for k, v in sorted(publisher.items()) if k != "kind")
    return f"{publisher.get('kind')} ({rest})"


def proven(result: VerificationResult) -> List[Dict[str, Any]]:
    """Every publisher a passing result proved (the result's own, and each accepted attestation's
    where the result lists them)."""
    out: List[Dict[str, Any]] = []
    if result.publisher:
        out.append(result.publisher)
    for att in result.details.get("attestations", []) or []:
        if isinstance(att, dict) and isinstance(att.get("publisher"), dict) and att.get("accepted", True):
            out.append(att["publisher"])
    return unique(out)


def first_sight(result: VerificationResult) -> bool:
    d = result.details.get("decision")
    return bool(result.details.get("first_sight") or (isinstance(d, dict) and d.get("first_sight")))


def with_pins(policy: Mapping[str, Any], pins: Mapping[str, Sequence[Mapping[str, Any]]],
              source: str = SOURCE, allow_first_sight: bool = False) -> Dict[str, Any]:
    """``policy`` plus, for each package of ``pins`` (normalised name -> publishers), a pin source
    labelled ``source``; with ``allow_first_sight``, ``first_sight`` on (for locking)."""
    doc = copy.deepcopy(dict(policy))
    if allow_first_sight:
        doc["first_sight"] = True
    if not pins:
        return doc
    packages = doc.get("packages")
    packages = dict(packages) if isinstance(packages, dict) else {}
    by_norm = {normalize(str(n)): n for n in packages}
    for name, publishers in sorted(pins.items()):
        if not publishers:
            continue
        existing: Optional[str] = by_norm.get(normalize(name))
        entry = dict(packages[existing]) if existing is not None and isinstance(packages[existing], dict) else {}
        entry["sources"] = list(entry.get("sources", [])) + [{"source": source, "publishers": [dict(p) for p in publishers]}]
        packages[existing if existing is not None else name] = entry
    doc["packages"] = packages
    return doc
