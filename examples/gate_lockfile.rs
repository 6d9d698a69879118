//! The cost of gating an npm lockfile: N packages (default 1,000), each with a tarball of a
//! realistic size and the registry's attestations document (a publish attestation signed by the
//! registry's managed key and a SLSA provenance signed by a Fulcio identity: 2 bundles per
//! package), all minted by the virtual Sigstore in tests/support. Prints the CPU time of hashing
//! the tarballs alone, of verifying every document in parallel (`Policy::verify_many`, 2 jobs),
//! and of verifying them one after another (how `npm audit signatures` works). A benchmark, not a
//! test: `scripts/bench-peers.sh` runs it.
//!
//!     cargo run --release --example gate_lockfile [N]
//!
//! CPU time is the process's user + system time from /proc/self/stat (every thread), so it is
//! Linux-only and has the kernel's clock-tick resolution (10 ms).

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use domainsig::trust::keys::HashAlgorithm;
use domainsig::{Artifact, Policy, Request};
use serde_json::json;
use std::time::Instant;
use support::{Statement, VirtualSigstore, predicates};

const REGISTRY: &str = "registry.npmjs.org";
const SLSA_V1: &str = "https://slsa.dev/provenance/v1";
const SAN: &str = "https://github.com/example/pkg/.github/workflows/release.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

/// User + system CPU seconds of this process, all threads (fields 14 and 15 of /proc/self/stat).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let after = &stat[stat.rfind(')').expect("comm") + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / 100.0 // USER_HZ is 100 on Linux
}

/// Tarball sizes spread log-uniformly between 2 KiB and 2 MiB (median 64 KiB), deterministic.
fn tarball(i: usize) -> Vec<u8> {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    let unit = (x % 10_000) as f64 / 10_000.0;
    let size = (2048.0 * 1024f64.powf(unit)) as usize;
    (0..size).map(|j| (j as u64 ^ x) as u8).collect()
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let mut vs = VirtualSigstore::new();
    eprintln!("minting {n} attestations documents ({} bundles)...", 2 * n);
    let keyid = support::npm_keyid(&vs.managed_key.spki());
    let mut tarballs = Vec::with_capacity(n);
    let mut documents = Vec::with_capacity(n);
    let mut purls = Vec::with_capacity(n);
    let mut singles = Vec::with_capacity(2 * n);
    for i in 0..n {
        let name = if i % 5 == 0 { format!("@scope{i}/pkg") } else { format!("pkg-{i}") };
        let tgz = tarball(i);
        let mut publish = vs.dsse(&predicates::npm_publish(&name, "1.0.0", REGISTRY, &tgz)).managed_key().mint();
        // npm names its registry keys by OpenSSH fingerprint; the hint is outside what is signed.
        publish.bundle["verificationMaterial"]["publicKey"]["hint"] = json!(keyid);
        let purl = format!("pkg:npm/{}@1.0.0", name.replace('@', "%40"));
        let provenance = Statement::new(SLSA_V1)
            .subject_digest(&purl, "sha512", &aws_sha512_hex(&tgz))
            .predicate(json!({"buildDefinition": {"buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1"}}));
        let provenance = vs.dsse(&provenance).san_uri(SAN).issuer(ISSUER).mint();
        singles.push(publish.bytes());
        singles.push(provenance.bytes());
        let doc = json!({"attestations": [
            {"predicateType": support::NPM_PUBLISH_V0_1, "bundle": publish.bundle},
            {"predicateType": SLSA_V1, "bundle": provenance.bundle},
        ]});
        documents.push(serde_json::to_vec(&doc).unwrap());
        tarballs.push(tgz);
        purls.push(purl);
    }
    let mut policy = vs.policy(&[(ISSUER, SAN)]);
    // The registry key in the TUF keys.json form npm's registry publishes, bound to its domain.
    policy["keys"] = json!([{"domain": REGISTRY, "json": {"keys": [{"keyId": keyid, "keyUsage": "npm:attestations",
        "publicKey": {"rawBytes": support::b64(&vs.managed_key.spki()), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                      "validFor": {"start": "2000-01-01T00:00:00Z"}}}]}}]);
    policy["domains"] = json!({"mode": "require", "audiences": [REGISTRY]});
    policy["subject"] = json!({"require_name": true});
    let policy = Policy::from_json(policy.to_string().as_bytes(), None).expect("policy");
    let total: usize = tarballs.iter().map(Vec::len).sum();

    // An installer hashes each tarball once (npm's lockfile `integrity` needs its SHA-512 anyway)
    // and verifies by digest: the hashing is measured alone, the verifications beside it.
    let c = cpu_seconds();
    let digests: Vec<Vec<u8>> =
        tarballs.iter().map(|t| aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, t).as_ref().to_vec()).collect();
    let hashing = cpu_seconds() - c;
    let digest = |i: usize| Artifact::Digest(HashAlgorithm::Sha512, digests[i].clone());
    let mut reqs: Vec<Request<'_>> = (0..n)
        .map(|i| Request {
            artifact: digest(i),
            name: Some(&purls[i]),
            bundle: &documents[i],
            index_domain: Some(REGISTRY),
        })
        .collect();
    // A library without the attestations-document input (issue 10) refuses the document as
    // BUNDLE_MALFORMED: then the same 2n bundles go in one by one, with domains in `warn` (the
    // provenance alone declares no registry), which is the same cryptographic work.
    let mut mode = "one attestations document per package";
    let mut policy = policy;
    let first = policy.verify(&reqs[0]);
    if !first.is_ok() {
        eprintln!("the document was refused: {}", first.to_json());
        mode = "publish and provenance bundles verified separately (no document input in this build)";
        let mut p = vs.policy(&[(ISSUER, SAN)]);
        p["keys"] = json!([{"pem": vs.managed_key.public_pem()}]);
        p["domains"] = json!({"mode": "warn"});
        policy = Policy::from_json(p.to_string().as_bytes(), None).expect("policy");
        reqs = (0..2 * n)
            .map(|j| Request {
                artifact: digest(j / 2),
                name: Some(&purls[j / 2]),
                bundle: &singles[j],
                index_domain: Some(REGISTRY),
            })
            .collect();
    }

    let (c, w) = (cpu_seconds(), Instant::now());
    let outcomes = policy.verify_many(&reqs, 2, &|_| {});
    let (par_cpu, par_wall) = (cpu_seconds() - c, w.elapsed().as_secs_f64());
    if let Some((i, o)) = outcomes.iter().enumerate().find(|(_, o)| !o.is_ok()) {
        panic!("package {i} refused: {}", o.to_json());
    }

    let (c, w) = (cpu_seconds(), Instant::now());
    for r in &reqs {
        assert!(policy.verify(r).is_ok());
    }
    let (ser_cpu, ser_wall) = (cpu_seconds() - c, w.elapsed().as_secs_f64());

    println!("packages: {n} ({} bundles), tarballs: {:.1} MiB; {mode}", 2 * n, total as f64 / (1 << 20) as f64);
    println!("hashing the tarballs once (SHA-512, 1 thread): {hashing:.2} s CPU");
    println!("verify_many by digest, 2 jobs: {par_wall:.2} s wall, {par_cpu:.2} s CPU beyond hashing");
    println!(
        "one after another by digest (npm audit signatures style): {ser_wall:.2} s wall, {ser_cpu:.2} s CPU beyond hashing"
    );
}

fn aws_sha512_hex(bytes: &[u8]) -> String {
    support::hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, bytes).as_ref())
}
