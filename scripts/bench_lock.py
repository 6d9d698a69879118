#!/usr/bin/env python3
"""verify-lock wall time for a 1,000-entry lock against an index on 127.0.0.1.

Builds nothing: run `cargo build --release` first. Starts a keep-alive HTTP server on 127.0.0.1 (its
own process, so its CPU competes with the verifier's exactly as a local index would), writes a
pylock.toml naming the real GitLab-published sdist of tests/vectors 1,000 times (one provenance
fetch and verification per entry; the project page is fetched once) and a package-lock.json of
1,000 entries cycling over tests/npm's genuine documents, and times
`domainsig verify-lock --json` end to end (process start to exit), best of N runs.

    python3 scripts/bench_lock.py [--runs 5] [--entries 1000] [--jobs 8]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GITLAB = os.path.join(ROOT, "tests/vectors/pypi-attestations--gitlab_oidc_project-0.0.3-publish")
SDIST = "gitlab_oidc_project-0.0.3.tar.gz"
TRUSTED_ROOT = os.path.join(ROOT, "tests/vectors/_roots/public-good-production.trusted_root.json")
NPM_KEYS = os.path.join(ROOT, "tests/npm/_keys/160677eb6e1c7083c89b166b20f8fe4e837fb71181506aff1991b80b89184f7d.keys.json")


def routes() -> dict[str, bytes]:
    att = json.load(open(os.path.join(GITLAB, "attestation.json")))
    expect = json.load(open(os.path.join(GITLAB, "expect.json")))
    prov = json.dumps({"version": 1, "attestation_bundles": [{"publisher": expect["trusted_publisher"], "attestations": [att]}]}).encode()
    page = {"meta": {"api-version": "1.1"}, "name": "gitlab-oidc-project",
            "files": [{"filename": SDIST, "url": f"/files/{SDIST}", "hashes": {}, "provenance": f"/prov/{SDIST}"}]}
    r = {"/simple/gitlab-oidc-project/": json.dumps(page).encode(), f"/prov/{SDIST}": prov}
    for case in npm_cases():
        r[f"/-/npm/v1/attestations/{case['name']}@{case['version']}"] = open(os.path.join(case["dir"], "attestations.json"), "rb").read()
    return r


def npm_cases() -> list[dict]:
    out = []
    base = os.path.join(ROOT, "tests/npm")
    for d in sorted(os.listdir(base)):
        p = os.path.join(base, d)
        if d.endswith("_fail") or not os.path.isfile(os.path.join(p, "artifact.tgz")):
            continue
        e = json.load(open(os.path.join(p, "expect.json")))
        if e.get("expect") != "pass" or not e.get("provenance"):
            continue
        tgz = open(os.path.join(p, "artifact.tgz"), "rb").read()
        out.append({"dir": p, "name": e["name"], "version": e["version"], "san": e["provenance"]["identity_san"],
                    "sri": "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()})
    return out


def serve(r: dict[str, bytes]) -> ThreadingHTTPServer:
    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, the body waits for the client's
        # delayed ACK (~40 ms a response on Linux), which timed this server rather than the client.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802
            body = r.get(self.path)
            self.send_response(200 if body is not None else 404)
            body = body if body is not None else b"{}"
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--entries", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=8)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/domainsig"))
    a = ap.parse_args()
    # The server runs in a child process so that this one's GIL does not serialise it with timing.
    if os.environ.get("BENCH_LOCK_SERVER"):
        srv = serve(routes())
        print(srv.server_address[1], flush=True)
        sys.stdin.read()
        return 0
    child = subprocess.Popen([sys.executable, __file__], env={**os.environ, "BENCH_LOCK_SERVER": "1"},
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    port = int(child.stdout.readline())
    base = f"http://127.0.0.1:{port}/"
    work = tempfile.mkdtemp(prefix="bench-lock-")
    sha = open(os.path.join(GITLAB, "artifact.sha256")).read().strip()
    py = ['lock-version = "1.0"', 'created-by = "bench"']
    for _ in range(a.entries):
        py += ["[[packages]]", 'name = "gitlab-oidc-project"', 'version = "0.0.3"', f'index = "{base}simple/"',
               f'sdist = {{ name = "{SDIST}", url = "{base}files/{SDIST}", hashes = {{ sha256 = "{sha}" }} }}']
    os.makedirs(os.path.join(work, "py"))
    open(os.path.join(work, "py", "pylock.toml"), "w").write("\n".join(py) + "\n")
    json.dump({"version": 1, "trusted_root": {"path": TRUSTED_ROOT}, "domains": {"mode": "warn"},
               "identities": [{"issuer": "https://gitlab.com", "san_regex": "https://gitlab\\.com/facutuesca/gitlab-oidc-project//.*"}]},
              open(os.path.join(work, "py", "policy.json"), "w"))
    cases = npm_cases()
    packages = {"": {"name": "bench"}}
    for i in range(a.entries):
        c = cases[i % len(cases)]
        packages[f"node_modules/n{i}/node_modules/{c['name']}"] = {"version": c["version"], "integrity": c["sri"]}
    os.makedirs(os.path.join(work, "npm"))
    json.dump({"lockfileVersion": 3, "packages": packages}, open(os.path.join(work, "npm", "package-lock.json"), "w"))
    json.dump({"version": 1, "trusted_root": {"path": TRUSTED_ROOT},
               "identities": [{"issuer": "https://token.actions.githubusercontent.com", "san": c["san"]} for c in cases],
               "keys": [{"path": NPM_KEYS, "usage": "npm:attestations", "domain": "registry.npmjs.org"}],
               "domains": {"mode": "require", "mirrors": {f"127.0.0.1:{port}": ["registry.npmjs.org"]}}},
              open(os.path.join(work, "npm", "policy.json"), "w"))
    results = {}
    for kind, lock in (("pylock.toml", "py/pylock.toml"), ("package-lock.json", "npm/package-lock.json")):
        best = None
        for _ in range(a.runs):
            cmd = [a.bin, "verify-lock", "--policy", os.path.join(work, os.path.dirname(lock), "policy.json"),
                   "--jobs", str(a.jobs), "--json", os.path.join(work, lock)]
            if kind == "package-lock.json":
                cmd[2:2] = ["--registry", base]
            t = time.perf_counter()
            before = os.times()
            p = subprocess.run(cmd, capture_output=True)
            dt = time.perf_counter() - t
            after = os.times()
            cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
            report = json.loads(p.stdout or b"{}")
            if p.returncode != 0 or report.get("verified") != a.entries:
                print(f"{kind}: exit {p.returncode}, {report.get('verified')} verified; stderr: {p.stderr[:500]!r}", file=sys.stderr)
                print(json.dumps([e for e in report.get("entries", []) if e.get("verdict") != "verified"][:2])[:2000], file=sys.stderr)
                return 1
            if best is None or dt < best[0]:
                best = (dt, cpu)
        results[kind] = best[0]
        load = os.getloadavg()[0]
        print(f"{kind}: {a.entries} entries verified in {best[0] * 1e3:.0f} ms wall, {best[1] * 1e3:.0f} ms CPU "
              f"(best of {a.runs}, --jobs {a.jobs}, load average {load:.1f})")
    child.stdin.close()
    child.wait(timeout=10)
    return 0 if all(v < 2.0 for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
