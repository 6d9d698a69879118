"""Policy and VerificationResult: the Python face of ``domainsig_policy_new`` / ``_verify_bundle``."""

from __future__ import annotations

import os
import stat

from ._status import STATUS, STATUS_NAME, VerificationError, make_error

# Importing domainsig stays cheap: typing, json and ctypes load only when first needed.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

    #: Bytes, a path (``str`` or ``os.PathLike``), or ``"sha256:<hex>"`` / ``"sha512:<hex>"``.
    ArtifactLike = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", "os.PathLike[bytes]"]
    #: The bundle's content (bytes, or ``str`` JSON text), or an ``os.PathLike`` naming its file.
    #: A ``str`` is never a path: text an index served must not choose a file to read.
    BundleLike = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", "os.PathLike[bytes]"]
    #: Policy JSON as text or bytes.
    PolicyText = Union[str, bytes, bytearray, memoryview]

_BYTES = (bytes, bytearray, memoryview)
#: A ``str`` artifact with one of these prefixes is a digest; any other ``str`` is a path.
_DIGEST_PREFIXES = ("sha256:", "sha384:", "sha512:")

# Mirrors src/limits.rs (tests/test_inputs.py checks): files are read at most limit + 1 bytes.
MAX_BUNDLE_BYTES = 8 << 20
#: The most items in one :meth:`Policy.verify_many` call (src/limits.rs ``MAX_BATCH``).
MAX_BATCH = 10_000


def _kind(value: object) -> str:
    return type(value).__name__


def _refusal(code: str, message: str, field: str) -> VerificationError:
    """The library's error for an unusable argument value, shaped like a native result."""
    status = STATUS[code]
    details = {"status": code, "code": status, "family": _family(status), "message": message, "field": field}
    return make_error(status, details)


def _family(status: int) -> str:
    if status <= 9:
        return "input"
    return "crypto" if status <= 29 else "identity" if status <= 39 else "domain" if status <= 49 else "internal"


def _c_string(value: Optional[str], field: str) -> Optional[bytes]:
    """A ``str`` argument as NUL-terminated UTF-8: refuses NULs (C would truncate) and lone surrogates."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{field} must be str or None, not {_kind(value)}")
    if "\0" in value:
        raise _refusal("INVALID_ARGUMENT", f"{field} contains a NUL character", field)
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _refusal("INVALID_ARGUMENT", f"{field} is not valid Unicode text ({e.reason})", field) from None


def read_bounded(path: Union[str, os.PathLike[str], os.PathLike[bytes]], limit: int, what: str, field: str) -> bytes:
    """Reads a caller-named file whole, never more than ``limit`` + 1 bytes (like ``limits::read_bounded``).

    ``/dev/zero``, a FIFO or a runaway file is refused as ``LIMIT_EXCEEDED``; any failure to open
    or read it is ``INPUT_UNREADABLE``; a NUL in the path is ``INVALID_ARGUMENT``.
    """
    shown = os.fsdecode(path)
    if len(shown) > 200:  # a caller may pass megabytes; the message need not repeat them
        shown = f"{shown[:200]}... ({len(shown)} characters)"
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(21, "expected a file, found a directory")
            size = st.st_size if stat.S_ISREG(st.st_mode) else None
            if size is not None and size > limit:
                raise _refusal("LIMIT_EXCEEDED", f"{what} {shown} is too large: at most {limit} bytes allowed, found {size}", field)
            data = f.read(limit + 1)
    except ValueError:
        raise _refusal("INVALID_ARGUMENT", f"{field} is not a usable path (it contains a NUL character)", field) from None
    except OSError as e:
        raise _refusal("INPUT_UNREADABLE", f"cannot read {what} {shown!r}: {e.strerror or e}", field) from None
    if len(data) > limit:
        raise _refusal("LIMIT_EXCEEDED", f"{what} {shown} is too large: at most {limit} bytes allowed, found more", field)
    return data


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
    def publisher(self) -> Optional[Dict[str, Any]]:
        """Who signed, as a PEP 740 publisher object (``{"kind": "GitHub", "repository": ...,
        "workflow": ...}``; ``{"kind": "Other", "issuer": ..., "san": ...}`` for any other
        identity), derived from the verified certificate; None when no certificate was verified.
        Pass it back as a pin (``"publishers"``) to accept exactly this signer."""
        p = self.details.get("publisher")
        return p if isinstance(p, dict) else None

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


def _artifact(ffi: ModuleType, artifact: ArtifactLike, name: Optional[str], keep: List[Any], field: str = "") -> Any:
    a = ffi.Artifact()
    what = f"{field}artifact"
    if isinstance(artifact, _BYTES):
        data = bytes(artifact)
        buf = ffi.c_char_p(data)
        keep.append((data, buf))
        a.data = ffi.ctypes.cast(buf, ffi.ctypes.c_void_p)
        a.len = len(data)
    elif isinstance(artifact, str) and artifact.startswith(_DIGEST_PREFIXES):
        a.digest = _c_string(artifact, what)
    elif isinstance(artifact, (str, os.PathLike)):
        path = os.fsencode(artifact)
        if b"\0" in path:
            raise _refusal("INVALID_ARGUMENT", f"{what} path contains a NUL character", what)
        a.path = path
    else:
        raise TypeError(f"{what} must be bytes, str (a path or 'sha256:<hex>') or os.PathLike, not {_kind(artifact)}")
    a.name = _c_string(name, f"{field}name")
    return a


def _bundle_bytes(bundle: BundleLike, field: str = "") -> bytes:
    """Bundle content: bytes as given, ``str`` as JSON text, a file only through ``os.PathLike``."""
    what = f"{field}bundle"
    if isinstance(bundle, _BYTES):
        return bytes(bundle)
    if isinstance(bundle, str):
        # Never a path. Lone surrogates pass through as invalid UTF-8, which the library refuses.
        return bundle.encode("utf-8", "surrogatepass")
    if isinstance(bundle, os.PathLike):
        return read_bounded(bundle, MAX_BUNDLE_BYTES, "bundle", what)
    raise TypeError(f"{what} must be bytes, str (JSON text) or os.PathLike (a file), not {_kind(bundle)}")


def _domain(index_domain: Optional[str]) -> Optional[bytes]:
    return _c_string(index_domain, "index_domain")


def _refused(e: VerificationError) -> VerificationResult:
    return VerificationResult(e.status, e.details)


class Policy:
    """A compiled policy: immutable, and safe to use from many threads at once.

    Build it once with :meth:`from_json` or :meth:`from_dict` and reuse it for every artifact.
    """

    __slots__ = ("_ptr", "_lib", "_lock", "_inflight", "_closing")
    _ptr: Any
    _lib: Any
    #: Guards the three fields below: verifications in flight hold the native policy alive.
    _lock: Any
    _inflight: int
    _closing: bool

    def __init__(self) -> None:
        raise TypeError("use Policy.from_json or Policy.from_dict")

    @classmethod
    def from_json(cls, text: PolicyText) -> "Policy":
        """Compiles policy JSON (``str`` or bytes; never a path: see :meth:`from_file`).

        Raises :class:`InputError` (``POLICY_INVALID``...) when it is wrong, ``TypeError`` for
        another type.
        """
        if isinstance(text, str):
            # Lone surrogates pass through as invalid UTF-8, which the library refuses.
            data = text.encode("utf-8", "surrogatepass")
        elif isinstance(text, _BYTES):
            data = bytes(text)
        else:
            raise TypeError(f"text must be str or bytes (policy JSON), not {_kind(text)}")
        ffi = _ffi()
        lib = ffi.lib()
        out = ffi.PolicyP()
        err = ffi.ResultP()
        status = lib.domainsig_policy_new(data, len(data), ffi.ctypes.byref(out), ffi.ctypes.byref(err))
        return cls._adopt(lib, status, out, err)

    @classmethod
    def _adopt(cls, lib: Any, status: int, out: Any, err: Any) -> "Policy":
        """Wraps what ``domainsig_policy_new`` or ``_from_file`` returned, or raises its refusal."""
        if status != 0:
            details = _take_result(lib, err).details if err else {}
            raise make_error(status, details)
        import threading

        self = object.__new__(cls)
        self._ptr = out
        self._lib = lib
        self._lock = threading.Lock()
        self._inflight = 0
        self._closing = False
        return self

    @classmethod
    def from_dict(cls, policy: Mapping[str, Any]) -> "Policy":
        """Compiles a policy given as a dict (the JSON object)."""
        import json
        from collections.abc import Mapping as AnyMapping

        if not isinstance(policy, AnyMapping):
            raise TypeError(f"policy must be a dict (the policy JSON object), not {_kind(policy)}")
        try:
            text = json.dumps(policy, allow_nan=False)
        except (TypeError, ValueError) as e:
            raise _refusal("POLICY_INVALID", f"policy is not JSON data: {e}", "policy") from None
        return cls.from_json(text)

    @classmethod
    def from_file(cls, path: Union[str, os.PathLike[str], os.PathLike[bytes]]) -> "Policy":
        """Compiles the policy JSON in a file (read by the library, at most 1 MiB).

        A relative ``trusted_root.path`` or key ``path`` in it resolves against the file's folder,
        as in the CLI, Node and the C ABI (``domainsig_policy_from_file``).
        Raises :class:`InputError` (``INPUT_UNREADABLE``, ``POLICY_INVALID``...) or
        :class:`LimitExceededError` (``LIMIT_EXCEEDED``, also an :class:`InputError`).
        """
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be str or os.PathLike, not {_kind(path)}")
        raw = os.fsencode(path)
        if b"\0" in raw:
            raise _refusal("INVALID_ARGUMENT", "path is not a usable path (it contains a NUL character)", "path")
        ffi = _ffi()
        lib = ffi.lib()
        out = ffi.PolicyP()
        err = ffi.ResultP()
        status = lib.domainsig_policy_from_file(raw, ffi.ctypes.byref(out), ffi.ctypes.byref(err))
        return cls._adopt(lib, status, out, err)

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
        """As :meth:`verify`, but returns a refusal as a result instead of raising it.

        A wrong type still raises ``TypeError``; an unusable value (an unreadable bundle file, a
        NUL in a string) is a refusal like any other.
        """
        ffi = _ffi()
        keep: List[Any] = []
        self._check_open()
        try:
            domain = _domain(index_domain)
            a = _artifact(ffi, artifact, name, keep)
            b = _bundle_bytes(bundle)
        except VerificationError as e:
            return _refused(e)
        out = ffi.ResultP()
        handle = self._acquire()
        try:
            self._lib.domainsig_verify_bundle(handle, ffi.ctypes.byref(a), b, len(b), domain, ffi.ctypes.byref(out))
        finally:
            self._release()
        return _take_result(self._lib, out)

    def verify_many(
        self,
        items: Iterable[Union[Tuple[ArtifactLike, BundleLike], Tuple[ArtifactLike, BundleLike, Optional[str]]]],
        index_domain: Optional[str],
    ) -> List[VerificationResult]:
        """Verifies ``(artifact, bundle[, name])`` items in one call on a small pool of native threads.

        Returns one result per item, in order; refusals are results with ``ok`` False (call
        ``raise_for_status()`` on each, or check ``all(results)``). An item with an unusable value
        (an unreadable bundle file, a NUL in its name) is such a refusal; a wrong type raises
        ``TypeError`` naming the item (``items[3]: bundle must be ...``).

        At most :data:`MAX_BATCH` (10,000) items: every result is held until the call returns, so
        a larger batch raises :class:`LimitExceededError` (``LIMIT_EXCEEDED``) before anything is
        verified; verify a larger set in several calls.
        """
        import itertools

        ffi = _ffi()
        self._check_open()
        domain = _domain(index_domain)
        # One past the limit is enough to refuse: an endless iterable must not fill memory first.
        items = list(itertools.islice(items, MAX_BATCH + 1))
        if len(items) > MAX_BATCH:
            raise _refusal("LIMIT_EXCEEDED", f"items: at most {MAX_BATCH} items in one batch, found more; verify them in several batches", "items")
        keep: List[Any] = []
        answers: List[Optional[VerificationResult]] = [None] * len(items)
        native: List[Tuple[int, Any, bytes]] = []
        for i, item in enumerate(items):
            where = f"items[{i}]: "
            if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
                raise TypeError(f"items[{i}] must be a tuple (artifact, bundle[, name]), not {_kind(item)}")
            try:
                a = _artifact(ffi, item[0], item[2] if len(item) > 2 else None, keep, where)
                b = _bundle_bytes(item[1], where)
            except VerificationError as e:
                answers[i] = _refused(e)
                continue
            native.append((i, a, b))
        if native:
            reqs = (ffi.Request * len(native))()
            for j, (_, a, b) in enumerate(native):
                buf = ffi.c_char_p(b)
                keep.append((b, buf))
                reqs[j].artifact = a
                reqs[j].bundle = ffi.ctypes.cast(buf, ffi.ctypes.c_void_p)
                reqs[j].bundle_len = len(b)
                reqs[j].index_domain = domain
            results = (ffi.ResultP * len(native))()
            handle = self._acquire()
            try:
                self._lib.domainsig_verify_many(handle, reqs, len(native), results)
            finally:
                self._release()
            for j, (i, _, _) in enumerate(native):
                answers[i] = _take_result(self._lib, results[j])
        return [r for r in answers if r is not None]

    def judge_unattested(self, name: str, index_domain: Optional[str]) -> List[str]:
        """Judges a file that has NO attestation (its index serves none, a direct URL): returns the
        warnings to show when nothing asks for provenance of its package, so it may be installed;
        raises :class:`VerificationError` otherwise, ``ATTESTATION_MISSING`` with a message naming
        every voice that asks and what it said (``domains.mode`` ``require``, ``identities``,
        ``publishers``, ``keys``, ``min_age``, ``packages[P]``, a publisher map that governs
        ``index_domain`` and names publishers for the package, or, when none of these speaks,
        ``first_sight`` off), ``TUF_MISSING`` when such a map never searched for the package.

        ``name`` is a file name or purl as in :meth:`verify`, or a bare PyPI project name;
        ``index_domain`` is where the file was fetched from, ``None`` for a file no index listed
        (every map then governs it). The one rule of ``domainsig_policy_judge_unattested``.
        """
        ffi = _ffi()
        self._check_open()
        if not isinstance(name, str):
            raise TypeError(f"name must be str, not {_kind(name)}")
        raw_name = _c_string(name, "name")
        domain = _domain(index_domain)
        out = ffi.ResultP()
        handle = self._acquire()
        try:
            self._lib.domainsig_policy_judge_unattested(handle, raw_name, domain, ffi.ctypes.byref(out))
        finally:
            self._release()
        result = _take_result(self._lib, out).raise_for_status()
        warnings = result.details.get("warnings", [])
        return [str(w) for w in warnings] if isinstance(warnings, list) else []

    def _check_open(self) -> None:
        if self._closing:
            raise ValueError("the policy was closed")

    def _acquire(self) -> Any:
        """The native policy, counted as in use until :meth:`_release` (``close`` waits for it)."""
        with self._lock:
            if self._closing or not self._ptr:
                raise ValueError("the policy was closed")
            self._inflight += 1
            return self._ptr

    def _release(self) -> None:
        with self._lock:
            self._inflight -= 1
            ptr = self._detach_if_idle()
        if ptr:
            self._lib.domainsig_policy_free(ptr)

    def _detach_if_idle(self) -> Any:
        """Under the lock: the native policy to free, once closed and no call is using it."""
        if self._closing and self._inflight == 0 and self._ptr:
            ptr, self._ptr = self._ptr, None
            return ptr
        return None

    def close(self) -> None:
        """Frees the native policy (otherwise when garbage-collected).

        Safe while other threads verify with it: later calls raise ``ValueError``, calls already
        running finish with the policy they started with, and the last of them frees it.
        """
        lock = getattr(self, "_lock", None)
        if lock is None:  # never fully built
            return
        with lock:
            self._closing = True
            ptr = self._detach_if_idle()
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
