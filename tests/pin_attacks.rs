//! Per-package pins against names chosen to dodge them (issue 22): the package whose pins apply is
//! the one the verified statement names, checked against the caller's name, never what the shape
//! of that name happens to read as. Every bundle is minted by the virtual Sigstore and judged by
//! `Policy::verify` (and `domainsig verify-dir`) as an installer calls it; each refusal is paired
//! with the nearest accepted case, so no test passes by refusing everything.
//!
//! The rules are in docs/domain-separation.md ("Per-package identities", "Subject binding").

mod support;

use domainsig::attestation::NPM_PUBLISH_V0_1;
use domainsig::{Artifact, Outcome, Policy, Request, Status};
use serde_json::{Value, json};
use support::*;

const ISSUER: &str = DEFAULT_ISSUER;
/// The publisher every package not pinned may be signed by.
const ANYONE: &str = "https://github.com/example-org/other/.github/workflows/release.yml@refs/heads/main";
/// The only publisher the pinned package may be signed by.
const PINNED: &str = "https://github.com/example-org/x/.github/workflows/release.yml@refs/heads/main";
const SLSA: &str = "https://slsa.dev/provenance/v1";
const TARBALL: &[u8] = b"\x1f\x8b an npm tarball\n";
const NPM: &str = "registry.npmjs.org";

/// Top-level identities accept [`ANYONE`]; `packages` pins each named package to [`PINNED`].
fn pinned_policy(vs: &VirtualSigstore, pins: &[&str], extra: Value) -> Value {
    let pin = json!({"identities": [{"issuer": ISSUER, "san": PINNED}]});
    let mut p = json!({
        "version": 1,
        "trusted_root": vs.trusted_root(),
        "identities": [{"issuer": ISSUER, "san": ANYONE}],
        "packages": pins.iter().map(|n| (n.to_string(), pin.clone())).collect::<serde_json::Map<_, _>>(),
        "domains": {"mode": "ignore"},
    });
    if pins.is_empty() {
        p.as_object_mut().expect("object").remove("packages");
    }
    for (k, v) in extra.as_object().expect("extra is an object") {
        p[k] = v.clone();
    }
    p
}

/// Build provenance for `subject` over `artifact`, signed by the certificate identity `san`.
fn provenance(vs: &mut VirtualSigstore, subject: &str, artifact: &[u8], san: &str) -> Minted {
    let st = Statement::new(SLSA).subject(subject, artifact).predicate(json!({"buildDefinition": {}}));
    vs.dsse(&st).san_uri(san).issuer(ISSUER).mint()
}

fn run(p: &Policy, bundle: &[u8], artifact: &[u8], name: &str, index: Option<&str>) -> Outcome {
    p.verify(&Request { artifact: Artifact::Bytes(artifact), name: Some(name), bundle, index_domain: index })
}

#[track_caller]
fn status(o: &Outcome, want: Status) -> Value {
    assert_eq!(o.status(), want, "{}", o.to_json());
    serde_json::from_str(&o.to_json()).expect("result JSON")
}

// ---- 1. the pin follows the proven package, whatever the name's shape ----------------------------

#[test]
fn attack_npm_tarball_name_does_not_skip_the_package_pin() {
    let mut vs = VirtualSigstore::new();
    let p = policy(&pinned_policy(&vs, &["x"], json!({})));
    let other = provenance(&mut vs, "pkg:npm/x@1.0.0", TARBALL, ANYONE).bytes();
    // By purl the pin applies; by the tarball name it must too.
    for name in ["pkg:npm/x@1.0.0", "x-1.0.0.tgz"] {
        let j = status(&run(&p, &other, TARBALL, name, None), Status::IdentityMismatch);
        assert!(j["message"].as_str().unwrap().contains("packages[\"x\"].identities"), "{name}: {j}");
    }
    // The pinned publisher passes under either name, and the decision names the pin and package.
    let pinned = provenance(&mut vs, "pkg:npm/x@1.0.0", TARBALL, PINNED).bytes();
    for name in ["pkg:npm/x@1.0.0", "x-1.0.0.tgz"] {
        let d = &status(&run(&p, &pinned, TARBALL, name, None), Status::Ok)["decision"];
        assert_eq!(d["identity_list"], "packages[\"x\"].identities", "{name}");
        assert_eq!(d["package"]["name"], "x", "{name}");
    }
    // A package with no pin is still signed by the top-level publisher, by tarball name too.
    let y = provenance(&mut vs, "pkg:npm/y@1.0.0", TARBALL, ANYONE).bytes();
    let d = &status(&run(&p, &y, TARBALL, "y-1.0.0.tgz", None), Status::Ok)["decision"];
    assert_eq!(d["identity_list"], "identities");
}

#[test]
fn attack_npm_document_under_a_tarball_name_does_not_skip_the_package_pin() {
    let mut vs = VirtualSigstore::new();
    let keyid = npm_keyid(&vs.managed_key.spki());
    let st = predicates::npm_publish("x", "1.0.0", "https://registry.npmjs.org", TARBALL);
    let mut publish = vs.dsse(&st).managed_key().mint();
    publish.bundle["verificationMaterial"]["publicKey"]["hint"] = json!(keyid);
    let doc = |prov: &Minted| {
        serde_json::to_vec(&json!({"attestations": [
            {"predicateType": NPM_PUBLISH_V0_1, "bundle": publish.bundle},
            {"predicateType": SLSA, "bundle": prov.bundle},
        ]}))
        .unwrap()
    };
    let keys = json!([{"domain": NPM, "json": {"keys": [{"keyId": keyid, "keyUsage": "npm:attestations",
        "publicKey": {"rawBytes": b64(&vs.managed_key.spki()), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                      "validFor": {"start": "2000-01-01T00:00:00Z"}}}]}}]);
    let p = policy(&pinned_policy(&vs, &["x"], json!({"keys": keys, "domains": {"mode": "require"}})));
    let other = doc(&provenance(&mut vs, "pkg:npm/x@1.0.0", TARBALL, ANYONE));
    for name in ["pkg:npm/x@1.0.0", "x-1.0.0.tgz"] {
        status(&run(&p, &other, TARBALL, name, Some(NPM)), Status::IdentityMismatch);
    }
    let pinned = doc(&provenance(&mut vs, "pkg:npm/x@1.0.0", TARBALL, PINNED));
    let d = &status(&run(&p, &pinned, TARBALL, "x-1.0.0.tgz", Some(NPM)), Status::Ok)["decision"];
    assert_eq!(d["identity_list"], "packages[\"x\"].identities");
}

#[test]
fn attack_message_signature_under_a_tarball_name_does_not_skip_the_package_pin() {
    // A message signature names nothing, so the caller's name is all there is: it still chooses
    // the pin when it reads as one package.
    let mut vs = VirtualSigstore::new();
    let p = policy(&pinned_policy(&vs, &["x"], json!({"subject": {"require_name": false}})));
    let other = vs.message(TARBALL).san_uri(ANYONE).issuer(ISSUER).mint().bytes();
    status(&run(&p, &other, TARBALL, "x-1.0.0.tgz", None), Status::IdentityMismatch);
    let pinned = vs.message(TARBALL).san_uri(PINNED).issuer(ISSUER).mint().bytes();
    let d = &status(&run(&p, &pinned, TARBALL, "x-1.0.0.tgz", None), Status::Ok)["decision"];
    assert_eq!(d["identity_list"], "packages[\"x\"].identities");
}

/// `domainsig verify-dir` names each artifact by its file name: over a folder of npm tarballs,
/// the pinned package's tarball signed by another publisher is rejected, and the others pass.
#[test]
fn attack_verify_dir_over_npm_tarballs_does_not_skip_the_package_pin() {
    let mut vs = VirtualSigstore::new();
    let dir = std::env::temp_dir().join(format!("domainsig-pin-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let files: [(&str, &str, &[u8], &str); 3] = [
        ("x-1.0.0.tgz", "pkg:npm/x@1.0.0", b"x 1.0.0 by someone else", ANYONE),
        ("x-1.0.1.tgz", "pkg:npm/x@1.0.1", b"x 1.0.1 by its publisher", PINNED),
        ("y-2.0.0.tgz", "pkg:npm/y@2.0.0", b"y 2.0.0, not pinned", ANYONE),
    ];
    for (file, purl, bytes, san) in files {
        std::fs::write(dir.join(file), bytes).unwrap();
        std::fs::write(dir.join(format!("{file}.sigstore.json")), provenance(&mut vs, purl, bytes, san).bytes())
            .unwrap();
    }
    let policy_file = dir.join("policy.json.txt");
    std::fs::write(&policy_file, pinned_policy(&vs, &["x"], json!({})).to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_domainsig"))
        .args(["verify-dir", "--json", "--policy"])
        .arg(&policy_file)
        .arg(&dir)
        .output()
        .expect("runs");
    let _ = std::fs::remove_dir_all(&dir);
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let by_name = |n: &str| v["results"].as_array().unwrap().iter().find(|r| r["artifact"] == n).cloned().unwrap();
    assert_eq!(by_name("x-1.0.0.tgz")["status"], "IDENTITY_MISMATCH", "{v}");
    assert_eq!(by_name("x-1.0.1.tgz")["status"], "OK", "{v}");
    assert_eq!(by_name("x-1.0.1.tgz")["decision"]["identity_list"], "packages[\"x\"].identities", "{v}");
    assert_eq!(by_name("y-2.0.0.tgz")["status"], "OK", "{v}");
    assert_eq!((v["verified"].as_u64(), v["rejected"].as_u64()), (Some(2), Some(1)), "{v}");
    assert_eq!(out.status.code(), Some(1));
}

// ---- 2. no ambiguous names ---------------------------------------------------------------------

#[test]
fn attack_npm_tarball_name_splitting_two_ways_names_no_package() {
    // `a-1.0.0-2.0.0.tgz` is `a@1.0.0-2.0.0` or `a-1.0.0@2.0.0`: an artifact of the second,
    // signed by its (unpinned) publisher, must not pass as the pinned first.
    let mut vs = VirtualSigstore::new();
    let p = policy(&pinned_policy(&vs, &["a"], json!({})));
    let other = provenance(&mut vs, "pkg:npm/a-1.0.0@2.0.0", TARBALL, ANYONE).bytes();
    let j = status(&run(&p, &other, TARBALL, "a-1.0.0-2.0.0.tgz", None), Status::SubjectMismatch);
    let msg = j["message"].as_str().unwrap();
    assert!(msg.contains("a@1.0.0-2.0.0") && msg.contains("a-1.0.0@2.0.0") && msg.contains("purl"), "{msg}");
    // Its purl names it, and it passes as what it is.
    status(&run(&p, &other, TARBALL, "pkg:npm/a-1.0.0@2.0.0", None), Status::Ok);
    // With no pin either way the ambiguous name still binds to nothing, even signed as that text.
    let p = policy(&pinned_policy(&vs, &[], json!({})));
    let j = status(&run(&p, &other, TARBALL, "a-1.0.0-2.0.0.tgz", None), Status::SubjectMismatch);
    assert!(j["message"].as_str().unwrap().contains("names none of them"), "{j}");
    let text = provenance(&mut vs, "a-1.0.0-2.0.0.tgz", TARBALL, ANYONE).bytes();
    status(&run(&p, &text, TARBALL, "a-1.0.0-2.0.0.tgz", None), Status::SubjectMismatch);
    // An unambiguous tarball name of the same shape binds.
    let plain = provenance(&mut vs, "pkg:npm/a@1.0.0", TARBALL, ANYONE).bytes();
    status(&run(&p, &plain, TARBALL, "a-1.0.0.tgz", None), Status::Ok);
}

#[test]
fn attack_unscoped_lookalike_of_a_pinned_scoped_package_is_refused_by_tarball_name() {
    // The registry serves `@s/x@1.0.0` as `x-1.0.0.tgz` and `npm pack` writes `s-x-1.0.0.tgz`:
    // neither name can say it is not the pinned scoped package.
    let mut vs = VirtualSigstore::new();
    let p = policy(&pinned_policy(&vs, &["@s/x"], json!({})));
    for (subject, file) in [("pkg:npm/x@1.0.0", "x-1.0.0.tgz"), ("pkg:npm/s-x@1.0.0", "s-x-1.0.0.tgz")] {
        let lookalike = provenance(&mut vs, subject, TARBALL, ANYONE).bytes();
        let j = status(&run(&p, &lookalike, TARBALL, file, None), Status::SubjectMismatch);
        assert!(j["message"].as_str().unwrap().contains("@s/x"), "{j}");
        // Named by its purl it is the unpinned package it is.
        status(&run(&p, &lookalike, TARBALL, subject, None), Status::Ok);
    }
    // The scoped package itself, by purl: only its pinned publisher.
    let scoped = provenance(&mut vs, "pkg:npm/%40s/x@1.0.0", TARBALL, ANYONE).bytes();
    status(&run(&p, &scoped, TARBALL, "pkg:npm/%40s/x@1.0.0", None), Status::IdentityMismatch);
    let scoped = provenance(&mut vs, "pkg:npm/%40s/x@1.0.0", TARBALL, PINNED).bytes();
    status(&run(&p, &scoped, TARBALL, "pkg:npm/%40s/x@1.0.0", None), Status::Ok);
}

#[test]
fn attack_sdist_name_splitting_two_ways_names_no_package() {
    // `foo-1.0-1.tar.gz` is project `foo` 1.0.post1 or project `foo-1.0` 1; the second's
    // artifact must not pass as the pinned first.
    let mut vs = VirtualSigstore::new();
    let sdist: &[u8] = b"\x1f\x8b an sdist\n";
    let p = policy(&pinned_policy(&vs, &["foo"], json!({})));
    let other = provenance(&mut vs, "foo-1.0-1.tar.gz", sdist, ANYONE).bytes();
    status(&run(&p, &other, sdist, "foo-1.0-1.tar.gz", None), Status::SubjectMismatch);
    // Written the PEP 625 way each is one package: the pin applies to `foo`, not to `foo-1.0`.
    let foo = provenance(&mut vs, "foo-1.0.post1.tar.gz", sdist, ANYONE).bytes();
    status(&run(&p, &foo, sdist, "foo-1.0.post1.tar.gz", None), Status::IdentityMismatch);
    let foo_1_0 = provenance(&mut vs, "foo_1.0-1.tar.gz", sdist, ANYONE).bytes();
    status(&run(&p, &foo_1_0, sdist, "foo_1.0-1.tar.gz", None), Status::Ok);
}

// ---- 3. one rule for a bundle and for a set ----------------------------------------------------

#[test]
fn attack_lone_npm_publish_bundle_naming_another_version_is_subject_mismatch_in_ignore_mode() {
    let mut vs = VirtualSigstore::new();
    let mut st = predicates::npm_publish("x", "1.0.0", "https://registry.npmjs.org", TARBALL);
    st = st.predicate(json!({"name": "x", "version": "9.9.9", "registry": "https://registry.npmjs.org"}));
    let keyid = npm_keyid(&vs.managed_key.spki());
    let mut lying = vs.dsse(&st).managed_key().mint();
    lying.bundle["verificationMaterial"]["publicKey"]["hint"] = json!(keyid);
    let mut p = vs.key_policy();
    p["subject"] = json!({"require_name": true});
    let p = policy(&p);
    let lone = lying.bytes();
    let set =
        serde_json::to_vec(&json!({"attestations": [{"predicateType": NPM_PUBLISH_V0_1, "bundle": lying.bundle}]}))
            .unwrap();
    for bundle in [&lone, &set] {
        let j = status(&run(&p, bundle, TARBALL, "pkg:npm/x@1.0.0", None), Status::SubjectMismatch);
        assert!(j["message"].as_str().unwrap().contains("x@9.9.9"), "{j}");
    }
    let honest = vs.dsse(&predicates::npm_publish("x", "1.0.0", "https://registry.npmjs.org", TARBALL));
    let honest = honest.managed_key().mint().bytes();
    status(&run(&p, &honest, TARBALL, "pkg:npm/x@1.0.0", None), Status::Ok);
}

#[test]
fn domain_bound_key_proves_its_domain_for_a_lone_bundle_as_for_a_set() {
    let mut vs = VirtualSigstore::new();
    // A statement that declares no index, signed by a key the policy binds to the registry.
    let st = Statement::new(SLSA).subject("pkg:npm/x@1.0.0", TARBALL).predicate(json!({"buildDefinition": {}}));
    let m = vs.dsse(&st).managed_key().mint().bytes();
    let p = policy(&json!({
        "version": 1,
        "trusted_root": vs.trusted_root(),
        "keys": [{"pem": vs.managed_key.public_pem(), "domain": NPM}],
        "domains": {"mode": "require"},
    }));
    let d = &status(&run(&p, &m, TARBALL, "pkg:npm/x@1.0.0", Some(NPM)), Status::Ok)["decision"];
    assert_eq!(d["domains"]["matched"], NPM);
    assert_eq!(d["domains"]["signed"][0]["source"]["kind"], "registry_key");
    let j = status(&run(&p, &m, TARBALL, "pkg:npm/x@1.0.0", Some("npm.staging.example")), Status::DomainMismatch);
    assert!(j["message"].as_str().unwrap().contains("signed for registry.npmjs.org"), "{j}");
}
