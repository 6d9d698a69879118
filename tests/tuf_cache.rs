//! The TUF cache under overlap, planting and refresh: overlapping updates cannot roll it back
//! (issue 21 item 3), its folders cannot be planted or swept from under a reader or an update
//! (issue 21 item 8), a repository is bootstrapped once (issue 16 item 3), and a refresh fetches
//! only what changed, counted over HTTP on 127.0.0.1 (issue 16 item 6).
//!
//! Repositories here are signed with fixed Ed25519 test keys (seed 1: root; 2: timestamp;
//! 3: snapshot; 4: targets; 5: the delegated role `registry.example`). Canonical JSON is
//! serde_json's compact output with sorted keys, which equals OLPC canonical JSON for these ASCII,
//! integer-only documents. Layout: TUF 1.0 §5 with consistent snapshots (`VERSION.ROLE.json`,
//! `targets/HASH.NAME`).

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use domainsig::Status;
use domainsig::trust::tuf::{self, Expiry, Fetched, Fetcher, NoNetwork, Repo, TufConfig};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[path = "support/tree.rs"]
mod tree;
use tree::digest;

const FUTURE: &str = "2099-01-01T00:00:00Z";

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sha256(b: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b).as_ref())
}

fn public(seed: u8) -> (String, Value) {
    let pair = Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).unwrap();
    let json =
        json!({"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": hex(pair.public_key().as_ref())}});
    (sha256(&serde_json::to_vec(&json).unwrap()), json)
}

fn sign(signed: &Value, seed: u8) -> Vec<u8> {
    let pair = Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).unwrap();
    let sig = hex(pair.sign(&serde_json::to_vec(signed).unwrap()).as_ref());
    serde_json::to_vec(&json!({"signatures": [{"keyid": public(seed).0, "sig": sig}], "signed": signed})).unwrap()
}

/// One state of a test repository.
#[derive(Clone)]
struct State {
    /// Roots 1..=n, each listing root key `root_seed`.
    roots: u64,
    root_seed: u8,
    timestamp: u64,
    snapshot: u64,
    targets: u64,
    delegated: u64,
    trusted_root: Vec<u8>,
    keys: Vec<u8>,
}

impl State {
    fn new() -> State {
        State {
            roots: 1,
            root_seed: 1,
            timestamp: 1,
            snapshot: 1,
            targets: 1,
            delegated: 1,
            trusted_root: b"{\"mediaType\": \"one\"}".to_vec(),
            keys: b"{\"keys\": []}".to_vec(),
        }
    }

    fn root(&self, version: u64) -> Vec<u8> {
        let keys: BTreeMap<String, Value> = [self.root_seed, 2, 3, 4].iter().map(|s| public(*s)).collect();
        let role = |s: u8| json!({"keyids": [public(s).0], "threshold": 1});
        let signed = json!({
            "_type": "root", "spec_version": "1.0.31", "version": version, "expires": FUTURE,
            "consistent_snapshot": true, "keys": keys,
            "roles": {"root": role(self.root_seed), "timestamp": role(2), "snapshot": role(3), "targets": role(4)}
        });
        sign(&signed, self.root_seed)
    }

    /// Writes the repository as a CDN serves it into a fresh `dir`.
    fn write(&self, dir: &Path) {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir.join("targets/registry.example")).unwrap();
        for v in 1..=self.roots {
            std::fs::write(dir.join(format!("{v}.root.json")), self.root(v)).unwrap();
        }
        let entry = |name: &str, body: &[u8]| {
            let (d, f) = name.rsplit_once('/').unwrap_or(("", name));
            std::fs::write(dir.join("targets").join(d).join(format!("{}.{f}", sha256(body))), body).unwrap();
            json!({name: {"length": body.len(), "hashes": {"sha256": sha256(body)}}})
        };
        let files = entry("trusted_root.json", &self.trusted_root);
        let dfiles = entry("registry.example/keys.json", &self.keys);
        let delegated = sign(
            &json!({"_type": "targets", "spec_version": "1.0.31", "version": self.delegated,
                    "expires": FUTURE, "targets": dfiles}),
            5,
        );
        std::fs::write(dir.join(format!("{}.registry.example.json", self.delegated)), &delegated).unwrap();
        let (id5, k5) = public(5);
        let targets = sign(
            &json!({"_type": "targets", "spec_version": "1.0.31", "version": self.targets,
                    "expires": FUTURE, "targets": files,
                    "delegations": {"keys": {id5.clone(): k5},
                        "roles": [{"name": "registry.example", "keyids": [id5], "threshold": 1,
                                   "paths": ["registry.example/*"], "terminating": true}]}}),
            4,
        );
        std::fs::write(dir.join(format!("{}.targets.json", self.targets)), &targets).unwrap();
        let snapshot = sign(
            &json!({"_type": "snapshot", "spec_version": "1.0.31", "version": self.snapshot, "expires": FUTURE,
                    "meta": {"targets.json": {"version": self.targets},
                             "registry.example.json": {"version": self.delegated}}}),
            3,
        );
        std::fs::write(dir.join(format!("{}.snapshot.json", self.snapshot)), &snapshot).unwrap();
        let timestamp = sign(
            &json!({"_type": "timestamp", "spec_version": "1.0.31", "version": self.timestamp, "expires": FUTURE,
                    "meta": {"snapshot.json": {"version": self.snapshot, "length": snapshot.len(),
                                               "hashes": {"sha256": sha256(&snapshot)}}}}),
            2,
        );
        std::fs::write(dir.join("timestamp.json"), &timestamp).unwrap();
    }
}

/// A fresh folder of this process's own, mode 0700.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("domainsig-tuf-cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    set_mode(&d, 0o700);
    d
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn custom(url_or_dir: &str, root: Option<Vec<u8>>, cache: &Path) -> TufConfig {
    TufConfig {
        repo: Repo::Custom { url_or_dir: url_or_dir.to_owned(), root },
        cache: cache.to_owned(),
        expiry: Expiry::Enforce,
    }
}

fn version(cfg: &TufConfig, role: &str) -> u64 {
    tuf::status(cfg).unwrap().roles.iter().find(|r| r.role == role).unwrap().version
}

/// Serves files of a folder for URLs under `base`, without a socket; `hook` runs once, at the
/// first request, inside the fetch (where a host's callback would start a nested update).
struct DirFetcher<'a> {
    base: &'a str,
    dir: PathBuf,
    hook: std::cell::RefCell<Option<Box<dyn FnOnce() + 'a>>>,
}

impl Fetcher for DirFetcher<'_> {
    fn fetch(&self, url: &str, _max_len: u64) -> Result<Fetched, String> {
        if let Some(h) = self.hook.borrow_mut().take() {
            h();
        }
        let rel = url.strip_prefix(self.base).ok_or_else(|| format!("unexpected URL {url}"))?;
        match std::fs::read(self.dir.join(rel)) {
            Ok(b) => Ok(Fetched::Bytes(b)),
            Err(_) => Ok(Fetched::NotFound),
        }
    }
}

/// Issue 21 item 3: an update that began at timestamp 1 and verified 2 must not publish over the
/// 3 that a nested update (run from inside its fetcher, as a C callback could) published
/// meanwhile. Before the fix the outer update published 2: the cache rolled back from 3 to 2.
#[test]
fn overlapping_updates_cannot_roll_back() {
    let base = "https://repo.example/";
    let work = scratch("overlap");
    let cache = work.join("cache");
    let cfg = custom(base, Some(State::new().root(1)), &cache);
    let (one, two, three) = (work.join("one"), work.join("two"), work.join("three"));
    let mut s = State::new();
    s.write(&one);
    (s.timestamp, s.snapshot, s.targets) = (2, 2, 2);
    s.write(&two);
    (s.timestamp, s.snapshot, s.targets) = (3, 3, 3);
    s.trusted_root = b"{\"mediaType\": \"three\"}".to_vec();
    s.write(&three);
    let at = |dir: &Path| DirFetcher { base, dir: dir.to_owned(), hook: std::cell::RefCell::new(None) };
    tuf::update(&cfg, &at(&one)).unwrap();
    assert_eq!(version(&cfg, "timestamp"), 1);

    let inner: std::cell::RefCell<Option<Result<tuf::Report, domainsig::Error>>> = std::cell::RefCell::new(None);
    let outer = DirFetcher {
        base,
        dir: two.clone(),
        hook: std::cell::RefCell::new(Some(Box::new(|| {
            *inner.borrow_mut() = Some(tuf::update(&cfg, &at(&three)));
        }))),
    };
    let e = tuf::update(&cfg, &outer).expect_err("the older state must not be published");
    let inner = inner.borrow_mut().take().expect("the nested update ran").expect("the nested update publishes 3");
    assert_eq!(inner.roles.iter().find(|r| r.role == "timestamp").unwrap().version, 3);
    assert_eq!(e.status, Status::TufRefused, "{e}");
    assert!(e.message.contains("timestamp version 3 is live, this update verified version 2"), "{e}");
    assert_eq!(version(&cfg, "timestamp"), 3);
    let (bytes, _) = tuf::cached_target(&cfg, "trusted_root.json", tuf::unix_now()).unwrap();
    assert_eq!(bytes, b"{\"mediaType\": \"three\"}");
    // A later update of the same or a newer state still publishes.
    tuf::update(&cfg, &at(&three)).unwrap();
    let _ = std::fs::remove_dir_all(&work);
}

/// A tiny HTTP/1.1 file server on 127.0.0.1 that logs each request's path and answer size.
struct Server {
    url: String,
    root: Arc<Mutex<PathBuf>>,
    log: Arc<Mutex<Vec<(String, usize)>>>,
}

impl Server {
    fn start(root: &Path) -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let root = Arc::new(Mutex::new(root.to_owned()));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (r, l) = (root.clone(), log.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut line = String::new();
                if BufReader::new(&conn).read_line(&mut line).is_err() {
                    continue;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let file = r.lock().unwrap().join(path.trim_start_matches('/'));
                let (head, body) = match std::fs::read(&file) {
                    Ok(b) => ("200 OK", b),
                    Err(_) => ("404 Not Found", Vec::new()),
                };
                l.lock().unwrap().push((path, body.len()));
                let _ = write!(conn, "HTTP/1.1 {head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                let _ = conn.write_all(&body);
            }
        });
        Server { url, root, log }
    }

    fn serve(&self, dir: &Path) {
        *self.root.lock().unwrap() = dir.to_owned();
    }

    /// The requests since the last call, sorted.
    fn take(&self) -> Vec<(String, usize)> {
        let mut v = std::mem::take(&mut *self.log.lock().unwrap());
        v.sort();
        v
    }
}

/// The host's network for these tests: plain HTTP to the local server.
struct Http;

impl Fetcher for Http {
    fn fetch(&self, url: &str, max_len: u64) -> Result<Fetched, String> {
        match ureq::get(url).call() {
            Ok(mut r) => {
                r.body_mut().with_config().limit(max_len).read_to_vec().map(Fetched::Bytes).map_err(|e| e.to_string())
            }
            Err(ureq::Error::StatusCode(404)) => Ok(Fetched::NotFound),
            Err(e) => Err(e.to_string()),
        }
    }
}

fn paths(log: &[(String, usize)]) -> Vec<&str> {
    log.iter().map(|(p, _)| p.as_str()).collect()
}

/// Issue 16 item 6: an unchanged repository costs the next-root probe and timestamp.json; a
/// changed one fetches only the roles and targets that changed; after a new root, metadata is
/// fetched again (keys may have rotated) but content-addressed targets still come from the cache.
/// Before the fix every refresh fetched everything again.
#[test]
fn a_refresh_fetches_only_what_changed() {
    let work = scratch("refresh");
    let (repo, cache) = (work.join("repo"), work.join("cache"));
    let mut s = State::new();
    s.write(&repo);
    let server = Server::start(&repo);
    let cfg = custom(&server.url, Some(s.root(1)), &cache);
    tuf::update(&cfg, &Http).unwrap();
    let first = server.take();
    assert_eq!(first.len(), 7, "{first:?}");

    tuf::update(&cfg, &Http).unwrap();
    assert_eq!(paths(&server.take()), ["/2.root.json", "/timestamp.json"]);

    // New timestamp, snapshot and targets with one target changed; the delegated role and its
    // target unchanged.
    (s.timestamp, s.snapshot, s.targets) = (2, 2, 2);
    s.trusted_root = b"{\"mediaType\": \"two\"}".to_vec();
    s.write(&work.join("repo2"));
    server.serve(&work.join("repo2"));
    tuf::update(&cfg, &Http).unwrap();
    let tr = format!("/targets/{}.trusted_root.json", sha256(&s.trusted_root));
    let mut want = vec!["/2.root.json", "/2.snapshot.json", "/2.targets.json", tr.as_str(), "/timestamp.json"];
    want.sort();
    assert_eq!(paths(&server.take()), want);
    let (bytes, _) = tuf::cached_target(&cfg, "trusted_root.json", tuf::unix_now()).unwrap();
    assert_eq!(bytes, s.trusted_root);
    let (bytes, t) = tuf::cached_target(&cfg, "registry.example/keys.json", tuf::unix_now()).unwrap();
    assert_eq!((bytes, t.role.as_str()), (s.keys.clone(), "registry.example"));

    // A new root: metadata is not taken from the cache, targets (by digest) still are.
    s.roots = 2;
    s.write(&work.join("repo3"));
    server.serve(&work.join("repo3"));
    tuf::update(&cfg, &Http).unwrap();
    let mut want = vec![
        "/1.registry.example.json",
        "/2.root.json",
        "/2.snapshot.json",
        "/2.targets.json",
        "/3.root.json",
        "/timestamp.json",
    ];
    want.sort();
    assert_eq!(paths(&server.take()), want);
    assert_eq!(version(&cfg, "root"), 2);
    let _ = std::fs::remove_dir_all(&work);
}

/// Issue 16 item 6, on real data: Sigstore's public-good repository as its CDN serves it
/// (tests/tuf/sigstore-public-good/2026-08-21, expired since, so expiry is off for this test
/// alone). An unchanged refresh asks for `16.root.json` (404) and `timestamp.json` only; the byte
/// counts are printed for README's performance table (`--nocapture`).
#[test]
fn an_unchanged_public_good_refresh_fetches_the_root_probe_and_timestamp() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tuf/sigstore-public-good/2026-08-21");
    let cache = scratch("public-good");
    let server = Server::start(&here);
    let mut cfg = custom(&server.url, Some(std::fs::read(here.join("15.root.json")).unwrap()), &cache);
    cfg.expiry = Expiry::Ignore;
    tuf::update(&cfg, &Http).unwrap();
    let first = server.take();
    tuf::update(&cfg, &Http).unwrap();
    let again = server.take();
    assert_eq!(paths(&again), ["/16.root.json", "/timestamp.json"]);
    let bytes = |l: &[(String, usize)]| l.iter().map(|(_, n)| n).sum::<usize>();
    println!(
        "public-good 2026-08-21: first update {} requests, {} bytes; unchanged refresh {} requests, {} bytes",
        first.len(),
        bytes(&first),
        again.len(),
        bytes(&again)
    );
    let _ = std::fs::remove_dir_all(&cache);
}

/// Issue 16 item 3: once the cache holds a verified state, a custom repository updates and a
/// policy loads without its bootstrap root, in the library, the CLI and the policy. Before the
/// fix the root was required everywhere (CLI usage error, POLICY_INVALID).
#[test]
fn a_cached_repository_needs_no_root() {
    let work = scratch("noroot");
    let (repo, cache) = (work.join("repo"), work.join("cache"));
    let s = State::new();
    s.write(&repo);
    let repo_s = repo.to_string_lossy().into_owned();
    // Nothing cached and no root: TUF_MISSING, saying how to bootstrap, and no folder made.
    let e = tuf::update(&custom(&repo_s, None, &cache), &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufMissing, "{e}");
    assert!(e.message.contains("--root BOOTSTRAP_ROOT.json"), "{e}");
    assert!(!cache.join(custom(&repo_s, None, &cache).repo_name()).exists());

    tuf::update(&custom(&repo_s, Some(s.root(1)), &cache), &NoNetwork).unwrap();
    let mut s2 = s.clone();
    (s2.timestamp, s2.snapshot) = (2, 2);
    s2.write(&repo);
    let r = tuf::update(&custom(&repo_s, None, &cache), &NoNetwork).unwrap();
    assert_eq!(r.roles.iter().find(|r| r.role == "timestamp").unwrap().version, 2);

    let cli = |args: &[&str]| std::process::Command::new(env!("CARGO_BIN_EXE_domainsig")).args(args).output().unwrap();
    let cache_s = cache.to_string_lossy().into_owned();
    let out = cli(&["trust", "update", "--repo", &repo_s, "--cache", &cache_s]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = cli(&["trust", "status", "--repo", &repo_s, "--cache", &cache_s]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    // The policy door, on the doors repository (its target is a real trusted root).
    let doors = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tuf/doors");
    let doors_s = doors.to_string_lossy().into_owned();
    let root = std::fs::read(doors.join("1.root.json")).unwrap();
    tuf::update(&custom(&doors_s, Some(root), &cache), &NoNetwork).unwrap();
    let policy = json!({
        "version": 1,
        "trusted_root": {"tuf": {"repo": doors_s}, "cache": cache_s},
        "identities": [{"issuer": "https://token.actions.githubusercontent.com", "san": "https://github.com/a/b/.github/workflows/c.yml@refs/heads/main"}],
        "domains": {"mode": "ignore"}, "subject": {"require_name": false}
    });
    domainsig::Policy::from_json(policy.to_string().as_bytes(), None).unwrap();
    let _ = std::fs::remove_dir_all(&work);
}

/// Issue 16 item 3: a root that contradicts the cache (another root under a version the cache
/// verified) is refused with TUF_CACHE, in update and in a policy, and the cache is untouched; the
/// same root laid out differently, or an older root of the chain, is accepted. Before the fix the
/// given root was silently ignored: the update succeeded and the policy loaded.
#[test]
fn a_root_that_contradicts_the_cache_is_refused() {
    let work = scratch("contradict");
    let (repo, cache) = (work.join("repo"), work.join("cache"));
    let mut s = State::new();
    s.roots = 2;
    s.write(&repo);
    let repo_s = repo.to_string_lossy().into_owned();
    tuf::update(&custom(&repo_s, Some(s.root(1)), &cache), &NoNetwork).unwrap();
    assert_eq!(version(&custom(&repo_s, None, &cache), "root"), 2);

    let mut other = s.clone();
    other.root_seed = 9;
    for (given, v) in [(other.root(1), 1), (other.root(2), 2)] {
        let before = digest(&cache);
        let e = tuf::update(&custom(&repo_s, Some(given.clone()), &cache), &NoNetwork).unwrap_err();
        assert_eq!(e.status, Status::TufCache, "{e}");
        assert!(e.message.contains(&format!("differs from the version {v} root this cache verified")), "{e}");
        assert!(e.message.contains("not reset"), "{e}");
        assert_eq!(digest(&cache), before);
        let e = tuf::cached_target(&custom(&repo_s, Some(given), &cache), "trusted_root.json", tuf::unix_now())
            .unwrap_err();
        assert_eq!(e.status, Status::TufCache, "{e}");
    }
    // The bootstrap root pretty-printed, and the current root: both agree with the cache.
    let pretty = serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(&s.root(1)).unwrap()).unwrap();
    tuf::update(&custom(&repo_s, Some(pretty), &cache), &NoNetwork).unwrap();
    tuf::update(&custom(&repo_s, Some(s.root(2)), &cache), &NoNetwork).unwrap();

    // A policy naming a contradicting root does not load.
    let doors = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tuf/doors");
    let doors_s = doors.to_string_lossy().into_owned();
    let root: Value = serde_json::from_slice(&std::fs::read(doors.join("1.root.json")).unwrap()).unwrap();
    tuf::update(&custom(&doors_s, Some(serde_json::to_vec(&root).unwrap()), &cache), &NoNetwork).unwrap();
    let mut forged = root.clone();
    forged["signed"]["expires"] = json!("2098-01-01T00:00:00Z");
    let policy = json!({
        "version": 1,
        "trusted_root": {"tuf": {"repo": doors_s, "root": forged}, "cache": cache},
        "identities": [{"issuer": "https://token.actions.githubusercontent.com", "san": "https://github.com/a/b/.github/workflows/c.yml@refs/heads/main"}],
        "domains": {"mode": "ignore"}, "subject": {"require_name": false}
    });
    let e = domainsig::Policy::from_json(policy.to_string().as_bytes(), None).unwrap_err();
    assert_eq!(e.status, Status::TufCache, "{e}");
    let _ = std::fs::remove_dir_all(&work);
}

fn age(p: &Path, secs: u64) {
    let t = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
    std::fs::File::open(p).unwrap().set_modified(t).unwrap();
}

fn generations(repo_dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(repo_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("g-"))
        .collect();
    v.sort();
    v
}

/// Issue 21 item 8: a symbolic link planted where the cache (or the repository's folder in it)
/// should be is refused, and its target is left alone. Before the fix the update followed the
/// link, deleted a day-old folder there and wrote `current`.
#[test]
fn a_planted_symlink_is_refused() {
    let work = scratch("symlink");
    let (repo, cache, victim) = (work.join("repo"), work.join("cache"), work.join("victim"));
    State::new().write(&repo);
    let repo_s = repo.to_string_lossy().into_owned();
    let cfg = custom(&repo_s, Some(State::new().root(1)), &cache);
    std::fs::create_dir_all(victim.join("g-precious/data")).unwrap();
    std::fs::write(victim.join("g-precious/data/file"), b"mine").unwrap();
    age(&victim.join("g-precious"), 86_400);
    let before = digest(&victim);

    std::fs::create_dir(&cache).unwrap();
    set_mode(&cache, 0o700);
    std::os::unix::fs::symlink(&victim, cfg.repo_dir()).unwrap();
    let e = tuf::update(&cfg, &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufCache, "{e}");
    assert!(e.message.contains("is a symbolic link"), "{e}");
    assert_eq!(digest(&victim), before);
    assert_eq!(tuf::status(&cfg).unwrap_err().status, Status::TufCache);

    std::fs::remove_file(cfg.repo_dir()).unwrap();
    std::fs::remove_dir(&cache).unwrap();
    std::os::unix::fs::symlink(&victim, &cache).unwrap();
    let e = tuf::update(&cfg, &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufCache, "{e}");
    assert!(e.message.contains("is a symbolic link"), "{e}");
    assert_eq!(digest(&victim), before);
    let _ = std::fs::remove_dir_all(&work);
}

/// Issue 21 item 8: a cache folder that others may write, or that another user owns, is refused
/// (update and readers), saying which folder and why. Before the fix both were used.
#[test]
fn shared_or_foreign_cache_folders_are_refused() {
    let work = scratch("perms");
    let (repo, cache) = (work.join("repo"), work.join("cache"));
    State::new().write(&repo);
    let repo_s = repo.to_string_lossy().into_owned();
    let cfg = custom(&repo_s, Some(State::new().root(1)), &cache);
    std::fs::create_dir(&cache).unwrap();
    for (mode, words) in [(0o777, "writable by every user (mode 777)"), (0o770, "writable by its group (mode 770)")] {
        set_mode(&cache, mode);
        let e = tuf::update(&cfg, &NoNetwork).unwrap_err();
        assert_eq!(e.status, Status::TufCache, "{e}");
        assert!(e.message.contains(words) && e.message.contains(&cache.display().to_string()), "{e}");
    }
    set_mode(&cache, 0o755);
    tuf::update(&cfg, &NoNetwork).unwrap();
    // The repository's own folder is created private, and checked too.
    let meta = std::fs::metadata(cfg.repo_dir()).unwrap();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777, 0o700);
    set_mode(&cfg.repo_dir(), 0o777);
    let e = tuf::cached_target(&cfg, "trusted_root.json", tuf::unix_now()).unwrap_err();
    assert_eq!(e.status, Status::TufCache, "{e}");
    set_mode(&cfg.repo_dir(), 0o700);

    // Owned by another user: as root, a folder given to `nobody`; otherwise `/`, root's own.
    let me = rustix::process::geteuid().as_raw();
    let foreign = if me == 0 {
        std::os::unix::fs::chown(&cache, Some(65534), None).unwrap();
        cache.clone()
    } else {
        PathBuf::from("/")
    };
    let e = tuf::update(&custom(&repo_s, Some(State::new().root(1)), &foreign), &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufCache, "{e}");
    assert!(e.message.contains(&format!("expected this process's user id {me}")), "{e}");
    let _ = std::fs::remove_dir_all(&work);
}

/// Issue 21 item 8: a generation replaced after a long life is kept for the grace period after it
/// stopped being live (not after it was created), then swept; a staging folder whose update still
/// holds its lock is never swept, however old. Before the fix both were deleted by folder age.
#[test]
fn sweeping_follows_retirement_and_spares_staging_in_use() {
    let work = scratch("sweep");
    let (repo, cache) = (work.join("repo"), work.join("cache"));
    State::new().write(&repo);
    let repo_s = repo.to_string_lossy().into_owned();
    let cfg = custom(&repo_s, Some(State::new().root(1)), &cache);
    tuf::update(&cfg, &NoNetwork).unwrap();
    let dir = cfg.repo_dir();
    let first = generations(&dir);
    assert_eq!(first.len(), 1);
    // Live for an hour, then replaced: still there for readers that resolved it just before.
    age(&dir.join(&first[0]), 3600);
    // Another update's staging folder, an hour old, its lock held.
    let staging = dir.join("g-1-1");
    std::fs::create_dir(&staging).unwrap();
    let held = std::fs::File::create(staging.join("lock")).unwrap();
    rustix::fs::flock(&held, rustix::fs::FlockOperation::LockExclusive).unwrap();
    age(&staging, 3600);
    tuf::update(&cfg, &NoNetwork).unwrap();
    let now = generations(&dir);
    assert!(now.contains(&first[0]), "the replaced generation was swept at once: {now:?}");
    assert!(now.contains(&"g-1-1".to_owned()), "a staging folder in use was swept: {now:?}");

    // Retired an hour ago: swept. The staging folder, its update gone: swept as abandoned.
    let ago = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() - 3600;
    std::fs::write(dir.join(&first[0]).join("retired"), ago.to_string()).unwrap();
    drop(held);
    tuf::update(&cfg, &NoNetwork).unwrap();
    let now = generations(&dir);
    assert!(!now.contains(&first[0]) && !now.contains(&"g-1-1".to_owned()), "{now:?}");
    assert_eq!(now.len(), 2, "the live generation and the one it replaced: {now:?}");
    let _ = std::fs::remove_dir_all(&work);
}
