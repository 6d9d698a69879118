//! Bundle bytes (or a PEP 740 attestation / provenance object) through parse and the whole
//! verifier, with a fixed production policy: must never panic, whatever the input.
#![no_main]

use domainsig::{Artifact, Policy, Request};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static POLICY: LazyLock<Policy> = LazyLock::new(|| {
    Policy::from_json(
        br#"{"version": 1, "trusted_root": "public-good",
            "identities": [{"issuer": "https://token.actions.githubusercontent.com", "san_regex": ".*"}],
            "domains": {"mode": "ignore"}, "subject": {"require_name": false}}"#,
        None,
    )
    .expect("fuzz policy")
});

/// The npm registry's keys bound to its domain, so npm documents reach the set decision.
static NPM_POLICY: LazyLock<Policy> = LazyLock::new(|| {
    let keys: serde_json::Value =
        serde_json::from_str(include_str!("../../examples/npm/registry.npmjs.org.keys.json")).expect("keys");
    let p = serde_json::json!({"version": 1, "trusted_root": "public-good",
        "identities": [{"issuer": "https://token.actions.githubusercontent.com", "san_regex": ".*"}],
        "keys": [{"json": keys, "usage": "npm:attestations", "domain": "registry.npmjs.org"}]});
    Policy::from_json(p.to_string().as_bytes(), None).expect("npm fuzz policy")
});

fuzz_target!(|data: &[u8]| {
    // An npm document for sigstore@1.0.0 (tests/npm/npm-cli--sigstore-1.0.0), with its tarball's digest.
    let tgz = Artifact::parse_digest(
        "sha512:7bea9f6e7ff37f5fab0b36bf061200fff03099fd2fd696b91d04bc5e4f225eb9fd6e0cadcad54ba980f43fb352a99e8810b4e0abeb5c0ef2cf9108cd1f258b36",
    )
    .expect("digest");
    let out = NPM_POLICY.verify(&Request {
        artifact: tgz,
        name: Some("pkg:npm/sigstore@1.0.0"),
        bundle: data,
        index_domain: Some("registry.npmjs.org"),
    });
    let _ = out.to_json();
    // The digest of the conformance happy-path artifact, so valid seeds get deep into the proofs.
    let artifact = Artifact::parse_digest("sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf")
        .expect("digest");
    let out = POLICY.verify(&Request { artifact, name: None, bundle: data, index_domain: Some("pypi.org") });
    let _ = out.to_json();
    let out = POLICY.verify(&Request { artifact: Artifact::Bytes(data), name: Some("x"), bundle: data, index_domain: None });
    let _ = out.status();
});
