//! Resource limits: every bound on untrusted input gives LIMIT_EXCEEDED naming the limit, and the
//! worst inputs that fit inside the limits are refused without a panic. (Speed is not asserted
//! here — that is the benchmarks' job — but each case below must finish, and the suite is fast.)

mod support;

use domainsig::{Artifact, Bundle, Policy, Request, Status, TrustRoot, limits};
use serde_json::{Value, json};
use support::{DEFAULT_ISSUER, DEFAULT_SAN, Statement, VirtualSigstore};

const CASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/conformance--happy-path-v0.3");

fn happy() -> Value {
    serde_json::from_slice(&std::fs::read(format!("{CASE}/bundle.sigstore.json")).unwrap()).unwrap()
}

fn policy() -> Policy {
    Policy::from_json(
        br#"{"version": 1, "identities": [{"issuer": "https://token.actions.githubusercontent.com", "san_regex": ".*"}],
            "domains": {"mode": "ignore"}, "subject": {"require_name": false}}"#,
        None,
    )
    .unwrap()
}

fn outcome(bundle: &[u8]) -> domainsig::Outcome {
    let a = Artifact::parse_digest("sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf").unwrap();
    policy().verify(&Request { artifact: a, name: None, bundle, index_domain: None })
}

/// Asserts LIMIT_EXCEEDED whose message names `what`.
fn limited(o: &domainsig::Outcome, what: &str) {
    assert_eq!(o.status(), Status::LimitExceeded, "{what}: {}", o.to_json());
    let msg = &o.error.as_ref().unwrap().message;
    assert!(msg.contains(what), "message {msg:?} should name {what:?}");
}

#[test]
fn bundle_size_and_json_depth() {
    let mut big = happy();
    big["padding"] = json!("A".repeat(limits::MAX_BUNDLE_BYTES));
    limited(&outcome(&serde_json::to_vec(&big).unwrap()), "bundle size");
    // Just under the size limit, an unknown field is ignored and the bundle still verifies.
    big["padding"] = json!("A".repeat(limits::MAX_BUNDLE_BYTES - 20_000));
    assert_eq!(outcome(&serde_json::to_vec(&big).unwrap()).status(), Status::Ok);
    let deep = format!("{}{}", "[".repeat(limits::MAX_JSON_DEPTH + 1), "]".repeat(limits::MAX_JSON_DEPTH + 1));
    limited(&outcome(deep.as_bytes()), "JSON nesting depth");
}

#[test]
fn counted_fields_of_a_bundle() {
    let mut v = happy();
    let e = v["verificationMaterial"]["tlogEntries"][0].clone();
    v["verificationMaterial"]["tlogEntries"] = json!(vec![e.clone(); limits::MAX_TLOG_ENTRIES + 1]);
    limited(&outcome(&serde_json::to_vec(&v).unwrap()), "transparency log entries");

    let mut v = happy();
    v["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["hashes"] =
        json!(vec!["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; limits::MAX_PROOF_HASHES + 1]);
    limited(&outcome(&serde_json::to_vec(&v).unwrap()), "inclusion proof hashes");

    let mut v = happy();
    v["verificationMaterial"]["timestampVerificationData"] =
        json!({"rfc3161Timestamps": vec![json!({"signedTimestamp": "MAA="}); limits::MAX_TIMESTAMPS + 1]});
    limited(&outcome(&serde_json::to_vec(&v).unwrap()), "RFC 3161 timestamps");

    let mut v = happy();
    v["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.2");
    let cert = v["verificationMaterial"]["certificate"].clone();
    v["verificationMaterial"].as_object_mut().unwrap().remove("certificate");
    v["verificationMaterial"]["x509CertificateChain"] = json!({"certificates": vec![cert; limits::MAX_CHAIN_LEN + 1]});
    limited(&outcome(&serde_json::to_vec(&v).unwrap()), "certificates in chain");

    let mut v = happy();
    v.as_object_mut().unwrap().remove("messageSignature");
    v["dsseEnvelope"] = json!({"payload": "e30=", "payloadType": "application/vnd.in-toto+json",
        "signatures": vec![json!({"sig": "AAAA"}); limits::MAX_DSSE_SIGNATURES + 1]});
    limited(&outcome(&serde_json::to_vec(&v).unwrap()), "DSSE signatures");
}

#[test]
fn subjects_are_counted_after_the_signature_verifies() {
    let mut vs = VirtualSigstore::new();
    let mut st = Statement::new("https://example.com/predicate/v1");
    for i in 0..=limits::MAX_SUBJECTS {
        st = st.subject(&format!("file-{i}"), format!("{i}").as_bytes());
    }
    let minted = vs.dsse(&st).mint();
    let p = support::policy(&vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]));
    let o = support::verify(&p, &minted.bytes(), Artifact::Bytes(b"0"));
    limited(&o, "in-toto subjects");
}

#[test]
fn certificates_timestamps_and_checkpoints_have_their_own_bounds() {
    // An oversized certificate is refused before any DER decoding.
    let mut v = happy();
    let huge = domainsig::json::b64encode(&vec![0x30; domainsig::x509::MAX_CERT_BYTES + 1]);
    v["verificationMaterial"]["certificate"]["rawBytes"] = json!(huge);
    limited(&outcome(&serde_json::to_vec(&v).unwrap()), "size in bytes");

    // An oversized timestamp token.
    let mut v = happy();
    let token = domainsig::json::b64encode(&vec![0x30; limits::MAX_TIMESTAMP_BYTES + 1]);
    v["verificationMaterial"]["timestampVerificationData"] = json!({"rfc3161Timestamps": [{"signedTimestamp": token}]});
    let o = outcome(&serde_json::to_vec(&v).unwrap());
    assert!(matches!(o.status(), Status::LimitExceeded | Status::TimestampInvalid), "{}", o.to_json());

    // A checkpoint with more signature lines than allowed.
    let mut v = happy();
    let cp = v["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"]
        .as_str()
        .unwrap()
        .to_owned();
    let line = cp.lines().last().unwrap().to_owned() + "\n";
    v["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]["envelope"] =
        json!(cp + &line.repeat(limits::MAX_NOTE_SIGNATURES + 1));
    limited(&outcome(&serde_json::to_vec(&v).unwrap()), "signature");
}

#[test]
fn policy_and_trusted_root_sizes() {
    let big = format!(r#"{{"version": 1, "padding": "{}"}}"#, "A".repeat(limits::MAX_POLICY_BYTES));
    let e = Policy::from_json(big.as_bytes(), None).unwrap_err();
    assert_eq!(e.status, Status::LimitExceeded, "{e}");
    let ids: Vec<Value> =
        (0..=limits::MAX_POLICY_ENTRIES).map(|i| json!({"issuer": "https://i", "san": format!("s{i}")})).collect();
    let e = Policy::from_json(json!({"version": 1, "identities": ids}).to_string().as_bytes(), None).unwrap_err();
    assert!(matches!(e.status, Status::LimitExceeded | Status::PolicyInvalid), "{e}");
    let big = vec![b' '; limits::MAX_TRUST_ROOT_BYTES + 1];
    assert_eq!(TrustRoot::from_json(&big).unwrap_err().status, Status::LimitExceeded);
}

#[test]
fn the_worst_bundle_inside_every_limit_is_refused_cleanly() {
    // 32 entries × 64 proof hashes, 32 timestamps, a long checkpoint: as much work as the
    // limits allow. Entries are distinct (no duplicate short-cut) and the first bad one stops
    // the verification, so the cost stays a small multiple of one bundle.
    let mut v = happy();
    let e = v["verificationMaterial"]["tlogEntries"][0].clone();
    let entries: Vec<Value> = (0..limits::MAX_TLOG_ENTRIES)
        .map(|i| {
            let mut e = e.clone();
            e["logIndex"] = json!(format!("{}", 79571823 + i));
            e["inclusionProof"]["hashes"] =
                json!(vec!["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; limits::MAX_PROOF_HASHES]);
            e
        })
        .collect();
    v["verificationMaterial"]["tlogEntries"] = json!(entries);
    v["verificationMaterial"]["timestampVerificationData"] = json!({"rfc3161Timestamps": (0..limits::MAX_TIMESTAMPS).map(|i| json!({"signedTimestamp": domainsig::json::b64encode(&[0x30, 1, i as u8])})).collect::<Vec<_>>()});
    let bytes = serde_json::to_vec(&v).unwrap();
    assert!(Bundle::parse(&bytes).is_ok(), "inside every limit");
    let o = outcome(&bytes);
    assert_ne!(o.status(), Status::Ok);
    assert_ne!(o.status(), Status::Internal, "{}", o.to_json());
}

/// Files the library reads whole stop at their limit + 1 byte, whatever feeds them: a device, an
/// endless FIFO, or a trusted root named by the policy.
#[cfg(unix)]
#[test]
fn endless_files_stop_at_their_limit() {
    use std::path::Path;
    use std::process::Command;
    let dir = std::env::temp_dir().join(format!("domainsig-endless-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("endless");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for source in [Path::new("/dev/zero"), fifo.as_path()] {
        // `yes` keeps the FIFO full and dies of SIGPIPE once the reader stops.
        let mut writer = (source == fifo)
            .then(|| Command::new("sh").arg("-c").arg("exec yes > \"$0\"").arg(source).spawn().unwrap());
        let e = limits::read_bounded(source, limits::MAX_BUNDLE_BYTES, "bundle").unwrap_err();
        assert_eq!(e.status, Status::LimitExceeded, "{e}");
        if let Some(w) = writer.as_mut() {
            let _ = w.kill();
            let _ = w.wait();
        }
        let mut writer = (source == fifo)
            .then(|| Command::new("sh").arg("-c").arg("exec yes > \"$0\"").arg(source).spawn().unwrap());
        let policy = json!({"version": 1, "trusted_root": {"path": source}}).to_string();
        let e = Policy::from_json(policy.as_bytes(), None).unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (Status::LimitExceeded, Some("trusted_root.path")), "{e}");
        if let Some(w) = writer.as_mut() {
            let _ = w.kill();
            let _ = w.wait();
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn artifact_name_length() {
    let bundle = std::fs::read(format!("{CASE}/bundle.sigstore.json")).unwrap();
    let long = "x".repeat(limits::MAX_NAME_LEN + 1);
    for (name, want) in [(&long[..limits::MAX_NAME_LEN], Status::Ok), (long.as_str(), Status::LimitExceeded)] {
        let a =
            Artifact::parse_digest("sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf").unwrap();
        let o = policy().verify(&Request { artifact: a, name: Some(name), bundle: &bundle, index_domain: None });
        assert_eq!(o.status(), want, "{}", name.len());
    }
    let a = Artifact::parse_digest("sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf").unwrap();
    limited(
        &policy().verify(&Request { artifact: a, name: Some(&long), bundle: &bundle, index_domain: None }),
        "artifact name",
    );
}
