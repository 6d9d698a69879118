//! Publishers: who signed, in the shape PEP 740 and PyPI give it, derived from a verified Fulcio
//! certificate and matched as a pin. One home: every door (the result JSON, the policy's
//! `publishers`, per-package pins, a lock's recorded identities) goes through this module.
//!
//! The shapes and matching rules are pypi-attestations' (src/pypi_attestations/_impl.py:
//! `GitHubPublisher`, `GitLabPublisher`, `GooglePublisher` and their `_as_policy`), with the
//! environment rules of warehouse (warehouse/oidc/models/github.py and gitlab.py,
//! `_check_environment`). Derivation is the inverse of matching: a derived publisher, used as a
//! pin, accepts exactly the certificate it came from (and every other run of the same workflow).
//!
//! Nothing here reads an unsigned field: the input is a [`CertificateIdentity`], which only the
//! verifier builds from a certificate that chained to Fulcio. The `publisher` a PyPI provenance
//! object carries beside its attestations is never consulted.
//!
//! ActiveState is a PyPI Trusted Publisher, but neither PyPI nor pypi-attestations defines an
//! attestation identity for it (warehouse's `ActiveStatePublisher` keeps the base class's
//! `attestation_identity` of `None`; pypi-attestations has no ActiveState class). So there is no
//! ActiveState publisher object to derive or match: its certificates (like any other identity)
//! yield [`Publisher::Other`], and a pin of kind `"ActiveState"` is refused as unknown.

use crate::error::{self, Result};
use crate::x509::claims::{CertificateIdentity, SanKind};
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;

/// GitHub Actions' OIDC issuer (pypi-attestations `_GitHubTrustedPublisherPolicy`:
/// `policy.OIDCIssuerV2("https://token.actions.githubusercontent.com")`).
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// GitLab.com's OIDC issuer (pypi-attestations `_GitLabTrustedPublisherPolicy`:
/// `policy.OIDCIssuerV2("https://gitlab.com")`).
pub const GITLAB_ISSUER: &str = "https://gitlab.com";
/// Google's OIDC issuer (pypi-attestations `GooglePublisher._as_policy`:
/// `policy.Identity(identity=email, issuer="https://accounts.google.com")`).
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";

/// Repository URL prefixes the source repository claim carries (pypi-attestations builds
/// `f"https://github.com/{repository}"` and `f"https://gitlab.com/{repository}"`).
const GITHUB_REPO_PREFIX: &str = "https://github.com/";
const GITLAB_REPO_PREFIX: &str = "https://gitlab.com/";

/// The kinds a policy may pin, as written in `"kind"`.
pub const KINDS: &[&str] = &["GitHub", "GitLab", "Google", "Other"];

/// A publisher: a PEP 740 Trusted Publisher object, or [`Publisher::Other`] for any other signer.
///
/// Serialised with `"kind"` first, exactly as pypi-attestations and PEP 751's
/// `attestation-identities` write it: `{"kind": "GitHub", "repository": "o/r", "workflow":
/// "release.yml"}`; `environment` only when there is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind")]
pub enum Publisher {
    /// A GitHub Actions workflow.
    GitHub {
        /// `owner/name`.
        repository: String,
        /// The workflow's file name under `.github/workflows/` (the top-level workflow, not a
        /// reusable one it calls: the build config URI, as PyPI reads it).
        workflow: String,
        /// The GitHub environment the job ran in.
        #[serde(skip_serializing_if = "Option::is_none")]
        environment: Option<String>,
    },
    /// A GitLab CI/CD pipeline on gitlab.com.
    GitLab {
        /// `namespace/project` (subgroups included).
        repository: String,
        /// The CI configuration file's path in the repository (usually `.gitlab-ci.yml`).
        workflow_filepath: String,
        /// The GitLab environment the job ran in.
        #[serde(skip_serializing_if = "Option::is_none")]
        environment: Option<String>,
    },
    /// A Google Cloud service account.
    Google {
        /// The service account's e-mail address.
        email: String,
    },
    /// Any other Fulcio identity (a person's e-mail, another CI, a certificate whose claims do not
    /// form a Trusted Publisher): the OIDC issuer and the SAN, so nothing proven is dropped. Not a
    /// PEP 740 kind; domainsig's own, matched exactly on both fields.
    Other {
        /// The OIDC issuer (`.1.8`, else the deprecated `.1.1`).
        issuer: String,
        /// The subject alternative name.
        san: String,
    },
}

impl fmt::Display for Publisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Publisher::GitHub { repository, workflow, environment } => {
                write!(f, "GitHub {repository} workflow {workflow}")?;
                environment.as_ref().map_or(Ok(()), |e| write!(f, " environment {e}"))
            }
            Publisher::GitLab { repository, workflow_filepath, environment } => {
                write!(f, "GitLab {repository} {workflow_filepath}")?;
                environment.as_ref().map_or(Ok(()), |e| write!(f, " environment {e}"))
            }
            Publisher::Google { email } => write!(f, "Google {email}"),
            Publisher::Other { issuer, san } => write!(f, "{san} (issuer {issuer})"),
        }
    }
}

fn claim<'a>(id: &'a CertificateIdentity, name: &str) -> Option<&'a str> {
    id.claims.get(name).map(String::as_str).filter(|s| !s.is_empty())
}

/// The ref suffixes a build config URI may end with: `@<source repository digest>` or
/// `@<source repository ref>` (pypi-attestations builds the expected URI with each).
fn suffixes(id: &CertificateIdentity) -> [Option<&str>; 2] {
    [claim(id, "source_repository_digest"), claim(id, "source_repository_ref")]
}

/// `middle` such that `uri == prefix + middle + "@" + suffix` for one of the certificate's suffixes.
fn between<'a>(uri: &'a str, prefix: &str, id: &CertificateIdentity) -> Option<&'a str> {
    let rest = uri.strip_prefix(prefix)?;
    suffixes(id)
        .into_iter()
        .flatten()
        .find_map(|s| rest.strip_suffix(s).and_then(|r| r.strip_suffix('@')))
        .filter(|m| !m.is_empty())
}

fn derive_github(id: &CertificateIdentity) -> Option<Publisher> {
    let repository = claim(id, "source_repository_uri")?.strip_prefix(GITHUB_REPO_PREFIX)?;
    if repository.is_empty() {
        return None;
    }
    // https://github.com/OWNER/REPO/.github/workflows/WORKFLOW@REF
    let prefix = format!("{GITHUB_REPO_PREFIX}{repository}/.github/workflows/");
    let workflow = between(claim(id, "build_config_uri")?, &prefix, id)?;
    Some(Publisher::GitHub {
        repository: repository.to_owned(),
        workflow: workflow.to_owned(),
        environment: claim(id, "deployment_environment").map(str::to_owned),
    })
}

fn derive_gitlab(id: &CertificateIdentity) -> Option<Publisher> {
    // pypi-attestations requires both the digest and the ref for GitLab.
    if suffixes(id).iter().any(Option::is_none) {
        return None;
    }
    let repository = claim(id, "source_repository_uri")?.strip_prefix(GITLAB_REPO_PREFIX)?;
    if repository.is_empty() {
        return None;
    }
    // https://gitlab.com/NAMESPACE/PROJECT//WORKFLOW_FILEPATH@REF
    let prefix = format!("{GITLAB_REPO_PREFIX}{repository}//");
    let path = between(claim(id, "build_config_uri")?, &prefix, id)?;
    Some(Publisher::GitLab {
        repository: repository.to_owned(),
        workflow_filepath: path.to_owned(),
        environment: claim(id, "deployment_environment").map(str::to_owned),
    })
}

/// Fulcio's V1 extensions (.1.1 issuer, .1.3 workflow SHA, .1.5 repository, .1.6 ref) are all that
/// certificates issued before the V2 claims existed carry (npm provenance from early 2023). PyPI
/// never saw such certificates (its attestations start in 2024), so pypi-attestations has no rule
/// for them; the same rule is applied to their equivalents: the repository claim, and the SAN (the
/// workflow URI `https://github.com/<repository>/.github/workflows/<workflow>@<ref>`) ending in the
/// certificate's ref or SHA. Only for a certificate with no V2 issuer claim at all.
fn legacy_github(id: &CertificateIdentity) -> Option<(&str, &str)> {
    if claim(id, "issuer").is_some() || claim(id, "issuer_v1") != Some(GITHUB_ISSUER) {
        return None;
    }
    let repository = claim(id, "github_workflow_repository").filter(|r| !r.is_empty())?;
    let prefix = format!("{GITHUB_REPO_PREFIX}{repository}/.github/workflows/");
    let refs = [claim(id, "github_workflow_sha"), claim(id, "github_workflow_ref")];
    let workflow = id.sans.iter().find(|s| s.kind == SanKind::Uri).and_then(|s| {
        let rest = s.value.strip_prefix(prefix.as_str())?;
        refs.into_iter().flatten().find_map(|r| rest.strip_suffix(r).and_then(|x| x.strip_suffix('@')))
    })?;
    (!workflow.is_empty()).then_some((repository, workflow))
}

/// The publisher a verified certificate proves. Never fails: a certificate whose claims do not form
/// a Trusted Publisher exactly as PyPI would match it yields [`Publisher::Other`].
pub fn derive(id: &CertificateIdentity) -> Publisher {
    // The Trusted Publisher kinds read the V2 issuer claim (.1.8) as pypi-attestations does.
    let tp = match claim(id, "issuer") {
        Some(GITHUB_ISSUER) => derive_github(id),
        Some(GITLAB_ISSUER) => derive_gitlab(id),
        _ => None,
    };
    if let Some(p) = tp {
        return p;
    }
    if let Some((repository, workflow)) = legacy_github(id) {
        return Publisher::GitHub {
            repository: repository.to_owned(),
            workflow: workflow.to_owned(),
            environment: None,
        };
    }
    let san = id.sans.first();
    match (id.issuer.as_deref(), san) {
        (Some(GOOGLE_ISSUER), Some(s)) if s.kind == SanKind::Email => Publisher::Google { email: s.value.clone() },
        _ => Publisher::Other {
            issuer: id.issuer.clone().unwrap_or_default(),
            san: san.map(|s| s.value.clone()).unwrap_or_default(),
        },
    }
}

impl Publisher {
    /// `"GitHub"`, `"GitLab"`, `"Google"` or `"Other"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Publisher::GitHub { .. } => "GitHub",
            Publisher::GitLab { .. } => "GitLab",
            Publisher::Google { .. } => "Google",
            Publisher::Other { .. } => "Other",
        }
    }

    /// Whether the certificate `id` is this publisher, as PyPI's verification decides it; `Err`
    /// says which part differs (what the pin expects, what the certificate says).
    pub fn check(&self, id: &CertificateIdentity) -> std::result::Result<(), String> {
        let found = |name: &str| claim(id, name).map_or("absent".to_owned(), |v| format!("{v:?}"));
        let issuer_v2 = |want: &str| {
            if claim(id, "issuer") == Some(want) {
                Ok(())
            } else {
                Err(format!("the certificate's OIDC issuer claim is {}, not {want:?}", found("issuer")))
            }
        };
        let repo = |want: String| {
            if claim(id, "source_repository_uri") == Some(want.as_str()) {
                Ok(())
            } else {
                Err(format!("the source repository is {}, not {want:?}", found("source_repository_uri")))
            }
        };
        match self {
            Publisher::GitHub { repository, workflow, environment } => {
                if let Some((r, w)) = legacy_github(id) {
                    // A pre-V2 certificate has no environment claim, so a pin naming one never matches.
                    return if r == repository && w == workflow && environment.is_none() {
                        Ok(())
                    } else {
                        Err(format!(
                            "the certificate (V1 claims only, no environment) is workflow {w:?} of {r}, not \
                             {workflow:?} of {repository}{}",
                            environment.as_ref().map_or(String::new(), |e| format!(" in environment {e:?}"))
                        ))
                    };
                }
                issuer_v2(GITHUB_ISSUER)?;
                repo(format!("{GITHUB_REPO_PREFIX}{repository}"))?;
                let sx = suffixes(id);
                if sx.iter().all(Option::is_none) {
                    return Err("the certificate has neither a source repository digest nor ref".to_owned());
                }
                // The workflow file at any ref: the build config URI ends in the certificate's own
                // digest or ref, which a publisher (like a Trusted Publisher) does not name.
                let base = format!("{GITHUB_REPO_PREFIX}{repository}/.github/workflows/{workflow}@");
                let cfg = claim(id, "build_config_uri");
                if !sx.iter().flatten().any(|s| cfg.and_then(|c| c.strip_prefix(base.as_str())) == Some(*s)) {
                    return Err(format!(
                        "the build config URI is {}, not workflow {workflow:?} of {repository}",
                        found("build_config_uri")
                    ));
                }
                // GitHub environment names are case-insensitive (warehouse github.py
                // `_check_environment` lower-cases both sides).
                if let Some(env) = environment {
                    let have = claim(id, "deployment_environment");
                    if have.map(str::to_lowercase) != Some(env.to_lowercase()) {
                        return Err(format!(
                            "the deployment environment is {}, not {env:?}",
                            found("deployment_environment")
                        ));
                    }
                }
                Ok(())
            }
            Publisher::GitLab { repository, workflow_filepath, environment } => {
                issuer_v2(GITLAB_ISSUER)?;
                repo(format!("{GITLAB_REPO_PREFIX}{repository}"))?;
                let sx = suffixes(id);
                if sx.iter().any(Option::is_none) {
                    return Err("the certificate lacks the source repository digest or ref GitLab requires".to_owned());
                }
                let base = format!("{GITLAB_REPO_PREFIX}{repository}//{workflow_filepath}@");
                let cfg = claim(id, "build_config_uri");
                if !sx.iter().flatten().any(|s| cfg.and_then(|c| c.strip_prefix(base.as_str())) == Some(*s)) {
                    return Err(format!(
                        "the build config URI is {}, not {workflow_filepath:?} of {repository}",
                        found("build_config_uri")
                    ));
                }
                // GitLab environments compare exactly (warehouse gitlab.py `_check_environment`).
                if let Some(env) = environment {
                    if claim(id, "deployment_environment") != Some(env.as_str()) {
                        return Err(format!(
                            "the deployment environment is {}, not {env:?}",
                            found("deployment_environment")
                        ));
                    }
                }
                Ok(())
            }
            Publisher::Google { email } => {
                if id.issuer.as_deref() != Some(GOOGLE_ISSUER) {
                    return Err(format!(
                        "the certificate was issued by {}, not {GOOGLE_ISSUER:?}",
                        id.issuer.as_deref().map_or("no OIDC issuer".to_owned(), |i| format!("{i:?}"))
                    ));
                }
                if !id.sans.iter().any(|s| s.value == *email) {
                    return Err(format!("the signer is {:?}, not {email:?}", id.san().unwrap_or("")));
                }
                Ok(())
            }
            Publisher::Other { issuer, san } => {
                if id.issuer.as_deref() != Some(issuer.as_str()) {
                    return Err(format!(
                        "the certificate was issued by {}, not {issuer:?}",
                        id.issuer.as_deref().map_or("no OIDC issuer".to_owned(), |i| format!("{i:?}"))
                    ));
                }
                if !id.sans.iter().any(|s| s.value == *san) {
                    return Err(format!("the signer is {:?}, not {san:?}", id.san().unwrap_or("")));
                }
                Ok(())
            }
        }
    }

    /// Whether the certificate `id` is this publisher.
    pub fn accepts(&self, id: &CertificateIdentity) -> bool {
        self.check(id).is_ok()
    }

    /// What this publisher accepts, in words (`explain-policy`).
    pub fn describe(&self) -> String {
        match self {
            Publisher::GitHub { repository, workflow, environment } => format!(
                "GitHub Actions ({GITHUB_ISSUER}) in https://github.com/{repository}, workflow \
                 .github/workflows/{workflow} at any ref{}",
                environment.as_ref().map_or(String::new(), |e| format!(", environment {e:?} (any case)"))
            ),
            Publisher::GitLab { repository, workflow_filepath, environment } => format!(
                "GitLab CI/CD ({GITLAB_ISSUER}) in https://gitlab.com/{repository}, configuration \
                 {workflow_filepath} at any ref{}",
                environment.as_ref().map_or(String::new(), |e| format!(", environment {e:?}"))
            ),
            Publisher::Google { email } => format!("the Google account {email:?} ({GOOGLE_ISSUER})"),
            Publisher::Other { issuer, san } => format!("a certificate for exactly {san:?}, issued by {issuer:?}"),
        }
    }

    /// Parses a publisher object (a pin), strictly: the keys of its kind, non-empty strings; an
    /// unknown kind or key is `POLICY_INVALID` naming `path`.
    pub fn from_value(v: &Value, path: &str) -> Result<Publisher> {
        let bad = |at: &str, msg: String| {
            let at = if at.is_empty() { path.to_owned() } else { format!("{path}.{at}") };
            error::policy_invalid(format!("{at}: {msg}")).at(at)
        };
        let o: &Map<String, Value> =
            v.as_object().ok_or_else(|| bad("", "a publisher must be an object".to_owned()))?;
        let kind = match o.get("kind") {
            Some(Value::String(k)) => k.as_str(),
            Some(_) => return Err(bad("kind", "must be a string".to_owned())),
            None => return Err(bad("kind", format!("is required (one of {})", KINDS.join(", ")))),
        };
        let (required, optional): (&[&str], &[&str]) = match kind {
            "GitHub" => (&["repository", "workflow"], &["environment"]),
            "GitLab" => (&["repository", "workflow_filepath"], &["environment"]),
            "Google" => (&["email"], &[]),
            "Other" => (&["issuer", "san"], &[]),
            "ActiveState" => {
                return Err(bad(
                    "kind",
                    "ActiveState defines no attestation identity (PyPI and pypi-attestations have none), so \
                     nothing can match it; pin its certificates as {\"kind\": \"Other\", \"issuer\": ..., \"san\": ...}"
                        .to_owned(),
                ));
            }
            other => {
                return Err(bad("kind", format!("{other:?} is not a publisher kind (one of {})", KINDS.join(", "))));
            }
        };
        if let Some(k) = o
            .keys()
            .find(|k| k.as_str() != "kind" && !required.contains(&k.as_str()) && !optional.contains(&k.as_str()))
        {
            let mut allowed = vec!["kind"];
            allowed.extend(required);
            allowed.extend(optional);
            return Err(bad(k, format!("unknown key for kind {kind} (expected: {})", allowed.join(", "))));
        }
        let text = |k: &str, need: bool| -> Result<Option<String>> {
            match o.get(k) {
                // A pin is printed in refusals and explain-policy: a control character (an escape
                // sequence that rewrites the reader's terminal) is no part of any identity.
                Some(Value::String(s)) if s.chars().any(char::is_control) => {
                    let c = s.chars().find(|c| c.is_control()).unwrap_or_default();
                    Err(bad(k, format!("holds the control character {c:?}; expected printable text")))
                }
                Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
                Some(Value::String(_)) => Err(bad(k, "must not be empty".to_owned())),
                // PEP 751 writers may spell an absent optional value as null.
                Some(Value::Null) if !need => Ok(None),
                Some(_) => Err(bad(k, "must be a string".to_owned())),
                None if need => Err(bad(k, format!("is required for kind {kind}"))),
                None => Ok(None),
            }
        };
        let req = |k: &str| text(k, true).map(Option::unwrap_or_default);
        let p = match kind {
            "GitHub" => Publisher::GitHub {
                repository: req("repository")?,
                workflow: req("workflow")?,
                environment: text("environment", false)?,
            },
            "GitLab" => Publisher::GitLab {
                repository: req("repository")?,
                workflow_filepath: req("workflow_filepath")?,
                environment: text("environment", false)?,
            },
            "Google" => Publisher::Google { email: req("email")? },
            _ => Publisher::Other { issuer: req("issuer")?, san: req("san")? },
        };
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::claims::San;
    use serde_json::json;

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn id(issuer: &str, san: (SanKind, &str), claims: &[(&str, &str)]) -> CertificateIdentity {
        let mut c: std::collections::BTreeMap<String, String> =
            claims.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        c.insert("issuer".to_owned(), issuer.to_owned());
        CertificateIdentity {
            sans: vec![San { kind: san.0, value: san.1.to_owned() }],
            issuer: Some(issuer.to_owned()),
            claims: c,
            ..Default::default()
        }
    }

    fn github(cfg: &str, extra: &[(&str, &str)]) -> CertificateIdentity {
        let mut claims = vec![
            ("source_repository_uri", "https://github.com/o/r"),
            ("source_repository_digest", SHA),
            ("source_repository_ref", "refs/tags/v1"),
            ("build_config_uri", cfg),
        ];
        claims.extend_from_slice(extra);
        id(GITHUB_ISSUER, (SanKind::Uri, cfg), &claims)
    }

    fn pin(v: Value) -> Publisher {
        Publisher::from_value(&v, "publishers[0]").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn github_is_derived_from_the_build_config_uri_at_its_ref_or_digest() {
        let cert = github("https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1", &[]);
        let p = derive(&cert);
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml"})
        );
        assert!(p.accepts(&cert));
        let by_sha = github(&format!("https://github.com/o/r/.github/workflows/release.yml@{SHA}"), &[]);
        assert_eq!(derive(&by_sha), p);
        // A ref that is neither the certificate's digest nor its ref: not a Trusted Publisher shape.
        let other = github("https://github.com/o/r/.github/workflows/release.yml@refs/heads/evil", &[]);
        assert_eq!(derive(&other).kind(), "Other");
        assert!(!p.accepts(&other));
    }

    #[test]
    fn github_rules() {
        let cfg = "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1";
        let cert = github(cfg, &[("deployment_environment", "PyPI")]);
        let ok = pin(json!({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml"}));
        assert!(ok.accepts(&cert), "environment is checked only when the pin gives one");
        // Environment: case-insensitive for GitHub.
        assert!(
            pin(json!({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml", "environment": "pypi"}))
                .accepts(&cert)
        );
        let e = pin(json!({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml", "environment": "prod"}))
            .check(&cert)
            .unwrap_err();
        assert!(e.contains("PyPI") && e.contains("prod"), "{e}");
        assert!(
            !pin(json!({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml", "environment": "pypi"}))
                .accepts(&github(cfg, &[]))
        );
        // Repository: the source repository claim, exactly.
        assert!(!pin(json!({"kind": "GitHub", "repository": "O/R", "workflow": "release.yml"})).accepts(&cert));
        assert!(!pin(json!({"kind": "GitHub", "repository": "o/r2", "workflow": "release.yml"})).accepts(&cert));
        // Workflow: the file name exactly, not a prefix or another file.
        assert!(!pin(json!({"kind": "GitHub", "repository": "o/r", "workflow": "release"})).accepts(&cert));
        assert!(!pin(json!({"kind": "GitHub", "repository": "o/r", "workflow": "ci.yml"})).accepts(&cert));
        // Issuer: GitHub's only (the V2 claim).
        let mut gl = cert.clone();
        gl.claims.insert("issuer".into(), GITLAB_ISSUER.into());
        assert!(ok.check(&gl).unwrap_err().contains("issuer"));
        // Neither digest nor ref: nothing to anchor the workflow's ref to.
        let mut bare = cert.clone();
        bare.claims.remove("source_repository_digest");
        bare.claims.remove("source_repository_ref");
        assert!(!ok.accepts(&bare));
        // The source repository claim and the build config URI must name the same repository.
        let mut moved = cert.clone();
        moved.claims.insert("source_repository_uri".into(), "https://github.com/o/r2".into());
        assert!(!ok.accepts(&moved));
        assert_eq!(derive(&moved).kind(), "Other");
    }

    #[test]
    fn gitlab_rules() {
        let cfg = format!("https://gitlab.com/g/sub/p//ci/release.yml@{SHA}");
        let cert = id(
            GITLAB_ISSUER,
            (SanKind::Uri, "https://gitlab.com/g/sub/p//ci/release.yml@refs/heads/main"),
            &[
                ("source_repository_uri", "https://gitlab.com/g/sub/p"),
                ("source_repository_digest", SHA),
                ("source_repository_ref", "refs/heads/main"),
                ("build_config_uri", &cfg),
                ("deployment_environment", "Release"),
            ],
        );
        let p = derive(&cert);
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"kind": "GitLab", "repository": "g/sub/p", "workflow_filepath": "ci/release.yml", "environment": "Release"})
        );
        assert!(p.accepts(&cert));
        let base = json!({"kind": "GitLab", "repository": "g/sub/p", "workflow_filepath": "ci/release.yml"});
        assert!(pin(base.clone()).accepts(&cert));
        let mut env = base.clone();
        env["environment"] = json!("release");
        assert!(!pin(env).accepts(&cert), "GitLab environments compare exactly");
        let mut other = base.clone();
        other["workflow_filepath"] = json!("release.yml");
        assert!(!pin(other).accepts(&cert));
        // GitLab needs both the digest and the ref.
        let mut no_ref = cert.clone();
        no_ref.claims.remove("source_repository_ref");
        assert!(!pin(base.clone()).accepts(&no_ref));
        assert_eq!(derive(&no_ref).kind(), "Other");
        // A GitHub pin never accepts a GitLab certificate of the same path.
        assert!(!pin(json!({"kind": "GitHub", "repository": "g/sub/p", "workflow": "release.yml"})).accepts(&cert));
    }

    #[test]
    fn google_and_other() {
        let g = id(GOOGLE_ISSUER, (SanKind::Email, "svc@proj.iam.gserviceaccount.com"), &[]);
        let p = derive(&g);
        assert_eq!(p, Publisher::Google { email: "svc@proj.iam.gserviceaccount.com".into() });
        assert!(p.accepts(&g));
        assert!(!pin(json!({"kind": "Google", "email": "other@proj.iam.gserviceaccount.com"})).accepts(&g));
        let mail = id("https://github.com/login/oauth", (SanKind::Email, "a@example.com"), &[]);
        let p = derive(&mail);
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"kind": "Other", "issuer": "https://github.com/login/oauth", "san": "a@example.com"})
        );
        assert!(p.accepts(&mail));
        // The same address from another issuer is someone else.
        assert!(!p.accepts(&id(GOOGLE_ISSUER, (SanKind::Email, "a@example.com"), &[])));
        assert!(!pin(json!({"kind": "Google", "email": "a@example.com"})).accepts(&mail));
    }

    #[test]
    fn v1_only_github_certificates_use_the_same_rule_on_their_claims() {
        let san = "https://github.com/o/r/.github/workflows/publish.yml@refs/tags/v1";
        let mut cert = id(
            GITHUB_ISSUER,
            (SanKind::Uri, san),
            &[
                ("issuer_v1", GITHUB_ISSUER),
                ("github_workflow_repository", "o/r"),
                ("github_workflow_ref", "refs/tags/v1"),
            ],
        );
        cert.claims.remove("issuer");
        let p = derive(&cert);
        assert_eq!(
            p,
            Publisher::GitHub { repository: "o/r".into(), workflow: "publish.yml".into(), environment: None }
        );
        assert!(p.accepts(&cert));
        assert!(!pin(json!({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml"})).accepts(&cert));
        assert!(!pin(json!({"kind": "GitHub", "repository": "o/r2", "workflow": "publish.yml"})).accepts(&cert));
        assert!(
            !pin(json!({"kind": "GitHub", "repository": "o/r", "workflow": "publish.yml", "environment": "e"}))
                .accepts(&cert)
        );
        // A reusable workflow of another repository: the SAN is not the repository's workflow.
        cert.sans[0].value = "https://github.com/x/y/.github/workflows/publish.yml@refs/tags/v1".into();
        assert_eq!(derive(&cert).kind(), "Other");
        assert!(!p.accepts(&cert));
        // With a V2 issuer claim the V1 rule never applies.
        cert.sans[0].value = san.into();
        cert.claims.insert("issuer".into(), GITHUB_ISSUER.into());
        assert_eq!(derive(&cert).kind(), "Other");
        assert!(!p.accepts(&cert));
    }

    #[test]
    fn pins_parse_strictly() {
        let bad = |v: Value, at: &str| {
            let e = Publisher::from_value(&v, "p").unwrap_err();
            assert_eq!(e.status, crate::Status::PolicyInvalid, "{v}");
            assert_eq!(e.field.as_deref(), Some(at), "{v}: {e}");
        };
        bad(json!({"kind": "Bitbucket", "repository": "x"}), "p.kind");
        bad(json!({"kind": "ActiveState", "organization": "x"}), "p.kind");
        bad(json!({"repository": "o/r", "workflow": "w"}), "p.kind");
        bad(json!({"kind": "GitHub", "repository": "o/r"}), "p.workflow");
        bad(json!({"kind": "GitHub", "repository": "o/r", "workflow": ""}), "p.workflow");
        bad(
            json!({"kind": "GitHub", "repository": "o/r", "workflow": "w", "workflow_filepath": "x"}),
            "p.workflow_filepath",
        );
        bad(json!({"kind": "Google", "email": 1}), "p.email");
        bad(json!({"kind": "Other", "san": "s"}), "p.issuer");
        bad(json!("GitHub"), "p");
        let p = pin(json!({"kind": "GitHub", "repository": "o/r", "workflow": "w", "environment": null}));
        assert_eq!(p, Publisher::GitHub { repository: "o/r".into(), workflow: "w".into(), environment: None });
    }

    #[test]
    fn derived_publishers_round_trip_through_json() {
        for p in [
            Publisher::GitHub { repository: "o/r".into(), workflow: "w.yml".into(), environment: Some("e".into()) },
            Publisher::GitLab {
                repository: "g/p".into(),
                workflow_filepath: ".gitlab-ci.yml".into(),
                environment: None,
            },
            Publisher::Google { email: "e@x".into() },
            Publisher::Other { issuer: "https://i".into(), san: "s".into() },
        ] {
            assert_eq!(pin(serde_json::to_value(&p).unwrap()), p);
        }
    }
}
