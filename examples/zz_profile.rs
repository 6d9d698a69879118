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
