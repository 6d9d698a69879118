//! Signing TUF repositories for tests: fixed-seed Ed25519 keys, canonical JSON, and the metadata
//! every test repository has (root v1; snapshot and timestamp over a `meta` listing). Included by
//! path (`#[path = "support/tuf_repo.rs"]`) by the TUF tests and the fuzz crate's `tuf_update`
//! target, so it needs nothing beyond aws-lc-rs and serde_json.
//!
//! Keys by seed: 1 root, 2 timestamp, 3 snapshot, 4 targets; tests choose others for delegations.
//! Layout and fields: TUF 1.0 §4 "Document formats" (key IDs are the SHA-256 of the key's
//! canonical JSON, §4.2) and §5.1 consistent snapshots (`VERSION.ROLE.json`, `targets/HASH.NAME`),
//! <https://theupdateframework.github.io/specification/latest/#document-formats>.
//!
//! Each includer uses a different part, so unused items are expected per crate.
#![allow(dead_code)]

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// An expiry no test outlives.
pub const FUTURE: &str = "2099-01-01T00:00:00Z";

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// SHA-256 of `b` in lower-case hex.
pub fn sha256(b: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b).as_ref())
}

/// A fixed Ed25519 key: the pair, its TUF key ID and its key JSON.
pub struct Key {
    pub pair: Ed25519KeyPair,
    pub id: String,
    pub json: Value,
}

/// The key made from 32 bytes of `seed`.
pub fn key(seed: u8) -> Key {
    let pair = Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).expect("a 32-byte seed");
    let json =
        json!({"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": hex(pair.public_key().as_ref())}});
    let id = sha256(&canonical(&json));
    Key { pair, id, json }
}

/// OLPC canonical JSON (what tough verifies) of the documents tests write: serde_json's compact
/// output with sorted keys, except that canonical JSON writes control characters as they are where
/// serde_json escapes them; the two that the tests' hostile names use (ESC, BEL) are put back.
/// Any other control character stays escaped, so its document fails to verify: a refusal.
pub fn canonical(v: &Value) -> Vec<u8> {
    let compact = String::from_utf8(serde_json::to_vec(v).expect("JSON serialises")).expect("serde_json writes UTF-8");
    compact.replace("\\u001b", "\u{1b}").replace("\\u0007", "\u{7}").into_bytes()
}

/// `signed` signed by each of `keys` (one signature each, in order), as compact JSON.
pub fn sign_keys(signed: &Value, keys: &[&Key]) -> Vec<u8> {
    let msg = canonical(signed);
    let sigs: Vec<Value> =
        keys.iter().map(|k| json!({"keyid": k.id, "sig": hex(k.pair.sign(&msg).as_ref())})).collect();
    serde_json::to_vec(&json!({"signatures": sigs, "signed": signed})).expect("JSON serialises")
}

/// `signed` signed by the key of `seed`.
pub fn sign(signed: &Value, seed: u8) -> Vec<u8> {
    sign_keys(signed, &[&key(seed)])
}

/// Root v1 (keys 1 to 4, one per top-level role, threshold 1), signed by key 1.
pub fn root(consistent_snapshot: bool) -> Vec<u8> {
    let mut keys = BTreeMap::new();
    let mut roles = BTreeMap::new();
    for (seed, role) in [(1u8, "root"), (2, "timestamp"), (3, "snapshot"), (4, "targets")] {
        let k = key(seed);
        keys.insert(k.id.clone(), k.json);
        roles.insert(role, json!({"keyids": [k.id], "threshold": 1}));
    }
    sign(
        &json!({"_type": "root", "spec_version": "1.0.31", "version": 1, "expires": FUTURE,
                "consistent_snapshot": consistent_snapshot, "keys": keys, "roles": roles}),
        1,
    )
}

/// A targets body (unsigned, no delegations) listing `files` (name, bytes) by length and SHA-256.
pub fn targets(version: u64, expires: &str, files: &[(String, Vec<u8>)]) -> Value {
    let listed: BTreeMap<_, _> =
        files.iter().map(|(n, b)| (n.clone(), json!({"length": b.len(), "hashes": {"sha256": sha256(b)}}))).collect();
    json!({"_type": "targets", "spec_version": "1.0.31", "version": version, "expires": expires, "targets": listed})
}

/// Where a consistent-snapshot repository serves target `name` with content `body`:
/// `targets/DIR/SHA256.FILE`.
pub fn target_path(name: &str, body: &[u8]) -> PathBuf {
    let (d, f) = name.rsplit_once('/').unwrap_or(("", name));
    Path::new("targets").join(d).join(format!("{}.{f}", sha256(body)))
}

/// The snapshot (key 3) listing `meta`, and the timestamp (key 2) naming it, both `version`,
/// expiring [`FUTURE`].
pub fn snapshot_and_timestamp(version: u64, meta: BTreeMap<String, Value>) -> (Vec<u8>, Vec<u8>) {
    let snapshot = sign(
        &json!({"_type": "snapshot", "spec_version": "1.0.31", "version": version, "expires": FUTURE, "meta": meta}),
        3,
    );
    let timestamp = sign(
        &json!({"_type": "timestamp", "spec_version": "1.0.31", "version": version, "expires": FUTURE,
                "meta": {"snapshot.json": {"version": version, "length": snapshot.len(),
                                           "hashes": {"sha256": sha256(&snapshot)}}}}),
        2,
    );
    (snapshot, timestamp)
}

/// Writes `bytes` at `path`, making its folders.
pub fn put(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("a file path")).expect("the folder is made");
    std::fs::write(path, bytes).expect("the file is written");
}
