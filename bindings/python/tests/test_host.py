"""What the host does while verification runs cannot change a verdict or crash the process.

Issue 23: ``close()`` while other threads verify, artifact paths that never end, batches without
bound. Issue 16.4: a policy file means the same whatever the working directory. Issue 21.5: the
default fetcher has a deadline.
"""

import http.server
import os
import shutil
import subprocess
import sys
import textwrap
import threading

import pytest

import domainsig
from domainsig import trust
from conftest import REPO, VECTORS

CASE = VECTORS / "pypi-attestations--rfc8785-0.1.2-whl-attestation"
NAME = "rfc8785-0.1.2-py3-none-any.whl"
INDEX = "test.pypi.org"
WHEEL = (CASE / "artifact").read_bytes()
BUNDLE = (CASE / "attestation.json").read_bytes()
POLICY = {
    "version": 1,
    "trusted_root": "staging",
    "identities": [{"issuer": "https://github.com/login/oauth", "san": "william@yossarian.net"}],
    "domains": {"mode": "warn"},
}


def test_close_while_eight_threads_verify_never_changes_a_verdict():
    wrong = []
    for _ in range(12):
        policy = domainsig.Policy.from_dict(POLICY)
        started = threading.Barrier(9)
        done_once = threading.Semaphore(0)

        def worker(i):
            started.wait()
            first = True
            while True:
                try:
                    if i % 2:
                        r = policy.check(WHEEL, BUNDLE, INDEX, NAME)
                    else:
                        [r] = policy.verify_many([(WHEEL, BUNDLE, NAME)], INDEX)
                except ValueError as e:
                    if "closed" not in str(e):
                        wrong.append(repr(e))
                    return
                except BaseException as e:  # a read of freed memory: UnicodeDecodeError and worse
                    wrong.append(repr(e))
                    return
                if not r.ok:
                    wrong.append(f"{r.code}: {r.details.get('message')}")
                if first:
                    done_once.release()
                    first = False

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        started.wait()
        for _ in threads:
            done_once.acquire()  # every thread has verified once and is verifying again
        policy.close()
        for t in threads:
            t.join()
        assert policy._ptr is None, "the last call out frees the native policy"
        with pytest.raises(ValueError, match="closed"):
            policy.check(WHEEL, BUNDLE, INDEX, NAME)
        policy.close()  # twice is harmless
    assert not wrong, wrong[:5]


ENDLESS_ARTIFACT = textwrap.dedent(
    """
    import sys, domainsig
    policy = domainsig.Policy.from_dict({policy!r})
    bundle = open({bundle!r}, "rb").read()
    for path in sys.argv[1:]:
        r = policy.check(path, bundle, {index!r}, {name!r})
        [m] = policy.verify_many([(path, bundle, {name!r})], {index!r})
        print(r.code, m.code, r.details["message"])
    """
)


def test_an_artifact_path_that_never_ends_is_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code = ENDLESS_ARTIFACT.format(policy=POLICY, bundle=str(CASE / "attestation.json"), index=INDEX, name=NAME)
    # A child, so that the old behaviour (reading /dev/zero for ever) fails this test instead of hanging it.
    r = subprocess.run([sys.executable, "-c", code, "/dev/zero", str(fifo)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2, r.stdout
    assert lines[0].startswith("ARTIFACT_UNREADABLE ARTIFACT_UNREADABLE") and "character device" in lines[0]
    assert lines[1].startswith("ARTIFACT_UNREADABLE ARTIFACT_UNREADABLE") and "FIFO" in lines[1]


def test_verify_many_refuses_a_batch_past_the_limit_before_reading_it_all():
    import re

    text = (REPO / "src" / "limits.rs").read_text()
    limit = int(re.search(r"pub const MAX_BATCH: usize = ([\d_]+);", text).group(1).replace("_", ""))
    assert domainsig._policy.MAX_BATCH == limit
    policy = domainsig.Policy.from_dict(POLICY)
    pulled = 0

    def endless():
        nonlocal pulled
        while True:
            pulled += 1
            yield ("sha256:" + "0" * 64, b"{}")

    with pytest.raises(domainsig.LimitExceededError) as e:
        policy.verify_many(endless(), INDEX)
    assert e.value.details["field"] == "items"
    assert pulled == limit + 1
    assert len(policy.verify_many([("sha256:" + "0" * 64, b"{}")] * limit, INDEX)) == limit


def test_from_file_resolves_paths_against_the_policy_file(tmp_path, monkeypatch):
    conf = tmp_path / "conf"
    conf.mkdir()
    shutil.copy(VECTORS / "_roots" / "public-good-staging.trusted_root.json", conf / "root.json")
    text = '{"version": 1, "trusted_root": {"path": "root.json"}, "domains": {"mode": "warn"},'
    text += ' "identities": [{"issuer": "https://github.com/login/oauth", "san": "william@yossarian.net"}]}'
    (conf / "policy.json").write_text(text)
    monkeypatch.chdir(tmp_path)  # root.json is next to the policy, not here
    assert domainsig.Policy.from_file(conf / "policy.json").verify(WHEEL, BUNDLE, INDEX, NAME).ok
    assert domainsig.Policy.from_file("conf/policy.json").verify(WHEEL, BUNDLE, INDEX, NAME).ok
    with pytest.raises(domainsig.InputError) as e:
        domainsig.Policy.from_json(text)  # from memory: against the working directory, as documented
    assert e.value.code == "INPUT_UNREADABLE"
    with pytest.raises(domainsig.LimitExceededError):
        domainsig.Policy.from_file("/dev/zero")


class _Trickle(http.server.BaseHTTPRequestHandler):
    """Announces 40 bytes and sends one every quarter second (10 s in all)."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "40")
        self.end_headers()
        stop = threading.Event()
        for _ in range(40):
            try:
                self.wfile.write(b"x")
                self.wfile.flush()
            except OSError:
                return  # the client gave up, as it should
            if stop.wait(0.25) or self.server.closing.is_set():
                return

    def log_message(self, *args):
        pass


def test_the_default_fetcher_gives_up_at_its_deadline():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.closing = threading.Event()
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/timestamp.json"
    try:
        # The whole body would take 10 s; a 1 s deadline must end the fetch first.
        with pytest.raises(TimeoutError, match="within 1 s"):
            trust.urllib_fetch(url, 1 << 20, deadline=1.0)
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()
    assert trust.FETCH_DEADLINE == 60.0


def test_an_update_through_the_default_fetcher_ends_at_the_deadline(tmp_path, monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.closing = threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(trust, "FETCH_DEADLINE", 1.0)
    try:
        with pytest.raises(domainsig.VerificationError) as e:
            trust.update(
                f"http://127.0.0.1:{server.server_address[1]}/doors",
                root=REPO / "tests" / "tuf" / "doors" / "1.root.json",
                cache=tmp_path / "cache",
            )
    finally:
        server.closing.set()
        server.shutdown()
        server.server_close()
    assert e.value.code == "TUF_FETCH", e.value.details
    assert isinstance(e.value.__cause__, TimeoutError)
