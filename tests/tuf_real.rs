//! Sigstore's real public-good TUF repository at two moments (tests/tuf, copied unedited): the
//! root chain walked from v5 to v15 across real key rotations, a cache brought from one state to
//! the next, and a real bundle verified with the trusted root that came out.
//!
//! tough reads the wall clock and takes no reference time, and these states expired in 2026, so
//! the updates here run with expiry enforcement off (`Expiry::Ignore`), these tests only; expiry
//! itself is tested on repositories `tests/tuf_attacks.rs` signs. One test enforces expiry here
//! too: after 2026-11-20 the 2026-08-21 state must be refused (root v15 expired), as python-tuf does.

use domainsig::trust::tuf::{self, Expiry, NoNetwork, Repo, TufConfig};
use domainsig::{Artifact, Policy, Request, Status};
use serde_json::json;
use std::path::{Path, PathBuf};

#[path = "support/tree.rs"]
mod tree;
use tree::digest;

/// The root the chain is walked from, as issue 9 asks: v5, across every real rotation to v15. Roots
/// v10 and v11 list a key under a keyid that is not its hash (sigstore/root-signing#1431); TAP 12
/// allows that and python-tuf accepts it, and so does the vendored tough (vendor/tough/PATCHES.md).
const BOOTSTRAP: &str = "5.root.json";

fn state(date: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tuf/sigstore-public-good").join(date)
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("domainsig-tuf-real-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn config(date: &str, cache: &Path, expiry: Expiry) -> TufConfig {
    config_at(&state(date), cache, expiry)
}

fn config_at(repo: &Path, cache: &Path, expiry: Expiry) -> TufConfig {
    TufConfig {
        repo: Repo::Custom {
            url_or_dir: repo.to_string_lossy().into_owned(),
            root: Some(std::fs::read(state("2026-01-08").join(BOOTSTRAP)).unwrap()),
        },
        cache: cache.to_owned(),
        expiry,
    }
}

/// Makes `to` a copy of `from` (a mirror that moves from one state to another).
fn mirror(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if e.path().is_dir() {
            mirror(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Every file under `dir`, path and bytes, hashed in a stable order.
fn version(r: &tuf::Report, role: &str) -> u64 {
    r.roles.iter().find(|x| x.role == role).unwrap_or_else(|| panic!("no role {role}: {r:?}")).version
}

#[test]
fn bootstrap_from_root_v5_walks_to_v15_and_verifies_every_target() {
    let cache = scratch("walk");
    let r = tuf::update(&config("2026-08-21", &cache, Expiry::Ignore), &NoNetwork).unwrap();
    assert_eq!(version(&r, "root"), 15);
    assert_eq!(version(&r, "timestamp"), 762);
    assert_eq!(version(&r, "snapshot"), 165);
    assert_eq!(version(&r, "targets"), 14);
    assert!(r.roles.iter().any(|x| x.role == "registry.npmjs.org"), "{r:?}");
    // Every target's verified digest is the one its consistent-snapshot file name carries.
    for t in &r.targets {
        let (dir, file) = t.name.rsplit_once('/').map_or(("", t.name.as_str()), |(d, f)| (d, f));
        let served = state("2026-08-21").join("targets").join(dir).join(format!("{}.{file}", t.sha256));
        assert!(served.is_file(), "{} has no file {}", t.name, served.display());
    }
    let keys = r.target("registry.npmjs.org/keys.json").expect("npm keys target");
    assert_eq!(keys.role, "registry.npmjs.org");
    assert_eq!(r.target("trusted_root.json").unwrap().role, "targets");
    let s = tuf::status(&config("2026-08-21", &cache, Expiry::Ignore)).unwrap();
    assert_eq!(s.targets, r.targets);
    assert!(s.roles.iter().any(|x| x.expired), "these states have expired by now: {s:?}");
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn a_cache_from_2026_01_08_updates_to_2026_08_21() {
    let cache = scratch("step");
    let repo = scratch("step-mirror");
    let cfg = config_at(&repo, &cache, Expiry::Ignore);
    mirror(&state("2026-01-08"), &repo);
    let old = tuf::update(&cfg, &NoNetwork).unwrap();
    assert_eq!((version(&old, "root"), version(&old, "timestamp")), (14, 563));
    mirror(&state("2026-08-21"), &repo);
    let new = tuf::update(&cfg, &NoNetwork).unwrap();
    assert_eq!((version(&new, "root"), version(&new, "timestamp")), (15, 762));
    assert!(new.changed.iter().any(|c| c == "root 14 -> 15"), "{:?}", new.changed);
    assert!(new.changed.iter().any(|c| c == "timestamp 563 -> 762"), "{:?}", new.changed);
    // The old state served again is a rollback against the cache: refused, cache untouched.
    let before = digest(&cache);
    mirror(&state("2026-01-08"), &repo);
    let e = tuf::update(&cfg, &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufRefused, "{e}");
    assert_eq!(digest(&cache), before);
    std::fs::remove_dir_all(&cache).unwrap();
    std::fs::remove_dir_all(&repo).unwrap();
}

#[test]
fn expiry_enforced_refuses_2026_08_21_after_root_v15_expired() {
    // Root v15 expires 2026-11-20T13:58:18Z; this test runs after that.
    let cache = scratch("expired");
    let before = digest(&cache);
    let e = tuf::update(&config("2026-08-21", &cache, Expiry::Enforce), &NoNetwork).unwrap_err();
    assert_eq!(e.status, Status::TufExpired, "{e}");
    assert!(e.message.contains("expired"), "{e}");
    assert_eq!(digest(&cache), before, "a refused update leaves the cache as it was");
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn a_tuf_policy_verifies_a_real_bundle_with_the_trusted_root_that_came_out() {
    let cache = scratch("policy");
    tuf::update(&config("2026-08-21", &cache, Expiry::Ignore), &NoNetwork).unwrap();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/conformance--happy-path-v0.3");
    let x: serde_json::Value = serde_json::from_slice(&std::fs::read(case.join("expect.json")).unwrap()).unwrap();
    let policy = json!({
        "version": 1,
        "trusted_root": {
            "tuf": {"repo": state("2026-08-21"), "root": state("2026-01-08").join(BOOTSTRAP)},
            "cache": cache,
        },
        "identities": [{"issuer": x["cert_issuer_ext"], "san": x["cert_san"][0]}],
        "domains": {"mode": "ignore"},
        "subject": {"require_name": false},
    })
    .to_string();
    // Now, the cached state has expired: the policy fails closed, saying how to update.
    let e = Policy::from_json(policy.as_bytes(), None).unwrap_err();
    assert_eq!(e.status, Status::TufExpired, "{e}");
    assert!(e.message.contains("domainsig trust update"), "{e}");
    // At a moment the state was valid (2026-08-22T00:00:00Z) it verifies the real bundle.
    let p = Policy::from_json_at(policy.as_bytes(), None, VALID_AT).unwrap();
    let bundle = std::fs::read(case.join("bundle.sigstore.json")).unwrap();
    let artifact = std::fs::read(case.join("artifact")).unwrap();
    let out =
        p.verify(&Request { artifact: Artifact::Bytes(&artifact), name: None, bundle: &bundle, index_domain: None });
    assert!(out.is_ok(), "{}", out.to_json());
    // A different policy key is refused by name.
    let bad = policy.replace("\"cache\"", "\"cache\":\"x\",\"other\"");
    let e = Policy::from_json(bad.as_bytes(), None).unwrap_err();
    assert_eq!(e.status, Status::PolicyInvalid, "{e}");
    std::fs::remove_dir_all(&cache).unwrap();
}

/// 2026-08-22T00:00:00Z, a moment the 2026-08-21 state was valid.
const VALID_AT: i64 = 1_787_356_800;

#[test]
fn bootstrap_from_root_v12_reaches_the_same_trusted_root_as_from_v5() {
    let from = |root: &str, name: &str| {
        let cache = scratch(name);
        let mut cfg = config("2026-08-21", &cache, Expiry::Ignore);
        cfg.repo = Repo::Custom {
            url_or_dir: state("2026-08-21").to_string_lossy().into_owned(),
            root: Some(std::fs::read(state("2026-08-21").join(root)).unwrap()),
        };
        let r = tuf::update(&cfg, &NoNetwork).unwrap();
        assert_eq!(version(&r, "root"), 15, "from {root}");
        let (bytes, t) = tuf::cached_target(&cfg, "trusted_root.json", VALID_AT).unwrap();
        std::fs::remove_dir_all(&cache).unwrap();
        (bytes, t.sha256)
    };
    let (v5, v5_sha) = from("5.root.json", "from-v5");
    let (v12, v12_sha) = from("12.root.json", "from-v12");
    assert_eq!(v5_sha, v12_sha);
    assert_eq!(v5, v12);
    // And it is the file the repository serves under that digest, byte for byte.
    let served = state("2026-08-21").join("targets").join(format!("{v5_sha}.trusted_root.json"));
    assert_eq!(v5, std::fs::read(served).unwrap());
}

#[test]
fn missing_cache_is_its_own_status() {
    let cache = scratch("missing");
    let e = tuf::status(&config("2026-08-21", &cache, Expiry::Enforce)).unwrap_err();
    assert_eq!(e.status, Status::TufMissing, "{e}");
    assert!(e.message.contains("domainsig trust update"), "{e}");
    std::fs::remove_dir_all(&cache).unwrap();
}

#[test]
fn npm_registry_keys_from_tuf_are_bound_to_the_delegated_domain() {
    let cache = scratch("npmkeys");
    tuf::update(&config("2026-08-21", &cache, Expiry::Ignore), &NoNetwork).unwrap();
    let policy = |keys: serde_json::Value| {
        json!({
            "version": 1,
            "trusted_root": {
                "tuf": {"repo": state("2026-08-21"), "root": state("2026-01-08").join(BOOTSTRAP)},
                "cache": cache,
            },
            "keys": keys,
        })
        .to_string()
    };
    let p = Policy::from_json_at(
        policy(json!([{"tuf_target": "registry.npmjs.org/keys.json", "usage": "npm:attestations"}])).as_bytes(),
        None,
        VALID_AT,
    )
    .unwrap();
    assert!(!p.keys().is_empty());
    for k in p.keys() {
        assert_eq!(k.domain.as_ref().map(|d| d.as_str()), Some("registry.npmjs.org"));
        assert!(k.key_id.as_deref().is_some_and(|id| id.starts_with("SHA256:")), "{:?}", k.key_id);
    }
    // The policy cannot rebind TUF's delegation to another domain.
    let e = Policy::from_json_at(
        policy(json!([{"tuf_target": "registry.npmjs.org/keys.json", "domain": "evil.example"}])).as_bytes(),
        None,
        VALID_AT,
    )
    .unwrap_err();
    assert_eq!(e.status, Status::PolicyInvalid, "{e}");
    // A target the repository does not have.
    let e = Policy::from_json_at(policy(json!([{"tuf_target": "nope.json"}])).as_bytes(), None, VALID_AT).unwrap_err();
    assert_eq!(e.status, Status::TufMissing, "{e}");
    // Expired now.
    let e = Policy::from_json(policy(json!([{"tuf_target": "registry.npmjs.org/keys.json"}])).as_bytes(), None)
        .unwrap_err();
    assert_eq!(e.status, Status::TufExpired, "{e}");
    std::fs::remove_dir_all(&cache).unwrap();
}
