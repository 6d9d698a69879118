//! The small TUF repository the C, Python and Node tests serve on 127.0.0.1 (tests/tuf/doors/).
//!
//! Sigstore's real repository states expired long ago, and tough reads the wall clock, so a door
//! test that updates over HTTP and then verifies a real bundle needs a repository that is still
//! valid: this one, signed by two throwaway Ed25519 keys made from fixed seeds (root; timestamp,
//! snapshot and targets), expiring in 2099, whose one target is Sigstore's real
//! `trusted_root.json` (from tests/tuf/sigstore-public-good/2026-08-21). Ed25519 signatures are
//! deterministic, so this test rebuilds the repository and requires the committed files to be
//! byte for byte what it makes; `DOMAINSIG_WRITE_DOORS_FIXTURE=1` rewrites them instead.
//!
//! Metadata layout and fields: TUF specification 1.0, §4 "Document formats" and §5.1 consistent
//! snapshots (`VERSION.ROLE.json`, `targets/HASH.NAME`),
//! <https://theupdateframework.github.io/specification/latest/#document-formats>; key IDs are the
//! SHA-256 of the key's canonical JSON (§4.2), the signed bytes the canonical JSON of `signed`.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

// Keys by seed and canonical JSON (the documents here are plain ASCII: no escaping rule differs).
#[path = "support/tuf_repo.rs"]
mod tuf_repo;
use tuf_repo::{Key, canonical, hex, key, sha256};

const EXPIRES: &str = "2099-01-01T00:00:00Z";
const TRUSTED_ROOT: &str = "tests/tuf/sigstore-public-good/2026-08-21/targets/6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66.trusted_root.json";

fn sign(signed: Value, key: &Key) -> Vec<u8> {
    let sig = key.pair.sign(&canonical(&signed));
    let doc = json!({"signed": signed, "signatures": [{"keyid": key.id, "sig": hex(sig.as_ref())}]});
    let mut out = serde_json::to_vec_pretty(&doc).expect("JSON serialises");
    out.push(b'\n');
    out
}

fn meta(bytes: &[u8], version: u64) -> Value {
    json!({"version": version, "length": bytes.len(), "hashes": {"sha256": sha256(bytes)}})
}

/// Every file of the repository, by path relative to its top.
fn build(repo_root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let root_key = key(1);
    let online = key(2);
    let trusted_root = std::fs::read(repo_root.join(TRUSTED_ROOT)).expect("the real trusted_root.json is in the repo");
    let role = |k: &Key| json!({"keyids": [k.id], "threshold": 1});
    let root = sign(
        json!({
            "_type": "root", "spec_version": "1.0.0", "version": 1, "expires": EXPIRES, "consistent_snapshot": true,
            "keys": {root_key.id.clone(): root_key.json, online.id.clone(): online.json},
            "roles": {"root": role(&root_key), "timestamp": role(&online), "snapshot": role(&online), "targets": role(&online)},
        }),
        &root_key,
    );
    let target_sha = sha256(&trusted_root);
    let targets = sign(
        json!({
            "_type": "targets", "spec_version": "1.0.0", "version": 1, "expires": EXPIRES,
            "targets": {"trusted_root.json": {"length": trusted_root.len(), "hashes": {"sha256": target_sha}}},
        }),
        &online,
    );
    let snapshot = sign(
        json!({"_type": "snapshot", "spec_version": "1.0.0", "version": 1, "expires": EXPIRES,
               "meta": {"targets.json": meta(&targets, 1)}}),
        &online,
    );
    let timestamp = sign(
        json!({"_type": "timestamp", "spec_version": "1.0.0", "version": 1, "expires": EXPIRES,
               "meta": {"snapshot.json": meta(&snapshot, 1)}}),
        &online,
    );
    vec![
        ("1.root.json".into(), root),
        ("timestamp.json".into(), timestamp),
        ("1.snapshot.json".into(), snapshot),
        ("1.targets.json".into(), targets),
        (format!("targets/{target_sha}.trusted_root.json").into(), trusted_root),
    ]
}

#[test]
fn doors_fixture_is_what_its_generator_makes() {
    let top = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = top.join("tests/tuf/doors");
    let files = build(top);
    if std::env::var_os("DOMAINSIG_WRITE_DOORS_FIXTURE").is_some() {
        for (rel, bytes) in &files {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
            std::fs::write(&p, bytes).expect("write");
        }
    }
    for (rel, bytes) in &files {
        let committed =
            std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("tests/tuf/doors/{}: {e}", rel.display()));
        assert!(committed == *bytes, "tests/tuf/doors/{} differs from what the generator makes", rel.display());
    }
}
