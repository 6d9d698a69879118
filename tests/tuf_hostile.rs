//! A hostile TUF repository, signed with these tests' fixed Ed25519 keys: deep and wide delegation
//! trees, roles that name themselves after domains or top-level files or paths, lengths above the
//! limits, and a network that fails while the root chain is walked. Each is refused with a clear
//! status (or, for the domain binding, reported as what it is), and a refused update leaves the
//! cache as it was.
//!
//! Keys, canonical JSON and the top-level metadata are tests/support/tuf_repo.rs's.

use domainsig::Status;
use domainsig::limits::{MAX_TUF_DELEGATED_ROLES, MAX_TUF_DELEGATION_DEPTH, MAX_TUF_METADATA_BYTES};
use domainsig::policy::Policy;
use domainsig::trust::tuf::{self, Expiry, Fetched, Fetcher, NoNetwork, Repo, TufConfig};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/tree.rs"]
mod tree;
#[path = "support/tuf_repo.rs"]
mod tuf_repo;
use tree::digest;
use tuf_repo::{FUTURE, key, sign};

/// A real npm registry key set (Sigstore's public-good `registry.npmjs.org/keys.json`).
const NPM_KEYS: &[u8] = include_bytes!(
    "tuf/sigstore-public-good/2026-08-21/targets/registry.npmjs.org/160677eb6e1c7083c89b166b20f8fe4e837fb71181506aff1991b80b89184f7d.keys.json"
);
/// A real trusted root, so a policy naming the repository loads.
const TRUSTED_ROOT: &[u8] = include_bytes!(
    "tuf/sigstore-public-good/2026-08-21/targets/6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66.trusted_root.json"
);

/// Delegated roles all sign with this key.
const DELEGATE: u8 = 5;

/// One delegated role: what it lists and which roles (indexes into `Spec::roles`) it delegates to.
#[derive(Clone, Default)]
struct Role {
    name: String,
    paths: Vec<String>,
    terminating: bool,
    files: Vec<(String, Vec<u8>)>,
    children: Vec<usize>,
    /// Bytes of padding in an extra field of its metadata (signed like the rest).
    pad: usize,
}

impl Role {
    fn new(name: &str, paths: &[&str]) -> Role {
        Role { name: name.into(), paths: paths.iter().map(|p| (*p).to_owned()).collect(), ..Role::default() }
    }
}

/// A repository: root v1 (keys 1..4), one version of everything else, a delegation tree.
#[derive(Clone)]
struct Spec {
    consistent: bool,
    version: u64,
    files: Vec<(String, Vec<u8>)>,
    children: Vec<usize>,
    roles: Vec<Role>,
    /// Whether the snapshot states each delegated role's length (TUF makes it optional).
    stated_length: bool,
}

impl Spec {
    fn new() -> Spec {
        Spec {
            consistent: true,
            version: 1,
            files: vec![("trusted_root.json".into(), TRUSTED_ROOT.to_vec())],
            children: Vec::new(),
            roles: Vec::new(),
            stated_length: false,
        }
    }

    /// Adds `role` delegated from `parent` (`None`: top-level targets); returns its index.
    fn delegate(&mut self, parent: Option<usize>, role: Role) -> usize {
        self.roles.push(role);
        let i = self.roles.len() - 1;
        match parent {
            None => self.children.push(i),
            Some(p) => self.roles[p].children.push(i),
        }
        i
    }

    fn delegations(&self, children: &[usize]) -> Value {
        let k = key(DELEGATE);
        let roles: Vec<Value> = children
            .iter()
            .map(|c| {
                let r = &self.roles[*c];
                json!({"name": r.name, "keyids": [k.id], "threshold": 1, "paths": r.paths,
                       "terminating": r.terminating})
            })
            .collect();
        json!({"keys": {k.id.clone(): k.json}, "roles": roles})
    }

    fn targets_body(&self, files: &[(String, Vec<u8>)], children: &[usize]) -> Value {
        let mut t = tuf_repo::targets(self.version, FUTURE, files);
        if !children.is_empty() {
            t["delegations"] = self.delegations(children);
        }
        t
    }

    /// The metadata file name of `role` (`targets`, `snapshot` or a delegated role's name, which
    /// becomes a path on disk exactly as a `file://` URL decodes it).
    fn meta_name(&self, role: &str) -> String {
        if self.consistent { format!("{}.{role}.json", self.version) } else { format!("{role}.json") }
    }

    /// Writes the repository into `dir` (a fresh folder); returns the bootstrap root.
    fn write(&self, dir: &Path) -> Vec<u8> {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir.join("targets")).unwrap();
        let (root, files) = self.build();
        for (rel, b) in files {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b).unwrap();
        }
        root
    }

    /// The repository's files (path below the repository, bytes) and the bootstrap root.
    fn build(&self) -> (Vec<u8>, BTreeMap<PathBuf, Vec<u8>>) {
        let dir = Path::new("");
        let mut out = BTreeMap::new();
        let mut put = |p: PathBuf, b: &[u8]| {
            out.insert(p, b.to_vec());
        };
        let root = tuf_repo::root(self.consistent);
        put(dir.join("1.root.json"), &root);
        let all_files = self.files.iter().chain(self.roles.iter().flat_map(|r| r.files.iter()));
        for (name, body) in all_files {
            let path = if self.consistent { tuf_repo::target_path(name, body) } else { dir.join("targets").join(name) };
            put(path, body);
        }
        let mut meta = BTreeMap::new();
        for r in &self.roles {
            let mut signed = self.targets_body(&r.files, &r.children);
            if r.pad > 0 {
                signed["x-pad"] = json!("x".repeat(r.pad));
            }
            let body = sign(&signed, DELEGATE);
            put(dir.join(self.meta_name(&r.name)), &body);
            let mut m = json!({"version": self.version});
            if self.stated_length {
                m["length"] = json!(body.len());
            }
            meta.insert(format!("{}.json", r.name), m);
        }
        let targets = sign(&self.targets_body(&self.files, &self.children), 4);
        put(dir.join(self.meta_name("targets")), &targets);
        meta.insert("targets.json".into(), json!({"version": self.version}));
        let (snapshot, timestamp) = tuf_repo::snapshot_and_timestamp(self.version, meta);
        put(dir.join(self.meta_name("snapshot")), &snapshot);
        put(dir.join("timestamp.json"), &timestamp);
        (root, out)
    }
}

/// A repository folder, a cache folder and a config, removed on drop.
struct Site {
    dir: PathBuf,
    repo: PathBuf,
    cache: PathBuf,
}

impl Site {
    fn new(name: &str) -> Site {
        let dir = std::env::temp_dir().join(format!("domainsig-tuf-hostile-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // The repository one level down, so a role that escapes it lands inside `dir`.
        let repo = dir.join("repo");
        let cache = dir.join("cache");
        std::fs::create_dir_all(&cache).unwrap();
        Site { dir, repo, cache }
    }

    fn cfg(&self, root: Vec<u8>, url_or_dir: String) -> TufConfig {
        TufConfig {
            repo: Repo::Custom { url_or_dir, root: Some(root) },
            cache: self.cache.clone(),
            expiry: Expiry::Enforce,
        }
    }

    /// Writes `spec` and updates from the folder.
    fn update(&self, spec: &Spec) -> domainsig::Result<tuf::Report> {
        let root = spec.write(&self.repo);
        tuf::update(&self.cfg(root, self.repo.to_string_lossy().into_owned()), &NoNetwork)
    }

    /// Writes `spec`, expects a refusal with `status` and `words`, and an untouched cache.
    fn refused(&self, spec: &Spec, status: Status, words: &str) -> domainsig::Error {
        tree::refused(&self.cache, status, words, || self.update(spec))
    }

    /// Runs the CLI's `trust update` of `repo` (this site's folder, or a URL serving it) into
    /// `cache`, bootstrapped from the root this site's folder holds.
    fn cli_update(&self, repo: impl AsRef<std::ffi::OsStr>, cache: &Path) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_domainsig"))
            .args(["trust", "update", "--repo"])
            .arg(repo)
            .arg("--root")
            .arg(self.repo.join("1.root.json"))
            .arg("--cache")
            .arg(cache)
            .output()
            .unwrap()
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A chain of `n` roles from top-level targets down, the last listing `deep/file.json`.
fn chain(n: usize) -> Spec {
    let mut s = Spec::new();
    let mut parent = None;
    for i in 0..n {
        parent = Some(s.delegate(parent, Role::new(&format!("level-{i}"), &["deep/*"])));
    }
    if let Some(last) = parent {
        s.roles[last].files.push(("deep/file.json".into(), b"{}".to_vec()));
    }
    s
}

fn domain_of(r: &tuf::Report, target: &str) -> Value {
    let v = serde_json::to_value(r).unwrap();
    let t = v["targets"].as_array().unwrap().iter().find(|t| t["name"] == target).cloned();
    t.unwrap_or_else(|| panic!("no target {target} in {v}"))
}

// 21.1: a 1,000-role chain (well inside every size limit) used to overflow the worker's stack.
#[test]
fn a_thousand_role_chain_is_refused_not_a_crash() {
    let site = Site::new("chain1000");
    let e = site.refused(&chain(1000), Status::TufRefused, "delegation depth");
    assert!(e.message.contains(&format!("deeper than the limit {MAX_TUF_DELEGATION_DEPTH}")), "{e}");
}

#[test]
fn delegation_depth_stops_at_the_limit() {
    let site = Site::new("depth");
    let depth = MAX_TUF_DELEGATION_DEPTH as usize;
    let r = site.update(&chain(depth)).expect("a chain as deep as the limit loads");
    let t = domain_of(&r, "deep/file.json");
    assert_eq!(t["role"], format!("level-{}", depth - 1));
    // One deeper is refused, never reported as listed by top-level targets.
    let e = site.refused(&chain(depth + 1), Status::TufRefused, &format!("\"level-{depth}\""));
    assert!(e.message.contains("delegation depth"), "{e}");
}

#[test]
fn more_roles_than_the_limit_are_refused() {
    let site = Site::new("wide");
    let mut s = Spec::new();
    for i in 0..MAX_TUF_DELEGATED_ROLES {
        s.delegate(None, Role::new(&format!("r{i}"), &[&format!("r{i}/*")]));
    }
    site.update(&s).expect("as many roles as the limit load");
    s.version = 2;
    s.delegate(None, Role::new("one-more", &["one-more/*"]));
    site.refused(&s, Status::TufRefused, &format!("limit of {MAX_TUF_DELEGATED_ROLES} delegated roles"));
    // The limit counts the whole tree, not one delegation's list.
    let site = Site::new("wide-tree");
    let mut s = chain(4);
    for i in 0..MAX_TUF_DELEGATED_ROLES {
        s.delegate(Some(3), Role::new(&format!("leaf{i}"), &["deep/*"]));
    }
    site.refused(&s, Status::TufRefused, "delegated roles per update");
}

// 21.2: the delegation for evil.example names its own sub-role after npm's registry.
#[test]
fn a_sub_role_named_after_a_domain_does_not_bind_it() {
    let site = Site::new("evilname");
    let mut s = Spec::new();
    let evil = s.delegate(None, Role::new("evil.example", &["evil.example/*"]));
    let mut fake = Role::new("registry.npmjs.org", &["evil.example/*"]);
    fake.files.push(("evil.example/keys.json".into(), NPM_KEYS.to_vec()));
    s.delegate(Some(evil), fake);
    let r = site.update(&s).unwrap();
    let t = domain_of(&r, "evil.example/keys.json");
    assert_eq!(t["role"], "registry.npmjs.org", "{t}");
    assert_eq!(t["domain"], "evil.example", "{t}");
    let policy = |keys: Value| {
        json!({"version": 1,
               "trusted_root": {"tuf": {"repo": site.repo, "root": site.repo.join("1.root.json")},
                                "cache": site.cache},
               "keys": keys})
        .to_string()
    };
    let p = Policy::from_json(policy(json!([{"tuf_target": "evil.example/keys.json"}])).as_bytes(), None).unwrap();
    assert!(!p.keys().is_empty());
    for k in p.keys() {
        assert_eq!(k.domain.as_ref().map(|d| d.as_str()), Some("evil.example"));
    }
    let e = Policy::from_json(
        policy(json!([{"tuf_target": "evil.example/keys.json", "domain": "registry.npmjs.org"}])).as_bytes(),
        None,
    )
    .unwrap_err();
    assert_eq!(e.status, Status::PolicyInvalid, "{e}");
    assert!(e.message.contains("TUF binds evil.example/keys.json to evil.example"), "{e}");
}

#[test]
fn only_a_top_level_delegation_named_after_the_first_segment_binds_a_domain() {
    let site = Site::new("binding");
    let mut s = Spec::new();
    // The right shape: registry.example delegates to a sub-role that lists the keys.
    let reg = s.delegate(None, Role::new("registry.example", &["registry.example/*"]));
    let mut sub = Role::new("keys-2025", &["registry.example/*"]);
    sub.files.push(("registry.example/keys.json".into(), NPM_KEYS.to_vec()));
    s.delegate(Some(reg), sub);
    // A delegation named after another domain than the paths it is given.
    let mut other = Role::new("registry.npmjs.org", &["other.example/*"]);
    other.files.push(("other.example/keys.json".into(), NPM_KEYS.to_vec()));
    s.delegate(None, other);
    let r = site.update(&s).unwrap();
    assert_eq!(domain_of(&r, "registry.example/keys.json")["domain"], "registry.example");
    let t = domain_of(&r, "other.example/keys.json");
    assert_eq!(t["role"], "registry.npmjs.org");
    assert!(t.get("domain").is_none(), "{t}");
    let policy = json!({"version": 1,
        "trusted_root": {"tuf": {"repo": site.repo, "root": site.repo.join("1.root.json")}, "cache": site.cache},
        "keys": [{"tuf_target": "other.example/keys.json"}]});
    let e = Policy::from_json(policy.to_string().as_bytes(), None).unwrap_err();
    assert_eq!(e.status, Status::PolicyInvalid, "{e}");
    assert!(e.message.contains("speaks for no domain"), "{e}");
}

// 21.4: a snapshot may not raise the per-file limit by stating a larger length.
#[test]
fn a_stated_length_above_the_limit_is_capped() {
    let site = Site::new("length");
    let mut s = Spec::new();
    let mut big = Role::new("big.example", &["big.example/*"]);
    big.files.push(("big.example/a.json".into(), b"{}".to_vec()));
    s.delegate(None, big);
    s.stated_length = true;
    site.update(&s).expect("a stated length below the limit is used");
    // The role's metadata just above the limit, its true length stated by the snapshot.
    s.roles[0].pad = MAX_TUF_METADATA_BYTES as usize;
    s.version = 2;
    let e = site.refused(&s, Status::TufRefused, "Maximum size");
    assert!(e.message.contains("max_targets_size"), "{e}");
}

#[test]
fn an_update_fetches_at_most_its_byte_budget() {
    // 40 targets of 1 MiB each: every file within its own limit, 40 MiB in all.
    let site = Site::new("budget");
    let mut s = Spec::new();
    for i in 0..40 {
        let body = vec![b'a' + (i % 26) as u8; 1 << 20];
        s.files.push((format!("blob{i}.bin"), body));
    }
    let e = site.refused(&s, Status::TufRefused, "per update");
    assert!(e.message.contains(&format!("above the limit of {}", domainsig::limits::MAX_TUF_UPDATE_BYTES)), "{e}");
}

// 21.6: without consistent snapshots a role's metadata is stored under its name.
#[test]
fn a_role_named_after_a_top_level_role_is_refused() {
    for name in ["root", "timestamp", "snapshot", "targets"] {
        let site = Site::new(&format!("toplevel-{name}"));
        let mut s = Spec::new();
        s.consistent = false;
        site.update(&s).expect("the plain repository loads");
        s.version = 2;
        let mut r = Role::new(name, &["x/*"]);
        r.files.push(("x/keys.json".into(), b"{}".to_vec()));
        s.delegate(None, r);
        let e = site.refused(&s, Status::TufRefused, &format!("delegated role name {name:?} is refused"));
        assert!(e.message.contains("top-level role"), "{e}");
        // The trusted state still updates.
        s.roles.clear();
        s.children.clear();
        s.version = 3;
        site.update(&s).expect("the next honest update works");
    }
}

#[test]
fn delegated_roles_are_not_stored_beside_the_trusted_root() {
    let site = Site::new("datastore");
    let mut s = Spec::new();
    s.consistent = false;
    let mut r = Role::new("registry.example", &["registry.example/*"]);
    r.files.push(("registry.example/keys.json".into(), b"{}".to_vec()));
    s.delegate(None, r);
    site.update(&s).unwrap();
    let repo_dir = std::fs::read_dir(&site.cache).unwrap().next().unwrap().unwrap().path();
    let live = std::fs::read_to_string(repo_dir.join("current")).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(repo_dir.join(live.trim()).join("metadata"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["latest_known_time.json", "root.json", "snapshot.json", "targets.json", "timestamp.json"]);
}

// 21.7: a role's name is a file name and a URL segment, never a path.
#[test]
fn role_names_that_are_paths_are_refused() {
    let site = Site::new("names");
    // `../outside` in a repository without consistent snapshots is fetched as `..%2Foutside.json`,
    // which a file URL decodes to `<repo>/../outside.json`: written there, it would be read.
    for (name, why) in [
        ("../outside", "path separator"),
        ("a\\b", "path separator"),
        ("..", "parent or current folder"),
        ("a..b", "parent or current folder"),
        // DEL: a control character that canonical JSON and serde_json both write as is.
        ("del\u{7f}", "control character"),
        ("", "empty"),
    ] {
        let mut s = Spec::new();
        s.consistent = false;
        let mut r = Role::new(name, &["*"]);
        r.files.push(("outside/keys.json".into(), b"{}".to_vec()));
        s.delegate(None, r);
        let e = site.refused(&s, Status::TufRefused, "delegated role name");
        assert!(e.message.contains(why), "{name:?}: {e}");
    }
}

#[test]
fn a_percent_encoded_separator_in_a_file_url_is_not_followed() {
    // `%2F` in a role's name is sent as `%252F` and stays a literal; a URL that carries `%2F`
    // itself (a mirror's base path, a target's name) is refused before the file is opened.
    let site = Site::new("percent");
    let mut s = Spec::new();
    s.consistent = false;
    let mut r = Role::new("x%2Fy", &["*"]);
    r.files.push(("z/keys.json".into(), b"{}".to_vec()));
    s.delegate(None, r);
    // The role file sits where the literal name puts it; the update loads it.
    site.update(&s).expect("a literal %2F in a name is only a name");
    // A whole repository beside the configured one, reachable only by decoding `%2F`.
    let root = Spec::new().write(&site.dir.join("escaped"));
    std::fs::create_dir_all(&site.repo).unwrap();
    let url = format!("file://{}/..%2Fescaped/", site.repo.display());
    let e = tuf::update(&site.cfg(root, url), &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufRefused, "{e}");
    assert!(e.message.contains("not a file name"), "{e}");
}

/// Serves a repository folder, answering the URLs ending in a given name as told.
struct Flaky {
    dir: PathBuf,
    answers: BTreeMap<&'static str, Result<Fetched, String>>,
    asked: std::cell::RefCell<Vec<String>>,
}

impl Fetcher for Flaky {
    fn fetch(&self, url: &str, _max_len: u64) -> Result<Fetched, String> {
        self.asked.borrow_mut().push(url.to_owned());
        let name = url.rsplit('/').next().unwrap_or_default();
        if let Some(a) = self.answers.get(name) {
            return a.clone();
        }
        let rel = url.strip_prefix("https://tuf.test/").unwrap_or_default();
        match std::fs::read(self.dir.join(rel)) {
            Ok(b) => Ok(Fetched::Bytes(b)),
            Err(_) => Ok(Fetched::NotFound),
        }
    }
}

// 16.7: only "not found" ends the root walk.
#[test]
fn only_not_found_ends_the_root_walk() {
    let site = Site::new("walk");
    let s = Spec::new();
    let root = s.write(&site.repo);
    let cfg = site.cfg(root, "https://tuf.test/".into());
    let flaky = |answer: Result<Fetched, String>| Flaky {
        dir: site.repo.clone(),
        answers: BTreeMap::from([("2.root.json", answer)]),
        asked: Default::default(),
    };
    // Not found (the host's 404 or 403): the walk ends and the update goes on.
    let f = flaky(Ok(Fetched::NotFound));
    let r = tuf::update(&cfg, &f).expect("404 ends the walk");
    assert_eq!(r.roles[0].version, 1);
    assert!(f.asked.borrow().iter().any(|u| u.ends_with("timestamp.json")));
    // Anything else fails the update, names the URL, leaves the cache and fetches nothing more.
    for reason in ["HTTP status 500", "connection reset by peer", "timed out reading response"] {
        let f = flaky(Err(reason.into()));
        let words = format!("cannot reach https://tuf.test/2.root.json: {reason}");
        tree::refused(&site.cache, Status::TufFetch, &words, || tuf::update(&cfg, &f));
        assert!(!f.asked.borrow().iter().any(|u| u.ends_with("timestamp.json")), "{reason}");
    }
}

#[test]
fn offline_the_diagnosis_is_the_network_not_an_expired_root() {
    let site = Site::new("offline");
    let s = Spec::new();
    let root = s.write(&site.repo);
    let e = tuf::update(&site.cfg(root, "https://tuf.test/".into()), &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufFetch, "{e}");
    assert!(e.message.starts_with("cannot reach https://tuf.test/2.root.json: "), "{e}");
    assert!(!e.message.contains("expired"), "{e}");
}

/// A one-thread HTTP/1.1 server on 127.0.0.1 serving `dir`; `2.root.json` answers `status` (or,
/// for 0, the connection is closed without an answer).
fn serve(dir: PathBuf, status: u16) -> (String, std::thread::JoinHandle<()>, std::sync::mpsc::Sender<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let (stop_tx, stop) = std::sync::mpsc::channel::<()>();
    let h = std::thread::spawn(move || {
        loop {
            if stop.try_recv().is_ok() {
                return;
            }
            let Ok((mut conn, _)) = listener.accept() else {
                std::thread::sleep(std::time::Duration::from_millis(5));
                continue;
            };
            conn.set_nonblocking(false).unwrap();
            let mut line = String::new();
            let mut r = BufReader::new(conn.try_clone().unwrap());
            if r.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_owned();
            let (code, body) = if path == "2.root.json" {
                if status == 0 {
                    continue; // drop the connection: a reset, as the client sees it
                }
                (status, Vec::new())
            } else {
                match std::fs::read(dir.join(&path)) {
                    Ok(b) => (200, b),
                    Err(_) => (404, Vec::new()),
                }
            };
            let head = format!("HTTP/1.1 {code} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = conn.write_all(head.as_bytes()).and_then(|()| conn.write_all(&body));
        }
    });
    (base, h, stop_tx)
}

#[test]
fn cli_root_walk_over_http() {
    let site = Site::new("cli-http");
    let s = Spec::new();
    s.write(&site.repo);
    for (status, ok) in [(404, true), (403, true), (500, false), (0, false)] {
        let cache = site.dir.join(format!("cache-{status}"));
        let (base, h, stop) = serve(site.repo.clone(), status);
        let out = site.cli_update(&base, &cache);
        stop.send(()).unwrap();
        h.join().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if ok {
            assert_eq!(out.status.code(), Some(0), "{status}: {err}");
        } else {
            assert_eq!(out.status.code(), Some(2), "{status}: {err}");
            assert!(err.contains(&format!("cannot reach {base}2.root.json")), "{status}: {err}");
            assert_eq!(digest(&cache), digest(&site.dir.join("no-such-folder")), "{status}");
        }
    }
}

#[test]
fn cli_survives_a_thousand_role_chain() {
    let site = Site::new("cli-chain");
    chain(1000).write(&site.repo);
    let out = site.cli_update(&site.repo, &site.cache);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("delegation depth"), "{err}");
}

/// Serves a repository from memory at `https://tuf.test/`, so names longer than a file system
/// allows can be served, as any web server can.
struct Mem(BTreeMap<PathBuf, Vec<u8>>);

impl Fetcher for Mem {
    fn fetch(&self, url: &str, _max_len: u64) -> Result<Fetched, String> {
        let rel = url.strip_prefix("https://tuf.test/").ok_or_else(|| format!("unexpected URL {url}"))?;
        Ok(self.0.get(Path::new(rel)).map_or(Fetched::NotFound, |b| Fetched::Bytes(b.clone())))
    }
}

/// Review of issue 21: a refresh keeps version-named metadata in `reuse/` under its URL's name,
/// and a delegated role's name has no length limit, so a role named with 8,000 letters (served
/// over HTTP, where no file system limits it) failed every update with TUF_CACHE ("File name too
/// long"), blaming the cache for the repository's choice. Such a file is now simply not reused.
#[test]
fn a_role_name_longer_than_a_file_name_is_not_kept_for_reuse() {
    let site = Site::new("long-role");
    let mut s = Spec::new();
    let mut long = Role::new(&"r".repeat(8000), &["long.example/*"]);
    long.files.push(("long.example/a.json".into(), b"{}".to_vec()));
    s.delegate(None, long);
    let cfg = site.cfg(s.build().0, "https://tuf.test/".into());
    let r = tuf::update(&cfg, &Mem(s.build().1)).expect("a long role name is a name");
    assert_eq!(r.target("long.example/a.json").map(|t| t.role.len()), Some(8000));
    s.version = 2;
    tuf::update(&cfg, &Mem(s.build().1)).expect("and refreshes");
}

/// Review of issue 21: the description of a verified state (report.json) is read back with the
/// metadata limit, but was written whatever its size. A delegated role's name is repeated for
/// every target it lists, so a role named with 8,000 letters listing 150 one-byte targets (9 KB of
/// metadata) made a 1.2 MB report: the update was published, then `status`, every policy reading
/// the cache and every later update failed (LIMIT_EXCEEDED) until the cache was deleted by hand.
/// Now such a state is refused before it is published; the cache keeps the previous one. (The
/// limit is now MAX_TUF_REPORT_BYTES, sized for the publisher map names a cache remembers, so the
/// role's name is longer and it lists more targets.)
#[test]
fn a_state_too_large_to_read_back_is_not_published() {
    let site = Site::new("report-size");
    let mut s = Spec::new();
    let cfg = site.cfg(s.build().0, "https://tuf.test/".into());
    tuf::update(&cfg, &Mem(s.build().1)).expect("a small state is published");
    let mut evil = Role::new(&"r".repeat(40_000), &["evil.example/*"]);
    evil.files = (0..240).map(|i| (format!("evil.example/t{i}"), b"x".to_vec())).collect();
    s.delegate(None, evil);
    s.version = 2;
    // A state the cache cannot read back.
    tree::refused(&site.cache, Status::TufRefused, "report", || tuf::update(&cfg, &Mem(s.build().1)));
    // The cache still reads, and updates once the repository is sane again.
    assert_eq!(tuf::status(&cfg).expect("the cache still reads").roles[1].version, 1);
    s.roles.clear();
    s.children.clear();
    s.version = 3;
    assert_eq!(tuf::update(&cfg, &Mem(s.build().1)).expect("updates again").roles[1].version, 3);
}

/// Review of issue 21 item 4: files a refresh took from the cache were not counted against the
/// update's byte budget. Nine targets with one 4 MiB body (36 MiB, refused by a first update)
/// passed once the body was cached, each copy held in memory: up to 256 targets of 4 MiB, 1 GiB,
/// where the budget promises 32 MiB. A refresh now accepts exactly what a first update accepts.
#[test]
fn bytes_taken_from_the_cache_count_against_the_budget() {
    let site = Site::new("reuse-budget");
    let body = vec![b'z'; domainsig::limits::MAX_TUF_TARGET_BYTES as usize];
    let mut s = Spec::new();
    s.files.push(("blob0.bin".into(), body.clone()));
    let cfg = site.cfg(s.build().0, "https://tuf.test/".into());
    tuf::update(&cfg, &Mem(s.build().1)).expect("one 4 MiB target is within the budget");
    s.version = 2;
    for i in 1..9 {
        s.files.push((format!("blob{i}.bin"), body.clone()));
    }
    // 36 MiB of targets is above the budget.
    tree::refused(&site.cache, Status::TufRefused, "per update", || tuf::update(&cfg, &Mem(s.build().1)));
}

/// Review leftover 1: a target named with an escape sequence (here one that sets the terminal's
/// title) was verified, cached and printed raw by `trust update` and `trust status`. A target
/// name with a control character is now refused, as tough refuses one in a role name.
#[test]
fn a_target_name_with_a_control_character_is_refused() {
    let site = Site::new("ctl-target");
    let mut s = Spec::new();
    s.files.push(("\u{1b}]0;x\u{7}a".into(), b"{}".to_vec()));
    let e = site.refused(&s, Status::TufRefused, "control character");
    assert!(e.message.contains("\\u{1b}]0;x\\u{7}a"), "the name is shown escaped: {e}");
    let out = site.cli_update(&site.repo, &site.cache);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b), "an escape reached the terminal");
}

/// Review leftover 1: whatever else `trust status` prints from the cache (written by an earlier
/// update, or by anyone who can write the folder) reaches the terminal with its control
/// characters escaped.
#[test]
fn cli_status_escapes_control_characters() {
    let site = Site::new("ctl-status");
    let s = Spec::new();
    let r = site.update(&s).expect("a sane repository");
    let repo_dir = PathBuf::from(&r.cache);
    let live = std::fs::read_to_string(repo_dir.join("current")).unwrap();
    let report = repo_dir.join(live.trim()).join("report.json");
    let text = std::fs::read_to_string(&report).unwrap();
    std::fs::write(&report, text.replace("\"trusted_root.json\"", "\"\\u001b]0;x\\u0007trusted_root.json\"")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_domainsig"))
        .args(["trust", "status", "--repo"])
        .arg(&site.repo)
        .arg("--cache")
        .arg(&site.cache)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("\\u{1b}]0;x\\u{7}trusted_root.json"), "{stdout}");
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07), "an escape reached the terminal");
}

/// Review leftover 2: a server that answers 403 to everything (an expired token) ends the root
/// walk, as python-tuf's does; the 403 for `timestamp.json` then came out as TUF_REFUSED (exit
/// 1), though nothing was refused by verification. It is a fetch failure naming the URL.
#[test]
fn a_server_that_answers_not_found_to_everything_is_a_fetch_failure() {
    let site = Site::new("all-403");
    let s = Spec::new();
    let cfg = site.cfg(s.build().0, "https://tuf.test/".into());
    let e = tuf::update(&cfg, &Mem(BTreeMap::new())).expect_err("nothing is served");
    assert_eq!(e.status, Status::TufFetch, "{e}");
    assert!(e.message.starts_with("cannot reach https://tuf.test/timestamp.json: "), "{e}");
    assert!(e.message.contains("HTTP 404 or 403"), "{e}");
    // The CLI: exit 2 (network), not 1 (refused).
    let empty = site.dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    s.write(&site.repo);
    let (base, h, stop) = serve(empty, 403);
    let out = site.cli_update(&base, &site.cache);
    stop.send(()).unwrap();
    h.join().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("cannot reach {base}timestamp.json")), "{err}");
}

/// Review leftover 3: a refused first update removed the repository's folder it created, but not
/// the cache folder (nor its parents) it had created above it: an empty `--cache` folder stayed.
#[test]
fn a_refused_first_update_leaves_no_folder_behind() {
    let site = Site::new("no-trace");
    let mut s = Spec::new();
    s.files.push(("bad\u{7f}name".into(), b"{}".to_vec()));
    let root = s.write(&site.repo);
    let fresh = site.dir.join("fresh");
    let mut cfg = site.cfg(root, site.repo.to_string_lossy().into_owned());
    cfg.cache = fresh.join("cache");
    let e = tuf::update(&cfg, &NoNetwork).expect_err("a target name with a control character");
    assert_eq!(e.status, Status::TufRefused, "{e}");
    assert!(!fresh.exists(), "a refused first update left {} behind", fresh.display());
    // A folder that existed before stays.
    std::fs::create_dir_all(&cfg.cache).unwrap();
    tuf::update(&cfg, &NoNetwork).expect_err("still refused");
    assert_eq!(std::fs::read_dir(&cfg.cache).unwrap().count(), 0, "the repository's folder is gone");
    assert!(cfg.cache.is_dir(), "the existing cache folder stays");
}

/// Review leftover 4: the roots a cache verified (`roots.json`), which a given bootstrap root is
/// compared with, were read as "none" when the file was larger than the metadata limit or not
/// JSON, so the comparison silently passed. Such a file now fails closed with TUF_CACHE.
#[test]
fn an_unreadable_roots_file_fails_closed() {
    let site = Site::new("roots-file");
    let s = Spec::new();
    let r = site.update(&s).expect("a sane repository");
    let repo_dir = PathBuf::from(&r.cache);
    let live = std::fs::read_to_string(repo_dir.join("current")).unwrap();
    let roots = repo_dir.join(live.trim()).join("roots.json");
    let text = std::fs::read_to_string(&roots).unwrap();
    let cfg = site.cfg(s.build().0, site.repo.to_string_lossy().into_owned());
    for bad in [format!("{text}{}", " ".repeat(MAX_TUF_METADATA_BYTES as usize)), "{".to_owned()] {
        std::fs::write(&roots, bad).unwrap();
        let e = tuf::update(&cfg, &NoNetwork).expect_err("the cache's roots cannot be read");
        assert_eq!(e.status, Status::TufCache, "{e}");
        assert!(e.message.contains("roots.json"), "{e}");
        let e = tuf::cached_target(&cfg, "trusted_root.json", tuf::unix_now()).expect_err("nor here");
        assert_eq!(e.status, Status::TufCache, "{e}");
    }
}
