"""Status codes and exception classes. Pure Python: importing this loads no native code.

The numbers are the C ABI's (`include/domainsig.h`); tests/test_status.py checks them against the
header and against the loaded library.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs more than the rest
if TYPE_CHECKING:
    from typing import Any


#: Every status: stable name -> stable number. Numbers are never renumbered or reused.
STATUS: dict[str, int] = {
    "OK": 0,
    "INVALID_ARGUMENT": 1,
    "POLICY_INVALID": 2,
    "BUNDLE_MALFORMED": 3,
    "BUNDLE_UNSUPPORTED": 4,
    "TRUSTED_ROOT_INVALID": 5,
    "ARTIFACT_UNREADABLE": 6,
    "INPUT_UNREADABLE": 7,
    "CERTIFICATE_INVALID": 10,
    "SCT_INVALID": 11,
    "SIGNATURE_INVALID": 12,
    "ARTIFACT_MISMATCH": 13,
    "TLOG_INCLUSION_PROOF": 14,
    "TLOG_CHECKPOINT": 15,
    "TLOG_SET": 16,
    "TLOG_BODY_MISMATCH": 17,
    "TLOG_MISSING": 18,
    "TIMESTAMP_INVALID": 19,
    "NO_VERIFIED_TIME": 20,
    "IDENTITY_MISMATCH": 30,
    "ISSUER_MISMATCH": 31,
    "CLAIM_MISMATCH": 32,
    "KEY_MISMATCH": 33,
    "TOO_RECENT": 34,
    "SUBJECT_MISMATCH": 40,
    "PREDICATE_UNSUPPORTED": 41,
    "DOMAIN_MISSING": 42,
    "DOMAIN_MISMATCH": 43,
    "AUDIENCE_MISMATCH": 44,
    "DOMAIN_INVALID": 45,
    "TUF_REFUSED": 60,
    "TUF_EXPIRED": 61,
    "TUF_MISSING": 62,
    "TUF_FETCH": 63,
    "TUF_CACHE": 64,
    "LIMIT_EXCEEDED": 90,
    "INTERNAL": 99,
}

#: Stable number -> stable name.
STATUS_NAME: dict[int, str] = {v: k for k, v in STATUS.items()}


class VerificationError(Exception):
    """Raised when an artifact may not be installed (or an input is unusable).

    ``code`` is the status name (``"DOMAIN_MISMATCH"``), ``status`` its number (43) and
    ``details`` the full result JSON as a dict (message, field, and what was verified).
    """

    code: str
    status: int
    details: dict[str, Any]

    def __init__(self, status: int, details: dict[str, Any] | None = None) -> None:
        self.status = status
        self.code = STATUS_NAME.get(status, "UNKNOWN")
        self.details = details or {}
        self.message = str(self.details.get("message") or self.code)
        super().__init__(f"{self.code}: {self.message}")

    @property
    def publisher(self) -> dict[str, Any] | None:
        """Who signed (a publisher object), when a certificate verified before the refusal."""
        p = self.details.get("publisher")
        return p if isinstance(p, dict) else None


class InputError(VerificationError):
    """An input (argument, policy, bundle, trusted root, artifact) is unusable (statuses 1-9)."""


class CryptoError(VerificationError):
    """A signature, certificate, transparency-log or timestamp proof failed (statuses 10-29)."""


class IdentityError(VerificationError):
    """The signer is not who the policy expects (statuses 30-39)."""


class DomainError(VerificationError):
    """The artifact was not signed for this index or this package (statuses 40-49)."""


class InternalError(VerificationError):
    """A resource limit was exceeded or domainsig has a bug (statuses 90-99)."""


class LimitExceededError(InputError, InternalError):
    """An input passed one of domainsig's size or count limits (``LIMIT_EXCEEDED``, status 90).

    Its status is in the limits-and-bugs family, but to a caller it is an unusable input (a huge
    download, ``/dev/zero`` as a bundle): so it is both an :class:`InputError` and an
    :class:`InternalError`, and ``except InputError`` catches every refusal of what was passed in.
    """


def error_class(status: int) -> type[VerificationError]:
    """The exception class for a status's family, mirroring the Rust ``Status::family``."""
    if status == STATUS["LIMIT_EXCEEDED"]:
        return LimitExceededError
    if 1 <= status <= 9:
        return InputError
    if 10 <= status <= 29:
        return CryptoError
    if 30 <= status <= 39:
        return IdentityError
    if 40 <= status <= 49:
        return DomainError
    if 60 <= status <= 69:
        return InputError
    return InternalError


def make_error(status: int, details: dict[str, Any] | None = None) -> VerificationError:
    """The family-specific exception for a refusal."""
    return error_class(status)(status, details)
