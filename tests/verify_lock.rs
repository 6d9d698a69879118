//! `domainsig verify-lock` end to end with real data: a PyPI index and an npm registry on
//! 127.0.0.1 serving real attestations (tests/vectors' GitLab-published sdist, tests/npm's
//! documents), lockfiles naming them, and the CLI's own HTTP client fetching.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

const GITLAB: &str = "tests/vectors/pypi-attestations--gitlab_oidc_project-0.0.3-publish";
const SDIST: &str = "gitlab_oidc_project-0.0.3.tar.gz";
const SDIST_SHA256: &str = "c1ca9b0d85df1606451098233018534497bf584362e10e4a8c21dfaea92c02a8";
const GITLAB_SAN: &str = "https://gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml@refs/heads/main";
const NPM_KEYS: &str = "tests/npm/_keys/160677eb6e1c7083c89b166b20f8fe4e837fb71181506aff1991b80b89184f7d.keys.json";
const SIGSTORE_SAN: &str = "https://github.com/sigstore/sigstore-js/.github/workflows/publish.yml@refs/tags/v1.0.0";
const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn root() -> PathBuf {
    repo("tests/vectors/_roots/public-good-production.trusted_root.json")
}

/// A tiny HTTP/1.1 server on 127.0.0.1: fixed routes (path → body), 404 otherwise, keep-alive.
/// Records every path asked for.
struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(routes: HashMap<String, Vec<u8>>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes = Arc::new(routes);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let routes = routes.clone();
                let seen = seen2.clone();
                std::thread::spawn(move || {
                    let mut r = BufReader::new(conn.try_clone().unwrap());
                    loop {
                        let mut line = String::new();
                        if r.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
                        let mut len = 0usize;
                        loop {
                            let mut h = String::new();
                            if r.read_line(&mut h).unwrap_or(0) == 0 {
                                return;
                            }
                            if h == "\r\n" {
                                break;
                            }
                            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                                len = v.trim().parse().unwrap_or(0);
                            }
                        }
                        let mut body = vec![0; len];
                        let _ = r.read_exact(&mut body);
                        seen.lock().unwrap().push(path.clone());
                        let (status, body) = match routes.get(&path) {
                            Some(b) => ("200 OK", b.clone()),
                            None => ("404 Not Found", b"{}".to_vec()),
                        };
                        let head = format!(
                            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        );
                        if conn.write_all(head.as_bytes()).and_then(|_| conn.write_all(&body)).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Server { port, seen }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// PyPI's provenance object for the real GitLab-published sdist: its PEP 740 attestation, under
/// the Trusted Publisher expect.json names.
fn provenance() -> Vec<u8> {
    let att: Value = serde_json::from_slice(&std::fs::read(repo(GITLAB).join("attestation.json")).unwrap()).unwrap();
    let expect: Value = serde_json::from_slice(&std::fs::read(repo(GITLAB).join("expect.json")).unwrap()).unwrap();
    serde_json::to_vec(&json!({
        "version": 1,
        "attestation_bundles": [{"publisher": expect["trusted_publisher"], "attestations": [att]}],
    }))
    .unwrap()
}

/// An index listing the sdist; `provenance_key` decides what its page says (`Some(url)`,
/// `Some(null)`, or no key, which sends the verifier to the Integrity API).
fn pypi_index(provenance_key: Option<Value>) -> Server {
    let mut file = json!({"filename": SDIST, "url": format!("/files/{SDIST}"), "hashes": {"sha256": SDIST_SHA256}});
    if let Some(p) = provenance_key {
        file["provenance"] = p;
    }
    let page = json!({"meta": {"api-version": "1.1"}, "name": "gitlab-oidc-project", "files": [file]});
    let mut routes = HashMap::new();
    routes.insert("/simple/gitlab-oidc-project/".to_owned(), serde_json::to_vec(&page).unwrap());
    routes.insert(format!("/prov/{SDIST}.provenance"), provenance());
    routes.insert(format!("/integrity/gitlab-oidc-project/0.0.3/{SDIST}/provenance"), provenance());
    Server::start(routes)
}

fn pylock(index: &str, sha256: &str, identities: &str) -> String {
    format!(
        r#"lock-version = "1.0"
created-by = "domainsig tests"

[[packages]]
name = "gitlab-oidc-project"
version = "0.0.3"
index = "{index}simple/"
sdist = {{ name = "{SDIST}", url = "{index}files/{SDIST}", size = 5679, hashes = {{ sha256 = "{sha256}" }} }}
{identities}
"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("domainsig-verify-lock-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn gitlab_policy(dir: &Path) -> PathBuf {
    let p = json!({
        "version": 1,
        "trusted_root": {"path": root()},
        "identities": [{"issuer": "https://gitlab.com", "san": GITLAB_SAN}],
        "domains": {"mode": "warn"},
    });
    write(dir, "policy.json", &p.to_string())
}

/// Runs verify-lock with --json; returns (exit code, report).
fn verify_lock(lock: &Path, policy: &Path, extra: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_domainsig"))
        .arg("verify-lock")
        .arg("--policy")
        .arg(policy)
        .arg("--json")
        .args(extra)
        .arg(lock)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&stdout)
        .unwrap_or_else(|_| json!({"stdout": stdout, "stderr": String::from_utf8_lossy(&out.stderr)}));
    (out.status.code().unwrap_or(-1), v)
}

#[test]
fn pylock_naming_the_real_gitlab_sdist_passes_through_the_simple_api() {
    let d = tempdir("pylock-pass");
    let srv = pypi_index(Some(json!(format!("/prov/{SDIST}.provenance"))));
    let lock = write(&d, "pylock.toml", &pylock(&srv.base(), SDIST_SHA256, ""));
    let (code, r) = verify_lock(&lock, &gitlab_policy(&d), &[]);
    assert_eq!(code, 0, "{r:#}");
    let e = &r["entries"][0];
    assert_eq!(e["verdict"], "verified", "{r:#}");
    assert_eq!(e["index"], format!("127.0.0.1:{}", srv.port));
    assert_eq!(
        e["publisher"],
        json!({"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project", "workflow_filepath": ".gitlab-ci.yml"})
    );
    // Verified by digest: the artifact itself was never asked for.
    assert!(!srv.seen().iter().any(|p| p.starts_with("/files/")), "{:?}", srv.seen());
    assert!(srv.seen().contains(&format!("/prov/{SDIST}.provenance")), "{:?}", srv.seen());
}

#[test]
fn pylock_falls_back_to_the_integrity_api_when_the_page_does_not_say() {
    let d = tempdir("pylock-integrity");
    let srv = pypi_index(None);
    let lock = write(&d, "pylock.toml", &pylock(&srv.base(), SDIST_SHA256, ""));
    let (code, r) = verify_lock(&lock, &gitlab_policy(&d), &[]);
    assert_eq!(code, 0, "{r:#}");
    assert!(r["entries"][0]["notes"].to_string().contains("Integrity API"), "{r:#}");
}

#[test]
fn pylock_with_another_files_sha256_is_refused() {
    let d = tempdir("pylock-other-sha");
    let srv = pypi_index(Some(json!(format!("/prov/{SDIST}.provenance"))));
    // The sha256 of another real file (the tuf-js tarball of tests/npm).
    let other = sha256_hex(&std::fs::read(repo("tests/npm/npm-cli--tuf-js-1.0.0/artifact.tgz")).unwrap());
    let lock = write(&d, "pylock.toml", &pylock(&srv.base(), &other, ""));
    let (code, r) = verify_lock(&lock, &gitlab_policy(&d), &[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["entries"][0]["verdict"], "refused");
    assert_eq!(r["entries"][0]["status"], "ARTIFACT_MISMATCH", "{r:#}");
}

#[test]
fn pylock_attestation_identities_are_the_packages_pins() {
    let d = tempdir("pylock-pins");
    let srv = pypi_index(Some(json!(format!("/prov/{SDIST}.provenance"))));
    let pin = |repo: &str| {
        format!(
            "[[packages.attestation-identities]]\nkind = \"GitLab\"\nrepository = \"{repo}\"\nworkflow_filepath = \".gitlab-ci.yml\"\n"
        )
    };
    let right = write(&d, "pylock.toml", &pylock(&srv.base(), SDIST_SHA256, &pin("facutuesca/gitlab-oidc-project")));
    let (code, r) = verify_lock(&right, &gitlab_policy(&d), &[]);
    assert_eq!(code, 0, "{r:#}");

    let d2 = tempdir("pylock-pins-wrong");
    let wrong = write(&d2, "pylock.toml", &pylock(&srv.base(), SDIST_SHA256, &pin("someone/else")));
    let (code, r) = verify_lock(&wrong, &gitlab_policy(&d2), &[]);
    assert_eq!(code, 1, "{r:#}");
    let e = &r["entries"][0];
    assert_eq!(e["status"], "IDENTITY_MISMATCH", "{r:#}");
    assert!(e["message"].as_str().unwrap().contains("someone/else"), "{r:#}");
    // The lock is named as the source that refused.
    assert!(e["message"].as_str().unwrap().contains("pylock.toml attestation-identities"), "{r:#}");
}

#[test]
fn pylock_without_provenance_is_refused_when_the_policy_asks_for_a_signer() {
    let d = tempdir("pylock-none");
    let srv = pypi_index(Some(Value::Null));
    let lock = write(&d, "pylock.toml", &pylock(&srv.base(), SDIST_SHA256, ""));
    let (code, r) = verify_lock(&lock, &gitlab_policy(&d), &[]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["entries"][0]["status"], "ATTESTATION_MISSING", "{r:#}");
    // The page said null: the Integrity API is not asked to overrule it.
    assert!(!srv.seen().iter().any(|p| p.starts_with("/integrity/")), "{:?}", srv.seen());
}

fn sha256_hex(b: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b).as_ref().iter().map(|x| format!("{x:02x}")).collect()
}

fn sri(case: &str) -> String {
    use base64::Engine;
    let t = std::fs::read(repo(&format!("tests/npm/{case}/artifact.tgz"))).unwrap();
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, &t);
    format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(d.as_ref()))
}

/// A registry on 127.0.0.1 serving sigstore@1.0.0's real attestations document.
fn npm_registry() -> Server {
    let mut routes = HashMap::new();
    routes.insert(
        "/-/npm/v1/attestations/sigstore@1.0.0".to_owned(),
        std::fs::read(repo("tests/npm/npm-cli--sigstore-1.0.0/attestations.json")).unwrap(),
    );
    Server::start(routes)
}

/// The registry's key proves `registry.npmjs.org`; the local registry is its allowed mirror.
fn npm_policy(dir: &Path, port: u16) -> PathBuf {
    let p = json!({
        "version": 1,
        "trusted_root": {"path": root()},
        "identities": [{"issuer": GITHUB_ISSUER, "san": SIGSTORE_SAN}],
        "keys": [{"path": repo(NPM_KEYS), "usage": "npm:attestations", "domain": "registry.npmjs.org"}],
        "domains": {"mode": "require", "mirrors": {format!("127.0.0.1:{port}"): ["registry.npmjs.org"]}},
    });
    write(dir, "policy.json", &p.to_string())
}

fn package_lock(resolved: &str, integrity: &str) -> String {
    json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": {
            "": {"name": "app", "version": "1.0.0", "dependencies": {"sigstore": "1.0.0", "mine": "file:../mine"}},
            "node_modules/sigstore": {"version": "1.0.0", "resolved": resolved, "integrity": integrity},
            "node_modules/mine": {"resolved": "../mine", "link": true},
        }
    })
    .to_string()
}

fn pnpm_lock(integrity: &str) -> String {
    format!(
        "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n\nimporters:\n  .:\n    dependencies:\n      sigstore:\n        specifier: 1.0.0\n        version: 1.0.0\n\npackages:\n  sigstore@1.0.0:\n    resolution: {{integrity: {integrity}}}\n    engines: {{node: ^14.17.0}}\n  mine@file:../mine:\n    resolution: {{directory: ../mine, type: directory}}\n\nsnapshots:\n  sigstore@1.0.0: {{}}\n"
    )
}

#[test]
fn package_lock_naming_a_real_npm_package_passes_and_another_integrity_is_refused() {
    let srv = npm_registry();
    let reg = srv.base();
    let tgz = format!("{reg}sigstore/-/sigstore-1.0.0.tgz");
    let d = tempdir("npm-pass");
    let lock = write(&d, "package-lock.json", &package_lock(&tgz, &sri("npm-cli--sigstore-1.0.0")));
    let (code, r) = verify_lock(&lock, &npm_policy(&d, srv.port), &["--registry", &reg]);
    assert_eq!(code, 0, "{r:#}");
    let by_name = |n: &str| r["entries"].as_array().unwrap().iter().find(|e| e["name"] == n).cloned().unwrap();
    assert_eq!(by_name("sigstore")["verdict"], "verified");
    assert_eq!(by_name("sigstore")["publisher"]["repository"], "sigstore/sigstore-js");
    assert_eq!(by_name("mine")["verdict"], "listed");
    assert!(!srv.seen().iter().any(|p| p.ends_with(".tgz")), "{:?}", srv.seen());

    let d = tempdir("npm-other");
    let lock = write(&d, "package-lock.json", &package_lock(&tgz, &sri("npm-cli--tuf-js-1.0.0")));
    let (code, r) = verify_lock(&lock, &npm_policy(&d, srv.port), &["--registry", &reg]);
    assert_eq!(code, 1, "{r:#}");
    let e = r["entries"].as_array().unwrap().iter().find(|e| e["name"] == "sigstore").unwrap();
    assert_eq!(e["status"], "ARTIFACT_MISMATCH", "{r:#}");
}

#[test]
fn pnpm_lock_naming_a_real_npm_package_passes_and_another_integrity_is_refused() {
    let srv = npm_registry();
    let reg = srv.base();
    let d = tempdir("pnpm-pass");
    let lock = write(&d, "pnpm-lock.yaml", &pnpm_lock(&sri("npm-cli--sigstore-1.0.0")));
    let (code, r) = verify_lock(&lock, &npm_policy(&d, srv.port), &["--registry", &reg]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["entries"].as_array().unwrap().len(), 2);

    let d = tempdir("pnpm-other");
    let lock = write(&d, "pnpm-lock.yaml", &pnpm_lock(&sri("npm-cli--tuf-js-1.0.0")));
    let (code, r) = verify_lock(&lock, &npm_policy(&d, srv.port), &["--registry", &reg]);
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["refused"], 1, "{r:#}");
}

#[test]
fn npmrc_beside_the_lock_names_the_registry_not_the_tarball_url() {
    let srv = npm_registry();
    let reg = srv.base();
    let d = tempdir("npmrc");
    // The tarball URL names a path on another port: a prefix cut from it would be no registry at
    // all. The .npmrc's registry is asked for the attestations, and the tarball's host is the
    // index judged: not an allowed mirror, so refused for where it is fetched from.
    write(&d, ".npmrc", &format!("registry={reg}\n"));
    let elsewhere = "http://127.0.0.2:9/evil/sigstore/-/sigstore-1.0.0.tgz";
    let lock = write(&d, "package-lock.json", &package_lock(elsewhere, &sri("npm-cli--sigstore-1.0.0")));
    let (code, r) = verify_lock(&lock, &npm_policy(&d, srv.port), &[]);
    assert_eq!(code, 1, "{r:#}");
    let e = r["entries"].as_array().unwrap().iter().find(|e| e["name"] == "sigstore").unwrap().clone();
    assert_eq!(e["index"], "127.0.0.2:9", "{r:#}");
    assert_eq!(e["status"], "DOMAIN_MISMATCH", "{r:#}");
    assert!(srv.seen().contains(&"/-/npm/v1/attestations/sigstore@1.0.0".to_owned()), "{:?}", srv.seen());
}

#[test]
fn malformed_and_oversized_lockfiles_exit_2() {
    let d = tempdir("bad");
    let policy = gitlab_policy(&d);
    // The CLI without --json: exit 2, and the reason on stderr.
    let exits_2 = |lock: &Path, words: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_domainsig"))
            .args(["verify-lock", "--policy"])
            .arg(&policy)
            .arg(lock)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(words), "{err}");
    };
    exits_2(&write(&d, "pylock.toml", "lock-version = \"2.0\"\n"), "LOCK_INVALID");
    exits_2(&write(&d, "package-lock.json", &" ".repeat(domainsig::limits::MAX_LOCK_BYTES + 1)), "LIMIT_EXCEEDED");
    exits_2(&write(&d, "requirements.txt", "x==1\n"), "");
}

/// A lock entry is verified as the package it names: a file of another project listed under its
/// name (a hostile index's page, copied into the lock) must not escape the pins the lock records
/// for that name, which the policy would otherwise never apply to the other project's file.
#[test]
fn pylock_entry_whose_file_is_another_packages_is_refused() {
    let d = tempdir("pylock-other-name");
    let page = json!({"meta": {"api-version": "1.1"}, "name": "attrs", "files": [
        {"filename": SDIST, "url": format!("/files/{SDIST}"), "hashes": {"sha256": SDIST_SHA256},
         "provenance": format!("/prov/{SDIST}.provenance")}]});
    let mut routes = HashMap::new();
    routes.insert("/simple/attrs/".to_owned(), serde_json::to_vec(&page).unwrap());
    routes.insert(format!("/prov/{SDIST}.provenance"), provenance());
    let srv = Server::start(routes);
    let index = srv.base();
    let text = format!(
        r#"lock-version = "1.0"
created-by = "domainsig tests"

[[packages]]
name = "attrs"
version = "0.0.3"
index = "{index}simple/"
sdist = {{ name = "{SDIST}", url = "{index}files/{SDIST}", hashes = {{ sha256 = "{SDIST_SHA256}" }} }}
[[packages.attestation-identities]]
kind = "GitHub"
repository = "python-attrs/attrs"
workflow = "pypi-package.yml"
"#
    );
    let lock = write(&d, "pylock.toml", &text);
    let (code, r) = verify_lock(&lock, &gitlab_policy(&d), &[]);
    assert_eq!(code, 1, "{r:#}");
    let e = &r["entries"][0];
    assert_eq!(e["verdict"], "refused", "{r:#}");
    assert_eq!(e["status"], "SUBJECT_MISMATCH", "{r:#}");
    assert!(e["message"].as_str().unwrap().contains("attrs"), "{r:#}");
}

/// The npm gate's trust file (docs/lock.md) as it writes it: `publisher` recorded for sigstore.
fn trust_file(publisher: Value) -> String {
    json!({"version": 1, "packages": {"sigstore": [{"since": "1.0.0", "publisher": publisher}]}}).to_string()
}

/// npm's lockfile has no field for a publisher, so the npm gate keeps who published each package
/// in domainsig-publishers.json beside package-lock.json; verify-lock holds the lock to it as the
/// gate does, as it holds a pylock.toml to its attestation-identities.
#[test]
fn package_lock_is_held_to_the_npm_trust_file_beside_it() {
    let srv = npm_registry();
    let reg = srv.base();
    let tgz = format!("{reg}sigstore/-/sigstore-1.0.0.tgz");
    let real = json!({"kind": "GitHub", "repository": "sigstore/sigstore-js", "workflow": "publish.yml"});
    let other = json!({"kind": "GitHub", "repository": "evil/fork", "workflow": "publish.yml"});
    let run = |tag: &str, trust: Option<&str>| {
        let d = tempdir(tag);
        let lock = write(&d, "package-lock.json", &package_lock(&tgz, &sri("npm-cli--sigstore-1.0.0")));
        if let Some(t) = trust {
            write(&d, "domainsig-publishers.json", t);
        }
        verify_lock(&lock, &npm_policy(&d, srv.port), &["--registry", &reg])
    };
    let sigstore =
        |r: &Value| r["entries"].as_array().unwrap().iter().find(|e| e["name"] == "sigstore").cloned().unwrap();

    // Recorded as its real publisher: verified, the pin shown.
    let (code, r) = run("trust-same", Some(&trust_file(real.clone())));
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(sigstore(&r)["verdict"], "verified", "{r:#}");
    assert_eq!(sigstore(&r)["pinned_publishers"], json!([real]), "{r:#}");

    // Recorded as another publisher: the policy accepts the signer, the trust file does not.
    let (code, r) = run("trust-other", Some(&trust_file(other)));
    assert_eq!(code, 1, "{r:#}");
    let e = sigstore(&r);
    assert_eq!(e["status"], "IDENTITY_MISMATCH", "{r:#}");
    let m = e["message"].as_str().unwrap();
    assert!(m.contains("domainsig-publishers.json") && m.contains("evil/fork"), "{m}");

    // A trust file that is not the gate's is an input error, never read as "no pins".
    for (bad, words) in [
        (r#"{"version": 2, "packages": {}}"#.to_owned(), "expected version 1"),
        (r#"{"version": 1, "packages": {"sigstore": []}}"#.to_owned(), "packages[\"sigstore\"]"),
        (trust_file(json!({"kind": "Gitea", "repository": "x"})), "publisher"),
        ("not json".to_owned(), "domainsig-publishers.json"),
    ] {
        let (code, r) = run("trust-bad", Some(&bad));
        assert_eq!(code, 2, "{bad}: {r:#}");
        let err = r["stderr"].as_str().unwrap_or_default();
        assert!(err.contains("LOCK_INVALID") && err.contains(words), "{bad}: expected {words:?} in {err}");
    }

    // The library: the trust file belongs to package-lock.json only, and local entries get no pins.
    let lock = package_lock(&tgz, &sri("npm-cli--sigstore-1.0.0"));
    let opts = domainsig::lock::Options { trust_file: Some(trust_file(real.clone())), ..Default::default() };
    let parsed = domainsig::lock::parse(lock.as_bytes(), "package-lock.json", &opts).unwrap();
    for e in &parsed.entries {
        let want = if e.name == "sigstore" { 1 } else { 0 };
        assert_eq!(e.publishers.len(), want, "{e:?}");
    }
    let e =
        domainsig::lock::parse(pylock("https://pypi.org/simple/", SDIST_SHA256, "").as_bytes(), "pylock.toml", &opts)
            .unwrap_err();
    assert_eq!(e.status, domainsig::Status::LockInvalid, "{e}");
    assert!(e.message.contains("domainsig-publishers.json"), "{e}");
}
