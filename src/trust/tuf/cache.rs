//! The on-disk cache of one repository's verified state.
//!
//! Layout of `<cache>/<repo>/`:
//!
//! ```text
//! lock               flock'd while a generation is created or published (never across a fetch)
//! current            the name of the live generation (replaced by rename: readers see old or new)
//! g-<nanos>-<pid>/   one complete verified state
//!     lock           flock'd by the update that builds this generation, until it ends
//!     retired        Unix seconds when this generation stopped being live (absent while live)
//!     metadata/      tough's datastore: root.json, timestamp.json, snapshot.json, targets.json, ...
//!     reuse/         version-named metadata this state was built from (see `reuse`)
//!     roots.json     version -> digest of each root this cache trusted (see `root_history`)
//!     targets/<sha256 hex>   each verified target, named by its digest
//!     report.json    versions, expiries and targets of this state
//! ```
//!
//! An update builds a new generation beside the live one, seeded with the live metadata (so
//! rollback and freeze checks compare against it), and only a fully verified generation is named
//! in `current`. A refused or killed update never touches `current` or the live generation, and
//! its staging folder is removed.
//!
//! Overlapping updates (two processes, or a nested update from inside the host's fetcher) each
//! verify against the state live when they began. Publishing re-reads `current` under the
//! repository's lock and refuses a state older in any role than the one live by then, so the
//! last to finish cannot roll the cache back; nor is a state published that never searched a
//! publisher map name the live one did (the update starts again from it, `update_for`), so the
//! last to finish cannot drop the other's names. The lock is never held while the host fetches,
//! so a nested update cannot wait for itself.
//!
//! Files of a generation being built are written without fsync; publishing first syncs every
//! file and folder of it (in parallel, so journal commits are shared), then renames `current`,
//! syncs the repository's folder, and only then stamps the old generation retired. A crash at
//! any point leaves `current` naming a complete generation: the old one, intact, until the new
//! one is durable.
//!
//! A generation that stops being live is stamped `retired` with the time, and removed once it has
//! been retired for ten minutes, so a reader that resolved `current` just before a swap still
//! finds its files. A generation whose `lock` is held (an update still building it) is never
//! removed; one that was never live and whose lock is free was left by a killed update.
//!
//! The cache decides what a policy trusts, so its folders must be the user's own: a symbolic
//! link, a folder owned by someone else, or one that others may write is refused (`TUF_CACHE`).
//! Folders domainsig creates are created `0700`.

use crate::error::{self, Error, Result};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const CURRENT: &str = "current";
const LOCK: &str = "lock";
const RETIRED: &str = "retired";
const GRACE: Duration = Duration::from_secs(600);

/// Reads a file of at most `max` bytes; `None` when it does not exist.
pub(crate) fn read_bounded(p: &Path, max: u64) -> Result<Option<Vec<u8>>> {
    let f = match File::open(p) {
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
    let mut f = File::create(&tmp).map_err(io)?;
    let done = f.write_all(bytes).and_then(|()| f.sync_all()).and_then(|()| std::fs::rename(&tmp, p));
    if let Err(e) = done {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

/// Writes `bytes` to `p` inside a staging generation: no temporary file and no fsync. Nothing
/// reads a stage before it is published, and [`Stage::publish`] syncs every file of it first, in
/// one pass: an fsync per file as it was written cost 4 to 6 ms each on a shared machine, 5.5 to
/// 11.5 s for the 2,250 files of a 1,000-project publisher map update (issue 18,
/// `benches/publisher_map.rs`).
pub(crate) fn write_staged(p: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(p, bytes).map_err(|e| error::tuf_cache(format!("cannot write {}: {e}", p.display())))
}

/// Threads that fsync a stage's files at once: each fsync waits for a journal commit, and
/// commits gather the fsyncs waiting on them, so 2,200 files take a few dozen commits instead of
/// 2,200. They wait on the disk, not on a core.
const SYNC_THREADS: usize = 32;
/// Deepest folder below a stage that is synced; the layout has one level (`metadata/`, ...).
const SYNC_DEPTH: usize = 4;

/// Makes every file and folder of `dir` durable: files first, then folders deepest first (a
/// folder's fsync makes its entries durable), `dir` last.
fn sync_tree(dir: &Path) -> Result<()> {
    let io = |p: &Path, e: std::io::Error| error::tuf_cache(format!("cannot sync {}: {e}", p.display()));
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_owned()];
    let mut next = 0;
    while next < dirs.len() {
        let d = dirs[next].clone();
        next += 1;
        let depth = d.strip_prefix(dir).map(|r| r.components().count()).unwrap_or(0);
        for e in std::fs::read_dir(&d).map_err(|e| io(&d, e))? {
            let e = e.map_err(|e| io(&d, e))?;
            let t = e.file_type().map_err(|err| io(&e.path(), err))?;
            if t.is_file() {
                files.push(e.path());
            } else if t.is_dir() && depth < SYNC_DEPTH {
                dirs.push(e.path());
            }
        }
    }
    let at = std::sync::atomic::AtomicUsize::new(0);
    let failed: std::sync::Mutex<Option<Error>> = std::sync::Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..SYNC_THREADS.min(files.len()) {
            s.spawn(|| {
                loop {
                    let i = at.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(p) = files.get(i) else { break };
                    if let Err(e) = open_to_sync(p).and_then(|f| f.sync_all()) {
                        if let Ok(mut f) = failed.lock() {
                            f.get_or_insert(io(p, e));
                        }
                        break;
                    }
                }
            });
        }
    });
    if let Some(e) = failed.into_inner().ok().flatten() {
        return Err(e);
    }
    for d in dirs.iter().rev() {
        sync_dir(d)?;
    }
    #[cfg(test)]
    tests::synced(dir, &files, &dirs);
    Ok(())
}

/// A file opened so that it can be synced: reading is enough on Unix, Windows' FlushFileBuffers
/// needs write access.
fn open_to_sync(p: &Path) -> std::io::Result<File> {
    #[cfg(unix)]
    let f = File::open(p);
    #[cfg(not(unix))]
    let f = std::fs::OpenOptions::new().write(true).open(p);
    f
}

/// Makes `d`'s entries (files created, renamed or removed in it) durable.
#[cfg(unix)]
fn sync_dir(d: &Path) -> Result<()> {
    File::open(d)
        .and_then(|f| f.sync_all())
        .map_err(|e| error::tuf_cache(format!("cannot sync folder {}: {e}", d.display())))
}

/// Elsewhere a folder cannot be opened to sync: its entries are as durable as the platform makes
/// them.
#[cfg(not(unix))]
fn sync_dir(_d: &Path) -> Result<()> {
    Ok(())
}

fn unique() -> String {
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{nanos:x}")
}

fn unix_secs() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Refuses a cache folder that someone else planted, owns or may write: whoever can write the
/// cache chooses the trusted root every policy reading it verifies with.
pub(crate) fn check_private(dir: &Path) -> Result<()> {
    let refuse = |why: String| {
        error::tuf_cache(format!(
            "TUF cache folder {} {why}; refused because whoever can change it chooses what domainsig trusts \
             (give a folder of your own that only you can write, e.g. the default ~/.cache/domainsig/tuf)",
            dir.display()
        ))
    };
    let m = std::fs::symlink_metadata(dir)
        .map_err(|e| error::tuf_cache(format!("cannot inspect TUF cache folder {}: {e}", dir.display())))?;
    if m.file_type().is_symlink() {
        return Err(refuse("is a symbolic link, expected a real folder".into()));
    }
    if !m.is_dir() {
        return Err(refuse("is not a folder".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = rustix::process::geteuid().as_raw();
        if m.uid() != me {
            return Err(refuse(format!("belongs to user id {}, expected this process's user id {me}", m.uid())));
        }
        let mode = m.mode() & 0o7777;
        if mode & 0o022 != 0 {
            let who = if mode & 0o002 != 0 { "every user" } else { "its group" };
            return Err(refuse(format!(
                "is writable by {who} (mode {mode:o}), expected no write access beyond its owner"
            )));
        }
    }
    Ok(())
}

/// Creates `dir` and any missing parents, each `0700` on Unix.
fn create_private(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Checks the cache root and the repository's folder (when they exist).
fn check_repo_dir(repo_dir: &Path) -> Result<()> {
    check_cache_root(repo_dir)?;
    check_private(repo_dir)
}

/// Checks the cache root above `repo_dir`, if it exists.
fn check_cache_root(repo_dir: &Path) -> Result<()> {
    match repo_dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(root) if std::fs::symlink_metadata(root).is_ok() => check_private(root),
        _ => Ok(()),
    }
}

/// An exclusive flock on `p` (created if missing), released when the file is dropped.
fn lock(p: &Path) -> Result<File> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(p)
        .map_err(|e| error::tuf_cache(format!("cannot open lock {}: {e}", p.display())))?;
    flock(&f, true).map_err(|e| error::tuf_cache(format!("cannot lock {}: {e}", p.display())))?;
    Ok(f)
}

/// An exclusive flock: waiting for it, or `false` when `wait` is off and another holds it.
/// (`File::lock` would do, but is newer than the crate's rust-version.)
#[cfg(unix)]
fn flock(f: &File, wait: bool) -> std::io::Result<bool> {
    use rustix::fs::FlockOperation;
    let op = if wait { FlockOperation::LockExclusive } else { FlockOperation::NonBlockingLockExclusive };
    match rustix::fs::flock(f, op) {
        Ok(()) => Ok(true),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Without flock every lock is granted: publishing still re-checks the live state, but two
/// publishers may interleave, and a sweep may remove a staging folder still in use.
#[cfg(not(unix))]
fn flock(_f: &File, _wait: bool) -> std::io::Result<bool> {
    Ok(true)
}

/// Whether another update still holds the lock of generation `dir`.
fn in_use(dir: &Path) -> bool {
    match File::open(dir.join(LOCK)) {
        Ok(f) => !matches!(flock(&f, false), Ok(true)),
        Err(e) => e.kind() != std::io::ErrorKind::NotFound,
    }
}

/// The live generation's name, as `current` gives it.
fn live_name(repo_dir: &Path) -> Result<Option<String>> {
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
    Ok(Some(name.to_owned()))
}

/// The live generation's folder, if the repository has been updated at least once.
pub(crate) fn live(repo_dir: &Path) -> Result<Option<PathBuf>> {
    if std::fs::symlink_metadata(repo_dir).is_err() {
        return Ok(None);
    }
    check_repo_dir(repo_dir)?;
    Ok(live_name(repo_dir)?.map(|n| repo_dir.join(n)))
}

/// A generation being built; removed on drop unless published.
pub(crate) struct Stage {
    repo_dir: PathBuf,
    created_repo_dir: bool,
    /// Folders above `repo_dir` (the cache folder, its parents) this update created, deepest
    /// first: a refused first update removes them too, when it left them empty.
    created_above: Vec<PathBuf>,
    pub(crate) dir: PathBuf,
    /// The live generation when this one began: what it was verified against.
    began_with: Option<String>,
    /// This generation's own lock, held until the stage is dropped: it is in use.
    _held: File,
    published: bool,
}

impl Stage {
    /// Creates a staging generation seeded with the live generation's metadata.
    pub(crate) fn begin(repo_dir: &Path) -> Result<(Stage, Option<PathBuf>)> {
        let io = |p: &Path, e: std::io::Error| error::tuf_cache(format!("cannot create {}: {e}", p.display()));
        check_cache_root(repo_dir)?;
        let created_repo_dir = std::fs::symlink_metadata(repo_dir).is_err();
        let created_above: Vec<PathBuf> = repo_dir
            .ancestors()
            .skip(1)
            .take_while(|p| !p.as_os_str().is_empty() && std::fs::symlink_metadata(p).is_err())
            .map(Path::to_path_buf)
            .collect();
        create_private(repo_dir).map_err(|e| io(repo_dir, e))?;
        check_repo_dir(repo_dir)?;
        let (dir, held, began_with) = {
            let _repo = lock(&repo_dir.join(LOCK))?;
            let began_with = live_name(repo_dir)?;
            let dir = repo_dir.join(format!("g-{}-{}", unique(), std::process::id()));
            create_private(&dir).map_err(|e| io(&dir, e))?;
            // Locked before the repository lock is released, so a sweep never sees it unlocked.
            let held = lock(&dir.join(LOCK))?;
            (dir, held, began_with)
        };
        let stage = Stage {
            repo_dir: repo_dir.to_owned(),
            created_repo_dir,
            created_above,
            dir,
            began_with: began_with.clone(),
            _held: held,
            published: false,
        };
        let meta = stage.dir.join("metadata");
        std::fs::create_dir(&meta).map_err(|e| io(&meta, e))?;
        std::fs::create_dir(stage.dir.join("targets")).map_err(|e| io(&stage.dir, e))?;
        let live = began_with.map(|n| repo_dir.join(n));
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

    /// Names this generation in `current`, unless another update meanwhile published a state
    /// newer in some role (`TUF_REFUSED`: publishing this one would roll the cache back), then
    /// removes generations retired long enough ago.
    ///
    /// Returns `false`, publishing nothing, when the state another update published meanwhile
    /// searched publisher map names this one did not (`forgotten`: the names this state chose to
    /// stop searching, which it may lack). Publishing would make them "never searched" again
    /// just after that update reported them searched, so a process sharing the cache (another
    /// install gate) would read `TUF_MISSING` for the packages it is installing. The caller
    /// updates again from the newer state, which then remembers them.
    ///
    /// Every file of the stage is made durable before `current` names it (files were written
    /// without fsync, [`write_staged`]), and `current`'s rename before the old generation is
    /// stamped retired: a crash at any point leaves `current` naming a complete generation.
    pub(crate) fn publish(mut self, forgotten: &[String]) -> Result<bool> {
        // Outside the repository lock: other updates need not wait for this one's disk.
        sync_tree(&self.dir)?;
        let _repo = lock(&self.repo_dir.join(LOCK))?;
        let now_live = live_name(&self.repo_dir)?;
        if now_live.is_some() && now_live != self.began_with {
            let live_dir = self.repo_dir.join(now_live.as_deref().unwrap_or_default());
            not_older(&self.dir, &live_dir)?;
            if searched_elsewhere(&self.dir, &live_dir, forgotten)? {
                return Ok(false);
            }
        }
        let name = self.dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        write_atomic(&self.repo_dir.join(CURRENT), name.as_bytes())?;
        self.published = true;
        // The old generation is stamped retired, and so removed later, only once the rename is
        // durable: a crash must not bring back a `current` naming a generation being removed.
        sync_dir(&self.repo_dir)?;
        if let Some(old) = now_live.filter(|o| *o != name) {
            // Best effort: an unstamped old generation is swept as abandoned, which only
            // shortens a reader's grace.
            let _ = write_atomic(&self.repo_dir.join(old).join(RETIRED), unix_secs().to_string().as_bytes());
        }
        self.sweep();
        Ok(true)
    }

    /// Removes generations retired for longer than [`GRACE`] and abandoned staging folders;
    /// runs under the repository lock, so no update is between creating and locking its stage.
    fn sweep(&self) {
        let Ok(entries) = std::fs::read_dir(&self.repo_dir) else { return };
        for e in entries.flatten() {
            let p = e.path();
            let is_gen = e.file_name().to_str().is_some_and(|n| n.starts_with("g-"));
            if !is_gen || p == self.dir || !e.file_type().is_ok_and(|t| t.is_dir()) || in_use(&p) {
                continue;
            }
            let retired = read_bounded(&p.join(RETIRED), 64).ok().flatten();
            let dead_long_enough = match retired {
                Some(b) => match std::str::from_utf8(&b).ok().and_then(|s| s.trim().parse::<u64>().ok()) {
                    Some(at) => unix_secs().saturating_sub(at) > GRACE.as_secs(),
                    None => true,
                },
                // Never live and nobody holds its lock: left by an update that was killed.
                None => true,
            };
            if dead_long_enough {
                let _ = std::fs::remove_dir_all(&p);
            }
        }
    }
}

/// A generation's report.json, if it has one.
fn read_report(d: &Path) -> Result<Option<crate::trust::tuf::report::Report>> {
    let Some(b) = read_bounded(&d.join("report.json"), crate::limits::MAX_TUF_REPORT_BYTES)? else {
        return Ok(None);
    };
    serde_json::from_slice(&b)
        .map(Some)
        .map_err(|e| error::tuf_cache(format!("{}/report.json is unreadable: {e}", d.display())))
}

/// Whether the live state searched a publisher map name that ours neither searched nor chose to
/// forget (see [`Stage::publish`]).
fn searched_elsewhere(ours: &Path, live: &Path, forgotten: &[String]) -> Result<bool> {
    let (Some(ours), Some(live_r)) = (read_report(ours)?, read_report(live)?) else { return Ok(false) };
    let have: std::collections::BTreeSet<&str> = ours.asked.iter().chain(forgotten).map(String::as_str).collect();
    Ok(live_r.asked.iter().any(|n| !have.contains(n.as_str())))
}

/// Refuses `ours` when any role the live generation also has is at an older version in it.
fn not_older(ours: &Path, live: &Path) -> Result<()> {
    let read = read_report;
    let (Some(ours), Some(live_r)) = (read(ours)?, read(live)?) else {
        return Err(error::tuf_cache(format!(
            "another update published {} while this one ran, and the two states cannot be compared",
            live.display()
        )));
    };
    for l in &live_r.roles {
        let Some(o) = ours.roles.iter().find(|o| o.role == l.role) else { continue };
        if o.version < l.version {
            return Err(error::tuf_refused(format!(
                "another update published a newer state of {} while this one ran: {} version {} is live, \
                 this update verified version {}; the cache keeps the newer state",
                ours.repository, l.role, l.version, o.version
            )));
        }
    }
    Ok(())
}

impl Drop for Stage {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.dir);
            if self.created_repo_dir {
                // A refused first update leaves no trace: the lock file goes only when no other
                // update holds it, and the folder only when that left it empty.
                let lock_path = self.repo_dir.join(LOCK);
                if let Ok(f) = File::open(&lock_path) {
                    if matches!(flock(&f, false), Ok(true)) {
                        let _ = std::fs::remove_file(&lock_path);
                    }
                }
                let _ = std::fs::remove_dir(&self.repo_dir);
                for p in &self.created_above {
                    let _ = std::fs::remove_dir(p);
                }
            }
        }
    }
}

const ROOTS: &str = "roots.json";

/// A root's version and the SHA-256 of its `signed` part in sorted-key compact JSON, so the same
/// root compares equal however its file is laid out; `None` when it is not root metadata.
fn root_id(bytes: &[u8]) -> Option<(u64, String)> {
    fn sorted(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                serde_json::Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&m[k]))).collect())
            }
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    // serde_json refuses nesting deeper than 128 while parsing, which bounds `sorted`.
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let signed = v.get("signed")?;
    let version = signed.get("version")?.as_u64()?;
    let canon = serde_json::to_vec(&sorted(signed)).ok()?;
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &canon);
    Some((version, d.as_ref().iter().map(|b| format!("{b:02x}")).collect()))
}

/// The roots generation `generation` trusted or bootstrapped from: version -> [`root_id`] digest.
/// None recorded (a generation made before roots were kept) is an empty map; a file too large or
/// not readable is TUF_CACHE: read as empty, every given bootstrap root would pass the
/// comparison with what the cache verified.
fn roots_of(generation: &Path) -> Result<BTreeMap<u64, String>> {
    let p = generation.join(ROOTS);
    let bad = |why: String| {
        error::tuf_cache(format!(
            "the roots this cache verified cannot be read ({why}), so a given bootstrap root cannot be compared \
             with them; delete {} and update again",
            generation.parent().unwrap_or(generation).display()
        ))
    };
    let Some(b) = read_bounded(&p, crate::limits::MAX_TUF_METADATA_BYTES).map_err(|e| bad(e.message))? else {
        return Ok(BTreeMap::new());
    };
    serde_json::from_slice(&b).map_err(|e| bad(format!("{} is not a map of versions to digests: {e}", p.display())))
}

/// Records in `generation` the roots of `previous` plus `roots` (the bootstrap root of a first
/// update, the root this update ended on).
pub(crate) fn remember_roots(generation: &Path, previous: Option<&Path>, roots: &[&[u8]]) -> Result<()> {
    let mut all = match previous {
        Some(p) => roots_of(p)?,
        None => BTreeMap::new(),
    };
    all.extend(roots.iter().filter_map(|r| root_id(r)));
    let json = serde_json::to_vec(&all).map_err(|e| error::internal(e.to_string()))?;
    write_staged(&generation.join(ROOTS), &json)
}

/// Refuses a caller's bootstrap root that contradicts what the cache verified: a different root
/// under a version number the cache holds. The cache's trusted root is never replaced by a given
/// one; a given root the cache cannot compare (a version it never held) changes nothing.
pub(crate) fn check_given_root(given: &[u8], live: &Path, repo: &str) -> Result<()> {
    let mut known = roots_of(live)?;
    if let Some(r) = read_bounded(&live.join("metadata").join("root.json"), crate::limits::MAX_TUF_METADATA_BYTES)?
        .as_deref()
        .and_then(root_id)
    {
        known.insert(r.0, r.1);
    }
    let (version, digest) = root_id(given).ok_or_else(|| {
        error::policy_invalid("the given bootstrap root is not TUF root metadata (no signed.version)")
            .at("trusted_root.tuf.root")
    })?;
    match known.get(&version) {
        Some(d) if *d != digest => Err(error::tuf_cache(format!(
            "the given bootstrap root of {repo} (version {version}, signed part SHA-256 {digest}) differs from the \
             version {version} root this cache verified (SHA-256 {d}); the cache's trust is kept, not reset. \
             Leave out the root to update from the cache, or delete {} to bootstrap again from the given root",
            live.parent().unwrap_or(live).display()
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A stage folder, the files [`sync_tree`] synced in it, then its folders.
    type Synced = (PathBuf, Vec<PathBuf>, Vec<PathBuf>);
    static SYNCED: Mutex<Vec<Synced>> = Mutex::new(Vec::new());

    pub(super) fn synced(dir: &Path, files: &[PathBuf], dirs: &[PathBuf]) {
        SYNCED.lock().unwrap().push((dir.to_owned(), files.to_vec(), dirs.to_vec()));
    }

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("domainsig-cache-unit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        create_private(&d).unwrap();
        d
    }

    /// Every file a stage holds when it is published was written without fsync: publishing must
    /// sync each of them, and the folders holding them, before `current` names the stage.
    #[test]
    fn publishing_syncs_every_file_of_the_stage_before_naming_it() {
        let root = scratch("sync");
        let repo_dir = root.join("repo");
        let (first, _) = Stage::begin(&repo_dir).unwrap();
        write_staged(&first.dir.join("report.json"), b"{}").unwrap();
        assert!(first.publish(&[]).unwrap());
        let (stage, live) = Stage::begin(&repo_dir).unwrap();
        assert!(live.is_some());
        let dir = stage.dir.clone();
        std::fs::create_dir(dir.join("reuse")).unwrap();
        for (i, sub) in ["metadata", "reuse", "targets"].iter().enumerate() {
            for j in 0..40 {
                write_staged(&dir.join(sub).join(format!("{i}-{j}.json")), b"x").unwrap();
            }
        }
        write_staged(&dir.join("report.json"), b"{}").unwrap();
        let mut on_disk: Vec<PathBuf> = Vec::new();
        let mut folders = vec![dir.clone()];
        for sub in ["metadata", "reuse", "targets"] {
            folders.push(dir.join(sub));
            on_disk.extend(std::fs::read_dir(dir.join(sub)).unwrap().map(|e| e.unwrap().path()));
        }
        on_disk.extend([dir.join("report.json"), dir.join(LOCK)]);
        assert_eq!(live_name(&repo_dir).unwrap().map(|n| repo_dir.join(n)), live);
        assert!(stage.publish(&[]).unwrap());
        assert_eq!(live_name(&repo_dir).unwrap().map(|n| repo_dir.join(n)), Some(dir.clone()));
        let log = SYNCED.lock().unwrap();
        let (_, files, dirs) = log.iter().find(|(d, _, _)| *d == dir).expect("the stage was synced");
        let mut files = files.clone();
        files.sort();
        on_disk.sort();
        assert_eq!(files, on_disk);
        let mut dirs = dirs.clone();
        dirs.sort();
        folders.sort();
        assert_eq!(dirs, folders);
        drop(log);
        let _ = std::fs::remove_dir_all(&root);
    }
}
