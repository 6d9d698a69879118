#!/usr/bin/env python3
"""The pip gate against plain pip: wall time of `python -m domainsig.pip install` and of
`python -m pip install` for the same requirement from the same PEP 691/PEP 740 index on 127.0.0.1
(the real rfc8785 0.1.2 wheel and its real attestation from tests/vectors), into a fresh --target
each run. Prints a Markdown table; numbers, not pass/fail (scripts/bench_peers.py includes it).

Then `install -r pylock.toml` (pip 26 reads a lock itself): plain pip against the gate, for the same
lock of one package (rfc8785, its publisher recorded, verified) and of 50 (rfc8785 and 49 small
generated wheels without provenance: no real attested distributions exist for them, so the gate
fetches, hashes, looks up and stages 50 files but verifies one; the row after shows what 50
verifications of the real attestation cost the library in one batch). Target: ≤ 1.2× plain pip.

    python scripts/bench_gates.py [RUNS]      # a Python with domainsig installed
"""

import hashlib
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASE = ROOT / "tests/vectors/pypi-attestations--rfc8785-0.1.2-whl-publish-attestation"
WHEEL = "rfc8785-0.1.2-py3-none-any.whl"


def small_wheel(name):
    """A minimal pure-Python wheel (PEP 427): one module, METADATA, WHEEL, RECORD."""
    import base64
    import io
    import zipfile

    files = {f"{name}/__init__.py": f"NAME = {name!r}\n".encode(),
             f"{name}-1.0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode(),
             f"{name}-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n"
                     for n, d in files.items()) + f"{name}-1.0.dist-info/RECORD,,\n"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n, d in {**files, f"{name}-1.0.dist-info/RECORD": record.encode()}.items():
            z.writestr(n, d)
    return f"{name}-1.0-py3-none-any.whl", out.getvalue()


def provenance():
    """The PEP 740 provenance object of the real attestation."""
    att = json.loads((CASE / "attestation.json").read_text())
    return json.dumps({"version": 1, "attestation_bundles": [{"publisher": {"kind": "GitHub"}, "attestations": [att]}]}).encode()


def serve_lock(n):
    """An index with rfc8785 (attested) and n-1 generated wheels (no provenance), and the lock."""
    data = (CASE / "artifact").read_bytes()
    prov = provenance()
    projects = {"rfc8785": (WHEEL, data, prov)}
    for i in range(1, n):
        fname, wheel = small_wheel(f"benchpkg{i:02d}")
        projects[f"benchpkg{i:02d}"] = (fname, wheel, None)
    routes = {}
    for project, (fname, body, p) in projects.items():
        entry = {"filename": fname, "url": f"../../files/{fname}", "hashes": {"sha256": hashlib.sha256(body).hexdigest()},
                 "provenance": f"../../files/{fname}.provenance" if p else None}
        routes[f"/simple/{project}/"] = (json.dumps({"meta": {"api-version": "1.1"}, "name": project, "files": [entry]}).encode(),
                                         "application/vnd.pypi.simple.v1+json")
        routes[f"/files/{fname}"] = (body, "application/octet-stream")
        if p:
            routes[f"/files/{fname}.provenance"] = (p, "application/json")

    server = serve_routes(routes)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    lock = ['lock-version = "1.0"', 'created-by = "bench_gates"', ""]
    for project, (fname, body, p) in sorted(projects.items()):
        lock += ["[[packages]]", f'name = "{project}"', f'version = "{fname.split("-")[1]}"', f'index = "{base}/simple/"',
                 "", "[[packages.wheels]]", f'url = "{base}/files/{fname}"',
                 f'hashes = {{sha256 = "{hashlib.sha256(body).hexdigest()}"}}', ""]
        if p:
            lock += ["[[packages.attestation-identities]]", 'kind = "Other"', 'issuer = "https://github.com/login/oauth"',
                     'san = "william@yossarian.net"', ""]
    return server, "\n".join(lock)


def verify_batch(n, runs):
    """The library alone: n verifications of the real attestation in one batch (median of runs)."""
    from domainsig import Policy

    policy = Policy.from_dict({"version": 1, "trusted_root": "staging", "first_sight": True, "domains": {"mode": "warn"}})
    prov = provenance()
    path = str(CASE / "artifact")
    xs = []
    for _ in range(runs):
        t = time.perf_counter()
        rs = policy.verify_many([(path, prov, WHEEL)] * n, "pypi.org")
        xs.append(time.perf_counter() - t)
        assert all(r.ok for r in rs), rs[0].details
    return statistics.median(xs)


def paired(a, b, env, runs, work):
    """Medians of `a` and `b`, run alternately (a, b, a, b...) so that the load of a shared machine
    drifts over both alike; the first pair warms the caches and is dropped."""
    xs = {0: [], 1: []}
    for i in range(runs + 1):
        for k, argv in ((0, a), (1, b)) if i % 2 == 0 else ((1, b), (0, a)):
            target = work / f"t{i}-{k}"
            t = time.perf_counter()
            subprocess.run([*argv, "--target", str(target)], check=True, capture_output=True, env=env)
            if i:
                xs[k].append(time.perf_counter() - t)
            shutil.rmtree(target)
    return statistics.median(xs[0]), statistics.median(xs[1])


def lock_rows(runs, env):
    out = []
    for n in (1, 50):
        server, lock = serve_lock(n)
        work = pathlib.Path(tempfile.mkdtemp(prefix="domainsig-bench-lock-"))
        try:
            (work / "pylock.toml").write_text(lock)
            policy = work / "policy.json"
            policy.write_text(json.dumps({"version": 1, "trusted_root": "staging", "first_sight": True, "domains": {"mode": "warn"}}))
            lockfile = str(work / "pylock.toml")
            plain, gated = paired([sys.executable, "-m", "pip", "install", "-r", lockfile],
                                  [sys.executable, "-m", "domainsig.pip", "install", "-r", lockfile, "--policy", str(policy)],
                                  env, runs, work)
        finally:
            server.shutdown()
            shutil.rmtree(work)
        what = "1 package (rfc8785, verified)" if n == 1 else "50 packages (1 verified, 49 without provenance)"
        out.append((f"plain `pip install -r pylock.toml`, {what}", f"{plain*1e3:.0f} ms", "", ""))
        out.append((f"`python -m domainsig.pip install -r pylock.toml`, same lock", f"{gated*1e3:.0f} ms", "≤ 1.2× plain pip",
                    f"{gated/plain:.2f}× {'✓' if gated / plain <= 1.2 else '✗'}"))
    out.append(("library: 50 verifications of the real attestation, one batch", f"{verify_batch(50, runs)*1e3:.1f} ms", "", ""))
    return out


def serve():
    data = (CASE / "artifact").read_bytes()
    prov = provenance()
    page = json.dumps({"meta": {"api-version": "1.1"}, "name": "rfc8785", "files": [
        {"filename": WHEEL, "url": f"../../files/{WHEEL}", "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
         "provenance": f"../../files/{WHEEL}.provenance"}]}).encode()
    routes = {"/simple/rfc8785/": (page, "application/vnd.pypi.simple.v1+json"),
              f"/files/{WHEEL}": (data, "application/octet-stream"),
              f"/files/{WHEEL}.provenance": (prov, "application/json")}
    return serve_routes(routes)


def serve_routes(routes):
    """An index on 127.0.0.1 serving `routes` (path -> (body, content type)), 404 for anything else."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            body, ctype = routes.get(self.path.split("?")[0], (None, None))
            if body is None:
                return self.send_error(404)
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def timed(argv, env, runs, work):
    xs = []
    for i in range(runs + 1):
        target = work / f"t{i}"
        t = time.perf_counter()
        subprocess.run([*argv, "--target", str(target)], check=True, capture_output=True, env=env)
        if i:  # the first run warms the page cache and pip's imports
            xs.append(time.perf_counter() - t)
        shutil.rmtree(target)
    return statistics.median(xs)


def rows(runs=10):
    server = serve()
    port = server.server_address[1]
    work = pathlib.Path(tempfile.mkdtemp(prefix="domainsig-bench-gates-"))
    try:
        policy = work / "policy.json"
        policy.write_text(json.dumps({"version": 1, "trusted_root": "staging",
                                      "identities": [{"issuer": "https://github.com/login/oauth", "san": "william@yossarian.net"}],
                                      "domains": {"mode": "warn", "mirrors": {f"127.0.0.1:{port}": ["pypi.org"]}}}))
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env.update(PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_CONFIG_FILE=os.devnull)
        index = ["--index-url", f"http://127.0.0.1:{port}/simple/", "rfc8785==0.1.2"]
        plain = timed([sys.executable, "-m", "pip", "install", *index], env, runs, work)
        gated = timed([sys.executable, "-m", "domainsig.pip", "install", "--policy", str(policy), *index], env, runs, work)
    finally:
        server.shutdown()
        shutil.rmtree(work)
    pip = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True).stdout.split()[1]
    locks = lock_rows(runs, env) if tuple(int(x) for x in pip.split(".")[:2]) >= (26, 0) else [
        ("`install -r pylock.toml`", f"not measured: pip {pip} cannot install a pylock.toml (pip >= 26)", "", "")]
    return [
        (f"plain `pip install` (pip {pip}), 1 wheel, 127.0.0.1 index", f"{plain*1e3:.0f} ms", "", ""),
        ("`python -m domainsig.pip install`, same wheel, verified", f"{gated*1e3:.0f} ms", "",
         f"{gated/plain:.2f}× plain pip"),
        *locks,
    ]


if __name__ == "__main__":
    print("| measurement | result | target | verdict |")
    print("|---|---|---|---|")
    for r in rows(int(sys.argv[1]) if len(sys.argv) > 1 else 10):
        print("| " + " | ".join(r) + " |")
