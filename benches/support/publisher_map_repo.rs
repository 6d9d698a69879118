//! A synthetic publisher map at PyPI's scale (docs/publisher-map.md), shared by
//! `examples/publisher_map_scale.rs` and `benches/publisher_map.rs` (each includes this file with
//! `#[path]`): PROJECTS projects in 16,384 hashed bins, two levels (`pypi.org` → 256 roles
//! `pypi.org-XX` → 64 bins each with four 4-hex-digit prefixes), signed with fixed-seed Ed25519
//! keys into a temp folder that is removed when the [`MapRepo`] is dropped.
//!
//! The repository is served as an index serves it, over the host's network: [`MapRepo::cfg`]
//! names an `https://` URL that [`MapRepo`]'s [`Fetcher`] answers from the folder (no socket),
//! so an update takes the path a real one takes (requests bridged to the host's thread, fetched
//! metadata kept in the cache for the next refresh).
//!
//! Only the entry files of the locked projects are written: an update that fetched any other
//! would fail, so a successful update also shows nothing else was read. Every bin's metadata is
//! written (about 80 MB for 600,000 projects).

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use domainsig::trust::tuf::{Expiry, Fetched, Fetcher, Repo, Report, TufConfig};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

const FUTURE: &str = "2099-01-01T00:00:00Z";
/// Where the repository is served; never resolved, [`MapRepo`]'s fetcher answers for it.
const URL: &str = "https://map.example/";
/// The index whose map this is.
pub const INDEX: &str = "pypi.org";
/// Bins of the map (PEP 458's count).
pub const BINS: usize = 16_384;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sha256(b: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b).as_ref())
}

struct Key {
    pair: Ed25519KeyPair,
    id: String,
    json: Value,
}

fn key(seed: u16) -> Key {
    let mut s = [7u8; 32];
    s[..2].copy_from_slice(&seed.to_le_bytes());
    let pair = Ed25519KeyPair::from_seed_unchecked(&s).unwrap();
    let json =
        json!({"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": hex(pair.public_key().as_ref())}});
    let id = sha256(&serde_json::to_vec(&json).unwrap());
    Key { pair, id, json }
}

fn sign(signed: &Value, k: &Key) -> Vec<u8> {
    let sig = hex(k.pair.sign(&serde_json::to_vec(signed).unwrap()).as_ref());
    serde_json::to_vec(&json!({"signatures": [{"keyid": k.id, "sig": sig}], "signed": signed})).unwrap()
}

fn targets(targets: Value, delegations: Option<Value>) -> Value {
    let mut t = json!({"_type": "targets", "spec_version": "1.0.31", "version": 1, "expires": FUTURE,
                       "targets": targets});
    if let Some(d) = delegations {
        t["delegations"] = d;
    }
    t
}

fn entry(i: usize) -> Vec<u8> {
    serde_json::to_vec(&json!({"publishers": [{"kind": "GitHub", "repository": format!("org{}/project-{i}", i % 997),
                                               "workflow": "release.yml"}]}))
    .unwrap()
}

/// The map entry's target name of project `i`.
pub fn name(i: usize) -> String {
    format!("{INDEX}/publishers/project-{i}.json")
}

/// The bin (0..[`BINS`]) target `name` hashes to: its first 4 hex digits of SHA-256, four per bin.
fn bin_of(name: &str) -> usize {
    usize::from_str_radix(&sha256(name.as_bytes())[..4], 16).unwrap() / 4
}

/// The signed repository in a temp folder, and the lock resolved through it.
pub struct MapRepo {
    dir: PathBuf,
    repo: PathBuf,
    root: Vec<u8>,
    /// The locked projects: every (PROJECTS / LOCK)th, spread over the bins as real names are.
    pub lock: Vec<usize>,
    /// Projects in the map.
    pub projects: usize,
    /// Seconds it took to build and sign the repository.
    pub build_secs: f64,
    /// Size of snapshot.json, which lists every bin.
    pub snapshot_bytes: usize,
}

impl MapRepo {
    /// Builds and signs the repository of `projects` projects with a lock of `lock_n` of them.
    pub fn build(projects: usize, lock_n: usize) -> MapRepo {
        let t0 = Instant::now();
        let dir = std::env::temp_dir().join(format!("domainsig-map-scale-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let repo = dir.join("repo");
        std::fs::create_dir_all(repo.join("targets").join(INDEX).join("publishers")).unwrap();
        let write = |p: &Path, b: &[u8]| std::fs::write(p, b).unwrap();
        let step = (projects / lock_n.max(1)).max(1);
        let lock: Vec<usize> = (0..lock_n).map(|k| k * step).collect();

        let mut bins: Vec<BTreeMap<String, Value>> = vec![BTreeMap::new(); BINS];
        for i in 0..projects {
            let n = name(i);
            let e = entry(i);
            let bin = bin_of(&n);
            bins[bin].insert(n, json!({"length": e.len(), "hashes": {"sha256": sha256(&e)}}));
        }
        for &i in &lock {
            let e = entry(i);
            write(
                &repo.join("targets").join(INDEX).join("publishers").join(format!("{}.project-{i}.json", sha256(&e))),
                &e,
            );
        }
        let top_keys: Vec<Key> = (1..=5).map(key).collect();
        let l1_keys: Vec<Key> = (0..256).map(|i| key(100 + i)).collect();
        let bin_keys: Vec<Key> = (0..256).map(|i| key(1000 + i)).collect();
        let mut meta = BTreeMap::new();
        for (b, listed) in bins.into_iter().enumerate() {
            let body = sign(&targets(Value::Object(listed.into_iter().collect()), None), &bin_keys[b / 64]);
            write(&repo.join(format!("1.{INDEX}-{b:04x}.json")), &body);
            meta.insert(format!("{INDEX}-{b:04x}.json"), json!({"version": 1}));
        }
        for (x, k) in l1_keys.iter().enumerate() {
            let bk = &bin_keys[x];
            let roles: Vec<Value> = (0..64)
                .map(|j| {
                    let b = x * 64 + j;
                    let prefixes: Vec<String> = (0..4).map(|q| format!("{:04x}", b * 4 + q)).collect();
                    json!({"name": format!("{INDEX}-{b:04x}"), "keyids": [bk.id], "threshold": 1,
                           "terminating": true, "path_hash_prefixes": prefixes})
                })
                .collect();
            let d = json!({"keys": {bk.id.clone(): bk.json}, "roles": roles});
            write(&repo.join(format!("1.{INDEX}-{x:02x}.json")), &sign(&targets(json!({}), Some(d)), k));
            meta.insert(format!("{INDEX}-{x:02x}.json"), json!({"version": 1}));
        }
        let index_key = key(50);
        let roles: Vec<Value> = (0..256)
            .map(|x| {
                json!({"name": format!("{INDEX}-{x:02x}"), "keyids": [l1_keys[x].id], "threshold": 1,
                       "terminating": true, "path_hash_prefixes": [format!("{x:02x}")]})
            })
            .collect();
        let keys: serde_json::Map<String, Value> = l1_keys.iter().map(|k| (k.id.clone(), k.json.clone())).collect();
        let d = json!({"keys": keys, "roles": roles});
        write(&repo.join(format!("1.{INDEX}.json")), &sign(&targets(json!({}), Some(d)), &index_key));
        meta.insert(format!("{INDEX}.json"), json!({"version": 1}));
        let d = json!({"keys": {index_key.id.clone(): index_key.json},
                       "roles": [{"name": INDEX, "keyids": [index_key.id], "threshold": 1, "terminating": false,
                                  "paths": [format!("{INDEX}/*")]}]});
        write(&repo.join("1.targets.json"), &sign(&targets(json!({}), Some(d)), &top_keys[3]));
        meta.insert("targets.json".into(), json!({"version": 1}));
        let snapshot = sign(
            &json!({"_type": "snapshot", "spec_version": "1.0.31", "version": 1, "expires": FUTURE, "meta": meta}),
            &top_keys[2],
        );
        write(&repo.join("1.snapshot.json"), &snapshot);
        let timestamp = sign(
            &json!({"_type": "timestamp", "spec_version": "1.0.31", "version": 1, "expires": FUTURE,
                    "meta": {"snapshot.json": {"version": 1, "length": snapshot.len(),
                                               "hashes": {"sha256": sha256(&snapshot)}}}}),
            &top_keys[1],
        );
        write(&repo.join("timestamp.json"), &timestamp);
        let mut rkeys = BTreeMap::new();
        let mut rroles = BTreeMap::new();
        for (i, role) in ["root", "timestamp", "snapshot", "targets"].iter().enumerate() {
            rkeys.insert(top_keys[i].id.clone(), top_keys[i].json.clone());
            rroles.insert(*role, json!({"keyids": [top_keys[i].id], "threshold": 1}));
        }
        let root = sign(
            &json!({"_type": "root", "spec_version": "1.0.31", "version": 1, "expires": FUTURE,
                    "consistent_snapshot": true, "keys": rkeys, "roles": rroles}),
            &top_keys[0],
        );
        write(&repo.join("1.root.json"), &root);
        MapRepo {
            dir,
            repo,
            root,
            lock,
            projects,
            build_secs: t0.elapsed().as_secs_f64(),
            snapshot_bytes: snapshot.len(),
        }
    }

    /// A configuration for this repository (fetched through this [`MapRepo`] as the host's
    /// [`Fetcher`]) with its cache in the subfolder `cache` of the temp
    /// folder.
    pub fn cfg(&self, cache: &str) -> TufConfig {
        TufConfig {
            repo: Repo::Custom { url_or_dir: URL.to_owned(), root: Some(self.root.clone()) },
            cache: self.cache(cache),
            expiry: Expiry::Enforce,
        }
    }

    /// The cache folder [`MapRepo::cfg`] names for `cache`.
    pub fn cache(&self, cache: &str) -> PathBuf {
        self.dir.join(cache)
    }

    /// The target names of the locked projects.
    pub fn wanted(&self) -> Vec<String> {
        self.lock.iter().map(|&i| name(i)).collect()
    }

    /// The bin roles the lock's names hash to, and their level-1 roles.
    pub fn roles_of_lock(&self) -> (BTreeSet<String>, BTreeSet<String>) {
        let bins: BTreeSet<usize> = self.lock.iter().map(|&i| bin_of(&name(i))).collect();
        (
            bins.iter().map(|b| format!("{INDEX}-{b:04x}")).collect(),
            bins.iter().map(|b| format!("{INDEX}-{:02x}", b / 64)).collect(),
        )
    }

    /// Bytes of metadata (beyond root and timestamp) and targets an update read.
    pub fn bytes(&self, r: &Report) -> u64 {
        let size =
            |role: &str| std::fs::metadata(self.repo.join(format!("1.{role}.json"))).map(|m| m.len()).unwrap_or(0);
        r.roles.iter().filter(|x| x.role != "root" && x.role != "timestamp").map(|x| size(&x.role)).sum::<u64>()
            + r.targets.iter().map(|t| t.length).sum::<u64>()
    }
}

/// The host's network, for this repository only: a URL under [`URL`] is read from the folder.
impl Fetcher for MapRepo {
    fn fetch(&self, url: &str, max_len: u64) -> Result<Fetched, String> {
        let rest = url.strip_prefix(URL).ok_or_else(|| format!("{url} is not in the test repository"))?;
        match std::fs::read(self.repo.join(rest)) {
            Ok(b) if b.len() as u64 > max_len => Err(format!("{url} is larger than {max_len} bytes")),
            Ok(b) => Ok(Fetched::Bytes(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Fetched::NotFound),
            Err(e) => Err(format!("{url}: {e}")),
        }
    }
}

/// The bin roles and level-1 roles an update loaded.
pub fn fetched_roles(r: &Report) -> (BTreeSet<String>, BTreeSet<String>) {
    let of_len = |n: usize| r.roles.iter().filter(|x| x.role.len() == n).map(|x| x.role.clone()).collect();
    (of_len(INDEX.len() + 5), of_len(INDEX.len() + 3))
}

impl Drop for MapRepo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
