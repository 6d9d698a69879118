//! Criterion benchmarks: each verification step, the whole bundle, and beside them the crypto
//! floor — the raw signature verifications a production bundle cannot avoid, measured in the same
//! run so the ratio is meaningful on a noisy machine.
//!
//! Floor for a Rekor v1 production bundle: the five signature checks it cannot avoid, each over
//! its real message with raw aws-lc-rs — one P-384 (leaf ← Fulcio intermediate; the intermediate
//! ← root link is checked once when the trusted root loads) and four P-256 (SCT over the
//! precertificate, the message signature on the artifact digest, the SET over its canonical JSON,
//! the checkpoint note).

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

/// One real signature verification the bundle needs: key, message, signature.
struct Check {
    name: &'static str,
    key: UnparsedPublicKey<Vec<u8>>,
    message: Vec<u8>,
    signature: Vec<u8>,
    prehashed: bool,
}

impl Check {
    fn run(&self) -> bool {
        if self.prehashed {
            let d =
                aws_lc_rs::digest::Digest::import_less_safe(&self.message, &aws_lc_rs::digest::SHA256).expect("digest");
            self.key.verify_digest(&d, &self.signature).is_ok()
        } else {
            self.key.verify(&self.message, &self.signature).is_ok()
        }
    }
}

/// The five signature checks of the production bundle, each over its real message, with raw
/// aws-lc-rs (keys parsed per call, as a one-shot verifier would).
fn floor_checks() -> Vec<Check> {
    use domainsig::x509::sct;
    let bundle = Bundle::parse(&read(&format!("{CASE}/bundle.sigstore.json"))).expect("bundle");
    let domainsig::bundle::Material::Certificate { leaf, .. } = &bundle.material else { panic!("certificate bundle") };
    let cert = x509_cert::Certificate::from_der(leaf).expect("leaf");
    let root = TrustRoot::production().expect("root");
    let ca = root.cas.last().expect("ca");
    let intermediate = x509_cert::Certificate::from_der(&ca.chain[0]).expect("intermediate");
    let point = |spki: &x509_cert::spki::SubjectPublicKeyInfoOwned| spki.subject_public_key.raw_bytes().to_vec();
    let leaf_point = point(&cert.tbs_certificate.subject_public_key_info);
    let entry = &bundle.tlog_entries[0];
    let log = root.tlog(&entry.log_id).expect("log");
    let log_point = point(&x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(log.key.spki()).expect("spki"));

    // SCT: the first embedded SCT over the precertificate.
    let ext = cert.tbs_certificate.extensions.iter().flatten().find(|e| e.extn_id == sct::OID_SCT_LIST).expect("sct");
    let list = der::asn1::OctetStringRef::from_der(ext.extn_value.as_bytes()).expect("octets");
    let scts = sct::parse_list(list.as_bytes()).expect("scts");
    let ctlog = root.ctlog(scts[0].log_id).expect("ctlog");
    let ct_point = point(&x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(ctlog.key.spki()).expect("spki"));
    let issuer_spki = intermediate.tbs_certificate.subject_public_key_info.to_der().expect("spki");
    let sct_message = sct::signed_data(
        &scts[0],
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &issuer_spki).as_ref(),
        &sct::precert_tbs(leaf).expect("precert"),
    );
    // Checkpoint: the note text and the log's signature line.
    let proof = entry.proof.as_ref().expect("proof");
    let note = domainsig::tlog::checkpoint::parse_note(proof.checkpoint.as_deref().expect("checkpoint")).expect("note");
    let note_sig = note.signatures[0].signature.clone();
    let digest = hex(&read(&format!("{CASE}/artifact.sha256")));

    vec![
        Check {
            name: "leaf <- Fulcio intermediate (P-384)",
            key: UnparsedPublicKey::new(
                &ECDSA_P384_SHA384_ASN1,
                point(&intermediate.tbs_certificate.subject_public_key_info),
            ),
            message: domainsig::x509::tbs_bytes(leaf).expect("tbs").to_vec(),
            signature: cert.signature.raw_bytes().to_vec(),
            prehashed: false,
        },
        Check {
            name: "SCT (P-256)",
            key: UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, ct_point),
            message: sct_message,
            signature: scts[0].signature.to_vec(),
            prehashed: false,
        },
        Check {
            name: "message signature, prehashed (P-256)",
            key: UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, leaf_point),
            message: digest,
            signature: bundle.content.signature().to_vec(),
            prehashed: true,
        },
        Check {
            name: "SET (P-256)",
            key: UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, log_point.clone()),
            message: domainsig::tlog::set::canonical_payload(
                &entry.body,
                entry.integrated_time,
                &log.log_id,
                entry.log_index,
            )
            .into_bytes(),
            signature: entry.promise.clone().expect("promise"),
            prehashed: false,
        },
        Check {
            name: "checkpoint (P-256)",
            key: UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, log_point),
            message: note.text.as_bytes().to_vec(),
            signature: note_sig,
            prehashed: false,
        },
    ]
}

fn hex(s: &[u8]) -> Vec<u8> {
    let s = std::str::from_utf8(s).expect("utf8").trim();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

fn floor(c: &mut Criterion) {
    let checks = floor_checks();
    for check in &checks {
        assert!(check.run(), "floor input must be a real, valid signature: {}", check.name);
    }
    let mut g = c.benchmark_group("floor");
    g.bench_function("p384_verify", |b| b.iter(|| black_box(&checks[0]).run()));
    g.bench_function("p256_verify_prehashed", |b| b.iter(|| black_box(&checks[2]).run()));
    g.bench_function("bundle_floor_1xp384_4xp256", |b| {
        b.iter(|| checks.iter().fold(true, |ok, c| ok & black_box(c).run()))
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
        b.iter(|| {
            domainsig::artifact::hash_file(black_box(&path), domainsig::trust::keys::HashAlgorithm::Sha256).is_ok()
        })
    });
    g.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, floor, whole, hashing);
criterion_main!(benches);
