//! The cost of a publisher map at PyPI's scale (docs/publisher-map.md): a synthetic index of
//! 600,000 projects in 16,384 hashed bins (two levels: `pypi.org` → 256 roles `pypi.org-XX` → 64
//! bins each with four 4-hex-digit prefixes), signed with fixed-seed Ed25519 keys into a local
//! folder, then a lock of 1,000 projects resolved through it. Prints the bins fetched, the bytes
//! read, and the time of the update beyond the plain TUF walk (the same repository updated with no
//! project asked), then the time to load the map into a policy. A benchmark, not a test:
//!
//!     cargo run --release --example publisher_map_scale [PROJECTS] [LOCK]
//!
//! Only the entry files of the locked projects are written: an update that fetched any other
//! would fail, so a successful run also shows nothing else was read. Every bin's metadata is
//! written (about 80 MB in the temp folder, removed at the end).

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use domainsig::trust::tuf::{self, Expiry, NoNetwork, Repo, TufConfig};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

const FUTURE: &str = "2099-01-01T00:00:00Z";
const INDEX: &str = "pypi.org";

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

fn name(i: usize) -> String {
    format!("{INDEX}/publishers/project-{i}.json")
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let projects = args.first().copied().unwrap_or(600_000);
    let lock_n = args.get(1).copied().unwrap_or(1_000);
    let dir = std::env::temp_dir().join(format!("domainsig-map-scale-{}", std::process::id()));
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join("targets").join(INDEX).join("publishers")).unwrap();
    let write = |p: &Path, b: &[u8]| std::fs::write(p, b).unwrap();

    // The lock: every 600th project, spread over the bins as real names are.
    let step = (projects / lock_n).max(1);
    let lock: Vec<usize> = (0..lock_n).map(|k| k * step).collect();
    let t0 = Instant::now();

    // Projects into bins by the first 4 hex digits of the SHA-256 of the target path.
    let mut bins: Vec<BTreeMap<String, Value>> = vec![BTreeMap::new(); 16_384];
    for i in 0..projects {
        let n = name(i);
        let h = sha256(n.as_bytes());
        let bin = usize::from_str_radix(&h[..4], 16).unwrap() / 4;
        let e = entry(i);
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
                "meta": {"snapshot.json": {"version": 1, "length": snapshot.len(), "hashes": {"sha256": sha256(&snapshot)}}}}),
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
    println!(
        "repository: {projects} projects in 16,384 bins, built in {:.1} s (snapshot {} bytes)",
        t0.elapsed().as_secs_f64(),
        snapshot.len()
    );

    let cfg = |cache: &str| TufConfig {
        repo: Repo::Custom { url_or_dir: repo.to_string_lossy().into_owned(), root: Some(root.clone()) },
        cache: dir.join(cache),
        expiry: Expiry::Enforce,
    };
    let t = Instant::now();
    let plain = tuf::update_for(&cfg("plain"), &NoNetwork, &[]).unwrap();
    let walk = t.elapsed().as_secs_f64();
    let wanted: Vec<String> = lock.iter().map(|&i| name(i)).collect();
    let t = Instant::now();
    let r = tuf::update_for(&cfg("lock"), &NoNetwork, &wanted).unwrap();
    let with_map = t.elapsed().as_secs_f64();
    let size = |role: &str| std::fs::metadata(repo.join(format!("1.{role}.json"))).map(|m| m.len()).unwrap_or(0);
    let bytes = |r: &tuf::Report| -> u64 {
        r.roles.iter().filter(|x| x.role != "root" && x.role != "timestamp").map(|x| size(&x.role)).sum::<u64>()
            + r.targets.iter().map(|t| t.length).sum::<u64>()
    };
    let bins_fetched = r.roles.iter().filter(|x| x.role.len() == INDEX.len() + 5).count();
    let l1_fetched = r.roles.iter().filter(|x| x.role.len() == INDEX.len() + 3).count();
    let distinct: std::collections::BTreeSet<usize> =
        lock.iter().map(|&i| usize::from_str_radix(&sha256(name(i).as_bytes())[..4], 16).unwrap() / 4).collect();
    println!("plain TUF walk (no project asked): {walk:.3} s, {} bytes of metadata", bytes(&plain));
    println!(
        "lock of {lock_n}: {with_map:.3} s ({:.3} s beyond the walk), {bins_fetched} bins (the lock hashes to {}) + {l1_fetched} level-1 roles, {} entries, {} bytes in all ({} beyond the walk)",
        with_map - walk,
        distinct.len(),
        r.targets.len(),
        bytes(&r),
        bytes(&r) - bytes(&plain)
    );
    let at = tuf::unix_now();
    let t = Instant::now();
    let index = domainsig::domain::normalize(INDEX).unwrap();
    let map = domainsig::trust::publisher_map::PublisherMap::load(&cfg("lock"), &index, at).unwrap();
    println!(
        "loading the map for a policy: {:.3} s, {:?} (entries, projects searched)",
        t.elapsed().as_secs_f64(),
        map.counts()
    );
    assert_eq!(bins_fetched, distinct.len());
    let _ = std::fs::remove_dir_all(&dir);
}
