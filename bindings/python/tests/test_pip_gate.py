"""End to end: the real pip, gated by ``python -m domainsig.pip``, against a PEP 691/PEP 740 index
served by this test on 127.0.0.1, with real distributions and their real attestations from
tests/vectors (staging-signed by william@yossarian.net through GitHub's OAuth issuer)."""

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import VECTORS

WHEEL = "rfc8785-0.1.2-py3-none-any.whl"
RFC8785 = VECTORS / "pypi-attestations--rfc8785-0.1.2-whl-publish-attestation"
# Same signer, same staging log, another distribution: its attestation names another file.
SPT3G = VECTORS / "pypi-attestations--spt3g-1.0-cp310-publish"
IDENTITY = {"issuer": "https://github.com/login/oauth", "san": "william@yossarian.net"}
ABSENT = object()  # the index's file entry has no `provenance` key at all


def provenance(attestation_dir):
    """A PEP 740 provenance object around the vector's real attestation (the publisher object is
    unsigned and ignored by verification; PyPI serves this shape)."""
    att = json.loads((attestation_dir / "attestation.json").read_text())
    return json.dumps(
        {"version": 1, "attestation_bundles": [{"publisher": {"kind": "GitHub", "repository": "example/example",
                                                              "workflow": "release.yml"}, "attestations": [att]}]}
    ).encode()


def rebuilt_wheel():
    """The same project and version, rebuilt with one more file: what a swapped upload looks like."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO((RFC8785 / "artifact").read_bytes())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("rfc8785/_extra.py", "INJECTED = True\n")
    return out.getvalue()


def wheel_metadata(wheel):
    with zipfile.ZipFile(io.BytesIO(wheel)) as z:
        return z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA")))


class Index:
    """A PEP 691 JSON simple index on 127.0.0.1 with optional PEP 740 provenance and Integrity API.

    It is hostile: once the gate has fetched a provenance object (it has verified), every file it
    serves is the rebuilt wheel, its find-links page (``/links/``) lists a rebuilt wheel that pip
    prefers (build tag 1), and its requirements file (``/reqs.txt``) names a rebuilt wheel by URL.
    ``after`` records each request made after that point: the install step must make none.
    ``body`` serves the wheel as an ``endless`` stream or a ``trickle`` (a byte every 0.2 s);
    ``metadata`` lists PEP 658 metadata, so pip's resolution does not download the wheel itself."""

    def __init__(self, files, integrity=None, body=None, metadata=False, page="json"):
        kind = body
        self.files = files  # filename -> (bytes, provenance bytes | None | ABSENT)
        self.integrity = integrity or {}  # filename -> provenance bytes
        self.switched = False
        self.after = []
        self.closing = threading.Event()
        index = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                if index.switched:
                    index.after.append(path)
                base = f"http://127.0.0.1:{index.port}"
                if path == "/simple/rfc8785/" and page == "empty":  # JSON that lists nothing, not even `files`
                    return self.send(b"{}", "application/vnd.pypi.simple.v1+json")
                if path == "/simple/rfc8785/" and page == "html":  # PEP 503, no provenance
                    links = "".join(f'<a href="../../files/{n}">{n}</a>' for n in index.files)
                    return self.send(f"<html><body>{links}</body></html>".encode(), "text/html")
                if path == "/simple/rfc8785/":
                    entries = []
                    for name, (data, prov) in index.files.items():
                        e = {"filename": name, "url": f"../../files/{name}",
                             "hashes": {"sha256": hashlib.sha256(data).hexdigest()}}
                        if metadata:
                            # PEP 714's key, and PEP 658's original one for older pips.
                            e["core-metadata"] = e["dist-info-metadata"] = {
                                "sha256": hashlib.sha256(wheel_metadata(data)).hexdigest()}
                        if prov is None:
                            e["provenance"] = None
                        elif prov is not ABSENT:
                            e["provenance"] = f"../../files/{name}.provenance"
                        entries.append(e)
                    body = json.dumps({"meta": {"api-version": "1.1"}, "name": "rfc8785", "files": entries}).encode()
                    return self.send(body, "application/vnd.pypi.simple.v1+json")
                if path == "/links/":
                    links = '<a href="rfc8785-0.1.2-1-py3-none-any.whl">w</a>' if index.switched else ""
                    return self.send(f"<html><body>{links}</body></html>".encode(), "text/html")
                if path == "/links/rfc8785-0.1.2-1-py3-none-any.whl" or path.startswith("/files/evil/"):
                    return self.send(rebuilt_wheel(), "application/octet-stream")
                if path == "/reqs.txt":
                    line = f"rfc8785 @ {base}/files/evil/{WHEEL}" if index.switched else "rfc8785==0.1.2"
                    return self.send(line.encode() + b"\n", "text/plain")
                if path.startswith("/files/"):
                    name = path[len("/files/"):]
                    if name.endswith(".provenance") and name[: -len(".provenance")] in index.files:
                        prov = index.files[name[: -len(".provenance")]][1]
                        if isinstance(prov, bytes):
                            index.switched = True
                            return self.send(prov, "application/json")
                    elif name.endswith(".metadata") and name[: -len(".metadata")] in index.files:
                        return self.send(wheel_metadata(index.files[name[: -len(".metadata")]][0]), "text/plain")
                    elif name in index.files:
                        if kind:
                            return self.stream(kind)
                        data = rebuilt_wheel() if index.switched else index.files[name][0]
                        return self.send(data, "application/octet-stream")
                if path.startswith("/integrity/rfc8785/0.1.2/"):
                    name = path.split("/")[4]
                    if name in index.integrity:
                        index.switched = True
                        return self.send(index.integrity[name], "application/json")
                self.send_error(404)

            def send(self, body, ctype):
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def stream(self, kind):
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    while not index.closing.is_set():
                        if kind == "endless":
                            self.wfile.write(b"\0" * (64 << 10))
                        else:
                            self.wfile.write(b"\0")
                            self.wfile.flush()
                            index.closing.wait(0.2)
                except OSError:
                    pass
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/simple/"
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve():
    started = []

    def start(files, integrity=None, **kw):
        started.append(Index(files, integrity, **kw))
        return started[-1]

    yield start
    for s in started:
        s.close()


def genuine():
    return {WHEEL: ((RFC8785 / "artifact").read_bytes(), provenance(RFC8785))}


def gate(tmp_path, index, policy, *args, target="target", env=None):
    policy_path = tmp_path / "policy.json"
    policy_path.write_text(json.dumps(policy))
    target = tmp_path / target
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "DOMAINSIG_POLICY", "DOMAINSIG_GATE_"))}
    environ.update(PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_CONFIG_FILE=os.devnull)
    environ.update(env or {})
    argv = [sys.executable, "-m", "domainsig.pip", "install", "--index-url", index.url,
            "--target", str(target), "--policy", str(policy_path), *(args or ("rfc8785==0.1.2",))]
    # The timeout ends a gate that never stops reading (the bounded-download tests on old code).
    run = subprocess.run(argv, capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=300)
    installed = sorted(p.name for p in target.iterdir()) if target.exists() else []
    return run, installed


def policy(port, mode="warn", identities=True, mirror=True):
    p = {"version": 1, "trusted_root": "staging", "domains": {"mode": mode}}
    if identities:
        p["identities"] = [IDENTITY]
    if mirror:
        p["domains"]["mirrors"] = {f"127.0.0.1:{port}": ["pypi.org"]}
    return p


def imports(target):
    return subprocess.run([sys.executable, "-c", "import rfc8785; print(rfc8785.dumps({'b': 1, 'a': [2]}).decode())"],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(target)})


def test_genuine_install_succeeds_and_imports(tmp_path, serve):
    index = serve(genuine())
    run, installed = gate(tmp_path, index, policy(index.port))
    assert run.returncode == 0, run.stderr
    assert "rfc8785" in installed and "rfc8785-0.1.2.dist-info" in installed
    assert "verified 1 file(s)" in run.stderr
    assert index.after == [], "the install step fetched after verification"
    out = imports(tmp_path / "target")
    assert out.returncode == 0 and out.stdout.strip() == '{"a":[2],"b":1}', out.stderr


def test_policy_from_environment(tmp_path, serve):
    index = serve(genuine())
    (tmp_path / "env-policy.json").write_text(json.dumps(policy(index.port)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_CONFIG_FILE=os.devnull,
               DOMAINSIG_POLICY=str(tmp_path / "env-policy.json"))
    run = subprocess.run([sys.executable, "-m", "domainsig.pip", "install", "-i", index.url, "--target",
                          str(tmp_path / "t"), "rfc8785==0.1.2"], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "t" / "rfc8785").is_dir()


def refused(run, installed, *expect):
    assert run.returncode != 0, run.stderr
    assert installed == [], f"something was installed: {installed}"
    assert "nothing was installed" in run.stderr, run.stderr
    for e in expect:
        assert e in run.stderr, run.stderr


def test_rebuilt_wheel_under_the_same_name_is_refused(tmp_path, serve):
    index = serve({WHEEL: (rebuilt_wheel(), provenance(RFC8785))})
    refused(*gate(tmp_path, index, policy(index.port)), f"refused: {WHEEL} (rfc8785 0.1.2) from 127.0.0.1:{index.port}:",
            "ARTIFACT_MISMATCH (13)")


def test_attestation_naming_another_package_is_refused(tmp_path, serve):
    index = serve({WHEEL: ((RFC8785 / "artifact").read_bytes(), provenance(SPT3G))})
    refused(*gate(tmp_path, index, policy(index.port)), f"refused: {WHEEL}", "ARTIFACT_MISMATCH (13)")


def test_another_signer_is_refused(tmp_path, serve):
    index = serve(genuine())
    p = policy(index.port)
    p["identities"] = [{"issuer": IDENTITY["issuer"], "san": "someone-else@example.com"}]
    refused(*gate(tmp_path, index, p), f"refused: {WHEEL}", "IDENTITY_MISMATCH (30)")


def test_signed_domains_required_but_pypi_signs_none(tmp_path, serve):
    # PyPI's publish attestation declares no index, so under `require` even the genuine file is
    # refused: a mirror cannot be told apart from the index until PyPI signs one (warehouse#17001).
    index = serve(genuine())
    refused(*gate(tmp_path, index, policy(index.port, mode="require")), "DOMAIN_MISSING (42)")


def test_file_without_provenance_is_refused_under_identities(tmp_path, serve):
    index = serve({WHEEL: ((RFC8785 / "artifact").read_bytes(), None)})
    refused(*gate(tmp_path, index, policy(index.port)), f"refused: {WHEEL} (rfc8785 0.1.2): no provenance",
            f"127.0.0.1:{index.port} lists no provenance for this file")


def test_file_without_provenance_passes_with_a_warning_when_the_policy_requires_nothing(tmp_path, serve):
    # Signers pinned for another package only, domains in `warn`: rfc8785 is not covered. Without
    # first sight the policy accepts no signer for it, so an attested rfc8785 would be refused, and
    # one without provenance may not do better.
    index = serve({WHEEL: ((RFC8785 / "artifact").read_bytes(), None)})
    p = policy(index.port, identities=False)
    p.update(identities=[], packages={"sampleproject": {"identities": [IDENTITY]}})
    refused(*gate(tmp_path, index, p, target="no-first-sight"), "ATTESTATION_MISSING",
            "first_sight is off and no source names a signer for rfc8785")
    p["first_sight"] = True
    run, installed = gate(tmp_path, index, p)
    assert run.returncode == 0, run.stderr
    assert "rfc8785" in installed
    assert "installed WITHOUT provenance" in run.stderr
    # The same file under `require` is refused.
    p["domains"]["mode"] = "require"
    refused(*gate(tmp_path, index, p, target="require"), "no provenance")


def test_index_without_provenance_support_is_refused(tmp_path, serve):
    index = serve({WHEEL: ((RFC8785 / "artifact").read_bytes(), ABSENT)})
    refused(*gate(tmp_path, index, policy(index.port)), "does not serve PEP 740 provenance")


def test_integrity_api_fallback(tmp_path, serve):
    index = serve({WHEEL: ((RFC8785 / "artifact").read_bytes(), ABSENT)}, integrity={WHEEL: provenance(RFC8785)})
    run, installed = gate(tmp_path, index, policy(index.port))
    assert run.returncode == 0, run.stderr
    assert "rfc8785" in installed and "Integrity API" in run.stderr


def test_integrity_api_fallback_for_an_html_index(tmp_path, serve):
    index = serve({WHEEL: ((RFC8785 / "artifact").read_bytes(), ABSENT)}, integrity={WHEEL: provenance(RFC8785)},
                  page="html")
    run, installed = gate(tmp_path, index, policy(index.port))
    assert run.returncode == 0, run.stderr
    assert "rfc8785" in installed and "Integrity API" in run.stderr


@pytest.mark.parametrize("page", ["html", "empty"])
def test_an_index_that_did_not_list_the_file_is_not_credited_by_its_integrity_api(tmp_path, serve, page):
    # The policy trusts `trusted`, which lists no file but answers its Integrity API for any; pip
    # takes the wheel from `other`, which serves no provenance. The file is `other`'s: unattested.
    trusted = serve({}, integrity={WHEEL: provenance(RFC8785)}, page=page)
    other = serve({WHEEL: ((RFC8785 / "artifact").read_bytes(), ABSENT)})
    run, installed = gate(tmp_path, trusted, policy(trusted.port), "--extra-index-url", other.url, "rfc8785==0.1.2")
    refused(run, installed, f"127.0.0.1:{other.port} does not serve PEP 740 provenance")


def test_require_hashes_still_enforced_by_pip(tmp_path, serve):
    index = serve(genuine())
    good = hashlib.sha256((RFC8785 / "artifact").read_bytes()).hexdigest()
    (tmp_path / "good.txt").write_text(f"rfc8785==0.1.2 --hash=sha256:{good}\n")
    (tmp_path / "bad.txt").write_text(f"rfc8785==0.1.2 --hash=sha256:{'0' * 64}\n")
    run, installed = gate(tmp_path, index, policy(index.port), "--require-hashes", "-r", "bad.txt", target="bad")
    assert run.returncode != 0 and installed == []
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in run.stderr, run.stderr
    run, installed = gate(tmp_path, index, policy(index.port), "--require-hashes", "-r", "good.txt", target="good")
    assert run.returncode == 0, run.stderr
    assert "rfc8785" in installed


def test_usage_errors(tmp_path):
    run = subprocess.run([sys.executable, "-m", "domainsig.pip", "download", "x"], capture_output=True, text=True)
    assert run.returncode == 2 and "usage:" in run.stderr
    env = {k: v for k, v in os.environ.items() if k != "DOMAINSIG_POLICY"}
    run = subprocess.run([sys.executable, "-m", "domainsig.pip", "install", "x"], capture_output=True, text=True, env=env)
    assert run.returncode == 2 and "no policy" in run.stderr


def test_a_local_wheel_is_the_users_own(tmp_path, serve):
    # A file on the user's disk comes from no index: installed as given, with a warning, while
    # its dependencies (none here) would still be gated.
    index = serve({})
    local = tmp_path / WHEEL
    local.write_bytes((RFC8785 / "artifact").read_bytes())
    run, installed = gate(tmp_path, index, policy(index.port), str(local))
    assert run.returncode == 0, run.stderr
    assert "rfc8785" in installed
    assert "a local file, installed as given (not verified)" in run.stderr


# The install step resolves nothing (issue 20, item 4). Each hostile index below swaps its bytes
# once the gate has verified; an install that looks anything up again gets the rebuilt wheel.

def genuine_installed(run, index, target):
    assert run.returncode == 0, run.stderr
    assert (target / "rfc8785").is_dir(), run.stderr
    assert not (target / "rfc8785" / "_extra.py").exists(), "the rebuilt wheel was installed"
    assert index.after == [], f"the install step fetched after verification: {index.after}"


def test_direct_url_requirement_is_installed_from_the_verified_file(tmp_path, serve):
    index = serve(genuine())
    run, _ = gate(tmp_path, index, policy(index.port), f"rfc8785 @ {index.base}/files/{WHEEL}")
    genuine_installed(run, index, tmp_path / "target")


@pytest.mark.parametrize("how", ["--find-link", "-Uf", "requirements-file", "pip.conf"])
def test_find_links_do_not_reach_the_install(tmp_path, serve, how):
    index = serve(genuine())
    links = f"{index.base}/links/"
    env = {}
    if how == "--find-link":  # pip accepts an unambiguous abbreviation of --find-links
        args = ["--find-link", links, "rfc8785==0.1.2"]
    elif how == "-Uf":  # combined short flags: -U -f URL
        args = ["-Uf", links, "rfc8785==0.1.2"]
    elif how == "requirements-file":
        (tmp_path / "req.txt").write_text(f"--find-links {links}\nrfc8785==0.1.2\n")
        args = ["-r", "req.txt"]
    else:
        (tmp_path / "pip.conf").write_text(f"[global]\nfind-links = {links}\n")
        env = {"PIP_CONFIG_FILE": str(tmp_path / "pip.conf")}
        args = ["rfc8785==0.1.2"]
    run, _ = gate(tmp_path, index, policy(index.port), *args, env=env)
    genuine_installed(run, index, tmp_path / "target")


def test_requirements_file_from_a_url_is_refused(tmp_path, serve):
    index = serve(genuine())
    refused(*gate(tmp_path, index, policy(index.port), "-r", f"{index.base}/reqs.txt"),
            f"cannot stage: -r {index.base}/reqs.txt: a requirements file the gate would read from the network")
    assert index.after == []


def test_the_install_step_checks_each_file_against_the_verified_digest(tmp_path):
    # domainsig.pip.install over the real pip: a staged file whose bytes are not the digest the
    # gate verified (changed on disk in between) is refused by pip's own hash check.
    from domainsig.pip.install import install
    from domainsig.pip.lock import StagedFile

    staged = tmp_path / "staged" / WHEEL
    staged.parent.mkdir()
    staged.write_bytes((RFC8785 / "artifact").read_bytes())
    good = hashlib.sha256(staged.read_bytes()).hexdigest()
    bad = StagedFile("rfc8785", str(staged), hashlib.sha256(b"other").hexdigest())
    work = tmp_path / "work"
    work.mkdir()
    assert install([bad], ["--target", str(tmp_path / "bad")], str(work)) != 0
    assert not (tmp_path / "bad").exists()
    assert install([StagedFile("rfc8785", str(staged), good)], ["--target", str(tmp_path / "good")], str(work)) == 0
    assert (tmp_path / "good" / "rfc8785").is_dir()


def test_an_endless_download_stops_at_the_byte_cap(tmp_path, serve):
    index = serve(genuine(), body="endless", metadata=True)
    refused(*gate(tmp_path, index, policy(index.port), env={"DOMAINSIG_GATE_MAX_BYTES": "3000000"}),
            "download failed", "exceed 3000000 bytes in total (DOMAINSIG_GATE_MAX_BYTES)")


def test_a_trickling_download_stops_at_the_deadline(tmp_path, serve):
    index = serve(genuine(), body="trickle", metadata=True)
    refused(*gate(tmp_path, index, policy(index.port), env={"DOMAINSIG_GATE_DEADLINE": "3"}),
            "download failed", "the gate's deadline of 3 s passed (DOMAINSIG_GATE_DEADLINE)")


def test_a_file_name_with_a_backslash_is_refused():
    from domainsig.pip.resolve import plain_filename

    assert plain_filename(WHEEL)
    for bad in ("..\\x.whl", "a\\b.whl", "a/b.whl", "..", ".", "", "c:x.whl", "a\0.whl"):
        assert not plain_filename(bad), bad


def test_a_file_found_through_local_find_links_is_not_the_users_own(tmp_path, serve):
    # A file: URL pip found (here a --find-links folder, as an index page could name one) is judged
    # like a download: no index lists it, and the policy requires provenance.
    index = serve({})
    links = tmp_path / "links"
    links.mkdir()
    (links / WHEEL).write_bytes(rebuilt_wheel())
    refused(*gate(tmp_path, index, policy(index.port), "-f", str(links), "rfc8785==0.1.2"),
            f"refused: {WHEEL} (rfc8785 0.1.2): no provenance: no index the gate searched lists this file")


def test_a_local_folder_cannot_be_staged_and_is_refused(tmp_path, serve):
    # A folder has no digest pip could check at install time: the gate refuses it rather than
    # install something it did not hash. The project's in-tree build backend (PEP 517
    # `backend-path`) needs nothing from an index.
    index = serve({})
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n')
    (proj / "backend.py").write_text(
        "import os\n"
        "def prepare_metadata_for_build_wheel(d, config_settings=None):\n"
        "    os.makedirs(os.path.join(d, 'proj-1.0.dist-info'))\n"
        "    with open(os.path.join(d, 'proj-1.0.dist-info', 'METADATA'), 'w') as f:\n"
        "        f.write('Metadata-Version: 2.1\\nName: proj\\nVersion: 1.0\\n')\n"
        "    return 'proj-1.0.dist-info'\n"
        "def build_wheel(d, config_settings=None, metadata_directory=None):\n"
        "    raise RuntimeError('not built in these tests')\n")
    refused(*gate(tmp_path, index, policy(index.port), str(proj)),
            "refused: proj", "a local folder: the gate installs only files it staged and hashed")


def test_more_files_than_one_verify_many_batch_are_verified_in_several(monkeypatch):
    # The library refuses a batch over its cap (LIMIT_EXCEEDED); the cap is lowered to 2 here.
    import importlib

    from domainsig.pip.resolve import Candidate

    verify = importlib.import_module("domainsig.pip.verify")  # the package exports a function of that name

    monkeypatch.setattr(verify, "BATCH", 2, raising=False)
    calls = []

    class Policy:
        def verify_many(self, items, domain):
            if len(items) > 2:
                raise AssertionError("LIMIT_EXCEEDED")
            calls.append(len(items))
            return [(name, domain) for _, _, name in items]

    class NoIndexes:
        def locate(self, c):
            pass

    cands = [Candidate(name="p", version="1", url=f"http://x/{i}.whl", filename=f"p-{i}.whl", path=f"/t/{i}",
                       index_domain="127.0.0.1:9", provenance=b"{}") for i in range(5)]
    verify.verify(Policy(), cands, NoIndexes())
    assert calls == [2, 2, 1]
    assert [c.verdict for c in cands] == [(f"p-{i}.whl", "127.0.0.1:9") for i in range(5)]
