//! TUF: Sigstore's trust repository (or any other) brought into a local cache through the host's
//! network, verified by `tough`, then read by policies without fetching.
//!
//! - [`config`]: which repository, which bootstrap root, which cache folder;
//! - `transport`: tough's async transport bridged to the host's synchronous [`Fetcher`];
//! - [`cache`]: generations published by rename, so a refused update changes nothing;
//! - [`report`]: what an update verified and what the cache holds.
//!
//! The library never opens a socket: `http(s)` URLs go to the host's [`Fetcher`]; `file://` URLs
//! and local directories are read here, in bounded chunks.

pub mod cache;
pub mod config;
pub mod report;
mod reuse;
mod transport;

pub use config::{Expiry, Repo, TufConfig};
pub use report::{Report, RoleReport, TargetReport};

use crate::error::{self, Error, Result};
use crate::limits;
use std::sync::mpsc;
use tough::schema::{Signed, Targets};
use tough::{ExpirationEnforcement, RepositoryLoader, TargetName};

/// The host's answer to one fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// The body of a successful response.
    Bytes(Vec<u8>),
    /// The server says the file does not exist (HTTP 404/403): the root chain ends here. Only
    /// this answer ends it; an `Err` while fetching the next root fails the update.
    NotFound,
}

/// The host's network: returns the bytes at `url`, at most `max_len` of them (more is refused).
/// Called only for `http(s)` URLs, always on the thread that called [`update`].
pub trait Fetcher {
    /// Fetches `url`; `Err` carries the host's reason (DNS, TLS, timeout, HTTP 5xx).
    fn fetch(&self, url: &str, max_len: u64) -> std::result::Result<Fetched, String>;
}

/// A fetcher for hosts that give only local repositories: every http(s) URL is an error.
pub struct NoNetwork;

impl Fetcher for NoNetwork {
    fn fetch(&self, url: &str, _max_len: u64) -> std::result::Result<Fetched, String> {
        Err(format!("no network fetcher was given, so {url} cannot be fetched"))
    }
}

/// Updates the cache of `cfg`'s repository: walks the root chain from the cached root (or the
/// bootstrap root), then timestamp, snapshot, targets and delegated targets, downloads every
/// target, and publishes the new state only if all of it verified.
pub fn update(cfg: &TufConfig, fetcher: &dyn Fetcher) -> Result<Report> {
    update_for(cfg, fetcher, &[])
}

/// As [`update`], also searching the repository for the target names in `wanted` (publisher map
/// entries, `pypi.org/publishers/attrs.json`), and for those the previous state searched (the
/// most recently asked for, [`limits::MAX_TUF_MAP_NAMES`] names in all; only more than that in
/// `wanted` is refused): a role
/// delegated by `path_hash_prefixes` (a hashed bin) is fetched only when a wanted name hashes
/// into it, and of a bin's targets only the wanted ones are downloaded. The report's `asked`
/// lists every name searched, found or not; only for those can the cache say "no entry".
pub fn update_for(cfg: &TufConfig, fetcher: &dyn Fetcher, wanted: &[String]) -> Result<Report> {
    // Another update of the same cache (a second install gate) may publish while this one runs;
    // when its state searched names this one did not, this one starts again from it (see
    // `Stage::publish`), a bounded number of times.
    for _ in 0..MAX_UPDATE_RACES {
        if let Some(report) = update_once(cfg, fetcher, wanted)? {
            return Ok(report);
        }
    }
    Err(error::tuf_cache(format!(
        "other updates of the TUF cache {} published a new state {MAX_UPDATE_RACES} times while this one ran; \
         the cache keeps theirs, update again",
        cfg.repo_dir().display()
    )))
}

/// How many times [`update_for`] starts again when another update of the cache published first.
const MAX_UPDATE_RACES: usize = 4;

/// One attempt of [`update_for`]: `None` when another update published a state that searched
/// names this one did not, so this one was not published.
fn update_once(cfg: &TufConfig, fetcher: &dyn Fetcher, wanted: &[String]) -> Result<Option<Report>> {
    let base = cfg.base_url()?;
    let repo_dir = cfg.repo_dir();
    if cfg.bootstrap_root().is_none() && cache::live(&repo_dir)?.is_none() {
        return Err(not_cached(cfg));
    }
    let (stage, live) = cache::Stage::begin(&repo_dir)?;
    let previous = match &live {
        Some(l) => read_report(l)?,
        None => None,
    };
    let cached_root = match &live {
        Some(l) => cache::read_bounded(&l.join("metadata").join("root.json"), limits::MAX_TUF_METADATA_BYTES)?,
        None => None,
    };
    if let (Some(given), Some(l)) = (cfg.given_root(), &live) {
        cache::check_given_root(given, l, &cfg.repo_name())?;
    }
    let reuse = std::sync::Arc::new(reuse::Reuse::new(live.as_deref(), &base, cached_root.as_deref()));
    let root = match cached_root {
        Some(r) => r,
        None => cfg.bootstrap_root().ok_or_else(|| not_cached(cfg))?.to_vec(),
    };
    let bootstrap = if live.is_none() { Some(root.clone()) } else { None };
    let (asked, forgotten) = remembered(wanted, previous.as_ref().map_or(&[][..], |r| r.asked.as_slice()))?;
    for n in &asked {
        TargetName::new(n.as_str())
            .map_err(|e| error::invalid_argument(format!("{n:?} is not a TUF target name: {e}")))?;
    }
    let asked_for_load = asked.clone();
    let (tx, rx) = mpsc::channel();
    let meta_dir = stage.dir.join("metadata");
    let expiry = cfg.expiry;
    let bridge = transport::Bridge::new(tx, reuse.clone(), asked.len());
    let loaded = std::thread::scope(|s| {
        let worker = s.spawn(move || load(root, base, meta_dir, expiry, bridge, asked_for_load));
        transport::serve(rx, fetcher);
        worker.join().unwrap_or_else(|_| Err(error::internal("the TUF worker thread panicked")))
    })?;
    reuse.save(&stage.dir)?;
    let trusted = cache::read_bounded(&stage.dir.join("metadata").join("root.json"), limits::MAX_TUF_METADATA_BYTES)?;
    let roots: Vec<&[u8]> = bootstrap.iter().chain(trusted.iter()).map(Vec::as_slice).collect();
    cache::remember_roots(&stage.dir, live.as_deref(), &roots)?;
    let mut report = Report {
        repository: cfg.repo_name(),
        url: cfg.base_url()?.to_string(),
        cache: repo_dir.display().to_string(),
        verified_at: crate::time::format_rfc3339(now()),
        expiry_enforced: cfg.expiry == Expiry::Enforce,
        roles: loaded.roles,
        targets: Vec::new(),
        changed: Vec::new(),
        asked,
    };
    // A publisher map entry (read later as `PublisherMap::load` reads it) is judged when it
    // arrives: a malformed one refuses the update, so the cache keeps the map it had rather than
    // one every policy naming it would refuse.
    for (t, bytes) in &loaded.targets {
        let map_dir = t.domain.as_ref().map(|d| format!("{d}/{}/", crate::trust::publisher_map::MAP_DIR));
        if map_dir.is_some_and(|p| t.name.starts_with(&p) && t.name.ends_with(".json")) {
            crate::trust::publisher_map::parse_entry(bytes, &t.name)?;
        }
    }
    for (t, bytes) in loaded.targets {
        cache::write_staged(&stage.dir.join("targets").join(&t.sha256), &bytes)?;
        report.targets.push(t);
    }
    report.changed = changes(previous.as_ref(), &report);
    if !forgotten.is_empty() {
        let shown: Vec<&str> = forgotten.iter().take(8).map(String::as_str).collect();
        report.changed.push(format!(
            "{} publisher map names asked for least recently are no longer searched (a cache remembers {}): {}{}",
            forgotten.len(),
            limits::MAX_TUF_MAP_NAMES,
            shown.join(", "),
            if forgotten.len() > shown.len() { ", ..." } else { "" }
        ));
    }
    let json = serde_json::to_vec_pretty(&report).map_err(|e| error::internal(e.to_string()))?;
    // Every later read and update reads report.json back with this limit: a larger one, once
    // published, would block them all until the cache is deleted by hand. Role and target names
    // are repeated per target, so small metadata can describe a large state.
    if json.len() as u64 > limits::MAX_TUF_REPORT_BYTES {
        return Err(error::tuf_refused(format!(
            "the verified state of {} takes {} bytes to describe (report.json), above the limit of {} the cache \
             reads back; the repository's role or target names are too long or too many, and the cache keeps \
             its previous state",
            report.repository,
            json.len(),
            limits::MAX_TUF_REPORT_BYTES
        )));
    }
    cache::write_staged(&stage.dir.join("report.json"), &json)?;
    if !stage.publish(&forgotten)? {
        return Ok(None);
    }
    report.mark_expired(now());
    Ok(Some(report))
}

/// The names an update searches, most recently asked for first, and those it forgets: `wanted`
/// (each once, in the caller's order), then the names earlier updates asked for (`previous`,
/// already in that order) up to [`limits::MAX_TUF_MAP_NAMES`] in all.
///
/// Only `wanted` above the limit is refused. Refusing the union instead would, once a long-lived
/// cache had been asked for that many distinct packages over months, refuse every later update of
/// it. A forgotten name is one the map again has "never searched" (`TUF_MISSING`), which names the
/// `trust update` that asks for it again.
fn remembered(wanted: &[String], previous: &[String]) -> Result<(Vec<String>, Vec<String>)> {
    let mut seen = std::collections::BTreeSet::new();
    let asked: Vec<String> = wanted.iter().filter(|n| seen.insert(n.as_str())).cloned().collect();
    limits::check("publisher map names asked for in one TUF update", limits::MAX_TUF_MAP_NAMES, asked.len())?;
    let mut asked = asked;
    let mut forgotten = Vec::new();
    for n in previous.iter().filter(|n| seen.insert(n.as_str())) {
        if asked.len() < limits::MAX_TUF_MAP_NAMES {
            asked.push(n.clone());
        } else {
            forgotten.push(n.clone());
        }
    }
    Ok((asked, forgotten))
}

/// The cache's state for `cfg`'s repository, with expiry recomputed now. Never fetches.
pub fn status(cfg: &TufConfig) -> Result<Report> {
    let mut r = cached_report(cfg)?;
    r.mark_expired(now());
    Ok(r)
}

/// The verified bytes of target `name` from the cache, refused if any metadata of the cached
/// state expired before `at` (Unix seconds) or the file no longer matches its verified digest.
pub fn cached_target(cfg: &TufConfig, name: &str, at: i64) -> Result<(Vec<u8>, TargetReport)> {
    let report = cached_report(cfg)?;
    if let (Some(given), Some(l)) = (cfg.given_root(), cache::live(&cfg.repo_dir())?) {
        cache::check_given_root(given, &l, &cfg.repo_name())?;
    }
    if cfg.expiry == Expiry::Enforce {
        report.check_fresh(at, &cfg.repo_arg())?;
    }
    let t = report.target(name).cloned().ok_or_else(|| {
        error::tuf_missing(format!(
            "the verified state of TUF repository {} has no target {name:?}; it has {}",
            report.repository,
            report.targets.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
        ))
    })?;
    let live = cache::live(&cfg.repo_dir())?.ok_or_else(|| not_cached(cfg))?;
    let p = live.join("targets").join(&t.sha256);
    let bytes = cache::read_bounded(&p, limits::MAX_TUF_TARGET_BYTES)?
        .ok_or_else(|| error::tuf_cache(format!("cached target {} is missing from {}", name, p.display())))?;
    if bytes.len() as u64 != t.length || hex(&sha256(&bytes)) != t.sha256 {
        return Err(error::tuf_cache(format!(
            "cached target {name} in {} no longer has the verified length {} and SHA-256 {}; update again",
            p.display(),
            t.length,
            t.sha256
        )));
    }
    Ok((bytes, t))
}

/// The cached state and its live generation folder, refused as [`cached_target`] refuses: a
/// bootstrap root that contradicts the cache, or (with expiry enforced) any role expired at `at`.
pub(crate) fn fresh_state(cfg: &TufConfig, at: i64) -> Result<(Report, std::path::PathBuf)> {
    let report = cached_report(cfg)?;
    let live = cache::live(&cfg.repo_dir())?.ok_or_else(|| not_cached(cfg))?;
    if let Some(given) = cfg.given_root() {
        cache::check_given_root(given, &live, &cfg.repo_name())?;
    }
    if cfg.expiry == Expiry::Enforce {
        report.check_fresh(at, &cfg.repo_arg())?;
    }
    Ok((report, live))
}

/// The bytes of verified target `t` from generation `live`, refused unless they still have the
/// verified length and digest.
pub(crate) fn read_target(live: &std::path::Path, t: &TargetReport) -> Result<Vec<u8>> {
    let p = live.join("targets").join(&t.sha256);
    let bytes = cache::read_bounded(&p, limits::MAX_TUF_TARGET_BYTES)?
        .ok_or_else(|| error::tuf_cache(format!("cached target {} is missing from {}", t.name, p.display())))?;
    if bytes.len() as u64 != t.length || hex(&sha256(&bytes)) != t.sha256 {
        return Err(error::tuf_cache(format!(
            "cached target {} in {} no longer has the verified length {} and SHA-256 {}; update again",
            t.name,
            p.display(),
            t.length,
            t.sha256
        )));
    }
    Ok(bytes)
}

fn cached_report(cfg: &TufConfig) -> Result<Report> {
    let live = cache::live(&cfg.repo_dir())?.ok_or_else(|| not_cached(cfg))?;
    read_report(&live)?.ok_or_else(|| not_cached(cfg))
}

fn not_cached(cfg: &TufConfig) -> Error {
    error::tuf_missing(format!(
        "no verified TUF metadata of {} in {}; run `domainsig trust update --repo {} --cache {}`",
        cfg.repo_name(),
        cfg.repo_dir().display(),
        cfg.repo_arg(),
        cfg.cache.display()
    ))
}

fn read_report(gen_dir: &std::path::Path) -> Result<Option<Report>> {
    let Some(b) = cache::read_bounded(&gen_dir.join("report.json"), limits::MAX_TUF_REPORT_BYTES)? else {
        return Ok(None);
    };
    serde_json::from_slice(&b)
        .map(Some)
        .map_err(|e| error::tuf_cache(format!("{}/report.json is unreadable: {e}", gen_dir.display())))
}

fn changes(before: Option<&Report>, after: &Report) -> Vec<String> {
    let Some(before) = before else {
        return vec!["first update: every role and target is new".to_owned()];
    };
    let mut out = Vec::new();
    for r in &after.roles {
        match before.roles.iter().find(|b| b.role == r.role) {
            Some(b) if b.version != r.version => out.push(format!("{} {} -> {}", r.role, b.version, r.version)),
            None => out.push(format!("{} new at version {}", r.role, r.version)),
            _ => {}
        }
    }
    for t in &after.targets {
        match before.target(&t.name) {
            Some(b) if b.sha256 != t.sha256 => out.push(format!("target {} changed to sha256 {}", t.name, t.sha256)),
            None => out.push(format!("target {} new", t.name)),
            _ => {}
        }
    }
    for t in &before.targets {
        if after.target(&t.name).is_none() {
            out.push(format!("target {} removed", t.name));
        }
    }
    out
}

/// Now, in Unix seconds.
pub fn unix_now() -> i64 {
    now()
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn sha256(b: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b).as_ref().to_vec()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

struct Loaded {
    roles: Vec<RoleReport>,
    targets: Vec<(TargetReport, Vec<u8>)>,
}

/// Runs tough on this (worker) thread: a current-thread runtime with no I/O driver.
fn load(
    root: Vec<u8>,
    base: url::Url,
    meta_dir: std::path::PathBuf,
    expiry: Expiry,
    bridge: transport::Bridge,
    asked: Vec<String>,
) -> Result<Loaded> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| error::internal(format!("cannot start the TUF runtime: {e}")))?;
    rt.block_on(async move {
        let targets_url = base.join("targets/").map_err(|e| error::invalid_argument(e.to_string()))?;
        let asked_names: Vec<TargetName> = asked
            .iter()
            .map(|n| TargetName::new(n.as_str()).map_err(|e| error::invalid_argument(format!("{n:?}: {e}"))))
            .collect::<Result<_>>()?;
        let repo = RepositoryLoader::new(&root, base, targets_url)
            .transport(bridge)
            .datastore(meta_dir)
            .limits(tough::Limits {
                max_root_size: limits::MAX_TUF_METADATA_BYTES,
                max_targets_size: limits::MAX_TUF_METADATA_BYTES,
                max_timestamp_size: limits::MAX_TUF_TIMESTAMP_BYTES,
                max_snapshot_size: limits::MAX_TUF_METADATA_BYTES,
                max_root_updates: limits::MAX_TUF_ROOT_UPDATES,
                max_delegation_depth: limits::MAX_TUF_DELEGATION_DEPTH,
                // A wanted name loads at most one role per level on its way down.
                max_delegated_roles: limits::MAX_TUF_DELEGATED_ROLES
                    + (asked.len() as u64).saturating_mul(limits::MAX_TUF_DELEGATION_DEPTH),
            })
            .hashed_bins_for(asked_names.clone())
            .expiration_enforcement(match expiry {
                Expiry::Enforce => ExpirationEnforcement::Safe,
                Expiry::Ignore => ExpirationEnforcement::Unsafe,
            })
            .load()
            .await
            .map_err(refusal)?;
        let mut roles = vec![
            role("root", repo.root().signed.version.get(), repo.root().signed.expires.to_string()),
            role("timestamp", repo.timestamp().signed.version.get(), repo.timestamp().signed.expires.to_string()),
            role("snapshot", repo.snapshot().signed.version.get(), repo.snapshot().signed.expires.to_string()),
            role("targets", repo.targets().signed.version.get(), repo.targets().signed.expires.to_string()),
        ];
        walk(repo.targets(), 1, &mut roles);
        // Every target of a role reached by paths, and only the asked ones of a hashed bin (a bin
        // lists a few dozen projects; the installer wants one).
        let mut names: std::collections::BTreeSet<TargetName> = std::collections::BTreeSet::new();
        let asked_set: std::collections::BTreeSet<TargetName> = asked_names.iter().cloned().collect();
        collect(&repo.targets().signed, 1, false, &asked_set, &mut names, &mut 0)?;
        for name in &asked_names {
            if let Search::Unloaded(role) =
                search(&repo.targets().signed, name, 1, &mut Default::default(), &mut Vec::new(), &mut None)
            {
                return Err(error::tuf_refused(format!(
                    "the role {role} that TUF's search for {} must read was not loaded (snapshot.json does not list it, or a role of that name was loaded through another delegation first: TUF loads each role name once), so the repository can say nothing about it",
                    name.raw()
                )));
            }
        }
        for name in &asked_names {
            if let Err(why) = reaches_index(&repo.targets().signed, name) {
                let index = name.raw().split_once('/').map_or("", |(s, _)| s);
                return Err(error::tuf_refused(format!(
                    "TUF's search for {} (TUF 1.0 §5.6.7: preorder, each role once, a terminating delegation \
                     ends it) never reaches the top-level delegation {index}: {why}. Only that delegation speaks \
                     for {index}, in what it lists and in what it leaves out, so the repository cannot say whether \
                     {index} names a publisher for it",
                    name.raw()
                )));
            }
        }
        let mut targets = Vec::new();
        for name in names {
            // The target TUF's search finds (TUF 1.0 §5.7.1 "Verify the desired target against its
            // targets metadata", the preorder search of §5.6.7), and the role that lists it.
            let Some((owner, domain)) = owner_of(&repo.targets().signed, &name) else {
                // Listed only where the search never looks (outside the delegation's paths, or
                // behind a terminating delegation): TUF does not vouch for it.
                continue;
            };
            if asked_set.contains(&name) {
                // An asked name is a publisher map entry `<index>/publishers/...`: it speaks only
                // for the index whose top-level delegation TUF's search went through.
                let segment = name.raw().split_once('/').map_or("", |(s, _)| s);
                if domain.as_deref() != Some(segment) {
                    return Err(error::tuf_refused(format!(
                        "publisher map entry {} was found through the role {owner}{}, not through a top-level delegation named {segment}: it does not speak for {segment}",
                        name.raw(),
                        domain.as_deref().map(|d| format!(" (the delegation {d})")).unwrap_or_default()
                    )));
                }
            }
            let length = repo.targets().signed.find_target(&name, false).map(|t| t.length).map_err(|e| {
                error::tuf_refused(format!("target {} is listed but tough cannot find it: {e}", name.raw()))
            })?;
            limits::check("TUF target size in bytes", limits::MAX_TUF_TARGET_BYTES as usize, length as usize)?;
            let stream = repo.read_target(&name).await.map_err(refusal)?.ok_or_else(|| {
                error::tuf_refused(format!("target {} is listed but tough cannot find it", name.raw()))
            })?;
            let bytes = tough::IntoVec::into_vec(stream).await.map_err(refusal)?;
            targets.push((
                TargetReport {
                    name: name.raw().to_owned(),
                    length: bytes.len() as u64,
                    sha256: hex(&sha256(&bytes)),
                    role: owner,
                    domain,
                },
                bytes,
            ));
        }
        Ok(Loaded { roles, targets })
    })
}

fn role(name: &str, version: u64, expires: String) -> RoleReport {
    RoleReport { role: name.to_owned(), version, expires, expired: false }
}

/// Records each delegated role, in TUF's preorder. tough refuses a tree deeper than
/// [`limits::MAX_TUF_DELEGATION_DEPTH`], so the depth check here only bounds the recursion.
fn walk(t: &Signed<Targets>, depth: u64, roles: &mut Vec<RoleReport>) {
    if depth > limits::MAX_TUF_DELEGATION_DEPTH {
        return;
    }
    if let Some(d) = &t.signed.delegations {
        for r in &d.roles {
            if let Some(rt) = &r.targets {
                roles.push(role(&r.name, rt.signed.version.get(), rt.signed.expires.to_string()));
                walk(rt, depth + 1, roles);
            }
        }
    }
}

/// The role whose metadata TUF's preorder search (TUF 1.0 §5.6.7: each role visited once, only
/// delegations whose paths match, a terminating delegation ends the search) finds `name` in, and
/// the domain that binds it: the name of the top-level delegation the search went through, when
/// that name is the target's first path segment. The search only enters a delegation whose
/// `paths` cover the target, so the binding delegation always covers it. A role's own name
/// binds nothing: the delegating role chooses it, so `evil.example` could name its sub-role
/// `registry.npmjs.org`. `None` when the search does not find `name`.
fn owner_of(top: &Targets, name: &TargetName) -> Option<(String, Option<String>)> {
    let mut chain = Vec::new();
    let mut visited = std::collections::BTreeSet::new();
    if search(top, name, 1, &mut visited, &mut chain, &mut None) != Search::Found {
        return None;
    }
    let Some(first) = chain.first() else {
        return Some(("targets".to_owned(), None));
    };
    let segment = name.raw().split_once('/').map(|(s, _)| s);
    let domain = (segment == Some(first.as_str())).then(|| first.clone());
    Some((chain.last().cloned().unwrap_or_default(), domain))
}

/// Whether TUF's search for the publisher map entry `name` reaches the top-level delegation named
/// after its index (the name's first path segment). That delegation alone speaks for the index,
/// and so alone may leave an entry out: were another role allowed to end the search first (a
/// terminating delegation covering `pypi.org/*`, or a role of the same name visited earlier), it
/// would turn the index's entry into "no claim". `Err` says what ends the search first. A name
/// found before the delegation is refused by the domain binding, an unloaded role on the way as
/// such, so both pass here.
fn reaches_index(top: &Targets, name: &TargetName) -> std::result::Result<(), String> {
    let index = name.raw().split_once('/').map_or("", |(s, _)| s);
    if top.targets.contains_key(name) {
        return Ok(());
    }
    let mut visited = std::collections::BTreeSet::new();
    let mut digest = None;
    for r in top.delegations.iter().flat_map(|d| &d.roles) {
        if !r.paths.matches_target_name_cached(name, &mut digest) {
            continue;
        }
        if r.name == index {
            if visited.contains(r.name.as_str()) {
                return Err(format!(
                    "a role named {index} was already searched below another delegation, and the search visits \
                     each role name once"
                ));
            }
            return Ok(());
        }
        if !visited.insert(r.name.as_str()) {
            continue;
        }
        let Some(rt) = &r.targets else { return Ok(()) };
        match search(&rt.signed, name, 2, &mut visited, &mut Vec::new(), &mut digest) {
            Search::NotHere => {}
            Search::Stop(by) => {
                return Err(format!(
                    "the delegation {}, searched first, covers it and its terminating delegation {by} ends the search",
                    r.name
                ));
            }
            Search::Found | Search::Unloaded(_) => return Ok(()),
        }
        if r.terminating {
            return Err(format!(
                "the terminating delegation {}, searched first, covers it and ends the search",
                r.name
            ));
        }
    }
    Err(format!("the top-level targets role delegates no role named {index} whose paths cover it"))
}

#[derive(PartialEq, Eq)]
enum Search {
    Found,
    NotHere,
    /// A terminating delegation (this role) ended the search.
    Stop(String),
    /// The search must read this role, which was not loaded (a hashed bin not asked for, or a
    /// role tough did not reach): nothing can be said.
    Unloaded(String),
}

/// The target names worth downloading from the loaded tree under `t`: every target of a role
/// reached through `paths` delegations, and of a role reached through a hashed bin
/// (`path_hash_prefixes`) only those in `asked`. Bounded by the depth limit tough enforced.
fn collect(
    t: &Targets,
    depth: u64,
    in_bin: bool,
    asked: &std::collections::BTreeSet<TargetName>,
    out: &mut std::collections::BTreeSet<TargetName>,
    others: &mut usize,
) -> Result<()> {
    for n in t.targets.keys() {
        // A name is printed by hosts and the CLI and becomes a path: a control character (an
        // escape sequence that rewrites the user's terminal) has no business in one, as tough
        // already refuses it in a role name.
        if let Some(c) = n.raw().chars().find(|c| c.is_control()) {
            return Err(error::tuf_refused(format!(
                "the repository lists a target named {:?}, which holds the control character {c:?}; a target \
                 name must be printable",
                n.raw()
            )));
        }
        if (!in_bin || asked.contains(n)) && out.insert(n.clone()) && !asked.contains(n) {
            *others += 1;
            limits::check("targets in one TUF repository", limits::MAX_TUF_TARGETS, *others)?;
        }
    }
    if depth > limits::MAX_TUF_DELEGATION_DEPTH {
        return Ok(());
    }
    if let Some(d) = &t.delegations {
        for r in &d.roles {
            if let Some(rt) = &r.targets {
                let bin = in_bin || matches!(r.paths, tough::schema::PathSet::PathHashPrefixes(_));
                collect(&rt.signed, depth + 1, bin, asked, out, others)?;
            }
        }
    }
    Ok(())
}

/// One role's part of [`owner_of`]'s search; `chain` holds the delegations entered so far. The
/// recursion is bounded by the depth limit tough enforced when it loaded the tree.
fn search<'a>(
    t: &'a Targets,
    name: &TargetName,
    depth: u64,
    visited: &mut std::collections::BTreeSet<&'a str>,
    chain: &mut Vec<String>,
    digest: &mut Option<String>,
) -> Search {
    if t.targets.contains_key(name) {
        return Search::Found;
    }
    if depth > limits::MAX_TUF_DELEGATION_DEPTH {
        return Search::NotHere;
    }
    let Some(d) = &t.delegations else { return Search::NotHere };
    for r in &d.roles {
        // The name's SHA-256 is computed once for the whole search, not per hashed prefix.
        if !r.paths.matches_target_name_cached(name, digest) || !visited.insert(r.name.as_str()) {
            continue;
        }
        chain.push(r.name.clone());
        match &r.targets {
            Some(rt) => match search(&rt.signed, name, depth + 1, visited, chain, digest) {
                Search::NotHere => {}
                found_or_stop => return found_or_stop,
            },
            None => return Search::Unloaded(r.name.clone()),
        }
        chain.pop();
        if r.terminating {
            return Search::Stop(r.name.clone());
        }
    }
    Search::NotHere
}

/// tough's error, with its whole cause chain, as a domainsig status.
fn refusal(e: tough::error::Error) -> Error {
    use tough::error::Error as T;
    let mut msg = e.to_string();
    let mut host_failed = None;
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        if let Some(h) = s.downcast_ref::<transport::HostError>() {
            host_failed.get_or_insert_with(|| h.0.clone());
        }
        let m = s.to_string();
        if !msg.contains(&m) {
            msg.push_str(": ");
            msg.push_str(&m);
        }
        src = s.source();
    }
    match &e {
        T::ExpiredMetadata { .. } => error::tuf_expired(format!(
            "TUF refused the update: {msg} (this machine's clock says {}); the repository must publish fresh metadata",
            crate::time::format_rfc3339(now())
        )),
        T::Transport { url, .. } if host_failed.is_some() => {
            let reason = host_failed.unwrap_or_default();
            // The C door's messages already start with the URL.
            let reason = reason.strip_prefix(&format!("{url}: ")).unwrap_or(&reason);
            error::tuf_fetch(format!("cannot reach {url}: {reason}"))
        }
        // The root walk ends on "not found" (python-tuf's rule); anywhere else it means the
        // server, or a token it no longer accepts, did not give the file: nothing was verified,
        // so nothing was refused.
        T::Transport { url, source, .. } if source.kind() == tough::TransportErrorKind::FileNotFound => {
            let why = if url.scheme() == "file" {
                "no such file"
            } else {
                "the server answers that it does not exist (HTTP 404 or 403)"
            };
            error::tuf_fetch(format!("cannot reach {url}: {why}"))
        }
        T::DatastoreCreate { .. }
        | T::DatastoreInit { .. }
        | T::DatastoreOpen { .. }
        | T::DatastoreRemove { .. }
        | T::DatastoreSerialize { .. } => error::tuf_cache(format!("TUF cache: {msg}")),
        _ => error::tuf_refused(format!("TUF refused the update: {msg}")),
    }
}
