"""domainsig: may this artifact, fetched from this index, be installed under this policy?

Importing the package is cheap: the native library loads on the first Policy.

    import domainsig
    policy = domainsig.Policy.from_dict({"version": 1, "identities": [...]})
    try:
        policy.verify("pkg-1.0-py3-none-any.whl", bundle_bytes, "pypi.org")
    except domainsig.DomainError as e:
        print(e.code, e.details["message"])
"""

from . import trust
from ._policy import Policy, VerificationResult, status_name, version
from ._status import (
    STATUS,
    STATUS_NAME,
    CryptoError,
    DomainError,
    IdentityError,
    InputError,
    InternalError,
    LimitExceededError,
    VerificationError,
)

__all__ = [
    "Policy",
    "VerificationResult",
    "VerificationError",
    "InputError",
    "CryptoError",
    "IdentityError",
    "DomainError",
    "InternalError",
    "LimitExceededError",
    "STATUS",
    "STATUS_NAME",
    "status_name",
    "version",
    "trust",
]
