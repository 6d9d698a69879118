//! Attacks on TUF repositories these tests sign with their own Ed25519 keys: each is refused with
//! a specific status and message, and a refused update leaves the cache byte for byte as it was.
//!
//! The signer is test-only and small: canonical JSON here is serde_json's compact output with
//! sorted keys, which equals OLPC canonical JSON for the ASCII, integer-only documents written here.

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use domainsig::Status;
use domainsig::trust::tuf::{self, Expiry, NoNetwork, Repo, TufConfig};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

struct Key {
    pair: Ed25519KeyPair,
    id: String,
    json: Value,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sha256(b: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b).as_ref())
}

fn key(seed: u8) -> Key {
    let pair = Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).unwrap();
    let json =
        json!({"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": hex(pair.public_key().as_ref())}});
    let id = sha256(&serde_json::to_vec(&json).unwrap());
    Key { pair, id, json }
}

fn sign(signed: &Value, keys: &[&Key]) -> Vec<u8> {
    let msg = serde_json::to_vec(signed).unwrap();
    let sigs: Vec<Value> =
        keys.iter().map(|k| json!({"keyid": k.id, "sig": hex(k.pair.sign(&msg).as_ref())})).collect();
    serde_json::to_vec(&json!({"signatures": sigs, "signed": signed})).unwrap()
}

const FUTURE: &str = "2099-01-01T00:00:00Z";
const PAST: &str = "2001-01-01T00:00:00Z";

/// One state of a test repository; `write` publishes it as a CDN would (consistent snapshots).
#[derive(Clone)]
struct State {
    root_version: u64,
    root_expires: &'static str,
    timestamp: (u64, &'static str),
    snapshot: (u64, &'static str),
    targets: (u64, &'static str),
    delegated: (u64, &'static str),
    root_keys: Vec<u8>,
    timestamp_keys: Vec<u8>,
    timestamp_threshold: u64,
    timestamp_signers: Vec<u8>,
    /// Target name and content, listed by top-level targets.
    files: Vec<(String, Vec<u8>)>,
    /// Target name and content, listed by the delegated role `registry.example` (paths `registry.example/*`).
    delegated_files: Vec<(String, Vec<u8>)>,
}

impl State {
    fn good() -> State {
        State {
            root_version: 1,
            root_expires: FUTURE,
            timestamp: (1, FUTURE),
            snapshot: (1, FUTURE),
            targets: (1, FUTURE),
            delegated: (1, FUTURE),
            root_keys: vec![1],
            timestamp_keys: vec![2],
            timestamp_threshold: 1,
            timestamp_signers: vec![2],
            files: vec![("trusted_root.json".into(), b"{\"mediaType\": \"test\"}".to_vec())],
            delegated_files: vec![("registry.example/keys.json".into(), b"{\"keys\": []}".to_vec())],
        }
    }

    fn root(&self) -> Vec<u8> {
        let ids = |seeds: &[u8]| seeds.iter().map(|s| key(*s).id).collect::<Vec<_>>();
        let mut keys = BTreeMap::new();
        for s in self.root_keys.iter().chain(&self.timestamp_keys).chain(&[3, 4]) {
            let k = key(*s);
            keys.insert(k.id.clone(), k.json.clone());
        }
        let signed = json!({
            "_type": "root", "spec_version": "1.0.31", "version": self.root_version,
            "expires": self.root_expires, "consistent_snapshot": true, "keys": keys,
            "roles": {
                "root": {"keyids": ids(&self.root_keys), "threshold": 1},
                "timestamp": {"keyids": ids(&self.timestamp_keys), "threshold": self.timestamp_threshold},
                "snapshot": {"keyids": ids(&[3]), "threshold": 1},
                "targets": {"keyids": ids(&[4]), "threshold": 1},
            }
        });
        signed_by(&signed, &self.root_keys)
    }

    /// Writes every file of this state into `dir`; roots 1..=root_version signed by `root_history`.
    fn write(&self, dir: &Path, roots: &[Vec<u8>]) {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir.join("targets/registry.example")).unwrap();
        for (i, r) in roots.iter().enumerate() {
            std::fs::write(dir.join(format!("{}.root.json", i + 1)), r).unwrap();
        }
        let entry = |(name, body): &(String, Vec<u8>)| {
            let (d, f) = name.rsplit_once('/').unwrap_or(("", name));
            std::fs::write(dir.join("targets").join(d).join(format!("{}.{f}", sha256(body))), body).unwrap();
            (name.clone(), json!({"length": body.len(), "hashes": {"sha256": sha256(body)}}))
        };
        let files: BTreeMap<_, _> = self.files.iter().map(entry).collect();
        let dfiles: BTreeMap<_, _> = self.delegated_files.iter().map(entry).collect();
        let k5 = key(5);
        let delegated = sign(
            &json!({"_type": "targets", "spec_version": "1.0.31", "version": self.delegated.0,
                    "expires": self.delegated.1, "targets": dfiles}),
            &[&k5],
        );
        std::fs::write(dir.join(format!("{}.registry.example.json", self.delegated.0)), &delegated).unwrap();
        let targets = signed_by(
            &json!({"_type": "targets", "spec_version": "1.0.31", "version": self.targets.0,
                    "expires": self.targets.1, "targets": files,
                    "delegations": {"keys": {k5.id.clone(): k5.json.clone()},
                        "roles": [{"name": "registry.example", "keyids": [k5.id], "threshold": 1,
                                   "paths": ["registry.example/*"], "terminating": true}]}}),
            &[4],
        );
        std::fs::write(dir.join(format!("{}.targets.json", self.targets.0)), &targets).unwrap();
        let snapshot = signed_by(
            &json!({"_type": "snapshot", "spec_version": "1.0.31", "version": self.snapshot.0,
                    "expires": self.snapshot.1,
                    "meta": {"targets.json": {"version": self.targets.0},
                             "registry.example.json": {"version": self.delegated.0}}}),
            &[3],
        );
        std::fs::write(dir.join(format!("{}.snapshot.json", self.snapshot.0)), &snapshot).unwrap();
        let timestamp = signed_by(
            &json!({"_type": "timestamp", "spec_version": "1.0.31", "version": self.timestamp.0,
                    "expires": self.timestamp.1,
                    "meta": {"snapshot.json": {"version": self.snapshot.0, "length": snapshot.len(),
                                               "hashes": {"sha256": sha256(&snapshot)}}}}),
            &self.timestamp_signers,
        );
        std::fs::write(dir.join("timestamp.json"), &timestamp).unwrap();
    }
}

fn signed_by(signed: &Value, seeds: &[u8]) -> Vec<u8> {
    let keys: Vec<Key> = seeds.iter().map(|s| key(*s)).collect();
    sign(signed, &keys.iter().collect::<Vec<_>>())
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("domainsig-tuf-attack-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn digest(dir: &Path) -> String {
    fn walk(d: &Path, base: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.push((rel + "/", Vec::new()));
                walk(&p, base, out);
            } else {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut all = Vec::new();
    walk(dir, dir, &mut all);
    all.sort();
    sha256(&serde_json::to_vec(&all).unwrap())
}

/// A repository updated once from `State::good()` (versions 2, so rollbacks to 1 are possible).
struct Fixture {
    repo: PathBuf,
    cache: PathBuf,
    cfg: TufConfig,
    roots: Vec<Vec<u8>>,
}

impl Fixture {
    fn new(name: &str) -> Fixture {
        let repo = scratch(&format!("{name}-repo"));
        let cache = scratch(&format!("{name}-cache"));
        let mut s = State::good();
        let roots = vec![s.root()];
        s.timestamp.0 = 2;
        s.snapshot.0 = 2;
        s.targets.0 = 2;
        s.delegated.0 = 2;
        s.write(&repo, &roots);
        let cfg = TufConfig {
            repo: Repo::Custom { url_or_dir: repo.to_string_lossy().into_owned(), root: roots[0].clone() },
            cache: cache.clone(),
            expiry: Expiry::Enforce,
        };
        let r = tuf::update(&cfg, &NoNetwork).expect("the good repository updates");
        assert_eq!(r.target("registry.example/keys.json").unwrap().role, "registry.example");
        Fixture { repo, cache, cfg, roots }
    }

    fn state(&self) -> State {
        let mut s = State::good();
        s.timestamp.0 = 3;
        s.snapshot.0 = 3;
        s.targets.0 = 3;
        s.delegated.0 = 3;
        s
    }

    /// Serves `s` and expects a refusal with `status` whose message contains `words`.
    fn refused(&self, s: &State, roots: &[Vec<u8>], status: Status, words: &str) {
        s.write(&self.repo, roots);
        let before = digest(&self.cache);
        let e = tuf::update(&self.cfg, &NoNetwork).expect_err(words);
        assert_eq!(e.status, status, "{e}");
        assert!(e.message.to_lowercase().contains(words), "expected {words:?} in: {e}");
        assert_eq!(digest(&self.cache), before, "refused update changed the cache: {e}");
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.repo);
        let _ = std::fs::remove_dir_all(&self.cache);
    }
}

#[test]
fn expired_metadata_is_refused() {
    let f = Fixture::new("expired");
    let mut s = f.state();
    s.timestamp.1 = PAST;
    f.refused(&s, &f.roots, Status::TufExpired, "timestamp metadata is expired");
    let mut s = f.state();
    s.snapshot.1 = PAST;
    f.refused(&s, &f.roots, Status::TufExpired, "snapshot metadata is expired");
    let mut s = f.state();
    s.targets.1 = PAST;
    f.refused(&s, &f.roots, Status::TufExpired, "targets metadata is expired");
    let mut s = f.state();
    s.root_version = 2;
    s.root_expires = PAST;
    let roots = vec![f.roots[0].clone(), s.root()];
    f.refused(&s, &roots, Status::TufExpired, "root metadata is expired");
}

#[test]
fn rollback_and_freeze_are_refused() {
    let f = Fixture::new("rollback");
    let mut s = f.state();
    s.timestamp.0 = 1;
    f.refused(&s, &f.roots, Status::TufRefused, "timestamp");
    let mut s = f.state();
    s.snapshot.0 = 1;
    f.refused(&s, &f.roots, Status::TufRefused, "snapshot");
    let mut s = f.state();
    s.targets.0 = 1;
    f.refused(&s, &f.roots, Status::TufRefused, "targets");
    // Freeze: the same old timestamp replayed after it expired.
    let mut s = f.state();
    s.timestamp = (3, PAST);
    f.refused(&s, &f.roots, Status::TufExpired, "timestamp metadata is expired");
    // A mirror serving an older state than the cache.
    let mut s = State::good();
    s.timestamp.0 = 1;
    f.refused(&s, &f.roots, Status::TufRefused, "timestamp");
}

#[test]
fn mix_and_match_and_bad_targets_are_refused() {
    let f = Fixture::new("mix");
    let s = f.state();
    s.write(&f.repo, &f.roots);
    // The snapshot the timestamp names, replaced by another validly signed snapshot.
    let mut other = f.state();
    other.targets.0 = 4;
    let tmp = scratch("mix-other");
    other.write(&tmp, &f.roots);
    std::fs::copy(tmp.join("3.snapshot.json"), f.repo.join("3.snapshot.json")).unwrap();
    let before = digest(&f.cache);
    let e = tuf::update(&f.cfg, &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufRefused, "{e}");
    assert!(e.message.contains("snapshot") && e.message.to_lowercase().contains("hash"), "{e}");
    assert_eq!(digest(&f.cache), before);
    std::fs::remove_dir_all(&tmp).unwrap();
    // A target whose bytes differ from the signed length and digest.
    s.write(&f.repo, &f.roots);
    let body = &s.files[0].1;
    let served = f.repo.join("targets").join(format!("{}.trusted_root.json", sha256(body)));
    std::fs::write(&served, b"{\"mediaType\": \"evil\"}").unwrap();
    let before = digest(&f.cache);
    let e = tuf::update(&f.cfg, &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufRefused, "{e}");
    assert!(e.message.to_lowercase().contains("hash"), "{e}");
    std::fs::write(&served, b"{\"mediaType\": \"test\"} and more bytes than signed").unwrap();
    let e = tuf::update(&f.cfg, &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufRefused, "{e}");
    assert!(e.message.contains("Maximum size"), "{e}");
    assert_eq!(digest(&f.cache), before);
}

#[test]
fn endless_data_stops_at_the_limit() {
    let f = Fixture::new("endless");
    let s = f.state();
    s.write(&f.repo, &f.roots);
    let big = vec![b' '; (domainsig::limits::MAX_TUF_TIMESTAMP_BYTES + 1) as usize];
    std::fs::write(f.repo.join("timestamp.json"), big).unwrap();
    let before = digest(&f.cache);
    let e = tuf::update(&f.cfg, &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufRefused, "{e}");
    assert!(e.message.contains("Maximum size"), "{e}");
    assert_eq!(digest(&f.cache), before);
}

#[test]
fn threshold_and_rotated_out_keys_are_refused() {
    let f = Fixture::new("keys");
    // Root v2 asks for two timestamp signatures; one is given.
    let mut s = f.state();
    s.root_version = 2;
    s.timestamp_keys = vec![2, 6];
    s.timestamp_threshold = 2;
    let roots = vec![f.roots[0].clone(), s.root()];
    f.refused(&s, &roots, Status::TufRefused, "timestamp");
    // Root v2 rotates the timestamp key from 2 to 6; a timestamp signed by the dropped key 2.
    let mut s = f.state();
    s.root_version = 2;
    s.timestamp_keys = vec![6];
    s.timestamp_signers = vec![2];
    let roots = vec![f.roots[0].clone(), s.root()];
    f.refused(&s, &roots, Status::TufRefused, "timestamp");
    // Root v2 signed only by a key root v1 does not know.
    let mut s = f.state();
    s.root_version = 2;
    s.root_keys = vec![7];
    let roots = vec![f.roots[0].clone(), s.root()];
    f.refused(&s, &roots, Status::TufRefused, "root");
    // The rotation done right is accepted.
    let mut s = f.state();
    s.root_version = 2;
    s.timestamp_keys = vec![6];
    s.timestamp_signers = vec![6];
    s.write(&f.repo, &[f.roots[0].clone(), s.root()]);
    let r = tuf::update(&f.cfg, &NoNetwork).unwrap();
    assert!(r.changed.iter().any(|c| c == "root 1 -> 2"), "{:?}", r.changed);
}

#[test]
fn a_delegated_role_cannot_sign_outside_its_paths() {
    let f = Fixture::new("paths");
    let mut s = f.state();
    s.delegated_files.push(("trusted_root.json".into(), b"{\"mediaType\": \"evil\"}".to_vec()));
    s.files.clear();
    s.write(&f.repo, &f.roots);
    let before = digest(&f.cache);
    match tuf::update(&f.cfg, &NoNetwork) {
        Err(e) => {
            assert_eq!(e.status, Status::TufRefused, "{e}");
            assert_eq!(digest(&f.cache), before);
        }
        Ok(r) => assert!(
            r.target("trusted_root.json").is_none(),
            "a target outside registry.example/* was accepted from the delegated role: {r:?}"
        ),
    }
}
