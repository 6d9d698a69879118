//! The decide layer end to end, on real bundles: PEP 740 attestation objects, a PyPI provenance
//! object, and npm's publish attestation (whose `registry` is a real signed domain), through
//! `Policy::verify` exactly as an installer calls it. The rule-by-rule proofs are the unit tests in
//! src/policy/eval.rs, src/attestation.rs, src/subject.rs and src/domain.rs.

use domainsig::{Artifact, Policy, Request, Status};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn root_of(case: &Path) -> PathBuf {
    let r = std::fs::read_to_string(case.join("trusted_root.ref")).expect("trusted_root.ref");
    // The ref is relative to tests/vectors (as tests/vectors.rs reads it).
    let _ = case;
    vectors().join(r.trim())
}

fn expect(case: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(case.join("expect.json")).unwrap()).unwrap()
}

fn policy(v: Value) -> Policy {
    Policy::from_json(v.to_string().as_bytes(), None).unwrap_or_else(|e| panic!("{e}"))
}

fn sha256_artifact(case: &Path) -> Artifact<'static> {
    let hex = std::fs::read_to_string(case.join("artifact.sha256")).unwrap();
    Artifact::parse_digest(&format!("sha256:{}", hex.split_whitespace().next().unwrap())).unwrap()
}

/// Every PEP 740 attestation object verifies (or fails) exactly as its converted bundle does, and
/// a passing one is bound to its distribution filename.
#[test]
fn pep740_attestation_objects_verify_like_their_bundles() {
    let mut n = 0;
    for e in std::fs::read_dir(vectors()).unwrap() {
        let case = e.unwrap().path();
        if !case.join("attestation.json").is_file() {
            continue;
        }
        n += 1;
        let x = expect(&case);
        let name = x["pep740_subject"][0]["name"].as_str().expect("pep740_subject").to_owned();
        let p = policy(json!({
            "version": 1,
            "trusted_root": {"path": root_of(&case)},
            "identities": [{"issuer": x["cert_issuer_ext"], "san": x["cert_san"][0]}],
            "domains": {"mode": "warn"},
        }));
        let artifact = if case.join("artifact.sha256").is_file() {
            sha256_artifact(&case)
        } else {
            Artifact::parse_digest(std::fs::read_to_string(case.join("artifact.digest")).unwrap().trim()).unwrap()
        };
        let att = std::fs::read(case.join("attestation.json")).unwrap();
        let bun = std::fs::read(case.join("bundle.sigstore.json")).unwrap();
        let req =
            |b| Request { artifact: artifact.clone(), name: Some(&name), bundle: b, index_domain: Some("pypi.org") };
        let from_att = p.verify(&req(&att));
        let from_bundle = p.verify(&req(&bun));
        assert_eq!(from_att.status(), from_bundle.status(), "{}", case.display());
        if x["expect"] == "pass" && x["reason"].is_null() {
            assert!(from_att.is_ok(), "{}: {}", case.display(), from_att.to_json());
            let d = from_att.decision.unwrap();
            assert_eq!(d.subject.as_deref(), Some(name.as_str()));
            // PyPI's publish predicate names no index: a warning in warn mode.
            assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
        }
        // Re-hosted under another name: refused.
        let other = Request { name: Some("evil-0.0.1.tar.gz"), ..req(&att) };
        if from_bundle.is_ok() {
            assert_eq!(p.verify(&other).status(), Status::SubjectMismatch, "{}", case.display());
        }
    }
    assert!(n >= 6, "found {n} PEP 740 cases");
}

fn provenance_case() -> (PathBuf, Vec<u8>) {
    let case = vectors().join("pypi-attestations--pypi_attestations-0.0.19-publish");
    let prov =
        std::fs::read(vectors().join("_aux/pypi-provenance/pypi_attestations-0.0.19.tar.gz.provenance.json")).unwrap();
    (case, prov)
}

#[test]
fn pypi_provenance_object_is_accepted_where_a_bundle_is() {
    let (case, prov) = provenance_case();
    let x = expect(&case);
    let p = policy(json!({
        "version": 1,
        "trusted_root": {"path": root_of(&case)},
        "identities": [{"issuer": x["issuer"],
            "san_regex": "https://github\\.com/trailofbits/pypi-attestations/\\.github/workflows/release\\.yml@refs/tags/v.*",
            "claims": {"source_repository_uri": "https://github.com/trailofbits/pypi-attestations"}}],
        "domains": {"mode": "warn"},
    }));
    let req = Request {
        artifact: sha256_artifact(&case),
        name: Some("pypi_attestations-0.0.19.tar.gz"),
        bundle: &prov,
        index_domain: Some("pypi.org"),
    };
    let out = p.verify(&req);
    assert!(out.is_ok(), "{}", out.to_json());
    assert_eq!(out.decision.unwrap().attestation.as_deref(), Some("attestation_bundles[0].attestations[0]"));

    // No attestation satisfies the policy: the first refusal, naming the attestation.
    let strict = policy(json!({
        "version": 1,
        "trusted_root": {"path": root_of(&case)},
        "identities": [{"issuer": x["issuer"], "san": x["cert_san"][0], "claims": {"build_trigger": "workflow_dispatch"}}],
        "domains": {"mode": "warn"},
    }));
    let out = strict.verify(&req);
    assert_eq!(out.status(), Status::ClaimMismatch, "{}", out.to_json());

    // Require mode: PyPI's publish attestation declares no index.
    let require = policy(json!({
        "version": 1,
        "trusted_root": {"path": root_of(&case)},
        "identities": [{"issuer": x["issuer"], "san": x["cert_san"][0]}],
    }));
    assert_eq!(require.verify(&req).status(), Status::DomainMissing);
}

fn npm_publish() -> (Policy, Vec<u8>, Artifact<'static>) {
    let case = vectors().join("sigstore-go--examples-npm-publish-attestation");
    let pem = std::fs::read_to_string(case.join("key.pub")).unwrap();
    let p = policy(json!({
        "version": 1,
        "trusted_root": {"path": root_of(&case)},
        "keys": [{"pem": pem}],
        "domains": {"mode": "require", "mirrors": {"npm.corp.example/registry": ["registry.npmjs.org"]}},
    }));
    let bundle = std::fs::read(case.join("bundle.sigstore.json")).unwrap();
    let b: Value = serde_json::from_slice(&bundle).unwrap();
    let payload = domainsig::json::b64decode(b["dsseEnvelope"]["payload"].as_str().unwrap()).unwrap();
    let st: Value = serde_json::from_slice(&payload).unwrap();
    let digest = st["subject"][0]["digest"]["sha512"].as_str().unwrap();
    (p, bundle, Artifact::parse_digest(&format!("sha512:{digest}")).unwrap())
}

#[test]
fn npm_publish_attestation_registry_is_a_signed_domain() {
    let (p, bundle, artifact) = npm_publish();
    let req = |index: &'static str, name: &'static str| Request {
        artifact: artifact.clone(),
        name: Some(name),
        bundle: &bundle,
        index_domain: Some(index),
    };
    let out = p.verify(&req("https://registry.npmjs.org/", "pkg:npm/sigstore@1.3.0"));
    assert!(out.is_ok(), "{}", out.to_json());
    let j: Value = serde_json::from_str(&out.to_json()).unwrap();
    assert_eq!(j["decision"]["domains"]["matched"], "registry.npmjs.org");
    assert_eq!(j["decision"]["domains"]["via"]["kind"], "direct");
    assert_eq!(j["decision"]["key"], 0);

    let out = p.verify(&req("npm.corp.example/registry", "sigstore-1.3.0.tgz"));
    assert!(out.is_ok(), "{}", out.to_json());
    assert_eq!(out.decision.unwrap().domains.matched.unwrap().as_str(), "registry.npmjs.org");

    assert_eq!(
        p.verify(&req("registry.npmjs.org.evil.example", "pkg:npm/sigstore@1.3.0")).status(),
        Status::DomainMismatch
    );
    assert_eq!(p.verify(&req("npm.corp.example", "pkg:npm/sigstore@1.3.0")).status(), Status::DomainMismatch);
    assert_eq!(p.verify(&req("registry.npmjs.org", "pkg:npm/sigstore@1.3.1")).status(), Status::SubjectMismatch);
    assert_eq!(
        p.verify(&req("registry.npmjs.org", "pkg:npm/%40evil/sigstore@1.3.0")).status(),
        Status::SubjectMismatch
    );
    assert_eq!(p.verify(&req("*.npmjs.org", "pkg:npm/sigstore@1.3.0")).status(), Status::DomainInvalid);
}

#[test]
fn npm_provenance_carries_no_domain() {
    let case = vectors().join("sigstore-go--examples-npm-provenance-sigstore-1.3.0");
    let x = expect(&case);
    let p = policy(json!({
        "version": 1,
        "trusted_root": {"path": root_of(&case)},
        "identities": [{"issuer": x["issuer"], "san": x["identity"]}],
    }));
    let bundle = std::fs::read(case.join("bundle.sigstore.json")).unwrap();
    let digest = std::fs::read_to_string(case.join("artifact.digest")).unwrap();
    let out = p.verify(&Request {
        artifact: Artifact::parse_digest(digest.trim()).unwrap(),
        name: Some("pkg:npm/sigstore@1.3.0"),
        bundle: &bundle,
        index_domain: Some("registry.npmjs.org"),
    });
    assert_eq!(out.status(), Status::DomainMissing, "{}", out.to_json());
}

#[test]
fn explain_policy_prints_the_policy_in_words() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_domainsig"))
        .args(["explain-policy", concat!(env!("CARGO_MANIFEST_DIR"), "/examples/pypi/policy.json")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("trailofbits/pypi-attestations") && text.contains("accepted with a warning"), "{text}");
    let bad = std::env::temp_dir().join(format!("domainsig-bad-policy-{}.json", std::process::id()));
    std::fs::write(
        &bad,
        br#"{"version": 1, "identities": [{"issuer": "i", "san": "s"}], "domains": {"mode": "strict"}}"#,
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_domainsig"))
        .args(["explain-policy"])
        .arg(&bad)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&bad);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("domains.mode"));
}
