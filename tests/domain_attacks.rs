//! Domain-separation attacks through the whole verifier: every bundle here is minted by the virtual
//! Sigstore (real certificates, log entries and DSSE signatures) and judged by
//! `Policy::verify` exactly as an installer calls it, against policies with real `domains`
//! settings. Each test is named after the attack or the rule it guards and fails if that rule is
//! removed; each pairs the refusal with the nearest accepted case, so a test cannot pass by
//! refusing everything.
//!
//! The rules are in docs/domain-separation.md; the unit tests on plain values are in
//! src/policy/eval.rs, src/attestation.rs, src/subject.rs and src/domain.rs.

mod support;

use domainsig::attestation::{CONDA_PUBLISH_V1 as CEP27_PUBLISH, PYPI_PUBLISH_V1, RELEASE_V1};
use domainsig::{Artifact, Outcome, Policy, Request, Status};
use serde_json::{Value, json};
use support::*;

const ISSUER: &str = DEFAULT_ISSUER;
const SAN: &str = DEFAULT_SAN;

const WHEEL: &str = "sampleproject-1.0.0-py3-none-any.whl";
const WHEEL_BYTES: &[u8] = b"PK\x03\x04 sampleproject 1.0.0 wheel\n";
const SDIST: &str = "sampleproject-1.0.0.tar.gz";
const SDIST_BYTES: &[u8] = b"\x1f\x8b sampleproject 1.0.0 sdist\n";
const EVIL_BYTES: &[u8] = b"PK\x03\x04 a different build\n";

const NPM_NAME: &str = "@acme/widget";
const NPM_PURL: &str = "pkg:npm/%40acme/widget@1.2.3";
const NPM_TARBALL: &[u8] = b"\x1f\x8b @acme/widget 1.2.3 tarball\n";
const NPM_PRODUCTION: &str = "https://registry.npmjs.org/";
const NPM_STAGING: &str = "https://npm.staging.acme.example/";

const CONDA_FILE: &str = "widget-1.0-h1234567_0.conda";
const CONDA_BYTES: &[u8] = b"conda package widget 1.0\n";
const CONDA_PRODUCTION: &str = "https://prefix.dev/conda-forge";
const CONDA_STAGING: &str = "https://prefix.dev/acme-staging";

// ---- helpers -------------------------------------------------------------------------------------

/// A policy trusting `vs` and the default signer; top-level keys of `extra` replace the defaults
/// (so `{"domains": ...}` sets the domain rules, `{"identities": ...}` the signers).
fn policy_with(vs: &VirtualSigstore, extra: Value) -> Policy {
    let mut p = json!({
        "version": 1,
        "trusted_root": vs.trusted_root(),
        "identities": [{"issuer": ISSUER, "san": SAN}],
    });
    for (k, v) in extra.as_object().expect("extra is an object") {
        p[k] = v.clone();
    }
    support::policy(&p)
}

/// A policy for npm publish attestations: only the registry's managed key signs them.
fn npm_policy(vs: &VirtualSigstore, domains: Value) -> Policy {
    policy_with(vs, json!({"identities": [], "keys": [{"pem": vs.managed_key.public_pem()}], "domains": domains}))
}

fn run(p: &Policy, m: &Minted, artifact: &[u8], name: Option<&str>, index: Option<&str>) -> Outcome {
    p.verify(&Request { artifact: Artifact::Bytes(artifact), name, bundle: &m.bytes(), index_domain: index })
}

/// The result JSON the C ABI hands out, parsed; it must carry `status`, `code` and `family`.
fn result_json(o: &Outcome) -> Value {
    let text = o.to_json();
    let j: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("result is not JSON ({e}): {text}"));
    let st = o.status();
    assert_eq!(j["status"], st.name(), "{text}");
    assert_eq!(j["code"], st.code(), "{text}");
    assert_eq!(j["family"], st.family().name(), "{text}");
    j
}

/// Asserts acceptance and returns the result JSON's `decision`.
#[track_caller]
fn accepted(o: &Outcome) -> Value {
    assert_eq!(o.status(), Status::Ok, "{}", o.to_json());
    let j = result_json(o);
    assert!(j.get("message").is_none(), "{j}");
    assert!(j["verified"].is_object(), "an acceptance says what was proven: {j}");
    assert!(j["decision"].is_object(), "an acceptance says what was decided: {j}");
    j["decision"].clone()
}

/// Asserts a refusal with `want` and returns its message. The result JSON must parse and carry
/// `status`, `code`, `family` and a non-empty `message`, and no `decision`.
#[track_caller]
fn refused(o: &Outcome, want: Status) -> String {
    assert_eq!(o.status(), want, "{}", o.to_json());
    let j = result_json(o);
    let msg = j["message"].as_str().unwrap_or_default();
    assert!(!msg.is_empty(), "a refusal says why: {j}");
    assert!(j.get("decision").is_none(), "a refusal decides nothing: {j}");
    assert_eq!(o.error.as_ref().map(|e| e.message.as_str()), Some(msg));
    msg.to_owned()
}

/// The field a refusal names.
fn field(o: &Outcome) -> Option<&str> {
    o.error.as_ref().and_then(|e| e.field.as_deref())
}

/// A release-predicate statement for the sampleproject wheel, signed for `domains`.
fn release_wheel(domains: &[&str]) -> Statement {
    predicates::release(RELEASE_V1, WHEEL, WHEEL_BYTES, "sampleproject", "1.0.0", domains)
}

/// PyPI's own publish attestation for the wheel: it names no index.
fn pypi_publish_wheel() -> Statement {
    Statement::new(PYPI_PUBLISH_V1).subject(WHEEL, WHEEL_BYTES)
}

fn cep27(filename: &str, artifact: &[u8], channel: &str) -> Statement {
    Statement::new(CEP27_PUBLISH).subject(filename, artifact).predicate(json!({"targetChannel": channel}))
}

// ---- 1. a staging-only build re-hosted on production ---------------------------------------------

#[test]
fn attack_staging_release_build_rehosted_on_pypi_is_domain_mismatch() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&release_wheel(&["https://test.pypi.org/"])).mint();
    let p = policy_with(&vs, json!({"domains": {"mode": "require"}}));

    let o = run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org"));
    let msg = refused(&o, Status::DomainMismatch);
    assert_eq!(msg, "signed for test.pypi.org; fetched from pypi.org, which is not an allowed mirror of test.pypi.org");
    assert_eq!(field(&o), Some("index_domain"));
    assert!(o.verified.is_some(), "the cryptography passed; only the policy refused");

    // The same bundle, fetched from the index it was signed for.
    let d = accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("test.pypi.org")));
    assert_eq!(d["domains"]["matched"], "test.pypi.org");
    assert_eq!(d["domains"]["via"], json!({"kind": "direct"}));
    assert_eq!(d["domains"]["index_domain"], "test.pypi.org");
    assert_eq!(d["domains"]["signed"][0]["raw"], "https://test.pypi.org/");
    assert_eq!(d["domains"]["signed"][0]["source"]["kind"], "release");
    assert_eq!(d["subject"], WHEEL);
}

#[test]
fn attack_staging_npm_publish_rehosted_on_npmjs_is_domain_mismatch() {
    let mut vs = VirtualSigstore::new();
    let st = predicates::npm_publish(NPM_NAME, "1.2.3", NPM_STAGING, NPM_TARBALL);
    let m = vs.dsse(&st).managed_key().mint();
    let p = npm_policy(&vs, json!({"mode": "require"}));

    let o = run(&p, &m, NPM_TARBALL, Some(NPM_PURL), Some(NPM_PRODUCTION));
    let msg = refused(&o, Status::DomainMismatch);
    assert!(msg.contains("signed for npm.staging.acme.example") && msg.contains("registry.npmjs.org"), "{msg}");

    let d = accepted(&run(&p, &m, NPM_TARBALL, Some(NPM_PURL), Some("npm.staging.acme.example")));
    assert_eq!(d["domains"]["matched"], "npm.staging.acme.example");
    assert_eq!(d["domains"]["via"]["kind"], "direct");
    assert_eq!(d["domains"]["signed"][0]["source"]["kind"], "npm_publish");
    assert_eq!(d["key"], 0);

    // And the production publish attestation is accepted from production.
    let st = predicates::npm_publish(NPM_NAME, "1.2.3", NPM_PRODUCTION, NPM_TARBALL);
    let m = vs.dsse(&st).managed_key().mint();
    let d = accepted(&run(&p, &m, NPM_TARBALL, Some(NPM_PURL), Some("registry.npmjs.org")));
    assert_eq!(d["domains"]["matched"], "registry.npmjs.org");
}

#[test]
fn attack_staging_conda_channel_build_rehosted_on_production_channel_is_domain_mismatch() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&cep27(CONDA_FILE, CONDA_BYTES, CONDA_STAGING)).mint();
    let p = policy_with(&vs, json!({"domains": {"mode": "require"}}));

    // Same host, another channel: the channel path is part of the domain.
    let o = run(&p, &m, CONDA_BYTES, Some(CONDA_FILE), Some(CONDA_PRODUCTION));
    let msg = refused(&o, Status::DomainMismatch);
    assert!(msg.contains("signed for prefix.dev/acme-staging") && msg.contains("prefix.dev/conda-forge"), "{msg}");
    // The bare host is not the channel either.
    refused(&run(&p, &m, CONDA_BYTES, Some(CONDA_FILE), Some("prefix.dev")), Status::DomainMismatch);

    let d = accepted(&run(&p, &m, CONDA_BYTES, Some(CONDA_FILE), Some("https://prefix.dev/acme-staging/")));
    assert_eq!(d["domains"]["matched"], "prefix.dev/acme-staging");
    assert_eq!(d["domains"]["via"]["kind"], "direct");
    assert_eq!(d["domains"]["signed"][0]["source"]["kind"], "conda_publish");
}

#[test]
fn attack_staging_certificate_extension_build_rehosted_on_pypi_is_domain_mismatch() {
    let mut vs = VirtualSigstore::new();
    // PyPI's publish attestation names no index; the signing certificate does.
    let m = vs.dsse(&pypi_publish_wheel()).domains_extension(TEST_DOMAINS_OID, &["test.pypi.org"]).mint();
    let p = policy_with(&vs, json!({"domains": {"mode": "require", "certificate_oid": TEST_DOMAINS_OID}}));

    let o = run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org"));
    let msg = refused(&o, Status::DomainMismatch);
    assert!(msg.contains("signed for test.pypi.org") && msg.contains("fetched from pypi.org"), "{msg}");

    let d = accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("test.pypi.org")));
    assert_eq!(d["domains"]["matched"], "test.pypi.org");
    assert_eq!(d["domains"]["via"]["kind"], "direct");
    assert_eq!(d["domains"]["signed"][0]["source"], json!({"kind": "certificate_extension", "oid": TEST_DOMAINS_OID}));
}

// ---- 2. mirrors ----------------------------------------------------------------------------------

#[test]
fn listed_mirror_serves_its_upstream_and_the_result_names_it() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&release_wheel(&["pypi.org"])).mint();
    let p = policy_with(&vs, json!({"domains": {"mirrors": {"https://pypi.corp.example/": ["pypi.org"]}}}));
    let d = accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.corp.example")));
    assert_eq!(d["domains"]["matched"], "pypi.org");
    assert_eq!(d["domains"]["via"], json!({"kind": "mirror", "upstream": "pypi.org"}));
    assert_eq!(d["domains"]["index_domain"], "pypi.corp.example");
}

#[test]
fn attack_unlisted_mirror_is_domain_mismatch() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&release_wheel(&["pypi.org"])).mint();
    let p = policy_with(&vs, json!({"domains": {"mirrors": {"pypi.corp.example": ["pypi.org"]}}}));
    for unlisted in ["evil-mirror.example", "pypi.corp.example.evil.example", "pypi.corp.example:8443", "corp.example"]
    {
        let o = run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some(unlisted));
        let msg = refused(&o, Status::DomainMismatch);
        assert!(msg.contains("not an allowed mirror of pypi.org"), "{unlisted}: {msg}");
    }
    accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.corp.example")));
}

#[test]
fn attack_mirror_mapping_used_backwards_is_domain_mismatch() {
    let mut vs = VirtualSigstore::new();
    let p = policy_with(&vs, json!({"domains": {"mirrors": {"pypi.corp.example": ["pypi.org"]}}}));
    // A build signed for the mirror may not be served by its upstream.
    let m = vs.dsse(&release_wheel(&["pypi.corp.example"])).mint();
    let msg = refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::DomainMismatch);
    assert!(msg.contains("signed for pypi.corp.example; fetched from pypi.org"), "{msg}");
    accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.corp.example")));
}

#[test]
fn attack_listed_mirror_serving_an_unlisted_upstream_is_domain_mismatch() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&release_wheel(&["test.pypi.org"])).mint();
    let p = policy_with(&vs, json!({"domains": {"mirrors": {"pypi.corp.example": ["pypi.org"]}}}));
    let msg = refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.corp.example")), Status::DomainMismatch);
    assert!(msg.contains("which is an allowed mirror of pypi.org only"), "{msg}");
}

// ---- 3. audiences --------------------------------------------------------------------------------

#[test]
fn attack_mirror_carrying_staging_and_production_hands_staging_build_to_production_is_audience_mismatch() {
    let mut vs = VirtualSigstore::new();
    let staging = vs.dsse(&release_wheel(&["test.pypi.org"])).mint();
    let production = vs.dsse(&release_wheel(&["pypi.org"])).mint();
    let mirrors = json!({"mirror.corp.example": ["pypi.org", "test.pypi.org"]});

    // Without audiences the mirror may serve either: the audience rule is what refuses below.
    let open = policy_with(&vs, json!({"domains": {"mirrors": mirrors}}));
    accepted(&run(&open, &staging, WHEEL_BYTES, Some(WHEEL), Some("mirror.corp.example")));

    let p = policy_with(&vs, json!({"domains": {"mirrors": mirrors, "audiences": ["pypi.org"]}}));
    let o = run(&p, &staging, WHEEL_BYTES, Some(WHEEL), Some("mirror.corp.example"));
    let msg = refused(&o, Status::AudienceMismatch);
    assert_eq!(msg, "signed for test.pypi.org; this policy accepts only artifacts meant for pypi.org");

    let d = accepted(&run(&p, &production, WHEEL_BYTES, Some(WHEEL), Some("mirror.corp.example")));
    assert_eq!(d["domains"]["audience"], "pypi.org");
    assert_eq!(d["domains"]["via"], json!({"kind": "mirror", "upstream": "pypi.org"}));

    // Fetched straight from staging, a production installer still refuses it.
    refused(&run(&p, &staging, WHEEL_BYTES, Some(WHEEL), Some("test.pypi.org")), Status::AudienceMismatch);
}

// ---- 4. re-hosting under another name or version -------------------------------------------------

#[test]
fn attack_wheel_or_sdist_rehosted_under_another_name_or_version_is_subject_mismatch() {
    let mut vs = VirtualSigstore::new();
    let p = policy_with(&vs, json!({"domains": {"mode": "warn"}}));
    let wheel = vs.dsse(&pypi_publish_wheel()).mint();
    for other in [
        "evilproject-1.0.0-py3-none-any.whl",
        "sampleproject-1.0.1-py3-none-any.whl",
        "sampleproject-1.0-py3-none-any.whl", // 1.0 and 1.0.0 differ, as upstream
        "sampleproject-1.0.0-py2-none-any.whl",
        "sampleproject-1.0.0-1-py3-none-any.whl",
        "sampleproject-1.0.0.tar.gz",
        "pkg:npm/sampleproject@1.0.0",
        "sampleproject",
    ] {
        let o = run(&p, &wheel, WHEEL_BYTES, Some(other), Some("pypi.org"));
        let msg = refused(&o, Status::SubjectMismatch);
        assert!(msg.contains(WHEEL) && msg.contains(other), "{other}: {msg}");
    }
    accepted(&run(&p, &wheel, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")));

    let sdist = vs.dsse(&Statement::new(PYPI_PUBLISH_V1).subject(SDIST, SDIST_BYTES)).mint();
    for other in ["sampleproject-1.0.1.tar.gz", "sampleproject-1.0.0.zip", "evil-1.0.0.tar.gz", WHEEL] {
        refused(&run(&p, &sdist, SDIST_BYTES, Some(other), Some("pypi.org")), Status::SubjectMismatch);
    }
    accepted(&run(&p, &sdist, SDIST_BYTES, Some(SDIST), Some("pypi.org")));
}

#[test]
fn equivalent_pypi_spellings_bind_to_the_same_subject() {
    let mut vs = VirtualSigstore::new();
    let p = policy_with(&vs, json!({}));
    let st = predicates::release(
        RELEASE_V1,
        "foo_bar-1.0-py2.py3-none-any.whl",
        WHEEL_BYTES,
        "Foo.Bar",
        "1.0",
        &["pypi.org"],
    );
    let m = vs.dsse(&st).mint();
    for spelling in
        ["foo_bar-1.0-py2.py3-none-any.whl", "Foo.Bar-01.0-py3.py2-none-any.whl", "FOO_BAR-1.0-PY3.PY2-NONE-ANY.whl"]
    {
        let d = accepted(&run(&p, &m, WHEEL_BYTES, Some(spelling), Some("pypi.org")));
        assert_eq!(d["subject"], "foo_bar-1.0-py2.py3-none-any.whl", "{spelling}");
        assert_eq!(d["package"]["name"], "foo-bar");
    }
    refused(
        &run(&p, &m, WHEEL_BYTES, Some("foo_bar-1.0.0-py2.py3-none-any.whl"), Some("pypi.org")),
        Status::SubjectMismatch,
    );

    // sdists too; and a predicate spelling its version differently still names the subject.
    let st =
        predicates::release(RELEASE_V1, "Foo.Bar-1.0.post0.tar.gz", SDIST_BYTES, "foo-bar", "1.0-0", &["pypi.org"]);
    let m = vs.dsse(&st).mint();
    accepted(&run(&p, &m, SDIST_BYTES, Some("foo_bar-1.0.post0.tar.gz"), Some("pypi.org")));
    accepted(&run(&p, &m, SDIST_BYTES, Some("FOO.BAR-1.0POST.tar.gz"), Some("pypi.org")));
}

#[test]
fn attack_npm_package_rehosted_under_another_purl_is_subject_mismatch() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&predicates::npm_publish(NPM_NAME, "1.2.3", NPM_PRODUCTION, NPM_TARBALL)).managed_key().mint();
    let p = npm_policy(&vs, json!({}));
    for other in [
        "pkg:npm/%40acme/widget@1.2.4",
        "pkg:npm/%40evil/widget@1.2.3",
        "pkg:npm/widget@1.2.3",
        "pkg:npm/%40acme/gadget@1.2.3",
        "widget-1.2.3.tgz", // a tarball name cannot carry the scope
    ] {
        let o = run(&p, &m, NPM_TARBALL, Some(other), Some("registry.npmjs.org"));
        refused(&o, Status::SubjectMismatch);
    }
    for same in [NPM_PURL, "pkg:npm/@acme/widget@1.2.3", "PKG:NPM/%40acme/widget@1.2.3"] {
        accepted(&run(&p, &m, NPM_TARBALL, Some(same), Some("registry.npmjs.org")));
    }

    // An unscoped package may be named by its tarball.
    let m = vs.dsse(&predicates::npm_publish("widget", "2.0.0", NPM_PRODUCTION, NPM_TARBALL)).managed_key().mint();
    accepted(&run(&p, &m, NPM_TARBALL, Some("widget-2.0.0.tgz"), Some("registry.npmjs.org")));
    refused(&run(&p, &m, NPM_TARBALL, Some("widget-2.0.1.tgz"), Some("registry.npmjs.org")), Status::SubjectMismatch);
}

#[test]
fn attack_conda_package_rehosted_under_another_filename_is_subject_mismatch() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&cep27(CONDA_FILE, CONDA_BYTES, CONDA_PRODUCTION)).mint();
    let p = policy_with(&vs, json!({}));
    for other in [
        "widget-1.0-h1234567_1.conda",
        "widget-1.1-h1234567_0.conda",
        "gadget-1.0-h1234567_0.conda",
        "widget-1.0-h1234567_0.tar.bz2",
        "Widget-1.0-h1234567_0.conda", // conda names compare exactly
    ] {
        refused(&run(&p, &m, CONDA_BYTES, Some(other), Some(CONDA_PRODUCTION)), Status::SubjectMismatch);
    }
    accepted(&run(&p, &m, CONDA_BYTES, Some(CONDA_FILE), Some(CONDA_PRODUCTION)));
}

#[test]
fn message_signature_cannot_be_bound_to_a_name() {
    let mut vs = VirtualSigstore::new();
    let m = vs.message(WHEEL_BYTES).mint();
    let p = policy_with(&vs, json!({"domains": {"mode": "ignore"}}));
    let msg = refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), None), Status::SubjectMismatch);
    assert!(msg.contains("names no subject"), "{msg}");
    // Without a name (and a policy that does not require one) the same bundle is accepted; with
    // a name it is accepted too, with a warning that the name was not checked.
    let p = policy_with(&vs, json!({"domains": {"mode": "ignore"}, "subject": {"require_name": false}}));
    accepted(&run(&p, &m, WHEEL_BYTES, None, None));
    let named = run(&p, &m, WHEEL_BYTES, Some(WHEEL), None);
    accepted(&named);
    assert!(named.decision.as_ref().is_some_and(|d| d.warnings.iter().any(|w| w.contains("was not checked"))));
}

// ---- 5. predicates naming another package than their subject -------------------------------------

fn npm_statement(subject_purl: &str, name: &str, version: &str) -> Statement {
    let sha512 = hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, NPM_TARBALL).as_ref());
    Statement::new(NPM_PUBLISH_V0_1).subject_digest(subject_purl, "sha512", &sha512).predicate(json!({
        "name": name,
        "version": version,
        "registry": NPM_PRODUCTION,
    }))
}

#[test]
fn attack_npm_publish_predicate_version_differing_from_subject_purl_is_subject_mismatch() {
    let mut vs = VirtualSigstore::new();
    let p = npm_policy(&vs, json!({}));
    let m = vs.dsse(&npm_statement(NPM_PURL, NPM_NAME, "1.2.4")).managed_key().mint();
    let o = run(&p, &m, NPM_TARBALL, Some(NPM_PURL), Some("registry.npmjs.org"));
    let msg = refused(&o, Status::SubjectMismatch);
    assert!(msg.contains("@acme/widget@1.2.4") && msg.contains(NPM_PURL), "{msg}");

    let m = vs.dsse(&npm_statement(NPM_PURL, NPM_NAME, "1.2.3")).managed_key().mint();
    accepted(&run(&p, &m, NPM_TARBALL, Some(NPM_PURL), Some("registry.npmjs.org")));
}

#[test]
fn attack_npm_publish_predicate_name_differing_from_subject_purl_is_subject_mismatch() {
    let mut vs = VirtualSigstore::new();
    let p = npm_policy(&vs, json!({"mode": "require"}));
    for name in ["@evil/widget", "widget", "@acme/gadget"] {
        let m = vs.dsse(&npm_statement(NPM_PURL, name, "1.2.3")).managed_key().mint();
        let msg =
            refused(&run(&p, &m, NPM_TARBALL, Some(NPM_PURL), Some("registry.npmjs.org")), Status::SubjectMismatch);
        assert!(msg.contains(&format!("{name}@1.2.3")), "{msg}");
    }
    // The cross-check holds without an artifact name too: it is about the signed statement itself.
    let p = policy_with(
        &vs,
        json!({"identities": [], "keys": [{"pem": vs.managed_key.public_pem()}], "subject": {"require_name": false}}),
    );
    let m = vs.dsse(&npm_statement(NPM_PURL, "@evil/widget", "1.2.3")).managed_key().mint();
    refused(&run(&p, &m, NPM_TARBALL, None, Some("registry.npmjs.org")), Status::SubjectMismatch);
}

#[test]
fn attack_release_predicate_naming_another_version_than_its_subject_is_subject_mismatch() {
    let mut vs = VirtualSigstore::new();
    let p = policy_with(&vs, json!({}));
    let st = predicates::release(RELEASE_V1, WHEEL, WHEEL_BYTES, "sampleproject", "2.0.0", &["pypi.org"]);
    let m = vs.dsse(&st).mint();
    let msg = refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::SubjectMismatch);
    assert!(msg.contains("sampleproject 2.0.0"), "{msg}");
}

// ---- 6. modes ------------------------------------------------------------------------------------

#[test]
fn require_mode_without_a_signed_domain_is_domain_missing() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&pypi_publish_wheel()).mint();
    for domains in [json!({"mode": "require"}), json!({})] {
        // An absent mode is require.
        let p = policy_with(&vs, json!({"domains": domains}));
        let msg = refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::DomainMissing);
        assert!(msg.contains("pypi.org") && msg.contains(PYPI_PUBLISH_V1), "{msg}");
    }
    let p = policy_with(&vs, json!({}));
    refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::DomainMissing);
}

#[test]
fn warn_mode_accepts_no_signed_domain_with_a_warning() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&pypi_publish_wheel()).mint();
    let p = policy_with(&vs, json!({"domains": {"mode": "warn"}}));
    let d = accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")));
    let warnings = d["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{d}");
    assert!(warnings[0].as_str().is_some_and(|w| w.contains("pypi.org") && w.contains("no signed domain")), "{d}");
    assert_eq!(d["domains"]["mode"], "warn");
    assert!(d["domains"].get("matched").is_none(), "{d}");
    // A malformed declaration is not "no declaration": warn mode refuses it.
    let bad = Statement::new(RELEASE_V1)
        .subject(WHEEL, WHEEL_BYTES)
        .predicate(json!({"domains": [], "name": "sampleproject", "version": "1.0.0"}));
    let m = vs.dsse(&bad).mint();
    refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::PredicateUnsupported);
    // A signed domain that matches leaves no warning.
    let m = vs.dsse(&release_wheel(&["pypi.org"])).mint();
    let d = accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")));
    assert_eq!(d["warnings"], json!([]));
}

#[test]
fn ignore_mode_skips_domains_even_when_they_mismatch() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&release_wheel(&["test.pypi.org"])).mint();
    let p = policy_with(&vs, json!({"domains": {"mode": "ignore"}}));
    for index in [Some("pypi.org"), None, Some("*.not-even-valid")] {
        let d = accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), index));
        assert_eq!(d["domains"]["mode"], "ignore");
        assert_eq!(d["domains"]["signed"], json!([]), "{d}");
        assert!(d["domains"].get("matched").is_none() && d["domains"].get("index_domain").is_none(), "{d}");
    }
    // The subject is still bound in ignore mode.
    refused(&run(&p, &m, WHEEL_BYTES, Some(SDIST), Some("pypi.org")), Status::SubjectMismatch);
}

#[test]
fn every_mode_but_ignore_refuses_a_mismatch() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&release_wheel(&["test.pypi.org"])).mint();
    for mode in ["require", "warn"] {
        let p = policy_with(&vs, json!({"domains": {"mode": mode}}));
        refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::DomainMismatch);
        accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("test.pypi.org")));
    }
    let p = policy_with(&vs, json!({"domains": {"mode": "ignore"}}));
    accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")));
}

#[test]
fn missing_index_domain_is_invalid_argument_unless_ignored() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&release_wheel(&["pypi.org"])).mint();
    for mode in ["require", "warn"] {
        let p = policy_with(&vs, json!({"domains": {"mode": mode}}));
        let o = run(&p, &m, WHEEL_BYTES, Some(WHEEL), None);
        refused(&o, Status::InvalidArgument);
        assert_eq!(field(&o), Some("index_domain"));
    }
}

// ---- 7. normalisation end to end -----------------------------------------------------------------

#[test]
fn index_domain_spellings_normalise_to_the_signed_domain() {
    let mut vs = VirtualSigstore::new();
    let p = policy_with(&vs, json!({}));
    let m = vs.dsse(&release_wheel(&["pypi.org"])).mint();
    for index in ["https://PyPI.org:443/", "pypi.org.", "HTTPS://PYPI.ORG", "http://pypi.org:80/", "pypi.org/"] {
        let d = accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some(index)));
        assert_eq!(d["domains"]["index_domain"], "pypi.org", "{index}");
        assert_eq!(d["domains"]["matched"], "pypi.org", "{index}");
    }
    // A port that is not the default is part of the domain.
    refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org:8443")), Status::DomainMismatch);
    // The signed side goes through the same normalisation.
    let m = vs.dsse(&release_wheel(&["HTTPS://PyPI.org.:443/"])).mint();
    accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")));
}

#[test]
fn idna_domains_match_their_ascii_form_and_nothing_else() {
    let mut vs = VirtualSigstore::new();
    let p = policy_with(&vs, json!({}));
    let m = vs.dsse(&release_wheel(&["https://bücher.example/simple/"])).mint();
    for index in ["xn--bcher-kva.example/simple", "https://BÜCHER.example./simple", "bücher.example/simple/"] {
        let d = accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some(index)));
        assert_eq!(d["domains"]["matched"], "xn--bcher-kva.example/simple", "{index}");
    }
    // A look-alike ASCII host is another index.
    refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("bucher.example/simple")), Status::DomainMismatch);
    let m = vs.dsse(&release_wheel(&["xn--bcher-kva.example"])).mint();
    accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("bücher.example")));
}

#[test]
fn attack_wildcard_userinfo_or_query_index_domain_is_domain_invalid_not_a_match() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&release_wheel(&["pypi.org"])).mint();
    for mode in ["require", "warn"] {
        let p = policy_with(&vs, json!({"domains": {"mode": mode}}));
        // Each is refused for its own reason, named in the message (not merely because some
        // later check happens to reject the leftover characters).
        for (bad, why) in [
            ("*.pypi.org", "wildcards"),
            ("*", "wildcards"),
            ("pypi.org/*", "wildcards"),
            ("user@pypi.org", "userinfo"),
            ("https://pypi.org@evil.example/", "userinfo"),
            ("https://user:pw@pypi.org/", "userinfo"),
            ("pypi.org?x=1", "query"),
            ("pypi.org/#frag", "fragment"),
            ("ftp://pypi.org", "scheme"),
            ("pypi..org", "empty label"),
            (".pypi.org", "empty label"),
            ("pypi.org:0", "out of range"),
            ("pypi.org/simple/../x", "'..' segment"),
            ("pypi.org/%2e%2e", "'%'"),
            ("pypi.org\\simple", "backslashes"),
            (" pypi.org", "whitespace"),
            ("[::1]", "IP-literal"),
            ("", "empty"),
        ] {
            let o = run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some(bad));
            let msg = refused(&o, Status::DomainInvalid);
            assert!(msg.contains(why), "{bad:?}: {msg}");
            assert_eq!(field(&o), Some("index_domain"), "{bad:?}");
        }
    }
}

#[test]
fn attack_wildcard_userinfo_or_query_signed_domain_is_domain_invalid_never_a_match() {
    let mut vs = VirtualSigstore::new();
    let p = policy_with(&vs, json!({"domains": {"mode": "warn"}}));
    for bad in ["*.pypi.org", "*", "user@pypi.org", "pypi.org?x=1", "pypi.org#x", "gopher://pypi.org", "pypi..org"] {
        // Even listed next to the index domain itself, and even in warn mode.
        let m = vs.dsse(&release_wheel(&["pypi.org", bad])).mint();
        let o = run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org"));
        refused(&o, Status::DomainInvalid);
        assert_eq!(field(&o), Some("predicate.domains[1]"), "{bad:?}");
    }
    // The same through the npm registry field and the conda channel.
    let m =
        vs.dsse(&predicates::npm_publish(NPM_NAME, "1.2.3", "https://*.npmjs.org/", NPM_TARBALL)).managed_key().mint();
    let np = npm_policy(&vs, json!({}));
    refused(&run(&np, &m, NPM_TARBALL, Some(NPM_PURL), Some("registry.npmjs.org")), Status::DomainInvalid);
    let m = vs.dsse(&cep27(CONDA_FILE, CONDA_BYTES, "https://prefix.dev/conda-forge?label=main")).mint();
    refused(&run(&p, &m, CONDA_BYTES, Some(CONDA_FILE), Some("prefix.dev/conda-forge")), Status::DomainInvalid);
}

// ---- 8. the certificate extension ----------------------------------------------------------------

#[test]
fn certificate_extension_domains_are_read_only_under_the_policy_oid() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&pypi_publish_wheel()).domains_extension(TEST_DOMAINS_OID, &["https://pypi.org/"]).mint();

    let p = policy_with(&vs, json!({"domains": {"certificate_oid": TEST_DOMAINS_OID}}));
    let d = accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")));
    assert_eq!(d["domains"]["matched"], "pypi.org");
    assert_eq!(d["domains"]["signed"][0]["raw"], "https://pypi.org/");

    // No OID configured: the extension is not read, so require mode finds no signed domain.
    let p = policy_with(&vs, json!({"domains": {"mode": "require"}}));
    let msg = refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::DomainMissing);
    assert!(!msg.contains("extension"), "{msg}");
    // Another OID: not read either.
    let p = policy_with(&vs, json!({"domains": {"certificate_oid": "1.3.6.1.4.1.32473.1.2"}}));
    let msg = refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::DomainMissing);
    assert!(msg.contains("no domains extension"), "{msg}");
}

#[test]
fn malformed_certificate_extension_is_domain_invalid() {
    let mut vs = VirtualSigstore::new();
    let oid_field = format!("certificate.extensions[{TEST_DOMAINS_OID}]");
    for mode in ["require", "warn"] {
        let p = policy_with(&vs, json!({"domains": {"mode": mode, "certificate_oid": TEST_DOMAINS_OID}}));
        let not_utf8 = {
            use der::Encode as _;
            vec![der::asn1::OctetString::new(vec![0xff, 0xfe]).unwrap()].to_der().unwrap()
        };
        for bad in [
            vec![0x30, 0x05, 0x04, 0x03, b'a'],                               // truncated
            vec![0x04, 0x08, b'p', b'y', b'p', b'i', b'.', b'o', b'r', b'g'], // not a SEQUENCE
            vec![0x30, 0x03, 0x0c, 0x01, b'a'],                               // UTF8String, not OCTET STRING
            not_utf8,
            predicates::domains_extension(&["pypi.org", "*.pypi.org"]),
        ] {
            let m = vs.dsse(&pypi_publish_wheel()).extension(TEST_DOMAINS_OID, bad.clone()).mint();
            let o = run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org"));
            refused(&o, Status::DomainInvalid);
            assert_eq!(field(&o), Some(oid_field.as_str()), "{bad:02x?}");
        }
    }
}

// ---- 9. domains come only from data about this artifact ------------------------------------------

#[test]
fn attack_statement_about_another_digest_lends_no_domains() {
    let mut vs = VirtualSigstore::new();
    // A genuine production statement about the real wheel, offered for other bytes.
    let m = vs.dsse(&release_wheel(&["pypi.org"])).mint();
    for mode in ["require", "warn", "ignore"] {
        let p = policy_with(&vs, json!({"domains": {"mode": mode}}));
        let o = run(&p, &m, EVIL_BYTES, Some(WHEEL), Some("pypi.org"));
        refused(&o, Status::ArtifactMismatch);
        assert!(o.verified.is_none(), "nothing is proven about these bytes");
        accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")));
    }
}

#[test]
fn attack_release_predicate_of_one_package_lends_no_domains_to_another_subject() {
    let mut vs = VirtualSigstore::new();
    // One statement, two subjects: the predicate is about sampleproject, not the second subject.
    let st = Statement::new(RELEASE_V1)
        .subject(WHEEL, WHEEL_BYTES)
        .subject("evilpkg-6.6.6-py3-none-any.whl", EVIL_BYTES)
        .predicate(json!({"domains": ["pypi.org"], "name": "sampleproject", "version": "1.0.0"}));
    let m = vs.dsse(&st).mint();
    let p = policy_with(&vs, json!({}));
    let o = run(&p, &m, EVIL_BYTES, Some("evilpkg-6.6.6-py3-none-any.whl"), Some("pypi.org"));
    let msg = refused(&o, Status::SubjectMismatch);
    assert!(msg.contains("sampleproject 1.0.0") && msg.contains("evilpkg"), "{msg}");
    accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")));
}

#[test]
fn attack_naming_the_artifact_after_another_subject_of_the_statement_is_subject_mismatch() {
    let mut vs = VirtualSigstore::new();
    // The statement names the wheel for EVIL_BYTES' neighbour; EVIL_BYTES' own subject is evilpkg.
    let st = Statement::new(PYPI_PUBLISH_V1)
        .subject(WHEEL, WHEEL_BYTES)
        .subject("evilpkg-6.6.6-py3-none-any.whl", EVIL_BYTES);
    let m = vs.dsse(&st).mint();
    let p = policy_with(&vs, json!({"domains": {"mode": "warn"}}));
    let msg = refused(&run(&p, &m, EVIL_BYTES, Some(WHEEL), Some("pypi.org")), Status::SubjectMismatch);
    assert!(msg.contains("evilpkg-6.6.6-py3-none-any.whl"), "{msg}");
    accepted(&run(&p, &m, EVIL_BYTES, Some("evilpkg-6.6.6-py3-none-any.whl"), Some("pypi.org")));
}

// ---- 10. identities end to end -------------------------------------------------------------------

const REGEX_SAN: &str = r"https://github\.com/example/project/\.github/workflows/release\.yml@refs/tags/v[0-9.]+";

#[test]
fn attack_san_containing_the_allowed_one_is_identity_mismatch() {
    let mut vs = VirtualSigstore::new();
    let st = release_wheel(&["pypi.org"]);
    let ok = vs.dsse(&st).mint();
    let prefixed = vs.dsse(&st).san_uri(&format!("https://evil.example/x?u={SAN}")).mint();
    let suffixed = vs.dsse(&st).san_uri(&format!("{SAN}/../../../../evil/project/x")).mint();
    for san in [
        json!({"san_regex": REGEX_SAN}),
        // An alternation cannot escape the anchors.
        json!({"san_regex": format!("nothing|{REGEX_SAN}")}),
        json!({"san_regex": format!("{REGEX_SAN}|nothing")}),
        json!({"san": SAN}),
    ] {
        let mut id = json!({"issuer": ISSUER});
        for (k, v) in san.as_object().unwrap() {
            id[k] = v.clone();
        }
        let p = policy_with(&vs, json!({"identities": [id]}));
        accepted(&run(&p, &ok, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")));
        for m in [&prefixed, &suffixed] {
            let msg = refused(&run(&p, m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::IdentityMismatch);
            assert!(msg.contains(m.san.value()), "{msg}");
        }
    }
}

#[test]
fn attack_right_san_from_another_issuer_is_issuer_mismatch() {
    let mut vs = VirtualSigstore::new();
    let m = vs.dsse(&release_wheel(&["pypi.org"])).issuer("https://gitlab.example").mint();
    let p = policy_with(&vs, json!({}));
    let msg = refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::IssuerMismatch);
    assert!(msg.contains("https://gitlab.example") && msg.contains(ISSUER), "{msg}");
    let m = vs.dsse(&release_wheel(&["pypi.org"])).without_claim(8).mint();
    let msg = refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::IssuerMismatch);
    assert!(msg.contains("no OIDC issuer"), "{msg}");
}

#[test]
fn attack_fork_or_wrong_trigger_is_claim_mismatch_naming_the_claim() {
    let mut vs = VirtualSigstore::new();
    let repo = "https://github.com/example/project";
    let p = policy_with(
        &vs,
        json!({"identities": [{"issuer": ISSUER, "san": SAN, "claims": {
            "source_repository_uri": repo, "build_trigger": "push", "deployment_environment": "pypi"}}]}),
    );
    let st = release_wheel(&["pypi.org"]);
    let good = vs.dsse(&st).claim(12, repo).claim(20, "push").claim(23, "pypi").mint();
    let d = accepted(&run(&p, &good, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")));
    assert_eq!(d["identity"], 0);
    assert_eq!(d["identity_list"], "identities");

    let cases = [
        (
            vs.dsse(&st).claim(12, "https://github.com/evil/project").claim(20, "push").claim(23, "pypi").mint(),
            "source_repository_uri",
            "https://github.com/evil/project",
        ),
        (
            vs.dsse(&st).claim(12, repo).claim(20, "workflow_dispatch").claim(23, "pypi").mint(),
            "build_trigger",
            "workflow_dispatch",
        ),
        (
            vs.dsse(&st).claim(12, repo).claim(20, "push").claim(23, "testpypi").mint(),
            "deployment_environment",
            "testpypi",
        ),
        (vs.dsse(&st).claim(12, repo).claim(20, "push").mint(), "deployment_environment", "no such claim"),
    ];
    for (m, claim, found) in &cases {
        let o = run(&p, m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org"));
        let msg = refused(&o, Status::ClaimMismatch);
        assert!(msg.contains(&format!("claim {claim} is")) && msg.contains(found), "{msg}");
        assert_eq!(field(&o), Some(format!("identities[0].claims.{claim}").as_str()));
    }
}

#[test]
fn package_pins_choose_identities_by_the_artifact_package() {
    let mut vs = VirtualSigstore::new();
    let pinned_san = "https://github.com/pypa/sampleproject/.github/workflows/release.yml@refs/tags/v1.0.0";
    let p = policy_with(
        &vs,
        json!({
            "packages": {"SampleProject": {"identities": [{"issuer": ISSUER, "san": pinned_san}]}},
            "identities": [{"issuer": ISSUER, "san": SAN}],
            "domains": {"mode": "warn"},
        }),
    );
    let other = "otherproject-2.0.tar.gz";
    let wheel_by_pinned = vs.dsse(&pypi_publish_wheel()).san_uri(pinned_san).mint();
    let wheel_by_default = vs.dsse(&pypi_publish_wheel()).mint();
    let other_by_default = vs.dsse(&Statement::new(PYPI_PUBLISH_V1).subject(other, SDIST_BYTES)).mint();
    let other_by_pinned =
        vs.dsse(&Statement::new(PYPI_PUBLISH_V1).subject(other, SDIST_BYTES)).san_uri(pinned_san).mint();

    let d = accepted(&run(&p, &wheel_by_pinned, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")));
    assert_eq!(d["identity_list"], "packages[\"SampleProject\"].identities");
    // The top-level signer may not sign the pinned package, however the name is spelled.
    for name in [WHEEL, "SAMPLEPROJECT-1.0.0-py3-none-any.whl", "sampleproject-01.0.0-py3-none-any.whl"] {
        let msg =
            refused(&run(&p, &wheel_by_default, WHEEL_BYTES, Some(name), Some("pypi.org")), Status::IdentityMismatch);
        assert!(msg.contains("packages[\"SampleProject\"].identities"), "{msg}");
    }
    // Other packages use the top-level identities, and the pin does not extend to them.
    let d = accepted(&run(&p, &other_by_default, SDIST_BYTES, Some(other), Some("pypi.org")));
    assert_eq!(d["identity_list"], "identities");
    refused(&run(&p, &other_by_pinned, SDIST_BYTES, Some(other), Some("pypi.org")), Status::IdentityMismatch);
    // The pin needs the name to be chosen, even when the subject name is not required.
    let p = policy_with(
        &vs,
        json!({
            "packages": {"SampleProject": {"identities": [{"issuer": ISSUER, "san": pinned_san}]}},
            "identities": [{"issuer": ISSUER, "san": SAN}],
            "domains": {"mode": "warn"},
            "subject": {"require_name": false},
        }),
    );
    let o = run(&p, &wheel_by_default, WHEEL_BYTES, None, Some("pypi.org"));
    let msg = refused(&o, Status::InvalidArgument);
    assert!(msg.contains("packages"), "{msg}");
}

// ---- 11. policy-defined predicate types ----------------------------------------------------------

const CUSTOM_TYPE: &str = "https://example.test/attestation/publish/v1";

#[test]
fn policy_predicate_pointer_reads_a_string_domain() {
    let mut vs = VirtualSigstore::new();
    let st = Statement::new(CUSTOM_TYPE)
        .subject(WHEEL, WHEEL_BYTES)
        .predicate(json!({"publish": {"index/url": "https://test.pypi.org/"}}));
    let m = vs.dsse(&st).mint();
    let rule = json!({"type": CUSTOM_TYPE, "pointer": "/publish/index~1url"});
    let p = policy_with(&vs, json!({"domains": {"predicates": [rule]}}));
    refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::DomainMismatch);
    let d = accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("test.pypi.org")));
    assert_eq!(
        d["domains"]["signed"][0]["source"],
        json!({"kind": "predicate", "predicate_type": CUSTOM_TYPE, "pointer": "/publish/index~1url"})
    );
    // Unnamed by the policy, the type declares nothing.
    let p = policy_with(&vs, json!({}));
    refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("test.pypi.org")), Status::DomainMissing);
    // Named with a pointer to nothing: nothing declared.
    let p = policy_with(&vs, json!({"domains": {"predicates": [{"type": CUSTOM_TYPE, "pointer": "/index"}]}}));
    refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("test.pypi.org")), Status::DomainMissing);
}

#[test]
fn policy_predicate_pointer_reads_an_array_of_domains() {
    let mut vs = VirtualSigstore::new();
    let rule = json!({"type": CUSTOM_TYPE, "pointer": "/targets"});
    let p = policy_with(&vs, json!({"domains": {"predicates": [rule]}}));
    let st = Statement::new(CUSTOM_TYPE)
        .subject(WHEEL, WHEEL_BYTES)
        .predicate(json!({"targets": ["pypi.org", "https://mirror.example/simple/"]}));
    let m = vs.dsse(&st).mint();
    for index in ["pypi.org", "mirror.example/simple"] {
        let d = accepted(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some(index)));
        assert_eq!(d["domains"]["signed"].as_array().map(Vec::len), Some(2));
    }
    refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("test.pypi.org")), Status::DomainMismatch);
    refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("mirror.example")), Status::DomainMismatch);

    // A value that is neither a string nor an array of strings is a malformed predicate.
    for bad in [json!(["pypi.org", 7]), json!({"pypi.org": true}), json!(42)] {
        let st = Statement::new(CUSTOM_TYPE).subject(WHEEL, WHEEL_BYTES).predicate(json!({"targets": bad}));
        let m = vs.dsse(&st).mint();
        refused(&run(&p, &m, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::PredicateUnsupported);
    }
}

#[test]
fn the_real_cep27_predicate_type_yields_its_channel() {
    let mut vs = VirtualSigstore::new();
    // What rattler-build, prefix.dev and actions/attest emit (the virtual Sigstore's conda helper).
    let real = predicates::conda_publish(CONDA_FILE, CONDA_BYTES, CONDA_PRODUCTION);
    assert_eq!(real.predicate_type, "https://schemas.conda.org/attestations-publish-1.schema.json");
    assert_eq!(real.predicate_type, CEP27_PUBLISH);
    let m = vs.dsse(&real).mint();
    let p = policy_with(&vs, json!({}));
    let d = accepted(&run(&p, &m, CONDA_BYTES, Some(CONDA_FILE), Some(CONDA_PRODUCTION)));
    assert_eq!(d["domains"]["signed"][0]["source"]["kind"], "conda_publish", "{d}");
    // The channel keeps its path: another channel on the same host is another domain.
    refused(&run(&p, &m, CONDA_BYTES, Some(CONDA_FILE), Some(CONDA_STAGING)), Status::DomainMismatch);
    // The type is read by domainsig itself; a policy rule naming it is a mistake.
    let rule = json!({"type": real.predicate_type, "pointer": "/targetChannel"});
    let e = Policy::from_json(
        json!({"version": 1, "identities": [{"issuer": "i", "san": "s"}], "domains": {"predicates": [rule]}})
            .to_string()
            .as_bytes(),
        None,
    )
    .unwrap_err();
    assert_eq!(e.status, Status::PolicyInvalid);
}

// ---- the C-visible result contract ---------------------------------------------------------------

#[test]
fn every_refusal_serialises_with_status_code_family_and_message() {
    let mut vs = VirtualSigstore::new();
    let p = policy_with(&vs, json!({"domains": {"audiences": ["pypi.org"]}}));
    let staging = vs.dsse(&release_wheel(&["test.pypi.org"])).mint();
    let none = vs.dsse(&pypi_publish_wheel()).mint();
    let bad_sig = vs.dsse(&release_wheel(&["pypi.org"])).fault(Fault::SignatureWrongKey).mint();
    let cases: Vec<(Outcome, Status, &str)> = vec![
        (run(&p, &staging, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::DomainMismatch, "domain"),
        (run(&p, &staging, WHEEL_BYTES, Some(WHEEL), Some("test.pypi.org")), Status::AudienceMismatch, "domain"),
        (run(&p, &none, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::DomainMissing, "domain"),
        (run(&p, &staging, WHEEL_BYTES, Some(WHEEL), Some("*.pypi.org")), Status::DomainInvalid, "domain"),
        (run(&p, &staging, WHEEL_BYTES, Some(SDIST), Some("test.pypi.org")), Status::SubjectMismatch, "domain"),
        (run(&p, &staging, WHEEL_BYTES, None, Some("pypi.org")), Status::InvalidArgument, "input"),
        (run(&p, &staging, EVIL_BYTES, Some(WHEEL), Some("pypi.org")), Status::ArtifactMismatch, "crypto"),
        (run(&p, &bad_sig, WHEEL_BYTES, Some(WHEEL), Some("pypi.org")), Status::SignatureInvalid, "crypto"),
    ];
    for (o, status, family) in &cases {
        refused(o, *status);
        let j: Value = serde_json::from_str(&o.to_json()).unwrap();
        assert_eq!(j["family"], *family, "{j}");
        // Policy refusals still say what was proven; cryptographic ones prove nothing.
        assert_eq!(j.get("verified").is_some(), status.family().name() != "crypto", "{j}");
    }
}

// ---- PyPI provenance objects ---------------------------------------------------------------------

/// A minted DSSE bundle rewritten as a PEP 740 attestation object.
fn pep740(m: &Minted) -> Value {
    let b = &m.bundle;
    json!({
        "version": 1,
        "verification_material": {
            "certificate": b["verificationMaterial"]["certificate"]["rawBytes"],
            "transparency_entries": b["verificationMaterial"]["tlogEntries"],
        },
        "envelope": {
            "statement": b["dsseEnvelope"]["payload"],
            "signature": b["dsseEnvelope"]["signatures"][0]["sig"],
        },
    })
}

/// A PyPI provenance object holding these attestations under one publisher.
fn provenance(atts: &[&Minted]) -> Vec<u8> {
    let atts: Vec<Value> = atts.iter().map(|m| pep740(m)).collect();
    serde_json::to_vec(&json!({
        "version": 1,
        "attestation_bundles": [{"publisher": {"kind": "GitHub", "repository": "example/project"}, "attestations": atts}],
    }))
    .unwrap()
}

fn run_bytes(p: &Policy, bundle: &[u8], artifact: &[u8], name: &str, index: &str) -> Outcome {
    p.verify(&Request { artifact: Artifact::Bytes(artifact), name: Some(name), bundle, index_domain: Some(index) })
}

#[test]
fn attack_staging_build_in_a_provenance_object_is_refused_even_in_warn_mode() {
    let mut vs = VirtualSigstore::new();
    // What PyPI serves for a staging build whose publisher also signs a release predicate: its
    // publish attestation (no index) and the release attestation naming the staging index.
    let publish = vs.dsse(&pypi_publish_wheel()).mint();
    let release = vs.dsse(&release_wheel(&["test.pypi.org"])).mint();
    for order in [[&publish, &release], [&release, &publish]] {
        let prov = provenance(&order);
        for mode in ["require", "warn"] {
            let p = policy_with(&vs, json!({"domains": {"mode": mode}}));
            let o = run_bytes(&p, &prov, WHEEL_BYTES, WHEEL, "pypi.org");
            assert!(!o.is_ok(), "{mode}: {}", o.to_json());
            refused(&o, o.status());
            // From the index it was signed for, the release attestation satisfies the policy.
            let d = accepted(&run_bytes(&p, &prov, WHEEL_BYTES, WHEEL, "test.pypi.org"));
            assert_eq!(d["domains"]["matched"], "test.pypi.org");
        }
        // In warn mode the refusal is the explicit signed domain, not the missing one.
        let p = policy_with(&vs, json!({"domains": {"mode": "warn"}}));
        let o = run_bytes(&p, &prov, WHEEL_BYTES, WHEEL, "pypi.org");
        let msg = refused(&o, Status::DomainMismatch);
        assert!(msg.contains("signed for test.pypi.org"), "{msg}");
    }
    // A production build's provenance (publish attestation only) still passes in warn mode, warning.
    let p = policy_with(&vs, json!({"domains": {"mode": "warn"}}));
    let d = accepted(&run_bytes(&p, &provenance(&[&publish]), WHEEL_BYTES, WHEEL, "pypi.org"));
    assert_eq!(d["warnings"].as_array().map(Vec::len), Some(1));
    assert_eq!(d["attestation"], "attestation_bundles[0].attestations[0]");
    // A malformed release predicate from the accepted signer vetoes too.
    let bad = Statement::new(RELEASE_V1)
        .subject(WHEEL, WHEEL_BYTES)
        .predicate(json!({"domains": "test.pypi.org", "name": "sampleproject", "version": "1.0.0"}));
    let bad = vs.dsse(&bad).mint();
    let o = run_bytes(&p, &provenance(&[&publish, &bad]), WHEEL_BYTES, WHEEL, "pypi.org");
    refused(&o, Status::PredicateUnsupported);
    assert_eq!(field(&o), Some("predicate.domains"));
    // Only a signer the policy accepts can veto: a stranger's attestation naming staging, added to
    // the object by whoever serves it, neither vetoes nor passes.
    let stranger = vs
        .dsse(&release_wheel(&["test.pypi.org"]))
        .san_uri("https://github.com/evil/x/.github/workflows/a.yml@refs/heads/main")
        .mint();
    let d = accepted(&run_bytes(&p, &provenance(&[&stranger, &publish]), WHEEL_BYTES, WHEEL, "pypi.org"));
    assert_eq!(d["attestation"], "attestation_bundles[0].attestations[1]");
    // And a release attestation for production next to the publish attestation is matched.
    let prod = vs.dsse(&release_wheel(&["pypi.org"])).mint();
    let d = accepted(&run_bytes(&p, &provenance(&[&publish, &prod]), WHEEL_BYTES, WHEEL, "pypi.org"));
    assert_eq!(d["domains"]["matched"], "pypi.org");
    assert_eq!(d["attestation"], "attestation_bundles[0].attestations[1]");
    assert_eq!(d["warnings"], json!([]));
}

#[test]
fn attack_conda_publish_statement_with_several_subjects_is_predicate_unsupported() {
    let mut vs = VirtualSigstore::new();
    let p = policy_with(&vs, json!({}));
    // CEP 27: the subject MUST be a single resource descriptor.
    let st = Statement::new(CEP27_PUBLISH)
        .subject(CONDA_FILE, CONDA_BYTES)
        .subject("gadget-6.6-h0_0.conda", EVIL_BYTES)
        .predicate(json!({"targetChannel": CONDA_PRODUCTION}));
    let m = vs.dsse(&st).mint();
    for (bytes, name) in [(CONDA_BYTES, CONDA_FILE), (EVIL_BYTES, "gadget-6.6-h0_0.conda")] {
        let msg = refused(&run(&p, &m, bytes, Some(name), Some(CONDA_PRODUCTION)), Status::PredicateUnsupported);
        assert!(msg.contains("exactly one subject"), "{msg}");
    }
    let m = vs.dsse(&cep27(CONDA_FILE, CONDA_BYTES, CONDA_PRODUCTION)).mint();
    accepted(&run(&p, &m, CONDA_BYTES, Some(CONDA_FILE), Some(CONDA_PRODUCTION)));
}
