import pathlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import domainsig
from conftest import policy_dict


@pytest.mark.parametrize("how", ["bytes", "path", "digest"])
def test_happy_path(policy, happy, how):
    artifact = {"bytes": happy["artifact"], "path": happy["path"], "digest": happy["digest"]}[how]
    result = policy.verify(artifact, happy["bundle"], "pypi.org")
    assert result.ok and result.code == "OK" and result.status == 0
    assert result.details["status"] == "OK"


@pytest.mark.parametrize("form", ["bytes", "bytearray", "memoryview", "str", "pathlike"])
def test_bundle_forms(policy, happy, form):
    bundle = {
        "bytes": happy["bundle"],
        "bytearray": bytearray(happy["bundle"]),
        "memoryview": memoryview(happy["bundle"]),
        "str": happy["bundle"].decode(),
        "pathlike": happy["bundle_path"],
    }[form]
    assert policy.verify(happy["artifact"], bundle, "pypi.org").ok


def test_tampered_artifact_is_a_crypto_error(policy, happy):
    tampered = bytes([happy["artifact"][0] ^ 1]) + happy["artifact"][1:]
    with pytest.raises(domainsig.CryptoError) as e:
        policy.verify(tampered, happy["bundle"], "pypi.org")
    assert e.value.code == "ARTIFACT_MISMATCH" and e.value.status == 13
    assert e.value.details["field"] == "messageSignature.messageDigest"
    assert "the artifact's is" in e.value.details["message"]


def test_check_returns_instead_of_raising(policy, happy):
    r = policy.check(b"other bytes", happy["bundle"], "pypi.org")
    assert not r and r.code == "ARTIFACT_MISMATCH"
    assert isinstance(r.error, domainsig.CryptoError)


def test_wrong_signer_is_an_identity_error(happy):
    other = domainsig.Policy.from_dict(policy_dict(san="https://github.com/x/y/.github/workflows/r.yml@refs/heads/main"))
    with pytest.raises(domainsig.IdentityError) as e:
        other.verify(happy["artifact"], happy["bundle"], "pypi.org")
    assert e.value.code == "IDENTITY_MISMATCH"


def test_unsigned_domain_is_a_domain_error(happy):
    strict = domainsig.Policy.from_dict({**policy_dict(), "domains": {"mode": "require"}})
    with pytest.raises(domainsig.DomainError) as e:
        strict.verify(happy["artifact"], happy["bundle"], "pypi.org")
    assert e.value.code == "DOMAIN_MISSING" and e.value.status == 42
    assert e.value.details["verified"]["artifact_digest"]["hex"] == happy["digest"].split(":")[1]


def test_bad_policy_is_an_input_error():
    with pytest.raises(domainsig.InputError) as e:
        domainsig.Policy.from_json("[1, 2")
    assert e.value.code == "POLICY_INVALID" and e.value.details["status"] == "POLICY_INVALID"
    with pytest.raises(domainsig.InputError):
        domainsig.Policy.from_json(b"\xff\xfe garbage")


@pytest.mark.parametrize("bundle", [b"", b"\x00\x01\x02", b"{", b'{"mediaType": 5}', b"[]" * 1000])
def test_garbage_bundles(policy, happy, bundle):
    with pytest.raises(domainsig.InputError) as e:
        policy.verify(happy["artifact"], bundle, "pypi.org")
    assert e.value.code in ("BUNDLE_MALFORMED", "BUNDLE_UNSUPPORTED")


def test_bad_arguments(policy, happy):
    with pytest.raises(domainsig.InputError) as e:
        policy.verify("sha256:abc", happy["bundle"], "pypi.org")
    assert e.value.code == "ARTIFACT_UNREADABLE"
    with pytest.raises(domainsig.InputError) as e:
        policy.verify("/nonexistent/artifact.whl", happy["bundle"], "pypi.org")
    assert e.value.code == "ARTIFACT_UNREADABLE"
    with pytest.raises(TypeError):
        policy.verify(12345, happy["bundle"], "pypi.org")
    with pytest.raises(domainsig.InputError) as e:
        policy.verify(happy["artifact"], pathlib.Path("/nonexistent/bundle.json"), "pypi.org")
    assert e.value.code == "INPUT_UNREADABLE"
    # A str is the bundle's text, never a path: a path to a real bundle is refused as JSON.
    with pytest.raises(domainsig.InputError) as e:
        policy.verify(happy["artifact"], str(happy["bundle_path"]), "pypi.org")
    assert e.value.code == "BUNDLE_MALFORMED"


def test_verify_many_keeps_order(policy, happy):
    items = [(happy["artifact"], happy["bundle"]), (b"tampered", happy["bundle"]), (happy["digest"], happy["bundle"], None)]
    results = policy.verify_many(items, "pypi.org")
    assert [r.code for r in results] == ["OK", "ARTIFACT_MISMATCH", "OK"]
    assert policy.verify_many([], "pypi.org") == []


def test_threads_share_one_policy(policy, happy):
    tampered = b"x" + happy["artifact"][1:]
    want = {True: policy.check(happy["artifact"], happy["bundle"], "pypi.org").details,
            False: policy.check(tampered, happy["bundle"], "pypi.org").details}
    assert want[True] != want[False]
    seen_threads = set()

    def one(i):
        seen_threads.add(threading.get_ident())
        good = i % 2 == 0
        return good, policy.check(happy["artifact"] if good else tampered, happy["bundle"], "pypi.org").details

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one, range(80)))
    assert all(details == want[good] for good, details in answers)
    assert len(seen_threads) > 1


def test_closed_policy(happy):
    p = domainsig.Policy.from_dict(policy_dict())
    with p:
        pass
    with pytest.raises(ValueError):
        p.verify(happy["artifact"], happy["bundle"], "pypi.org")
    p.close()  # twice is fine


def test_pep740_wheel_is_bound_to_its_name():
    from conftest import VECTORS

    case = VECTORS / "pypi-attestations--rfc8785-0.1.2-whl-attestation"
    policy = domainsig.Policy.from_dict(
        {
            "version": 1,
            "trusted_root": "staging",
            "identities": [{"issuer": "https://github.com/login/oauth", "san": "william@yossarian.net"}],
            "domains": {"mode": "warn"},
        }
    )
    wheel = (case / "artifact").read_bytes()
    attestation = case / "attestation.json"
    ok = policy.verify(wheel, attestation, "test.pypi.org", name="rfc8785-0.1.2-py3-none-any.whl")
    assert ok.details["decision"]["domains"]["mode"] == "warn"
    with pytest.raises(domainsig.DomainError) as e:
        policy.verify(wheel, attestation, "test.pypi.org", name="rfc8785-0.1.3-py3-none-any.whl")
    assert e.value.code == "SUBJECT_MISMATCH"
