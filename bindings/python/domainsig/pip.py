"""Gate pip installs: ``python -m domainsig.pip install [pip install args...] --policy P.json``.

The real pip resolves (``pip install --dry-run --report``); every file it chose is fetched into a
staging folder, its PEP 740 provenance is fetched from the index that listed it, and each file is
verified with ``index_domain`` = that index's host[:port]. Only when every file verified does pip
run again, offline (``--no-index --find-links <staging>``), over the verified files and nothing else,
with the rest of the user's arguments (``--no-deps``, ``--require-hashes``, ``--target``...) as given.
Otherwise nothing is installed and each refused file is named with its status and message.

The policy path comes from ``--policy`` or the ``DOMAINSIG_POLICY`` environment variable.
See docs/gates.md for what this trusts and what it does not.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ._policy import Policy, VerificationResult

USAGE = "usage: python -m domainsig.pip install [pip install args...] --policy P.json  (or DOMAINSIG_POLICY=P.json)"

#: PEP 691: the JSON form of the simple API, asked for by content negotiation.
#: https://peps.python.org/pep-0691/#version-format-selection
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"

# Bounds on what an index may make us read (the library refuses larger bundles anyway:
# src/limits.rs MAX_BUNDLE_BYTES is 8 MiB).
MAX_PAGE_BYTES = 32 << 20
MAX_PROVENANCE_BYTES = 8 << 20
TIMEOUT = 60

# pip options that name where packages come from: dropped from the offline install, which may only
# see the staging folder. (flag, takes a value)
_SOURCE_OPTIONS = {
    "-i": True,
    "--index-url": True,
    "--extra-index-url": True,
    "-f": True,
    "--find-links": True,
    "--no-index": False,
    "--report": True,
    "--dry-run": False,
}


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
    index_url: Optional[str] = None
    index_domain: Optional[str] = None
    provenance: Optional[bytes] = None
    want_sha256: Optional[str] = None
    local: bool = False
    why_unattested: str = ""
    refusal: str = ""
    verdict: Optional[VerificationResult] = None
    notes: List[str] = field(default_factory=list)


def _split_args(argv: Sequence[str]) -> Tuple[Optional[str], List[str]]:
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


def _strip_sources(args: Sequence[str]) -> List[str]:
    out: List[str] = []
    it = iter(args)
    for a in it:
        flag, eq, _ = a.partition("=")
        if flag in _SOURCE_OPTIONS:
            if _SOURCE_OPTIONS[flag] and not eq:
                next(it, None)
            continue
        if a[:2] in ("-i", "-f") and len(a) > 2 and not a.startswith("--"):
            continue  # -iURL / -fURL
        out.append(a)
    return out


def _pip(args: Sequence[str], env: Optional[Dict[str, str]] = None) -> int:
    return subprocess.call([sys.executable, "-m", "pip", *args], env=env)


_INDEXES_SCRIPT = """
import json, sys
from pip._internal.commands import create_command
options, _ = create_command("install").parse_args(sys.argv[1:])
print(json.dumps([] if options.no_index else [options.index_url, *options.extra_index_urls]))
"""


def _index_urls(args: Sequence[str]) -> List[str]:
    """The indexes pip searched, as pip itself reads them (arguments, environment, config files)."""
    out = subprocess.run(
        [sys.executable, "-c", _INDEXES_SCRIPT, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise GateError(f"could not read pip's index options: {out.stderr.strip()}")
    urls: List[str] = json.loads(out.stdout)
    return [u if u.endswith("/") else u + "/" for u in urls]


def _host_port(url: str) -> str:
    """``index_domain`` for a URL: its host and (non-default) port, without credentials."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def _normalize(name: str) -> str:
    # PEP 503 name normalisation: https://peps.python.org/pep-0503/#normalized-names
    return re.sub(r"[-_.]+", "-", name).lower()


def _read(url: str, limit: int, accept: Optional[str] = None) -> Tuple[bytes, str]:
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:
        body: bytes = resp.read(limit + 1)
        ctype: str = resp.headers.get("Content-Type", "")
    if len(body) > limit:
        raise GateError(f"{url}: larger than {limit} bytes")
    return body, ctype


def _download(url: str, dest: str) -> str:
    """Streams ``url`` to ``dest``; returns the sha256 of what was written."""
    h = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=TIMEOUT) as resp, open(dest, "wb") as f:
        while True:
            chunk = resp.read(1 << 20)
            if not chunk:
                break
            h.update(chunk)
            f.write(chunk)
    return h.hexdigest()


class _Indexes:
    """Reads project pages (PEP 691 JSON) once per (index, project)."""

    def __init__(self, urls: Sequence[str]) -> None:
        self.urls = list(urls)
        self.pages: Dict[Tuple[str, str], Optional[Tuple[str, Dict[str, Any]]]] = {}

    def page(self, index: str, project: str) -> Optional[Tuple[str, Dict[str, Any]]]:
        key = (index, project)
        if key not in self.pages:
            url = urllib.parse.urljoin(index, urllib.parse.quote(project) + "/")
            try:
                body, ctype = _read(url, MAX_PAGE_BYTES, accept=f"{SIMPLE_JSON}, text/html;q=0.01")
                doc = json.loads(body) if ctype.split(";")[0].strip() == SIMPLE_JSON else None
                self.pages[key] = (url, doc) if isinstance(doc, dict) else (url, {})
            except (urllib.error.URLError, OSError, ValueError, GateError):
                self.pages[key] = None
        return self.pages[key]

    def locate(self, c: Candidate) -> None:
        """Finds the index that listed ``c`` and its provenance (PEP 740), filling ``c``."""
        project = _normalize(c.name)
        target = urllib.parse.urldefrag(c.url)[0]
        for index in self.urls:
            found = self.page(index, project)
            if found is None:
                continue
            page_url, doc = found
            for f in doc.get("files", []) if isinstance(doc.get("files"), list) else []:
                if not isinstance(f, dict) or not isinstance(f.get("url"), str):
                    continue
                if urllib.parse.urldefrag(urllib.parse.urljoin(page_url, f["url"]))[0] != target:
                    continue
                c.index_url = index
                c.index_domain = _host_port(index)
                self._provenance(c, page_url, f)
                return
            if not doc and self._integrity(c, index):
                # An index that does not speak PEP 691 JSON: only the Integrity API can vouch,
                # and only for a file it serves under the same name and digest.
                return
        c.why_unattested = "no index the gate searched lists this file (a direct URL, a local path or --find-links)"

    def _provenance(self, c: Candidate, page_url: str, entry: Dict[str, Any]) -> None:
        # PEP 740, "Changes to the simple API": in the JSON simple API each file may carry a
        # `provenance` key, a URL of the file's provenance object, or null when it has none.
        # https://peps.python.org/pep-0740/ ("Changes to the simple API"; the HTML form is the
        # `data-provenance` attribute, which this gate does not read: it asks for PEP 691 JSON).
        if "provenance" in entry:
            prov = entry["provenance"]
            if prov is None:
                c.why_unattested = f"{c.index_domain} lists no provenance for this file"
                return
            if not isinstance(prov, str):
                c.why_unattested = f"{c.index_domain} lists a provenance that is not a URL"
                return
            url = urllib.parse.urljoin(page_url, prov)
            try:
                c.provenance, _ = _read(url, MAX_PROVENANCE_BYTES)
            except (urllib.error.URLError, OSError, GateError) as e:
                c.why_unattested = f"provenance {url} could not be fetched: {e}"
            return
        if c.index_url is not None and not self._integrity(c, c.index_url):
            c.why_unattested = f"{c.index_domain} does not serve PEP 740 provenance (no `provenance` key, no Integrity API)"

    def _integrity(self, c: Candidate, index: str) -> bool:
        # PyPI's Integrity API, the fallback for indexes that do not put `provenance` in the
        # simple API: GET /integrity/<project>/<version>/<filename>/provenance.
        # https://docs.pypi.org/api/integrity/
        path = "/integrity/{}/{}/{}/provenance".format(
            *(urllib.parse.quote(p, safe="") for p in (_normalize(c.name), c.version, c.filename))
        )
        url = urllib.parse.urljoin(index, path)
        try:
            c.provenance, _ = _read(url, MAX_PROVENANCE_BYTES, accept="application/json")
        except (urllib.error.URLError, OSError, GateError):
            return False
        c.index_url = index
        c.index_domain = _host_port(index)
        c.notes.append(f"provenance from the Integrity API of {c.index_domain}")
        return True


def _policy_allows_unattested(policy: Dict[str, Any], project: str) -> bool:
    """A file without provenance passes, with a warning, only where the policy asks nothing of its
    package: ``domains.mode`` is ``warn`` or ``ignore``, there are no global ``identities``,
    ``publishers``, ``min_age`` or ``keys``, and ``packages`` has no entry for it (signers pinned for some packages only). Under
    ``require``, or with any signer rule that covers the package, it is refused."""
    domains = policy.get("domains")
    mode = domains.get("mode", "require") if isinstance(domains, dict) else "require"
    if mode not in ("warn", "ignore") or policy.get("identities") or policy.get("keys"):
        return False
    # Publisher pins and a cool-down ask something of every package too (docs/publishers.md).
    if policy.get("publishers") or policy.get("min_age"):
        return False
    packages = policy.get("packages")
    return not (isinstance(packages, dict) and any(_normalize(str(n)) == project for n in packages))


def _report(args: Sequence[str], work: str) -> List[Candidate]:
    report = os.path.join(work, "report.json")
    code = _pip(["install", "--dry-run", "--quiet", "--report", report, *args])
    if code != 0:
        raise GateError(f"pip could not resolve the install (exit status {code}); nothing was installed")
    with open(report, encoding="utf-8") as f:
        doc = json.load(f)
    out: List[Candidate] = []
    for item in doc.get("install", []):
        info = item.get("download_info", {})
        meta = item.get("metadata", {})
        url = str(info.get("url", ""))
        filename = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        c = Candidate(str(meta.get("name", "")), str(meta.get("version", "")), url, filename)
        if url.startswith("file:"):
            # The user's own files (`pip install .`, a wheel on disk): not from an index, nothing
            # to verify them against; the gate guards what comes from the network.
            c.local = True
        elif "archive_info" not in info:
            c.why_unattested = "a VCS checkout, not a file from an index"
        hashes = info.get("archive_info", {}).get("hashes", {})
        if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
            c.want_sha256 = hashes["sha256"]
        out.append(c)
    return out


def gate(argv: Sequence[str]) -> int:
    """Runs the gate; returns the process exit status (0 installed, 1 refused, 2 usage/error)."""
    if not argv or argv[0] != "install":
        print(USAGE, file=sys.stderr)
        return 2
    try:
        policy_path, args = _split_args(argv[1:])
        policy_path = policy_path or os.environ.get("DOMAINSIG_POLICY")
        if not policy_path:
            raise GateError("no policy: pass --policy P.json or set DOMAINSIG_POLICY")
        with open(policy_path, "rb") as f:
            policy_bytes = f.read(1 << 20)
        policy = Policy.from_json(policy_bytes)
        policy_doc = json.loads(policy_bytes)
    except (GateError, OSError, ValueError) as e:
        print(f"domainsig.pip: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # the library's InputError for a bad policy
        print(f"domainsig.pip: policy {policy_path}: {e}", file=sys.stderr)
        return 2

    work = tempfile.mkdtemp(prefix="domainsig-pip-")
    try:
        return _gate(policy, policy_doc, args, work)
    except GateError as e:
        print(f"domainsig.pip: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _gate(policy: Policy, policy_doc: Dict[str, Any], args: List[str], work: str) -> int:
    candidates = _report(args, work)
    staging = os.path.join(work, "verified")
    os.mkdir(staging)
    indexes = _Indexes(_index_urls(args))
    refused: List[str] = []
    warnings: List[str] = []

    for c in candidates:
        if c.why_unattested or c.local:
            continue
        if not c.filename or "/" in c.filename or c.filename in (".", ".."):
            c.why_unattested = f"no file name in {c.url}"
            continue
        c.path = os.path.join(work, c.filename)
        try:
            got = _download(c.url, c.path)
        except (urllib.error.URLError, OSError) as e:
            raise GateError(f"{c.filename}: download failed: {e}") from None
        if c.want_sha256 is not None and c.want_sha256 != got:
            c.refusal = f"the file changed after pip resolved it (sha256 {got}, pip saw {c.want_sha256})"
            continue
        indexes.locate(c)

    # One native batch per index domain: the verifications run in parallel on the library's pool.
    by_domain: Dict[str, List[Candidate]] = {}
    for c in candidates:
        if c.provenance is not None and c.index_domain is not None:
            by_domain.setdefault(c.index_domain, []).append(c)
    for domain, group in by_domain.items():
        results = policy.verify_many([(c.path, c.provenance or b"", c.filename) for c in group], domain)
        for c, r in zip(group, results):
            c.verdict = r

    for c in candidates:
        label = f"{c.filename or c.url} ({c.name} {c.version})"
        for note in c.notes:
            warnings.append(f"{label}: {note}")
        if c.local:
            warnings.append(f"{label}: a local file, installed as given (not verified)")
        elif c.refusal:
            refused.append(f"{label}: {c.refusal}")
        elif c.verdict is not None:
            if c.verdict.ok:
                for w in c.verdict.details.get("warnings", []) or []:
                    warnings.append(f"{label} from {c.index_domain}: {w}")
                shutil.copy(c.path, os.path.join(staging, c.filename))
            else:
                msg = c.verdict.details.get("message", "")
                refused.append(f"{label} from {c.index_domain}: {c.verdict.code} ({c.verdict.status}): {msg}")
        elif _policy_allows_unattested(policy_doc, _normalize(c.name)):
            warnings.append(f"{label}: installed WITHOUT provenance ({c.why_unattested}); the policy does not require it")
            if c.path:
                shutil.copy(c.path, os.path.join(staging, c.filename))
        else:
            refused.append(f"{label}: no provenance: {c.why_unattested}; the policy requires a verified attestation")

    for w in warnings:
        print(f"domainsig.pip: warning: {w}", file=sys.stderr)
    if refused:
        print(f"domainsig.pip: refused {len(refused)} of {len(candidates)} file(s); nothing was installed:", file=sys.stderr)
        for line in refused:
            print(f"  refused: {line}", file=sys.stderr)
        return 1
    if candidates:
        print(f"domainsig.pip: verified {len(candidates)} file(s); installing them", file=sys.stderr)

    # The install sees the staging folder and nothing else: index options are dropped from the
    # arguments and from the environment, and pip checks any --require-hashes pins again.
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS")}
    env["PIP_NO_INDEX"] = "1"
    return _pip(["install", "--no-index", "--find-links", staging, *_strip_sources(args)], env=env)


def main(argv: Optional[Sequence[str]] = None) -> int:
    return gate(list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
