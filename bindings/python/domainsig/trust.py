"""Trust that stays fresh: Sigstore's TUF repository (or your own) updated through *your* network.

The library never opens a socket. :func:`update` runs the TUF client inside libdomainsig, which asks
Python for each file it needs; by default :func:`urllib_fetch` fetches it (honouring ``https_proxy``,
``no_proxy`` and the other proxy variables, like pip), or pass your own ``fetch(url, max_len)``
returning the bytes, or ``None`` for "not found" (HTTP 404/403). A policy then names the same
repository and cache (:func:`trusted_root`) and verifies with the trusted root that came out,
without fetching anything::

    from domainsig import Policy, trust
    trust.update()                                   # Sigstore public-good, default cache
    policy = Policy.from_dict({"version": 1, "trusted_root": trust.trusted_root(), ...})

Arguments follow one rule: text from the network is never taken for a path. ``repo`` is
``"public-good"``, ``"staging"`` or a URL (``https://``, ``http://``, ``file://``); a local
directory is an ``os.PathLike`` (``pathlib.Path``). ``root`` (a custom repository's bootstrap
``root.json``) is its content as ``bytes``/``str``, or an ``os.PathLike`` to read. ``cache`` is a
directory, ``str`` or ``os.PathLike``. The GIL is released while the native update runs; it is
taken again only to call ``fetch``.
"""

from __future__ import annotations

import os

from ._status import VerificationError, make_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Union

    #: ``fetch(url, max_len)``: the body (at most ``max_len`` bytes), or ``None`` when not found.
    Fetch = Callable[[str, int], Optional[bytes]]
    Repo = Union[str, "os.PathLike[str]"]
    Root = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"]
    Cache = Union[str, "os.PathLike[str]"]

_NAMED = ("public-good", "staging")
_SCHEMES = ("https://", "http://", "file://")
_FETCH_BYTES, _FETCH_NOT_FOUND, _FETCH_FAILED = 0, 1, 2
#: The library's limit on a TUF metadata file (src/limits.rs MAX_TUF_METADATA_BYTES), checked here
#: before parsing so that a huge ``root`` costs nothing.
_MAX_ROOT_BYTES = 1 << 20
_configured: Any = None


def _lib() -> Any:
    """``(library, callback type)`` with the trust functions' signatures declared (once)."""
    global _configured
    if _configured is not None:
        return _configured
    import ctypes

    from . import _ffi

    # Declaring the same signatures twice from two threads is harmless, so no lock is taken.
    so = _ffi.lib()
    status = ctypes.c_int
    fetch_fn = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p)
    so.domainsig_trust_update.argtypes = [ctypes.c_char_p, ctypes.c_size_t, fetch_fn, ctypes.c_void_p, ctypes.POINTER(_ffi.ResultP)]
    so.domainsig_trust_update.restype = status
    so.domainsig_trust_status.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(_ffi.ResultP)]
    so.domainsig_trust_status.restype = status
    so.domainsig_fetch_reply_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    so.domainsig_fetch_reply_set.restype = status
    so.domainsig_fetch_reply_fail.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    so.domainsig_fetch_reply_fail.restype = status
    _configured = (so, fetch_fn)
    return _configured


#: :func:`urllib_fetch` gives up on a file after this many seconds in all, however slowly its
#: bytes trickle in (the CLI's limit); read when each fetch starts.
FETCH_DEADLINE = 60.0
#: ... and after this many seconds without a byte.
_READ_TIMEOUT = 30.0


def urllib_fetch(url: str, max_len: int, deadline: Optional[float] = None) -> Optional[bytes]:
    """The default fetcher: ``urllib`` with the environment's proxies, at most ``max_len + 1``
    bytes read (so an endless body is cut off and refused by the library), and a deadline.

    The body must arrive within ``deadline`` seconds (:data:`FETCH_DEADLINE` when None) of the
    start, with no gap of more than 30 s: a server trickling bytes cannot hold an update open.
    A late one raises ``TimeoutError`` (the update then fails with ``TUF_FETCH``).
    """
    import time
    import urllib.error
    import urllib.request

    from . import _policy

    limit = FETCH_DEADLINE if deadline is None else float(deadline)
    end = time.monotonic() + limit
    request = urllib.request.Request(url, headers={"User-Agent": f"domainsig-python/{_policy.version()}"})
    try:
        with urllib.request.urlopen(request, timeout=min(_READ_TIMEOUT, limit)) as response:
            chunks: List[bytes] = []
            total = 0
            while total <= max_len:
                if time.monotonic() >= end:
                    raise TimeoutError(f"no complete answer within {limit:g} s ({total} bytes so far)")
                # read1 returns whatever one read brought, so the deadline is checked as bytes come.
                chunk = response.read1(min(1 << 16, max_len + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            return b"".join(chunks)
    except urllib.error.HTTPError as e:
        if e.code in (403, 404):  # TUF: the file does not exist (this ends the root chain)
            return None
        raise


def _host_fetch(fetch: Optional[Fetch], default: Fetch) -> Fetch:
    """The host's fetcher: ``fetch``, or ``default`` when it is None."""
    if fetch is None:
        return default
    if not callable(fetch):
        raise TypeError(f"fetch must be callable, not {type(fetch).__name__}")
    return fetch


class _Bridge:
    """A host ``fetch(url, max_len)`` as the library's fetch callback (``callback``), for every
    call that fetches through Python (a TUF update, a lock's verification).

    Nothing may escape a ctypes callback: every failure becomes a failed fetch with a reason, and
    what was raised is kept in ``raised`` for the caller to re-raise or chain.
    """

    def __init__(self, lib: Any, fetch_fn: Any, fetch: Fetch) -> None:
        self.raised: List[BaseException] = []
        self._lib = lib
        self._fetch = fetch
        self.callback = fetch_fn(self._call)

    def _call(self, _user: Any, url: bytes, max_len: int, reply: Any) -> int:
        try:
            body = self._fetch(url.decode("utf-8", "replace"), max_len)
            if body is None:
                return _FETCH_NOT_FOUND
            if not isinstance(body, (bytes, bytearray, memoryview)):
                raise TypeError(f"fetch must return bytes or None, not {type(body).__name__}")
            data = bytes(body)
            return _FETCH_BYTES if self._lib.domainsig_fetch_reply_set(reply, data, len(data)) == 0 else _FETCH_FAILED
        except BaseException as e:  # noqa: BLE001 - re-raised or chained by the caller
            self.raised.append(e)
            why = f"{type(e).__name__}: {e}".replace("\0", " ")
            self._lib.domainsig_fetch_reply_fail(reply, why.encode("utf-8", "replace"))
            return _FETCH_FAILED

    def caller_error(self) -> Optional[BaseException]:
        """What ``fetch`` raised that must reach the caller as it is: an interrupt, an exit, or
        ``fetch`` breaking its contract (returning neither bytes nor None)."""
        for e in self.raised:
            if isinstance(e, (KeyboardInterrupt, SystemExit)) or (isinstance(e, TypeError) and "fetch must return" in str(e)):
                return e
        return None


def _input_error(message: str, field: str) -> VerificationError:
    return make_error(1, {"status": "INVALID_ARGUMENT", "code": 1, "family": "input", "message": message, "field": field})


def trusted_root(repo: Repo = "public-good", root: Optional[Root] = None, cache: Optional[Cache] = None) -> Dict[str, Any]:
    """The ``{"tuf": ..., "cache": ...}`` value for a policy's ``trusted_root`` (and this module's
    configuration JSON): the same words every door takes."""
    if isinstance(repo, os.PathLike):
        location: Optional[str] = os.path.abspath(os.fspath(repo))
    elif isinstance(repo, str):
        if repo in _NAMED:
            location = None
        elif repo.startswith(_SCHEMES):
            location = repo
        else:
            raise _input_error(
                f"repo must be 'public-good', 'staging' or an https://, http:// or file:// URL, not {repo[:200]!r}; "
                "give a local directory as a pathlib.Path",
                "repo",
            )
    else:
        raise TypeError(f"repo must be str or os.PathLike, not {type(repo).__name__}")

    tuf: Any
    if location is None:
        if root is not None:
            raise _input_error(f"root is only for a custom repository; {repo} has its bootstrap root built in", "root")
        tuf = repo
    else:
        # root bootstraps the first update only: once the cache holds a verified state of this
        # repository, the library trusts that state (as python-tuf does), so root may be left out.
        tuf = {"repo": location} if root is None else {"repo": location, "root": _root(root)}

    out: Dict[str, Any] = {"tuf": tuf}
    if cache is not None:
        if not isinstance(cache, (str, os.PathLike)):
            raise TypeError(f"cache must be str or os.PathLike, not {type(cache).__name__}")
        out["cache"] = os.path.abspath(os.fspath(cache))
    return out


def _root(root: Root) -> Any:
    if isinstance(root, os.PathLike):
        return os.path.abspath(os.fspath(root))
    if isinstance(root, (bytes, bytearray, memoryview, str)):
        import json

        if len(root) > _MAX_ROOT_BYTES:
            message = f"root is {len(root)} long; a root.json is at most {_MAX_ROOT_BYTES} bytes"
            raise make_error(90, {"status": "LIMIT_EXCEEDED", "code": 90, "family": "internal", "message": message, "field": "root"})

        try:
            parsed = json.loads(bytes(root) if not isinstance(root, str) else root)
        except (ValueError, UnicodeDecodeError) as e:
            raise _input_error(f"root is not root.json content (JSON): {e}; give a file as a pathlib.Path", "root") from None
        if not isinstance(parsed, dict):
            raise _input_error(f"root must be a JSON object, not {type(parsed).__name__}", "root")
        return parsed
    raise TypeError(f"root must be bytes, str or os.PathLike, not {type(root).__name__}")


def _finish(lib: Any, out: Any) -> Dict[str, Any]:
    from ._policy import _take_result

    result = _take_result(lib, out)
    if not result.ok:
        raise make_error(result.status, result.details)
    report: Dict[str, Any] = result.details.get("report", {})
    return report


def update(
    repo: Repo = "public-good",
    root: Optional[Root] = None,
    cache: Optional[Cache] = None,
    fetch: Optional[Fetch] = None,
    *,
    search: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """Brings the cached copy of ``repo`` up to date, verifying every file (TUF 1.0 client workflow).

    ``search`` (``{"index": "pypi.org", "packages": [...], "ecosystem": "pypi" | "npm"}``) also
    looks these projects up in the index's publisher map (docs/publisher-map.md), fetching only
    the hashed bins their names fall in; names once searched are searched again by later updates
    (the 4,096 most recently asked for; docs/publisher-map.md).

    Returns the report (each role's version and expiry, each target with its SHA-256, what
    changed). Raises :class:`VerificationError` (``TUF_REFUSED``, ``TUF_EXPIRED``, ``TUF_FETCH``...)
    when the update is refused; the cache is then as it was. An exception raised by ``fetch`` is the
    error's ``__cause__``.
    """
    host = _host_fetch(fetch, urllib_fetch)
    where = trusted_root(repo, root, cache)
    if search is not None:
        if not isinstance(search, dict):
            raise TypeError(f"search must be a dict {{index, packages, ecosystem}}, not {type(search).__name__}")
        where["search"] = search  # the library checks every field
    config = _config_bytes(where)
    lib, fetch_fn = _lib()
    bridge = _Bridge(lib, fetch_fn, host)

    from ._ffi import ResultP
    import ctypes

    out = ResultP()
    lib.domainsig_trust_update(config, len(config), bridge.callback, None, ctypes.byref(out))
    try:
        return _finish(lib, out)
    except VerificationError as refused:
        own = bridge.caller_error()
        if own is not None:
            raise own from None
        if bridge.raised:
            raise refused from bridge.raised[0]
        raise


def status(repo: Repo = "public-good", root: Optional[Root] = None, cache: Optional[Cache] = None) -> Dict[str, Any]:
    """What the cache holds for ``repo`` (versions, expiries, targets), without fetching anything.

    Raises ``TUF_MISSING`` when nothing verified is cached yet.
    """
    config = _config_bytes(trusted_root(repo, root, cache))
    lib, _ = _lib()
    import ctypes

    from ._ffi import ResultP

    out = ResultP()
    lib.domainsig_trust_status(config, len(config), ctypes.byref(out))
    return _finish(lib, out)


def _config_bytes(config: Dict[str, Any]) -> bytes:
    import json

    return json.dumps(config).encode()


__all__ = ("update", "status", "trusted_root", "urllib_fetch")
