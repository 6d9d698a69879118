//! `pnpm-lock.yaml`, lockfileVersion 9: every package of the `packages` map, pinned by its
//! `resolution.integrity` (sha512), from its registry.
//!
//! Field names are pnpm's lockfile v9 (<https://github.com/pnpm/spec/blob/master/lockfile/9.0.md>):
//! `lockfileVersion`, `packages` keyed `name@version` (`@scope/name@version`), each with a
//! `resolution` of `integrity` (registry), `tarball` (+ `integrity`), `type: directory` or
//! `type: git`, and a `version` when the key's reference is not one.
//!
//! YAML is parsed by serde_norway (a maintained serde_yaml fork): nesting is bounded (128 levels)
//! and alias expansion is bounded (billion laughs), on top of this crate's byte limit.

use super::npm::registry_source;
use super::npmrc::Registries;
use super::{Entry, Source};
use crate::error::{self, Result};
use crate::limits;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Most YAML documents in one pnpm-lock.yaml (pnpm writes one, or two with an env lockfile first).
const MAX_DOCUMENTS: usize = 4;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Doc {
    lockfile_version: Option<serde_norway::Value>,
    packages: Option<BTreeMap<String, Package>>,
}

#[derive(Deserialize)]
struct Package {
    resolution: Option<Resolution>,
    version: Option<String>,
}

#[derive(Deserialize)]
struct Resolution {
    integrity: Option<String>,
    tarball: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    directory: Option<String>,
    repo: Option<String>,
}

/// The entries of a pnpm-lock.yaml.
pub fn parse(text: &str, regs: &Registries) -> Result<Vec<Entry>> {
    let bad =
        |e: serde_norway::Error| error::lock_invalid(format!("expected a pnpm-lock.yaml; found a YAML error: {e}"));
    let mut out = Vec::new();
    let mut versioned = false;
    for (n, de) in serde_norway::Deserializer::from_str(text).enumerate() {
        if n >= MAX_DOCUMENTS {
            return Err(limits::exceeded("YAML documents in pnpm-lock.yaml", MAX_DOCUMENTS, n + 1));
        }
        let doc = Doc::deserialize(de).map_err(bad)?;
        if let Some(v) = &doc.lockfile_version {
            let s = match v {
                serde_norway::Value::String(s) => s.clone(),
                serde_norway::Value::Number(n) => n.to_string(),
                _ => String::new(),
            };
            if s.split('.').next() != Some("9") {
                return Err(
                    error::lock_invalid(format!("expected lockfileVersion 9.x; found {s:?}")).at("lockfileVersion")
                );
            }
            versioned = true;
        }
        let packages = doc.packages.unwrap_or_default();
        if out.len() + packages.len() > limits::MAX_LOCK_ENTRIES {
            return Err(limits::exceeded("lockfile entries", limits::MAX_LOCK_ENTRIES, out.len() + packages.len()));
        }
        for (key, p) in &packages {
            out.push(entry(key, p, regs).map_err(|e| super::within(e, &format!("packages[{key:?}]")))?);
        }
    }
    if !versioned {
        return Err(
            error::lock_invalid("expected a pnpm-lock.yaml with lockfileVersion 9.x; found none").at("lockfileVersion")
        );
    }
    Ok(out)
}

fn entry(key: &str, p: &Package, regs: &Registries) -> Result<Entry> {
    // `name@ref`: the name may start with `@` (a scope), so the reference follows the last `@`
    // after the first character. A peer suffix `(...)` belongs to `snapshots`, but is cut anyway.
    let key_plain = key.split('(').next().unwrap_or(key);
    let (name, reference) = match key_plain.get(1..).and_then(|k| k.rfind('@')) {
        Some(i) => (&key_plain[..=i], &key_plain[i + 2..]),
        None => return Err(error::lock_invalid(format!("expected a packages key name@version; found {key:?}"))),
    };
    let version = p.version.clone().or_else(|| super::npm::check_version(reference).ok().map(|_| reference.to_owned()));
    let mk =
        |source| Entry { name: name.to_owned(), version: version.clone(), file: None, source, publishers: Vec::new() };
    let Some(r) = &p.resolution else {
        return Ok(mk(Source::Unverifiable { why: "the lock gives no resolution".into() }));
    };
    // Only a key whose own reference is local (`file:`, `link:`) is the user's files: the user's
    // manifest named them. A registry version's resolution is what the registry answered.
    let local_ref = reference.starts_with("file:") || reference.starts_with("link:");
    match r.kind.as_deref() {
        Some("directory") if !local_ref => {
            return Ok(mk(Source::Unverifiable {
                why: format!(
                    "a directory resolution ({}) for a registry version: no registry vouches for it",
                    r.directory.as_deref().unwrap_or("?")
                ),
            }));
        }
        Some("directory") => {
            return Ok(mk(Source::Local { what: format!("directory {}", r.directory.as_deref().unwrap_or("?")) }));
        }
        Some("git") => {
            return Ok(mk(Source::Unverifiable {
                why: format!("a git dependency ({}): no registry vouches for it", r.repo.as_deref().unwrap_or("?")),
            }));
        }
        Some(other) => {
            return Ok(mk(Source::Unverifiable { why: format!("a {other:?} resolution: no registry vouches for it") }));
        }
        None => {}
    }
    // A `tarball:` is the registry's `dist.tarball`, copied, unless the key's reference is local.
    if let Some(t) = r.tarball.as_deref().filter(|t| !local_ref && is_local(t)) {
        return Ok(mk(Source::Unverifiable {
            why: format!("the registry version's tarball is local ({t}): no registry vouches for it"),
        }));
    }
    Ok(mk(registry_source(name, version.as_deref(), r.tarball.as_deref(), r.integrity.as_deref(), regs)?))
}

/// Whether a tarball reference names local files (what `registry_source` lists as the user's).
fn is_local(t: &str) -> bool {
    t.starts_with("file:") || t.starts_with("link:") || t.starts_with('.') || t.starts_with('/')
}
