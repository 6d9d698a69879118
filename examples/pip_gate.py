#!/usr/bin/env python3
"""A pip-style install gate: refuse a downloaded distribution unless domainsig accepts it.

    python pip_gate.py POLICY.json INDEX_DOMAIN DIST [DIST ...]

Each DIST is a downloaded file with its bundle beside it as DIST.sigstore.json (or a PEP 740
attestation as DIST.publish.attestation). Exit 0 when every file may be installed, 1 otherwise.
"""

import pathlib
import sys

import domainsig


def bundle_for(dist: pathlib.Path) -> pathlib.Path:
    for suffix in (".sigstore.json", ".publish.attestation"):
        candidate = dist.with_name(dist.name + suffix)
        if candidate.exists():
            return candidate
    raise SystemExit(f"no bundle next to {dist}")


def main(policy_path: str, index_domain: str, *dists: str) -> int:
    policy = domainsig.Policy.from_file(policy_path)  # compile once (read with a size bound)
    refused = 0
    for dist in map(pathlib.Path, dists):
        try:
            # A pathlib.Path is a file to read; a str or bytes bundle would be the bundle's content.
            policy.verify(dist, bundle_for(dist), index_domain, name=dist.name)
            print(f"install  {dist.name}")
        except domainsig.VerificationError as e:  # or DomainError, IdentityError, CryptoError...
            refused += 1
            print(f"REFUSE   {dist.name}: {e.code}: {e.details.get('message')}")
    return 1 if refused else 0


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    sys.exit(main(*sys.argv[1:]))
