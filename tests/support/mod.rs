//! Test support shared by the integration tests (`mod support;`): a virtual Sigstore that mints
//! bundles, the Merkle tree behind its log, and single-bit mutation helpers.
//!
//! Each integration test uses a different part, so unused items are expected per test crate.
#![allow(dead_code)]

pub mod merkle;
pub mod mutate;
pub mod tsa;
pub mod virtual_sigstore;

pub use virtual_sigstore::*;

use domainsig::{Artifact, Outcome, Policy, Request};

/// Compiles a policy from JSON (panics with the error: a bad test policy is a test bug).
pub fn policy(json: &serde_json::Value) -> Policy {
    Policy::from_json(json.to_string().as_bytes(), None).unwrap_or_else(|e| panic!("test policy rejected: {e}"))
}

/// Verifies `bundle` for `artifact` with no index domain and no name.
pub fn verify(policy: &Policy, bundle: &[u8], artifact: Artifact<'_>) -> Outcome {
    policy.verify(&Request { artifact, name: None, bundle, index_domain: None })
}

/// npm's keyid for a P-256 key: `SHA256:<base64 without padding>` of its OpenSSH wire form
/// (name, curve, point), computed here independently of the library's own parser.
pub fn npm_keyid(spki: &[u8]) -> String {
    use base64::Engine;
    let point = &spki[spki.len() - 65..];
    let mut wire = Vec::new();
    for part in [&b"ecdsa-sha2-nistp256"[..], b"nistp256", point] {
        wire.extend_from_slice(&(part.len() as u32).to_be_bytes());
        wire.extend_from_slice(part);
    }
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &wire);
    format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(digest.as_ref()))
}
