#!/usr/bin/env python3
"""Measures domainsig against sigstore-python and sigstore-js in one run; prints a table.

Run through scripts/bench-peers.sh, which installs the peers and runs the criterion benches first.
"""
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH = pathlib.Path(sys.argv[1]).resolve()
CASE = ROOT / "tests/vectors/conformance--happy-path-v0.3"
BUNDLE = CASE / "bundle.sigstore.json"
ARTIFACT = CASE / "artifact"
TRUSTED_ROOT = ROOT / "roots/public-good-production.trusted_root.json"
SAN = ("https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
       ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main")
ISSUER = "https://token.actions.githubusercontent.com"
CLI = ROOT / "target/release/domainsig"
POLICY = {"version": 1, "trusted_root": "public-good",
          "identities": [{"issuer": ISSUER, "san": SAN}],
          "domains": {"mode": "ignore"}, "subject": {"require_name": False}}


def criterion(name):
    """Mean time in seconds of a criterion benchmark from this run."""
    est = ROOT / "target/criterion" / name / "new/estimates.json"
    return json.loads(est.read_text())["mean"]["point_estimate"] / 1e9


def per_call(fn, n=300, warm=20):
    for _ in range(warm):
        fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def sigstore_python_warm():
    from sigstore.models import Bundle, TrustedRoot
    from sigstore.verify import Verifier
    from sigstore.verify.policy import Identity
    verifier = Verifier(trusted_root=TrustedRoot.from_file(str(TRUSTED_ROOT)))
    bundle = Bundle.from_json(BUNDLE.read_bytes())
    data = ARTIFACT.read_bytes()
    policy = Identity(identity=SAN, issuer=ISSUER)
    return per_call(lambda: verifier.verify_artifact(data, bundle, policy), n=200)


def domainsig_python_warm():
    import domainsig
    policy = domainsig.Policy.from_dict(POLICY)
    bundle = BUNDLE.read_bytes()
    data = ARTIFACT.read_bytes()
    policy.verify(data, bundle, None)
    return per_call(lambda: policy.verify(data, bundle, None), n=1000)


JS = r"""
const fs = require('fs');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const [bundlePath, artifactPath, rootPath, san, issuer] = process.argv.slice(2);
const tm = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(rootPath))));
const verifier = new Verifier(tm);
const bundleJSON = JSON.parse(fs.readFileSync(bundlePath));
const data = fs.readFileSync(artifactPath);
const once = () => {
  const entity = toSignedEntity(bundleFromJSON(bundleJSON), data);
  verifier.verify(entity, { subjectAlternativeName: san, extensions: { issuer } });
};
for (let i = 0; i < 20; i++) once();
const xs = [];
for (let i = 0; i < 200; i++) { const t = process.hrtime.bigint(); once(); xs.push(Number(process.hrtime.bigint() - t) / 1e9); }
xs.sort((a, b) => a - b);
console.log(xs[xs.length >> 1]);
"""


def sigstore_js_warm():
    script = BENCH / "npm/bench.js"
    script.write_text(JS)
    out = subprocess.run(["node", str(script), str(BUNDLE), str(ARTIFACT), str(TRUSTED_ROOT), SAN, ISSUER],
                         cwd=BENCH / "npm", capture_output=True, text=True)
    if out.returncode != 0:
        return None, out.stderr.strip().splitlines()[-1:]
    return float(out.stdout.strip()), None


def cold_cli(n=40):
    args = [str(CLI), "verify-bundle", "--bundle", str(BUNDLE), "--certificate-identity", SAN,
            "--certificate-oidc-issuer", ISSUER, str(ARTIFACT)]
    subprocess.run(args, check=True, capture_output=True)
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        xs.append(time.perf_counter() - t)
    return statistics.median(xs)


def python_import_first(n=15):
    code = ("import time; t=time.perf_counter(); import domainsig, json, pathlib; "
            f"p=domainsig.Policy.from_json(json.dumps({POLICY!r})); "
            f"p.verify({str(ARTIFACT)!r}, pathlib.Path({str(BUNDLE)!r}), None); print(time.perf_counter()-t)")
    xs = []
    for _ in range(n):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        xs.append(float(out.stdout.strip()))
    return statistics.median(xs)


def big_artifact():
    """One pass over a 1 GiB file: wall time and peak RSS of the CLI (the signature then fails, as
    the bundle is for another artifact; hashing is what is measured)."""
    path = BENCH / "1gib.bin"
    if not path.exists() or path.stat().st_size != 1 << 30:
        chunk = os.urandom(1 << 20)
        with open(path, "wb") as f:
            for _ in range(1024):
                f.write(chunk)
    args = [str(CLI), "verify-bundle", "--bundle", str(BUNDLE), "--certificate-identity", SAN,
            "--certificate-oidc-issuer", ISSUER, str(path)]
    subprocess.run(args, capture_output=True)  # warm the page cache
    xs, rss = [], 0
    for _ in range(3):
        t = time.perf_counter()
        out = subprocess.run(["/usr/bin/time", "-f", "%M"] + args, capture_output=True, text=True)
        xs.append(time.perf_counter() - t)
        rss = max(rss, int(out.stderr.strip().splitlines()[-1]))  # KiB, this process alone
    wall = min(xs)
    return (1 << 30) / wall / 1e9, rss / 1024


def batch_scaling(n=1000):
    d = pathlib.Path(tempfile.mkdtemp(prefix="domainsig-batch-"))
    try:
        for i in range(n):
            shutil.copy(ARTIFACT, d / f"a{i:04}.txt")
            shutil.copy(BUNDLE, d / f"a{i:04}.txt.sigstore.json")
        pol = d.parent / (d.name + "-policy.json")
        pol.write_text(json.dumps(POLICY))
        res = {}
        for jobs in (1, 2):
            xs = []
            for _ in range(5):
                t = time.perf_counter()
                subprocess.run([str(CLI), "verify-dir", "--policy", str(pol), "--jobs", str(jobs), str(d)],
                               check=True, capture_output=True)
                xs.append(time.perf_counter() - t)
            res[jobs] = min(xs)
        pol.unlink()
        return res[1] / res[2]
    finally:
        shutil.rmtree(d)


def main():
    floor = criterion("floor/bundle_floor_1xp384_4xp256")
    warm = criterion("bundle/verify_digest_input")
    warm_bytes = criterion("bundle/verify_bytes_input")
    sha_mem = (64 << 20) / criterion("hash/sha256_64mib_in_memory") / 1e9
    sha_file = (64 << 20) / criterion("hash/sha256_64mib_file_streamed") / 1e9
    py = sigstore_python_warm()
    dpy = domainsig_python_warm()
    js, js_err = sigstore_js_warm()
    cold = cold_cli()
    imp = python_import_first()
    big_gbps, big_rss = big_artifact()
    scale = batch_scaling()
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_gates  # the pip gate against plain pip (one resolution, the install by path)
    gates = bench_gates.rows()

    rows = [
        ("crypto floor (1×P-384 + 4×P-256, criterion)", f"{floor*1e3:.3f} ms", "", ""),
        ("domainsig warm, digest input (criterion)", f"{warm*1e3:.3f} ms", "≤ 1.15× floor",
         f"{warm/floor:.2f}× {'✓' if warm/floor <= 1.15 else '✗'}"),
        ("domainsig warm, bytes input (criterion)", f"{warm_bytes*1e3:.3f} ms", "", ""),
        ("domainsig warm via Python binding", f"{dpy*1e3:.3f} ms", "", ""),
        ("sigstore-python 4.5.1 warm", f"{py*1e3:.3f} ms", "≥ 4× slower than domainsig",
         f"{py/warm:.1f}× {'✓' if py/warm >= 4 else '✗'}"),
        ("sigstore-js (@sigstore/verify 4.1.3) warm",
         f"{js*1e3:.3f} ms" if js else f"failed: {js_err}", "", f"{js/warm:.1f}×" if js else ""),
        ("domainsig CLI cold `verify-bundle`", f"{cold*1e3:.1f} ms", "≤ 10 ms", "✓" if cold <= 0.010 else "✗"),
        ("Python `import domainsig` + first verification", f"{imp*1e3:.1f} ms", "≤ 30 ms",
         "✓" if imp <= 0.030 else "✗"),
        ("aws-lc-rs SHA-256, in memory", f"{sha_mem:.2f} GB/s", "", ""),
        ("domainsig streamed file hash (64 MiB, criterion)", f"{sha_file:.2f} GB/s", "≥ 95% of aws-lc-rs",
         f"{sha_file/sha_mem*100:.0f}% {'✓' if sha_file/sha_mem >= 0.95 else '✗'}"),
        ("domainsig CLI on a 1 GiB artifact", f"{big_gbps:.2f} GB/s, peak RSS {big_rss:.1f} MiB",
         "≥ 95% of aws-lc-rs, ≤ 32 MiB",
         f"{big_gbps/sha_mem*100:.0f}%, {'✓' if big_gbps/sha_mem >= 0.95 and big_rss <= 32 else '✗'}"),
        ("batch `verify-dir`, 2 jobs vs 1 (1000 items)", f"{scale:.2f}×", "≥ 1.8×", "✓" if scale >= 1.8 else "✗"),
        *gates,
    ]
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"date: {time.strftime('%Y-%m-%d')}\n")
    print("| measurement | result | target | verdict |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
