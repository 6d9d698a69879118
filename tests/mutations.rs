//! Forgery mutations: flip single bits in every signed or proven field of bundles that verify
//! (each passing real vector in tests/vectors, and virtual-Sigstore bundles) and require the
//! verifier to refuse every mutant with a cryptographic status (or an input status when the
//! mutated field no longer parses), and never to panic.
//!
//! Bits are sampled deterministically per field (see `support::mutate::sample_bits`), so a run
//! costs a few thousand verifications and any failure reproduces.

mod support;

use domainsig::{Artifact, Family, Policy, Status};
use serde_json::{Value, json};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use support::mutate::{self, Field, Kind};
use support::*;

/// Bits tried per field; fewer for the many, interchangeable inclusion-proof hashes.
const BITS_PER_FIELD: usize = 5;
const BITS_PER_PROOF_HASH: usize = 2;

/// Cases verified against the statement's own subject digest (the same decisions as
/// tests/vectors.rs: the artifact is not public, or the sibling file is not the subject).
const SUBJECT_DIGEST_CASES: &[&str] =
    &["sigstore-go--examples-npm-publish-attestation", "sigstore-python--a.dsse.staging-rekor-v2.txt"];

/// A bundle that verifies, with everything needed to verify it again.
struct Subject {
    name: String,
    policy: Policy,
    bundle: Value,
    artifact: Owned,
}

enum Owned {
    Bytes(Vec<u8>),
    Digest(domainsig::trust::keys::HashAlgorithm, Vec<u8>),
}

impl Owned {
    fn as_artifact(&self) -> Artifact<'_> {
        match self {
            Owned::Bytes(b) => Artifact::Bytes(b),
            Owned::Digest(a, d) => Artifact::Digest(*a, d.clone()),
        }
    }
}

fn acceptable(status: Status) -> bool {
    status.family() == Family::Crypto || matches!(status, Status::BundleMalformed | Status::BundleUnsupported)
}

/// What one sweep found.
#[derive(Default)]
struct Tally {
    tried: usize,
    failures: Vec<String>,
}

/// Runs every sampled mutation of `s` (timestamps only when `timestamps`).
fn mutate_all(s: &Subject, timestamps: bool, t: &mut Tally) {
    for (fi, f) in mutate::signed_fields(&s.bundle).iter().enumerate() {
        if f.kind == Kind::TimestampSigned && !timestamps {
            continue;
        }
        let per = if f.label.contains("inclusionProof.hashes") { BITS_PER_PROOF_HASH } else { BITS_PER_FIELD };
        let bits = mutate::sample_bits(mutate::bit_len(&s.bundle, f), per, fi as u64);
        assert!(!bits.is_empty(), "{}: field {} has no bits", s.name, f.label);
        for bit in bits {
            t.tried += 1;
            match try_one(s, f, bit) {
                Verdict::Refused => {}
                Verdict::Wrong(problem) => t.failures.push(format!("{} / {} bit {bit}: {problem}", s.name, f.label)),
            }
        }
    }
}

enum Verdict {
    Refused,
    Wrong(String),
}

fn try_one(s: &Subject, f: &Field, bit: usize) -> Verdict {
    let mut b = s.bundle.clone();
    assert!(mutate::flip(&mut b, f, bit), "{}: cannot flip {}", s.name, f.label);
    assert_ne!(b, s.bundle, "{}: flipping {} bit {bit} changed nothing", s.name, f.label);
    let bytes = serde_json::to_vec(&b).expect("serialises");
    let outcome = catch_unwind(AssertUnwindSafe(|| verify(&s.policy, &bytes, s.artifact.as_artifact())));
    match outcome {
        Err(_) => Verdict::Wrong("the verifier panicked".to_owned()),
        Ok(o) if o.is_ok() => Verdict::Wrong("ACCEPTED".to_owned()),
        Ok(o) if !acceptable(o.status()) => Verdict::Wrong(format!("refused with the wrong family: {}", o.to_json())),
        Ok(_) => Verdict::Refused,
    }
}

fn run(subjects: &[Subject]) {
    let mut t = Tally::default();
    let mut unverified_timestamps = Vec::new();
    for s in subjects {
        let base = verify(&s.policy, &serde_json::to_vec(&s.bundle).unwrap(), s.artifact.as_artifact());
        assert_eq!(base.status(), Status::Ok, "{}: the unmutated bundle must verify: {}", s.name, base.to_json());
        // A token the verifier skipped in the original (no trusted TSA signed it) proves nothing,
        // so changing it cannot forge anything: timestamps are mutated only when all verified.
        let tokens = s.bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .map_or(0, Vec::len);
        let verified = base.verified.as_ref().map_or(0, |v| {
            v.times.iter().filter(|t| matches!(t.source, domainsig::verified::TimeSource::Timestamp { .. })).count()
        });
        if verified < tokens {
            unverified_timestamps.push(format!("{} ({verified} of {tokens} verified)", s.name));
        }
        mutate_all(s, verified == tokens, &mut t);
    }
    eprintln!("{} subjects, {} mutants, {} not refused correctly", subjects.len(), t.tried, t.failures.len());
    if !unverified_timestamps.is_empty() {
        eprintln!("timestamps not mutated (not all verified in the original): {}", unverified_timestamps.join(", "));
    }
    assert!(
        t.failures.is_empty(),
        "{} of {} mutants were not refused correctly:\n{}",
        t.failures.len(),
        t.tried,
        t.failures.join("\n")
    );
}

// ---- virtual Sigstore ------------------------------------------------------------------------

#[test]
fn virtual_sigstore_bundles_refuse_every_single_bit_forgery() {
    let mut vs = VirtualSigstore::new();
    let artifact = b"artifact for mutation".to_vec();
    let p = policy(&vs_policy(&vs));
    let st = Statement::new("https://example.test/predicate/v1")
        .subject("pkg-1.0.tar.gz", &artifact)
        .predicate(json!({"domains": ["pypi.org"]}));
    let message = vs.message(&artifact).claim(12, "https://github.com/example/project").mint();
    let dsse = vs.dsse(&st).domains_extension(TEST_DOMAINS_OID, &["pypi.org"]).mint();
    let stamped = vs.message(&artifact).timestamp_after(2).mint();
    let keyed = vs.dsse(&st).managed_key().mint();
    let key_policy = policy(&vs.key_policy());
    let subjects = vec![
        Subject {
            name: "virtual message".into(),
            policy: p.clone(),
            bundle: message.bundle,
            artifact: Owned::Bytes(artifact.clone()),
        },
        Subject {
            name: "virtual dsse".into(),
            policy: p.clone(),
            bundle: dsse.bundle,
            artifact: Owned::Bytes(artifact.clone()),
        },
        Subject {
            name: "virtual message with RFC 3161 timestamp".into(),
            policy: p,
            bundle: stamped.bundle,
            artifact: Owned::Bytes(artifact.clone()),
        },
        Subject {
            name: "virtual managed-key dsse".into(),
            policy: key_policy,
            bundle: keyed.bundle,
            artifact: Owned::Bytes(artifact),
        },
    ];
    // Every field kind is exercised (the field list is not silently empty).
    let fields: Vec<Field> = subjects.iter().flat_map(|s| mutate::signed_fields(&s.bundle)).collect();
    for kind in [Kind::Base64, Kind::Integer, Kind::NoteBody, Kind::NoteSignature, Kind::TimestampSigned] {
        assert!(fields.iter().any(|f| f.kind == kind), "no {kind:?} field");
    }
    run(&subjects);
}

fn vs_policy(vs: &VirtualSigstore) -> Value {
    vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)])
}

// ---- real vectors ----------------------------------------------------------------------------

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
}

fn first_str<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| v[*k].as_str().or_else(|| v[*k][0].as_str()))
}

/// The policy the vector's expectation describes, with the case's own trusted root inline.
fn vector_policy(dir: &Path, expect: &Value) -> Policy {
    let root_path = if dir.join("trusted_root.json").is_file() {
        dir.join("trusted_root.json")
    } else {
        let r = std::fs::read_to_string(dir.join("trusted_root.ref")).expect("trusted_root.ref");
        vectors().join(r.trim())
    };
    let mut p = json!({
        "version": 1,
        "trusted_root": read_json(&root_path),
        "domains": {"mode": "ignore"},
        "subject": {"require_name": false},
    });
    if expect["verify_with"] == "key" {
        p["keys"] = json!([{"pem": std::fs::read_to_string(dir.join("key.pub")).expect("key.pub")}]);
    } else {
        let san = first_str(expect, &["identity", "cert_san"]).unwrap_or("https://unknown.invalid");
        let issuer = first_str(expect, &["issuer", "cert_issuer_ext"]).unwrap_or("https://unknown.invalid");
        p["identities"] = json!([{"issuer": issuer, "san": san}]);
    }
    policy(&p)
}

fn vector_artifact(name: &str, dir: &Path, bundle: &Value) -> Owned {
    let digest = |s: &str| match Artifact::parse_digest(s.trim()).expect("digest") {
        Artifact::Digest(a, d) => Owned::Digest(a, d),
        _ => unreachable!("parse_digest returns a digest"),
    };
    if SUBJECT_DIGEST_CASES.contains(&name) {
        let payload = bundle["dsseEnvelope"]["payload"].as_str().expect("DSSE payload");
        let st: Value = serde_json::from_slice(&unb64(payload)).unwrap();
        let (alg, hex) = st["subject"][0]["digest"].as_object().unwrap().iter().next().unwrap();
        digest(&format!("{alg}:{}", hex.as_str().unwrap()))
    } else if dir.join("artifact").is_file() {
        Owned::Bytes(std::fs::read(dir.join("artifact")).unwrap())
    } else {
        digest(&std::fs::read_to_string(dir.join("artifact.digest")).expect("artifact.digest"))
    }
}

#[test]
fn real_vectors_refuse_every_single_bit_forgery() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(vectors())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expect.json").is_file())
        .collect();
    dirs.sort();
    let mut subjects = Vec::new();
    let mut unimplemented = Vec::new();
    for dir in &dirs {
        let expect = read_json(&dir.join("expect.json"));
        if expect["expect"] != "pass" {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let bundle = read_json(&dir.join("bundle.sigstore.json"));
        let s = Subject {
            policy: vector_policy(dir, &expect),
            artifact: vector_artifact(&name, dir, &bundle),
            bundle,
            name,
        };
        // A case the verifier cannot check yet (a feature still being built reports INTERNAL)
        // cannot show anything about forgeries; it is listed, and joins as soon as it verifies.
        let base = verify(&s.policy, &serde_json::to_vec(&s.bundle).unwrap(), s.artifact.as_artifact());
        let not_implemented = base.error.as_ref().is_some_and(|e| e.message.contains("not implemented yet"));
        if base.status() == Status::Internal && not_implemented {
            unimplemented.push(format!("{}: {}", s.name, base.error.map(|e| e.message).unwrap_or_default()));
            continue;
        }
        subjects.push(s);
    }
    if !unimplemented.is_empty() {
        eprintln!(
            "{} passing vectors not yet verifiable (INTERNAL), skipped:\n  {}",
            unimplemented.len(),
            unimplemented.join("\n  ")
        );
    }
    run(&subjects);
}

// ---- npm attestations documents ------------------------------------------------------------------

/// Every signed or proven field of both bundles of each genuine npm document (tests/npm), flipped
/// inside the whole document and verified as one call with the purl and `registry.npmjs.org`.
#[test]
fn npm_documents_refuse_every_single_bit_forgery() {
    let npm = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/npm");
    let keys = npm.join("_keys/160677eb6e1c7083c89b166b20f8fe4e837fb71181506aff1991b80b89184f7d.keys.json");
    let root = vectors().join("_roots/public-good-production.trusted_root.json");
    let mut t = Tally::default();
    let mut docs = 0;
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&npm).unwrap().filter_map(|e| e.ok().map(|e| e.path())).collect();
    dirs.sort();
    for dir in dirs.iter().filter(|d| d.join("expect.json").is_file()) {
        let expect = read_json(&dir.join("expect.json"));
        if expect["expect"] != "pass" {
            continue;
        }
        docs += 1;
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let prov = &expect["provenance"];
        let p = policy(&json!({"version": 1, "trusted_root": {"path": root},
            "identities": [{"issuer": prov["identity_issuer"], "san": prov["identity_san"]}],
            "keys": [{"path": keys, "usage": "npm:attestations", "domain": "registry.npmjs.org"}]}));
        let doc = read_json(&dir.join("attestations.json"));
        let tgz = std::fs::read(dir.join("artifact.tgz")).ok();
        let digest = std::fs::read_to_string(dir.join("artifact.digest")).unwrap();
        let purl = expect["purl"].as_str().unwrap();
        let check = |d: &Value| {
            let artifact = match &tgz {
                Some(b) => Artifact::Bytes(b),
                None => Artifact::parse_digest(digest.trim()).unwrap(),
            };
            let bytes = serde_json::to_vec(d).unwrap();
            let req = domainsig::Request {
                artifact,
                name: Some(purl),
                bundle: &bytes,
                index_domain: Some("registry.npmjs.org"),
            };
            catch_unwind(AssertUnwindSafe(|| p.verify(&req)))
        };
        let base = check(&doc).expect("no panic");
        assert!(base.is_ok(), "{name}: {}", base.to_json());
        for i in 0..doc["attestations"].as_array().unwrap().len() {
            let bundle = doc["attestations"][i]["bundle"].clone();
            for (fi, f) in mutate::signed_fields(&bundle).iter().enumerate() {
                for bit in mutate::sample_bits(mutate::bit_len(&bundle, f), 3, fi as u64) {
                    let mut b = bundle.clone();
                    assert!(mutate::flip(&mut b, f, bit));
                    let mut d = doc.clone();
                    d["attestations"][i]["bundle"] = b;
                    t.tried += 1;
                    match check(&d) {
                        Err(_) => t.failures.push(format!("{name} [{i}] {} bit {bit}: panicked", f.label)),
                        Ok(o) if o.is_ok() => t.failures.push(format!("{name} [{i}] {} bit {bit}: ACCEPTED", f.label)),
                        Ok(o) if !acceptable(o.status()) => {
                            t.failures.push(format!("{name} [{i}] {} bit {bit}: {}", f.label, o.to_json()))
                        }
                        Ok(_) => {}
                    }
                }
            }
        }
    }
    assert_eq!(docs, 7);
    eprintln!("{docs} npm documents, {} mutants, {} not refused correctly", t.tried, t.failures.len());
    assert!(t.failures.is_empty(), "{}", t.failures.join("\n"));
}
