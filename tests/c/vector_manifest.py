#!/usr/bin/env python3
"""Writes the manifest test_vectors.c reads: one line per (real vector, artifact form).

    vector_manifest.py VECTORS_DIR OUT_DIR  ->  OUT_DIR/manifest.tsv and OUT_DIR/policies/*.json

Each line: expect (pass|fail), policy path, bundle path, artifact (a path or "sha256:<hex>"), case,
and for the npm documents of tests/npm also: name (purl), index domain, exact status name.
The policy mirrors the conformance harness: the case's trusted root, its identity or managed key,
and no name or domain rules (those are tested with their own vectors elsewhere).
"""

import base64
import json
import pathlib
import sys

# Cases verified against the statement's own subject digest (see tests/vectors.rs DECISIONS).
SUBJECT_DIGEST_CASES = {"sigstore-go--examples-npm-publish-attestation", "sigstore-python--a.dsse.staging-rekor-v2.txt"}


def first(expect, key, alt):
    v = expect.get(key) or expect.get(alt)
    if isinstance(v, list):
        v = v[0] if v else None
    return v or "https://unknown.invalid"


def main(vectors, out):
    vectors, out = pathlib.Path(vectors).resolve(), pathlib.Path(out)
    (out / "policies").mkdir(parents=True, exist_ok=True)
    lines = []
    for case in sorted(p for p in vectors.iterdir() if (p / "expect.json").is_file()):
        expect = json.loads((case / "expect.json").read_text())
        root = case / "trusted_root.json"
        if not root.is_file():
            root = vectors / (case / "trusted_root.ref").read_text().strip()
        policy = {"version": 1, "trusted_root": {"path": str(root)},
                  "domains": {"mode": "ignore"}, "subject": {"require_name": False}}
        if (case / "key.pub").is_file() and expect.get("verify_with") == "key":
            policy["keys"] = [{"pem": (case / "key.pub").read_text()}]
        else:
            policy["identities"] = [{"issuer": first(expect, "issuer", "cert_issuer_ext"),
                                     "san": first(expect, "identity", "cert_san")}]
        policy_path = out / "policies" / f"{case.name}.json"
        policy_path.write_text(json.dumps(policy))
        if case.name in SUBJECT_DIGEST_CASES:
            bundle = json.loads((case / "bundle.sigstore.json").read_text())
            statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
            alg, hexdigest = next(iter(statement["subject"][0]["digest"].items()))
            artifacts = [f"{alg}:{hexdigest}"]
        elif (case / "artifact").is_file():
            artifacts = [str(case / "artifact"), "sha256:" + (case / "artifact.sha256").read_text().split()[0]]
        else:
            artifacts = [(case / "artifact.digest").read_text().strip()]
        for a in artifacts:
            lines.append("\t".join([expect["expect"], str(policy_path), str(case / "bundle.sigstore.json"), a, case.name]))
    lines += npm_lines(vectors.parent / "npm", vectors / "_roots" / "public-good-production.trusted_root.json", out)
    (out / "manifest.tsv").write_text("\n".join(lines) + "\n")
    print(f"{len(lines)} vector runs")


def npm_lines(npm, root, out):
    """The shared npm cases (tests/npm): the whole attestations document as the bundle, the purl as
    the name, index domain registry.npmjs.org, and the exact status of tests/npm_verdicts.json."""
    verdicts = json.loads((npm.parent / "npm_verdicts.json").read_text())["statuses"]
    keys = next((npm / "_keys").glob("*.keys.json"))
    lines = []
    for name, status in sorted(verdicts.items()):
        case = npm / name
        expect = json.loads((case / "expect.json").read_text())
        prov = expect["provenance"]
        policy = {"version": 1, "trusted_root": {"path": str(root)},
                  "identities": [{"issuer": prov["identity_issuer"], "san": prov["identity_san"]}],
                  "keys": [{"path": str(keys), "usage": "npm:attestations", "domain": "registry.npmjs.org"}]}
        policy_path = out / "policies" / f"npm--{name}.json"
        policy_path.write_text(json.dumps(policy))
        tgz = case / "artifact.tgz"
        artifact = str(tgz) if tgz.is_file() else (case / "artifact.digest").read_text().strip()
        lines.append("\t".join(["pass" if status == "OK" else "fail", str(policy_path),
                                str(case / "attestations.json"), artifact, name, expect["purl"],
                                "registry.npmjs.org", status]))
    return lines


if __name__ == "__main__":
    main(*sys.argv[1:3])
