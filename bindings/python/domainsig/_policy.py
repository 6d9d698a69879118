"""Policy and VerificationResult: the Python face of ``domainsig_policy_new`` / ``_verify_bundle``."""

from __future__ import annotations

import os

from ._status import STATUS_NAME, VerificationError, make_error

# Importing domainsig stays cheap: typing, json and ctypes load only when first needed.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

    PathLike = Union[str, "os.PathLike[str]"]
    #: A path, the bytes themselves, or ``"sha256:<hex>"`` / ``"sha512:<hex>"``.
    ArtifactLike = Union[bytes, bytearray, memoryview, PathLike]
    #: The bundle's bytes, its JSON text, or a path to it.
    BundleLike = Union[bytes, bytearray, memoryview, PathLike]

_HEX = frozenset("0123456789abcdefABCDEF")


def _is_digest(s: str) -> bool:
    """``sha256:<hex>``, ``sha384:<hex>`` or ``sha512:<hex>`` (anything else is a path)."""
    alg, sep, hexpart = s.partition(":")
    return bool(sep) and alg in ("sha256", "sha384", "sha512") and bool(hexpart) and set(hexpart) <= _HEX


class VerificationResult:
    """What one verification answered. ``ok`` is True when the artifact may be installed."""

    __slots__ = ("status", "code", "details")

    def __init__(self, status: int, details: Dict[str, Any]) -> None:
        #: The status number (0 when accepted).
        self.status = status
        #: The status name (``"OK"``, ``"DOMAIN_MISMATCH"``).
        self.code = STATUS_NAME.get(status, "UNKNOWN")
        #: The result JSON as a dict: ``verified`` facts and the ``decision``, or ``message``/``field``.
        self.details = details

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def error(self) -> Optional[VerificationError]:
        """The refusal as an exception (not raised), or None when accepted."""
        return None if self.ok else make_error(self.status, self.details)

    def raise_for_status(self) -> "VerificationResult":
        err = self.error
        if err is not None:
            raise err
        return self

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        return f"<VerificationResult {self.code}>"


def _ffi() -> ModuleType:
    from . import _ffi as ffi  # deferred: importing domainsig must not load the library

    return ffi


def _take_result(lib: Any, ptr: Any) -> VerificationResult:
    """Reads and frees a domainsig_result."""
    try:
        status = int(lib.domainsig_result_status(ptr))
        raw = lib.domainsig_result_json(ptr)
        import json

        details = json.loads(raw.decode("utf-8")) if raw else {}
    finally:
        lib.domainsig_result_free(ptr)
    return VerificationResult(status, details)


def _artifact(ffi: ModuleType, artifact: ArtifactLike, name: Optional[str], keep: List[Any]) -> Any:
    a = ffi.Artifact()
    if isinstance(artifact, (bytes, bytearray, memoryview)):
        data = bytes(artifact)
        buf = ffi.c_char_p(data)
        keep.append((data, buf))
        a.data = ffi.ctypes.cast(buf, ffi.ctypes.c_void_p)
        a.len = len(data)
    elif isinstance(artifact, str) and _is_digest(artifact):
        a.digest = artifact.encode()
    elif isinstance(artifact, (str, os.PathLike)):
        a.path = os.fsencode(artifact)
    else:
        raise TypeError(f"artifact must be a path, bytes or 'sha256:<hex>', not {type(artifact).__name__}")
    if name is not None:
        a.name = name.encode()
    return a


def _bundle_bytes(bundle: BundleLike) -> bytes:
    if isinstance(bundle, (bytes, bytearray, memoryview)):
        return bytes(bundle)
    if isinstance(bundle, str) and bundle.lstrip().startswith("{"):
        return bundle.encode()
    if isinstance(bundle, (str, os.PathLike)):
        with open(bundle, "rb") as f:
            return f.read()
    raise TypeError(f"bundle must be bytes, JSON text or a path, not {type(bundle).__name__}")


def _domain(index_domain: Optional[str]) -> Optional[bytes]:
    return None if index_domain is None else index_domain.encode()


class Policy:
    """A compiled policy: immutable, and safe to use from many threads at once.

    Build it once with :meth:`from_json` or :meth:`from_dict` and reuse it for every artifact.
    """

    __slots__ = ("_ptr", "_lib")
    _ptr: Any
    _lib: Any

    def __init__(self) -> None:
        raise TypeError("use Policy.from_json or Policy.from_dict")

    @classmethod
    def from_json(cls, text: Union[str, bytes]) -> "Policy":
        """Compiles policy JSON; raises :class:`InputError` (``POLICY_INVALID``...) when it is wrong."""
        ffi = _ffi()
        lib = ffi.lib()
        data = text.encode() if isinstance(text, str) else bytes(text)
        out = ffi.PolicyP()
        err = ffi.ResultP()
        status = lib.domainsig_policy_new(data, len(data), ffi.ctypes.byref(out), ffi.ctypes.byref(err))
        if status != 0:
            details = _take_result(lib, err).details if err else {}
            raise make_error(status, details)
        self = object.__new__(cls)
        self._ptr = out
        self._lib = lib
        return self

    @classmethod
    def from_dict(cls, policy: Mapping[str, Any]) -> "Policy":
        """Compiles a policy given as a dict (the JSON object)."""
        import json

        return cls.from_json(json.dumps(policy))

    def verify(
        self,
        artifact: ArtifactLike,
        bundle: BundleLike,
        index_domain: Optional[str],
        name: Optional[str] = None,
    ) -> VerificationResult:
        """Verifies one artifact fetched from ``index_domain``.

        Returns the result when the artifact may be installed; raises the family's
        :class:`VerificationError` subclass otherwise. The GIL is released while verifying.
        """
        result = self.check(artifact, bundle, index_domain, name)
        return result.raise_for_status()

    def check(
        self,
        artifact: ArtifactLike,
        bundle: BundleLike,
        index_domain: Optional[str],
        name: Optional[str] = None,
    ) -> VerificationResult:
        """As :meth:`verify`, but returns a refusal as a result instead of raising it."""
        ffi = _ffi()
        keep: List[Any] = []
        a = _artifact(ffi, artifact, name, keep)
        b = _bundle_bytes(bundle)
        out = ffi.ResultP()
        self._lib.domainsig_verify_bundle(self._handle(), ffi.ctypes.byref(a), b, len(b), _domain(index_domain), ffi.ctypes.byref(out))
        return _take_result(self._lib, out)

    def verify_many(
        self,
        items: Iterable[Union[Tuple[ArtifactLike, BundleLike], Tuple[ArtifactLike, BundleLike, Optional[str]]]],
        index_domain: Optional[str],
    ) -> List[VerificationResult]:
        """Verifies ``(artifact, bundle[, name])`` items in one call on a small pool of native threads.

        Returns one result per item, in order; refusals are results with ``ok`` False (call
        ``raise_for_status()`` on each, or check ``all(results)``).
        """
        ffi = _ffi()
        items = list(items)
        if not items:
            return []
        keep: List[Any] = []
        reqs = (ffi.Request * len(items))()
        domain = _domain(index_domain)
        for i, item in enumerate(items):
            artifact, bundle = item[0], item[1]
            name = item[2] if len(item) > 2 else None
            b = _bundle_bytes(bundle)
            buf = ffi.c_char_p(b)
            keep.append((b, buf))
            reqs[i].artifact = _artifact(ffi, artifact, name, keep)
            reqs[i].bundle = ffi.ctypes.cast(buf, ffi.ctypes.c_void_p)
            reqs[i].bundle_len = len(b)
            reqs[i].index_domain = domain
        results = (ffi.ResultP * len(items))()
        self._lib.domainsig_verify_many(self._handle(), reqs, len(items), results)
        return [_take_result(self._lib, results[i]) for i in range(len(items))]

    def _handle(self) -> Any:
        if self._ptr is None:
            raise ValueError("the policy was closed")
        return self._ptr

    def close(self) -> None:
        """Frees the native policy now (otherwise when garbage-collected)."""
        ptr, self._ptr = getattr(self, "_ptr", None), None
        if ptr:
            self._lib.domainsig_policy_free(ptr)

    def __enter__(self) -> "Policy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def version() -> str:
    """The native library's version (loads the library)."""
    raw: bytes = _ffi().lib().domainsig_version()
    return raw.decode()


def status_name(status: int) -> str:
    """The native library's name for a status number (loads the library)."""
    raw: bytes = _ffi().lib().domainsig_status_name(status)
    return raw.decode()


__all__ = ("Policy", "VerificationResult", "version", "status_name")
