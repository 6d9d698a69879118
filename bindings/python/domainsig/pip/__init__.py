"""Gate pip installs: ``python -m domainsig.pip install [pip install args...] --policy P.json``.

1. :mod:`.resolve`: the real pip resolves once (``pip install --dry-run --report``).
2. :mod:`.verify`: every file it chose is staged (downloaded, or copied if it is the user's own
   file, hashed as it is written, under one byte cap and one deadline: :mod:`.fetch`), its PEP 740
   provenance is fetched from the index that listed it, and each file is verified with
   ``index_domain`` = that index's host[:port].
3. :mod:`.lock` and :mod:`.install`: only when every file passed, pip installs exactly the staged
   files by path, hash-pinned, with ``--isolated --no-index --no-deps --require-hashes`` and the
   user's install-location options; it resolves nothing and fetches nothing.

Otherwise nothing is installed and each refused file is named with its status and message. The
policy path comes from ``--policy`` or the ``DOMAINSIG_POLICY`` environment variable. See
docs/gates.md for what this trusts and what it does not.

``lock`` and ``install -r pylock.toml`` (:mod:`.pylock_gate`, :mod:`.pylock`, :mod:`.identities`)
record and enforce each package's publishers in a PEP 751 lock: docs/lock.md.

A policy with publisher maps (``publishers_from``): all three commands update each map for the
names they resolved before the policy is compiled (:mod:`.maps`).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .._policy import Policy
from . import fetch, maps, pylock_gate
from .install import install
from .lock import StagedFile
from .resolve import Candidate, GateError, pip_options, report, split_args
from .verify import Indexes, judge_unattested, stage, verify

__all__ = ["gate", "main", "GateError"]

USAGE = """usage: python -m domainsig.pip install [pip install args...] --policy P.json  (or DOMAINSIG_POLICY=P.json)
       python -m domainsig.pip install -r pylock.toml [install location args...] --policy P.json
       python -m domainsig.pip lock [pip lock args...] --policy P.json"""


def gate(argv: Sequence[str]) -> int:
    """Runs the gate; returns the process exit status (0 installed, 1 refused, 2 usage/error)."""
    if not argv or argv[0] not in ("install", "lock"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        policy_path, args = split_args(argv[1:])
        policy_path = policy_path or os.environ.get("DOMAINSIG_POLICY")
        if not policy_path:
            raise GateError("no policy: pass --policy P.json or set DOMAINSIG_POLICY")
        with open(policy_path, "rb") as f:
            policy_bytes = f.read(1 << 20)
        policy_doc = json.loads(policy_bytes)
        if argv[0] == "lock" and isinstance(policy_doc, dict):
            policy_doc["first_sight"] = True  # the lock records the first signer of what no pin covers
        if isinstance(policy_doc, dict) and maps.specs(policy_doc):
            # A map is read from its TUF cache, updated once the packages are known (maps.refresh):
            # the rest of the policy is checked now, before pip runs.
            Policy.from_dict(maps.without_maps(policy_doc))
            policy: Optional[Policy] = None
        else:
            policy = Policy.from_json(json.dumps(policy_doc) if argv[0] == "lock" else policy_bytes)
    except (GateError, OSError, ValueError) as e:
        print(f"domainsig.pip: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # the library's InputError for a bad policy
        print(f"domainsig.pip: policy {policy_path}: {e}", file=sys.stderr)
        return 2

    work = tempfile.mkdtemp(prefix="domainsig-pip-")
    try:
        if argv[0] == "lock":
            return pylock_gate.lock(policy_doc, args, work)
        if pylock_gate.lock_requested(args):
            return pylock_gate.install_lock(policy_doc, args, work)
        return _gate(policy, policy_doc, args, work)
    except GateError as e:
        print(f"domainsig.pip: {e}; nothing was {'locked' if argv[0] == 'lock' else 'installed'}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _gate(policy: Optional[Policy], policy_doc: Dict[str, Any], args: List[str], work: str) -> int:
    options = pip_options(args)
    if options.unstageable:
        raise GateError("cannot stage: " + "; ".join(options.unstageable))
    budget = fetch.Budget()
    candidates: List[Candidate] = report(args, work)
    said = maps.refresh(policy_doc, maps.searched_names(candidates), budget)
    if policy is None:
        policy = compile_policy(said.policy)
    staging = os.path.join(work, "staged")
    os.mkdir(staging)
    stage(candidates, staging, budget)
    verify(policy, candidates, Indexes(options.index_urls, budget))

    refused, warnings, locked = judge(policy, candidates)
    if not announce(refused, warnings, len(candidates)):
        return 1
    return install(locked, options.install_args, work)


def compile_policy(policy_doc: Dict[str, Any], what: str = "the policy") -> Policy:
    """The policy compiled once its maps are updated; a refusal (an expired map, an entry that
    does not parse) is the gate's refusal."""
    try:
        return Policy.from_dict(policy_doc)
    except Exception as e:  # the library's InputError / TUF refusal
        code = getattr(e, "code", type(e).__name__)
        raise GateError(f"{what} cannot be compiled: {code}: {getattr(e, 'message', e)}") from None


def judge(policy: Policy, candidates: Sequence[Candidate],
          downgrade: Optional[Callable[[Candidate], Optional[str]]] = None) -> Tuple[List[str], List[str], List[StagedFile]]:
    """Each file's verdict: (refusals, warnings, the files to install). A file without provenance
    is judged by the library (``policy``: the policy with its maps, without a lock's pins:
    :func:`.verify.judge_unattested`); ``downgrade`` says why such a file is refused whatever the
    policy allows (a lock recorded its publishers)."""
    refused: List[str] = []
    warnings: List[str] = []
    locked: List[StagedFile] = []
    for c in candidates:
        label = f"{c.filename or c.url} ({c.name} {c.version})"
        for note in c.notes:
            warnings.append(f"{label}: {note}")
        if c.refusal:
            refused.append(f"{label}: {c.refusal}")
        elif c.local:
            warnings.append(f"{label}: a local file, installed as given (not verified)")
            locked.append(StagedFile(c.name, c.path, c.sha256))
        elif c.verdict is not None:
            if c.verdict.ok:
                for w in c.verdict.details.get("warnings", []) or []:
                    warnings.append(f"{label} from {c.index_domain}: {w}")
                locked.append(StagedFile(c.name, c.path, c.sha256))
            else:
                msg = c.verdict.details.get("message", "")
                refused.append(f"{label} from {c.index_domain}: {c.verdict.code} ({c.verdict.status}): {msg}")
        elif downgrade is not None and (why := downgrade(c)):
            refused.append(f"{label}: no provenance: {c.why_unattested}; {why}")
        else:
            why, notes = judge_unattested(policy, c)
            if why is None:
                warnings.append(f"{label}: installed WITHOUT provenance ({c.why_unattested}); the policy does not require it")
                warnings += [f"{label}: {n}" for n in notes]
                locked.append(StagedFile(c.name, c.path, c.sha256))
            else:
                refused.append(f"{label}: no provenance: {c.why_unattested}; the policy requires a verified attestation: {why}")
    return refused, warnings, locked


def announce(refused: Sequence[str], warnings: Sequence[str], n: int, what: str = "installed") -> bool:
    """Prints the warnings and refusals; True when nothing was refused."""
    for w in warnings:
        print(f"domainsig.pip: warning: {w}", file=sys.stderr)
    if refused:
        print(f"domainsig.pip: refused {len(refused)} of {n} file(s); nothing was {what}:", file=sys.stderr)
        for line in refused:
            print(f"  refused: {line}", file=sys.stderr)
        return False
    if n:
        print(f"domainsig.pip: verified {n} file(s); {'installing them' if what == 'installed' else 'writing the lock'}",
              file=sys.stderr)
    return True


def main(argv: Optional[Sequence[str]] = None) -> int:
    return gate(list(sys.argv[1:] if argv is None else argv))
