//! Verifies the production happy-path bundle N times (default 200), for profilers:
//!
//!     cargo build --release --example profile_verify
//!     valgrind --tool=callgrind target/release/examples/profile_verify 100   # instruction counts
//!     perf record -g target/release/examples/profile_verify 3000              # cycles
//!
//! callgrind's counts are repeatable on a noisy machine, which is how the hot path was trimmed to
//! ~1.13x the crypto floor (benches/verify.rs measures the ratio itself).

use domainsig::{Artifact, Policy, Request};
fn main() {
    let case = "tests/vectors/conformance--happy-path-v0.3";
    let json = br#"{"version": 1, "trusted_root": "public-good",
        "identities": [{"issuer": "https://token.actions.githubusercontent.com",
          "san": "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"}],
        "domains": {"mode": "ignore"}, "subject": {"require_name": false}}"#;
    let p = Policy::from_json(json, None).unwrap();
    let bundle = std::fs::read(format!("{case}/bundle.sigstore.json")).unwrap();
    let hex = std::fs::read_to_string(format!("{case}/artifact.sha256")).unwrap();
    let a = Artifact::parse_digest(&format!("sha256:{}", hex.trim())).unwrap();
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    for _ in 0..n {
        let o = p.verify(&Request { artifact: a.clone(), name: None, bundle: &bundle, index_domain: None });
        assert!(o.is_ok());
    }
}
