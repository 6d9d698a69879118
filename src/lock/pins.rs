//! A lock's publisher pins (pylock `[[packages.attestation-identities]]`) against the signer a
//! verified attestation proved.
//!
//! The pins are PEP 740 publisher objects (<https://peps.python.org/pep-0740/#provenance-objects>);
//! the kinds and keys are those pypi-attestations defines (pypi/pypi-attestations
//! `src/pypi_attestations/_impl.py`: `GitHubPublisher` {repository, workflow, environment},
//! `GitLabPublisher` {repository, workflow_filepath, environment}, `GooglePublisher` {email}).
//! Each is compared only with facts of a verified Fulcio certificate (issuer, SAN,
//! `source_repository_uri`); `environment` is not in the certificate, so it is not compared.
//! Any one pin matching is enough, as with the policy's identities; a pin of a kind not understood
//! never matches. This is the thin glue until the library's publisher module (`publishers` branch)
//! does the matching for every door.

use crate::error::{self, Error};
use crate::x509::claims::CertificateIdentity;
use serde_json::{Map, Value};

/// GitHub Actions' OIDC issuer (Fulcio's `https://token.actions.githubusercontent.com`).
const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// GitLab.com's OIDC issuer.
const GITLAB_ISSUER: &str = "https://gitlab.com";
/// Google's OIDC issuer.
const GOOGLE_ISSUER: &str = "https://accounts.google.com";

/// `Ok` when the verified signer matches one of `pins`; else `IDENTITY_MISMATCH` naming the lock
/// as the source of the pins and what the certificate says.
pub fn check(pins: &[Map<String, Value>], identity: Option<&CertificateIdentity>) -> Result<(), Error> {
    let Some(id) = identity else {
        return Err(error::identity(
            "the lock pins publishers (attestation-identities) for this package, but no certificate \
             identity signed its attestation (a key's signature never satisfies a publisher pin)",
        )
        .at("attestation-identities"));
    };
    let mut why = Vec::new();
    for pin in pins {
        match matches(pin, id) {
            Ok(()) => return Ok(()),
            Err(w) => why.push(w),
        }
    }
    Err(error::identity(format!(
        "the lock's attestation-identities expect {}; the attestation was signed by {} ({})",
        pins.iter().map(|p| Value::Object(p.clone()).to_string()).collect::<Vec<_>>().join(" or "),
        id.san().unwrap_or("no SAN"),
        why.join("; ")
    ))
    .at("attestation-identities"))
}

/// The certificate's source repository URI: the `source_repository_uri` claim, or for certificates
/// issued before Fulcio had it (mid-2023), the repository the workflow SAN names
/// (`https://github.com/o/r/.github/workflows/...`, `https://gitlab.com/o/r//path@ref`).
fn repository_uri(id: &CertificateIdentity) -> Option<String> {
    if let Some(r) = id.claims.get("source_repository_uri") {
        return Some(r.clone());
    }
    let san = id.san()?;
    let cut = san
        .find("/.github/workflows/")
        .or_else(|| san.strip_prefix("https://").and_then(|r| r.find("//").map(|i| i + 8)))?;
    Some(san[..cut].to_owned())
}

fn get<'a>(pin: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    pin.get(k).and_then(Value::as_str)
}

fn matches(pin: &Map<String, Value>, id: &CertificateIdentity) -> Result<(), String> {
    let issuer = id.issuer.as_deref().unwrap_or("");
    let san = id.san().unwrap_or("");
    let repo_uri = repository_uri(id).unwrap_or_default();
    let kind = get(pin, "kind").unwrap_or("");
    let (want_issuer, host) = match kind {
        "GitHub" => (GITHUB_ISSUER, "https://github.com/"),
        "GitLab" => (GITLAB_ISSUER, "https://gitlab.com/"),
        "Google" => {
            let email = get(pin, "email").ok_or("a Google publisher without email")?;
            return if issuer == GOOGLE_ISSUER && san == email {
                Ok(())
            } else {
                Err(format!("Google {email}: issuer {issuer}, SAN {san}"))
            };
        }
        other => return Err(format!("publisher kind {other:?} is not one this verifier can check")),
    };
    if issuer != want_issuer {
        return Err(format!("{kind}: issuer {issuer}, not {want_issuer}"));
    }
    let repo = get(pin, "repository").ok_or_else(|| format!("a {kind} publisher without repository"))?;
    // Repository names on both forges compare without case.
    let want_repo = format!("{host}{repo}");
    if !repo_uri.eq_ignore_ascii_case(&want_repo) {
        return Err(format!("{kind}: source repository {repo_uri}, not {want_repo}"));
    }
    // The workflow is the SAN's path: GitHub `<repo>/.github/workflows/<file>@<ref>`, GitLab
    // `<repo>//<path>@<ref>`.
    let workflow = match kind {
        "GitHub" => get(pin, "workflow").map(|w| format!("{want_repo}/.github/workflows/{w}@")),
        _ => get(pin, "workflow_filepath").map(|w| format!("{want_repo}//{w}@")),
    };
    if let Some(prefix) = workflow {
        let ok = san.len() >= prefix.len()
            && san.is_char_boundary(prefix.len())
            && san[..prefix.len()].eq_ignore_ascii_case(&prefix);
        if !ok {
            return Err(format!("{kind}: workflow SAN {san}, not {prefix}<ref>"));
        }
    }
    Ok(())
}

/// The publisher a verified certificate identity is, as a PEP 740 publisher object (`kind` and
/// `repository`; Google: `email`), when its issuer is a forge this verifier knows.
pub fn publisher_of(id: &CertificateIdentity) -> Option<Value> {
    let issuer = id.issuer.as_deref()?;
    let repo_uri = repository_uri(id);
    let (kind, host) = match issuer {
        GITHUB_ISSUER => ("GitHub", "https://github.com/"),
        GITLAB_ISSUER => ("GitLab", "https://gitlab.com/"),
        GOOGLE_ISSUER => return Some(serde_json::json!({"kind": "Google", "email": id.san()?})),
        _ => return None,
    };
    let repo = repo_uri.as_deref()?.strip_prefix(host)?;
    Some(serde_json::json!({"kind": kind, "repository": repo}))
}
