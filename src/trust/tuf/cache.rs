//! The on-disk cache of one repository's verified state.
//!
//! Layout of `<cache>/<repo>/`:
//!
//! ```text
//! current            the name of the live generation (replaced by rename: readers see old or new)
//! g-<nanos>-<pid>/   one complete verified state
//!     metadata/      tough's datastore: root.json, timestamp.json, snapshot.json, targets.json, ...
//!     targets/<sha256 hex>   each verified target, named by its digest
//!     report.json    versions, expiries and targets of this state
//! ```
//!
//! An update builds a new generation beside the live one, seeded with the live metadata (so
//! rollback and freeze checks compare against it), and only a fully verified generation is named
//! in `current`. A refused or killed update never touches `current` or the live generation, and
//! its staging folder is removed. Two concurrent updates each publish a complete generation;
//! the last rename wins. Generations other than the live one are removed once ten minutes old,
//! so a reader that resolved `current` just before a swap still finds its files.

use crate::error::{self, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const CURRENT: &str = "current";
const GRACE: Duration = Duration::from_secs(600);

/// Reads a file of at most `max` bytes; `None` when it does not exist.
pub(crate) fn read_bounded(p: &Path, max: u64) -> Result<Option<Vec<u8>>> {
    let f = match std::fs::File::open(p) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(error::tuf_cache(format!("cannot read {}: {e}", p.display()))),
    };
    let mut out = Vec::new();
    f.take(max + 1).read_to_end(&mut out).map_err(|e| error::tuf_cache(format!("cannot read {}: {e}", p.display())))?;
    if out.len() as u64 > max {
        return Err(crate::limits::exceeded(&format!("size in bytes of {}", p.display()), max as usize, out.len()));
    }
    Ok(Some(out))
}

/// Writes `bytes` to `p` through a temporary file in the same folder and a rename.
pub(crate) fn write_atomic(p: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e: std::io::Error| error::tuf_cache(format!("cannot write {}: {e}", p.display()));
    let dir = p.parent().ok_or_else(|| error::tuf_cache(format!("{} has no parent folder", p.display())))?;
    let tmp = dir.join(format!(".{}.tmp-{}", unique(), std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    let done = f.write_all(bytes).and_then(|()| f.sync_all()).and_then(|()| std::fs::rename(&tmp, p));
    if let Err(e) = done {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

fn unique() -> String {
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{nanos:x}")
}

/// The live generation's folder, if the repository has been updated at least once.
pub(crate) fn live(repo_dir: &Path) -> Result<Option<PathBuf>> {
    let Some(name) = read_bounded(&repo_dir.join(CURRENT), 256)? else {
        return Ok(None);
    };
    let name = String::from_utf8(name).unwrap_or_default();
    let name = name.trim();
    if !name.starts_with("g-") || name.contains(['/', '\\', '.']) {
        return Err(error::tuf_cache(format!(
            "{} names {name:?}, not a cache generation; delete the folder and update again",
            repo_dir.join(CURRENT).display()
        )));
    }
    Ok(Some(repo_dir.join(name)))
}

/// A generation being built; removed on drop unless published.
pub(crate) struct Stage {
    repo_dir: PathBuf,
    created_repo_dir: bool,
    pub(crate) dir: PathBuf,
    published: bool,
}

impl Stage {
    /// Creates a staging generation seeded with the live generation's metadata.
    pub(crate) fn begin(repo_dir: &Path) -> Result<(Stage, Option<PathBuf>)> {
        let io = |p: &Path, e: std::io::Error| error::tuf_cache(format!("cannot create {}: {e}", p.display()));
        let created_repo_dir = !repo_dir.exists();
        std::fs::create_dir_all(repo_dir).map_err(|e| io(repo_dir, e))?;
        let live = live(repo_dir)?;
        let dir = repo_dir.join(format!("g-{}-{}", unique(), std::process::id()));
        let stage = Stage { repo_dir: repo_dir.to_owned(), created_repo_dir, dir, published: false };
        std::fs::create_dir(&stage.dir).map_err(|e| io(&stage.dir, e))?;
        let meta = stage.dir.join("metadata");
        std::fs::create_dir(&meta).map_err(|e| io(&meta, e))?;
        std::fs::create_dir(stage.dir.join("targets")).map_err(|e| io(&stage.dir, e))?;
        if let Some(l) = &live {
            let from = l.join("metadata");
            let entries = std::fs::read_dir(&from)
                .map_err(|e| error::tuf_cache(format!("cannot read {}: {e}", from.display())))?;
            for e in entries {
                let e = e.map_err(|e| error::tuf_cache(format!("cannot read {}: {e}", from.display())))?;
                if e.file_type().map(|t| t.is_file()).unwrap_or(false) {
                    std::fs::copy(e.path(), meta.join(e.file_name())).map_err(|err| io(&meta, err))?;
                }
            }
        }
        Ok((stage, live))
    }

    /// Names this generation in `current` and removes stale ones.
    pub(crate) fn publish(mut self) -> Result<()> {
        let name = self.dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        write_atomic(&self.repo_dir.join(CURRENT), name.as_bytes())?;
        self.published = true;
        self.sweep();
        Ok(())
    }

    fn sweep(&self) {
        let live = live(&self.repo_dir).ok().flatten();
        let Ok(entries) = std::fs::read_dir(&self.repo_dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            let is_gen = e.file_name().to_str().is_some_and(|n| n.starts_with("g-"));
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > GRACE);
            if is_gen && old && Some(&p) != live.as_ref() && p != self.dir {
                let _ = std::fs::remove_dir_all(&p);
            }
        }
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.dir);
            if self.created_repo_dir {
                // Only succeeds when empty: a refused first update leaves no trace.
                let _ = std::fs::remove_dir(&self.repo_dir);
            }
        }
    }
}
