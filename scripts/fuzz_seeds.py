#!/usr/bin/env python3
"""Writes seed inputs for a fuzz target, taken from the real vectors: fuzz_seeds.py TARGET DIR."""
import base64
import hashlib
import json
import pathlib
import sys

target, out = sys.argv[1], pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
vectors = pathlib.Path(__file__).resolve().parent.parent / "tests" / "vectors"
seeds = []
for f in sorted(vectors.glob("*/bundle.sigstore.json")):
    try:
        b = json.loads(f.read_text())
    except ValueError:
        continue
    vm = b.get("verificationMaterial", {}) or {}
    if target == "cert_claims":
        c = vm.get("certificate") or {}
        certs = [c] if c else (vm.get("x509CertificateChain") or {}).get("certificates", [])
        seeds += [base64.b64decode(x["rawBytes"]) for x in certs if "rawBytes" in x]
    elif target == "intoto_parse":
        env = b.get("dsseEnvelope") or {}
        if "payload" in env:
            seeds.append(base64.b64decode(env["payload"]))
    elif target == "checkpoint":
        for e in vm.get("tlogEntries", []):
            cp = ((e.get("inclusionProof") or {}).get("checkpoint") or {}).get("envelope")
            if cp:
                seeds.append(cp.encode())
if target == "domain_normalize":
    seeds += [s.encode() for s in ["pypi.org", "https://test.pypi.org/", "HTTPS://PyPI.org:443/simple/",
              "mirror.corp.example:8443/pypi", "conda.anaconda.org/conda-forge", "bücher.example",
              "*.example.com", "user@host", "host?q=1", "a..b", "https://registry.npmjs.org/"]]
if target == "subject_names":
    seeds += [s.encode() for s in ["rfc8785-0.1.2-py3-none-any.whlrfc8785-0.1.2-py3-none-any.whl",
              "pkg:npm/%40sigstore/sign@1.0.0sigstore-sign-1.0.0.tgz", "numpy-2.0.0.tar.gzNumPy-2.0.tar.gz",
              "libfoo-1.0-h123_0.condalibfoo-1.0-h123_0.tar.bz2"]]
if target in ("bundle_verify", "pep740"):
    # npm attestations documents (tests/npm): the registry's {"attestations": [...]}, and the bare
    # list form, so the set parser and the set decision are reached from valid inputs.
    npm = vectors.parent / "npm"
    for f in sorted(npm.glob("*/attestations.json")):
        if "_fail" in f.parent.name and "mismatch" not in f.parent.name:
            continue
        raw = f.read_bytes()
        seeds.append(raw)
        seeds.append(json.dumps(json.loads(raw)["attestations"]).encode())
if target == "trust_root_parse":
    # Registry key sets share the trust layer: the TUF keys.json target and npm's /-/npm/v1/keys.
    for f in sorted((vectors.parent / "npm" / "_keys").glob("*.keys.json")):
        keys = json.loads(f.read_text())
        seeds.append(f.read_bytes())
        seeds.append(json.dumps({"keys": [{"keyid": k["keyId"], "key": k["publicKey"]["rawBytes"], "expires": None,
                                            "keytype": "ecdsa-sha2-nistp256", "scheme": "ecdsa-sha2-nistp256"}
                                           for k in keys["keys"]]}).encode())
if target == "lock_parse":
    # 0xF0: an npm trust file (domainsig-publishers.json) beside the target's fixed lock.
    seeds.append(b"\xf0" + json.dumps({"version": 1, "packages": {
        "sigstore": [{"since": "1.0.0", "publisher": {"kind": "GitHub", "repository": "sigstore/sigstore-js",
                                                       "workflow": "publish.yml"}}],
        "mine": [{"since": "0.1.0", "publisher": {"kind": "GitLab", "repository": "me/mine",
                                                   "workflow_filepath": ".gitlab-ci.yml"}}]}}).encode())
if target == "publisher_map":
    # The first byte picks: 0 an entry file, 1 a trust update's "search", 2 a pylock.toml, 3 an
    # npm lock (package-lock.json or pnpm-lock.yaml by the input's length).
    tuf = vectors.parent / "tuf"
    for f in sorted(tuf.glob("publisher-map*/targets/*/publishers/*.json")):
        seeds.append(b"\x00" + f.read_bytes())
    for s in [{"index": "pypi.org", "packages": ["attrs", "Gitlab.OIDC_Project"]},
              {"index": "registry.npmjs.org", "packages": ["sigstore", "@tufjs/models"], "ecosystem": "npm"},
              {"index": "https://test.pypi.org/simple/", "packages": []}]:
        seeds.append(b"\x01" + json.dumps(s).encode())
    seeds.append(b"\x02" + b'lock-version = "1.0"\n[[packages]]\nname = "attrs"\nversion = "1"\n'
                 b'[[packages.wheels]]\nurl = "https://files.example/attrs-1-py3-none-any.whl"\n'
                 b'hashes = {sha256 = "' + b"0" * 64 + b'"}\n')
    seeds.append(b"\x03" + json.dumps({"lockfileVersion": 3, "packages": {"": {}, "node_modules/sigstore": {
        "version": "1.0.0", "resolved": "https://registry.npmjs.org/sigstore/-/sigstore-1.0.0.tgz",
        "integrity": "sha512-" + base64.b64encode(b"\0" * 64).decode()}}}).encode())
for s in seeds:
    (out / hashlib.sha256(s).hexdigest()[:16]).write_bytes(s)
