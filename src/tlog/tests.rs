//! `verify_entry` end to end over synthetic logs: a Rekor v2 style Ed25519 log with a signed
//! checkpoint, and a Rekor v1 style ECDSA log with SETs.

use super::*;
use crate::bundle::InclusionProof;
use crate::error::Status;
use crate::json::{b64encode, hex};
use crate::time::Window;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::EcdsaKeyPair;
use serde_json::json;

const CERT: &[u8] = b"\x30\x03 fake certificate";
const SIG: &[u8] = b"\x30\x06 fake signature";

fn content() -> Content {
    Content::MessageSignature { digest: None, signature: SIG.to_vec() }
}

fn digest() -> Vec<u8> {
    HashAlgorithm::Sha256.digest(b"artifact")
}

fn ctx<'a>(content: &'a Content, digest: &'a [u8]) -> EntryContext<'a> {
    EntryContext {
        bundle_version: BundleVersion::V0_3,
        content,
        signer_der: CERT,
        signer_is_certificate: true,
        artifact_digest: (HashAlgorithm::Sha256, digest),
    }
}

fn root_with(log: LogInstance) -> TrustRoot {
    TrustRoot { tlogs: vec![log], ..TrustRoot::default() }
}

struct V2 {
    root: TrustRoot,
    entry: TlogEntry,
}

/// A Rekor v2 hashedrekord entry at index 1 of a 3-leaf tree, with a checkpoint signed by an
/// Ed25519 log key whose window is `valid`.
fn v2(valid: Window) -> V2 {
    let (pair, mut log) = super::test_ed25519_log(valid);
    log.log_id = vec![0xab; 32];
    let body =
        serde_json::to_vec(&json!({"apiVersion": "0.0.2", "kind": "hashedrekord", "spec": {"hashedRekordV002": {
        "data": {"algorithm": "SHA2_256", "digest": b64encode(&digest())},
        "signature": {"content": b64encode(SIG), "verifier": {"x509Certificate": {"rawBytes": b64encode(CERT)}}}}}}))
        .unwrap();
    let (l0, l2) = (merkle::leaf_hash(b"zero"), merkle::leaf_hash(b"two"));
    let tree_root = merkle::node_hash(&merkle::node_hash(&l0, &merkle::leaf_hash(&body)), &l2);
    let text = format!("log.example\n3\n{}\n", b64encode(&tree_root));
    let mut sig = checkpoint::key_ids(&log.key, "log.example")[0].to_vec();
    sig.extend_from_slice(pair.sign(text.as_bytes()).as_ref());
    let envelope = format!("{text}\n\u{2014} log.example {}\n", b64encode(&sig));
    let entry = TlogEntry {
        log_index: 1,
        log_id: log.log_id.clone(),
        kind: "hashedrekord".into(),
        version: "0.0.2".into(),
        integrated_time: 0,
        promise: None,
        proof: Some(InclusionProof {
            log_index: 1,
            root_hash: tree_root.to_vec(),
            tree_size: 3,
            hashes: vec![l0.to_vec(), l2.to_vec()],
            checkpoint: Some(envelope),
        }),
        body,
    };
    V2 { root: root_with(log), entry }
}

#[test]
fn rekor_v2_entry_verifies_and_reports_no_signed_time() {
    let V2 { root, entry } = v2(Window::default());
    let (c, d) = (content(), digest());
    let fact = verify_entry(&entry, &root, &ctx(&c, &d)).unwrap();
    assert_eq!(
        fact,
        LogEntryFact {
            log: "https://log.example".into(),
            log_id: b64encode(&[0xab; 32]),
            log_index: 1,
            kind: "hashedrekord/0.0.2".into(),
            integrated_time: None,
            promise: false,
            inclusion_proof: true,
            checkpoint_origin: Some("log.example".into()),
            tree_size: Some(3),
        }
    );
}

#[test]
fn unknown_log_is_tlog_missing() {
    let V2 { root, mut entry } = v2(Window::default());
    entry.log_id = vec![0xcd; 32];
    let (c, d) = (content(), digest());
    let e = verify_entry(&entry, &root, &ctx(&c, &d)).unwrap_err();
    assert_eq!(e.status, Status::TlogMissing);
    assert!(e.message.contains("another Sigstore instance"), "{}", e.message);
}

#[test]
fn rekor_v2_entries_need_a_proof_and_refuse_a_promise() {
    let (c, d) = (content(), digest());
    let V2 { root, mut entry } = v2(Window::default());
    entry.promise = Some(vec![1, 2, 3]);
    assert_eq!(verify_entry(&entry, &root, &ctx(&c, &d)).unwrap_err().status, Status::TlogSet);
    let V2 { root, mut entry } = v2(Window::default());
    entry.proof = None;
    assert_eq!(verify_entry(&entry, &root, &ctx(&c, &d)).unwrap_err().status, Status::TlogInclusionProof);
}

#[test]
fn rekor_v2_entry_index_must_be_the_proof_index() {
    let (c, d) = (content(), digest());
    let V2 { root, mut entry } = v2(Window::default());
    entry.log_index = 2;
    let e = verify_entry(&entry, &root, &ctx(&c, &d)).unwrap_err();
    assert_eq!(e.status, Status::TlogInclusionProof);
}

#[test]
fn proof_checkpoint_and_body_failures_keep_their_own_status() {
    let (c, d) = (content(), digest());
    // A body that is not the proven leaf fails the proof before it is ever read.
    let V2 { root, mut entry } = v2(Window::default());
    entry.body.push(b' ');
    assert_eq!(verify_entry(&entry, &root, &ctx(&c, &d)).unwrap_err().status, Status::TlogInclusionProof);
    // A checkpoint for another tree.
    let V2 { root, mut entry } = v2(Window::default());
    if let Some(p) = entry.proof.as_mut() {
        p.checkpoint = p.checkpoint.as_ref().map(|c| c.replacen("\n3\n", "\n4\n", 1));
    }
    assert_eq!(verify_entry(&entry, &root, &ctx(&c, &d)).unwrap_err().status, Status::TlogCheckpoint);
    // Everything proven, but for another artifact.
    let V2 { root, entry } = v2(Window::default());
    let other = HashAlgorithm::Sha256.digest(b"another artifact");
    let e = verify_entry(&entry, &root, &ctx(&c, &other)).unwrap_err();
    assert_eq!(e.status, Status::TlogBodyMismatch);
    assert_eq!(e.field.as_deref(), Some("canonicalizedBody"));
}

#[test]
fn key_windows_are_checked_at_timestamp_times_for_unsigned_entries() {
    let (c, d) = (content(), digest());
    let valid = Window { start: Some(1_000), end: Some(2_000) };
    let V2 { root, entry } = v2(valid);
    let fact = verify_entry(&entry, &root, &ctx(&c, &d)).unwrap();
    let facts = [fact];
    assert!(check_key_windows(&facts, &root, &[1_000, 2_000]).is_ok());
    assert_eq!(check_key_windows(&facts, &root, &[1_500, 2_001]).unwrap_err().status, Status::TlogMissing);
    assert_eq!(check_key_windows(&facts, &root, &[999]).unwrap_err().status, Status::TlogMissing);
    // Entries with a signed integrated time were checked against it already.
    let mut signed = facts[0].clone();
    signed.integrated_time = Some(1_500);
    assert!(check_key_windows(&[signed], &root, &[5_000]).is_ok());
}

struct V1 {
    rng: SystemRandom,
    pair: EcdsaKeyPair,
    root: TrustRoot,
    entry: TlogEntry,
}

/// A Rekor v1 hashedrekord entry with a SET from an ECDSA log key whose window is `valid`.
fn v1(valid: Window) -> V1 {
    let rng = SystemRandom::new();
    let (pair, log) = super::test_ecdsa_log(valid);
    let pem = format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", b64encode(CERT));
    let body = serde_json::to_vec(&json!({"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
        "data": {"hash": {"algorithm": "sha256", "value": hex(&digest())}},
        "signature": {"content": b64encode(SIG), "publicKey": {"content": b64encode(pem.as_bytes())}}}}))
    .unwrap();
    let mut entry = TlogEntry {
        log_index: 27_246_492,
        log_id: log.log_id.clone(),
        kind: "hashedrekord".into(),
        version: "0.0.1".into(),
        integrated_time: 1_689_177_396,
        promise: None,
        proof: None,
        body,
    };
    let payload = set::canonical_payload(&entry.body, entry.integrated_time, &entry.log_id, entry.log_index);
    entry.promise = Some(pair.sign(&rng, payload.as_bytes()).unwrap().as_ref().to_vec());
    V1 { rng, pair, root: root_with(log), entry }
}

#[test]
fn rekor_v1_set_proves_the_integrated_time() {
    let (c, d) = (content(), digest());
    let V1 { root, entry, .. } = v1(Window { start: Some(0), end: Some(1_689_177_396) });
    let fact = verify_entry(&entry, &root, &ctx(&c, &d)).unwrap();
    assert_eq!(fact.integrated_time, Some(1_689_177_396));
    assert!(fact.promise);
    assert!(!fact.inclusion_proof);
    assert_eq!(fact.tree_size, None);
    assert_eq!(fact.kind, "hashedrekord/0.0.1");
}

#[test]
fn rekor_v1_integrated_time_outside_the_key_window_fails() {
    let (c, d) = (content(), digest());
    let V1 { root, entry, .. } = v1(Window { start: Some(0), end: Some(1_689_177_395) });
    let e = verify_entry(&entry, &root, &ctx(&c, &d)).unwrap_err();
    assert_eq!(e.status, Status::TlogSet);
    assert!(e.message.contains("2023-07-12T15:56:36Z"), "{}", e.message);
}

#[test]
fn rekor_v1_bundle_values_must_be_the_signed_ones() {
    let (c, d) = (content(), digest());
    let V1 { root, entry, .. } = v1(Window::default());
    for (what, change) in [
        ("log index", (|e: &mut TlogEntry| e.log_index += 1) as fn(&mut TlogEntry)),
        ("negative log index", |e| e.log_index = -e.log_index),
        ("integrated time", |e| e.integrated_time -= 3600),
        ("signature bytes", |e| {
            if let Some(p) = e.promise.as_mut() {
                let n = p.len();
                p[n - 1] ^= 1;
            }
        }),
    ] {
        let mut x = entry.clone();
        change(&mut x);
        assert_eq!(verify_entry(&x, &root, &ctx(&c, &d)).unwrap_err().status, Status::TlogSet, "{what}");
    }
}

#[test]
fn rekor_v1_sharded_proof_index_may_be_below_the_global_index() {
    let (c, d) = (content(), digest());
    let V1 { rng, pair, root, mut entry } = v1(Window::default());
    // A one-leaf shard: the proof's index 0 is the entry's position in the shard.
    let leaf = merkle::leaf_hash(&entry.body);
    let text = format!("rekor.example - 42\n1\n{}\n", b64encode(&leaf));
    let log = &root.tlogs[0];
    let mut sig = log.key.key_id()[..4].to_vec();
    sig.extend_from_slice(pair.sign(&rng, text.as_bytes()).unwrap().as_ref());
    let envelope = format!("{text}\n\u{2014} rekor.example {}\n", b64encode(&sig));
    entry.proof = Some(InclusionProof {
        log_index: 0,
        root_hash: leaf.to_vec(),
        tree_size: 1,
        hashes: Vec::new(),
        checkpoint: Some(envelope),
    });
    let fact = verify_entry(&entry, &root, &ctx(&c, &d)).unwrap();
    assert!(fact.inclusion_proof && fact.promise);
    assert_eq!(fact.checkpoint_origin.as_deref(), Some("rekor.example - 42"));
    // A proof index above the global index cannot be the same entry.
    if let Some(p) = entry.proof.as_mut() {
        p.log_index = entry.log_index + 1;
    }
    assert_eq!(verify_entry(&entry, &root, &ctx(&c, &d)).unwrap_err().status, Status::TlogInclusionProof);
}
