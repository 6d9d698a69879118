"""The ctypes view of libdomainsig's C ABI (include/domainsig.h). Loaded on first use only."""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from typing import Optional

c_char_p = ctypes.c_char_p
c_size_t = ctypes.c_size_t
c_uint8_p = ctypes.POINTER(ctypes.c_uint8)


class Policy(ctypes.Structure):
    """Opaque ``domainsig_policy``."""


class Result(ctypes.Structure):
    """Opaque ``domainsig_result``."""


PolicyP = ctypes.POINTER(Policy)
ResultP = ctypes.POINTER(Result)


class Artifact(ctypes.Structure):
    """``domainsig_artifact``: exactly one of data/len, path or digest; name optional."""

    _fields_ = [
        ("data", ctypes.c_void_p),
        ("len", c_size_t),
        ("path", c_char_p),
        ("digest", c_char_p),
        ("name", c_char_p),
    ]


class Request(ctypes.Structure):
    """``domainsig_request``: one item of a batch."""

    _fields_ = [
        ("artifact", Artifact),
        ("bundle", ctypes.c_void_p),
        ("bundle_len", c_size_t),
        ("index_domain", c_char_p),
    ]


_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None


def _find() -> str:
    explicit = os.environ.get("DOMAINSIG_LIBRARY")
    if explicit:
        return explicit
    here = os.path.dirname(os.path.abspath(__file__))
    for pattern in ("_native*.so", "_native*.dylib", "_native*.pyd", "libdomainsig.so*"):
        found = sorted(glob.glob(os.path.join(here, pattern)))
        if found:
            return found[0]
    raise ImportError(
        "libdomainsig was not found inside the domainsig package; reinstall it with "
        "`pip install ./bindings/python` or set DOMAINSIG_LIBRARY to the shared library"
    )


def lib() -> ctypes.CDLL:
    """The loaded library, with argument and return types declared (loaded once, thread-safe)."""
    global _lib
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            so = ctypes.CDLL(_find())
            status = ctypes.c_int
            so.domainsig_policy_new.argtypes = [ctypes.c_void_p, c_size_t, ctypes.POINTER(PolicyP), ctypes.POINTER(ResultP)]
            so.domainsig_policy_new.restype = status
            so.domainsig_policy_from_file.argtypes = [c_char_p, ctypes.POINTER(PolicyP), ctypes.POINTER(ResultP)]
            so.domainsig_policy_from_file.restype = status
            so.domainsig_policy_free.argtypes = [PolicyP]
            so.domainsig_policy_free.restype = None
            so.domainsig_verify_bundle.argtypes = [
                PolicyP,
                ctypes.POINTER(Artifact),
                ctypes.c_void_p,
                c_size_t,
                c_char_p,
                ctypes.POINTER(ResultP),
            ]
            so.domainsig_verify_bundle.restype = status
            so.domainsig_policy_judge_unattested.argtypes = [PolicyP, c_char_p, c_char_p, ctypes.POINTER(ResultP)]
            so.domainsig_policy_judge_unattested.restype = status
            so.domainsig_verify_many.argtypes = [PolicyP, ctypes.POINTER(Request), c_size_t, ctypes.POINTER(ResultP)]
            so.domainsig_verify_many.restype = status
            so.domainsig_result_status.argtypes = [ResultP]
            so.domainsig_result_status.restype = status
            so.domainsig_result_json.argtypes = [ResultP]
            so.domainsig_result_json.restype = c_char_p
            so.domainsig_result_free.argtypes = [ResultP]
            so.domainsig_result_free.restype = None
            so.domainsig_status_name.argtypes = [ctypes.c_int]
            so.domainsig_status_name.restype = c_char_p
            so.domainsig_version.argtypes = []
            so.domainsig_version.restype = c_char_p
            _lib = so
    return _lib
