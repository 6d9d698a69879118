"""The trust-update door: a TUF repository served on 127.0.0.1 (a copy of tests/tuf/doors), fetched
by urllib or a custom callable while the native update runs, then a real bundle verified with the
trusted root that came out."""

import functools
import http.server
import pathlib
import shutil
import threading

import pytest

import domainsig
from conftest import HAPPY, ISSUER, REPO, SAN
from domainsig import trust


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    top = tmp_path_factory.mktemp("served")
    shutil.copytree(REPO / "tests" / "tuf" / "doors", top / "doors")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(top)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_address[1]}/doors", "dir": top / "doors", "root": top / "doors" / "1.root.json"}
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def no_proxy_for_loopback(monkeypatch):
    # urllib honours *_proxy variables; the test server is local whatever the machine's proxy is.
    monkeypatch.setenv("no_proxy", "127.0.0.1")


def policy_for(**where):
    return domainsig.Policy.from_dict(
        {
            "version": 1,
            "trusted_root": trust.trusted_root(**where),
            "identities": [{"issuer": ISSUER, "san": SAN}],
            "domains": {"mode": "ignore"},
            "subject": {"require_name": False},
        }
    )


def verify_happy(**where):
    artifact = (HAPPY / "artifact").read_bytes()
    return policy_for(**where).verify(artifact, (HAPPY / "bundle.sigstore.json").read_bytes(), "pypi.org")


def test_update_over_http_then_verify(served, tmp_path):
    where = {"repo": served["url"], "root": served["root"], "cache": tmp_path}
    with pytest.raises(domainsig.VerificationError) as e:
        verify_happy(**where)
    assert e.value.code == "TUF_MISSING"
    report = trust.update(**where)
    assert [t["name"] for t in report["targets"]] == ["trusted_root.json"]
    assert [(r["role"], r["version"]) for r in report["roles"]][:4] == [("root", 1), ("timestamp", 1), ("snapshot", 1), ("targets", 1)]
    assert trust.status(**where)["targets"] == report["targets"]
    assert verify_happy(**where).ok


def test_custom_fetch_runs_on_the_calling_thread(served, tmp_path):
    seen = []
    caller = threading.get_ident()

    def fetch(url, max_len):
        assert threading.get_ident() == caller and max_len > 0
        seen.append(url)
        return trust.urllib_fetch(url, max_len)

    trust.update(served["url"], served["root"].read_bytes(), tmp_path, fetch=fetch)
    assert any(u.endswith("/2.root.json") for u in seen), seen
    assert any(u.endswith(".trusted_root.json") for u in seen), seen


def test_failing_fetch_is_tuf_fetch_with_cause_and_cache_stays(served, tmp_path):
    where = {"repo": served["url"], "root": served["root"], "cache": tmp_path}
    trust.update(**where)
    before = trust.status(**where)
    boom = OSError("proxy said no")

    def failing(url, max_len):
        raise boom

    with pytest.raises(domainsig.VerificationError) as e:
        trust.update(**where, fetch=failing)
    assert e.value.code == "TUF_FETCH" and e.value.__cause__ is boom and "proxy said no" in e.value.message
    with pytest.raises(domainsig.VerificationError) as e:
        trust.update(**where, fetch=lambda url, n: b"x" * (n + 1))
    assert e.value.code == "TUF_FETCH"
    with pytest.raises(TypeError, match="fetch must return bytes or None"):
        trust.update(**where, fetch=lambda url, n: "text")
    assert trust.status(**where) == before
    assert verify_happy(**where).ok


def test_local_directory_needs_no_fetch(served, tmp_path):
    def never(url, max_len):
        raise AssertionError(url)

    report = trust.update(served["dir"], served["root"], tmp_path, fetch=never)
    assert len(report["targets"]) == 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"repo": 5}, "repo must be str or os.PathLike, not int"),
        ({"repo": "http://127.0.0.1:1/x", "root": 5}, "root must be bytes, str or os.PathLike, not int"),
        ({"repo": "http://127.0.0.1:1/x", "root": b"{}", "cache": 5}, "cache must be str or os.PathLike, not int"),
        ({"repo": "http://127.0.0.1:1/x", "root": b"{}", "fetch": 5}, "fetch must be callable, not int"),
    ],
)
def test_wrong_types_are_type_errors(kwargs, match):
    with pytest.raises(TypeError, match=match):
        trust.update(**kwargs)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"repo": "/etc"}, "repo"),  # a directory must be a pathlib.Path, never a str
        ({"repo": "http://127.0.0.1:1/x", "root": "/etc/passwd"}, "root"),  # str is content, not a path
        ({"repo": "http://127.0.0.1:1/x", "root": b"\xff" * 10}, "root"),
        ({"repo": "http://127.0.0.1:1/x", "root": "[1]"}, "root"),
        ({"repo": "public-good", "root": b"{}"}, "root"),
    ],
)
def test_bad_values_are_input_errors(kwargs, field):
    with pytest.raises(domainsig.InputError) as e:
        trust.update(**kwargs)
    assert e.value.code == "INVALID_ARGUMENT" and e.value.details["field"] == field


def test_huge_root_content_is_refused_before_parsing():
    with pytest.raises(domainsig.VerificationError) as e:
        trust.update("http://127.0.0.1:1/x", root=b"{" * (9 << 20))
    assert e.value.code == "LIMIT_EXCEEDED" and e.value.details["field"] == "root"


def test_status_of_an_empty_cache_is_tuf_missing(served, tmp_path):
    with pytest.raises(domainsig.InputError) as e:
        trust.status(served["url"], pathlib.Path(served["root"]), tmp_path)
    assert e.value.code == "TUF_MISSING"


def test_custom_repository_is_bootstrapped_once(served, tmp_path):
    without_root = {"repo": served["url"], "cache": tmp_path}
    with pytest.raises(domainsig.VerificationError) as e:
        trust.update(**without_root)
    assert e.value.code == "TUF_MISSING"
    with pytest.raises(domainsig.VerificationError) as e:
        verify_happy(**without_root)
    assert e.value.code == "TUF_MISSING"
    first = trust.update(**without_root, root=served["root"])
    again = trust.update(**without_root)
    assert again["targets"] == first["targets"]
    assert trust.status(**without_root)["targets"] == first["targets"]
    assert verify_happy(**without_root).ok


def test_search_fetches_the_asked_projects_of_a_publisher_map(tmp_path):
    fixture = REPO / "tests" / "tuf" / "publisher-map"
    report = trust.update(fixture, fixture / "1.root.json", tmp_path,
                          search={"index": "pypi.org", "packages": ["GitLab.OIDC_Project", "absent"]})
    assert report["asked"] == ["pypi.org/publishers/absent.json", "pypi.org/publishers/gitlab-oidc-project.json"]
    assert [t["name"] for t in report["targets"] if t["name"].startswith("pypi.org/publishers/")] == ["pypi.org/publishers/gitlab-oidc-project.json"]
    # Remembered: a later update without a search still searches them.
    assert trust.update(fixture, None, tmp_path)["asked"] == report["asked"]
    with pytest.raises(domainsig.VerificationError) as e:
        trust.update(fixture, None, tmp_path, search={"index": "pypi.org", "packages": ["x"], "extra": 1})
    assert e.value.code == "INVALID_ARGUMENT" and "search.extra" in str(e.value.details.get("field"))
    with pytest.raises(TypeError, match="search must be a dict"):
        trust.update(fixture, None, tmp_path, search=["x"])
