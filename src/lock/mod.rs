//! Lockfiles: every pinned artifact of a lock, proven signed by the right publisher for the right
//! index, by the digest the lock pins, without downloading the artifact.
//!
//! ```text
//! lock bytes ─► parse (one file per format) ─► entries ─► plan (URLs) ─► host fetches ─► verify
//! ```
//!
//! Parsing and planning are pure: a lockfile is untrusted input (everything an installer copied
//! from an index into it is as hostile as the index), so it is size-bounded here and nesting is
//! bounded by the parsers. The network is the host's ([`Fetcher`]): the CLI's HTTP client, Python's
//! urllib, Node's fetch, or a C callback. The library never opens a socket.
//!
//! The installer then installs exactly what the lock pins and checks each artifact's hash against
//! it (`uv pip install -r pylock.toml`, `npm ci`, `pnpm install --frozen-lockfile`), so a lock whose
//! every pinned hash is bound by a verified signature gates the install without wrapping it.

mod index;
pub mod npm;
pub mod npmrc;
pub mod pnpm;
pub mod pylock;
mod run;
pub mod trustfile;

pub use crate::trust::tuf::{Fetched, Fetcher};
pub use run::{EntryResult, Report, Verdict, verify, verify_parallel};

use crate::error::{self, Result};
use crate::limits;
use serde::Serialize;

/// The `Accept` header a host's fetcher sends for every lock request. One value serves the three
/// kinds of documents asked for: the PEP 691 JSON project page (`application/vnd.pypi.simple.v1+json`,
/// <https://peps.python.org/pep-0691/#version-format-selection>), PyPI's Integrity API
/// (`application/vnd.pypi.integrity.v1+json`, <https://docs.pypi.org/api/integrity/>) and npm's
/// attestations document (plain JSON).
pub const ACCEPT: &str =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.integrity.v1+json, application/json;q=0.9";

/// The index a pylock.toml entry without `packages.index` came from, unless the caller names one.
pub const DEFAULT_INDEX_URL: &str = "https://pypi.org/simple/";
/// The npm registry, unless the caller or an `.npmrc` beside the lock names another.
pub const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// The lockfile formats read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Format {
    /// `pylock.toml` (PEP 751, lock-version 1.x).
    #[serde(rename = "pylock.toml")]
    Pylock,
    /// npm's `package-lock.json` (lockfileVersion 2 or 3) or `npm-shrinkwrap.json`.
    #[serde(rename = "package-lock.json")]
    PackageLock,
    /// `pnpm-lock.yaml` (lockfileVersion 9).
    #[serde(rename = "pnpm-lock.yaml")]
    Pnpm,
}

impl Format {
    /// The format a lockfile's name tells (`pylock.toml`, `pylock.NAME.toml`, `package-lock.json`,
    /// `npm-shrinkwrap.json`, `pnpm-lock.yaml`), or `None`.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        // PEP 751 "File Name": `pylock.toml` or `pylock.<name>.toml`.
        // https://packaging.python.org/en/latest/specifications/pylock-toml/#file-name
        if base == "pylock.toml" || (base.starts_with("pylock.") && base.ends_with(".toml") && base.len() > 12) {
            return Some(Format::Pylock);
        }
        match base {
            "package-lock.json" | "npm-shrinkwrap.json" => Some(Format::PackageLock),
            "pnpm-lock.yaml" => Some(Format::Pnpm),
            _ => None,
        }
    }

    /// The name used in results and messages.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Pylock => "pylock.toml",
            Format::PackageLock => "package-lock.json",
            Format::Pnpm => "pnpm-lock.yaml",
        }
    }
}

/// Where the caller says the lock's artifacts come from, where the lock itself does not say.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// pylock.toml: the index of entries without `packages.index` (default [`DEFAULT_INDEX_URL`]).
    pub index_url: Option<String>,
    /// npm locks: the registry (default [`DEFAULT_REGISTRY`]), as `--registry` gives it.
    pub registry: Option<String>,
    /// npm locks: the text of the `.npmrc` beside the lockfile, if any (`registry=` and
    /// `@scope:registry=` lines are read; see [`npmrc`]).
    pub npmrc: Option<String>,
    /// package-lock.json and npm-shrinkwrap.json: the text of the npm gate's trust file beside
    /// the lockfile ([`trustfile::FILE_NAME`]), if any; its recorded publishers are their
    /// packages' pins. Refused with another lock format (its publishers are pylock.toml's
    /// `attestation-identities`; pnpm has no gate that writes one).
    pub trust_file: Option<String>,
}

/// One locked artifact and what can be verified about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The package name as the lock spells it.
    pub name: String,
    /// The locked version, when the lock gives one.
    pub version: Option<String>,
    /// The artifact's file name (pylock wheels and sdists), when it has one.
    pub file: Option<String>,
    /// What the lock pins, and where its attestation is.
    pub source: Source,
    /// Publisher objects the lock pins for this package (pylock `attestation-identities`, or the
    /// npm trust file's entry for it): each is a PEP 740 publisher object, a JSON object with at
    /// least `kind`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub publishers: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// Where a locked artifact comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A file of a Python package index (PEP 503/691), pinned by sha256.
    Index {
        /// The index's simple API base URL, ending in `/`.
        index: String,
        /// The file's URL, when the lock gives it.
        #[serde(skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        /// The pinned sha256, lower-case hex.
        sha256: String,
    },
    /// An npm registry tarball, pinned by sha512 (`integrity`).
    Registry {
        /// The registry URL the attestations are asked of, ending in `/`.
        registry: String,
        /// The tarball URL the lock names, when it names one: its host is where the installer
        /// fetches from, so it is the entry's index domain.
        #[serde(skip_serializing_if = "Option::is_none")]
        tarball: Option<String>,
        /// The pinned sha512, lower-case hex.
        sha512: String,
    },
    /// The user's own files (`file:`, `link:`, workspace, bundled inside a parent's tarball):
    /// listed, not verified.
    Local {
        /// What it is, in words.
        what: String,
    },
    /// Something no index vouches for (VCS, directory or archive entries without an index, a
    /// registry tarball without a hash): refused unless the policy asks nothing of the package.
    Unverifiable {
        /// Why, in words.
        why: String,
    },
}

/// A parsed lockfile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Lock {
    /// Its format.
    pub format: Format,
    /// Every artifact it pins, in the lock's order.
    pub entries: Vec<Entry>,
}

/// Parses a lockfile. `file_name` tells the format (see [`Format::from_file_name`]); a name that
/// tells none is `LOCK_INVALID`. Over [`limits::MAX_LOCK_BYTES`] bytes or
/// [`limits::MAX_LOCK_ENTRIES`] entries is `LIMIT_EXCEEDED`.
pub fn parse(bytes: &[u8], file_name: &str, opts: &Options) -> Result<Lock> {
    let format = Format::from_file_name(file_name).ok_or_else(|| {
        error::lock_invalid(format!(
            "expected a lockfile named pylock.toml, pylock.<name>.toml, package-lock.json, npm-shrinkwrap.json \
             or pnpm-lock.yaml; found {file_name:?}"
        ))
    })?;
    parse_as(format, bytes, opts)
}

/// As [`parse`], with the format given.
pub fn parse_as(format: Format, bytes: &[u8], opts: &Options) -> Result<Lock> {
    if bytes.len() > limits::MAX_LOCK_BYTES {
        return Err(limits::exceeded("lockfile size in bytes", limits::MAX_LOCK_BYTES, bytes.len()));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| error::lock_invalid(format!("expected a UTF-8 {}; found invalid UTF-8: {e}", format.name())))?;
    if opts.trust_file.is_some() && format != Format::PackageLock {
        return Err(error::lock_invalid(format!(
            "{} is the npm gate's file beside package-lock.json; a {} records no publishers there",
            trustfile::FILE_NAME,
            format.name()
        )));
    }
    let mut entries = match format {
        Format::Pylock => pylock::parse(text, opts.index_url.as_deref().unwrap_or(DEFAULT_INDEX_URL))?,
        Format::PackageLock => npm::parse(text, &npmrc::Registries::new(opts)?)?,
        Format::Pnpm => pnpm::parse(text, &npmrc::Registries::new(opts)?)?,
    };
    if entries.len() > limits::MAX_LOCK_ENTRIES {
        return Err(limits::exceeded("lockfile entries", limits::MAX_LOCK_ENTRIES, entries.len()));
    }
    if let Some(t) = &opts.trust_file {
        trustfile::apply(t, &mut entries)?;
    }
    Ok(Lock { format, entries })
}

/// `e` located inside `prefix` (`packages[3]` + `hashes.sha256` → `packages[3].hashes.sha256`).
pub(crate) fn within(mut e: crate::Error, prefix: &str) -> crate::Error {
    e.field = Some(match e.field.take() {
        Some(f) => format!("{prefix}.{f}"),
        None => prefix.to_owned(),
    });
    e
}

/// `host[:port]` of an http(s) URL (default port dropped), as the pip gate names an index.
pub(crate) fn host_port(u: &url::Url) -> Option<String> {
    let host = u.host_str()?;
    Some(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    })
}

/// An http(s) URL without credentials, query or fragment, ending in `/`: a base to join paths to.
pub(crate) fn base_url(s: &str, what: &str) -> Result<String> {
    let u = url::Url::parse(s)
        .map_err(|e| error::lock_invalid(format!("expected {what} to be a URL; found {s:?} ({e})")))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(error::lock_invalid(format!("expected {what} to be an http(s) URL; found {s:?}")));
    }
    if !u.username().is_empty() || u.password().is_some() || u.query().is_some() || u.fragment().is_some() {
        return Err(error::lock_invalid(format!(
            "expected {what} without credentials, query or fragment; found {s:?}"
        )));
    }
    let mut out = u.to_string();
    if !out.ends_with('/') {
        out.push('/');
    }
    Ok(out)
}

/// Lower-case hex of a digest the lock pins, checked for its algorithm's length.
pub(crate) fn hex_digest(s: &str, len: usize, what: &str) -> Result<String> {
    let h = s.to_ascii_lowercase();
    if h.len() != len || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(error::lock_invalid(format!("expected {what} to be {len} hex digits; found {s:?}")));
    }
    Ok(h)
}

#[cfg(test)]
mod tests;
