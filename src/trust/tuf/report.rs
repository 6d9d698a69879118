//! What an update did and what the cache holds: versions, expiries, targets and their digests.

use crate::error::{self, Result};
use serde::{Deserialize, Serialize};

/// The state of one repository's cache, as `update` left it or `status` found it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Report {
    /// Short repository name (`public-good`, `staging`, `custom-<hash>`).
    pub repository: String,
    /// Where the metadata came from.
    pub url: String,
    /// The repository's cache folder.
    pub cache: String,
    /// When this state was verified (RFC 3339).
    pub verified_at: String,
    /// Whether expiry was enforced when it was verified.
    pub expiry_enforced: bool,
    /// Top-level roles (root, timestamp, snapshot, targets) then delegated roles.
    pub roles: Vec<RoleReport>,
    /// Every verified target.
    pub targets: Vec<TargetReport>,
    /// What this update changed against the previous cache (empty for `status`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    /// Target names TUF's search was run for through hashed bins (publisher map entries), found
    /// or not, most recently asked for first: `trust update --packages` adds to them, later
    /// updates keep them, up to `limits::MAX_TUF_MAP_NAMES` (the least recently asked for are
    /// dropped first). A name not listed here was not looked for, so its absence from `targets`
    /// says nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asked: Vec<String>,
}

/// One role's metadata.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RoleReport {
    /// `root`, `timestamp`, `snapshot`, `targets` or a delegated role's name.
    pub role: String,
    /// Metadata version.
    pub version: u64,
    /// Expiry (RFC 3339).
    pub expires: String,
    /// Whether it had expired when the report was made (`status` recomputes it).
    #[serde(default)]
    pub expired: bool,
}

/// One verified target.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TargetReport {
    /// Target name (`trusted_root.json`, `registry.npmjs.org/keys.json`).
    pub name: String,
    /// Length in bytes.
    pub length: u64,
    /// SHA-256, lower-case hex.
    pub sha256: String,
    /// The role whose signed metadata TUF's search found it in: `targets` or a delegated role's
    /// name (which the delegating role chose, so it proves nothing about a domain).
    pub role: String,
    /// The domain this target speaks for: the name of the top-level delegation it was found
    /// through, when that name is the target's first path segment (`registry.npmjs.org` for
    /// `registry.npmjs.org/keys.json`) and the delegation's `paths` cover it. `None` for a target
    /// of top-level targets, or one no such delegation covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
}

impl Report {
    /// Marks each role expired or not at `now` (Unix seconds).
    pub(crate) fn mark_expired(&mut self, now: i64) {
        for r in &mut self.roles {
            r.expired = crate::time::parse_rfc3339(&r.expires).is_none_or(|t| t <= now);
        }
    }

    /// Fails closed with `TUF_EXPIRED` naming the first expired role, when and how to update.
    pub(crate) fn check_fresh(&self, now: i64, how_to_update: &str) -> Result<()> {
        for r in &self.roles {
            let t = crate::time::parse_rfc3339(&r.expires);
            if t.is_none_or(|t| t <= now) {
                return Err(error::tuf_expired(format!(
                    "the cached TUF {} metadata (version {}) of {} expired at {}, before {}; run `domainsig trust update --repo {how_to_update}`",
                    r.role,
                    r.version,
                    self.repository,
                    r.expires,
                    crate::time::format_rfc3339(now),
                )));
            }
        }
        Ok(())
    }

    /// The target named `name`.
    pub fn target(&self, name: &str) -> Option<&TargetReport> {
        self.targets.iter().find(|t| t.name == name)
    }
}
