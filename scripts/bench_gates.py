#!/usr/bin/env python3
"""The pip gate against plain pip: wall time of `python -m domainsig.pip install` and of
`python -m pip install` for the same requirement from the same PEP 691/PEP 740 index on 127.0.0.1
(the real rfc8785 0.1.2 wheel and its real attestation from tests/vectors), into a fresh --target
each run. Prints a Markdown table; numbers, not pass/fail (scripts/bench_peers.py includes it).

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


def serve():
    data = (CASE / "artifact").read_bytes()
    att = json.loads((CASE / "attestation.json").read_text())
    prov = json.dumps({"version": 1, "attestation_bundles": [{"publisher": {"kind": "GitHub"}, "attestations": [att]}]}).encode()
    page = json.dumps({"meta": {"api-version": "1.1"}, "name": "rfc8785", "files": [
        {"filename": WHEEL, "url": f"../../files/{WHEEL}", "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
         "provenance": f"../../files/{WHEEL}.provenance"}]}).encode()
    routes = {"/simple/rfc8785/": (page, "application/vnd.pypi.simple.v1+json"),
              f"/files/{WHEEL}": (data, "application/octet-stream"),
              f"/files/{WHEEL}.provenance": (prov, "application/json")}

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
    return [
        (f"plain `pip install` (pip {pip}), 1 wheel, 127.0.0.1 index", f"{plain*1e3:.0f} ms", "", ""),
        ("`python -m domainsig.pip install`, same wheel, verified", f"{gated*1e3:.0f} ms", "",
         f"{gated/plain:.2f}× plain pip"),
    ]


if __name__ == "__main__":
    print("| measurement | result | target | verdict |")
    print("|---|---|---|---|")
    for r in rows(int(sys.argv[1]) if len(sys.argv) > 1 else 10):
        print("| " + " | ".join(r) + " |")
