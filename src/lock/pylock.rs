//! `pylock.toml` (PEP 751): every package's wheels and sdist, pinned by sha256, each from the
//! package's index.
//!
//! Field names are the specification's:
//! <https://packaging.python.org/en/latest/specifications/pylock-toml/> (`lock-version`,
//! `packages`, `packages.name`, `packages.version`, `packages.index`, `packages.vcs`,
//! `packages.directory`, `packages.archive`, `packages.sdist`, `packages.wheels`, each file's `name`,
//! `url`, `path` and `hashes`, and `[[packages.attestation-identities]]` with its required `kind`).
//! Keys the specification adds later, and `[tool]` tables, are ignored as it asks.

use super::{Entry, Source, base_url, hex_digest};
use crate::error::{self, Result};
use crate::limits;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Doc {
    lock_version: String,
    #[serde(default)]
    packages: Vec<Package>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Package {
    name: String,
    version: Option<String>,
    index: Option<String>,
    vcs: Option<toml::Value>,
    directory: Option<toml::Value>,
    archive: Option<toml::Value>,
    sdist: Option<File>,
    #[serde(default)]
    wheels: Vec<File>,
    #[serde(default)]
    attestation_identities: Vec<BTreeMap<String, toml::Value>>,
}

#[derive(Deserialize)]
struct File {
    name: Option<String>,
    url: Option<String>,
    path: Option<String>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

/// The entries of a pylock.toml; `default_index` serves packages without `packages.index`.
pub fn parse(text: &str, default_index: &str) -> Result<Vec<Entry>> {
    let doc: Doc = toml::from_str(text)
        .map_err(|e| error::lock_invalid(format!("expected a PEP 751 pylock.toml; found a TOML error: {e}")))?;
    // PEP 751 `lock-version`: a tool must refuse a major version it does not support.
    let major = doc.lock_version.split('.').next().unwrap_or("");
    if major != "1" {
        return Err(
            error::lock_invalid(format!("expected lock-version 1.x; found {:?}", doc.lock_version)).at("lock-version")
        );
    }
    let default_index = base_url(default_index, "the index URL")?;
    let mut out = Vec::new();
    for (i, p) in doc.packages.into_iter().enumerate() {
        let at = |e: crate::Error| super::within(e, &format!("packages[{i}]"));
        if p.name.is_empty() || p.name.len() > limits::MAX_NAME_LEN {
            return Err(at(error::lock_invalid(format!("expected a package name; found {:?}", p.name))));
        }
        if p.attestation_identities.len() > limits::MAX_LOCK_PUBLISHERS {
            return Err(at(limits::exceeded(
                "attestation-identities of one package",
                limits::MAX_LOCK_PUBLISHERS,
                p.attestation_identities.len(),
            )));
        }
        let publishers = p
            .attestation_identities
            .iter()
            .enumerate()
            .map(|(j, t)| publisher(t).map_err(|e| at(super::within(e, &format!("attestation-identities[{j}]")))))
            .collect::<Result<Vec<_>>>()?;
        let index = match &p.index {
            Some(ix) => base_url(ix, "packages.index").map_err(at)?,
            None => default_index.clone(),
        };
        let entry = |file: Option<String>, source: Source| Entry {
            name: p.name.clone(),
            version: p.version.clone(),
            file,
            source,
            publishers: publishers.clone(),
        };
        let other = [("vcs", &p.vcs), ("directory", &p.directory), ("archive", &p.archive)]
            .into_iter()
            .find_map(|(k, v)| v.as_ref().map(|_| k));
        if let Some(kind) = other {
            out.push(entry(
                None,
                Source::Unverifiable { why: format!("a {kind} entry: no index serves it, so no index vouches for it") },
            ));
            continue;
        }
        let files = p.sdist.iter().chain(p.wheels.iter());
        let mut any = false;
        for (j, f) in files.enumerate() {
            any = true;
            let (file, source) = file_source(f, &index).map_err(|e| at(super::within(e, &format!("file {j}"))))?;
            out.push(entry(Some(file), source));
        }
        if !any {
            out.push(entry(
                None,
                Source::Unverifiable { why: "the lock names no sdist, wheel, vcs, directory or archive".into() },
            ));
        }
        if out.len() > limits::MAX_LOCK_ENTRIES {
            return Err(limits::exceeded("lockfile entries", limits::MAX_LOCK_ENTRIES, out.len()));
        }
    }
    Ok(out)
}

/// One wheel or sdist: its file name and what it pins.
fn file_source(f: &File, index: &str) -> Result<(String, Source)> {
    // PEP 751: `name` may be left out when it can be taken from `url` or `path`.
    let from = f.url.as_deref().or(f.path.as_deref()).map(|s| s.rsplit('/').next().unwrap_or(s));
    let name = f.name.as_deref().or(from).unwrap_or("");
    if name.is_empty() || name.len() > limits::MAX_NAME_LEN || name.contains(['/', '\\']) || name == ".." {
        return Err(error::lock_invalid(format!("expected a distribution file name; found {name:?}")).at("name"));
    }
    let Some(sha) = f.hashes.get("sha256") else {
        let algs: Vec<&str> = f.hashes.keys().map(String::as_str).collect();
        return Ok((
            name.to_owned(),
            Source::Unverifiable {
                why: format!("the lock pins no sha256 for it (hashes: {algs:?}); attestations sign sha256"),
            },
        ));
    };
    let sha256 = hex_digest(sha, 64, "hashes.sha256").map_err(|e| e.at("hashes.sha256"))?;
    if f.url.is_none() && f.path.is_some() {
        return Ok((
            name.to_owned(),
            Source::Unverifiable { why: "a local file (path only): no index vouches for it".into() },
        ));
    }
    Ok((name.to_owned(), Source::Index { index: index.to_owned(), url: f.url.clone(), sha256 }))
}

/// An `attestation-identities` table as a PEP 740 publisher object: `kind` is required
/// (a string); the other keys are the publisher's (`repository`, `workflow`, `environment`, ...),
/// kept as they are, strings only.
fn publisher(t: &BTreeMap<String, toml::Value>) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut out = serde_json::Map::new();
    for (k, v) in t {
        let toml::Value::String(s) = v else {
            return Err(error::lock_invalid(format!(
                "expected {k:?} of a publisher object to be a string; found a {}",
                v.type_str()
            ))
            .at(k.clone()));
        };
        if s.len() > limits::MAX_NAME_LEN {
            return Err(
                limits::exceeded("publisher field length in bytes", limits::MAX_NAME_LEN, s.len()).at(k.clone())
            );
        }
        out.insert(k.clone(), serde_json::Value::String(s.clone()));
    }
    match out.get("kind") {
        Some(serde_json::Value::String(k)) if !k.is_empty() => {}
        _ => return Err(error::lock_invalid("expected a publisher object with a \"kind\"; found none").at("kind")),
    }
    // The publisher shape and its keys are the library's one definition (src/publisher.rs): a
    // lock's pin is read as strictly as a policy's.
    let value = serde_json::Value::Object(out);
    crate::publisher::Publisher::from_value(&value, "attestation-identities")
        .map_err(|e| crate::Error { status: crate::Status::LockInvalid, ..e })?;
    match value {
        serde_json::Value::Object(o) => Ok(o),
        _ => Err(error::internal("a publisher object stopped being an object")),
    }
}
