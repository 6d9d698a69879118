"""Publishers and min_age through the Python door, on the real GitLab-published sdist."""

import pytest

import domainsig
from conftest import VECTORS

CASE = VECTORS / "pypi-attestations--gitlab_oidc_project-0.0.3-publish"
GITLAB = {"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project", "workflow_filepath": ".gitlab-ci.yml"}


def _policy(**extra):
    p = {"version": 1, "domains": {"mode": "ignore"}, "subject": {"require_name": False}}
    p.update(extra)
    return domainsig.Policy.from_dict(p)


def _check(policy):
    return policy.check((CASE / "artifact").read_bytes(), CASE / "bundle.sigstore.json", None)


def test_publisher_is_read_and_pins_back():
    first = _check(_policy(first_sight=True))
    assert first.ok, first.details
    assert first.publisher == GITLAB
    assert first.details["decision"]["first_sight"] is True
    pinned = _check(_policy(publishers=[first.publisher]))
    assert pinned.ok and pinned.details["decision"]["first_sight"] is False
    other = dict(GITLAB, repository="facutuesca/other")
    refused = _check(_policy(publishers=[other]))
    assert refused.code == "IDENTITY_MISMATCH"
    assert refused.publisher == GITLAB  # who did sign, for the refusal's message
    assert refused.error is not None and refused.error.publisher == GITLAB


def test_min_age_counts_from_the_verified_signing_time():
    # Signed 2024-11-19 (Rekor's integrated time): old enough for 30 days, not for a century.
    assert _check(_policy(publishers=[GITLAB], min_age="30d")).ok
    young = _check(_policy(publishers=[GITLAB], min_age="36500d"))
    assert young.code == "TOO_RECENT" and young.status == 34
    assert "2024-11-19T17:37:00Z" in young.details["message"]
    assert isinstance(young.error, domainsig.IdentityError)
    with pytest.raises(domainsig.VerificationError) as e:
        _policy(publishers=[GITLAB], min_age="3w")
    assert e.value.code == "POLICY_INVALID"


def test_publishers_and_min_age_ask_for_provenance_of_every_package():
    # A file without provenance passes only where nothing asks for it (the library's one rule,
    # Policy.judge_unattested, which the gates call): min_age too, since only an attestation
    # gives a verified signing time.
    base = {"version": 1, "domains": {"mode": "warn"}, "first_sight": True}
    warnings = domainsig.Policy.from_dict(base).judge_unattested("attrs", "pypi.org")
    assert warnings and warnings[0].startswith("attrs, fetched from pypi.org, has no attestation"), warnings
    for extra, words in (({"publishers": [GITLAB]}, "facutuesca/gitlab-oidc-project"), ({"min_age": "3d"}, "min_age 3d")):
        with pytest.raises(domainsig.VerificationError) as e:
            domainsig.Policy.from_dict(dict(base, **extra)).judge_unattested("attrs-24.1.0.tar.gz", None)
        assert (e.value.code, e.value.status) == ("ATTESTATION_MISSING", 71)
        assert words in e.value.details["message"] and "listed by no index" in e.value.details["message"]
    with pytest.raises(TypeError):
        domainsig.Policy.from_dict(base).judge_unattested(b"attrs", None)  # type: ignore[arg-type]