//! Fetch (through the host) and verify every entry of a lock; one result per entry.

use super::index::{self, Page, Provenance};
use super::{Entry, Fetched, Fetcher, Format, Lock, Source, host_port};
use crate::error::{self, Error, Status};
use crate::{Artifact, Outcome, Policy, Request, limits};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// What became of one entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Its attestation verified under the policy (and the lock's publisher pins).
    Verified,
    /// No attestation, and the policy asks nothing of the package: passes, with a warning.
    Unattested,
    /// Refused: the reason is in the result.
    Refused,
    /// The user's own files: listed, not verified.
    Listed,
}

/// One entry's result.
#[derive(Clone, Debug)]
pub struct EntryResult {
    /// The lock entry.
    pub entry: Entry,
    /// The index domain judged (where the installer fetches the artifact), when there is one.
    pub index: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// The refusal, when refused; or why it is unattested.
    pub error: Option<Error>,
    /// The library's full outcome, when an attestation was verified.
    pub outcome: Option<Outcome>,
    /// The publisher the verified signer is, as a PEP 740 publisher object (`kind` `Other` for a
    /// signer that is no Trusted Publisher), when a certificate signed.
    pub publisher: Option<serde_json::Value>,
    /// Where the attestation came from, and other remarks.
    pub notes: Vec<String>,
}

impl EntryResult {
    /// The status: `OK` unless refused (an unattested pass is `OK` with a warning).
    pub fn status(&self) -> Status {
        match self.verdict {
            Verdict::Refused => self.error.as_ref().map_or(Status::Internal, |e| e.status),
            _ => Status::Ok,
        }
    }

    /// The result as a JSON value: entry, verdict, status, code, message, publisher, and the
    /// library's result object when an attestation was verified.
    pub fn to_value(&self) -> serde_json::Value {
        let st = self.status();
        let mut v = serde_json::json!({
            "name": self.entry.name,
            "version": self.entry.version,
            "file": self.entry.file,
            "source": self.entry.source,
            "index": self.index,
            "verdict": self.verdict,
            "status": st.name(),
            "code": st.code(),
            "publisher": self.publisher,
        });
        if let Some(e) = &self.error {
            v["message"] = e.message.clone().into();
            if let Some(f) = &e.field {
                v["field"] = f.clone().into();
            }
            if self.verdict == Verdict::Unattested {
                v["warning_status"] = e.status.name().into();
            }
        }
        if !self.entry.publishers.is_empty() {
            v["pinned_publishers"] = serde_json::json!(self.entry.publishers);
        }
        if !self.notes.is_empty() {
            v["notes"] = serde_json::json!(self.notes);
        }
        if let Some(o) = &self.outcome {
            v["result"] = serde_json::from_str(&o.to_json()).unwrap_or(serde_json::Value::Null);
        }
        v
    }
}

/// Every entry's result, in the lock's order.
#[derive(Clone, Debug)]
pub struct Report {
    /// The lock's format.
    pub format: Format,
    /// One result per entry.
    pub entries: Vec<EntryResult>,
}

impl Report {
    /// Whether nothing was refused (the installer may go ahead).
    pub fn ok(&self) -> bool {
        self.entries.iter().all(|r| r.verdict != Verdict::Refused)
    }

    /// How many entries got `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.entries.iter().filter(|r| r.verdict == verdict).count()
    }

    /// The report as JSON: counts, then one object per entry ([`EntryResult::to_value`]).
    pub fn to_json(&self) -> String {
        let v = serde_json::json!({
            "lockfile": self.format.name(),
            "ok": self.ok(),
            "verified": self.count(Verdict::Verified),
            "unattested": self.count(Verdict::Unattested),
            "refused": self.count(Verdict::Refused),
            "listed": self.count(Verdict::Listed),
            "entries": self.entries.iter().map(EntryResult::to_value).collect::<Vec<_>>(),
        });
        v.to_string()
    }
}

/// Verifies a lock, fetching through `fetcher` on the calling thread only (one request at a
/// time, as a C callback or a Python/Node host expects), then verifying on up to `jobs` threads
/// (0 = one per core). `progress` is called with the number of entries judged so far.
pub fn verify(
    policy: &Policy,
    lock: &Lock,
    fetcher: &dyn Fetcher,
    jobs: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Report {
    let pages = Pages::default();
    let gathered: Vec<Gathered> = lock.entries.iter().map(|e| gather(e, fetcher, &pages)).collect();
    let items: Vec<(&Entry, Gathered)> = lock.entries.iter().zip(gathered).collect();
    let entries = parallel(&items, jobs, progress, |(e, _)| *e, |(e, g)| judge(policy, lock.format, e, g.clone()));
    Report { format: lock.format, entries }
}

/// As [`verify`], with fetches in parallel too: each of up to `jobs` threads fetches and then
/// verifies one entry at a time (the CLI's way; `fetcher` must be callable from any thread).
pub fn verify_parallel(
    policy: &Policy,
    lock: &Lock,
    fetcher: &(dyn Fetcher + Sync),
    jobs: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Report {
    let pages = Pages::default();
    let entries =
        parallel(&lock.entries, jobs, progress, |e| e, |e| judge(policy, lock.format, e, gather(e, fetcher, &pages)));
    Report { format: lock.format, entries }
}

/// Runs `f` over `items` through the batch work queue ([`crate::parallel::map`]), keeping the
/// order; a panic in one item is that item's INTERNAL refusal.
fn parallel<T: Sync>(
    items: &[T],
    jobs: usize,
    progress: &(dyn Fn(usize) + Sync),
    entry_of: impl Fn(&T) -> &Entry,
    f: impl Fn(&T) -> EntryResult + Sync,
) -> Vec<EntryResult> {
    crate::parallel::map(items, jobs, progress, f)
        .into_iter()
        .zip(items)
        .map(|(r, item)| {
            r.unwrap_or_else(|| EntryResult {
                entry: entry_of(item).clone(),
                index: None,
                verdict: Verdict::Refused,
                error: Some(error::internal("verifying this entry panicked")),
                outcome: None,
                publisher: None,
                notes: Vec::new(),
            })
        })
        .collect()
}

/// What was fetched for one entry.
#[derive(Clone, Debug)]
enum Gathered {
    /// Nothing to fetch (local or unverifiable entries).
    Nothing,
    /// The attestation document (PyPI provenance object, npm attestations document).
    Doc { bytes: Arc<Vec<u8>>, index_domain: String, note: String },
    /// The index has no attestation for it.
    Missing { index_domain: String, why: String },
    /// The host could not fetch, or the lock names something unusable.
    Failed { index_domain: Option<String>, error: Error },
}

/// Project pages, fetched once per URL however many files of the project the lock names.
#[derive(Default)]
struct Pages {
    map: Mutex<HashMap<String, Arc<OnceLock<Option<Page>>>>>,
}

impl Pages {
    fn get(&self, url: &str, fetcher: &dyn Fetcher) -> Option<Page> {
        let cell = {
            let mut m = self.map.lock().ok()?;
            m.entry(url.to_owned()).or_default().clone()
        };
        cell.get_or_init(|| match fetcher.fetch(url, limits::MAX_INDEX_PAGE_BYTES as u64) {
            Ok(Fetched::Bytes(b)) => Page::parse(&b, url),
            _ => None,
        })
        .clone()
    }
}

fn fetch_doc(fetcher: &dyn Fetcher, url: &str) -> Result<Option<Vec<u8>>, Error> {
    match fetcher.fetch(url, limits::MAX_BUNDLE_BYTES as u64) {
        Ok(Fetched::Bytes(b)) if b.len() > limits::MAX_BUNDLE_BYTES => {
            Err(limits::exceeded("attestation document size in bytes", limits::MAX_BUNDLE_BYTES, b.len()))
        }
        Ok(Fetched::Bytes(b)) => Ok(Some(b)),
        Ok(Fetched::NotFound) => Ok(None),
        Err(e) => Err(error::attestation_missing(format!("could not fetch {url}: {e}"))),
    }
}

fn gather(e: &Entry, fetcher: &dyn Fetcher, pages: &Pages) -> Gathered {
    match &e.source {
        Source::Local { .. } | Source::Unverifiable { .. } => Gathered::Nothing,
        Source::Index { index, .. } => gather_pypi(e, index, fetcher, pages),
        Source::Registry { registry, tarball, .. } => gather_npm(e, registry, tarball.as_deref(), fetcher),
    }
}

fn gather_pypi(e: &Entry, index: &str, fetcher: &dyn Fetcher, pages: &Pages) -> Gathered {
    let Some(base) = url::Url::parse(index).ok() else {
        return Gathered::Failed { index_domain: None, error: error::lock_invalid(format!("bad index URL {index}")) };
    };
    let domain = host_port(&base).unwrap_or_default();
    let file = e.file.as_deref().unwrap_or_default();
    let project = index::normalize(&e.name);
    let page_url = format!("{index}{}/", index::segment(&project));
    let failed = |error| Gathered::Failed { index_domain: Some(domain.clone()), error };
    match pages.get(&page_url, fetcher).as_ref().and_then(|p| p.provenance(file).cloned()) {
        Some(Provenance::None) => {
            return Gathered::Missing {
                index_domain: domain.clone(),
                why: format!("{domain} lists no provenance for {file}"),
            };
        }
        Some(Provenance::Url(u)) => {
            return match fetch_doc(fetcher, &u) {
                Ok(Some(bytes)) => Gathered::Doc {
                    bytes: Arc::new(bytes),
                    index_domain: domain.clone(),
                    note: format!("provenance from {u} (PEP 740, listed on {page_url})"),
                },
                Ok(None) => Gathered::Missing {
                    index_domain: domain.clone(),
                    why: format!("{domain} lists provenance {u}, which is not there"),
                },
                Err(err) => failed(err),
            };
        }
        Some(Provenance::Unsaid) | None => {}
    }
    // PyPI's Integrity API, for indexes whose simple API does not say:
    // GET /integrity/<project>/<version>/<filename>/provenance (https://docs.pypi.org/api/integrity/).
    let Some(version) = e.version.as_deref() else {
        return Gathered::Missing {
            index_domain: domain.clone(),
            why: format!(
                "{domain} lists no provenance for {file}, and the lock gives no version to ask its Integrity API"
            ),
        };
    };
    let path = format!(
        "/integrity/{}/{}/{}/provenance",
        index::segment(&project),
        index::segment(version),
        index::segment(file)
    );
    let Ok(url) = base.join(&path) else {
        return failed(error::lock_invalid(format!("cannot form an Integrity API URL from {index} and {path}")));
    };
    match fetch_doc(fetcher, url.as_str()) {
        Ok(Some(bytes)) => Gathered::Doc {
            bytes: Arc::new(bytes),
            index_domain: domain.clone(),
            note: format!("provenance from the Integrity API of {domain}"),
        },
        Ok(None) => Gathered::Missing {
            index_domain: domain.clone(),
            why: format!(
                "{domain} serves no provenance for {file} (no `provenance` on its page, none from its Integrity API)"
            ),
        },
        Err(err) => failed(err),
    }
}

/// `host[:port]` and path of a registry URL (`registry.npmjs.org`, `npm.corp.example/api/npm`),
/// as the npm gate names a registry.
fn registry_domain(u: &url::Url) -> String {
    format!("{}{}", host_port(u).unwrap_or_default(), u.path().trim_end_matches('/'))
}

fn gather_npm(e: &Entry, registry: &str, tarball: Option<&str>, fetcher: &dyn Fetcher) -> Gathered {
    let Some(reg) = url::Url::parse(registry).ok() else {
        return Gathered::Failed {
            index_domain: None,
            error: error::lock_invalid(format!("bad registry URL {registry}")),
        };
    };
    // The tarball's host is where the installer fetches it from: when it is not the registry's,
    // that host is the index judged, and only the policy's mirrors can accept it.
    let domain = match tarball.and_then(|t| url::Url::parse(t).ok()) {
        Some(t) if host_port(&t) != host_port(&reg) => host_port(&t).unwrap_or_default(),
        _ => registry_domain(&reg),
    };
    let version = e.version.as_deref().unwrap_or_default();
    // npm's attestations endpoint (`dist.attestations.url` in the packument):
    // GET <registry>/-/npm/v1/attestations/<name>@<version>, a scoped name keeping its `/`.
    // Name and version were checked to npm's characters when the lock was read.
    let url = format!("{registry}-/npm/v1/attestations/{}@{version}", e.name);
    match fetch_doc(fetcher, &url) {
        Ok(Some(bytes)) => {
            Gathered::Doc { bytes: Arc::new(bytes), index_domain: domain, note: format!("attestations from {url}") }
        }
        Ok(None) => Gathered::Missing {
            why: format!("{} serves no attestations for {}@{version}", registry_domain(&reg), e.name),
            index_domain: domain,
        },
        Err(error) => Gathered::Failed { index_domain: Some(domain), error },
    }
}

/// The name the policy and the subject binding read: the file name (PyPI) or the purl (npm).
fn artifact_name(e: &Entry) -> String {
    match &e.source {
        Source::Registry { .. } => {
            format!("pkg:npm/{}@{}", e.name.replacen('@', "%40", 1), e.version.as_deref().unwrap_or_default())
        }
        _ => e.file.clone().unwrap_or_else(|| e.name.clone()),
    }
}

/// `SUBJECT_MISMATCH` unless the distribution file name `file` reads as `package` (PEP 503
/// names) at `version` (PEP 440, when the lock gives one).
fn file_is_package(file: &str, package: &str, version: Option<&str>) -> Result<(), Error> {
    let readings = crate::subject::readings(file);
    let ok = readings.iter().any(|r| r.has_name(package) && version.is_none_or(|v| r.has_version(v)));
    if ok {
        return Ok(());
    }
    let want = match version {
        Some(v) => format!("{package} {v}"),
        None => package.to_owned(),
    };
    Err(error::subject(format!("expected a file of the lock entry's package {want}; found {file:?}")).at("name"))
}

/// How a refusal names the lock's pins for a package.
fn pin_source(format: Format) -> &'static str {
    match format {
        Format::Pylock => "pylock.toml attestation-identities",
        // Only package-lock.json carries the npm gate's trust file (lock::Options::trust_file).
        Format::PackageLock | Format::Pnpm => super::trustfile::FILE_NAME,
    }
}

fn judge(policy: &Policy, format: Format, e: &Entry, g: Gathered) -> EntryResult {
    let mut r = EntryResult {
        entry: e.clone(),
        index: None,
        verdict: Verdict::Refused,
        error: None,
        outcome: None,
        publisher: None,
        notes: Vec::new(),
    };
    let name = artifact_name(e);
    // The lock's pins, the policy's per-package pins and the subject binding are all keyed by
    // package: a file that is not the entry's package (another project's file listed under this
    // name, which an index can serve and an installer copy) would be judged as that other
    // package, and the pins recorded for this one would never speak.
    if let Source::Index { .. } = &e.source {
        if let Err(err) = file_is_package(&name, &e.name, e.version.as_deref()) {
            r.error = Some(err);
            return r;
        }
    }
    // No attestation: passes only where neither the lock (its own rule: recorded publishers make
    // a file without provenance a downgrade) nor the policy and its maps ask anything of it, the
    // latter judged by the one rule every door uses (Policy::judge_unattested). `index` is where
    // the file came from; None for an entry no index lists (a git dependency, a direct URL).
    let unattested = |mut r: EntryResult, err: Error, index: Option<&str>| {
        if !e.publishers.is_empty() {
            r.notes.push("the lock pins publishers for this package".into());
            r.error = Some(err);
            return r;
        }
        // A file no index vouched for may read as another package than the entry's (a pylock
        // `sdist` named `q-1.tar.gz` under `p`; an index's file is checked by file_is_package): it
        // is judged as both, so `p`'s pins still speak, as the pip gate judges under pip's name
        // and the file's.
        let own = Some(e.name.as_str()).filter(|n| matches!(e.source, Source::Unverifiable { .. }) && *n != name);
        // A registry tarball the lock places on another host is fetched from there but is the
        // registry's package: it is judged for the registry too (its map's claim speaks), as the
        // npm gate judges a tarball for its registry and the host it is fetched from.
        let registry = match &e.source {
            Source::Registry { registry, .. } => url::Url::parse(registry).ok().map(|u| registry_domain(&u)),
            _ => None,
        };
        let also = registry.as_deref().filter(|r| index.is_some_and(|i| i != *r));
        let judged = policy.judge_unattested(&name, index).and_then(|mut w| {
            if let Some(n) = own {
                w.extend(policy.judge_unattested(n, index)?.into_iter().skip(1));
            }
            if let Some(r) = also {
                w.extend(policy.judge_unattested(&name, Some(r))?.into_iter().skip(1));
            }
            Ok(w)
        });
        match judged {
            Ok(warnings) => {
                r.verdict = Verdict::Unattested;
                r.notes.push("the policy asks nothing of this package: passed WITHOUT an attestation".into());
                r.notes.extend(warnings);
                r.error = Some(err);
            }
            Err(why) if why.status == err.status => {
                r.error = Some(Error { message: format!("{}; {}", err.message, why.message), ..why });
            }
            Err(why) => {
                r.notes.push(err.message);
                r.error = Some(why);
            }
        }
        r
    };
    match (&e.source, g) {
        (Source::Local { what }, _) => {
            r.verdict = Verdict::Listed;
            r.notes.push(format!("the user's own files ({what}): listed, not verified"));
            r
        }
        (Source::Unverifiable { why }, _) => {
            unattested(r, error::attestation_missing(format!("not verifiable: {why}")), None)
        }
        (_, Gathered::Nothing) => {
            r.error = Some(error::internal("nothing was fetched for an index entry"));
            r
        }
        (_, Gathered::Failed { index_domain, error }) => {
            r.index = index_domain;
            r.error = Some(error);
            r
        }
        (_, Gathered::Missing { index_domain, why }) => {
            let index = index_domain.clone();
            r.index = Some(index_domain);
            unattested(r, error::attestation_missing(why), Some(&index))
        }
        (source, Gathered::Doc { bytes, index_domain, note }) => {
            let digest = match source {
                Source::Index { sha256, .. } => format!("sha256:{sha256}"),
                Source::Registry { sha512, .. } => format!("sha512:{sha512}"),
                _ => String::new(),
            };
            r.index = Some(index_domain.clone());
            r.notes.push(note);
            let artifact = match Artifact::parse_digest(&digest) {
                Ok(a) => a,
                Err(err) => {
                    r.error = Some(err);
                    return r;
                }
            };
            // The lock's attestation-identities are one more source of pins for the package:
            // the policy and the lock must both accept the signer (src/policy/signers.rs).
            let pinned;
            let policy = if e.publishers.is_empty() {
                policy
            } else {
                let pubs: Result<Vec<_>, Error> = e
                    .publishers
                    .iter()
                    .map(|m| {
                        crate::Publisher::from_value(&serde_json::Value::Object(m.clone()), "attestation-identities")
                    })
                    .collect();
                match pubs {
                    Ok(p) => {
                        pinned = policy.with_pin_source(&e.name, pin_source(format), p);
                        &pinned
                    }
                    Err(err) => {
                        r.error = Some(err);
                        return r;
                    }
                }
            };
            let outcome = policy.verify(&Request {
                artifact,
                name: Some(&name),
                bundle: &bytes,
                index_domain: Some(&index_domain),
            });
            r.publisher = outcome.publisher().and_then(|p| serde_json::to_value(p).ok());
            r.error = outcome.error.clone();
            r.verdict = if r.error.is_none() { Verdict::Verified } else { Verdict::Refused };
            r.outcome = Some(outcome);
            r
        }
    }
}
