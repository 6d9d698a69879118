"""The pip gate's commands (``lock``, ``install``, ``install -r pylock.toml``) run end to end
against a PEP 691/PEP 740 index served on 127.0.0.1, with real distributions and their real
attestations from tests/vectors: the rfc8785 wheel (staging, signed by an e-mail identity) and the
gitlab_oidc_project sdist (production, GitLab Trusted Publisher facutuesca/gitlab-oidc-project).
Shared by test_pip_lock.py and test_pip_map.py."""

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import VECTORS

WHEEL = "rfc8785-0.1.2-py3-none-any.whl"
RFC8785 = VECTORS / "pypi-attestations--rfc8785-0.1.2-whl-publish-attestation"
SDIST = "gitlab_oidc_project-0.0.3.tar.gz"
GITLAB = VECTORS / "pypi-attestations--gitlab_oidc_project-0.0.3-publish"
RFC8785_SIGNER = {"kind": "Other", "issuer": "https://github.com/login/oauth", "san": "william@yossarian.net"}
GITLAB_PUBLISHER = {"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project", "workflow_filepath": ".gitlab-ci.yml"}
ABSENT = object()  # the index lists the file without a `provenance` key


def provenance(case):
    att = json.loads((case / "attestation.json").read_text())
    # The publisher beside the attestations is unsigned; verification never reads it.
    return json.dumps({"version": 1, "attestation_bundles": [
        {"publisher": {"kind": "GitHub", "repository": "unsigned/ignored", "workflow": "x.yml"}, "attestations": [att]}]}).encode()


class Index:
    """A PEP 691 JSON simple index: ``projects[name][filename] = [bytes, provenance | None | ABSENT]``,
    changeable while it runs (a later answer of the same index)."""

    def __init__(self, projects):
        self.projects = projects
        index = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                m = re.fullmatch(r"/simple/([^/]+)/", path)
                if m and m.group(1) in index.projects:
                    files = []
                    for name, (data, prov) in index.projects[m.group(1)].items():
                        e = {"filename": name, "url": f"../../files/{name}", "hashes": {"sha256": hashlib.sha256(data).hexdigest()}}
                        if prov is None:
                            e["provenance"] = None
                        elif prov is not ABSENT:
                            e["provenance"] = f"../../files/{name}.provenance"
                        files.append(e)
                    return self.send(json.dumps({"meta": {"api-version": "1.1"}, "name": m.group(1), "files": files}).encode(),
                                     "application/vnd.pypi.simple.v1+json")
                if path.startswith("/files/"):
                    name = path[len("/files/"):]
                    for files in index.projects.values():
                        base = name[: -len(".provenance")] if name.endswith(".provenance") else name
                        if base in files:
                            data, prov = files[base]
                            if name.endswith(".provenance"):
                                if isinstance(prov, bytes):
                                    return self.send(prov, "application/json")
                            else:
                                return self.send(data, "application/octet-stream")
                self.send_error(404)

            def send(self, body, ctype):
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/simple/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve():
    started = []

    def start(projects):
        started.append(Index(projects))
        return started[-1]

    yield start
    for s in started:
        s.close()


def rfc8785(prov=True):
    return {"rfc8785": {WHEEL: [(RFC8785 / "artifact").read_bytes(), provenance(RFC8785) if prov is True else prov]}}


def environ():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "DOMAINSIG_POLICY", "DOMAINSIG_GATE_"))}
    env.update(PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_CONFIG_FILE=os.devnull)
    return env


def write_policy(tmp_path, policy):
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy))
    return str(path)


def warn_policy(trusted_root="staging"):
    # No signer named anywhere: locking takes the first sight, the lock's identities pin, and a
    # package the lock records nothing for is a first sight too (the user's choice, said here).
    return {"version": 1, "trusted_root": trusted_root, "domains": {"mode": "warn"}, "first_sight": True}


def run(tmp_path, *argv):
    return subprocess.run([sys.executable, "-m", "domainsig.pip", *argv], capture_output=True, text=True,
                          env=environ(), cwd=tmp_path, timeout=300)


def lock(tmp_path, index, policy, *reqs):
    return run(tmp_path, "lock", "--index-url", index.url, "--policy", write_policy(tmp_path, policy), *reqs)


def install(tmp_path, index, policy, target="target", lockfile="pylock.toml", *extra):
    # pip lock writes no `packages.index`: the file is judged for the index pip is configured with.
    r = run(tmp_path, "install", "-r", lockfile, "--index-url", index.url, "--target", str(tmp_path / target), "--policy",
            write_policy(tmp_path, policy), *extra)
    t = tmp_path / target
    return r, sorted(p.name for p in t.iterdir()) if t.exists() else []


def identities_in(path):
    from domainsig.pip import pylock

    return [p.get("attestation-identities") for p in pylock.loads(path.read_text(), str(path))["packages"]]


def refused(r, installed, *expect):
    assert r.returncode == 1, r.stderr
    assert installed == [], f"something was installed: {installed}"
    assert "nothing was installed" in r.stderr, r.stderr
    for e in expect:
        assert e in r.stderr, r.stderr
