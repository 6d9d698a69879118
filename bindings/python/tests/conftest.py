import hashlib
import os
import pathlib

import pytest

REPO = pathlib.Path(os.environ.get("DOMAINSIG_REPO", pathlib.Path(__file__).resolve().parents[3]))
VECTORS = REPO / "tests" / "vectors"
HAPPY = VECTORS / "conformance--happy-path-v0.3"
SAN = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/"
    "workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
ISSUER = "https://token.actions.githubusercontent.com"


def policy_dict(san=SAN):
    return {
        "version": 1,
        "trusted_root": "public-good",
        "identities": [{"issuer": ISSUER, "san": san}],
        "domains": {"mode": "ignore"},
        "subject": {"require_name": False},
    }


@pytest.fixture(scope="session")
def policy():
    import domainsig

    return domainsig.Policy.from_dict(policy_dict())


@pytest.fixture(scope="session")
def happy():
    artifact = (HAPPY / "artifact").read_bytes()
    return {
        "artifact": artifact,
        "path": str(HAPPY / "artifact"),
        "digest": "sha256:" + hashlib.sha256(artifact).hexdigest(),
        "bundle": (HAPPY / "bundle.sigstore.json").read_bytes(),
        "bundle_path": HAPPY / "bundle.sigstore.json",
    }
