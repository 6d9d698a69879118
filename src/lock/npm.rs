//! npm's `package-lock.json` (and `npm-shrinkwrap.json`), lockfileVersion 2 and 3: every package
//! of the `packages` map, pinned by its `integrity` (sha512), from its registry.
//!
//! Field names are npm's: <https://docs.npmjs.com/cli/v11/configuring-npm/package-lock-json>
//! (`lockfileVersion`, `packages` keyed by folder path, `""` the root, `version`, `resolved`,
//! `integrity`, `link`, `inBundle`, `name` for aliases). Version 1 has no `packages` map: refused,
//! with the way out (`npm install --lockfile-version 3`).

use super::npmrc::Registries;
use super::{Entry, Source};
use crate::error::{self, Result};
use crate::limits;
use base64::Engine;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Doc {
    lockfile_version: u64,
    packages: Option<BTreeMap<String, Package>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    name: Option<String>,
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    in_bundle: bool,
}

/// The entries of a package-lock.json.
pub fn parse(text: &str, regs: &Registries) -> Result<Vec<Entry>> {
    let doc: Doc = serde_json::from_str(text)
        .map_err(|e| error::lock_invalid(format!("expected an npm package-lock.json; found a JSON error: {e}")))?;
    if !matches!(doc.lockfile_version, 2 | 3) {
        return Err(error::lock_invalid(format!(
            "expected lockfileVersion 2 or 3; found {} (version 1 has no `packages` map: run \
             `npm install --lockfile-version 3` to rewrite it)",
            doc.lockfile_version
        ))
        .at("lockfileVersion"));
    }
    // npm writes `packages` (with the root `""`) into every version 2 and 3 lock. Without it, npm
    // falls back to a version 2 lock's `dependencies` (the version 1 section, which this reader
    // does not verify) and installs from there: no `packages` is an error, never zero entries.
    let Some(packages) = doc.packages else {
        return Err(error::lock_invalid(format!(
            "expected a `packages` map in a lockfileVersion {} lock; found none (npm would install from              `dependencies`, which is not verified: run `npm install --lockfile-version 3` to rewrite it)",
            doc.lockfile_version
        ))
        .at("packages"));
    };
    if packages.len() > limits::MAX_LOCK_ENTRIES {
        return Err(limits::exceeded("lockfile entries", limits::MAX_LOCK_ENTRIES, packages.len()));
    }
    let mut out = Vec::with_capacity(packages.len());
    for (key, p) in &packages {
        if key.is_empty() {
            continue; // the project itself
        }
        let at = |e: crate::Error| super::within(e, &format!("packages[{key:?}]"));
        // The folder's package name is what follows its last `node_modules/`; an alias keeps the
        // real name in `name`. A key without `node_modules/` is a workspace folder.
        let folder_name = key.rsplit_once("node_modules/").map(|(_, n)| n);
        let name = p.name.as_deref().or(folder_name).unwrap_or(key).to_owned();
        let version = p.version.clone();
        let source = if folder_name.is_none() {
            Source::Local { what: format!("workspace folder {key}") }
        } else if p.link {
            Source::Local { what: format!("a link to {}", p.resolved.as_deref().unwrap_or("a local folder")) }
        } else if p.in_bundle && bundled_by_a_package(key, &packages) {
            Source::Local { what: "bundled inside its parent's tarball (pinned by the parent's integrity)".into() }
        } else {
            registry_source(&name, version.as_deref(), p.resolved.as_deref(), p.integrity.as_deref(), regs)
                .map_err(at)?
        };
        out.push(Entry { name, version, file: None, source, publishers: Vec::new() });
    }
    Ok(out)
}

/// Whether an `inBundle` entry sits in the `node_modules` of a package the lock names (the parent
/// whose tarball carries it and whose integrity pins it). The flag alone is the lock's word: a
/// top-level entry (the root's bundled dependencies are fetched like any other) or one under no
/// locked package is fetched from the registry by npm, so it is verified as such.
fn bundled_by_a_package(key: &str, packages: &BTreeMap<String, Package>) -> bool {
    key.rsplit_once("/node_modules/")
        .is_some_and(|(parent, _)| parent.contains("node_modules/") && packages.contains_key(parent))
}

/// What an npm lock entry pins, from its `resolved` URL (or tarball) and `integrity`. Shared with
/// pnpm-lock.yaml.
pub(crate) fn registry_source(
    name: &str,
    version: Option<&str>,
    resolved: Option<&str>,
    integrity: Option<&str>,
    regs: &Registries,
) -> Result<Source> {
    let tarball = match resolved {
        None => None,
        Some(r) if r.starts_with("file:") || r.starts_with("link:") || r.starts_with('.') || r.starts_with('/') => {
            return Ok(Source::Local { what: format!("local files ({r})") });
        }
        Some(r) if r.starts_with("http://") || r.starts_with("https://") => Some(tarball_url(r)?),
        Some(r) => {
            return Ok(Source::Unverifiable {
                why: format!("not a registry tarball ({r}): no registry vouches for it"),
            });
        }
    };
    let Some(version) = version else {
        return Ok(Source::Unverifiable { why: "the lock gives no version".into() });
    };
    // Both go into the attestations URL's path: nothing but what npm allows in them.
    check_name(name)?;
    check_version(version)?;
    let Some(sha512) = integrity.and_then(sri_sha512).transpose()? else {
        return Ok(Source::Unverifiable {
            why: format!("the lock pins no sha512 integrity ({integrity:?}); npm attestations sign sha512"),
        });
    };
    Ok(Source::Registry { registry: regs.for_name(name).to_owned(), tarball, sha512 })
}

/// A tarball URL, checked: http(s), a host, no credentials (a lock must not carry them).
fn tarball_url(r: &str) -> Result<String> {
    let u = url::Url::parse(r).map_err(|e| {
        error::lock_invalid(format!("expected `resolved` to be a URL; found {r:?} ({e})")).at("resolved")
    })?;
    if u.host_str().is_none() || !u.username().is_empty() || u.password().is_some() {
        return Err(error::lock_invalid(format!("expected a tarball URL with a host and no credentials; found {r:?}"))
            .at("resolved"));
    }
    Ok(u.to_string())
}

/// The sha512 of a Subresource Integrity string (`sha512-<base64>`, several space-separated
/// hashes allowed: <https://www.w3.org/TR/SRI/#the-integrity-attribute>), as lower-case hex.
///
/// npm and pnpm check a tarball with ssri, which accepts it when it matches ANY hash of the
/// strongest algorithm the string names (ssri `Integrity.match`): two different sha512 hashes
/// would pin two tarballs while only one is verified, so they are refused, not picked from.
fn sri_sha512(sri: &str) -> Option<Result<String>> {
    let bad = |what: &str| error::lock_invalid(format!("expected {what}; found {sri:?}")).at("integrity");
    let mut found: Option<String> = None;
    for b64 in sri.split_ascii_whitespace().filter_map(|h| h.strip_prefix("sha512-")) {
        let b64 = b64.split('?').next().unwrap_or(b64); // SRI options follow a `?`
        let hex: String = match base64::engine::general_purpose::STANDARD.decode(b64) {
            Ok(d) if d.len() == 64 => d.iter().map(|b| format!("{b:02x}")).collect(),
            _ => return Some(Err(bad("a sha512 integrity of 64 bytes"))),
        };
        match &found {
            Some(f) if *f != hex => {
                return Some(Err(bad("one sha512 integrity (an installer accepts a tarball matching any of them)")));
            }
            _ => found = Some(hex),
        }
    }
    found.map(Ok)
}

/// An npm package name as it may appear in a registry URL path: `name` or `@scope/name`, of the
/// characters npm has ever allowed (upper case only in old packages), no `.`/`..` segment.
pub(crate) fn check_name(name: &str) -> Result<()> {
    let ok_part = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
    };
    let ok = name.len() <= 214
        && match name.strip_prefix('@') {
            Some(rest) => rest.split_once('/').is_some_and(|(s, n)| ok_part(s) && ok_part(n)),
            None => ok_part(name),
        };
    if ok {
        Ok(())
    } else {
        Err(error::lock_invalid(format!("expected an npm package name (`name` or `@scope/name`); found {name:?}")))
    }
}

/// A version as it may appear in a registry URL path (semver characters only).
pub(crate) fn check_version(v: &str) -> Result<()> {
    if !v.is_empty()
        && v.len() <= 256
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
    {
        Ok(())
    } else {
        Err(error::lock_invalid(format!("expected a semver version; found {v:?}")).at("version"))
    }
}
