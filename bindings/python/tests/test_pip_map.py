"""The pip gate's three commands with a policy that names a publisher map (docs/publisher-map.md)
and no identity: the committed TUF repositories tests/tuf/publisher-map (its pypi.org map names the
real publisher of gitlab_oidc_project 0.0.3) and tests/tuf/publisher-map-other (another
publisher), the real attested sdist served on 127.0.0.1 as a mirror of pypi.org."""

import hashlib
import json
import os
import shutil

import pytest

from conftest import REPO
from pip_index import (GITLAB, GITLAB_PUBLISHER, SDIST, identities_in, install, lock, provenance,  # noqa: F401
                       refused, run, serve, warn_policy, write_policy)

TUF = REPO / "tests" / "tuf"
OTHER = "evil/gitlab-oidc-project"
REAL = GITLAB_PUBLISHER["repository"]
NO_ISOLATION = "--no-build-isolation"  # the sdist's build backend, flit_core, is in the test environment


def sdist_index(serve, prov=True):
    return serve({"gitlab-oidc-project": {SDIST: [(GITLAB / "artifact").read_bytes(), provenance(GITLAB) if prov else None]}})


def map_policy(tmp_path, index, fixture="publisher-map", map_index="pypi.org", mirror_of="pypi.org", **extra):
    """No identity: trusted_root, domains (the test index a mirror of `mirror_of`) and one map,
    named by paths relative to the working folder (the gate runs in tmp_path)."""
    repo = tmp_path / "tuf" / fixture
    if not repo.exists():
        shutil.copytree(TUF / fixture, repo)
    policy = {"version": 1, "trusted_root": "public-good",
              "domains": {"mode": "warn", "mirrors": {f"127.0.0.1:{index.port}": [mirror_of]}},
              "publishers_from": [{"tuf": {"repo": f"tuf/{fixture}", "root": f"tuf/{fixture}/1.root.json"},
                                   "cache": "cache", "index": map_index}]}
    policy.update(extra)
    return policy


def gate_install(tmp_path, index, policy, target="target"):
    r = run(tmp_path, "install", "--index-url", index.url, NO_ISOLATION, "--target", str(tmp_path / target),
            "--policy", write_policy(tmp_path, policy), "gitlab-oidc-project==0.0.3")
    t = tmp_path / target
    return r, sorted(p.name for p in t.iterdir()) if t.exists() else []


def digest(folder):
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(folder)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            h.update(os.path.relpath(p, folder).encode() + b"\0")
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


def test_a_first_install_with_no_identity_is_judged_by_the_map(tmp_path, serve):
    index = sdist_index(serve)
    r, installed = gate_install(tmp_path, index, map_policy(tmp_path, index))
    assert r.returncode == 0, r.stderr
    assert "gitlab_oidc_project" in installed
    # The same file, the map naming another publisher: refused, naming the map and what it said.
    refused(*gate_install(tmp_path, index, map_policy(tmp_path, index, "publisher-map-other"), "t2"),
            "IDENTITY_MISMATCH", "the publisher map of pypi.org", OTHER)


def test_lock_with_no_identity_records_what_the_map_accepts(tmp_path, serve):
    index = sdist_index(serve)
    r = lock(tmp_path, index, map_policy(tmp_path, index), NO_ISOLATION, "gitlab-oidc-project==0.0.3")
    assert r.returncode == 0, r.stderr
    assert identities_in(tmp_path / "pylock.toml") == [[GITLAB_PUBLISHER]]
    (tmp_path / "pylock.toml").unlink()
    r = lock(tmp_path, index, map_policy(tmp_path, index, "publisher-map-other"), NO_ISOLATION, "gitlab-oidc-project==0.0.3")
    assert r.returncode == 1, r.stderr
    assert "no lock was written" in r.stderr and "the publisher map of pypi.org" in r.stderr and OTHER in r.stderr, r.stderr
    assert not (tmp_path / "pylock.toml").exists()


def test_a_lock_install_is_judged_by_the_map_too(tmp_path, serve):
    index = sdist_index(serve)
    # A lock made without a map (first sight), with its identities taken out: the map alone speaks.
    assert lock(tmp_path, index, warn_policy("public-good"), NO_ISOLATION, "gitlab-oidc-project==0.0.3").returncode == 0
    path = tmp_path / "pylock.toml"
    text = path.read_text()
    block = text[text.index("\n[[packages.attestation-identities]]"):]
    block = block[: block.index(".gitlab-ci.yml\"\n") + len(".gitlab-ci.yml\"\n")]
    path.write_text(text.replace(block, ""))
    r, installed = install(tmp_path, index, map_policy(tmp_path, index), "t", "pylock.toml", NO_ISOLATION)
    assert r.returncode == 0 and "gitlab_oidc_project" in installed, r.stderr
    refused(*install(tmp_path, index, map_policy(tmp_path, index, "publisher-map-other"), "t2", "pylock.toml", NO_ISOLATION),
            "IDENTITY_MISMATCH", "the publisher map of pypi.org", OTHER)
    # With the lock's identities back, the lock and the map must both accept: each is named.
    path.write_text(text)
    refused(*install(tmp_path, index, map_policy(tmp_path, index, "publisher-map-other"), "t3", "pylock.toml", NO_ISOLATION),
            "the publisher map of pypi.org", OTHER, "pylock.toml", REAL)


@pytest.mark.parametrize("map_index, mirror_of", [("test.pypi.org", "pypi.org"), ("pypi.org", "test.pypi.org")])
def test_a_map_governs_only_its_index_and_its_mirrors(tmp_path, serve, map_index, mirror_of):
    # The map naming another publisher does not speak for a file fetched from a mirror of another
    # index: first sight accepts the real signer.
    index = sdist_index(serve)
    policy = map_policy(tmp_path, index, "publisher-map-other", map_index, mirror_of, first_sight=True)
    r, installed = gate_install(tmp_path, index, policy)
    assert r.returncode == 0 and "gitlab_oidc_project" in installed, r.stderr


def test_a_refused_update_refuses_the_install_and_leaves_the_cache(tmp_path, serve):
    index = sdist_index(serve)
    policy = map_policy(tmp_path, index)
    repo = tmp_path / "tuf" / "publisher-map"
    # The bin gitlab-oidc-project hashes to (sha256 of its target path starts with 9), one byte of
    # its signature flipped: a first install fetches it and is refused; no cache is written.
    bin_file = repo / "1.pypi.org-bin-9.json"
    good = bin_file.read_bytes()
    at = good.index(b'"sig":"') + len(b'"sig":"')
    bin_file.write_bytes(good[:at] + (b"1" if good[at:at + 1] != b"1" else b"2") + good[at + 1:])
    refused(*gate_install(tmp_path, index, policy), "the publisher map of pypi.org (publishers_from[0]) could not be updated",
            "TUF_")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.json"))
    bin_file.write_bytes(good)
    r, installed = gate_install(tmp_path, index, policy, "t2")
    assert r.returncode == 0 and "gitlab_oidc_project" in installed, r.stderr
    # Then a tampered timestamp: refused, the verified cache byte for byte as it was.
    before = digest(tmp_path / "cache")
    ts = repo / "timestamp.json"
    doc = json.loads(ts.read_text())
    doc["signed"]["version"] += 1
    ts.write_text(json.dumps(doc))
    refused(*gate_install(tmp_path, index, policy, "t3"), "could not be updated", "TUF_")
    assert digest(tmp_path / "cache") == before


def test_a_file_without_provenance_under_a_map_that_names_its_publisher_is_refused(tmp_path, serve):
    index = sdist_index(serve, prov=False)
    refused(*gate_install(tmp_path, index, map_policy(tmp_path, index, first_sight=True)),
            "no provenance", "the publisher map of pypi.org names its publisher(s)", "pypi.org/publishers/gitlab-oidc-project.json",
            "downgrade")
    # No claim (the map governs test.pypi.org only): the rest of the policy decides. Without
    # first_sight the map is its only signer rule, so provenance is required ...
    refused(*gate_install(tmp_path, index, map_policy(tmp_path, index, map_index="test.pypi.org"), "t2"),
            "no provenance", "the policy requires a verified attestation")
    # ... with first_sight (and domains.mode warn) the file is installed with a warning.
    r, installed = gate_install(tmp_path, index, map_policy(tmp_path, index, map_index="test.pypi.org", first_sight=True), "t3")
    assert r.returncode == 0 and "gitlab_oidc_project" in installed, r.stderr
    assert "WITHOUT provenance" in r.stderr


def test_hostile_names_are_refused_before_any_update(tmp_path):
    from domainsig.pip import maps
    from domainsig.pip.fetch import Budget
    from domainsig.pip.resolve import Candidate, GateError

    policy = {"publishers_from": [{"tuf": {"repo": str(tmp_path / "nowhere")}, "cache": str(tmp_path / "c"), "index": "pypi.org"}]}
    for name in ["../../etc/passwd", "a/b", "evil\\x", "x\n", "caf\u00e9", "-a", "a" * 215, ""]:
        with pytest.raises(GateError, match="cannot be looked up in a publisher map"):
            maps.refresh(policy, [name], Budget())
    with pytest.raises(GateError, match=f"at most {maps.MAX_NAMES}"):
        maps.refresh(policy, [f"p{i}" for i in range(maps.MAX_NAMES + 1)], Budget())
    assert not (tmp_path / "c").exists()
    # Names that normalise alike are searched once; a file name's project is searched too (the
    # library judges a file under it), a file name that is no plain name adds nothing.
    cs = [Candidate("Foo.Bar", "1", "u", "foo_bar-1.tar.gz"), Candidate("foo-bar", "1", "u", "Other-1-py3-none-any.whl"),
          Candidate("x", "1", "u", "a/../b-1.tar.gz"), Candidate("x", "1", "u", "_x-1.tar.gz"),
          Candidate("mine", "1", "u", "mine-1.tar.gz", local=True)]
    assert maps.searched_names(cs) == ["foo-bar", "other", "x"]


def test_a_map_policy_the_library_would_refuse_is_refused_before_pip_runs(tmp_path):
    # domains.mode "ignore" drops the index domain a map needs: a usage error (2), pip never runs.
    policy = {"version": 1, "domains": {"mode": "ignore"},
              "publishers_from": [{"tuf": {"repo": "tuf/x"}, "cache": "cache", "index": "pypi.org"}]}
    r = run(tmp_path, "install", "--index-url", "http://127.0.0.1:9/simple/", "--policy", write_policy(tmp_path, policy),
            "anything")
    assert r.returncode == 2 and 'domains.mode "ignore"' in r.stderr, r.stderr


def test_which_maps_govern_a_file_without_provenance(tmp_path):
    # The library's rule (Policy.judge_unattested, with the verifier's mirror rule), as the gate
    # calls it for each file without provenance.
    import domainsig
    from domainsig import trust
    from domainsig.pip.resolve import Candidate
    from domainsig.pip.verify import judge_unattested

    repo = tmp_path / "publisher-map"
    shutil.copytree(TUF / "publisher-map", repo)
    cache = tmp_path / "cache"
    trust.update(repo, repo / "1.root.json", str(cache),
                 search={"index": "pypi.org", "packages": ["gitlab-oidc-project", "other"], "ecosystem": "pypi"})

    def policy(**extra):
        doc = {"version": 1, "trusted_root": "public-good", "first_sight": True,
               "domains": {"mode": "warn", "mirrors": {"https://Mirror.Example:443/": ["PyPI.org"]}},
               "publishers_from": [{"tuf": {"repo": str(repo), "root": str(repo / "1.root.json")},
                                    "cache": str(cache), "index": "pypi.org"}]}
        doc.update(extra)
        return domainsig.Policy.from_dict(doc)

    p = policy()

    def from_(domain, name="Gitlab_OIDC.project", filename=SDIST, p=p):
        c = Candidate(name, "0.0.3", "u", filename)
        c.index_domain = domain
        return judge_unattested(p, c)

    target = "pypi.org/publishers/gitlab-oidc-project.json"
    for domain in ("pypi.org", "mirror.example", "https://PyPI.org/"):
        why = from_(domain)[0] or ""
        assert "ATTESTATION_MISSING" in why and "the publisher map of pypi.org" in why and target in why, why
        assert REAL in why and "downgrade" in why, why
    assert "listed by no index" in (from_(None)[0] or "")
    # test.pypi.org is not pypi.org, nor a mirror the policy allows for it.
    why, notes = from_("test.pypi.org")
    assert why is None and any("governs only files fetched from pypi.org" in n for n in notes), notes
    # No claim: installed with a note, under first_sight; refused without it.
    why, notes = from_("pypi.org", "other", "other-1.0.tar.gz")
    assert why is None and any("makes no claim about other" in n for n in notes), notes
    why = from_("pypi.org", "other", "other-1.0.tar.gz", policy(first_sight=False))[0] or ""
    assert "first_sight is off" in why, why
    # A file whose name gives the claimed project is judged under it too, whatever pip calls it.
    assert "the publisher map of pypi.org" in (from_("pypi.org", "other")[0] or "")


class _TufFiles:
    """A map's TUF repository served over HTTP on 127.0.0.1, counting the bytes it sends."""

    def __init__(self, folder):
        import functools
        import http.server
        import threading

        owner = self
        self.sent = 0

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def copyfile(self, source, outputfile):
                data = source.read()
                owner.sent += len(data)
                outputfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_map_update_spends_the_gates_byte_budget(tmp_path, serve):
    # The map's repository is as hostile as an index: what its update fetches counts against the
    # run's one byte cap (DOMAINSIG_GATE_MAX_BYTES) and deadline, like the page, the file and its
    # provenance. The cap here holds those with 4 KiB to spare, less than the map's metadata (its
    # pypi.org role alone is 6 KiB): the run must be stopped, and nothing installed.
    import subprocess
    import sys

    from pip_index import environ

    index = sdist_index(serve)
    policy = map_policy(tmp_path, index)
    tuf = _TufFiles(tmp_path / "tuf" / "publisher-map")
    try:
        policy["publishers_from"][0]["tuf"]["repo"] = tuf.url
        cap = len((GITLAB / "artifact").read_bytes()) + len(provenance(GITLAB)) + 4096
        env = dict(environ(), DOMAINSIG_GATE_MAX_BYTES=str(cap))
        r = subprocess.run([sys.executable, "-m", "domainsig.pip", "install", "--index-url", index.url, NO_ISOLATION,
                            "--target", str(tmp_path / "target"), "--policy", write_policy(tmp_path, policy),
                            "gitlab-oidc-project==0.0.3"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
        assert tuf.sent > 4096, tuf.sent
        t = tmp_path / "target"
        refused(r, sorted(p.name for p in t.iterdir()) if t.exists() else [], "DOMAINSIG_GATE_MAX_BYTES")
        # A cap below the map's own metadata stops the update itself (a first update, into a new
        # cache), the cache left unwritten.
        env["DOMAINSIG_GATE_MAX_BYTES"] = "4096"
        policy["publishers_from"][0]["cache"] = "cache2"
        r = subprocess.run([sys.executable, "-m", "domainsig.pip", "install", "--index-url", index.url, NO_ISOLATION,
                            "--target", str(tmp_path / "target"), "--policy", write_policy(tmp_path, policy),
                            "gitlab-oidc-project==0.0.3"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
        refused(r, sorted(p.name for p in t.iterdir()) if t.exists() else [],
                "the publisher map of pypi.org (publishers_from[0]) could not be updated", "DOMAINSIG_GATE_MAX_BYTES")
        assert not (tmp_path / "cache2").exists() or not any((tmp_path / "cache2").rglob("report.json"))
        # With room for it, the same install goes through the served map.
        r, installed = gate_install(tmp_path, index, policy, "t2")
        assert r.returncode == 0 and "gitlab_oidc_project" in installed, r.stderr
    finally:
        tuf.close()


def test_two_gates_sharing_a_cache_each_keep_the_names_they_searched(tmp_path, monkeypatch):
    # Two gates update one map cache at once (two CI jobs sharing ~/.cache). Gate B's whole update
    # runs while gate A's is under way (inside A's first fetch, so the order is fixed); B then
    # compiles its policy and verifies. If A published its state, searched only for A's names,
    # over B's, B's package would read "never searched" (TUF_MISSING) and be refused.
    from domainsig import trust
    from domainsig.pip import fetch, maps

    shutil.copytree(TUF / "publisher-map", tmp_path / "repo")
    tuf = _TufFiles(tmp_path / "repo")
    try:
        policy = {"version": 1, "trusted_root": "public-good", "domains": {"mode": "warn"},
                  "publishers_from": [{"tuf": {"repo": tuf.url, "root": str(tmp_path / "repo" / "1.root.json")},
                                       "cache": str(tmp_path / "cache"), "index": "pypi.org"}]}
        real = fetch.read_tuf
        started = []

        def interleaved(budget, url, n):
            if not started:
                started.append(url)
                maps.refresh(policy, ["gitlab-oidc-project"], fetch.Budget())  # gate B, start to end
            return real(budget, url, n)

        monkeypatch.setattr(fetch, "read_tuf", interleaved)
        maps.refresh(policy, ["attrs"], fetch.Budget())  # gate A
        assert started
        asked = trust.status(tuf.url, None, str(tmp_path / "cache"))["asked"]
        assert "pypi.org/publishers/gitlab-oidc-project.json" in asked, asked
        assert "pypi.org/publishers/attrs.json" in asked, asked
    finally:
        tuf.close()


def test_an_attested_file_named_as_another_project_is_refused_before_verification():
    # pip installs sdists in .tar.bz2 (and .tgz, .tar.xz, .tar), and its finder takes the project
    # from the part before the version. The library reads `pytest-cov-5.0.tar.bz2` as the conda
    # package `pytest`, `pytest_cov-5.0.0.tgz` as the npm package `pytest_cov`: a file of
    # pytest-cov, which the map names publishers for, would be judged under a project the map
    # makes no claim for (pytest, installed too, searched and absent), and first sight would
    # accept whoever the index had sign it. Refused before it reaches the library.
    import importlib

    from domainsig.pip.resolve import Candidate

    verify = importlib.import_module("domainsig.pip.verify")  # the package exports a function of that name

    judged = []

    class Policy:
        def verify_many(self, items, domain):
            judged.extend(name for _, _, name in items)
            return ["judged" for _ in items]

    class Listed:
        def locate(self, c):
            c.index_domain, c.provenance = "pypi.org", b"{}"

    names = ["pytest-cov-5.0.tar.bz2", "pytest_cov-5.0.0.tgz", "pytest_cov-5.0.tar.xz", "pytest_cov-5.0.tar",
             "pytest-5.0-py3-none-any.whl", "pytest_cov-5.0.tar.gz", "pytest_cov-5.0-py3-none-any.whl", "Pytest.Cov-5.0.zip"]
    cands = [Candidate("pytest-cov", "5.0", f"http://x/{n}", n, path=f"/t/{n}") for n in names]
    verify.verify(Policy(), cands, Listed())
    assert judged == names[5:]
    for c in cands[:5]:
        assert c.verdict is None and "is not a wheel or a .tar.gz/.zip sdist of pytest-cov" in c.refusal, c.filename


def test_a_mirror_named_with_a_path_is_a_usage_error(tmp_path, serve):
    # The gate judges a file for its index's host[:port]. A mirror written with a path (as a
    # policy may name an npm registry) matched no file: the map naming another publisher never
    # spoke, and first sight installed the file. Refused before pip runs, nothing installed.
    index = sdist_index(serve)
    policy = map_policy(tmp_path, index, "publisher-map-other", first_sight=True)
    policy["domains"]["mirrors"] = {f"127.0.0.1:{index.port}/simple": ["pypi.org"]}
    r, installed = gate_install(tmp_path, index, policy)
    assert r.returncode == 2 and installed == [], r.stderr
    assert "has a path" in r.stderr and f"127.0.0.1:{index.port}/simple" in r.stderr, r.stderr
    # Named by host[:port], the mirror is governed: the map's other publisher refuses the file.
    policy["domains"]["mirrors"] = {f"http://127.0.0.1:{index.port}/": ["pypi.org"]}
    refused(*gate_install(tmp_path, index, policy, "t2"), "IDENTITY_MISMATCH", "the publisher map of pypi.org", OTHER)
