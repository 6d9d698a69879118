//! Criterion benchmarks: each verification step, the whole bundle, and beside them the crypto
//! floor — the raw signature verifications a production bundle cannot avoid, measured in the same
//! run so the ratio is meaningful on a noisy machine.
//!
//! Floor for a Rekor v1 production bundle: one P-384 verification (leaf ← Fulcio intermediate;
//! the intermediate ← root link is checked once when the trusted root loads) and four P-256
//! verifications (message signature, SCT, SET, checkpoint). ECDSA verification cost does not
//! depend on the message, so the four P-256 checks are measured on the bundle's own signature.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, ECDSA_P384_SHA384_ASN1, UnparsedPublicKey};
use criterion::{Criterion, criterion_group, criterion_main};
use der::{Decode, Encode};
use domainsig::{Artifact, Bundle, Policy, Request, TrustRoot};
use std::hint::black_box;
use std::path::Path;

const CASE: &str = "tests/vectors/conformance--happy-path-v0.3";

fn read(p: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).expect("bench input")
}

fn make_policy() -> Policy {
    let json = br#"{"version": 1, "trusted_root": "public-good",
        "identities": [{"issuer": "https://token.actions.githubusercontent.com",
          "san": "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"}],
        "domains": {"mode": "ignore"}, "subject": {"require_name": false}}"#;
    Policy::from_json(json, None).expect("bench policy")
}

fn floor(c: &mut Criterion) {
    let bundle = Bundle::parse(&read(&format!("{CASE}/bundle.sigstore.json"))).expect("bundle");
    let domainsig::bundle::Material::Certificate { leaf, .. } = &bundle.material else { panic!("certificate bundle") };
    let cert = x509_cert::Certificate::from_der(leaf).expect("leaf");
    let tbs = domainsig::x509::tbs_bytes(leaf).expect("tbs").to_vec();
    let leaf_sig = cert.signature.raw_bytes().to_vec();
    let root = TrustRoot::production().expect("root");
    let intermediate = x509_cert::Certificate::from_der(&root.cas.last().expect("ca").chain[0]).expect("intermediate");
    let ca_key = intermediate.tbs_certificate.subject_public_key_info.subject_public_key.raw_bytes().to_vec();
    let leaf_key = cert.tbs_certificate.subject_public_key_info.to_der().expect("spki");
    let leaf_key = x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(&leaf_key).expect("spki");
    let leaf_point = leaf_key.subject_public_key.raw_bytes().to_vec();
    let artifact = read(&format!("{CASE}/artifact"));
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &artifact);
    let msg_sig = bundle.content.signature().to_vec();

    let p384 = UnparsedPublicKey::new(&ECDSA_P384_SHA384_ASN1, ca_key.clone());
    let p256 = UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, leaf_point.clone());
    assert!(p384.verify(&tbs, &leaf_sig).is_ok(), "floor inputs must be real, valid signatures");
    assert!(p256.verify_digest(&digest, &msg_sig).is_ok());

    let mut g = c.benchmark_group("floor");
    g.bench_function("p384_verify", |b| b.iter(|| p384.verify(black_box(&tbs), black_box(&leaf_sig)).is_ok()));
    g.bench_function("p256_verify_prehashed", |b| {
        b.iter(|| p256.verify_digest(black_box(&digest), black_box(&msg_sig)).is_ok())
    });
    g.bench_function("bundle_floor_1xp384_4xp256", |b| {
        b.iter(|| {
            let mut ok = p384.verify(black_box(&tbs), black_box(&leaf_sig)).is_ok();
            for _ in 0..4 {
                ok &= p256.verify_digest(black_box(&digest), black_box(&msg_sig)).is_ok();
            }
            ok
        })
    });
    g.finish();
}

fn whole(c: &mut Criterion) {
    let policy = make_policy();
    let bundle = read(&format!("{CASE}/bundle.sigstore.json"));
    let artifact = read(&format!("{CASE}/artifact"));
    let hex = String::from_utf8(read(&format!("{CASE}/artifact.sha256"))).expect("hex");
    let digest = Artifact::parse_digest(&format!("sha256:{}", hex.trim())).expect("digest");
    let req = |a: Artifact<'static>| Request { artifact: a, name: None, bundle: &bundle, index_domain: None };
    let by_digest = req(digest.clone());
    assert!(policy.verify(&by_digest).is_ok(), "{}", policy.verify(&by_digest).to_json());

    let mut g = c.benchmark_group("bundle");
    g.bench_function("verify_digest_input", |b| b.iter(|| policy.verify(black_box(&by_digest)).is_ok()));
    g.bench_function("verify_bytes_input", |b| {
        b.iter(|| {
            policy
                .verify(&Request {
                    artifact: Artifact::Bytes(&artifact),
                    name: None,
                    bundle: &bundle,
                    index_domain: None,
                })
                .is_ok()
        })
    });
    g.bench_function("parse_only", |b| b.iter(|| Bundle::parse(black_box(&bundle)).is_ok()));
    g.bench_function("result_json", |b| {
        let out = policy.verify(&by_digest);
        b.iter(|| out.to_json().len())
    });
    g.finish();

    let mut g = c.benchmark_group("setup");
    g.bench_function("trusted_root_production", |b| b.iter(|| TrustRoot::production().is_ok()));
    g.bench_function("policy_from_json", |b| b.iter(make_policy));
    g.finish();
}

fn hashing(c: &mut Criterion) {
    // aws-lc-rs's own SHA-256 throughput: the ceiling for hashing a large artifact.
    let buf = vec![0x5au8; 64 << 20];
    let mut g = c.benchmark_group("hash");
    g.throughput(criterion::Throughput::Bytes(buf.len() as u64));
    g.sample_size(10);
    g.bench_function("sha256_64mib_in_memory", |b| {
        b.iter(|| aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, black_box(&buf)))
    });
    let path = std::env::temp_dir().join(format!("domainsig-bench-{}.bin", std::process::id()));
    std::fs::write(&path, &buf).expect("temp file");
    g.bench_function("sha256_64mib_file_streamed", |b| {
        b.iter(|| domainsig::artifact::hash_file(black_box(&path), domainsig::keys::HashAlgorithm::Sha256).is_ok())
    });
    g.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, floor, whole, hashing);
criterion_main!(benches);
