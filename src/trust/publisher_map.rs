//! An index's publisher map (docs/publisher-map.md): who publishes each of its projects, as TUF
//! targets `<index>/publishers/<project>.json` signed through a top-level delegation named after
//! the index and split into hashed bins. Read from the verified TUF cache only: loading a map
//! never fetches (`trust update --packages` does, through the host's network).
//!
//! Each entry is one more voice for its project (src/policy/signers.rs): it must accept the
//! signer, as the policy's pins and the lock must.

use crate::domain::Domain;
use crate::error::{self, Result};
use crate::publisher::Publisher;
use crate::trust::tuf::{self, TufConfig};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The folder under the index's name that holds its map (`pypi.org/publishers/`).
pub const MAP_DIR: &str = "publishers";
/// Most publishers one entry may name (a project with a release workflow per branch has a few).
pub const MAX_ENTRY_PUBLISHERS: usize = 64;

/// The TUF target name of `project`'s entry in `index`'s map. `project` is the name as the
/// index's ecosystem compares names (PEP 503 normalised for PyPI, `@scope/name` for npm).
pub fn target_name(index: &Domain, project: &str) -> String {
    format!("{index}/{MAP_DIR}/{project}.json")
}

/// One project's entry: the publishers the index names, and where TUF found them.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The target name (`pypi.org/publishers/attrs.json`).
    pub target: String,
    /// The role whose signed metadata lists it (a hashed bin).
    pub role: String,
    /// The entry file's SHA-256, lower-case hex.
    pub sha256: String,
    /// The publishers the index names (never empty: absence is how an index makes no claim).
    pub publishers: Vec<Publisher>,
}

/// What a map says about one project.
#[derive(Debug)]
pub enum Lookup<'a> {
    /// The index names these publishers.
    Claim(&'a Entry),
    /// TUF's search found no entry: the index makes no claim.
    NoClaim,
    /// The cache never searched for this project: nothing can be said until `trust update
    /// --packages` asks for it.
    NotSearched,
}

/// One index's map, as the verified cache holds it.
#[derive(Clone, Debug)]
pub struct PublisherMap {
    index: Domain,
    repository: String,
    cache: String,
    /// `role version V, expires E` of the index's top-level delegation.
    role: String,
    update_hint: String,
    entries: BTreeMap<String, Entry>,
    asked: BTreeSet<String>,
}

impl PublisherMap {
    /// Reads `index`'s map from `cfg`'s cache, refused when any cached role expired at `at` (Unix
    /// seconds), an entry was not found through the delegation named `index`, or an entry's bytes
    /// do not parse.
    pub fn load(cfg: &TufConfig, index: &Domain, at: i64) -> Result<PublisherMap> {
        if index.as_str().contains('/') {
            return Err(error::policy_invalid(format!(
                "the index {index} has a path; a publisher map lives under a host name (a TUF delegation name has no '/')"
            )));
        }
        let (report, live) = tuf::fresh_state(cfg, at)?;
        let prefix = format!("{index}/{MAP_DIR}/");
        let role = report
            .roles
            .iter()
            .find(|r| r.role == index.as_str())
            .map(|r| format!("role {} version {}, expires {}", r.role, r.version, r.expires))
            .unwrap_or_else(|| format!("no role {index} loaded"));
        let mut entries = BTreeMap::new();
        for t in report.targets.iter().filter(|t| t.name.starts_with(&prefix)) {
            // Listed by another delegation and never asked for (an update refuses an asked name
            // found so): it does not speak for the index, and is left out rather than making
            // every policy that reads the map fail; the map then says nothing about that project.
            if t.domain.as_deref() != Some(index.as_str()) && !report.asked.contains(&t.name) {
                continue;
            }
            if t.domain.as_deref() != Some(index.as_str()) {
                return Err(error::tuf_refused(format!(
                    "the cached target {} was verified through role {}, not through the delegation {index}: \
                     it does not speak for {index}",
                    t.name, t.role
                )));
            }
            let Some(project) = t.name.strip_prefix(&prefix).and_then(|p| p.strip_suffix(".json")) else {
                continue;
            };
            let bytes = tuf::read_target(&live, t)?;
            let publishers = parse_entry(&bytes, &t.name)?;
            entries.insert(
                project.to_owned(),
                Entry { target: t.name.clone(), role: t.role.clone(), sha256: t.sha256.clone(), publishers },
            );
        }
        let asked = report.asked.iter().filter(|n| n.starts_with(&prefix)).cloned().collect();
        Ok(PublisherMap {
            index: index.clone(),
            repository: report.repository.clone(),
            cache: report.cache.clone(),
            role,
            update_hint: format!("domainsig trust update --repo {} --cache {}", cfg.repo_arg(), cfg.cache.display()),
            entries,
            asked,
        })
    }

    /// The index this map speaks for.
    pub fn index(&self) -> &Domain {
        &self.index
    }

    /// What the map says about `project` (named as its ecosystem compares names).
    pub fn lookup(&self, project: &str) -> Lookup<'_> {
        if let Some(e) = self.entries.get(project) {
            return Lookup::Claim(e);
        }
        if self.asked.contains(&target_name(&self.index, project)) { Lookup::NoClaim } else { Lookup::NotSearched }
    }

    /// The refusal for a project the cache never searched.
    pub fn not_searched(&self, project: &str) -> error::Error {
        error::tuf_missing(format!(
            "the publisher map of {} in TUF cache {} was never searched for {project} (target {}), so it \
             cannot say who publishes it; run `{} --packages {project}`",
            self.index,
            self.cache,
            target_name(&self.index, project),
            self.update_hint
        ))
    }

    /// The map in words, for refusals and explain-policy.
    pub fn describe(&self) -> String {
        format!("the publisher map of {} (TUF repository {}, {})", self.index, self.repository, self.role)
    }

    /// How many entries the cache holds, and how many projects it searched.
    pub fn counts(&self) -> (usize, usize) {
        (self.entries.len(), self.asked.len())
    }
}

/// Parses an entry file: `{"publishers": [PUBLISHER, ...]}`, exactly that key, 1 to
/// [`MAX_ENTRY_PUBLISHERS`] publisher objects (docs/publishers.md).
pub fn parse_entry(bytes: &[u8], name: &str) -> Result<Vec<Publisher>> {
    let bad = |m: String| error::tuf_refused(format!("publisher map entry {name}: {m}"));
    let what = format!("publisher map entry {name}");
    let crate::json::UniqueKeys(v) = crate::json::parse(bytes, tuf_entry_limit(), &what, error::Status::TufRefused)
        .map_err(|e| match e.message.contains(name) {
            true => e,
            false => error::Error { message: format!("{what}: {}", e.message), ..e },
        })?;
    let o = v.as_object().ok_or_else(|| bad("must be a JSON object".into()))?;
    if let Some(k) = o.keys().find(|k| *k != "publishers") {
        return Err(bad(format!("unknown key {k:?}; an entry has only \"publishers\"")));
    }
    let list = o
        .get("publishers")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("\"publishers\" must be a list of publisher objects".into()))?;
    if list.is_empty() || list.len() > MAX_ENTRY_PUBLISHERS {
        return Err(bad(format!(
            "names {} publishers; an entry names 1 to {MAX_ENTRY_PUBLISHERS} (no entry is how an index makes no claim)",
            list.len()
        )));
    }
    list.iter()
        .enumerate()
        .map(|(i, p)| Publisher::from_value(p, &format!("publishers[{i}]")).map_err(|e| bad(e.message)))
        .collect()
}

fn tuf_entry_limit() -> usize {
    64 << 10
}

/// The entry target names of `projects` in `index`'s map, each name normalised as `ecosystem`
/// compares names (PEP 503 for PyPI; npm names as written): what `trust update --packages` asks
/// TUF to search for.
pub fn wanted(index: &str, ecosystem: crate::subject::Ecosystem, projects: &[&str]) -> Result<Vec<String>> {
    let index = crate::domain::normalize(index)?;
    if index.as_str().contains('/') {
        return Err(error::invalid_argument(format!(
            "the index {index} has a path; a publisher map lives under a host name"
        )));
    }
    projects
        .iter()
        .map(|p| {
            let name = match ecosystem {
                crate::subject::Ecosystem::Pypi => crate::subject::canonicalize_pypi_name(p),
                _ => (*p).to_owned(),
            };
            // A PyPI name is ASCII letters, digits, '.', '_' and '-', starting and ending with a
            // letter or digit ("Names and normalization", "Name format": the regex
            // `^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])\Z`, case-insensitive;
            // https://packaging.python.org/en/latest/specifications/name-normalization/). A lock
            // copies names from the index, so a '/' there would otherwise address another
            // folder of the map.
            let pypi_ok = ecosystem != crate::subject::Ecosystem::Pypi
                || (p.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
                    && p.starts_with(|c: char| c.is_ascii_alphanumeric())
                    && p.ends_with(|c: char| c.is_ascii_alphanumeric()));
            let ok = pypi_ok
                && !name.is_empty()
                && name.len() <= 214
                && !name.split('/').any(|s| s.is_empty() || s == "." || s == "..")
                && name.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
            if !ok {
                return Err(error::invalid_argument(format!(
                    "{} is not a package name (expected 1 to 214 printable ASCII characters, no empty, \".\" or \"..\" path segment)",
                    cut(&format!("{p:?}"))
                )));
            }
            Ok(target_name(&index, &name))
        })
        .collect()
}

/// `v` for a message: its JSON, cut at 64 characters (a hostile search may hold megabytes).
fn shown(v: &Value) -> String {
    cut(&v.to_string())
}

/// `text` cut at 64 characters, saying how long it was.
fn cut(text: &str) -> String {
    match text.char_indices().nth(64) {
        Some((i, _)) => format!("{}... ({} bytes)", &text[..i], text.len()),
        None => text.to_owned(),
    }
}

/// The entry target names a trust update's `"search"` object asks for:
/// `{"index": "pypi.org", "packages": ["attrs", ...], "ecosystem": "pypi" | "npm"}` (`ecosystem`
/// optional, `pypi` by default), the JSON form of `trust update --index --packages --ecosystem`
/// that the C, Python and Node doors and the install gates use.
pub fn wanted_from_value(v: &Value) -> Result<Vec<String>> {
    let bad = |field: &str, msg: String| error::invalid_argument(msg).at(format!("search{field}"));
    let o = v.as_object().ok_or_else(|| {
        bad(
            "",
            format!("expected {{\"index\": DOMAIN, \"packages\": [NAME, ...], \"ecosystem\"?}}, found {}", shown(v)),
        )
    })?;
    if let Some(k) = o.keys().find(|k| !matches!(k.as_str(), "index" | "packages" | "ecosystem")) {
        // The field names the key when it is short enough to repeat.
        let field = if k.len() <= 64 { format!(".{k}") } else { String::new() };
        let k = cut(&format!("{k:?}"));
        return Err(bad(&field, format!("unknown key {k}: a search takes index, packages and ecosystem")));
    }
    let index = o
        .get("index")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(".index", "expected the index's host name as a string".into()))?;
    let ecosystem = match o.get("ecosystem") {
        None => crate::subject::Ecosystem::Pypi,
        Some(Value::String(s)) if s == "pypi" => crate::subject::Ecosystem::Pypi,
        Some(Value::String(s)) if s == "npm" => crate::subject::Ecosystem::Npm,
        Some(other) => return Err(bad(".ecosystem", format!("expected \"pypi\" or \"npm\", found {}", shown(other)))),
    };
    let list = o
        .get("packages")
        .and_then(Value::as_array)
        .ok_or_else(|| bad(".packages", "expected an array of package names".into()))?;
    crate::limits::check("packages in one publisher map search", crate::limits::MAX_TUF_MAP_NAMES, list.len())?;
    let names = list
        .iter()
        .enumerate()
        .map(|(i, n)| {
            n.as_str().ok_or_else(|| bad(&format!(".packages[{i}]"), format!("expected a name, found {}", shown(n))))
        })
        .collect::<Result<Vec<&str>>>()?;
    wanted(index, ecosystem, &names).map_err(|e| e.at("search"))
}

/// The entry target names of the packages `lock` installs, for `trust update --lock`: the
/// ecosystem is the lock's (pylock.toml is PyPI's; package-lock.json, npm-shrinkwrap.json and
/// pnpm-lock.yaml are npm's), the names are its entries' names, each once, in the lock's order.
/// Entries that are the user's own files (`file:`, `link:`, workspace) come from no index, so
/// no map speaks for them and they are not searched.
///
/// `lock` is a lockfile parsed by [`crate::lock::parse`], which bounded its size, entry count and
/// names: the lock is as hostile as the index its entries were copied from.
pub fn wanted_from_lock(index: &str, lock: &crate::lock::Lock) -> Result<Vec<String>> {
    let ecosystem = match lock.format {
        crate::lock::Format::Pylock => crate::subject::Ecosystem::Pypi,
        crate::lock::Format::PackageLock | crate::lock::Format::Pnpm => crate::subject::Ecosystem::Npm,
    };
    let names: Vec<&str> = lock
        .entries
        .iter()
        .filter(|e| !matches!(e.source, crate::lock::Source::Local { .. }))
        .map(|e| e.name.as_str())
        .collect();
    // A package locked as several files (wheels, an sdist) and names that normalise alike
    // (`Foo_Bar`, `foo-bar`) are one search.
    let mut seen = BTreeSet::new();
    let targets: Vec<String> =
        wanted(index, ecosystem, &names)?.into_iter().filter(|t| seen.insert(t.clone())).collect();
    crate::limits::check("packages in one publisher map search", crate::limits::MAX_TUF_MAP_NAMES, targets.len())?;
    Ok(targets)
}
