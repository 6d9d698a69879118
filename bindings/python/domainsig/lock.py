"""Verify a lockfile, whoever installs it: every artifact a pylock.toml, package-lock.json or
pnpm-lock.yaml pins is proven signed, for its index, by the digest the lock pins.

The same verification as ``domainsig verify-lock`` (it runs in libdomainsig). The library never
opens a socket: each attestation it needs is fetched by Python, with :func:`urllib_fetch` by
default (honouring the proxy variables, like pip) or your own ``fetch(url, max_len)`` returning the
bytes, or ``None`` for "not found"::

    from domainsig import Policy, lock
    report = lock.verify("pylock.toml", Policy.from_file("policy.json"))
    if not report["ok"]:
        raise SystemExit(1)

``report`` is ``{"lockfile", "ok", "verified", "unattested", "refused", "listed", "entries": [...]}``
with one object per entry (name, version, file, index, verdict, status, code, message, publisher).
A lockfile that cannot be read raises :class:`~domainsig.VerificationError` (``LOCK_INVALID``,
``LIMIT_EXCEEDED``); refused entries do not raise: they are in the report, ``ok`` is false.
"""

from __future__ import annotations

import json
import os

from ._status import make_error
from .trust import _Bridge, _host_fetch
from .trust import _lib as _trust_lib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Union

    from ._policy import Policy

    Fetch = Callable[[str, int], Optional[bytes]]

#: The Accept header every lock request sends (src/lock/mod.rs ACCEPT): PEP 691 JSON pages, the
#: Integrity API, npm's attestations document.
ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.integrity.v1+json, application/json;q=0.9"
#: The library's lockfile limit (src/limits.rs MAX_LOCK_BYTES), checked before reading on.
MAX_LOCK_BYTES = 32 << 20
_configured: Any = None


def _lib() -> Any:
    global _configured
    if _configured is None:
        import ctypes

        from . import _ffi

        so, fetch_fn = _trust_lib()
        so.domainsig_lock_verify.argtypes = [
            _ffi.PolicyP, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
            fetch_fn, ctypes.c_void_p, ctypes.POINTER(_ffi.ResultP),
        ]
        so.domainsig_lock_verify.restype = ctypes.c_int
        _configured = (so, fetch_fn)
    return _configured


def urllib_fetch(url: str, max_len: int) -> Optional[bytes]:
    """The default fetcher: ``urllib`` with the environment's proxies, JSON asked for, a 30 s
    timeout, at most ``max_len + 1`` bytes read; HTTP 404, 403 and 410 are "not found"."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body: bytes = response.read(max_len + 1)
            return body
    except urllib.error.HTTPError as e:
        if e.code in (403, 404, 410):
            return None
        raise


def verify(
    lockfile: Union[str, "os.PathLike[str]"],
    policy: "Policy",
    index_url: Optional[str] = None,
    registry: Optional[str] = None,
    fetch: Optional[Fetch] = None,
    jobs: int = 0,
) -> Dict[str, Any]:
    """Verifies every artifact ``lockfile`` pins under ``policy`` and returns the report.

    ``index_url`` serves pylock entries without ``packages.index`` (default PyPI); ``registry``
    is the npm registry (default npm's, or the ``.npmrc`` beside the lockfile). A
    package-lock.json's ``domainsig-publishers.json`` beside it (the npm gate's trust file) pins
    its recorded packages. ``jobs`` bounds the verification threads (0: one per core); fetches run
    one at a time on this thread.
    """
    host = _host_fetch(fetch, urllib_fetch)
    path = os.fspath(lockfile)
    with open(path, "rb") as f:
        data = f.read(MAX_LOCK_BYTES + 1)
    options: Dict[str, Any] = {"file_name": os.path.basename(path), "jobs": int(jobs)}
    if index_url is not None:
        options["index_url"] = index_url
    if registry is not None:
        options["registry"] = registry
    npmrc = os.path.join(os.path.dirname(os.path.abspath(path)), ".npmrc")
    if os.path.isfile(npmrc):
        with open(npmrc, "rb") as f:
            options["npmrc"] = f.read(1 << 20).decode("utf-8", "replace")
    # The npm gate's trust file beside a package-lock.json: its recorded publishers are pins
    # (docs/lock.md). One byte over the library's bound, so an oversized file is LIMIT_EXCEEDED.
    trust = os.path.join(os.path.dirname(os.path.abspath(path)), "domainsig-publishers.json")
    if options["file_name"] in ("package-lock.json", "npm-shrinkwrap.json") and os.path.isfile(trust):
        with open(trust, "rb") as f:
            options["trust_file"] = f.read((16 << 20) + 1).decode("utf-8", "replace")
    opts = json.dumps(options).encode()
    lib, fetch_fn = _lib()
    bridge = _Bridge(lib, fetch_fn, host)

    import ctypes

    from ._ffi import ResultP
    from ._policy import _take_result

    out = ResultP()
    # Counted as in use, so a `close()` from another thread waits for this call (Policy._acquire).
    handle = policy._acquire()
    try:
        lib.domainsig_lock_verify(handle, data, len(data), opts, len(opts), bridge.callback, None, ctypes.byref(out))
    finally:
        policy._release()
    own = bridge.caller_error()
    if own is not None:
        raise own
    result = _take_result(lib, out)
    report = result.details.get("report")
    if not isinstance(report, dict):
        raise make_error(result.status, result.details)
    return report


__all__ = ("verify", "urllib_fetch", "ACCEPT")
