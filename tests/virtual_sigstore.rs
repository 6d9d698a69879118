//! The virtual Sigstore mints bundles the public verifier API accepts, and each of its faults is
//! refused by the check it targets.

mod support;

use domainsig::verified::Signer;
use domainsig::{Artifact, Family, Status};
use serde_json::json;
use support::merkle::{Tree, leaf_hash, root_from_proof};
use support::*;

const ARTIFACT: &[u8] = b"virtual artifact bytes\n";

fn cert_identity(o: &domainsig::Outcome) -> domainsig::x509::claims::CertificateIdentity {
    let vb = o.verified.as_ref().expect("verified facts");
    match &vb.signer {
        Signer::Certificate { identity, .. } => identity.clone(),
        other => panic!("expected a certificate signer, got {other:?}"),
    }
}

#[test]
fn merkle_proofs_recompute_the_root_for_every_leaf_of_small_trees() {
    let mut t = Tree::default();
    for i in 0..20u8 {
        t.push(&[i]);
    }
    for size in 1..=20 {
        for index in 0..size {
            let proof = t.inclusion_proof(index, size);
            assert_eq!(
                root_from_proof(index, size, &leaf_hash(&[index as u8]), &proof),
                Some(t.root(size)),
                "{index}/{size}"
            );
        }
    }
    // RFC 6962 §2.1: the empty tree's hash is SHA-256 of nothing.
    assert_eq!(hex(&t.root(0)), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

#[test]
fn trusted_root_is_accepted_by_the_parser() {
    let vs = VirtualSigstore::new();
    let root = vs.trusted_root();
    assert_eq!(root["mediaType"], TRUSTED_ROOT_MEDIA_TYPE);
    let parsed = domainsig::TrustRoot::from_json(root.to_string().as_bytes()).expect("trusted root parses");
    assert_eq!(parsed.tlogs.len(), 1);
    assert_eq!(parsed.ctlogs.len(), 1);
    assert_eq!(parsed.cas.len(), 1);
    assert_eq!(parsed.tlogs[0].log_id, vs.rekor.key.key_id());
}

#[test]
fn a_root_without_key_windows_loads_and_verifies_but_a_window_without_start_does_not() {
    let mut vs = VirtualSigstore::new();
    let m = vs.message(ARTIFACT).mint();
    let mut pj = vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]);
    pj["trusted_root"] = vs.trusted_root_without_key_windows();
    assert!(pj["trusted_root"]["tlogs"][0]["publicKey"].get("validFor").is_none());
    let o = verify(&policy(&pj), &m.bytes(), Artifact::Bytes(ARTIFACT));
    assert_eq!(o.status(), Status::Ok, "{}", o.to_json());
    // Present but without a start stays an error (sigstore-conformance expects that).
    pj["trusted_root"]["tlogs"][0]["publicKey"]["validFor"] = serde_json::json!({"end": "2099-01-01T00:00:00Z"});
    let e = domainsig::Policy::from_json(pj.to_string().as_bytes(), None).unwrap_err();
    assert_eq!(e.status, Status::TrustedRootInvalid, "{e}");
}

#[test]
fn managed_keys_sign_only_inside_their_window() {
    let mut vs = VirtualSigstore::new();
    let m = vs.message(ARTIFACT).managed_key().mint();
    let spki = b64(&vs.managed_key.spki());
    let with_window = |start: &str| {
        let mut p = vs.policy(&[]);
        p["keys"] = serde_json::json!([{"json": {"keys": [{"keyUsage": "npm:attestations",
            "publicKey": {"rawBytes": spki, "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": {"start": start}}}]}}]);
        policy(&p)
    };
    let o = verify(&with_window("2000-01-01T00:00:00Z"), &m.bytes(), Artifact::Bytes(ARTIFACT));
    assert_eq!(o.status(), Status::Ok, "{}", o.to_json());
    let o = verify(&with_window("2099-01-01T00:00:00Z"), &m.bytes(), Artifact::Bytes(ARTIFACT));
    assert_eq!(o.status(), Status::KeyMismatch, "{}", o.to_json());
}

#[test]
fn message_signature_bundle_verifies() {
    let mut vs = VirtualSigstore::new();
    let m = vs.message(ARTIFACT).mint();
    assert_eq!(m.bundle["mediaType"], BUNDLE_MEDIA_TYPE);
    let p = policy(&vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]));
    let o = verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT));
    assert_eq!(o.status(), Status::Ok, "{}", o.to_json());
    let vb = o.verified.as_ref().unwrap();
    assert_eq!(vb.content, "message_signature");
    assert_eq!(vb.tlog_entries.len(), 1);
    assert_eq!(vb.tlog_entries[0].integrated_time, Some(m.integrated_time));
    assert_eq!(vb.artifact_digest.hex, hex(&sha256(ARTIFACT)));
    // The digest form of the artifact verifies too.
    let o = verify(
        &p,
        &m.bytes(),
        Artifact::Digest(domainsig::trust::keys::HashAlgorithm::Sha256, sha256(ARTIFACT).to_vec()),
    );
    assert_eq!(o.status(), Status::Ok, "{}", o.to_json());
}

#[test]
fn dsse_bundle_verifies_with_any_statement() {
    let mut vs = VirtualSigstore::new();
    let st = Statement::new("https://example.test/predicate/v1")
        .subject("pkg-1.0-py3-none-any.whl", ARTIFACT)
        .subject("other-1.0.tar.gz", b"other")
        .predicate(json!({"anything": [1, 2, 3]}));
    let m = vs.dsse(&st).mint();
    let p = policy(&vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]));
    let o = verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT));
    assert_eq!(o.status(), Status::Ok, "{}", o.to_json());
    let vb = o.verified.as_ref().unwrap();
    assert_eq!(vb.content, "dsse");
    let stmt = vb.statement.as_ref().expect("statement");
    assert_eq!(stmt.predicate_type, "https://example.test/predicate/v1");
    assert_eq!(stmt.subject.len(), 2);
    assert_eq!(stmt.predicate["anything"][2], 3);
    // The second subject's artifact verifies as well; an artifact no subject names does not.
    assert_eq!(verify(&p, &m.bytes(), Artifact::Bytes(b"other")).status(), Status::Ok);
    assert_eq!(verify(&p, &m.bytes(), Artifact::Bytes(b"nobody")).status(), Status::ArtifactMismatch);
}

#[test]
fn identity_claims_and_extensions_come_through() {
    let mut vs = VirtualSigstore::new();
    let m = vs
        .message(ARTIFACT)
        .san_email("release@example.test")
        .issuer("https://accounts.example.test")
        .claim(1, "https://accounts.example.test")
        .claim(12, "https://github.com/example/project")
        .claim(20, "push")
        .claim(23, "pypi")
        .domains_extension(TEST_DOMAINS_OID, &["pypi.org", "test.pypi.org"])
        .mint();
    let p = policy(&vs.policy(&[("https://accounts.example.test", "release@example.test")]));
    let o = verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT));
    assert_eq!(o.status(), Status::Ok, "{}", o.to_json());
    let id = cert_identity(&o);
    assert_eq!(id.san(), Some("release@example.test"));
    assert_eq!(id.issuer.as_deref(), Some("https://accounts.example.test"));
    assert_eq!(id.claims["issuer_v1"], "https://accounts.example.test");
    assert_eq!(id.claims["source_repository_uri"], "https://github.com/example/project");
    assert_eq!(id.claims["build_trigger"], "push");
    assert_eq!(id.claims["deployment_environment"], "pypi");
    assert_eq!(id.extensions[TEST_DOMAINS_OID], predicates::domains_extension(&["pypi.org", "test.pypi.org"]));
    // Another identity is refused by the policy, after the cryptography passed.
    let other = policy(&vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]));
    let o = verify(&other, &m.bytes(), Artifact::Bytes(ARTIFACT));
    assert_eq!(o.status().family(), Family::Identity, "{}", o.to_json());
}

#[test]
fn domain_claims_are_easy_to_mint() {
    let mut vs = VirtualSigstore::new();
    let p = policy(&vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]));
    let tgz = b"npm tarball";
    let statements = [
        predicates::npm_publish("@scope/pkg", "1.2.3", "https://registry.npmjs.org/", tgz),
        predicates::conda_publish("pkg-1.0-0.conda", ARTIFACT, "https://prefix.dev/conda-forge"),
        predicates::release(
            "https://example.test/release/v0.1",
            "pkg-1.0.tar.gz",
            ARTIFACT,
            "pkg",
            "1.0",
            &["pypi.org"],
        ),
    ];
    for st in &statements {
        let m = vs.dsse(st).mint();
        let artifact: &[u8] = if st.predicate_type == NPM_PUBLISH_V0_1 { tgz } else { ARTIFACT };
        let o = verify(&p, &m.bytes(), Artifact::Bytes(artifact));
        assert_eq!(o.status(), Status::Ok, "{}: {}", st.predicate_type, o.to_json());
        let stmt = o.verified.as_ref().unwrap().statement.clone().unwrap();
        assert_eq!(stmt.predicate, st.predicate);
    }
    assert_eq!(statements[0].subjects[0]["name"], "pkg:npm/%40scope/pkg@1.2.3");
}

#[test]
fn managed_key_bundles_verify_under_a_key_policy() {
    let mut vs = VirtualSigstore::new();
    let p = policy(&vs.key_policy());
    let tgz = b"npm tarball";
    let st = predicates::npm_publish("pkg", "1.0.0", "https://registry.npmjs.org/", tgz);
    let dsse = vs.dsse(&st).managed_key().mint();
    assert!(dsse.bundle["verificationMaterial"]["publicKey"].is_object());
    let o = verify(&p, &dsse.bytes(), Artifact::Bytes(tgz));
    assert_eq!(o.status(), Status::Ok, "{}", o.to_json());
    assert!(matches!(o.verified.unwrap().signer, Signer::Key { index: 0, .. }));
    let message = vs.message(ARTIFACT).managed_key().mint();
    assert_eq!(verify(&p, &message.bytes(), Artifact::Bytes(ARTIFACT)).status(), Status::Ok);
    // The log body must name the policy's key, not another one.
    let other = vs.message(ARTIFACT).managed_key().fault(Fault::BodyOtherCertificate).mint();
    assert_eq!(verify(&p, &other.bytes(), Artifact::Bytes(ARTIFACT)).status(), Status::TlogBodyMismatch);
    // A certificate policy does not accept a managed-key bundle.
    let cert_policy = policy(&vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]));
    assert_eq!(verify(&cert_policy, &message.bytes(), Artifact::Bytes(ARTIFACT)).status(), Status::KeyMismatch);
}

#[test]
fn signing_time_is_a_parameter() {
    let mut vs = VirtualSigstore::new();
    let p = policy(&vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]));
    for t in [VALID_FROM + 60, 1_700_000_000, DEFAULT_SIGNING_TIME + 86_400 * 30] {
        let m = vs.message(ARTIFACT).signed_at(t).mint();
        let o = verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT));
        assert_eq!(o.status(), Status::Ok, "signed at {t}: {}", o.to_json());
        assert_eq!(o.verified.unwrap().times[0].unix, t + 5);
    }
    // A log time in the future is refused (verification compares it with the caller's clock).
    let future = 4_000_000_000;
    let m = vs.message(ARTIFACT).signed_at(future).mint();
    let o = verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT));
    assert_eq!(o.status().family(), Family::Crypto, "{}", o.to_json());
}

const ALL_FAULTS: &[Fault] = &[
    Fault::UntrustedCa,
    Fault::NoSct,
    Fault::SctWrongKey,
    Fault::SctUnknownLog,
    Fault::SctWrongIssuerKeyHash,
    Fault::SignatureWrongKey,
    Fault::IntegratedAfterExpiry,
    Fault::SetWrongKey,
    Fault::SetOtherIndex,
    Fault::CheckpointWrongKey,
    Fault::CheckpointBadKeyHint,
    Fault::CheckpointOtherRoot,
    Fault::BodyOtherDigest,
    Fault::BodyOtherSignature,
    Fault::BodyOtherCertificate,
    Fault::TimestampWrongKey,
    Fault::TimestampOtherImprint,
    Fault::TimestampUntrustedTsa,
];

/// Each fault is refused by the check it targets (and by no weaker family).
#[test]
fn every_fault_is_refused_by_its_check() {
    use Fault::*;
    let cases: &[(Fault, &[Status])] = &[
        (UntrustedCa, &[Status::CertificateInvalid]),
        (NoSct, &[Status::SctInvalid]),
        (SctWrongKey, &[Status::SctInvalid]),
        (SctUnknownLog, &[Status::SctInvalid]),
        (SctWrongIssuerKeyHash, &[Status::SctInvalid]),
        (SignatureWrongKey, &[Status::SignatureInvalid]),
        (IntegratedAfterExpiry, &[Status::CertificateInvalid]),
        (SetWrongKey, &[Status::TlogSet]),
        (SetOtherIndex, &[Status::TlogSet]),
        (CheckpointWrongKey, &[Status::TlogCheckpoint]),
        (CheckpointBadKeyHint, &[Status::TlogCheckpoint]),
        (CheckpointOtherRoot, &[Status::TlogCheckpoint, Status::TlogInclusionProof]),
        (BodyOtherDigest, &[Status::TlogBodyMismatch]),
        (BodyOtherSignature, &[Status::TlogBodyMismatch]),
        (BodyOtherCertificate, &[Status::TlogBodyMismatch]),
        (TimestampWrongKey, &[Status::TimestampInvalid]),
        (TimestampOtherImprint, &[Status::TimestampInvalid]),
        // A token no trusted TSA signed is no evidence of anything, so it is skipped, and the SET
        // still supplies a time (what sigstore-python and sigstore-go do too).
        (TimestampUntrustedTsa, &[Status::Ok]),
    ];
    assert_eq!(cases.len(), ALL_FAULTS.len(), "every fault has an expectation");
    let mut vs = VirtualSigstore::new();
    let p = policy(&vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]));
    let st = Statement::new("https://example.test/predicate/v1").subject("a", ARTIFACT);
    let mut wrong = Vec::new();
    for (fault, want) in cases {
        for dsse in [false, true] {
            let mint = if dsse { vs.dsse(&st) } else { vs.message(ARTIFACT) };
            let m = mint.fault(*fault).mint();
            let o = verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT));
            if !want.contains(&o.status()) {
                wrong.push(format!(
                    "{fault:?} ({}): expected {want:?}, got {}",
                    if dsse { "dsse" } else { "message" },
                    o.to_json()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{} fault(s) not refused as expected:\n{}", wrong.len(), wrong.join("\n"));
}

#[test]
fn rfc3161_timestamps_verify_beside_the_log_time() {
    let mut vs = VirtualSigstore::new();
    let p = policy(&vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]));
    let m = vs.message(ARTIFACT).timestamp_after(2).timestamp_after(4).mint();
    let o = verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT));
    assert_eq!(o.status(), Status::Ok, "{}", o.to_json());
    let mut times: Vec<i64> = o.verified.unwrap().times.iter().map(|t| t.unix).collect();
    times.sort();
    let t0 = DEFAULT_SIGNING_TIME;
    assert_eq!(times, vec![t0 + 2, t0 + 4, t0 + 5]);
}

#[test]
fn a_timestamp_alone_can_supply_the_verified_time() {
    let mut vs = VirtualSigstore::new();
    let p = policy(&vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]));
    let mut m = vs.message(ARTIFACT).timestamp_after(3).mint();
    m.drop_inclusion_promise();
    let o = verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT));
    assert_eq!(o.status(), Status::Ok, "{}", o.to_json());
    let times: Vec<i64> = o.verified.unwrap().times.iter().map(|t| t.unix).collect();
    assert_eq!(times, vec![DEFAULT_SIGNING_TIME + 3]);

    // Without the SET and with a broken timestamp there is no verified time at all.
    let mut m = vs.message(ARTIFACT).fault(Fault::TimestampWrongKey).mint();
    m.drop_inclusion_promise();
    let o = verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT));
    assert!(matches!(o.status(), Status::TimestampInvalid | Status::NoVerifiedTime), "{}", o.to_json());
}

/// `thresholds.timestamps` counts verified timestamps only: none, or only untrusted ones, do
/// not meet a threshold of 1.
#[test]
fn timestamp_threshold_counts_only_verified_timestamps() {
    let mut vs = VirtualSigstore::new();
    let mut pj = vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]);
    pj["thresholds"] = json!({"tlog": 1, "timestamps": 1});
    let p = policy(&pj);
    let ok = vs.message(ARTIFACT).timestamp_after(1).mint();
    assert_eq!(verify(&p, &ok.bytes(), Artifact::Bytes(ARTIFACT)).status(), Status::Ok);
    for (what, m) in [
        ("no timestamp", vs.message(ARTIFACT).mint()),
        ("an untrusted TSA's timestamp", vs.message(ARTIFACT).fault(Fault::TimestampUntrustedTsa).mint()),
    ] {
        let o = verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT));
        assert!(
            matches!(o.status(), Status::TimestampInvalid | Status::NoVerifiedTime),
            "{what} must not meet thresholds.timestamps = 1: {}",
            o.to_json()
        );
    }
}

/// Removing the proofs: v0.3 needs an inclusion proof; a bundle without log entries has no time.
#[test]
fn missing_pieces_are_refused() {
    let mut vs = VirtualSigstore::new();
    let p = policy(&vs.policy(&[(DEFAULT_ISSUER, DEFAULT_SAN)]));
    let mut m = vs.message(ARTIFACT).mint();
    m.entry().as_object_mut().unwrap().remove("inclusionProof");
    assert_eq!(verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT)).status(), Status::TlogInclusionProof);

    let mut m = vs.message(ARTIFACT).mint();
    m.entry()["inclusionProof"].as_object_mut().unwrap().remove("checkpoint");
    assert_eq!(verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT)).status(), Status::TlogCheckpoint);

    let mut m = vs.message(ARTIFACT).mint();
    m.bundle["verificationMaterial"]["tlogEntries"] = json!([]);
    assert_eq!(verify(&p, &m.bytes(), Artifact::Bytes(ARTIFACT)).status().family(), Family::Crypto);
}

/// Writes a minted message bundle, DSSE bundle and trusted root to `target/virtual-sigstore/` so
/// another verifier can cross-check them (`cargo test --test virtual_sigstore -- --ignored`).
#[test]
#[ignore = "writes files for a manual cross-check with another Sigstore verifier"]
fn dump_for_cross_check() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/virtual-sigstore");
    std::fs::create_dir_all(&dir).unwrap();
    let mut vs = VirtualSigstore::new();
    let st = Statement::new("https://example.test/predicate/v1").subject("artifact.txt", ARTIFACT);
    let message = vs.message(ARTIFACT).mint();
    let dsse = vs.dsse(&st).mint();
    std::fs::write(dir.join("trusted_root.json"), serde_json::to_vec_pretty(&vs.trusted_root()).unwrap()).unwrap();
    std::fs::write(dir.join("artifact.txt"), ARTIFACT).unwrap();
    std::fs::write(dir.join("message.sigstore.json"), message.bytes()).unwrap();
    std::fs::write(dir.join("dsse.sigstore.json"), dsse.bytes()).unwrap();
    let stamped = vs.message(ARTIFACT).timestamp_after(3).mint();
    std::fs::write(dir.join("timestamped.sigstore.json"), stamped.bytes()).unwrap();
    for fault in ALL_FAULTS {
        let m = vs.message(ARTIFACT).fault(*fault).mint();
        std::fs::write(dir.join(format!("fault-{fault:?}.sigstore.json")), m.bytes()).unwrap();
    }
}
