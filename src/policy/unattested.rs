//! A file with no attestation at all (an index that serves none, a direct URL, a git dependency):
//! may it be installed with a warning, or does something ask for provenance of its package? The
//! one rule every door uses (verify-lock, the pip and npm gates through C, Python and Node).
//!
//! Such a file is never verified, so it may pass only where an attested file would not have been
//! held to more: taking the provenance away must never do better than offering it. The voices
//! that ask, each named in the refusal:
//! - `domains.mode` `require` (a signed domain is asked of every file);
//! - top-level `identities`, `publishers`, `keys` (signers asked of every package) and `min_age`
//!   (only a verified signing time can show a file is old enough; an index's upload date is not
//!   one);
//! - a `packages` entry naming the package (its signers, sources such as a lock, or `min_age`);
//! - a publisher map (`publishers_from`) that governs the index the file came from (that index, or
//!   a mirror `domains.mirrors` allows for it: the verifier's own rule, [`super::signers::governs`])
//!   and names publishers for the package: the index says the project publishes with attestations,
//!   so a file without them is a downgrade. A file no index listed (`index_domain` `None`) is
//!   governed by every map. A map the cache never searched for the package cannot say it makes
//!   no claim: `TUF_MISSING`, as for an attested file;
//! - a map that makes no claim (or governs another index) asks nothing by itself;
//! - `first_sight` off, when no voice above speaks for the package: the policy then accepts no
//!   signer for it, so an attested file of it would be refused, and one without provenance may not
//!   do better (a policy pinning `packages` for some packages only, or with a map that makes no
//!   claim, installs the others without provenance only with `first_sight` on).

use super::signers::{governs, package_pin};
use super::{Mode, Policy};
use crate::domain::{self, Domain};
use crate::error::{self, Result};
use crate::limits;
use crate::publisher::Publisher;
use crate::subject::{self, Ecosystem, PackageRef};
use crate::trust::publisher_map::Lookup;

/// One voice asking for provenance: the policy path it sits at, and what it said.
struct Ask {
    path: String,
    said: String,
}

impl Policy {
    /// Judges a file that has no attestation: `Ok(warnings)` when nothing asks for provenance of
    /// its package from `index_domain` (the caller installs it and shows the warnings), otherwise
    /// `ATTESTATION_MISSING` naming every voice that asks and what it said (see the module's
    /// documentation for the voices).
    ///
    /// `name` is read as [`Policy::verify`] reads an artifact name (a wheel or sdist file name, an
    /// npm tarball name or purl, a conda file), or else as a bare PyPI project name (`attrs`); give
    /// npm packages as a purl (`pkg:npm/%40scope/name@1.0.0`). Every reading of an ambiguous name
    /// counts, and a name read as no package is taken as named by every `packages` entry and map.
    /// `index_domain` is where the file was fetched from; `None` for a file no index listed (a
    /// direct URL), which every map governs.
    ///
    /// Other statuses: `LIMIT_EXCEEDED` (a name longer than
    /// [`MAX_NAME_LEN`](crate::limits::MAX_NAME_LEN)), `DOMAIN_INVALID` (an `index_domain` that
    /// does not normalise), `TUF_MISSING` (a governing map never searched for the package),
    /// `POLICY_INVALID` (two `packages` entries name the package).
    pub fn judge_unattested(&self, name: &str, index_domain: Option<&str>) -> Result<Vec<String>> {
        limits::check("artifact name length in bytes", limits::MAX_NAME_LEN, name.len()).map_err(|e| e.at("name"))?;
        let index = match (self.domains.mode, index_domain) {
            (Mode::Ignore, _) | (_, None) => None,
            (_, Some(s)) => Some(domain::normalize(s).map_err(|e| e.at("index_domain"))?),
        };
        let pkgs = readings(name);
        let what = match pkgs.as_slice() {
            [] => format!("{name:?} (read as no package)"),
            [one] => one.name.clone(),
            many => {
                let v: Vec<&str> = many.iter().take(4).map(|p| p.name.as_str()).collect();
                format!("{name:?} (read as {})", v.join(" or "))
            }
        };
        let mut asks = Vec::new();
        let mut notes = Vec::new();
        self.policy_asks(&pkgs, &mut asks)?;
        self.maps_ask(&pkgs, index.as_ref(), &mut asks, &mut notes)?;
        if asks.is_empty() && !self.first_sight {
            // No voice names a signer for the package, so without first sight an attested file of
            // it would be refused: one without provenance may not do better.
            asks.push(Ask {
                path: "first_sight".into(),
                said: format!(
                    "first_sight is off and no source names a signer for {what} (no identities, publishers or \
                     keys, no packages entry{}), so an attested file of it would be refused and one without \
                     provenance may not do better (set first_sight to install it with a warning)",
                    if self.maps.is_empty() { "" } else { ", no publisher map claims it" }
                ),
            });
        }
        let from = match (&index, index_domain) {
            (Some(f), _) => format!("fetched from {f}"),
            (None, Some(s)) => format!("fetched from {s}"),
            (None, None) => "listed by no index".to_owned(),
        };
        if let Some(first) = asks.first() {
            let field = first.path.clone();
            let said: Vec<String> = asks.iter().map(|a| format!("{} ({})", a.said, a.path)).collect();
            return Err(error::attestation_missing(format!(
                "expected an attestation for {what}, {from}, since {} voice(s) ask for provenance of it: {}; \
                 found none",
                asks.len(),
                said.join("; ")
            ))
            .at(field));
        }
        let mut warnings = vec![format!(
            "{what}, {from}, has no attestation and is installed WITHOUT provenance: nothing asks for it \
             (domains.mode {:?}, no identities, publishers, keys or min_age, no packages entry{})",
            self.domains.mode.as_str(),
            if self.maps.is_empty() { "" } else { ", no publisher map claims it" }
        )];
        warnings.extend(notes);
        Ok(warnings)
    }

    /// The policy's own voices: its mode, its top-level signer rules and `min_age`, and the
    /// `packages` entry for the package.
    fn policy_asks(&self, pkgs: &[PackageRef], asks: &mut Vec<Ask>) -> Result<()> {
        let mut ask = |path: &str, said: String| asks.push(Ask { path: path.to_owned(), said });
        if self.domains.mode == Mode::Require {
            ask("domains.mode", "domains.mode \"require\" asks every file for a signed domain".into());
        }
        if !self.identities.is_empty() {
            ask("identities", format!("identities names {} signer(s) for every package", self.identities.len()));
        }
        if !self.publishers.is_empty() {
            ask("publishers", format!("publishers pins {} for every package", list(&self.publishers)));
        }
        if !self.keys.is_empty() {
            ask("keys", format!("keys names {} signing key(s)", self.keys.len()));
        }
        if let Some(a) = &self.min_age {
            ask(
                "min_age",
                format!("min_age {} asks for a verified signing time, which only an attestation gives", a.text),
            );
        }
        if pkgs.is_empty() {
            if !self.packages.is_empty() {
                ask(
                    "packages",
                    format!(
                        "packages has {} entries, and a name read as no package may be any of them",
                        self.packages.len()
                    ),
                );
            }
            return Ok(());
        }
        for pkg in pkgs {
            let Some(pin) = package_pin(self, Some(pkg))? else { continue };
            let mut parts = Vec::new();
            if !pin.identities.is_empty() {
                parts.push(format!("{} identities", pin.identities.len()));
            }
            if !pin.publishers.is_empty() {
                parts.push(format!("publishers {}", list(&pin.publishers)));
            }
            for s in &pin.sources {
                parts.push(format!("{} pins {}", s.source, list(&s.publishers)));
            }
            if let Some(a) = &pin.min_age {
                parts.push(format!("min_age {}", a.text));
            }
            if parts.is_empty() {
                parts.push("an entry".into());
            }
            ask(&format!("packages[{:?}]", pin.name), format!("packages[{:?}] names {}", pin.name, parts.join(", ")));
        }
        Ok(())
    }

    /// The publisher maps' voices (see the module's documentation).
    fn maps_ask(
        &self,
        pkgs: &[PackageRef],
        index: Option<&Domain>,
        asks: &mut Vec<Ask>,
        notes: &mut Vec<String>,
    ) -> Result<()> {
        for (i, m) in self.maps.iter().enumerate() {
            let at = format!("publishers_from[{i}]");
            if let Some(f) = index.filter(|f| !governs(self, m.index(), f)) {
                notes.push(format!(
                    "{} governs only files fetched from {} or a mirror domains.mirrors allows for it, not from {f}",
                    m.describe(),
                    m.index()
                ));
                continue;
            }
            if pkgs.is_empty() {
                asks.push(Ask {
                    path: at,
                    said: format!("{} cannot be asked about a name read as no package", m.describe()),
                });
                continue;
            }
            for pkg in pkgs {
                match m.lookup(&pkg.name) {
                    Lookup::Claim(e) => {
                        asks.push(Ask {
                            path: at.clone(),
                            said: format!(
                                "the publisher map of {} names its publisher(s) for {}: {} (target {}, role {}, \
                                 sha256 {}; read from {}), so a file without provenance is a downgrade",
                                m.index(),
                                pkg.name,
                                list(&e.publishers),
                                e.target,
                                e.role,
                                e.sha256,
                                m.describe()
                            ),
                        });
                    }
                    Lookup::NoClaim => notes.push(format!("{} makes no claim about {}", m.describe(), pkg.name)),
                    Lookup::NotSearched => return Err(m.not_searched(&pkg.name).at(at)),
                }
            }
        }
        Ok(())
    }
}

/// Every package `name` could name: its readings as an artifact name, else a bare PyPI project
/// name. A valid project name is ASCII letters, digits, `.`, `_` and `-`, starting and ending with
/// a letter or digit ("Names and normalization",
/// https://packaging.python.org/en/latest/specifications/name-normalization/), compared PEP 503
/// normalised.
fn readings(name: &str) -> Vec<PackageRef> {
    let r = subject::readings(name);
    if !r.is_empty() {
        return r;
    }
    let b = name.as_bytes();
    let edge = |c: Option<&u8>| c.is_some_and(u8::is_ascii_alphanumeric);
    let ok = edge(b.first())
        && edge(b.last())
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
    if !ok {
        return Vec::new();
    }
    let n = subject::canonicalize_pypi_name(name);
    vec![PackageRef { ecosystem: Ecosystem::Pypi, canonical: n.clone(), name: n, version: String::new() }]
}

fn list(ps: &[Publisher]) -> String {
    let v: Vec<String> = ps.iter().take(4).map(ToString::to_string).collect();
    let more = if ps.len() > 4 { format!(" and {} more", ps.len() - 4) } else { String::new() };
    format!("{}{more}", v.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;
    use serde_json::{Value, json};

    const WHEEL: &str = "attrs-24.1.0-py3-none-any.whl";
    const GH: &str = r#"{"kind": "GitHub", "repository": "o/r", "workflow": "release.yml"}"#;

    /// A policy that asks nothing by default: `warn` mode, `first_sight`, plus `extra`.
    fn policy(extra: Value) -> Policy {
        let mut base = json!({"version": 1, "first_sight": true, "domains": {"mode": "warn"}});
        for (k, v) in extra.as_object().unwrap() {
            base[k] = v.clone();
        }
        Policy::from_json(base.to_string().as_bytes(), None).unwrap_or_else(|e| panic!("{e}"))
    }

    fn refused(p: &Policy, name: &str, field: &str, words: &str) {
        let e = p.judge_unattested(name, Some("pypi.org")).expect_err(words);
        assert_eq!(e.status, Status::AttestationMissing, "{e}");
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
        assert!(e.message.contains(words), "expected {words:?} in: {e}");
    }

    #[test]
    fn nothing_asked_passes_with_a_warning() {
        let p = policy(json!({}));
        let w = p.judge_unattested(WHEEL, Some("https://pypi.org/")).unwrap();
        assert!(w[0].contains("attrs, fetched from pypi.org, has no attestation") && w[0].contains("WITHOUT"), "{w:?}");
        assert!(p.judge_unattested("attrs", None).unwrap()[0].contains("listed by no index"));
        // Pins for other packages ask nothing of this one.
        let p = policy(json!({"packages": {"requests": {"publishers": [serde_json::from_str::<Value>(GH).unwrap()]}}}));
        assert!(p.judge_unattested(WHEEL, Some("pypi.org")).is_ok());
    }

    #[test]
    fn every_policy_voice_that_asks_is_named() {
        let gh: Value = serde_json::from_str(GH).unwrap();
        refused(&policy(json!({"domains": {"mode": "require"}})), WHEEL, "domains.mode", "domains.mode \"require\"");
        refused(
            &policy(json!({"identities": [{"issuer": "https://x.example", "san": "a@x.example"}]})),
            WHEEL,
            "identities",
            "identities names 1 signer(s)",
        );
        refused(&policy(json!({"publishers": [gh.clone()]})), WHEEL, "publishers", "o/r");
        refused(&policy(json!({"min_age": "3d"})), WHEEL, "min_age", "min_age 3d asks for a verified signing time");
        refused(&policy(json!({"packages": {"Attrs": {"min_age": "0d"}}})), WHEEL, "packages[\"Attrs\"]", "min_age 0d");
        // A bare project name is read as PyPI's, normalised.
        refused(&policy(json!({"packages": {"attrs": {"publishers": [gh]}}})), "Attrs", "packages[\"attrs\"]", "o/r");
        // A name read as no package may be any pinned package.
        refused(
            &policy(json!({"packages": {"attrs": {"min_age": "1d"}}})),
            "not a name!",
            "packages",
            "read as no package",
        );
        // Several voices: each is named.
        let e = policy(json!({"domains": {"mode": "require"}, "min_age": "1d"}))
            .judge_unattested(WHEEL, Some("pypi.org"))
            .unwrap_err();
        assert!(
            e.message.contains("2 voice(s)") && e.message.contains("(domains.mode)") && e.message.contains("(min_age)"),
            "{e}"
        );
    }

    #[test]
    fn hostile_arguments_are_refused_not_judged() {
        let p = policy(json!({}));
        let long = "a".repeat(limits::MAX_NAME_LEN + 1);
        assert_eq!(p.judge_unattested(&long, Some("pypi.org")).unwrap_err().status, Status::LimitExceeded);
        assert_eq!(p.judge_unattested(WHEEL, Some("*.pypi.org")).unwrap_err().status, Status::DomainInvalid);
    }
}
