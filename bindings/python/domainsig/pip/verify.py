"""Verification: fetch each file pip chose and its PEP 740 provenance, verify it for the index that
listed it, and judge the files without provenance by the policy."""

from __future__ import annotations

import html.parser
import json
import os
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from .._policy import MAX_BATCH, Policy
from . import fetch
from .resolve import Candidate, GateError, normalize

#: PEP 691: the JSON form of the simple API, asked for by content negotiation.
#: https://peps.python.org/pep-0691/#version-format-selection
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"

# Bounds on what an index may make us read (the library refuses larger bundles anyway:
# src/limits.rs MAX_BUNDLE_BYTES is 8 MiB).
MAX_PAGE_BYTES = 32 << 20
MAX_PROVENANCE_BYTES = 8 << 20
#: The most items one ``verify_many`` call takes (the library refuses more, LIMIT_EXCEEDED): more
#: files are verified in several calls. A module attribute so that a test can lower it.
BATCH = MAX_BATCH


def host_port(url: str) -> str:
    """``index_domain`` for a URL: its host and (non-default) port, without credentials."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


class _Links(html.parser.HTMLParser):
    """The ``href`` of every anchor of a PEP 503 (HTML) project page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: List[str] = []

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


Page = Tuple[str, Dict[str, Any], Set[str]]


class Indexes:
    """Reads project pages (PEP 691 JSON, or the file URLs of a PEP 503 HTML page) once per
    (index, project)."""

    def __init__(self, urls: Sequence[str], budget: fetch.Budget) -> None:
        self.urls = list(urls)
        self.budget = budget
        self.pages: Dict[Tuple[str, str], Optional[Page]] = {}

    def page(self, index: str, project: str) -> Optional[Page]:
        key = (index, project)
        if key not in self.pages:
            url = urllib.parse.urljoin(index, urllib.parse.quote(project) + "/")
            try:
                body, ctype = fetch.read(self.budget, url, MAX_PAGE_BYTES, accept=f"{SIMPLE_JSON}, text/html;q=0.01")
                doc = json.loads(body) if ctype.split(";")[0].strip() == SIMPLE_JSON else None
                links: Set[str] = set()
                if doc is None:
                    parser = _Links()
                    parser.feed(body.decode("utf-8", "replace"))
                    links = {urllib.parse.urldefrag(urllib.parse.urljoin(url, h))[0] for h in parser.hrefs}
                self.pages[key] = (url, doc if isinstance(doc, dict) else {}, links)
            except (fetch.FetchError, ValueError):
                self.pages[key] = None
        return self.pages[key]

    def locate(self, c: Candidate) -> None:
        """Finds the index that listed ``c`` and its provenance (PEP 740), filling ``c``."""
        project = normalize(c.name)
        target = urllib.parse.urldefrag(c.url)[0]
        for index in self.urls:
            found = self.page(index, project)
            if found is None:
                continue
            page_url, doc, links = found
            for f in doc.get("files", []) if isinstance(doc.get("files"), list) else []:
                if not isinstance(f, dict) or not isinstance(f.get("url"), str):
                    continue
                if urllib.parse.urldefrag(urllib.parse.urljoin(page_url, f["url"]))[0] != target:
                    continue
                c.index_url = index
                c.index_domain = host_port(index)
                self._provenance(c, page_url, f)
                return
            if target in links:
                # An HTML (PEP 503) page that lists this very file: only this index's Integrity
                # API can vouch for it. An index that does not list the file is never asked: its
                # Integrity API would credit it with a file pip took from another index.
                if not self._integrity(c, index):
                    c.index_url = index
                    c.index_domain = host_port(index)
                    c.why_unattested = f"{c.index_domain} does not serve PEP 740 provenance (an HTML page, no Integrity API)"
                return
        c.why_unattested = "no index the gate searched lists this file (a direct URL or --find-links)"

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
                c.provenance, _ = fetch.read(self.budget, url, MAX_PROVENANCE_BYTES)
            except fetch.FetchError as e:
                c.why_unattested = f"provenance could not be fetched: {e}"
            return
        if c.index_url is not None and not self._integrity(c, c.index_url):
            c.why_unattested = f"{c.index_domain} does not serve PEP 740 provenance (no `provenance` key, no Integrity API)"

    def _integrity(self, c: Candidate, index: str) -> bool:
        # PyPI's Integrity API, the fallback for indexes that do not put `provenance` in the
        # simple API: GET /integrity/<project>/<version>/<filename>/provenance.
        # https://docs.pypi.org/api/integrity/
        path = "/integrity/{}/{}/{}/provenance".format(
            *(urllib.parse.quote(p, safe="") for p in (normalize(c.name), c.version, c.filename))
        )
        url = urllib.parse.urljoin(index, path)
        try:
            c.provenance, _ = fetch.read(self.budget, url, MAX_PROVENANCE_BYTES, accept="application/json")
        except fetch.FetchError:
            return False
        c.index_url = index
        c.index_domain = host_port(index)
        c.notes.append(f"provenance from the Integrity API of {c.index_domain}")
        return True


def stage(candidates: Sequence[Candidate], work: str, budget: fetch.Budget) -> None:
    """Puts each file in a folder of its own under ``work`` (a download, or a copy of a local file),
    hashed as it is written; at most ``fetch.PARALLEL`` at once. A file whose bytes differ from what
    pip resolved is refused."""
    todo = [c for c in candidates if not c.refusal]

    def one(i: int, c: Candidate) -> None:
        folder = os.path.join(work, str(i))
        os.mkdir(folder)
        c.path = os.path.join(folder, c.filename)
        try:
            c.sha256 = fetch.download(budget, c.url, c.path)
        except fetch.FetchError as e:
            raise GateError(f"{c.filename}: download failed: {e}") from None
        if c.want_sha256 is not None and c.want_sha256 != c.sha256:
            c.refusal = f"the file changed after pip resolved it (sha256 {c.sha256}, pip saw {c.want_sha256})"

    with ThreadPoolExecutor(max_workers=fetch.PARALLEL) as pool:
        for f in [pool.submit(one, i, c) for i, c in enumerate(todo)]:
            f.result()


def verify(policy: Policy, candidates: Sequence[Candidate], indexes: Indexes,
           indexes_for: Optional[Callable[[Candidate], Indexes]] = None) -> None:
    """Finds provenance for each staged network file and verifies it; one native batch per index
    domain, run in parallel on the library's pool. ``indexes_for`` chooses the indexes searched
    per file (a lock's ``packages.index``); otherwise ``indexes``."""
    # Each lookup is a page and a provenance request: at most fetch.PARALLEL at once, as downloads.
    todo = [c for c in candidates if not c.refusal and not c.local]
    with ThreadPoolExecutor(max_workers=fetch.PARALLEL) as pool:
        for f in [pool.submit((indexes_for(c) if indexes_for else indexes).locate, c) for c in todo]:
            f.result()
    from .maps import misnamed  # maps imports this module

    for c in todo:
        if c.provenance is not None and (why := misnamed(c)):
            c.refusal = why
    by_domain: Dict[str, List[Candidate]] = {}
    for c in candidates:
        if not c.refusal and c.provenance is not None and c.index_domain is not None:
            by_domain.setdefault(c.index_domain, []).append(c)
    for domain, group in by_domain.items():
        for at in range(0, len(group), BATCH):
            chunk = group[at : at + BATCH]
            results = policy.verify_many([(c.path, c.provenance or b"", c.filename) for c in chunk], domain)
            for c, r in zip(chunk, results):
                c.verdict = r


def judge_unattested(policy: Policy, c: Candidate) -> Tuple[Optional[str], List[str]]:
    """Judges ``c``, a file without provenance, by the library's one rule
    (:meth:`domainsig.Policy.judge_unattested`: the policy's signer rules, ``min_age``, its
    ``packages`` entries, ``domains.mode``, and the publisher maps that govern the index it came
    from, with the verifier's own mirror rule). Returns (why it is refused, None when it may be
    installed; the library's notes to show). The file is judged under the project pip names and,
    when its file name gives another, under that one too (the library judges an attested file
    under its file name's project; the maps searched both: :func:`.maps.searched_names`)."""
    from .._status import VerificationError
    from .maps import project_of

    names = [normalize(c.name)]
    stem = project_of(c.filename)
    if stem is not None and normalize(stem) not in names:
        names.append(normalize(stem))
    notes: List[str] = []
    for n in names:
        try:
            notes += policy.judge_unattested(n, c.index_domain)[1:]
        except VerificationError as e:
            return f"{e.code} ({e.status}): {e.message}", []
    return None, notes

