"""domainsig.lock: the verify-lock verification from Python, with Python's own fetcher, against a
PyPI index on 127.0.0.1 serving the real GitLab-published sdist's provenance."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import domainsig
from conftest import REPO, VECTORS
from domainsig import lock

GITLAB = VECTORS / "pypi-attestations--gitlab_oidc_project-0.0.3-publish"
SDIST = "gitlab_oidc_project-0.0.3.tar.gz"
SHA = (GITLAB / "artifact.sha256").read_text().strip()
ROOT = VECTORS / "_roots" / "public-good-production.trusted_root.json"


@pytest.fixture(scope="module")
def index():
    att = json.loads((GITLAB / "attestation.json").read_text())
    pub = json.loads((GITLAB / "expect.json").read_text())["trusted_publisher"]
    prov = json.dumps({"version": 1, "attestation_bundles": [{"publisher": pub, "attestations": [att]}]}).encode()
    page = {"meta": {"api-version": "1.1"}, "files": [{"filename": SDIST, "url": "/f", "provenance": f"/prov/{SDIST}"}]}
    routes = {"/simple/gitlab-oidc-project/": json.dumps(page).encode(), f"/prov/{SDIST}": prov}
    seen = []

    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers.get("Accept")))
            body = routes.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/", seen
    srv.shutdown()


@pytest.fixture(autouse=True)
def no_proxy_for_loopback(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1")


def write_lock(tmp_path, base, sha):
    p = tmp_path / "pylock.toml"
    p.write_text(
        'lock-version = "1.0"\n[[packages]]\nname = "gitlab-oidc-project"\nversion = "0.0.3"\n'
        f'index = "{base}simple/"\nsdist = {{ name = "{SDIST}", url = "{base}f", hashes = {{ sha256 = "{sha}" }} }}\n'
    )
    return p


def policy():
    return domainsig.Policy.from_dict({
        "version": 1,
        "trusted_root": {"path": str(ROOT)},
        "identities": [{"issuer": "https://gitlab.com", "san_regex": "https://gitlab\\.com/facutuesca/gitlab-oidc-project//.*"}],
        "domains": {"mode": "warn"},
    })


def test_lock_verifies_with_urllib(index, tmp_path):
    base, seen = index
    report = lock.verify(write_lock(tmp_path, base, SHA), policy())
    assert report["ok"], report
    assert report["entries"][0]["verdict"] == "verified"
    assert report["entries"][0]["publisher"] == {
        "kind": "GitLab",
        "repository": "facutuesca/gitlab-oidc-project",
        "workflow_filepath": ".gitlab-ci.yml",
    }
    # The default fetcher asks for PEP 691 JSON.
    assert any(a == lock.ACCEPT for _, a in seen)


def test_another_files_sha256_is_refused_in_the_report(index, tmp_path):
    base, _ = index
    report = lock.verify(write_lock(tmp_path, base, "ab" * 32), policy())
    assert not report["ok"]
    assert report["entries"][0]["status"] == "ARTIFACT_MISMATCH"


def test_custom_fetch_is_used_and_its_failure_is_reported(index, tmp_path):
    base, _ = index
    asked = []

    def fetch(url, max_len):
        asked.append(url)
        return lock.urllib_fetch(url, max_len)

    assert lock.verify(write_lock(tmp_path, base, SHA), policy(), fetch=fetch)["ok"]
    assert asked[0].endswith("/simple/gitlab-oidc-project/")

    def broken(url, max_len):
        raise OSError("network down")

    report = lock.verify(write_lock(tmp_path, base, SHA), policy(), fetch=broken)
    assert not report["ok"]
    assert "network down" in report["entries"][0]["message"]


def test_a_malformed_lock_raises_lock_invalid(tmp_path):
    p = tmp_path / "pylock.toml"
    p.write_text('lock-version = "9"\n')
    with pytest.raises(domainsig.VerificationError) as e:
        lock.verify(p, policy())
    assert e.value.code == "LOCK_INVALID"
    assert e.value.status == 70


NPM = REPO / "tests" / "npm"
NPM_KEYS = NPM / "_keys" / "160677eb6e1c7083c89b166b20f8fe4e837fb71181506aff1991b80b89184f7d.keys.json"


def test_a_package_lock_is_held_to_the_npm_trust_file_beside_it(tmp_path):
    import base64
    import hashlib

    tgz = (NPM / "npm-cli--sigstore-1.0.0" / "artifact.tgz").read_bytes()
    doc = (NPM / "npm-cli--sigstore-1.0.0" / "attestations.json").read_bytes()
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()
    (tmp_path / "package-lock.json").write_text(json.dumps({
        "name": "app", "lockfileVersion": 3, "packages": {
            "": {"name": "app"},
            "node_modules/sigstore": {"version": "1.0.0", "integrity": integrity,
                                      "resolved": "https://registry.npmjs.org/sigstore/-/sigstore-1.0.0.tgz"}}}))
    npm_policy = domainsig.Policy.from_dict({
        "version": 1,
        "trusted_root": {"path": str(ROOT)},
        "identities": [{"issuer": "https://token.actions.githubusercontent.com",
                        "san_regex": "https://github\\.com/sigstore/sigstore-js/.*"}],
        "keys": [{"path": str(NPM_KEYS), "usage": "npm:attestations", "domain": "registry.npmjs.org"}],
        "domains": {"mode": "require"},
    })

    def fetch(url, max_len):
        return doc if url.endswith("/-/npm/v1/attestations/sigstore@1.0.0") else None

    def recorded(repository):
        publisher = {"kind": "GitHub", "repository": repository, "workflow": "publish.yml"}
        (tmp_path / "domainsig-publishers.json").write_text(json.dumps(
            {"version": 1, "packages": {"sigstore": [{"since": "1.0.0", "publisher": publisher}]}}))
        return lock.verify(tmp_path / "package-lock.json", npm_policy, fetch=fetch)

    assert recorded("sigstore/sigstore-js")["ok"]
    report = recorded("evil/fork")
    assert not report["ok"], report
    assert report["entries"][0]["status"] == "IDENTITY_MISMATCH"
    assert "domainsig-publishers.json" in report["entries"][0]["message"]
