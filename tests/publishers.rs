//! Publishers from real data (tests/vectors, tests/npm): each file's `publisher` is what
//! pypi-attestations expects for it, and pins back exactly its own file; then every matching rule,
//! first sight, the agreement of sources and `min_age` on the virtual Sigstore.

mod support;

use domainsig::{Artifact, Outcome, Policy, Publisher, Request, Status};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use support::VirtualSigstore;

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A PEP 740 / Sigstore vector of tests/vectors.
struct Vector {
    case: &'static str,
    bundle: Vec<u8>,
    artifact: Option<Vec<u8>>,
    digest: String,
    root: PathBuf,
}

fn vector(case: &'static str) -> Vector {
    let dir = manifest().join("tests/vectors").join(case);
    let r = std::fs::read_to_string(dir.join("trusted_root.ref")).unwrap();
    let artifact = std::fs::read(dir.join("artifact")).ok();
    let digest = std::fs::read_to_string(dir.join("artifact.digest"))
        .or_else(|_| std::fs::read_to_string(dir.join("artifact.sha256")).map(|h| format!("sha256:{}", h.trim())))
        .unwrap()
        .trim()
        .to_owned();
    let root = manifest().join("tests/vectors").join(r.trim());
    Vector { case, bundle: std::fs::read(dir.join("bundle.sigstore.json")).unwrap(), artifact, digest, root }
}

fn vector_policy(v: &Vector, extra: Value) -> Policy {
    let mut p = json!({"version": 1, "trusted_root": {"path": v.root}, "domains": {"mode": "ignore"},
        "subject": {"require_name": false}});
    for (k, x) in extra.as_object().unwrap() {
        p[k] = x.clone();
    }
    Policy::from_json(p.to_string().as_bytes(), None).unwrap_or_else(|e| panic!("{e}"))
}

fn run(p: &Policy, v: &Vector) -> Outcome {
    let artifact = match &v.artifact {
        Some(b) => Artifact::Bytes(b),
        None => Artifact::parse_digest(&v.digest).unwrap(),
    };
    p.verify(&Request { artifact, name: None, bundle: &v.bundle, index_domain: None })
}

fn result_json(o: &Outcome) -> Value {
    serde_json::from_str(&o.to_json()).unwrap()
}

const PRODUCTION: &[(&str, &str)] = &[
    (
        "pypi-attestations--gitlab_oidc_project-0.0.3-publish",
        r#"{"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project", "workflow_filepath": ".gitlab-ci.yml"}"#,
    ),
    (
        "pypi-attestations--pypi_attestations-0.0.19-publish",
        r#"{"kind": "GitHub", "repository": "trailofbits/pypi-attestations", "workflow": "release.yml"}"#,
    ),
    (
        "pypi-attestations--pypi_attestation_models-0.0.4a2-bundle",
        r#"{"kind": "GitHub", "repository": "trailofbits/pypi-attestation-models", "workflow": "release.yml"}"#,
    ),
];

const STAGING: &[(&str, &str)] = &[
    (
        "pypi-attestations--rfc8785-0.1.2-whl-bundle",
        r#"{"kind": "Other", "issuer": "https://github.com/login/oauth", "san": "william@yossarian.net"}"#,
    ),
    (
        "sigstore-python--bundle.txt",
        r#"{"kind": "Other", "issuer": "https://github.com/login/oauth", "san": "a@tny.town"}"#,
    ),
];

#[test]
fn real_files_yield_the_publishers_pypi_attestations_expects() {
    for (case, want) in PRODUCTION.iter().chain(STAGING) {
        let v = vector(case);
        let o = run(&vector_policy(&v, json!({"first_sight": true})), &v);
        assert!(o.is_ok(), "{case}: {}", o.to_json());
        let want: Value = serde_json::from_str(want).unwrap();
        assert_eq!(serde_json::to_value(o.publisher()).unwrap(), want, "{case}");
        let j = result_json(&o);
        assert_eq!(j["publisher"], want, "{case}: the result JSON carries it");
        assert_eq!(j["decision"]["first_sight"], true, "{case}");
    }
}

#[test]
fn each_real_publisher_pins_back_exactly_its_own_file() {
    for group in [PRODUCTION, STAGING] {
        let files: Vec<Vector> = group.iter().map(|(c, _)| vector(c)).collect();
        for (i, (_, pin)) in group.iter().enumerate() {
            let pin: Value = serde_json::from_str(pin).unwrap();
            for (j, v) in files.iter().enumerate() {
                let p = vector_policy(v, json!({"publishers": [pin]}));
                let o = run(&p, v);
                if i == j {
                    assert!(o.is_ok(), "{} under its own publisher: {}", v.case, o.to_json());
                    let j = result_json(&o);
                    assert_eq!(j["decision"]["pins"][0]["entry"], "publishers[0]");
                    assert_eq!(j["decision"]["first_sight"], false);
                } else {
                    assert_eq!(o.status(), Status::IdentityMismatch, "{} under {pin}: {}", v.case, o.to_json());
                    // The refusal still says who signed, so a gate can name both.
                    assert_eq!(result_json(&o)["publisher"], serde_json::from_str::<Value>(group[j].1).unwrap());
                }
            }
        }
    }
}

fn npm_dir() -> PathBuf {
    manifest().join("tests/npm")
}

struct NpmCase {
    name: String,
    doc: Vec<u8>,
    tgz: Option<Vec<u8>>,
    digest: String,
    purl: String,
    san: String,
}

fn npm_cases() -> Vec<NpmCase> {
    let mut out: Vec<NpmCase> = std::fs::read_dir(npm_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expect.json").is_file() && !p.to_string_lossy().ends_with("_fail"))
        .map(|p| {
            let e: Value = serde_json::from_slice(&std::fs::read(p.join("expect.json")).unwrap()).unwrap();
            NpmCase {
                name: p.file_name().unwrap().to_string_lossy().into_owned(),
                doc: std::fs::read(p.join("attestations.json")).unwrap(),
                tgz: std::fs::read(p.join("artifact.tgz")).ok(),
                digest: std::fs::read_to_string(p.join("artifact.digest")).unwrap().trim().to_owned(),
                purl: e["purl"].as_str().unwrap().to_owned(),
                // The workflow PyPI's rule reads: the build config URI (the top-level workflow, even
                // when the SAN names a reusable one), or the SAN of a certificate without V2 claims.
                san: e["provenance"]["certificate"]["fulcio_extensions"]["build_config_uri"]
                    .as_str()
                    .or(e["provenance"]["identity_san"].as_str())
                    .unwrap()
                    .to_owned(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn npm_policy(extra: Value) -> Policy {
    let keys = "_keys/160677eb6e1c7083c89b166b20f8fe4e837fb71181506aff1991b80b89184f7d.keys.json";
    let mut p = json!({"version": 1,
        "trusted_root": {"path": manifest().join("tests/vectors/_roots/public-good-production.trusted_root.json")},
        "keys": [{"path": npm_dir().join(keys), "usage": "npm:attestations", "domain": "registry.npmjs.org"}]});
    for (k, x) in extra.as_object().unwrap() {
        p[k] = x.clone();
    }
    Policy::from_json(p.to_string().as_bytes(), None).unwrap_or_else(|e| panic!("{e}"))
}

fn npm_run(p: &Policy, c: &NpmCase) -> Outcome {
    let artifact = match &c.tgz {
        Some(b) => Artifact::Bytes(b),
        None => Artifact::parse_digest(&c.digest).unwrap(),
    };
    p.verify(&Request { artifact, name: Some(&c.purl), bundle: &c.doc, index_domain: Some("registry.npmjs.org") })
}

#[test]
fn real_npm_documents_yield_github_publishers_that_pin_back() {
    let cases = npm_cases();
    assert_eq!(cases.len(), 7);
    let first = npm_policy(json!({"first_sight": true}));
    let mut found = Vec::new();
    for c in &cases {
        let o = npm_run(&first, c);
        assert!(o.is_ok(), "{}: {}", c.name, o.to_json());
        let p = o.publisher().unwrap_or_else(|| panic!("{}: no publisher", c.name));
        // The publisher is the workflow the certificate names: https://github.com/<repo>/.github/workflows/<wf>@<ref>.
        let Publisher::GitHub { repository, workflow, .. } = &p else { panic!("{}: {p:?}", c.name) };
        let rest = c.san.strip_prefix("https://github.com/").unwrap();
        assert!(
            rest.starts_with(&format!("{repository}/.github/workflows/{workflow}@")),
            "{}: {p:?} vs {}",
            c.name,
            c.san
        );
        assert_eq!(result_json(&o)["decision"]["first_sight"], true);
        found.push(p);
    }
    for (i, pin) in found.iter().enumerate() {
        let p = npm_policy(json!({"publishers": [pin]}));
        for (j, c) in cases.iter().enumerate() {
            let o = npm_run(&p, c);
            if found[j] == *pin {
                assert!(o.is_ok(), "{} under {pin}: {}", c.name, o.to_json());
            } else {
                assert_eq!(
                    o.status(),
                    Status::IdentityMismatch,
                    "{} under pin of {}: {}",
                    c.name,
                    cases[i].name,
                    o.to_json()
                );
            }
        }
    }
}

#[test]
fn a_pinned_npm_package_without_provenance_is_refused() {
    let cases = npm_cases();
    let c = cases.iter().find(|c| c.name == "slsa-verifier--sigstore-2.3.1").unwrap();
    let pin = npm_run(&npm_policy(json!({"first_sight": true})), c).publisher().unwrap();
    // The document minus its provenance: the registry's publish attestation alone.
    let mut doc: Value = serde_json::from_slice(&c.doc).unwrap();
    doc["attestations"].as_array_mut().unwrap().retain(|a| a["predicateType"] != "https://slsa.dev/provenance/v1");
    let stripped = NpmCase {
        doc: doc.to_string().into_bytes(),
        tgz: c.tgz.clone(),
        digest: c.digest.clone(),
        purl: c.purl.clone(),
        san: c.san.clone(),
        name: c.name.clone(),
    };
    let lock = json!({"packages": {"sigstore": {"sources": [{"source": "trust file", "publishers": [pin]}]}}});
    let o = npm_run(&npm_policy(lock.clone()), &stripped);
    assert_eq!(o.status(), Status::IdentityMismatch, "{}", o.to_json());
    assert!(o.to_json().contains("provenance is missing"), "{}", o.to_json());
    assert!(npm_run(&npm_policy(lock), c).is_ok());
    // Without a pin, the registry key alone still passes (and there is no publisher to record).
    let o = npm_run(&npm_policy(json!({"first_sight": true})), &stripped);
    assert!(o.is_ok() && o.publisher().is_none(), "{}", o.to_json());
}

#[test]
fn cool_down_counts_from_the_verified_time_of_a_real_bundle() {
    let v = vector("pypi-attestations--gitlab_oidc_project-0.0.3-publish");
    // Rekor's integrated time for this entry (tests/vectors/.../expect.json): 2024-11-19T17:37:00Z.
    let signed = 1_732_037_820;
    let now = signed + 30 * 86_400;
    let verify_at = |p: &Policy| {
        let artifact = Artifact::Bytes(v.artifact.as_deref().unwrap());
        p.verify_at(
            &Request {
                artifact,
                name: Some("gitlab_oidc_project-0.0.3.tar.gz"),
                bundle: &v.bundle,
                index_domain: None,
            },
            now,
        )
    };
    let pin = json!([{"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project", "workflow_filepath": ".gitlab-ci.yml"}]);
    let o = verify_at(&vector_policy(&v, json!({"publishers": pin, "min_age": "31d"})));
    assert_eq!(o.status(), Status::TooRecent, "{}", o.to_json());
    let e = o.error.unwrap();
    assert!(e.message.contains("2024-11-19T17:37:00Z"), "names the verified time: {}", e.message);
    assert!(e.message.contains("2024-12-20T17:37:00Z"), "names when it becomes acceptable: {}", e.message);
    assert_eq!(e.field.as_deref(), Some("min_age"));
    let o = verify_at(&vector_policy(&v, json!({"publishers": pin, "min_age": "29d"})));
    assert!(o.is_ok(), "{}", o.to_json());
    let j = result_json(&o);
    assert_eq!(j["decision"]["min_age"]["signed_at"], "2024-11-19T17:37:00Z");
    // Per package: a package's own min_age replaces the global one; "0d" exempts it.
    let exempt = json!({"publishers": pin, "min_age": "31d", "packages": {"gitlab-oidc-project": {"min_age": "0d"}}});
    assert!(verify_at(&vector_policy(&v, exempt)).is_ok());
    let stricter = json!({"publishers": pin, "min_age": "1d", "packages": {"Gitlab.OIDC-Project": {"min_age": "60d"}}});
    assert_eq!(verify_at(&vector_policy(&v, stricter)).status(), Status::TooRecent);
    // At the door's clock (years later), the same bundle is old enough for 30 days and too young
    // for a century.
    let artifact = Artifact::Bytes(v.artifact.as_deref().unwrap());
    let req = Request { artifact, name: None, bundle: &v.bundle, index_domain: None };
    assert!(vector_policy(&v, json!({"publishers": pin, "min_age": "30d"})).verify(&req).is_ok());
    assert_eq!(
        vector_policy(&v, json!({"publishers": pin, "min_age": "36500d"})).verify(&req).status(),
        Status::TooRecent
    );
}

// ---- the virtual Sigstore: every rule ----

const SHA: &str = "3333333333333333333333333333333333333333";
const CFG: &str = "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1";

fn vs_policy(vs: &VirtualSigstore, extra: Value) -> Policy {
    with_base(&vs.policy(&[]), extra)
}

fn with_base(base: &Value, extra: Value) -> Policy {
    let mut p = base.clone();
    p.as_object_mut().unwrap().remove("identities");
    for (k, x) in extra.as_object().unwrap() {
        p[k] = x.clone();
    }
    Policy::from_json(p.to_string().as_bytes(), None).unwrap_or_else(|e| panic!("{e}"))
}

/// A GitHub Actions certificate for o/r's release.yml at refs/tags/v1, environment `Release`.
fn github_mint<'a>(vs: &'a mut VirtualSigstore, artifact: &[u8]) -> support::Mint<'a> {
    vs.message(artifact)
        .san_uri(CFG)
        .issuer("https://token.actions.githubusercontent.com")
        .claim(12, "https://github.com/o/r")
        .claim(13, SHA)
        .claim(14, "refs/tags/v1")
        .claim(18, CFG)
        .claim(23, "Release")
}

fn status(p: &Policy, bundle: &[u8], artifact: &[u8]) -> Status {
    support::verify(p, bundle, Artifact::Bytes(artifact)).status()
}

#[test]
fn every_github_matching_rule_on_the_virtual_sigstore() {
    let mut vs = VirtualSigstore::new();
    let a = b"artifact".to_vec();
    let good = github_mint(&mut vs, &a).mint().bytes();
    let gh = |extra: Value| {
        let mut p = json!({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml"});
        for (k, x) in extra.as_object().unwrap() {
            p[k] = x.clone();
        }
        p
    };
    let cases: Vec<(Value, Status)> = vec![
        (gh(json!({})), Status::Ok),
        (gh(json!({"environment": "release"})), Status::Ok), // GitHub environments: any case
        (gh(json!({"environment": "staging"})), Status::IdentityMismatch),
        (gh(json!({"repository": "o/other"})), Status::IdentityMismatch),
        (gh(json!({"repository": "O/R"})), Status::IdentityMismatch),
        (gh(json!({"workflow": "ci.yml"})), Status::IdentityMismatch),
        (json!({"kind": "GitLab", "repository": "o/r", "workflow_filepath": "release.yml"}), Status::IdentityMismatch),
        (json!({"kind": "Other", "issuer": "https://token.actions.githubusercontent.com", "san": CFG}), Status::Ok),
        (json!({"kind": "Other", "issuer": "https://gitlab.com", "san": CFG}), Status::IdentityMismatch),
    ];
    for (pin, want) in &cases {
        let p = vs_policy(&vs, json!({"publishers": [pin]}));
        assert_eq!(status(&p, &good, &a), *want, "{pin}");
    }
    let pin = vs_policy(&vs, json!({"publishers": [gh(json!({}))]}));
    let env_pin = vs_policy(&vs, json!({"publishers": [gh(json!({"environment": "Release"}))]}));
    // The workflow at any ref: another tag, or the commit digest, still matches.
    let other_tag = github_mint(&mut vs, &a)
        .claim(14, "refs/tags/v2")
        .claim(18, "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v2")
        .mint()
        .bytes();
    assert_eq!(status(&pin, &other_tag, &a), Status::Ok);
    let by_digest = github_mint(&mut vs, &a)
        .claim(18, &format!("https://github.com/o/r/.github/workflows/release.yml@{SHA}"))
        .mint()
        .bytes();
    assert_eq!(status(&pin, &by_digest, &a), Status::Ok);
    // ...but only at the certificate's own ref or digest.
    let foreign_ref = github_mint(&mut vs, &a)
        .claim(18, "https://github.com/o/r/.github/workflows/release.yml@refs/heads/other")
        .mint()
        .bytes();
    assert_eq!(status(&pin, &foreign_ref, &a), Status::IdentityMismatch);
    // The issuer is GitHub's (the V2 claim).
    let gitlab_issued = github_mint(&mut vs, &a).issuer("https://gitlab.com").mint().bytes();
    assert_eq!(status(&pin, &gitlab_issued, &a), Status::IdentityMismatch);
    // The source repository claim, not only the build config URI, names the repository.
    let other_source = github_mint(&mut vs, &a).claim(12, "https://github.com/evil/r").mint().bytes();
    assert_eq!(status(&pin, &other_source, &a), Status::IdentityMismatch);
    // Environment only when the pin gives one: a certificate without one fails only the env pin.
    let no_env = github_mint(&mut vs, &a).without_claim(23).mint().bytes();
    assert_eq!(status(&pin, &no_env, &a), Status::Ok);
    assert_eq!(status(&env_pin, &no_env, &a), Status::IdentityMismatch);
    // No digest and no ref: nothing anchors the build config URI's ref.
    let unanchored = github_mint(&mut vs, &a).without_claim(13).without_claim(14).mint().bytes();
    assert_eq!(status(&pin, &unanchored, &a), Status::IdentityMismatch);
}

#[test]
fn gitlab_and_google_rules_on_the_virtual_sigstore() {
    let mut vs = VirtualSigstore::new();
    let a = b"artifact".to_vec();
    let cfg = format!("https://gitlab.com/g/p//ci/release.yml@{SHA}");
    let gitlab = |vs: &mut VirtualSigstore, env: &str| {
        vs.message(&a)
            .san_uri("https://gitlab.com/g/p//ci/release.yml@refs/heads/main")
            .issuer("https://gitlab.com")
            .claim(12, "https://gitlab.com/g/p")
            .claim(13, SHA)
            .claim(14, "refs/heads/main")
            .claim(18, &cfg)
            .claim(23, env)
            .mint()
            .bytes()
    };
    let b = gitlab(&mut vs, "Production");
    let no_ref = vs
        .message(&a)
        .issuer("https://gitlab.com")
        .claim(12, "https://gitlab.com/g/p")
        .claim(13, SHA)
        .claim(18, &cfg)
        .mint()
        .bytes();
    let google = vs.message(&a).san_email("svc@p.iam.gserviceaccount.com").issuer("https://accounts.google.com").mint();
    let mail = vs
        .message(&a)
        .san_email("svc@p.iam.gserviceaccount.com")
        .issuer("https://github.com/login/oauth")
        .mint()
        .bytes();
    let base = vs.policy(&[]);
    let gl = |extra: Value| {
        let mut p = json!({"kind": "GitLab", "repository": "g/p", "workflow_filepath": "ci/release.yml"});
        for (k, x) in extra.as_object().unwrap() {
            p[k] = x.clone();
        }
        with_base(&base, json!({"publishers": [p]}))
    };
    assert_eq!(status(&gl(json!({})), &b, &a), Status::Ok);
    assert_eq!(status(&gl(json!({"environment": "Production"})), &b, &a), Status::Ok);
    assert_eq!(status(&gl(json!({"environment": "production"})), &b, &a), Status::IdentityMismatch, "exact for GitLab");
    assert_eq!(status(&gl(json!({"workflow_filepath": ".gitlab-ci.yml"})), &b, &a), Status::IdentityMismatch);
    assert_eq!(status(&gl(json!({"repository": "g/q"})), &b, &a), Status::IdentityMismatch);
    assert_eq!(status(&gl(json!({})), &no_ref, &a), Status::IdentityMismatch, "GitLab needs the digest and the ref");

    let j: Value = serde_json::from_str(
        &support::verify(&with_base(&base, json!({"first_sight": true})), &google.bytes(), Artifact::Bytes(&a))
            .to_json(),
    )
    .unwrap();
    assert_eq!(j["publisher"], json!({"kind": "Google", "email": "svc@p.iam.gserviceaccount.com"}));
    let g = |email: &str| with_base(&base, json!({"publishers": [{"kind": "Google", "email": email}]}));
    assert_eq!(status(&g("svc@p.iam.gserviceaccount.com"), &google.bytes(), &a), Status::Ok);
    assert_eq!(status(&g("other@p.iam.gserviceaccount.com"), &google.bytes(), &a), Status::IdentityMismatch);
    assert_eq!(
        status(&g("svc@p.iam.gserviceaccount.com"), &mail, &a),
        Status::IdentityMismatch,
        "Google's issuer only"
    );
}

#[test]
fn first_sight_sources_and_package_entries_combine() {
    let mut vs = VirtualSigstore::new();
    let a = b"artifact".to_vec();
    let b = github_mint(&mut vs, &a).mint().bytes();
    let mine = json!({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml"});
    let theirs = json!({"kind": "GitHub", "repository": "o/other", "workflow": "release.yml"});
    let named = |p: &Policy, name: &str| {
        p.verify(&Request { artifact: Artifact::Bytes(&a), name: Some(name), bundle: &b, index_domain: None })
    };
    // No pin and no first_sight: refused. first_sight: accepted, and said.
    let none = vs_policy(&vs, json!({"packages": {"elsewhere": {"publishers": [theirs]}}}));
    assert_eq!(named(&none, "pkg-1.0.tar.gz").status(), Status::IdentityMismatch);
    let fs = vs_policy(&vs, json!({"first_sight": true, "packages": {"elsewhere": {"publishers": [theirs]}}}));
    let o = named(&fs, "pkg-1.0.tar.gz");
    assert!(o.is_ok(), "{}", o.to_json());
    assert!(o.decision.as_ref().unwrap().first_sight);
    // A package a pin covers is never first sight.
    assert_eq!(named(&fs, "elsewhere-1.0.tar.gz").status(), Status::IdentityMismatch);
    // Top-level publishers cover every package: first_sight is inert.
    let covered = vs_policy(&vs, json!({"first_sight": true, "publishers": [theirs]}));
    assert_eq!(named(&covered, "pkg-1.0.tar.gz").status(), Status::IdentityMismatch);
    // A package entry replaces the top-level list...
    let replaced = vs_policy(&vs, json!({"publishers": [theirs], "packages": {"pkg": {"publishers": [mine]}}}));
    assert!(named(&replaced, "pkg-1.0.tar.gz").is_ok());
    // ...and every source must agree: the policy accepts, the lock records someone else.
    let disagree = vs_policy(
        &vs,
        json!({"publishers": [mine],
        "packages": {"pkg": {"sources": [{"source": "pylock.toml", "publishers": [theirs]}]}}}),
    );
    let o = named(&disagree, "pkg-1.0.tar.gz");
    assert_eq!(o.status(), Status::IdentityMismatch, "{}", o.to_json());
    let msg = o.error.unwrap().message;
    assert!(
        msg.contains("pylock.toml") && msg.contains("o/other") && msg.contains("GitHub o/r workflow release.yml"),
        "{msg}"
    );
    assert!(msg.contains("accepted by policy (publishers[0])"), "{msg}");
    let agree = vs_policy(
        &vs,
        json!({"publishers": [mine],
        "packages": {"pkg": {"sources": [{"source": "pylock.toml", "publishers": [theirs, mine]}]}}}),
    );
    let o = named(&agree, "pkg-1.0.tar.gz");
    assert!(o.is_ok(), "{}", o.to_json());
    let pins: Vec<String> = o.decision.unwrap().pins.iter().map(|m| format!("{}:{}", m.source, m.entry)).collect();
    assert_eq!(pins, ["policy:publishers[0]", "pylock.toml:packages[\"pkg\"].sources[0].publishers[1]"]);
    // A lock source alone, with first sight on: the lock speaks, so it is not a first sight.
    let lock_only = vs_policy(
        &vs,
        json!({"first_sight": true,
        "packages": {"pkg": {"sources": [{"source": "pylock.toml", "publishers": [theirs]}]}}}),
    );
    assert_eq!(named(&lock_only, "pkg-1.0.tar.gz").status(), Status::IdentityMismatch);
    // Identities and publishers in one list: either may match.
    let both = vs_policy(&vs, json!({"identities": [{"issuer": "https://x", "san": "y"}], "publishers": [mine]}));
    assert!(named(&both, "pkg-1.0.tar.gz").is_ok());
}

#[test]
fn min_age_on_the_virtual_sigstore_uses_the_earliest_verified_time() {
    let mut vs = VirtualSigstore::new();
    let a = b"artifact".to_vec();
    let t0 = support::DEFAULT_SIGNING_TIME;
    // Log time t0 + 5; a TSA time t0 + 1: the earliest verified time counts.
    let b = github_mint(&mut vs, &a).timestamp_after(1).mint().bytes();
    let p = vs_policy(
        &vs,
        json!({"first_sight": true, "min_age": "1h",
        "thresholds": {"timestamps": 1}}),
    );
    let at = |now: i64| {
        p.verify_at(&Request { artifact: Artifact::Bytes(&a), name: None, bundle: &b, index_domain: None }, now)
    };
    assert_eq!(at(t0 + 1 + 3599).status(), Status::TooRecent);
    let o = at(t0 + 1 + 3600);
    assert!(o.is_ok(), "{}", o.to_json());
    // A policy with min_age cannot be judged without an evaluation time.
    let vb = o.verified.unwrap();
    assert_eq!(p.evaluate(&vb, &domainsig::Context::default()).unwrap_err().status, Status::InvalidArgument);
    assert!(p.evaluate_at(&vb, &domainsig::Context::default(), t0 + 3601).is_ok());
}
