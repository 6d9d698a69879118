//! Attacks on TUF repositories these tests sign with their own Ed25519 keys: each is refused with
//! a specific status and message, and a refused update leaves the cache byte for byte as it was.
//!
//! Keys and canonical JSON are tests/support/tuf_repo.rs's.

use aws_lc_rs::signature::KeyPair;
use domainsig::Status;
use domainsig::trust::tuf::{self, Expiry, NoNetwork, Repo, TufConfig};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "support/tree.rs"]
mod tree;
#[path = "support/tuf_repo.rs"]
mod tuf_repo;
use tree::digest;
use tuf_repo::{FUTURE, Key, canonical, hex, key, sha256, sign_keys as sign};

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
    /// Keyids that root lists a key under instead of its hash (TAP 12), by seed; a key with several
    /// is listed once per keyid (from the second on with an extra field, so its JSON differs too)
    /// and signs once per keyid.
    keyids: BTreeMap<u8, Vec<String>>,
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
            keyids: BTreeMap::new(),
        }
    }

    fn ids(&self, seed: u8) -> Vec<String> {
        self.keyids.get(&seed).cloned().unwrap_or_else(|| vec![key(seed).id])
    }

    /// Signed by each of `seeds`, once under each keyid root lists it under.
    fn signed(&self, signed: &Value, seeds: &[u8]) -> Vec<u8> {
        let msg = canonical(signed);
        let sigs: Vec<Value> = seeds
            .iter()
            .flat_map(|s| {
                let sig = hex(key(*s).pair.sign(&msg).as_ref());
                self.ids(*s).into_iter().map(move |id| json!({"keyid": id, "sig": sig}))
            })
            .collect();
        serde_json::to_vec(&json!({"signatures": sigs, "signed": signed})).unwrap()
    }

    fn root(&self) -> Vec<u8> {
        let ids = |seeds: &[u8]| seeds.iter().flat_map(|s| self.ids(*s)).collect::<Vec<_>>();
        let mut keys = BTreeMap::new();
        for s in self.root_keys.iter().chain(&self.timestamp_keys).chain(&[3, 4]) {
            for (i, id) in self.ids(*s).into_iter().enumerate() {
                let mut json = key(*s).json;
                if i > 0 {
                    json["x-listing"] = json!(i);
                }
                keys.insert(id, json);
            }
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
        self.signed(&signed, &self.root_keys)
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
        let timestamp = self.signed(
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
            repo: Repo::Custom { url_or_dir: repo.to_string_lossy().into_owned(), root: Some(roots[0].clone()) },
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
fn a_keyid_that_is_not_the_keys_hash_is_accepted() {
    // TAP 12 (theupdateframework/taps tap12.md): a keyid is any identifier unique in its file, as
    // Sigstore's public-good roots v10 and v11 use (sigstore/root-signing#1431).
    let f = Fixture::new("tap12");
    let mut s = f.state();
    s.root_version = 2;
    s.keyids.insert(2, vec!["0123456789abcdef".into()]);
    s.write(&f.repo, &[f.roots[0].clone(), s.root()]);
    let r = tuf::update(&f.cfg, &NoNetwork).unwrap();
    assert!(r.changed.iter().any(|c| c == "root 1 -> 2"), "{:?}", r.changed);
    assert_eq!(r.roles.iter().find(|x| x.role == "timestamp").unwrap().version, 3);
}

#[test]
fn one_key_under_two_keyids_cannot_meet_a_threshold_of_two() {
    // tough counts threshold signatures per keyid: one timestamp key listed under its hash and an
    // arbitrary keyid, one signature given under both, would count twice (go-tuf
    // GHSA-3633-5h82-39pq). The vendored tough refuses such a keys map (vendor/tough/PATCHES.md).
    let f = Fixture::new("dupkey");
    let mut s = f.state();
    s.root_version = 2;
    s.timestamp_threshold = 2;
    s.keyids.insert(2, vec![key(2).id, "0123456789abcdef".into()]);
    let roots = vec![f.roots[0].clone(), s.root()];
    f.refused(&s, &roots, Status::TufRefused, "same public key");
    // Both listings as arbitrary keyids: refused too.
    s.keyids.insert(2, vec!["aaaa".into(), "bbbb".into()]);
    let roots = vec![f.roots[0].clone(), s.root()];
    f.refused(&s, &roots, Status::TufRefused, "same public key");
}

#[test]
fn a_delegated_role_cannot_sign_outside_its_paths() {
    let f = Fixture::new("paths");
    let mut s = f.state();
    s.delegated_files.push(("trusted_root.json".into(), b"{\"mediaType\": \"evil\"}".to_vec()));
    s.files.clear();
    s.write(&f.repo, &f.roots);
    let before = digest(&f.cache);
    let e = tuf::update(&f.cfg, &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufRefused, "{e}");
    assert!(e.message.contains("Target file not delegated: trusted_root.json"), "{e}");
    assert_eq!(digest(&f.cache), before);
}

#[test]
fn concurrent_updates_leave_a_valid_cache() {
    let f = Fixture::new("concurrent");
    f.state().write(&f.repo, &f.roots);
    std::thread::scope(|s| {
        let a = s.spawn(|| tuf::update(&f.cfg, &NoNetwork));
        let b = s.spawn(|| tuf::update(&f.cfg, &NoNetwork));
        for r in [a.join().unwrap(), b.join().unwrap()] {
            // The loser may find the winner's newer state already cached; either way no half state.
            if let Err(e) = r {
                assert_eq!(e.status, Status::TufRefused, "{e}");
            }
        }
    });
    let st = tuf::status(&f.cfg).unwrap();
    assert_eq!(st.roles.iter().find(|r| r.role == "timestamp").unwrap().version, 3);
    let (bytes, t) = tuf::cached_target(&f.cfg, "trusted_root.json", tuf::unix_now()).unwrap();
    assert_eq!(bytes.len() as u64, t.length);
}

/// Review of issue 21 (vendor/tough/PATCHES.md, patch 1): one key under two keyids is refused by
/// comparing the decoded key bytes, but aws-lc verifies an ECDSA P-256 signature against the
/// uncompressed point (`04 X Y`) and the compressed one (`02|03 X`) alike: one key listed once in
/// each encoding is two different byte strings, and one signature given under both keyids met a
/// threshold of two. Only the uncompressed point (what PEM keys carry) now verifies.
#[test]
fn one_ecdsa_key_in_two_encodings_cannot_meet_a_threshold_of_two() {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair};
    use tough::schema::{Root, Signed, Timestamp};
    // A fresh P-256 key each run: what is tested is the key's two encodings, not the key.
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
    let point = pair.public_key().as_ref().to_vec();
    assert_eq!((point.len(), point[0]), (65, 4));
    let mut compressed = vec![2 + (point[64] & 1)];
    compressed.extend_from_slice(&point[1..33]);
    let ec =
        |public: &[u8]| json!({"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256", "keyval": {"public": hex(public)}});
    let root = |keyids: &[&str], threshold: u32| -> Signed<Root> {
        let role = json!({"keyids": keyids, "threshold": threshold});
        let signed = json!({"_type": "root", "spec_version": "1.0.31", "version": 1, "expires": FUTURE,
            "consistent_snapshot": true, "keys": {"aaaa": ec(&point), "bbbb": ec(&compressed)},
            "roles": {"root": role, "timestamp": role, "snapshot": role, "targets": role}});
        serde_json::from_value(json!({"signatures": [], "signed": signed})).unwrap()
    };
    let signed = json!({"_type": "timestamp", "spec_version": "1.0.31", "version": 1, "expires": FUTURE,
        "meta": {"snapshot.json": {"version": 1}}});
    let sig = hex(pair.sign(&rng, &serde_json::to_vec(&signed).unwrap()).unwrap().as_ref());
    let ts: Signed<Timestamp> = serde_json::from_value(json!({"signed": signed,
        "signatures": [{"keyid": "aaaa", "sig": sig}, {"keyid": "bbbb", "sig": sig}]}))
    .unwrap();
    // The signature is good: under the uncompressed listing it meets a threshold of one.
    root(&["aaaa"], 1).signed.verify_role(&ts).expect("one key, one signature, threshold one");
    // One key cannot meet a threshold of two, however it is encoded.
    let e = root(&["aaaa", "bbbb"], 2).signed.verify_role(&ts).expect_err("one key counted twice");
    assert!(e.to_string().contains("threshold"), "{e}");
}

/// As above for RSA: aws-lc verifies an RSA signature against a PKCS#1 `RSAPublicKey` and against
/// a whole SubjectPublicKeyInfo alike, and tough's PEM reader returns whatever the SPKI's bit
/// string holds. One key listed once as usual (bit string: PKCS#1) and once with its own SPKI in
/// the bit string met a threshold of two with one signature. Only PKCS#1 now verifies.
#[test]
fn one_rsa_key_in_two_encodings_cannot_meet_a_threshold_of_two() {
    use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
    use aws_lc_rs::rsa::{KeyPair, KeySize};
    use base64::Engine;
    use tough::schema::{Root, Signed, Timestamp};
    let pair = KeyPair::generate(KeySize::Rsa2048).unwrap();
    let pkcs1 = pair.public_key().as_ref().to_vec();
    let spki: PublicKeyX509Der<'static> = pair.public_key().as_der().unwrap();
    // DER: tag, then a definite length (short or long form).
    let tlv = |tag: u8, body: &[u8]| -> Vec<u8> {
        let mut out = vec![tag];
        let n = body.len();
        if n < 0x80 {
            out.push(n as u8);
        } else {
            let len: Vec<u8> = n.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
            out.push(0x80 | len.len() as u8);
            out.extend(len);
        }
        out.extend_from_slice(body);
        out
    };
    // SPKI { AlgorithmIdentifier { rsaEncryption, NULL }, BIT STRING { 0 unused bits, inner } }.
    let wrap = |inner: &[u8]| -> String {
        let alg = tlv(
            0x30,
            &[&tlv(0x06, &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01])[..], &[0x05, 0x00]].concat(),
        );
        let bits = tlv(0x03, &[&[0u8][..], inner].concat());
        let der = tlv(0x30, &[alg, bits].concat());
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----")
    };
    let rsa = |pem: String| json!({"keytype": "rsa", "scheme": "rsassa-pss-sha256", "keyval": {"public": pem}});
    let root = |keyids: &[&str], threshold: u32| -> Signed<Root> {
        let role = json!({"keyids": keyids, "threshold": threshold});
        let signed = json!({"_type": "root", "spec_version": "1.0.31", "version": 1, "expires": FUTURE,
            "consistent_snapshot": true, "keys": {"aaaa": rsa(wrap(&pkcs1)), "bbbb": rsa(wrap(spki.as_ref()))},
            "roles": {"root": role, "timestamp": role, "snapshot": role, "targets": role}});
        serde_json::from_value(json!({"signatures": [], "signed": signed})).unwrap()
    };
    let signed = json!({"_type": "timestamp", "spec_version": "1.0.31", "version": 1, "expires": FUTURE,
        "meta": {"snapshot.json": {"version": 1}}});
    let mut sig = vec![0u8; pair.public_modulus_len()];
    let rng = aws_lc_rs::rand::SystemRandom::new();
    pair.sign(&aws_lc_rs::signature::RSA_PSS_SHA256, &rng, &serde_json::to_vec(&signed).unwrap(), &mut sig).unwrap();
    let ts: Signed<Timestamp> = serde_json::from_value(json!({"signed": signed,
        "signatures": [{"keyid": "aaaa", "sig": hex(&sig)}, {"keyid": "bbbb", "sig": hex(&sig)}]}))
    .unwrap();
    root(&["aaaa"], 1).signed.verify_role(&ts).expect("one key, one signature, threshold one");
    let e = root(&["aaaa", "bbbb"], 2).signed.verify_role(&ts).expect_err("one key counted twice");
    assert!(e.to_string().contains("threshold"), "{e}");
}
