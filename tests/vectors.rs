//! Every real vector in tests/vectors (copied unedited from sigstore-conformance, sigstore-python,
//! pypi-attestations and sigstore-go), driven through the CLI exactly as the
//! sigstore-conformance harness drives a client: once with the artifact as a path and once as a
//! `sha256:<hex>` digest. Each case's `expect.json` says whether it must verify.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// Cases whose expectation this project decided on explicitly (see the issue notes):
/// none are overridden; the list documents the decisions behind the ones that needed one.
///
/// - `sigstore-python--integration-Python-3.12.5.tgz` (expect fail): a v0.1 bundle whose inclusion
///   proof has no checkpoint. protobuf-specs marks `InclusionProof.checkpoint` REQUIRED, so the
///   bundle is refused (TLOG_CHECKPOINT) rather than the proof skipped; this agrees with the
///   expectation and with sigstore-python.
/// - `sigstore-go--examples-npm-publish-attestation`: the npm tarball is not public, so the
///   artifact is supplied as the statement subject's own sha512 digest; everything else (key,
///   DSSE signature, intoto/0.0.2 body, SET) is verified for real.
/// - `sigstore-python--a.dsse.staging-rekor-v2.txt`: upstream verifies the envelope with no artifact
///   input, and the sibling file kept as `artifact` is not the statement's subject; the subject's
///   own digest is supplied instead (the case's notes ask for exactly this check).
const DECISIONS: &[&str] = &[
    "sigstore-python--integration-Python-3.12.5.tgz",
    "sigstore-go--examples-npm-publish-attestation",
    "sigstore-python--a.dsse.staging-rekor-v2.txt",
];

/// Cases verified against the statement's own subject digest (see DECISIONS).
const SUBJECT_DIGEST_CASES: &[&str] =
    &["sigstore-go--examples-npm-publish-attestation", "sigstore-python--a.dsse.staging-rekor-v2.txt"];

struct Case {
    name: String,
    dir: PathBuf,
    expect: Value,
}

fn cases() -> Vec<Case> {
    let mut out: Vec<Case> = std::fs::read_dir(vectors())
        .expect("tests/vectors exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.join("expect.json").is_file())
        .map(|dir| Case {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            expect: serde_json::from_slice(&std::fs::read(dir.join("expect.json")).unwrap()).unwrap(),
            dir,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn trusted_root(c: &Case) -> PathBuf {
    let own = c.dir.join("trusted_root.json");
    if own.is_file() {
        return own;
    }
    let r = std::fs::read_to_string(c.dir.join("trusted_root.ref")).expect("trusted_root.ref");
    vectors().join(r.trim())
}

/// The artifact arguments the harness would pass: a path and/or a digest.
fn artifacts(c: &Case) -> Vec<String> {
    let mut v = Vec::new();
    if SUBJECT_DIGEST_CASES.contains(&c.name.as_str()) {
        let b: Value = serde_json::from_slice(&std::fs::read(c.dir.join("bundle.sigstore.json")).unwrap()).unwrap();
        let payload = b["dsseEnvelope"]["payload"].as_str().expect("DSSE payload");
        let st: Value = serde_json::from_slice(&domainsig::json::b64decode(payload).unwrap()).unwrap();
        let (alg, hex) = st["subject"][0]["digest"].as_object().unwrap().iter().next().unwrap();
        v.push(format!("{alg}:{}", hex.as_str().unwrap()));
    } else if c.dir.join("artifact").is_file() {
        v.push(c.dir.join("artifact").to_string_lossy().into_owned());
        let hex = std::fs::read_to_string(c.dir.join("artifact.sha256")).expect("artifact.sha256");
        v.push(format!("sha256:{}", hex.split_whitespace().next().unwrap()));
    } else if c.dir.join("artifact.digest").is_file() {
        v.push(std::fs::read_to_string(c.dir.join("artifact.digest")).unwrap().trim().to_owned());
    } else {
        panic!("{}: no artifact, artifact.digest, or subject-digest decision", c.name);
    }
    v
}

fn args(c: &Case) -> Vec<String> {
    let mut a = vec![
        "verify-bundle".to_owned(),
        "--bundle".into(),
        c.dir.join("bundle.sigstore.json").to_string_lossy().into_owned(),
        "--trusted-root".into(),
        trusted_root(c).to_string_lossy().into_owned(),
    ];
    if c.dir.join("key.pub").is_file() && c.expect["verify_with"] == "key" {
        a.push("--key".into());
        a.push(c.dir.join("key.pub").to_string_lossy().into_owned());
    } else {
        let pick = |k: &str, alt: &str| {
            c.expect[k]
                .as_str()
                .or_else(|| c.expect[alt].as_array().and_then(|a| a.first()).and_then(Value::as_str))
                .or_else(|| c.expect[alt].as_str())
                .unwrap_or("https://unknown.invalid")
                .to_owned()
        };
        a.extend(["--certificate-identity".into(), pick("identity", "cert_san")]);
        a.extend(["--certificate-oidc-issuer".into(), pick("issuer", "cert_issuer_ext")]);
    }
    a
}

#[test]
fn every_vector_agrees_in_path_and_digest_mode() {
    let cases = cases();
    assert!(cases.len() >= 95, "expected the 95 shared vectors, found {}", cases.len());
    for d in DECISIONS {
        assert!(cases.iter().any(|c| c.name == *d), "decision names a missing case {d}");
    }
    let mut failures = Vec::new();
    let mut runs = 0;
    for c in &cases {
        let want_pass = c.expect["expect"] == "pass";
        for artifact in artifacts(c) {
            let mut a = args(c);
            a.push(artifact.clone());
            let out = Command::new(env!("CARGO_BIN_EXE_domainsig")).args(&a).output().expect("runs");
            runs += 1;
            let code = out.status.code();
            let stderr = String::from_utf8_lossy(&out.stderr);
            // A refusal is exit 1 (rejected) or 2 (input error, e.g. an unusable trusted root);
            // never a crash (101) or a signal.
            let ok = matches!((want_pass, code), (true, Some(0)) | (false, Some(1 | 2)));
            if !ok {
                let mode = if artifact.contains(':') && !artifact.starts_with('/') { "digest" } else { "path" };
                failures.push(format!(
                    "{} [{mode}]: expected {}, exit {:?}: {}",
                    c.name,
                    if want_pass { "pass" } else { "fail" },
                    code,
                    stderr.trim()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} runs disagree with the vectors:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
