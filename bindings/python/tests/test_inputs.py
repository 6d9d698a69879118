"""Every argument, given the wrong type or a hostile value, fails with one exact, typed error.

Wrong types are ``TypeError`` naming the argument; unusable values are the library's errors with
a stable code. Text never becomes a file path: a ``str`` bundle is JSON, even when it names a
real, valid bundle.
"""

import os
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

import domainsig
from conftest import REPO, VECTORS

CASE = VECTORS / "pypi-attestations--rfc8785-0.1.2-whl-attestation"
NAME = "rfc8785-0.1.2-py3-none-any.whl"
INDEX = "test.pypi.org"
BUNDLE_PATH = CASE / "attestation.json"
WHEEL = (CASE / "artifact").read_bytes()
BUNDLE = BUNDLE_PATH.read_bytes()
POLICY = {
    "version": 1,
    "trusted_root": "staging",
    "identities": [{"issuer": "https://github.com/login/oauth", "san": "william@yossarian.net"}],
    "domains": {"mode": "warn"},
}

HUGE = "x" * (9 << 20)  # past every limit
NUL = "pypi.org\0evil"
TEXT_PATH = str(BUNDLE_PATH)  # a real, valid bundle's path, given as text
SURROGATE = "\udcff"  # not encodable as UTF-8
NOT_UTF8 = b"\xff\xfe{}"


@pytest.fixture(scope="module")
def policy():
    return domainsig.Policy.from_dict(POLICY)


def refused(cls, code):
    return (cls, code)


IE, CE, DE, XE = domainsig.InputError, domainsig.CryptoError, domainsig.DomainError, domainsig.LimitExceededError

#: (argument, value, expected): expected is TypeError or (exception class, code).
TABLE = [
    ("artifact", 12345, TypeError),
    ("artifact", None, TypeError),
    ("artifact", ["x"], TypeError),
    ("artifact", HUGE, refused(IE, "ARTIFACT_UNREADABLE")),  # a path the OS refuses, not OSError
    ("artifact", "a\0b", refused(IE, "INVALID_ARGUMENT")),
    ("artifact", pathlib.Path("a\0b"), refused(IE, "INVALID_ARGUMENT")),
    ("artifact", TEXT_PATH, refused(CE, "ARTIFACT_MISMATCH")),  # artifact str is a path by design
    ("artifact", SURROGATE, refused(IE, "ARTIFACT_UNREADABLE")),
    ("artifact", NOT_UTF8, refused(CE, "ARTIFACT_MISMATCH")),
    ("artifact", "sha256:zz", refused(IE, "ARTIFACT_UNREADABLE")),
    ("artifact", "sha512:" + "0" * 128, refused(CE, "ARTIFACT_MISMATCH")),
    ("bundle", 12345, TypeError),
    ("bundle", None, TypeError),
    ("bundle", {"mediaType": "x"}, TypeError),
    ("bundle", HUGE, refused(XE, "LIMIT_EXCEEDED")),
    ("bundle", "a\0b", refused(IE, "BUNDLE_MALFORMED")),
    ("bundle", TEXT_PATH, refused(IE, "BUNDLE_MALFORMED")),  # never opened
    ("bundle", "/etc/passwd", refused(IE, "BUNDLE_MALFORMED")),
    ("bundle", SURROGATE, refused(IE, "BUNDLE_MALFORMED")),
    ("bundle", NOT_UTF8, refused(IE, "BUNDLE_MALFORMED")),
    ("bundle", pathlib.Path("/nonexistent/bundle.json"), refused(IE, "INPUT_UNREADABLE")),
    ("bundle", pathlib.Path("x" * 5000), refused(IE, "INPUT_UNREADABLE")),  # ENAMETOOLONG
    ("bundle", pathlib.Path("/"), refused(IE, "INPUT_UNREADABLE")),
    ("bundle", pathlib.Path("a\0b"), refused(IE, "INVALID_ARGUMENT")),
    ("index_domain", 12345, TypeError),
    ("index_domain", b"pypi.org", TypeError),
    ("index_domain", HUGE, refused(DE, "DOMAIN_INVALID")),
    ("index_domain", NUL, refused(IE, "INVALID_ARGUMENT")),
    ("index_domain", TEXT_PATH, refused(DE, "DOMAIN_INVALID")),
    ("index_domain", SURROGATE, refused(IE, "INVALID_ARGUMENT")),
    ("index_domain", None, refused(IE, "INVALID_ARGUMENT")),  # the policy's mode needs one
    ("name", 12345, TypeError),
    ("name", b"x.whl", TypeError),
    ("name", HUGE, refused(XE, "LIMIT_EXCEEDED")),
    ("name", NAME + "\0.tar.gz", refused(IE, "INVALID_ARGUMENT")),  # C would truncate it to NAME
    ("name", TEXT_PATH, refused(DE, "SUBJECT_MISMATCH")),
    ("name", SURROGATE, refused(IE, "INVALID_ARGUMENT")),
]


def call(policy, arg, value, many=False):
    args = {"artifact": WHEEL, "bundle": BUNDLE, "index_domain": INDEX, "name": NAME}
    args[arg] = value
    if many:
        item = (args["artifact"], args["bundle"], args["name"])
        result = policy.verify_many([(WHEEL, BUNDLE, NAME), item], args["index_domain"])
        assert len(result) == 2
        # A bad item spoils only itself; a bad batch-wide domain spoils every item alike.
        assert result[0].ok if arg != "index_domain" else result[0].code == result[1].code
        return result[1].raise_for_status()
    return policy.verify(args["artifact"], args["bundle"], args["index_domain"], args["name"])


def expect(expected, fn, argname):
    if expected is TypeError:
        with pytest.raises(TypeError) as e:
            fn()
        assert argname in str(e.value), e.value
        return
    cls, code = expected
    with pytest.raises(domainsig.VerificationError) as e:
        fn()
    assert type(e.value) is cls and e.value.code == code, (e.value.code, e.value)
    assert e.value.status == domainsig.STATUS[code] and e.value.details["status"] == code
    assert len(str(e.value)) < 1000, "a message never repeats a huge argument"


def test_the_happy_case_verifies(policy):
    assert call(policy, "name", NAME).ok


@pytest.mark.parametrize("arg,value,expected", TABLE, ids=lambda v: repr(v)[:40])
def test_verify(policy, arg, value, expected):
    expect(expected, lambda: call(policy, arg, value), arg)


@pytest.mark.parametrize("arg,value,expected", TABLE, ids=lambda v: repr(v)[:40])
def test_verify_many_item(policy, arg, value, expected):
    if arg == "index_domain":
        # One domain for the whole batch: a bad one fails the call, not an item.
        expect(expected, lambda: call(policy, arg, value, many=True), arg)
        return
    expect(expected, lambda: call(policy, arg, value, many=True), f"items[1]: {arg}")


def test_check_returns_value_refusals_and_raises_type_errors(policy):
    r = policy.check(WHEEL, pathlib.Path("/nonexistent"), INDEX, NAME)
    assert not r.ok and r.code == "INPUT_UNREADABLE" and r.details["field"] == "bundle"
    with pytest.raises(TypeError):
        policy.check(WHEEL, 5, INDEX, NAME)


@pytest.mark.parametrize("item", [5, None, (WHEEL,), (WHEEL, BUNDLE, NAME, "extra"), "ab"])
def test_verify_many_items_must_be_tuples(policy, item):
    with pytest.raises(TypeError, match=r"items\[0\]"):
        policy.verify_many([item], INDEX)


POLICY_TABLE = [
    ("from_json", 12345, TypeError),
    ("from_json", None, TypeError),
    ("from_json", pathlib.Path("policy.json"), TypeError),
    ("from_json", HUGE, refused(XE, "LIMIT_EXCEEDED")),
    ("from_json", '{"version": 1}\0', refused(IE, "POLICY_INVALID")),
    ("from_json", str(REPO / "examples" / "pypi" / "policy.json"), refused(IE, "POLICY_INVALID")),  # not opened
    ("from_json", '{"version": 1, "x": "\udcff"}', refused(IE, "POLICY_INVALID")),
    ("from_json", NOT_UTF8, refused(IE, "POLICY_INVALID")),
    ("from_dict", "{}", TypeError),
    ("from_dict", None, TypeError),
    ("from_dict", {"version": 1, "x": float("nan")}, refused(IE, "POLICY_INVALID")),
    ("from_dict", {"version": 1, "x": object()}, refused(IE, "POLICY_INVALID")),
    ("from_dict", {**POLICY, "trusted_root": {"path": "/nonexistent/root.json"}}, refused(IE, "INPUT_UNREADABLE")),
    ("from_dict", {**POLICY, "trusted_root": TEXT_PATH}, refused(IE, "POLICY_INVALID")),
    ("from_file", 12345, TypeError),
    ("from_file", b"policy.json", TypeError),
    ("from_file", "/nonexistent/policy.json", refused(IE, "INPUT_UNREADABLE")),
    ("from_file", "a\0b", refused(IE, "INVALID_ARGUMENT")),
    ("from_file", BUNDLE_PATH, refused(IE, "POLICY_INVALID")),
]


@pytest.mark.parametrize("method,value,expected", POLICY_TABLE, ids=lambda v: repr(v)[:40])
def test_policy_constructors(method, value, expected):
    argname = {"from_json": "text", "from_dict": "policy", "from_file": "path"}[method]
    expect(expected, lambda: getattr(domainsig.Policy, method)(value), argname)


def test_from_file_compiles_a_policy(tmp_path):
    import json

    p = tmp_path / "policy.json"
    p.write_text(json.dumps(POLICY))
    for path in (p, str(p)):
        assert domainsig.Policy.from_file(path).verify(WHEEL, BUNDLE, INDEX, NAME).ok


def test_limits_mirror_the_library():
    text = (REPO / "src" / "limits.rs").read_text()
    from domainsig import _policy

    for name in ("MAX_BUNDLE_BYTES",):
        m = re.search(rf"pub const {name}: usize = (\d+) << (\d+);", text)
        assert m, name
        assert getattr(_policy, name) == int(m.group(1)) << int(m.group(2)), name


# Endless inputs (/dev/zero, a FIFO fed by `yes`) are tried only here, in a child process whose
# address space is capped: a regression then fails this test instead of exhausting the machine.
ENDLESS = textwrap.dedent(
    """
    import os, pathlib, resource, subprocess, sys
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a runaway read fails, not the machine
    import domainsig
    policy = domainsig.Policy.from_dict({"version": 1, "trusted_root": "staging", "domains": {"mode": "ignore"},
        "identities": [{"issuer": "https://github.com/login/oauth", "san": "william@yossarian.net"}]})
    fifo = sys.argv[1]
    os.mkfifo(fifo)

    def endless():
        # The writer is this Python, not `yes`: the wheel's suite runs with a narrowed PATH.
        writer = "import itertools, sys; f = open(sys.argv[1], 'wb'); [f.write(b'y' * 65536) for _ in itertools.count()]"
        return subprocess.Popen([sys.executable, "-c", writer, fifo], stderr=subprocess.DEVNULL)

    codes = []
    for source in ("/dev/zero", "fifo"):
        for what in ("bundle", "many", "policy", "root"):
            writer = endless() if source == "fifo" else None
            path = pathlib.Path(fifo if writer else source)
            try:
                if what == "bundle":
                    codes.append(policy.check(b"x", path, None).code)
                elif what == "many":
                    codes.append(policy.verify_many([(b"x", path)], None)[0].code)
                elif what == "policy":
                    domainsig.Policy.from_file(path)
                else:
                    domainsig.Policy.from_dict({"version": 1, "trusted_root": {"path": str(path)}})
            except domainsig.VerificationError as e:
                codes.append(e.code)
            finally:
                if writer:
                    writer.kill()
                    writer.wait()
    print(" ".join(codes))
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
    """
)


def test_endless_inputs_are_refused_with_bounded_memory(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", ENDLESS, str(tmp_path / "endless")],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    codes, maxrss = out.stdout.split("\n")[:2]
    assert codes.split() == ["LIMIT_EXCEEDED"] * 8, out.stdout
    assert int(maxrss) < 200 * 1024, f"peak RSS {int(maxrss) // 1024} MiB"
