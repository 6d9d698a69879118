//! A refresh fetches only what changed: version- and digest-named files come from the live
//! generation instead of the network.
//!
//! With consistent snapshots (TUF 1.0 §7) a repository never changes a file once published under
//! a name: metadata is `VERSION.ROLE.json` and a target is `HASH.NAME`. So when the new timestamp
//! names the snapshot version the cache already holds (or the new snapshot names a targets
//! version it holds, or a target digest), the bytes are the same as the network would serve.
//! python-tuf does the same (`ngclient/updater.py`, `_load_snapshot` and `_load_targets`: "Local
//! snapshot does not exist or is invalid: update from remote"). The cached bytes still go through
//! tough exactly as fetched ones do: signatures against the trusted root, version and hashes
//! against the parent role, expiry, length and digest of targets. Reuse only saves the transfer.
//!
//! Reuse stops for metadata as soon as a new root is fetched in this update: keys may have
//! rotated, and a cached role signed by the old keys would then be refused where the network's
//! copy (re-signed under the same version) verifies. Repositories without consistent snapshots
//! name files by role only, so nothing is reused from them.
//!
//! Each generation keeps, in `reuse/`, the version-named metadata it was built from (fetched or
//! reused), so the next update reads exactly these files and the cache does not grow with them.

use super::cache;
use crate::error::{self, Result};
use crate::limits::{MAX_TUF_FILE_BYTES, MAX_TUF_TARGET_BYTES};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use url::Url;

const DIR: &str = "reuse";
/// Longest file name kept in `reuse/` (NAME_MAX on Linux and macOS).
const MAX_NAME: usize = 255;

/// What the transport may take from the live generation, and what it keeps for the next one.
#[derive(Debug)]
pub(crate) struct Reuse {
    /// The live generation, when it may be reused (consistent snapshots).
    live: Option<PathBuf>,
    /// The repository's metadata URL, ending in `/`.
    base: String,
    new_root: AtomicBool,
    kept: Mutex<BTreeMap<String, Vec<u8>>>,
    /// Files served from the cache in this update.
    pub(crate) served: AtomicUsize,
}

enum Kind<'a> {
    Root,
    /// Version-named metadata: its file name.
    Meta(&'a str),
    /// A target named by its SHA-256: the lower-case hex digest.
    Target(&'a str),
    Other,
}

impl Reuse {
    /// `live` is the generation this update starts from and `trusted_root` its root.json.
    pub(crate) fn new(live: Option<&Path>, base: &Url, trusted_root: Option<&[u8]>) -> Reuse {
        let consistent = trusted_root
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
            .and_then(|v| v["signed"]["consistent_snapshot"].as_bool())
            .unwrap_or(false);
        Reuse {
            live: live.filter(|_| consistent).map(Path::to_owned),
            base: base.as_str().to_owned(),
            new_root: AtomicBool::new(false),
            kept: Mutex::new(BTreeMap::new()),
            served: AtomicUsize::new(0),
        }
    }

    fn kind<'a>(&self, url: &'a Url) -> Kind<'a> {
        let Some(rest) = url.as_str().strip_prefix(self.base.as_str()) else { return Kind::Other };
        if let Some(t) = rest.strip_prefix("targets/") {
            let file = t.rsplit('/').next().unwrap_or(t);
            return match file.split_once('.') {
                Some((h, _))
                    if h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
                {
                    Kind::Target(h)
                }
                _ => Kind::Other,
            };
        }
        // Kept under its URL's name in `reuse/`: a name longer than a file name may be (a
        // delegated role's name has no length limit) is simply not reused.
        if rest.len() > MAX_NAME {
            return Kind::Other;
        }
        let Some((version, role)) = rest.split_once('.') else { return Kind::Other };
        let plain = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) || !plain(role) || role.contains("..") {
            return Kind::Other;
        }
        match role {
            "root.json" => Kind::Root,
            r if r.ends_with(".json") => Kind::Meta(rest),
            _ => Kind::Other,
        }
    }

    /// The cached bytes of `url`, when it names immutable content the live generation holds.
    pub(crate) fn lookup(&self, url: &Url) -> Option<Vec<u8>> {
        let live = self.live.as_ref()?;
        let found = match self.kind(url) {
            Kind::Meta(name) if !self.new_root.load(Ordering::SeqCst) => {
                let b = cache::read_bounded(&live.join(DIR).join(name), MAX_TUF_FILE_BYTES).ok().flatten()?;
                self.keep(name, &b);
                b
            }
            Kind::Target(h) => {
                cache::read_bounded(&live.join("targets").join(h), MAX_TUF_TARGET_BYTES).ok().flatten()?
            }
            _ => return None,
        };
        self.served.fetch_add(1, Ordering::SeqCst);
        Some(found)
    }

    /// Notes what the repository served for `url` (before tough verifies it: only a generation
    /// whose every file verified is published, with what was kept here).
    pub(crate) fn record(&self, url: &Url, bytes: &[u8]) {
        match self.kind(url) {
            Kind::Root => self.new_root.store(true, Ordering::SeqCst),
            Kind::Meta(name) => self.keep(name, bytes),
            _ => {}
        }
    }

    fn keep(&self, name: &str, bytes: &[u8]) {
        if let Ok(mut k) = self.kept.lock() {
            k.insert(name.to_owned(), bytes.to_vec());
        }
    }

    /// Writes the kept metadata into staging generation `generation`.
    pub(crate) fn save(&self, generation: &Path) -> Result<()> {
        let dir = generation.join(DIR);
        std::fs::create_dir_all(&dir).map_err(|e| error::tuf_cache(format!("cannot create {}: {e}", dir.display())))?;
        let kept = self.kept.lock().map_err(|_| error::internal("the reuse record was poisoned"))?;
        for (name, bytes) in kept.iter() {
            cache::write_staged(&dir.join(name), bytes)?;
        }
        Ok(())
    }
}
