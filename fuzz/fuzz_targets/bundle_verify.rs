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

fuzz_target!(|data: &[u8]| {
    // The digest of the conformance happy-path artifact, so valid seeds get deep into the proofs.
    let artifact = Artifact::parse_digest("sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf")
        .expect("digest");
    let out = POLICY.verify(&Request { artifact, name: None, bundle: data, index_domain: Some("pypi.org") });
    let _ = out.to_json();
    let out = POLICY.verify(&Request { artifact: Artifact::Bytes(data), name: Some("x"), bundle: data, index_domain: None });
    let _ = out.status();
});
