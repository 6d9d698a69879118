import re

import domainsig
from conftest import REPO


def test_numbers_match_the_c_header():
    header = (REPO / "include" / "domainsig.h").read_text()
    found = {m[0]: int(m[1]) for m in re.findall(r"DOMAINSIG_([A-Z_]+) = (\d+),", header)}
    assert found == domainsig.STATUS


def test_numbers_match_the_loaded_library():
    for name, number in domainsig.STATUS.items():
        assert domainsig.status_name(number) == name
    assert domainsig.status_name(8) == "UNKNOWN"
    assert re.match(r"^\d+\.\d+\.\d+", domainsig.version())


def test_families_pick_the_exception_class():
    cases = {
        "POLICY_INVALID": domainsig.InputError,
        "BUNDLE_MALFORMED": domainsig.InputError,
        "SIGNATURE_INVALID": domainsig.CryptoError,
        "TLOG_INCLUSION_PROOF": domainsig.CryptoError,
        "ISSUER_MISMATCH": domainsig.IdentityError,
        "DOMAIN_MISMATCH": domainsig.DomainError,
        "LIMIT_EXCEEDED": domainsig.LimitExceededError,
        "INTERNAL": domainsig.InternalError,
    }
    from domainsig._status import make_error

    for name, cls in cases.items():
        err = make_error(domainsig.STATUS[name], {"message": "m"})
        assert type(err) is cls and isinstance(err, domainsig.VerificationError)
        assert (err.code, err.status) == (name, domainsig.STATUS[name])


def test_a_limit_is_an_input_refusal_too():
    from domainsig._status import make_error

    err = make_error(domainsig.STATUS["LIMIT_EXCEEDED"], {"message": "m"})
    assert isinstance(err, domainsig.InputError) and isinstance(err, domainsig.InternalError)
