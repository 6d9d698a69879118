//! RFC 3161 timestamp verification on the real vectors, without the rest of the pipeline: every
//! vector that carries timestamps has its tokens checked against its own trusted root, and the
//! outcome is compared with what the case says about its timestamps.

use domainsig::trust::timestamp::{self, Checked};
use domainsig::{Status, TrustRoot};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn root_json(case: &str) -> Vec<u8> {
    let dir = vectors().join(case);
    let path = if dir.join("trusted_root.json").is_file() {
        dir.join("trusted_root.json")
    } else {
        vectors().join(std::fs::read_to_string(dir.join("trusted_root.ref")).unwrap().trim())
    };
    std::fs::read(path).unwrap()
}

fn root_for(case: &str) -> TrustRoot {
    TrustRoot::from_json(&root_json(case)).unwrap_or_else(|e| panic!("{case}: trusted root: {e}"))
}

/// The tokens and the signature they must cover, read from the bundle JSON directly (so that a
/// bundle the parser refuses, like the one with 33 timestamps, can still be fed to the checker).
fn material(case: &str) -> (Vec<Vec<u8>>, Vec<u8>) {
    let b: Value = serde_json::from_slice(&std::fs::read(vectors().join(case).join("bundle.sigstore.json")).unwrap())
        .unwrap_or_else(|e| panic!("{case}: bundle JSON: {e}"));
    // One upstream token is wrapped with a newline, which Go's and Python's decoders ignore.
    let b64 = |v: &Value| {
        let s: String = v.as_str().unwrap().split_whitespace().collect();
        domainsig::json::b64decode(&s).unwrap()
    };
    let tokens = b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
        .as_array()
        .map(|a| a.iter().map(|t| b64(&t["signedTimestamp"])).collect())
        .unwrap_or_default();
    let sig = if b["messageSignature"].is_object() {
        b64(&b["messageSignature"]["signature"])
    } else {
        b64(&b["dsseEnvelope"]["signatures"][0]["sig"])
    };
    (tokens, sig)
}

/// What a case's timestamps must come to.
#[derive(Debug)]
enum Want {
    /// Every token verifies, proving these times (RFC 3339) from this TSA.
    Verified(&'static str, &'static [&'static str]),
    /// Every token is well formed but from a TSA the root does not hold.
    Untrusted,
    /// Refused with this status and a message containing this text.
    Refused(Status, &'static str),
    /// The case's trusted root itself is refused, before any timestamp is looked at.
    RootRefused,
}

const SIGSTAGE_TSA: &str = "https://timestamp.sigstage.dev/api/v1/timestamp";
const PROD_TSA: &str = "https://timestamp.sigstore.dev/api/v1/timestamp";
const LOCAL_TSA: &str = "https://localhost:3000/api/v1/timestamp";
const REKOR2_TIME: &[&str] = &["2025-06-12T12:02:20Z"];

/// Every vector with timestamps, and why its expectation is what it is.
const CASES: &[(&str, Want)] = &[
    // Passing Rekor v2 bundles: the timestamp is their only verified time.
    ("conformance--rekor2-happy-path", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    ("conformance--rekor2-checkpoint-cosigned", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    ("conformance--rekor2-checkpoint-multiple-cosigs", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    ("conformance--rekor2-checkpoint-origin-not-first", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    ("conformance--rekor2-checkpoint-two-sigs-cosigned", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    ("conformance--rekor2-checkpoint-two-sigs-from-origin", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    ("conformance--rekor2-dsse-happy-path", Want::Verified(SIGSTAGE_TSA, &["2026-05-13T19:23:33Z"])),
    ("sigstore-python--a.dsse.staging-rekor-v2.txt", Want::Verified(SIGSTAGE_TSA, &["2026-05-13T19:23:33Z"])),
    ("conformance--rekor2-timestamp-with-embedded-cert", Want::Verified(SIGSTAGE_TSA, &["2025-08-06T18:51:36Z"])),
    ("conformance--rekor2-timestamp-without-embedded-cert", Want::Verified(SIGSTAGE_TSA, &["2025-08-06T19:03:51Z"])),
    // The TSA's whole chain expired minutes later; genTime was inside it.
    ("conformance--rekor2-timestamp-with-expired-cert-chain", Want::Verified(LOCAL_TSA, &["2025-08-07T15:32:26Z"])),
    // validFor.end equals genTime to the second: the end is inclusive.
    ("conformance--trust-root-tsa-validity-end-inclusive", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    // Failing Rekor v2 bundles whose timestamp is fine: they fail elsewhere (checkpoint, DSSE,
    // missing proof, trusted-root shape).
    ("conformance--rekor2-checkpoint-missing-log-signature_fail", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    ("conformance--rekor2-checkpoint-missing-origin_fail", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    ("conformance--rekor2-checkpoint-missing-root-hash_fail", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    ("conformance--rekor2-checkpoint-missing-size_fail", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    ("conformance--rekor2-checkpoint-no-matching-signature_fail", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    ("conformance--rekor2-no-inclusion-proof_fail", Want::Verified(SIGSTAGE_TSA, REKOR2_TIME)),
    ("conformance--rekor2-dsse-invalid-sig_fail", Want::Verified(SIGSTAGE_TSA, &["2026-05-13T19:23:43Z"])),
    ("conformance--rekor2-dsse-mismatch-envelope_fail", Want::Verified(SIGSTAGE_TSA, &["2026-05-13T19:23:38Z"])),
    ("conformance--rekor2-dsse-mismatch-sig_fail", Want::Verified(SIGSTAGE_TSA, &["2026-05-13T19:23:36Z"])),
    // The timestamp is valid; the Fulcio certificate was not valid at its time (checked later).
    ("conformance--rekor2-timestamp-with-incorrect-time_fail", Want::Verified(SIGSTAGE_TSA, &["2025-07-15T10:33:31Z"])),
    (
        "conformance--intoto-tsa-timestamp-outside-cert-validity_fail",
        Want::Verified("http://localhost:8000", &["2023-02-02T00:00:00Z"]),
    ),
    ("conformance--intoto-with-custom-trust-root", Want::Verified("http://localhost:8000", &["2023-02-01T00:00:00Z"])),
    // Production-root bundles that also carry a timestamp from the production TSA.
    ("conformance--bundle-with-sct-with-extensions", Want::Verified(PROD_TSA, &["2026-01-15T22:49:26Z"])),
    ("conformance--managed-key-happy-path", Want::Verified(PROD_TSA, &["2025-12-18T17:04:39Z"])),
    ("conformance--managed-key-no-key_fail", Want::Verified(PROD_TSA, &["2025-12-18T17:04:39Z"])),
    ("conformance--managed-key-wrong-key_fail", Want::Verified(PROD_TSA, &["2025-12-18T17:04:39Z"])),
    ("conformance--trust-root-tlog-missing-validity-start_fail", Want::RootRefused),
    // Timestamp failures.
    (
        "conformance--rekor2-timestamp-payload-mismatch_fail",
        Want::Refused(Status::TimestampInvalid, "but the bundle's signature hashes to"),
    ),
    (
        "conformance--rekor2-timestamp-outside-trust-root-tsa-validity_fail",
        Want::Refused(Status::TimestampInvalid, "outside the trusted root's validity window"),
    ),
    (
        "conformance--rekor2-timestamp-outside-tsa-cert-validity_fail",
        Want::Refused(Status::TimestampInvalid, "outside the TSA signing certificate's validity"),
    ),
    ("conformance--rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail", Want::Untrusted),
    ("conformance--rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail", Want::Untrusted),
    ("sigstore-python--tsa-duplicate", Want::Refused(Status::TimestampInvalid, "appears twice")),
    ("sigstore-python--tsa-many_timestamp", Want::Refused(Status::LimitExceeded, "at most 32")),
    // Issued by an earlier incarnation of sigstore-python's test TSA (same names, other keys)
    // than the one in the case's root: skipped, and the bundle passes on its SET time.
    ("sigstore-python--tsa-txt", Want::Untrusted),
];

#[test]
fn every_vector_timestamp_checks_as_expected() {
    let mut with_tokens: Vec<String> = std::fs::read_dir(vectors())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|c| vectors().join(c).join("expect.json").is_file())
        .filter(|c| {
            let raw = std::fs::read(vectors().join(c).join("bundle.sigstore.json")).unwrap_or_default();
            serde_json::from_slice::<Value>(&raw).is_ok_and(|b| {
                b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty())
            })
        })
        .collect();
    with_tokens.sort();
    let listed: Vec<&str> = CASES.iter().map(|(c, _)| *c).collect();
    for c in &with_tokens {
        assert!(listed.contains(&c.as_str()), "{c} carries timestamps but has no expectation here");
    }

    let mut failures = Vec::new();
    for (case, want) in CASES {
        if let Want::RootRefused = want {
            if TrustRoot::from_json(&root_json(case)).is_ok() {
                failures.push(format!("{case}: wanted the trusted root refused"));
            }
            continue;
        }
        let root = root_for(case);
        let (tokens, sig) = material(case);
        assert!(!tokens.is_empty(), "{case}: no tokens");
        let got = timestamp::check_all(&tokens, &sig, &root);
        let ok = match (want, &got) {
            (Want::Verified(tsa, times), Ok(checked)) => {
                let found: Vec<(String, String)> = checked
                    .iter()
                    .map(|c| match c {
                        Checked::Verified(t) => (serde_json::to_value(t).unwrap()["tsa"].to_string(), t.utc.clone()),
                        Checked::Untrusted(e) => ("untrusted".into(), e.message.clone()),
                    })
                    .collect();
                let expected: Vec<(String, String)> =
                    times.iter().map(|t| (format!("\"{tsa}\""), (*t).to_owned())).collect();
                found == expected
            }
            (Want::Untrusted, Ok(checked)) => {
                checked
                    .iter()
                    .all(|c| matches!(c, Checked::Untrusted(e) if e.message.contains("not a timestamp authority")))
                    && timestamp::verify_all(&tokens, &sig, &root).is_ok_and(|v| v.is_empty())
            }
            (Want::Refused(status, text), Err(e)) => e.status == *status && e.message.contains(text),
            _ => false,
        };
        if !ok {
            failures.push(format!("{case}: wanted {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{} case(s) disagree:\n{}", failures.len(), failures.join("\n"));
}

/// A root that lists only the TSA's issuing CA (no signing certificate) accepts a token whose
/// embedded signing certificate that CA issued, and skips one that embeds nothing.
#[test]
fn issuing_ca_root_needs_an_embedded_signer() {
    let with_leaf =
        std::fs::read_to_string(vectors().join("conformance--rekor2-happy-path/trusted_root.json")).unwrap();
    let mut root: Value = serde_json::from_str(&with_leaf).unwrap();
    for tsa in root["timestampAuthorities"].as_array_mut().unwrap() {
        tsa["certChain"]["certificates"].as_array_mut().unwrap().remove(0);
    }
    let root = TrustRoot::from_json(root.to_string().as_bytes()).unwrap();

    let (tokens, sig) = material("conformance--rekor2-timestamp-with-embedded-cert");
    let times = timestamp::verify_all(&tokens, &sig, &root).unwrap();
    assert_eq!(times.iter().map(|t| t.utc.as_str()).collect::<Vec<_>>(), ["2025-08-06T18:51:36Z"]);

    let (tokens, sig) = material("conformance--rekor2-timestamp-without-embedded-cert");
    let checked = timestamp::check_all(&tokens, &sig, &root).unwrap();
    assert!(matches!(checked.as_slice(), [Checked::Untrusted(_)]), "{checked:?}");
}

/// Embedded certificates are never anchors: the untrusted TSA's token carries its whole chain
/// up to a self-signed root, and still proves nothing.
#[test]
fn embedded_chain_is_not_trusted() {
    let case = "conformance--rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail";
    let (tokens, sig) = material(case);
    assert_eq!(timestamp::verify_all(&tokens, &sig, &root_for(case)).unwrap(), []);
}
