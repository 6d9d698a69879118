//! A TUF update against a repository whose files are the fuzzer's, in one of two shapes.
//!
//! - Files: the bootstrap root is the tests' valid one (tests/tuf/doors), and the input, split on
//!   "\n--\n", supplies `2.root.json`, `timestamp.json`, the snapshot, the targets metadata and every
//!   target file, in that order. Exercises the host transport, tough's parsing and verification and
//!   the cache staging.
//! - Trees (input starting with byte 0xD7): the input describes a delegation tree (which role
//!   delegates to which, under which name, how long a chain), and this target signs every file
//!   with fixed keys, so the tree gets past signature checks and reaches tough's delegation
//!   loading: depth, role count and role names, hostile ones included.
//!
//! - Hashed trees (input starting with byte 0xD8): the same trees, each delegation made by
//!   `path_hash_prefixes` (one hex digit or none, from the input) and every role listing
//!   publisher map entries `<segment>/publishers/pK.json`; the update asks for a fixed set of
//!   such names, so tough's lazy hashed bins (vendor/tough/PATCHES.md, patch 4) decide which
//!   roles to load.
//!
//! Any input must end in a refusal or a published state, never a panic, a stack overflow or a
//! hang; a published state never has more delegated roles than the limit, and a map entry in it
//! was found through the top-level delegation its first path segment names.
#![no_main]

use domainsig::limits::{MAX_TUF_DELEGATED_ROLES, MAX_TUF_DELEGATION_DEPTH};
use domainsig::trust::tuf::{self, Expiry, Fetched, Fetcher, Repo, TufConfig};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

// The tests' TUF signer (keys by seed, canonical JSON, root, snapshot and timestamp).
#[path = "../../tests/support/tuf_repo.rs"]
mod tuf_repo;
use tuf_repo::{FUTURE, key, sha256, sign};

static ROOT: &[u8] = include_bytes!("../../tests/tuf/doors/1.root.json");
static CACHE: LazyLock<std::path::PathBuf> =
    LazyLock::new(|| std::env::temp_dir().join(format!("domainsig-fuzz-tuf-{}", std::process::id())));

struct Files<'a>(Vec<&'a [u8]>);

impl Fetcher for Files<'_> {
    fn fetch(&self, url: &str, max_len: u64) -> Result<Fetched, String> {
        let name = url.rsplit('/').next().unwrap_or("");
        let part = if name == "2.root.json" {
            0
        } else if name == "timestamp.json" {
            1
        } else if name.ends_with(".snapshot.json") {
            2
        } else if name.ends_with(".targets.json") {
            3
        } else if url.contains("/targets/") {
            4
        } else {
            return Ok(Fetched::NotFound);
        };
        match self.0.get(part) {
            Some(b) if !b.is_empty() && b.len() as u64 <= max_len => Ok(Fetched::Bytes(b.to_vec())),
            Some(b) if !b.is_empty() => Err("larger than the limit".into()),
            _ => Ok(Fetched::NotFound),
        }
    }
}

fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() < 4 {
        match rest.windows(4).position(|w| w == b"\n--\n") {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + 4..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

const TREE: u8 = 0xD7;
const HASHED_TREE: u8 = 0xD8;
/// Segments of the map entries hashed trees list and ask for.
const SEGMENTS: &[&str] = &["registry.npmjs.org", "a", "b", "evil.example"];
/// Entries per segment: enough that a one-digit hash prefix covers a few of each.
const ENTRIES: usize = 32;

/// The hash prefix of role `i` in a hashed tree: one hex digit, or none (every hash) for every
/// 17th role; two roles may share one.
fn prefix(i: usize) -> String {
    if i % 17 == 16 { String::new() } else { format!("{:x}", i % 16) }
}
/// Role names the tree draws from: plain domains, and every kind the client must refuse.
const NAMES: &[&str] = &[
    "registry.npmjs.org",
    "evil.example",
    "a",
    "b",
    "root",
    "targets",
    "..",
    "../up",
    "x/y",
    "a\\b",
    "%2F",
    "..%2Fup",
    "",
    "tab\tname",
    "del\u{7f}",
    "snapshot",
];
/// Most roles a fuzz input describes (above the client's limit, so the limit is reached).
const MAX_ROLES: usize = 160;

/// Root v1 of the tree repositories: keys 1 (root), 2 (timestamp), 3 (snapshot), 4 (targets).
static TREE_ROOT: LazyLock<Vec<u8>> = LazyLock::new(|| tuf_repo::root(true));

/// The name tough puts in a URL: python's `quote(name, safe="")` (tough's `encode_filename`).
fn encoded(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A signed repository from the input: after the tag, byte pairs (parent, name) add one role
/// each, delegated from top-level targets (parent 0) or from role `parent - 1`; a pair whose
/// parent byte is 0xFF instead adds a chain of `name` roles, each delegated from the one before.
fn tree(data: &[u8], hashed: bool) -> HashMap<String, Vec<u8>> {
    let mut roles: Vec<(String, Option<usize>)> = Vec::new();
    for pair in data.chunks(2) {
        let (p, n) = (pair[0], pair.get(1).copied().unwrap_or(0));
        if p == 0xFF {
            for _ in 0..n {
                if roles.len() == MAX_ROLES {
                    break;
                }
                let parent = roles.len().checked_sub(1);
                roles.push((format!("chain-{}", roles.len()), parent));
            }
            continue;
        }
        if roles.len() == MAX_ROLES {
            break;
        }
        let parent = (p as usize % (roles.len() + 1)).checked_sub(1);
        let base = NAMES[n as usize % NAMES.len()];
        // High bit: a unique variant, so many roles can share a shape without sharing a name.
        let name = if n & 0x80 != 0 { format!("{base}{}", roles.len()) } else { base.to_owned() };
        roles.push((name, parent));
    }
    let delegate = key(5);
    let mut files = HashMap::new();
    let mut meta = BTreeMap::new();
    let entry = json!({"length": 2, "hashes": {"sha256": sha256(b"{}")}});
    let body = |name: Option<&str>, own: Option<usize>, children: Vec<(usize, &String)>| {
        let mut listed = match name {
            // A bin lists only what its prefix covers: the map entries below.
            Some(_) if hashed => json!({}),
            Some(n) => {
                let t = format!("{}/keys.json", n.split('/').next().unwrap_or_default());
                json!({t: entry.clone()})
            }
            None => json!({}),
        };
        // A role lists the entries of the segment its name is, those its prefix covers (the
        // others tough refuses: "Target file not delegated").
        if let (true, Some(n), Some(i)) = (hashed, name, own) {
            let seg = n.split('/').next().unwrap_or_default();
            for k in (0..ENTRIES).filter(|_| SEGMENTS.contains(&seg)) {
                let t = format!("{seg}/publishers/p{k}.json");
                if sha256(t.as_bytes()).starts_with(&prefix(i)) {
                    listed[t] = entry.clone();
                }
            }
        }
        let mut t = json!({"_type": "targets", "spec_version": "1.0.31", "version": 1, "expires": FUTURE,
                           "targets": listed});
        if !children.is_empty() {
            let rs: Vec<Value> = children
                .iter()
                .map(|(i, c)| {
                    let mut d = json!({"name": c, "keyids": [delegate.id], "threshold": 1, "terminating": false});
                    if hashed {
                        d["path_hash_prefixes"] = json!([prefix(*i)]);
                    } else {
                        d["paths"] = json!(["*"]);
                    }
                    d
                })
                .collect();
            t["delegations"] = json!({"keys": {delegate.id.clone(): delegate.json.clone()}, "roles": rs});
        }
        t
    };
    let children_of = |i: Option<usize>| {
        roles.iter().enumerate().filter(|(_, (_, p))| *p == i).map(|(j, (n, _))| (j, n)).collect::<Vec<_>>()
    };
    for (i, (name, _)) in roles.iter().enumerate() {
        let signed = sign(&body(Some(name), Some(i), children_of(Some(i))), 5);
        meta.insert(format!("{name}.json"), json!({"version": 1}));
        files.insert(format!("1.{}.json", encoded(name)), signed);
        let dir = name.split('/').next().unwrap_or_default();
        files.insert(format!("targets/{}/{}.keys.json", encoded(dir), sha256(b"{}")), b"{}".to_vec());
    }
    for seg in SEGMENTS.iter().filter(|_| hashed) {
        for k in 0..ENTRIES {
            files.insert(format!("targets/{seg}/publishers/{}.p{k}.json", sha256(b"{}")), b"{}".to_vec());
        }
    }
    meta.insert("targets.json".into(), json!({"version": 1}));
    files.insert("1.targets.json".into(), sign(&body(None, None, children_of(None)), 4));
    let (snapshot, timestamp) = tuf_repo::snapshot_and_timestamp(1, meta);
    files.insert("1.snapshot.json".into(), snapshot);
    files.insert("timestamp.json".into(), timestamp);
    files
}

/// Serves the files of [`tree`] by their path under the repository URL.
struct Tree(HashMap<String, Vec<u8>>);

impl Fetcher for Tree {
    fn fetch(&self, url: &str, max_len: u64) -> Result<Fetched, String> {
        let path = url.strip_prefix("https://tuf.fuzz.invalid/").unwrap_or_default();
        match self.0.get(path) {
            Some(b) if b.len() as u64 <= max_len => Ok(Fetched::Bytes(b.clone())),
            Some(_) => Err("larger than the limit".into()),
            None => Ok(Fetched::NotFound),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = std::fs::remove_dir_all(&*CACHE);
    if let Some(rest) = data.strip_prefix(&[TREE]) {
        let repo = Repo::Custom { url_or_dir: "https://tuf.fuzz.invalid/".into(), root: Some(TREE_ROOT.clone()) };
        let cfg = TufConfig { repo, cache: CACHE.clone(), expiry: Expiry::Enforce };
        if let Ok(r) = tuf::update(&cfg, &Tree(tree(rest, false))) {
            assert!(r.roles.len() as u64 <= 4 + MAX_TUF_DELEGATED_ROLES, "{} roles published", r.roles.len());
        }
        return;
    }
    if let Some(rest) = data.strip_prefix(&[HASHED_TREE]) {
        let repo = Repo::Custom { url_or_dir: "https://tuf.fuzz.invalid/".into(), root: Some(TREE_ROOT.clone()) };
        let cfg = TufConfig { repo, cache: CACHE.clone(), expiry: Expiry::Enforce };
        let wanted: Vec<String> =
            SEGMENTS.iter().flat_map(|seg| (0..ENTRIES).map(move |k| format!("{seg}/publishers/p{k}.json"))).collect();
        if let Ok(r) = tuf::update_for(&cfg, &Tree(tree(rest, true)), &wanted) {
            let most = 4 + MAX_TUF_DELEGATED_ROLES + wanted.len() as u64 * MAX_TUF_DELEGATION_DEPTH;
            assert!(r.roles.len() as u64 <= most, "{} roles published", r.roles.len());
            for t in r.targets.iter().filter(|t| wanted.contains(&t.name)) {
                let seg = t.name.split('/').next();
                assert_eq!(t.domain.as_deref(), seg, "{} published, found through {}", t.name, t.role);
            }
        }
        return;
    }
    let repo = Repo::Custom { url_or_dir: "https://tuf.fuzz.invalid/".into(), root: Some(ROOT.to_vec()) };
    // Expired fuzz metadata would stop at the first role; ignoring expiry lets it go deeper.
    let cfg = TufConfig { repo, cache: CACHE.clone(), expiry: Expiry::Ignore };
    let _ = tuf::update(&cfg, &Files(split(data)));
});
