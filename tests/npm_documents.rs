//! The 43 real npm attestation documents of tests/npm (see its README), one call per package:
//! the whole document, the tarball (or its digest), the purl and index domain `registry.npmjs.org`,
//! the registry keys from Sigstore's TUF target and the case's provenance identity.

use domainsig::{Artifact, Outcome, Policy, Request, Status};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const KEYS: &str = "_keys/160677eb6e1c7083c89b166b20f8fe4e837fb71181506aff1991b80b89184f7d.keys.json";
const OLD_KEYID: &str = "SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/npm")
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/_roots/public-good-production.trusted_root.json")
}

fn registry_keys() -> Value {
    json!([{"path": dir().join(KEYS), "usage": "npm:attestations", "domain": "registry.npmjs.org"}])
}

fn policy(identities: Value, keys: Value) -> Policy {
    let mut p = json!({"version": 1, "trusted_root": {"path": root()}, "keys": keys});
    if identities.as_array().is_some_and(|a| !a.is_empty()) {
        p["identities"] = identities;
    }
    Policy::from_json(p.to_string().as_bytes(), None).unwrap_or_else(|e| panic!("{e}"))
}

struct Case {
    name: String,
    expect: Value,
    doc: Vec<u8>,
    tgz: Option<Vec<u8>>,
    digest: String,
}

fn cases() -> Vec<Case> {
    let mut out: Vec<Case> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expect.json").is_file())
        .map(|p| Case {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            expect: serde_json::from_slice(&std::fs::read(p.join("expect.json")).unwrap()).unwrap(),
            doc: std::fs::read(p.join("attestations.json")).unwrap(),
            tgz: std::fs::read(p.join("artifact.tgz")).ok(),
            digest: std::fs::read_to_string(p.join("artifact.digest")).unwrap().trim().to_owned(),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn identity(c: &Case) -> Value {
    let p = &c.expect["provenance"];
    json!([{"issuer": p["identity_issuer"], "san": p["identity_san"]}])
}

fn run(p: &Policy, c: &Case, doc: &[u8], index: &str) -> Outcome {
    let artifact = match &c.tgz {
        Some(b) => Artifact::Bytes(b),
        None => Artifact::parse_digest(&c.digest).unwrap(),
    };
    let purl = c.expect["purl"].as_str().unwrap();
    p.verify(&Request { artifact, name: Some(purl), bundle: doc, index_domain: Some(index) })
}

/// What each case is answered (tests/npm_verdicts.json, shared with the CLI, C, Python and Node
/// tests). The three `policy_dependent` cases are refused: a DSSE keyid on the certificate-signed
/// provenance names no registry key (npm/pacote's reading: KEY_MISMATCH), and the unsigned
/// `predicateType` label must equal the signed one (slsa-verifier's rule: BUNDLE_MALFORMED).
fn verdicts() -> serde_json::Map<String, Value> {
    let v: Value = serde_json::from_slice(&std::fs::read(dir().join("../npm_verdicts.json")).unwrap()).unwrap();
    v["statuses"].as_object().unwrap().clone()
}

#[test]
fn every_shared_case_agrees_in_one_call() {
    let cases = cases();
    assert_eq!(cases.len(), 43);
    let mut report = Vec::new();
    let mut wrong = Vec::new();
    let table = verdicts();
    assert_eq!(table.len(), cases.len());
    for c in &cases {
        let p = policy(identity(c), registry_keys());
        let o = run(&p, c, &c.doc, "registry.npmjs.org");
        let want = c.expect["expect"].as_str().unwrap();
        let got = o.status();
        report.push(format!(
            "{} {want} -> {} {}",
            c.name,
            got.name(),
            o.error.as_ref().map(|e| e.message.as_str()).unwrap_or("")
        ));
        if want == "pass" {
            assert!(o.is_ok(), "{}: {}", c.name, o.to_json());
            let d = o.decision.as_ref().unwrap();
            assert_eq!(d.attestations.len(), 2, "{}", c.name);
            assert_eq!(d.domains.matched.as_ref().map(|m| m.as_str()), Some("registry.npmjs.org"));
            // Both sources prove the domain: the signed predicate and the domain-bound key.
            let kinds: Vec<String> =
                d.domains.signed.iter().map(|s| serde_json::to_value(&s.source).unwrap()["kind"].to_string()).collect();
            assert!(
                kinds.iter().any(|k| k.contains("npm_publish")) && kinds.iter().any(|k| k.contains("registry_key"))
            );
            assert_eq!(d.identity, Some(0));
            continue;
        }
        assert_eq!(want, "fail", "{}", c.name);
        let want = table.get(&c.name).and_then(Value::as_str);
        if want != Some(got.name()) || got.family().name() == "ok" {
            wrong.push(format!("{}: want {want:?}, got {}", c.name, o.to_json()));
        }
    }
    assert!(wrong.is_empty(), "{}\n\nall:\n{}", wrong.join("\n"), report.join("\n"));
}

fn genuine(name: &str) -> Case {
    cases().into_iter().find(|c| c.name == name).unwrap()
}

fn without(doc: &[u8], predicate_prefix: &str) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(doc).unwrap();
    v["attestations"]
        .as_array_mut()
        .unwrap()
        .retain(|a| !a["predicateType"].as_str().unwrap().starts_with(predicate_prefix));
    v.to_string().into_bytes()
}

#[test]
fn keys_only_policies_accept_publish_only_documents_and_identity_policies_do_not() {
    let c = genuine("npm-cli--sigstore-1.0.0");
    let publish_only = without(&c.doc, "https://slsa.dev/");
    let o = run(&policy(json!([]), registry_keys()), &c, &publish_only, "registry.npmjs.org");
    assert!(o.is_ok(), "{}", o.to_json());
    assert!(o.to_json().contains(OLD_KEYID), "the result names the key: {}", o.to_json());
    let o = run(&policy(identity(&c), registry_keys()), &c, &publish_only, "registry.npmjs.org");
    assert_eq!(o.status(), Status::IdentityMismatch, "{}", o.to_json());
    assert!(o.error.unwrap().message.contains("provenance is missing"));
    // The full document under a keys-only policy: the provenance verifies, nothing judges it.
    assert!(run(&policy(json!([]), registry_keys()), &c, &c.doc, "registry.npmjs.org").is_ok());
    // Provenance only: keys-only policies need the registry's signature.
    let prov_only = without(&c.doc, "https://github.com/npm/");
    let o = run(&policy(json!([]), registry_keys()), &c, &prov_only, "registry.npmjs.org");
    assert_eq!(o.status(), Status::KeyMismatch, "{}", o.to_json());
}

#[test]
fn registry_keys_count_only_by_keyid_usage_and_window() {
    let c = genuine("pacote--sigstore-0.4.0");
    let keys: Value = serde_json::from_slice(&std::fs::read(dir().join(KEYS)).unwrap()).unwrap();
    let entries = keys["keys"].as_array().unwrap();
    let pick = |f: &dyn Fn(&Value) -> bool| json!([{"json": {"keys": entries.iter().filter(|k| f(k)).cloned().collect::<Vec<_>>()}}]);
    // Only the new key: the document's keyid is unknown.
    let o = run(&policy(identity(&c), pick(&|k| k["keyId"] != OLD_KEYID)), &c, &c.doc, "registry.npmjs.org");
    assert_eq!(o.status(), Status::KeyMismatch, "{}", o.to_json());
    // Only the npm:signatures entry of the right key: wrong usage.
    let o = run(&policy(identity(&c), pick(&|k| k["keyUsage"] == "npm:signatures")), &c, &c.doc, "registry.npmjs.org");
    assert_eq!(o.status(), Status::KeyMismatch, "{}", o.to_json());
    // The right key with a window that starts after the entry was integrated (2023-01-11).
    let mut late =
        entries.iter().find(|k| k["keyId"] == OLD_KEYID && k["keyUsage"] == "npm:attestations").unwrap().clone();
    late["publicKey"]["validFor"]["start"] = json!("2024-01-01T00:00:00Z");
    let o = run(&policy(identity(&c), json!([{"json": {"keys": [late]}}])), &c, &c.doc, "registry.npmjs.org");
    assert_eq!(o.status(), Status::KeyMismatch, "{}", o.to_json());
    assert!(o.error.unwrap().message.contains("valid from"));
}

#[test]
fn domains_come_from_the_set_and_refuse_other_indexes() {
    let c = genuine("sigstore-dotnet--playwright-cli-0.1.1");
    let p = policy(identity(&c), registry_keys());
    let o = run(&p, &c, &c.doc, "npm.mirror.example");
    assert_eq!(o.status(), Status::DomainMismatch, "{}", o.to_json());
    // Without a domain binding the publish predicate alone proves the registry.
    let unbound = json!([{"path": dir().join(KEYS), "usage": "npm:attestations"}]);
    let o = run(&policy(identity(&c), unbound), &c, &c.doc, "registry.npmjs.org");
    assert!(o.is_ok(), "{}", o.to_json());
    let d = o.decision.unwrap();
    assert_eq!(d.domains.signed.len(), 1);
    // Another package's purl: the subjects do not name it.
    let o = p.verify(&Request {
        artifact: Artifact::Bytes(c.tgz.as_deref().unwrap()),
        name: Some("pkg:npm/%40playwright/other@0.1.1"),
        bundle: &c.doc,
        index_domain: Some("registry.npmjs.org"),
    });
    assert_eq!(o.status(), Status::SubjectMismatch, "{}", o.to_json());
}
