"""The shared npm cases (tests/npm): one call per package with the whole attestations document."""

import json

import pytest

import domainsig
from conftest import REPO

NPM = REPO / "tests" / "npm"
VERDICTS = json.loads((REPO / "tests" / "npm_verdicts.json").read_text())["statuses"]
ROOT = REPO / "tests" / "vectors" / "_roots" / "public-good-production.trusted_root.json"
KEYS = next((NPM / "_keys").glob("*.keys.json"))


@pytest.mark.parametrize("case", sorted(VERDICTS))
def test_npm_document(case):
    d = NPM / case
    expect = json.loads((d / "expect.json").read_text())
    prov = expect["provenance"]
    policy = domainsig.Policy.from_dict({
        "version": 1,
        "trusted_root": {"path": str(ROOT)},
        "identities": [{"issuer": prov["identity_issuer"], "san": prov["identity_san"]}],
        "keys": [{"path": str(KEYS), "usage": "npm:attestations", "domain": "registry.npmjs.org"}],
    })
    tgz = d / "artifact.tgz"
    artifact = tgz.read_bytes() if tgz.is_file() else (d / "artifact.digest").read_text().strip()
    r = policy.check(artifact, (d / "attestations.json").read_bytes(), "registry.npmjs.org", name=expect["purl"])
    assert r.code == VERDICTS[case], r.details
    if r.ok:
        assert len(r.details["decision"]["attestations"]) == 2
