"""End to end: the real pip 26 `lock`, then `install -r pylock.toml`, both through
``python -m domainsig.pip``, against a PEP 691/PEP 740 index served by this test on 127.0.0.1, with
real distributions and their real attestations from tests/vectors: the rfc8785 wheel (staging,
signed by an e-mail identity) and the gitlab_oidc_project sdist (production, GitLab Trusted
Publisher facutuesca/gitlab-oidc-project)."""

import hashlib
import os
import re
import subprocess
import sys

import pytest

from pip_index import (ABSENT, GITLAB, GITLAB_PUBLISHER, RFC8785, RFC8785_SIGNER, SDIST, WHEEL, environ,  # noqa: F401
                       identities_in, install, lock, provenance, refused, rfc8785, serve, warn_policy)


def test_lock_records_the_proven_identity_and_the_lock_installs(tmp_path, serve):
    index = serve(rfc8785())
    r = lock(tmp_path, index, warn_policy(), "rfc8785==0.1.2")
    assert r.returncode == 0, r.stderr
    assert "first sight, trusted on first use" in r.stderr and "recorded" in r.stderr
    assert identities_in(tmp_path / "pylock.toml") == [[RFC8785_SIGNER]]
    # Everything else is exactly what pip wrote.
    plain = subprocess.run([sys.executable, "-m", "pip", "lock", "--index-url", index.url, "-o", "plain.toml", "rfc8785==0.1.2"],
                           capture_output=True, text=True, env=environ(), cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    ours = (tmp_path / "pylock.toml").read_text()
    block = ('\n[[packages.attestation-identities]]\nkind = "Other"\nissuer = "https://github.com/login/oauth"\n'
             'san = "william@yossarian.net"\n')
    assert block in ours
    assert ours.replace(block, "") == (tmp_path / "plain.toml").read_text()

    r, installed = install(tmp_path, index, warn_policy())
    assert r.returncode == 0, r.stderr
    assert "rfc8785" in installed and "rfc8785-0.1.2.dist-info" in installed


def test_a_lock_identity_edited_to_another_signer_is_refused_naming_both(tmp_path, serve):
    index = serve(rfc8785())
    assert lock(tmp_path, index, warn_policy(), "rfc8785==0.1.2").returncode == 0
    path = tmp_path / "pylock.toml"
    path.write_text(path.read_text().replace('san = "william@yossarian.net"', 'san = "mallory@example.com"'))
    refused(*install(tmp_path, index, warn_policy()), "IDENTITY_MISMATCH", "pylock.toml", "mallory@example.com", "william@yossarian.net")


def test_a_locked_package_whose_index_now_serves_no_provenance_is_refused(tmp_path, serve):
    index = serve(rfc8785())
    assert lock(tmp_path, index, warn_policy(), "rfc8785==0.1.2").returncode == 0
    for prov in (None, ABSENT):
        index.projects["rfc8785"][WHEEL][1] = prov
        refused(*install(tmp_path, index, warn_policy(), target=f"t{prov is None}"), "downgrade", "william@yossarian.net")
    # The same lock without its identities: the policy alone (warn, no signer) lets it through.
    path = tmp_path / "pylock.toml"
    path.write_text(re.sub(r"\n\[\[packages\.attestation-identities\]\]\n(\w+ = .*\n)+", "", path.read_text()))
    r, installed = install(tmp_path, index, warn_policy(), target="unpinned")
    assert r.returncode == 0 and "rfc8785" in installed, r.stderr
    assert "WITHOUT provenance" in r.stderr


def test_a_file_other_than_the_locked_hash_is_refused(tmp_path, serve):
    index = serve(rfc8785())
    assert lock(tmp_path, index, warn_policy(), "rfc8785==0.1.2").returncode == 0
    index.projects["rfc8785"][WHEEL][0] = (RFC8785 / "artifact").read_bytes() + b"\0"
    refused(*install(tmp_path, index, warn_policy()), "the lock says")


def test_packages_index_is_where_the_file_is_judged(tmp_path, serve):
    # The lock names index B (`packages.index`); pip's configured index A lists the file and its
    # provenance. The gate asks B only, which does not list the file the lock's URL names: the
    # locked publisher is not met there.
    a = serve(rfc8785())
    b = serve(rfc8785(prov=ABSENT))
    assert lock(tmp_path, a, warn_policy(), "rfc8785==0.1.2").returncode == 0
    path = tmp_path / "pylock.toml"
    text = path.read_text()
    path.write_text(text.replace('version = "0.1.2"\n', f'version = "0.1.2"\nindex = "{b.url}"\n', 1))
    refused(*install(tmp_path, a, warn_policy()), "no index the gate searched lists this file", "downgrade")
    # Naming A there, it passes: the same file, the same configured index.
    path.write_text(text.replace('version = "0.1.2"\n', f'version = "0.1.2"\nindex = "{a.url}"\n', 1))
    r, installed = install(tmp_path, b, warn_policy(), "t2")
    assert r.returncode == 0 and "rfc8785" in installed, r.stderr


def test_a_hand_written_lock_with_inline_wheels_and_identities(tmp_path, serve):
    # Another locker's layout (inline `wheels`, `index`, identities written by hand): any
    # pylock.toml is read the same way.
    index = serve(rfc8785())
    data = (RFC8785 / "artifact").read_bytes()
    lock_text = f"""lock-version = "1.0"
created-by = "some-other-locker"
requires-python = ">=3.9"

[[packages]]
name = "rfc8785"
version = "0.1.2"
index = "{index.url}"
wheels = [{{ name = "{WHEEL}", url = "http://127.0.0.1:{index.port}/files/{WHEEL}", hashes = {{ sha256 = "{hashlib.sha256(data).hexdigest()}" }} }}]
attestation-identities = [{{ kind = "Other", issuer = "https://github.com/login/oauth", san = "{{SAN}}" }}]
"""
    (tmp_path / "pylock.toml").write_text(lock_text.replace("{SAN}", "william@yossarian.net"))
    r, installed = install(tmp_path, index, warn_policy())
    assert r.returncode == 0 and "rfc8785" in installed, r.stderr
    (tmp_path / "pylock.other.toml").write_text(lock_text.replace("{SAN}", "someone@example.com"))
    refused(*install(tmp_path, index, warn_policy(), "t2", "pylock.other.toml"), "someone@example.com")


def test_gitlab_publisher_locked_and_an_edited_repository_refused(tmp_path, serve):
    # A real GitLab Trusted Publisher attestation (production). Building the sdist needs its build
    # backend, flit_core, which the test environment has: no build isolation.
    index = serve({"gitlab-oidc-project": {SDIST: [(GITLAB / "artifact").read_bytes(), provenance(GITLAB)]}})
    r = lock(tmp_path, index, warn_policy("public-good"), "--no-build-isolation", "gitlab-oidc-project==0.0.3")
    assert r.returncode == 0, r.stderr
    assert identities_in(tmp_path / "pylock.toml") == [[GITLAB_PUBLISHER]]
    r, installed = install(tmp_path, index, warn_policy("public-good"), "t", "pylock.toml", "--no-build-isolation")
    assert r.returncode == 0 and "gitlab_oidc_project" in installed, r.stderr
    path = tmp_path / "pylock.toml"
    path.write_text(path.read_text().replace('repository = "facutuesca/gitlab-oidc-project"', 'repository = "evil/gitlab-oidc-project"'))
    refused(*install(tmp_path, index, warn_policy("public-good"), "t2", "pylock.toml", "--no-build-isolation"),
            "evil/gitlab-oidc-project", "facutuesca/gitlab-oidc-project")


def test_a_policy_pin_and_the_lock_must_both_accept(tmp_path, serve):
    # The lock's identities add to the policy's pins; they never replace them.
    index = serve(rfc8785())
    assert lock(tmp_path, index, warn_policy(), "rfc8785==0.1.2").returncode == 0
    p = warn_policy()
    p["packages"] = {"rfc8785": {"identities": [{"issuer": "https://github.com/login/oauth", "san": "other@example.com"}]}}
    refused(*install(tmp_path, index, p), "IDENTITY_MISMATCH", "other@example.com")


def test_lock_refuses_and_writes_nothing_when_a_file_fails(tmp_path, serve):
    index = serve(rfc8785())
    p = warn_policy()
    p["identities"] = [{"issuer": "https://github.com/login/oauth", "san": "other@example.com"}]
    r = lock(tmp_path, index, p, "rfc8785==0.1.2")
    assert r.returncode == 1 and "no lock was written" in r.stderr, r.stderr
    assert not (tmp_path / "pylock.toml").exists()


def test_an_old_pip_gets_the_upgrade_command(monkeypatch, capsys, tmp_path):
    from domainsig.pip import pylock_gate

    monkeypatch.setattr(pylock_gate, "_pip_version", lambda: (24, 3))
    assert pylock_gate.lock(warn_policy(), ["x"], str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "needs pip 25.1 or newer; this pip is 24.3" in err and "-m pip install --upgrade 'pip>=25.1'" in err


def test_identities_are_placed_in_each_package_and_nothing_else_changes():
    from domainsig.pip import pylock

    text = """lock-version = "1.0"
created-by = "pip"

[[packages]]
name = "a"
version = "1"

[[packages.wheels]]
name = "a-1-py3-none-any.whl"
url = "https://x/a-1-py3-none-any.whl"
hashes = {sha256 = "00"}

[[packages]]
name = "b"
version = "2"
sdist = {url = "https://x/b-2.tar.gz", hashes = {sha256 = "11"}}

[tool.x]
y = 1
"""
    doc = pylock.loads(text, "t")
    weird = {"kind": "Other", "issuer": "https://i", "san": 'a"b\\c\x7f\n'}
    out = pylock.add_identities(text, doc, {0: [GITLAB_PUBLISHER], 1: [weird]})
    back = pylock.loads(out, "t")
    assert back["packages"][0]["attestation-identities"] == [GITLAB_PUBLISHER]
    assert back["packages"][1]["attestation-identities"] == [weird]
    assert back["tool"] == {"x": {"y": 1}}
    stripped = re.sub(r"\n\[\[packages\.attestation-identities\]\]\n(\w+ = .*\n)+", "", out)
    assert stripped == text


@pytest.mark.parametrize("args", [
    ["-r", "pylock.toml"],
    ["-rpylock.toml", "--target", "/t", "-q", "-q"],
    ["--requirement=pylock.toml", "-t/t", "--no-build-isolation", "--index-url", "http://127.0.0.1:1/simple"],
    ["-r", "pylock.toml", "-i", "http://a/simple/", "--extra-index-url=http://b/simple", "--user", "-U", "--no-compile"],
    ["-r", "pylock.toml", "--no-index", "--prefix", "/p", "--root=/r", "-C", "k=v", "--force-reinstall", "-v"],
])
def test_the_fast_option_reading_agrees_with_pips_parser(monkeypatch, args):
    # A lock install reads its few options without importing pip's install command; what it reads
    # must be what pip's own parser reads, or it must step aside (None).
    from collections import Counter

    from domainsig.pip import pylock_gate
    from domainsig.pip.resolve import pip_options

    for k in [k for k in os.environ if k.startswith("PIP_")]:
        monkeypatch.delenv(k)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    fast = pylock_gate._fast_options(args)
    full = pip_options(args, in_process=True)
    assert fast is not None
    assert fast.index_urls == full.index_urls
    assert fast.requirements == full.requirements
    assert Counter(fast.install_args) == Counter(full.install_args)
    # Spellings it does not know, and a config that applies, go to pip's parser.
    assert pylock_gate._fast_options([*args, "--only-binary", ":all:"]) is None
    assert pylock_gate._fast_options(["-r", "pylock.toml", "--targ", "/t"]) is None
    monkeypatch.setenv("PIP_TARGET", "/elsewhere")
    assert pylock_gate._fast_options(args) is None


def test_a_locked_file_of_another_project_is_refused(tmp_path, serve):
    # A lock entry's pins are keyed by its name: another project's file listed under that name (an
    # index's page, copied into the lock) would be judged as the other project, and the identities
    # recorded for this name would never speak. The file must be the entry's package.
    index = serve({"attrs": {WHEEL: [(RFC8785 / "artifact").read_bytes(), provenance(RFC8785)]}})
    data = (RFC8785 / "artifact").read_bytes()
    (tmp_path / "pylock.toml").write_text(f"""lock-version = "1.0"
created-by = "some-other-locker"

[[packages]]
name = "attrs"
version = "0.1.2"
index = "{index.url}"
wheels = [{{ name = "{WHEEL}", url = "http://127.0.0.1:{index.port}/files/{WHEEL}", hashes = {{ sha256 = "{hashlib.sha256(data).hexdigest()}" }} }}]
attestation-identities = [{{ kind = "Other", issuer = "https://github.com/login/oauth", san = "someone@example.com" }}]
""")
    p = warn_policy()
    p["identities"] = [{"issuer": "https://github.com/login/oauth", "san": "william@yossarian.net"}]
    refused(*install(tmp_path, index, p), "attrs", WHEEL)
