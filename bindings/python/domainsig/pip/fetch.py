"""Bounded HTTP reads for the pip gate: one budget of bytes and one deadline for a whole gate run.

Everything an index serves is hostile, including how much it sends and how slowly. A body is hashed
while it streams (to a file or, for small documents, to memory under a per-document limit); the run
stops at the first byte over the total cap or the first read after the deadline. Memory does not
grow with the size of a body: files go to disk in 64 KiB reads.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
import urllib.error
import urllib.request
from typing import BinaryIO, Dict, Optional, Tuple

#: The longest a single read may wait for a byte (a stalled server fails this read).
READ_TIMEOUT = 60.0
#: Defaults for a whole gate run; ``DOMAINSIG_GATE_MAX_BYTES`` and ``DOMAINSIG_GATE_DEADLINE``
#: (seconds) override them. 8 GiB: a GPU framework with its CUDA wheels is several GiB.
DEFAULT_MAX_BYTES = 8 << 30
DEFAULT_DEADLINE = 3600.0
#: Downloads in flight at once.
PARALLEL = 4
_CHUNK = 64 << 10


class FetchError(Exception):
    """A download failed, or went over the run's byte cap or deadline."""


class Budget:
    """The bytes and the time one gate run may spend on the network, shared by its threads."""

    def __init__(self, max_bytes: Optional[int] = None, deadline: Optional[float] = None) -> None:
        self.max_bytes = max_bytes if max_bytes is not None else _env_int("DOMAINSIG_GATE_MAX_BYTES", DEFAULT_MAX_BYTES)
        seconds = deadline if deadline is not None else _env_float("DOMAINSIG_GATE_DEADLINE", DEFAULT_DEADLINE)
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.used = 0
        self._lock = threading.Lock()

    def remaining(self, url: str) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise FetchError(f"{url}: the gate's deadline of {self.seconds:g} s passed (DOMAINSIG_GATE_DEADLINE)")
        return left

    def spend(self, url: str, n: int) -> None:
        with self._lock:
            self.used += n
            if self.used > self.max_bytes:
                raise FetchError(
                    f"{url}: the gate's downloads exceed {self.max_bytes} bytes in total (DOMAINSIG_GATE_MAX_BYTES)"
                )


def _env_int(name: str, default: int) -> int:
    v = os.environ.get(name)
    return int(v) if v and v.isdigit() and int(v) > 0 else default


def _env_float(name: str, default: float) -> float:
    try:
        v = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return v if v > 0 else default


class NotFound(FetchError):
    """The server answered with one of the statuses the caller reads as "no such file"."""


def _stream(budget: Budget, url: str, out: BinaryIO, limit: int, headers: Dict[str, str],
            missing: Tuple[int, ...] = ()) -> Tuple[str, str]:
    """Copies ``url`` to ``out``; returns (sha256 hex, Content-Type). A status in ``missing``
    raises :class:`NotFound`."""
    h = hashlib.sha256()
    req = urllib.request.Request(url, headers=headers)
    size = 0
    try:
        with urllib.request.urlopen(req, timeout=min(READ_TIMEOUT, budget.remaining(url))) as resp:
            ctype: str = resp.headers.get("Content-Type", "")
            while True:
                budget.remaining(url)
                # read1: at most one read of the socket, so the deadline is checked between reads
                # of a server that trickles.
                chunk = resp.read1(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                budget.spend(url, len(chunk))
                if size > limit:
                    raise FetchError(f"{url}: larger than {limit} bytes")
                h.update(chunk)
                out.write(chunk)
    except FetchError:
        raise
    except urllib.error.HTTPError as e:
        if e.code in missing:
            raise NotFound(f"{url}: HTTP {e.code}") from None
        raise FetchError(f"{url}: {e}") from None
    except (OSError, ValueError) as e:  # URLError, HTTPError, timeouts, resets, bad URLs
        raise FetchError(f"{url}: {e}") from None
    return h.hexdigest(), ctype


def read(budget: Budget, url: str, limit: int, accept: Optional[str] = None) -> Tuple[bytes, str]:
    """A small document (a listing, a provenance object) into memory, at most ``limit`` bytes."""
    buf = io.BytesIO()
    _, ctype = _stream(budget, url, buf, limit, {"Accept": accept} if accept else {})
    return buf.getvalue(), ctype


def read_tuf(budget: Budget, url: str, max_len: int) -> Optional[bytes]:
    """A TUF file for :func:`domainsig.trust.update` (its ``fetch(url, max_len)``), under the run's
    budget and deadline like every other download: 404 or 403 is "not found" (``None``), as TUF
    reads them; a body over ``max_len`` fails the fetch (the update is then refused, ``TUF_FETCH``)."""
    buf = io.BytesIO()
    try:
        _stream(budget, url, buf, max_len, {}, missing=(403, 404))
    except NotFound:
        return None
    return buf.getvalue()


def download(budget: Budget, url: str, dest: str) -> str:
    """A file to ``dest``, hashed as it streams; returns its sha256 (hex)."""
    with open(dest, "wb") as f:
        digest, _ = _stream(budget, url, f, budget.max_bytes, {})
    return digest
