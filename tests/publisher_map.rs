//! An index's TUF-signed publisher map (docs/publisher-map.md): repositories these tests sign with
//! fixed-seed Ed25519 keys, a map split into hashed bins, the real attested file
//! gitlab_oidc_project-0.0.3.tar.gz judged with no identity in the policy, and every attack on the
//! map refused with the cache byte for byte unchanged.
//!
//! Keys, canonical JSON and the top-level metadata are tests/support/tuf_repo.rs's.

use domainsig::trust::tuf::{self, Expiry, Fetched, Fetcher, NoNetwork, Repo, TufConfig};
use domainsig::{Artifact, Policy, Request, Status};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod support;
#[path = "support/tree.rs"]
mod tree;
use tree::digest;
#[path = "support/tuf_repo.rs"]
mod tuf_repo;
use tuf_repo::{FUTURE, key, sha256, sign};

const PAST: &str = "2001-01-01T00:00:00Z";
const TRUSTED_ROOT: &[u8] = include_bytes!(
    "tuf/sigstore-public-good/2026-08-21/targets/6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66.trusted_root.json"
);
const GITLAB: &str =
    r#"{"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project", "workflow_filepath": ".gitlab-ci.yml"}"#;
const OTHER: &str =
    r#"{"kind": "GitLab", "repository": "evil/gitlab-oidc-project", "workflow_filepath": ".gitlab-ci.yml"}"#;
/// The real publishers of the npm packages in tests/npm (derived from their provenance certificates).
const SIGSTORE_JS: &str = r#"{"kind": "GitHub", "repository": "sigstore/sigstore-js", "workflow": "publish.yml"}"#;
const TUF_JS: &str = r#"{"kind": "GitHub", "repository": "theupdateframework/tuf-js", "workflow": "publish.yml"}"#;
const OTHER_GITHUB: &str = r#"{"kind": "GitHub", "repository": "evil/fork", "workflow": "publish.yml"}"#;
const PROJECT: &str = "gitlab-oidc-project";
const FILE: &str = "gitlab_oidc_project-0.0.3.tar.gz";

fn entry(publishers: &[&str]) -> Vec<u8> {
    let ps: Vec<Value> = publishers.iter().map(|p| serde_json::from_str(p).unwrap()).collect();
    serde_json::to_vec(&json!({"publishers": ps})).unwrap()
}

/// The hashed bin (one hex digit, 16 bins) a target name falls in: the first hex digit of the
/// SHA-256 of the target path (TUF 1.0 `path_hash_prefixes`).
fn bin_of(name: &str) -> usize {
    usize::from_str_radix(&sha256(name.as_bytes())[..1], 16).unwrap()
}

/// The npm registry's delegation: the role index after `test.pypi.org`, `pypi.org` and its 16 bins.
const NPM_ROLE: usize = 18;
const NPM_ROLE_NAME: &str = "registry.npmjs.org";

#[derive(Clone)]
struct Role {
    name: String,
    /// `paths` patterns, or hash prefixes when `hashed`.
    paths: Vec<String>,
    hashed: bool,
    /// Whether its delegation is terminating (hashed bins are).
    terminating: bool,
    /// The key its delegator names; `signer` is the key that actually signs it.
    key: u8,
    signer: u8,
    version: u64,
    expires: &'static str,
    files: Vec<(String, Vec<u8>)>,
    children: Vec<usize>,
}

/// A repository: top-level targets delegates `pypi.org` (paths `pypi.org/*`), `test.pypi.org`
/// and `registry.npmjs.org`; `pypi.org` delegates 16 hashed bins `pypi.org-bin-X` (prefix X).
#[derive(Clone)]
struct Spec {
    version: u64,
    roles: Vec<Role>,
    top: Vec<usize>,
    /// Bytes served for a target instead of the listed ones (name → bytes).
    swapped: BTreeMap<String, Vec<u8>>,
    /// Roles left out of snapshot.json.
    unlisted: Vec<String>,
}

impl Spec {
    fn new() -> Spec {
        let mut s =
            Spec { version: 1, roles: Vec::new(), top: Vec::new(), swapped: BTreeMap::new(), unlisted: Vec::new() };
        let role = |name: &str, paths: Vec<String>, hashed: bool, key: u8| Role {
            name: name.into(),
            paths,
            hashed,
            terminating: hashed,
            key,
            signer: key,
            version: 1,
            expires: FUTURE,
            files: Vec::new(),
            children: Vec::new(),
        };
        s.roles.push(role("test.pypi.org", vec!["test.pypi.org/*".into()], false, 9));
        s.roles.push(role("pypi.org", vec!["pypi.org/*".into()], false, 10));
        s.top = vec![0, 1];
        for b in 0..16u8 {
            s.roles.push(role(&format!("pypi.org-bin-{b:x}"), vec![format!("{b:x}")], true, 20 + b));
            s.roles[1].children.push(2 + b as usize);
        }
        s.roles.push(role(NPM_ROLE_NAME, vec!["registry.npmjs.org/*".into()], false, 11));
        s.top.push(NPM_ROLE);
        s
    }

    /// Adds a role delegated by `parent` (`None`: top-level targets, after the others) with
    /// `paths`, signed by key `key`; returns its index.
    fn add(&mut self, parent: Option<usize>, name: &str, paths: &[&str], terminating: bool, key: u8) -> usize {
        self.roles.push(Role {
            name: name.into(),
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            hashed: false,
            terminating,
            key,
            signer: key,
            version: 1,
            expires: FUTURE,
            files: Vec::new(),
            children: Vec::new(),
        });
        let i = self.roles.len() - 1;
        match parent {
            Some(p) => self.roles[p].children.push(i),
            None => self.top.push(i),
        }
        i
    }

    fn bin(&mut self, b: usize) -> &mut Role {
        &mut self.roles[2 + b]
    }

    /// Lists `project`'s entry in the bin its name hashes to.
    fn put(&mut self, index: &str, project: &str, publishers: &[&str]) -> &mut Self {
        let name = format!("{index}/publishers/{project}.json");
        let r = match index {
            "pypi.org" => 2 + bin_of(&name),
            NPM_ROLE_NAME => NPM_ROLE,
            _ => 0,
        };
        self.roles[r].files.push((name, entry(publishers)));
        self
    }

    fn body(&self, version: u64, expires: &str, files: &[(String, Vec<u8>)], children: &[usize]) -> Value {
        let mut t = tuf_repo::targets(version, expires, files);
        if !children.is_empty() {
            let mut keys = BTreeMap::new();
            let roles: Vec<Value> = children
                .iter()
                .map(|c| {
                    let r = &self.roles[*c];
                    let k = key(r.key);
                    keys.insert(k.id.clone(), k.json);
                    let mut d = json!({"name": r.name, "keyids": [k.id], "threshold": 1, "terminating": r.terminating});
                    d[if r.hashed { "path_hash_prefixes" } else { "paths" }] = json!(r.paths);
                    d
                })
                .collect();
            t["delegations"] = json!({"keys": keys, "roles": roles});
        }
        t
    }

    /// Writes the repository into `dir`; returns the bootstrap root.
    fn write(&self, dir: &Path) -> Vec<u8> {
        let _ = std::fs::remove_dir_all(dir);
        let put = |p: PathBuf, b: &[u8]| tuf_repo::put(&dir.join(p), b);
        let root = tuf_repo::root(true);
        put("1.root.json".into(), &root);
        let trusted = ("trusted_root.json".to_owned(), TRUSTED_ROOT.to_vec());
        for (name, body) in std::iter::once(&trusted).chain(self.roles.iter().flat_map(|r| r.files.iter())) {
            put(tuf_repo::target_path(name, body), self.swapped.get(name).unwrap_or(body));
        }
        let mut meta = BTreeMap::new();
        for r in &self.roles {
            let b = sign(&self.body(r.version, r.expires, &r.files, &r.children), r.signer);
            put(format!("{}.{}.json", r.version, r.name).into(), &b);
            if !self.unlisted.contains(&r.name) {
                meta.insert(format!("{}.json", r.name), json!({"version": r.version}));
            }
        }
        let targets = sign(&self.body(self.version, FUTURE, std::slice::from_ref(&trusted), &self.top), 4);
        put(format!("{}.targets.json", self.version).into(), &targets);
        meta.insert("targets.json".into(), json!({"version": self.version}));
        let (snapshot, timestamp) = tuf_repo::snapshot_and_timestamp(self.version, meta);
        put(format!("{}.snapshot.json", self.version).into(), &snapshot);
        put("timestamp.json".into(), &timestamp);
        root
    }
}

/// A repository folder and a cache folder, removed on drop.
struct Site {
    dir: PathBuf,
    repo: PathBuf,
    cache: PathBuf,
    root: std::cell::RefCell<Option<Vec<u8>>>,
}

impl Site {
    fn new(name: &str) -> Site {
        let dir = std::env::temp_dir().join(format!("domainsig-pubmap-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let cache = dir.join("cache");
        std::fs::create_dir_all(&cache).unwrap();
        Site { repo: dir.join("repo"), cache, dir, root: Default::default() }
    }

    fn cfg(&self) -> TufConfig {
        let root = self.root.borrow().clone();
        TufConfig {
            repo: Repo::Custom { url_or_dir: self.repo.to_string_lossy().into_owned(), root },
            cache: self.cache.clone(),
            expiry: Expiry::Enforce,
        }
    }

    fn update(&self, spec: &Spec, projects: &[&str]) -> domainsig::Result<tuf::Report> {
        *self.root.borrow_mut() = Some(spec.write(&self.repo));
        let wanted: Vec<String> = projects.iter().map(|p| format!("pypi.org/publishers/{p}.json")).collect();
        tuf::update_for(&self.cfg(), &NoNetwork, &wanted)
    }

    fn refused(&self, spec: &Spec, projects: &[&str], status: Status, words: &str) -> domainsig::Error {
        tree::refused(&self.cache, status, words, || self.update(spec, projects))
    }

    fn policy(&self, index: &str, extra: Value) -> domainsig::Result<Policy> {
        let mut p = json!({"version": 1,
            "trusted_root": {"path": manifest().join("tests/vectors/_roots/public-good-production.trusted_root.json")},
            "domains": {"mode": "warn"},
            "publishers_from": [{"tuf": {"repo": self.repo}, "cache": self.cache, "index": index}]});
        for (k, x) in extra.as_object().unwrap() {
            p[k] = x.clone();
        }
        Policy::from_json(p.to_string().as_bytes(), None)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Verifies the real gitlab_oidc_project-0.0.3 sdist (tests/vectors) fetched from `index`.
fn verify_real(p: &Policy, index: &str) -> domainsig::Outcome {
    let dir = manifest().join("tests/vectors/pypi-attestations--gitlab_oidc_project-0.0.3-publish");
    let artifact = std::fs::read(dir.join("artifact")).unwrap();
    let bundle = std::fs::read(dir.join("bundle.sigstore.json")).unwrap();
    p.verify(&Request {
        artifact: Artifact::Bytes(&artifact),
        name: Some(FILE),
        bundle: &bundle,
        index_domain: Some(index),
    })
}

#[test]
fn a_first_install_is_judged_by_the_map_alone() {
    let site = Site::new("first");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    let p = site.policy("pypi.org", json!({})).unwrap();
    let o = verify_real(&p, "pypi.org");
    assert!(o.is_ok(), "{}", o.to_json());
    let j: Value = serde_json::from_str(&o.to_json()).unwrap();
    let pins = &j["decision"]["pins"];
    assert!(pins[0]["source"].as_str().unwrap().starts_with("the publisher map of pypi.org"), "{j}");
    assert!(pins[0]["entry"].as_str().unwrap().contains("pypi.org/publishers/gitlab-oidc-project.json"), "{j}");

    // The index now names another publisher: the same real file is refused, naming the map.
    let mut spec = Spec::new();
    spec.version = 2;
    for r in &mut spec.roles {
        r.version = 2;
    }
    spec.put("pypi.org", PROJECT, &[OTHER]);
    site.update(&spec, &[]).unwrap();
    let p = site.policy("pypi.org", json!({})).unwrap();
    let o = verify_real(&p, "pypi.org");
    assert_eq!(o.status(), Status::IdentityMismatch, "{}", o.to_json());
    let m = o.error.unwrap().message;
    assert!(m.contains("the publisher map of pypi.org") && m.contains("evil/gitlab-oidc-project"), "{m}");
    assert!(m.contains("facutuesca/gitlab-oidc-project"), "names the signer found: {m}");
}

#[test]
fn the_policy_the_lock_and_the_map_must_agree() {
    let site = Site::new("agree");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    let lock = json!({"packages": {PROJECT: {"sources": [{"source": "pylock.toml", "publishers": [serde_json::from_str::<Value>(OTHER).unwrap()]}]}}});
    let o = verify_real(&site.policy("pypi.org", lock).unwrap(), "pypi.org");
    assert_eq!(o.status(), Status::IdentityMismatch, "{}", o.to_json());
    let m = o.error.unwrap().message;
    assert!(m.contains("pylock.toml") && m.contains("evil/gitlab-oidc-project"), "{m}");
    let agree = json!({"packages": {PROJECT: {"sources": [{"source": "pylock.toml", "publishers": [serde_json::from_str::<Value>(GITLAB).unwrap()]}]}}});
    let o = verify_real(&site.policy("pypi.org", agree).unwrap(), "pypi.org");
    assert!(o.is_ok(), "{}", o.to_json());
    let j: Value = serde_json::from_str(&o.to_json()).unwrap();
    assert_eq!(j["decision"]["pins"].as_array().unwrap().len(), 2, "{j}");
}

#[test]
fn a_map_governs_only_its_index_and_its_mirrors() {
    let site = Site::new("scope");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[OTHER]);
    site.update(&spec, &[PROJECT]).unwrap();
    // Fetched from elsewhere, pypi.org's map (naming another publisher) does not speak; nothing
    // else does, so first sight decides.
    let p = site.policy("pypi.org", json!({"first_sight": true})).unwrap();
    let o = verify_real(&p, "test.pypi.org");
    assert!(o.is_ok(), "{}", o.to_json());
    // From pypi.org, or a mirror the policy allows for it, the map speaks and refuses.
    assert_eq!(verify_real(&p, "pypi.org").status(), Status::IdentityMismatch);
    let mirrored = site
        .policy(
            "pypi.org",
            json!({"first_sight": true, "domains": {"mode": "warn", "mirrors": {"pypi.corp.example": ["pypi.org"]}}}),
        )
        .unwrap();
    assert_eq!(verify_real(&mirrored, "pypi.corp.example").status(), Status::IdentityMismatch);
    // test.pypi.org's map never governs pypi.org.
    let p = site.policy("test.pypi.org", json!({"first_sight": true})).unwrap();
    assert!(verify_real(&p, "pypi.org").is_ok());
}

#[test]
fn absent_is_no_claim_and_never_searched_is_refused() {
    let site = Site::new("absent");
    let spec = Spec::new();
    site.update(&spec, &[PROJECT]).unwrap();
    // Searched and absent: the index makes no claim; with nothing else speaking, refused unless
    // first sight.
    let o = verify_real(&site.policy("pypi.org", json!({})).unwrap(), "pypi.org");
    assert_eq!(o.status(), Status::IdentityMismatch, "{}", o.to_json());
    assert!(verify_real(&site.policy("pypi.org", json!({"first_sight": true})).unwrap(), "pypi.org").is_ok());
    // Never searched: the cache cannot say, so the map refuses rather than reading "no claim".
    let site = Site::new("unsearched");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &["attrs"]).unwrap();
    let o = verify_real(&site.policy("pypi.org", json!({"first_sight": true})).unwrap(), "pypi.org");
    assert_eq!(o.status(), Status::TufMissing, "{}", o.to_json());
    let m = o.error.unwrap().message;
    assert!(
        m.contains("never searched for gitlab-oidc-project") && m.contains("--packages gitlab-oidc-project"),
        "{m}"
    );
}

/// Serves a folder for URLs under `base`, without a socket; `hook` runs once, at the first
/// request, inside the fetch (where a second install gate's update can run meanwhile).
struct Served<'a> {
    base: &'a str,
    dir: PathBuf,
    hook: std::cell::RefCell<Option<Box<dyn FnOnce() + 'a>>>,
}

impl Fetcher for Served<'_> {
    fn fetch(&self, url: &str, _max_len: u64) -> Result<Fetched, String> {
        if let Some(h) = self.hook.borrow_mut().take() {
            h();
        }
        let rel = url.strip_prefix(self.base).ok_or_else(|| format!("unexpected URL {url}"))?;
        Ok(std::fs::read(self.dir.join(rel)).map_or(Fetched::NotFound, Fetched::Bytes))
    }
}

/// Two install gates update one cache at once (two CI jobs sharing ~/.cache): gate B's update
/// runs from start to end while gate A's is under way. If A then published its state, searched
/// for A's names only, B's package would be "never searched" (TUF_MISSING) when B verifies it.
/// A starts again from B's state instead, so the cache keeps both.
#[test]
fn overlapping_updates_keep_the_names_each_searched() {
    let site = Site::new("overlap");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    let root = spec.write(&site.repo);
    let base = "https://tuf.example/";
    let cfg = TufConfig {
        repo: Repo::Custom { url_or_dir: base.to_owned(), root: Some(root) },
        cache: site.cache.clone(),
        expiry: Expiry::Enforce,
    };
    let ours = format!("pypi.org/publishers/{PROJECT}.json");
    let gate_b = Served { base, dir: site.repo.clone(), hook: Default::default() };
    let gate_a = Served {
        base,
        dir: site.repo.clone(),
        hook: std::cell::RefCell::new(Some(Box::new(|| {
            tuf::update_for(&cfg, &gate_b, std::slice::from_ref(&ours)).unwrap();
        }))),
    };
    tuf::update_for(&cfg, &gate_a, &["pypi.org/publishers/attrs.json".to_owned()]).unwrap();
    assert!(gate_a.hook.borrow().is_none(), "gate B's update ran");
    let asked = tuf::status(&cfg).unwrap().asked;
    assert!(asked.contains(&ours) && asked.contains(&"pypi.org/publishers/attrs.json".to_owned()), "{asked:?}");
    // Gate B then verifies its package: judged by the map's entry, not refused as never searched.
    let policy = json!({"version": 1,
        "trusted_root": {"path": manifest().join("tests/vectors/_roots/public-good-production.trusted_root.json")},
        "domains": {"mode": "warn"},
        "publishers_from": [{"tuf": {"repo": base}, "cache": site.cache, "index": "pypi.org"}]});
    let o = verify_real(&Policy::from_json(policy.to_string().as_bytes(), None).unwrap(), "pypi.org");
    assert!(o.is_ok(), "{}", o.to_json());
}

/// A hostile index lists a file of a project the map names under a name that reads as no package:
/// pip installs sdists in `.tar.xz`, `.tar.bz2` and `.tar` too (its finder takes the project from
/// the part before the version, whatever the archive), but the library reads as PyPI's only
/// wheels and `.tar.gz`/`.zip` sdists. Signed by the attacker's own identity, for that very file
/// name, it named no package, so no map was consulted and first sight accepted the attacker.
#[test]
fn a_file_named_as_no_package_does_not_escape_the_map() {
    let site = Site::new("noname");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    let mut vs = support::VirtualSigstore::new();
    let mut policy = vs.policy(&[]);
    policy.as_object_mut().unwrap().remove("identities");
    policy["first_sight"] = json!(true);
    policy["domains"] = json!({"mode": "warn"});
    policy["publishers_from"] = json!([{"tuf": {"repo": site.repo}, "cache": site.cache, "index": "pypi.org"}]);
    let p = Policy::from_json(policy.to_string().as_bytes(), None).unwrap();
    let a = b"the attacker's sdist".to_vec();
    for name in
        ["gitlab_oidc_project-0.0.4.tar.xz", "gitlab_oidc_project-0.0.4.tar.bz2", "gitlab_oidc_project-0.0.4.tar"]
    {
        let st = support::Statement::new("https://docs.pypi.org/attestations/publish/v1").subject(name, &a);
        let b = vs
            .dsse(&st)
            .san_uri("https://github.com/evil/gitlab-oidc-project/.github/workflows/release.yml@refs/tags/v1")
            .issuer("https://token.actions.githubusercontent.com")
            .mint()
            .bytes();
        let verify = |index: &str| {
            p.verify(&Request {
                artifact: Artifact::Bytes(&a),
                name: Some(name),
                bundle: &b,
                index_domain: Some(index),
            })
        };
        let o = verify("pypi.org");
        assert_eq!(o.status(), Status::SubjectMismatch, "{name}: {}", o.to_json());
        let m = o.error.unwrap().message;
        assert!(m.contains(name) && m.contains("the publisher map of pypi.org"), "{m}");
        // From an index no map governs, the name is the policy's business as before.
        assert!(verify("elsewhere.example").is_ok(), "{name}");
    }
}

#[test]
fn only_the_bins_of_the_asked_packages_are_fetched() {
    let site = Site::new("lazy");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    for i in 0..40 {
        spec.put("pypi.org", &format!("project-{i}"), &[OTHER]);
    }
    let root = spec.write(&site.repo);
    *site.root.borrow_mut() = Some(root);
    // Every bin but the asked one is gone from the repository: an update that fetched them fails.
    let asked = bin_of(&format!("pypi.org/publishers/{PROJECT}.json"));
    for b in (0..16).filter(|b| *b != asked) {
        std::fs::remove_file(site.repo.join(format!("1.pypi.org-bin-{b:x}.json"))).unwrap();
    }
    let wanted = vec![format!("pypi.org/publishers/{PROJECT}.json")];
    let r = tuf::update_for(&site.cfg(), &NoNetwork, &wanted).unwrap();
    let bins: Vec<&str> = r.roles.iter().map(|r| r.role.as_str()).filter(|n| n.contains("-bin-")).collect();
    assert_eq!(bins, vec![format!("pypi.org-bin-{asked:x}")], "{r:?}");
    // Of the bin's targets, only the asked one is downloaded.
    let map: Vec<&str> = r.targets.iter().map(|t| t.name.as_str()).filter(|n| n.contains("/publishers/")).collect();
    assert_eq!(map, wanted.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(r.asked, wanted);
}

#[test]
fn a_bin_signed_by_a_role_not_delegated_for_its_prefix_is_refused() {
    let site = Site::new("wrongkey");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    let b = bin_of(&format!("pypi.org/publishers/{PROJECT}.json"));
    let mut bad = spec.clone();
    bad.version = 2;
    bad.roles[1].version = 2;
    bad.bin(b).version = 2;
    bad.bin(b).files = vec![(format!("pypi.org/publishers/{PROJECT}.json"), entry(&[OTHER]))];
    // Signed by the key of another bin (the one delegated for another prefix).
    bad.bin(b).signer = 20 + ((b as u8 + 1) % 16);
    site.refused(&bad, &[], Status::TufRefused, "Signature threshold of 1 not met");
}

#[test]
fn a_bin_rolled_back_to_an_older_version_is_refused() {
    let site = Site::new("rollback");
    let b = bin_of(&format!("pypi.org/publishers/{PROJECT}.json"));
    let mut old = Spec::new();
    old.put("pypi.org", PROJECT, &[OTHER]);
    let mut new = old.clone();
    new.version = 2;
    new.bin(b).version = 2;
    new.bin(b).files = vec![(format!("pypi.org/publishers/{PROJECT}.json"), entry(&[GITLAB]))];
    site.update(&new, &[PROJECT]).unwrap();
    // A fresh snapshot (version 3) that lists the bin at version 1 again, with the old publisher.
    let mut back = old.clone();
    back.version = 3;
    let e = site.refused(&back, &[], Status::TufRefused, "is greater than version 1 in snapshot 3");
    assert!(e.message.contains(&format!("pypi.org-bin-{b:x}")), "{e}");
}

#[test]
fn a_map_entry_served_for_another_index_is_refused() {
    let site = Site::new("domain");
    let mut spec = Spec::new();
    // test.pypi.org's delegation is widened to cover pypi.org's names and lists an entry for it.
    spec.roles[0].paths = vec!["*".into()];
    spec.roles[0].files.push((format!("pypi.org/publishers/{PROJECT}.json"), entry(&[OTHER])));
    site.refused(&spec, &[PROJECT], Status::TufRefused, "does not speak for pypi.org");
}

#[test]
fn an_expired_map_is_refused() {
    let site = Site::new("expired");
    let b = bin_of(&format!("pypi.org/publishers/{PROJECT}.json"));
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    let mut stale = spec.clone();
    stale.version = 2;
    stale.bin(b).version = 2;
    stale.bin(b).expires = PAST;
    site.refused(&stale, &[], Status::TufExpired, "targets metadata is expired");
    // The cached map itself, judged at a time after it expires, is refused at policy load.
    let mut p = json!({"version": 1, "domains": {"mode": "warn"},
        "publishers_from": [{"tuf": {"repo": site.repo}, "cache": site.cache, "index": "pypi.org"}]});
    p["trusted_root"] =
        json!({"path": manifest().join("tests/vectors/_roots/public-good-production.trusted_root.json")});
    let after = 4_102_444_800 + 86_400; // 2100-01-02
    let e = Policy::from_json_at(p.to_string().as_bytes(), None, after).unwrap_err();
    assert_eq!(e.status, Status::TufExpired, "{e}");
}

#[test]
fn a_map_target_whose_length_or_hash_differs_is_refused() {
    let site = Site::new("hash");
    let name = format!("pypi.org/publishers/{PROJECT}.json");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[]).unwrap();
    let mut longer = spec.clone();
    longer.swapped.insert(name.clone(), entry(&[OTHER, GITLAB]));
    site.refused(&longer, &[PROJECT], Status::TufRefused, "Maximum size");
    let mut same_length = spec.clone();
    let mut b = entry(&[GITLAB]);
    let i = b.iter().position(|c| *c == b'f').unwrap();
    b[i] = b'g';
    same_length.swapped.insert(name, b);
    site.refused(&same_length, &[PROJECT], Status::TufRefused, "Hash mismatch");
}

#[test]
fn a_project_moved_to_another_bin_is_refused() {
    let site = Site::new("moved");
    let name = format!("pypi.org/publishers/{PROJECT}.json");
    let b = bin_of(&name);
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    // The next version lists the project in another bin (signed by that bin's own key).
    let mut moved = spec.clone();
    moved.version = 2;
    moved.bin(b).version = 2;
    moved.bin(b).files.clear();
    let other = (b + 1) % 16;
    moved.bin(other).version = 2;
    moved.bin(other).files.push((name, entry(&[OTHER])));
    // Ask for a project of that other bin, so it is loaded.
    let neighbour =
        (0..).map(|i| format!("n{i}")).find(|n| bin_of(&format!("pypi.org/publishers/{n}.json")) == other).unwrap();
    site.refused(
        &moved,
        &[&neighbour],
        Status::TufRefused,
        "Target file not delegated: pypi.org/publishers/gitlab-oidc-project.json",
    );
}

#[test]
fn cli_update_asks_for_packages_and_status_shows_the_map() {
    let site = Site::new("cli");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    let root = spec.write(&site.repo);
    let root_file = site.dir.join("root.json");
    std::fs::write(&root_file, &root).unwrap();
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_domainsig")).args(args).output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let repo = site.repo.to_str().unwrap();
    let cache = site.cache.to_str().unwrap();
    // The name as a user types it; the map is searched under its PEP 503 form.
    let (code, out, err) = run(&[
        "trust",
        "update",
        "--repo",
        repo,
        "--root",
        root_file.to_str().unwrap(),
        "--cache",
        cache,
        "--index",
        "pypi.org",
        "--packages",
        "Gitlab.OIDC_Project,attrs",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("target pypi.org/publishers/gitlab-oidc-project.json"), "{out}");
    let (code, out, err) = run(&["trust", "status", "--repo", repo, "--cache", cache]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("publisher map of pypi.org: role pypi.org v1 expires 2099-01-01T00:00:00Z"), "{out}");
    assert!(out.contains("2 projects searched, 1 with an entry"), "{out}");
    let (code, _, err) = run(&["trust", "update", "--repo", repo, "--cache", cache, "--packages", "attrs"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--index and --packages go together"), "{err}");
    // The map, read through a policy, answers for the project asked for.
    let p = site.policy("pypi.org", json!({})).unwrap();
    assert!(verify_real(&p, "pypi.org").is_ok());
}

#[test]
fn publishers_from_is_strict() {
    let site = Site::new("strict");
    let spec = Spec::new();
    site.update(&spec, &[]).unwrap();
    let base = |m: Value| {
        let p = json!({"version": 1, "domains": {"mode": "warn"}, "publishers_from": m});
        Policy::from_json(p.to_string().as_bytes(), None)
    };
    let cases = [
        (
            json!([{"tuf": {"repo": site.repo}, "cache": site.cache, "index": "pypi.org", "extra": 1}]),
            "publishers_from[0].extra",
        ),
        (json!([{"tuf": {"repo": site.repo}, "cache": site.cache}]), "publishers_from[0].index"),
        (json!([]), "publishers_from"),
        (json!({"tuf": "public-good"}), "publishers_from"),
    ];
    for (m, field) in cases {
        let e = base(m.clone()).unwrap_err();
        assert_eq!(e.status, Status::PolicyInvalid, "{m}: {e}");
        assert_eq!(e.field.as_deref(), Some(field), "{m}: {e}");
    }
    let ignore = json!({"version": 1, "domains": {"mode": "ignore"},
        "publishers_from": [{"tuf": {"repo": site.repo}, "cache": site.cache, "index": "pypi.org"}]});
    let e = Policy::from_json(ignore.to_string().as_bytes(), None).unwrap_err();
    assert_eq!(e.status, Status::PolicyInvalid, "{e}");
    assert!(e.message.contains("domains.mode"), "{e}");
}

#[test]
fn a_bin_missing_from_the_snapshot_says_nothing_and_is_refused() {
    let site = Site::new("unlisted");
    let b = bin_of(&format!("pypi.org/publishers/{PROJECT}.json"));
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    spec.unlisted.push(format!("pypi.org-bin-{b:x}"));
    // Without the bin nobody can tell whether the index names a publisher: not "no claim".
    site.refused(&spec, &[PROJECT], Status::TufRefused, &format!("the role pypi.org-bin-{b:x} that TUF's search"));
}

/// Every file under `dir`, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(d: &Path, base: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, base, out);
            } else {
                out.insert(p.strip_prefix(base).unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The map of the committed fixtures: PyPI's entry for gitlab-oidc-project and npm's entries for
/// sigstore and tuf-js, naming `publishers` in that order.
fn fixture_spec(publishers: [&str; 3]) -> Spec {
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[publishers[0]]);
    spec.put(NPM_ROLE_NAME, "sigstore", &[publishers[1]]);
    spec.put(NPM_ROLE_NAME, "tuf-js", &[publishers[2]]);
    spec
}

/// Checks that `fixture` is what `spec` signs, byte for byte (rewriting it first when
/// DOMAINSIG_WRITE_PUBMAP_FIXTURE is set); returns the bootstrap root.
fn rebuilt(site: &Site, spec: &Spec, fixture: &Path) -> Vec<u8> {
    let root = spec.write(&site.repo);
    if std::env::var_os("DOMAINSIG_WRITE_PUBMAP_FIXTURE").is_some() {
        let _ = std::fs::remove_dir_all(fixture);
        for (rel, b) in files(&site.repo) {
            let p = fixture.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b).unwrap();
        }
    }
    assert_eq!(files(&site.repo), files(fixture), "{} differs from what this test signs", fixture.display());
    root
}

/// tests/tuf/publisher-map: a repository whose map names the real publishers of
/// gitlab_oidc_project-0.0.3.tar.gz (pypi.org) and of sigstore 1.0.0 and tuf-js 1.0.0
/// (registry.npmjs.org), signed with the fixed-seed keys above (valid until 2099) and rebuilt here
/// byte for byte (Ed25519 signatures are deterministic); tests/tuf/publisher-map-other is the same
/// repository naming other publishers for the same projects, for the gates' refusals.
/// Regenerate with `DOMAINSIG_WRITE_PUBMAP_FIXTURE=1 cargo test --test publisher_map fixture`.
#[test]
fn fixtures_are_rebuilt_byte_for_byte_and_judge_the_real_files() {
    for (folder, publishers, pass) in [
        ("publisher-map", [GITLAB, SIGSTORE_JS, TUF_JS], true),
        ("publisher-map-other", [OTHER, OTHER_GITHUB, OTHER_GITHUB], false),
    ] {
        let fixture = manifest().join("tests/tuf").join(folder);
        let site = Site::new(folder);
        let root = rebuilt(&site, &fixture_spec(publishers), &fixture);
        // From the committed repository, with no identity in the policy.
        let cfg = TufConfig {
            repo: Repo::Custom { url_or_dir: fixture.to_string_lossy().into_owned(), root: Some(root) },
            cache: site.cache.clone(),
            expiry: Expiry::Enforce,
        };
        tuf::update_for(&cfg, &NoNetwork, &[format!("pypi.org/publishers/{PROJECT}.json")]).unwrap();
        let p = json!({"version": 1,
            "trusted_root": {"path": manifest().join("tests/vectors/_roots/public-good-production.trusted_root.json")},
            "domains": {"mode": "warn"},
            "publishers_from": [{"tuf": {"repo": fixture}, "cache": site.cache, "index": "pypi.org"}]});
        let p = Policy::from_json(p.to_string().as_bytes(), None).unwrap();
        let o = verify_real(&p, "pypi.org");
        assert_eq!(o.is_ok(), pass, "{folder}: {}", o.to_json());
        if !pass {
            assert_eq!(o.status(), Status::IdentityMismatch, "{}", o.to_json());
        }
        // npm's entries, through the delegation named after the registry.
        let wanted = domainsig::trust::publisher_map::wanted(
            NPM_ROLE_NAME,
            domainsig::subject::Ecosystem::Npm,
            &["sigstore", "tuf-js"],
        )
        .unwrap();
        let r = tuf::update_for(&cfg, &NoNetwork, &wanted).unwrap();
        for w in &wanted {
            let t = r.targets.iter().find(|t| &t.name == w).unwrap_or_else(|| panic!("{folder}: {w} not found"));
            assert_eq!(t.domain.as_deref(), Some(NPM_ROLE_NAME), "{folder}: {w}");
        }
    }
}

/// Runs the CLI: exit code, stdout, stderr.
fn cli(args: &[&str]) -> (Option<i32>, String, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_domainsig")).args(args).output().unwrap();
    (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

/// `domainsig trust update --repo REPO --cache CACHE --index INDEX --lock LOCK` and `extra`.
fn cli_update_lock(site: &Site, index: &str, lock: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let (repo, cache) = (site.repo.to_str().unwrap(), site.cache.to_str().unwrap());
    let base =
        ["trust", "update", "--repo", repo, "--cache", cache, "--index", index, "--lock", lock.to_str().unwrap()];
    cli(&base.iter().copied().chain(extra.iter().copied()).collect::<Vec<_>>())
}

/// A pylock.toml of `packages`: (name as the lock spells it, files it locks).
fn pylock(packages: &[(&str, usize)]) -> String {
    let mut s = String::from("lock-version = \"1.0\"\ncreated-by = \"test\"\n");
    for (i, (name, files)) in packages.iter().enumerate() {
        s += &format!("\n[[packages]]\nname = \"{name}\"\nversion = \"1.0\"\n");
        for f in 0..*files {
            s += &format!(
                "[[packages.wheels]]\nname = \"{}-1.0-py3-none-any{f}.whl\"\nurl = \"https://files.example/{i}/{f}.whl\"\n\
                 hashes = {{sha256 = \"{}\"}}\n",
                name.replace('-', "_"),
                sha256(format!("{i}/{f}").as_bytes())
            );
        }
        if *files == 0 {
            s += "[packages.vcs]\ntype = \"git\"\nurl = \"https://git.example/x\"\ncommit-id = \"0123456789abcdef0123456789abcdef01234567\"\n";
        }
    }
    s
}

#[test]
fn cli_update_with_a_lock_searches_exactly_its_packages_and_fetches_only_their_bins() {
    let site = Site::new("cli-lock");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    for i in 0..40 {
        spec.put("pypi.org", &format!("project-{i}"), &[OTHER]);
    }
    let root_file = site.dir.join("root.json");
    std::fs::write(&root_file, spec.write(&site.repo)).unwrap();
    // The lock: the project under another spelling, one with two wheels, one locked from git,
    // one the map does not know; `--packages` adds one more.
    let lock_names = ["gitlab-oidc-project", "project-3", "project-7", "not-in-the-map"];
    let want: BTreeMap<String, ()> =
        lock_names.iter().chain(&["project-11"]).map(|n| (format!("pypi.org/publishers/{n}.json"), ())).collect();
    let bins: std::collections::BTreeSet<usize> = want.keys().map(|n| bin_of(n)).collect();
    assert!(bins.len() < 16, "the test needs a bin no name hashes to");
    // Every other bin is gone from the repository: an update that fetched one fails.
    for b in (0..16).filter(|b| !bins.contains(b)) {
        std::fs::remove_file(site.repo.join(format!("1.pypi.org-bin-{b:x}.json"))).unwrap();
    }
    let lock = site.dir.join("pylock.toml");
    std::fs::write(
        &lock,
        pylock(&[("Gitlab.OIDC_Project", 1), ("project-3", 2), ("project-7", 0), ("Not_In_The_Map", 1)]),
    )
    .unwrap();
    let (repo, cache) = (site.repo.to_str().unwrap(), site.cache.to_str().unwrap());
    let base = ["trust", "update", "--repo", repo, "--root", root_file.to_str().unwrap(), "--cache", cache];
    let args: Vec<&str> = base
        .iter()
        .copied()
        .chain(["--index", "pypi.org", "--lock", lock.to_str().unwrap(), "--packages", "project-11", "--json"])
        .collect();
    let (code, out, err) = cli(&args);
    assert_eq!(code, Some(0), "{out}{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    let asked: BTreeMap<String, ()> =
        r["asked"].as_array().unwrap().iter().map(|n| (n.as_str().unwrap().to_owned(), ())).collect();
    assert_eq!(asked, want, "{out}");
    let loaded: std::collections::BTreeSet<usize> = r["roles"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["role"].as_str().unwrap().strip_prefix("pypi.org-bin-"))
        .map(|b| usize::from_str_radix(b, 16).unwrap())
        .collect();
    assert_eq!(loaded, bins, "{out}");
    let found: Vec<&str> = r["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .filter(|n| n.contains("/publishers/"))
        .collect();
    let in_map: Vec<String> = ["gitlab-oidc-project", "project-11", "project-3", "project-7"]
        .iter()
        .map(|n| format!("pypi.org/publishers/{n}.json"))
        .collect();
    assert_eq!(found, in_map, "{out}");
    // The map answers for the lock's project.
    assert!(verify_real(&site.policy("pypi.org", json!({})).unwrap(), "pypi.org").is_ok());
}

#[test]
fn cli_update_with_an_npm_lock_searches_its_registry_names() {
    let site = Site::new("cli-npm-lock");
    let mut spec = Spec::new();
    spec.put(NPM_ROLE_NAME, "sigstore", &[SIGSTORE_JS]);
    let root_file = site.dir.join("root.json");
    std::fs::write(&root_file, spec.write(&site.repo)).unwrap();
    let integrity = |s: &str| format!("sha512-{}", base64_sha512(s));
    let lock = json!({"name": "app", "lockfileVersion": 3, "packages": {
        "": {"name": "app", "version": "1.0.0"},
        "node_modules/sigstore": {"version": "1.0.0",
            "resolved": "https://registry.npmjs.org/sigstore/-/sigstore-1.0.0.tgz", "integrity": integrity("a")},
        "node_modules/@tufjs/models": {"version": "1.0.0",
            "resolved": "https://registry.npmjs.org/@tufjs/models/-/models-1.0.0.tgz", "integrity": integrity("b")},
        "node_modules/mine": {"resolved": "packages/mine", "link": true},
        "packages/mine": {"name": "mine", "version": "0.0.1"}}});
    let dir = site.dir.join("app");
    std::fs::create_dir_all(&dir).unwrap();
    let lock_file = dir.join("package-lock.json");
    std::fs::write(&lock_file, lock.to_string()).unwrap();
    let (code, out, err) =
        cli_update_lock(&site, NPM_ROLE_NAME, &lock_file, &["--root", root_file.to_str().unwrap(), "--json"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let r: Value = serde_json::from_str(&out).unwrap();
    // npm names as written, scoped ones included; the linked workspace folder comes from no registry.
    assert_eq!(
        r["asked"],
        json!(["registry.npmjs.org/publishers/@tufjs/models.json", "registry.npmjs.org/publishers/sigstore.json"]),
        "{out}"
    );
    // --ecosystem is the lock's kind, never the user's.
    let (code, _, err) = cli_update_lock(&site, NPM_ROLE_NAME, &lock_file, &["--ecosystem", "pypi"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--ecosystem is for --packages"), "{err}");
}

fn base64_sha512(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, s.as_bytes()))
}

#[test]
fn cli_update_refuses_a_malformed_lock_with_the_parsers_message_and_leaves_the_cache() {
    let site = Site::new("cli-bad-lock");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    let before = digest(&site.cache);
    let bad = [
        ("pylock.toml", "lock-version = \"2.0\"\n".to_owned(), "expected lock-version 1.x"),
        ("pylock.toml", "lock-version = \n".to_owned(), "found a TOML error"),
        ("package-lock.json", r#"{"lockfileVersion": 1}"#.to_owned(), "expected lockfileVersion 2 or 3"),
        ("pnpm-lock.yaml", "lockfileVersion: '5.4'\n".to_owned(), "pnpm-lock.yaml"),
        ("requirements.txt", "attrs==1\n".to_owned(), "expected a lockfile named pylock.toml"),
        // A name no index serves (a path segment ".."): refused, not searched.
        ("pylock.toml", pylock(&[("a/../b", 0)]), "is not a package name"),
    ];
    for (i, (name, text, words)) in bad.iter().enumerate() {
        let d = site.dir.join(format!("bad{i}"));
        std::fs::create_dir_all(&d).unwrap();
        let f = d.join(name);
        std::fs::write(&f, text).unwrap();
        let (code, out, err) = cli_update_lock(&site, "pypi.org", &f, &[]);
        assert_eq!(code, Some(2), "{name}: {out}{err}");
        assert!(err.contains(words) && err.contains(f.to_str().unwrap()), "{name}: expected {words:?} in: {err}");
        assert_eq!(digest(&site.cache), before, "{name}: a refused lock changed the cache");
    }
    // Above the lockfile size limit: refused before it is parsed.
    let f = site.dir.join("big").join("pylock.toml");
    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
    std::fs::write(&f, vec![b' '; domainsig::limits::MAX_LOCK_BYTES + 1]).unwrap();
    let (code, _, err) = cli_update_lock(&site, "pypi.org", &f, &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("LIMIT_EXCEEDED") || err.contains("limit"), "{err}");
    assert_eq!(digest(&site.cache), before);
}

#[test]
fn a_long_lived_cache_forgets_the_least_recently_asked_names_instead_of_refusing() {
    use domainsig::trust::publisher_map::{Lookup, PublisherMap};
    let site = Site::new("forget");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    let cap = domainsig::limits::MAX_TUF_MAP_NAMES;
    // Months of use: one project asked for long ago, then the cap's worth of others.
    site.update(&spec, &[PROJECT]).unwrap();
    let many: Vec<String> = (0..cap - 1).map(|i| format!("p-{i}")).collect();
    let many_refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let r = site.update(&spec, &many_refs).unwrap();
    assert_eq!(r.asked.len(), cap);
    assert_eq!(r.asked.last().map(String::as_str), Some("pypi.org/publishers/gitlab-oidc-project.json"));
    // One more distinct name: the update succeeds, keeps what was asked for, drops the oldest.
    let r = site.update(&spec, &["attrs"]).unwrap();
    assert_eq!(r.asked.len(), cap, "{:?}", r.changed);
    assert_eq!(r.asked[0], "pypi.org/publishers/attrs.json");
    assert!(!r.asked.iter().any(|n| n.contains(PROJECT)), "the least recently asked name is dropped");
    assert!(r.changed.iter().any(|c| c.contains("1 publisher map names asked for least recently")), "{:?}", r.changed);
    let index = domainsig::domain::normalize("pypi.org").unwrap();
    let map = PublisherMap::load(&site.cfg(), &index, tuf::unix_now()).unwrap();
    assert!(matches!(map.lookup(PROJECT), Lookup::NotSearched));
    assert!(matches!(map.lookup("attrs"), Lookup::NoClaim));
    assert!(matches!(map.lookup("p-0"), Lookup::NoClaim));
    // A gate that misses the dropped name asks for it again: it comes back, the next oldest goes.
    let r = site.update(&spec, &[PROJECT]).unwrap();
    assert_eq!(r.asked[0], "pypi.org/publishers/gitlab-oidc-project.json");
    assert_eq!(r.asked.len(), cap);
    assert!(verify_real(&site.policy("pypi.org", json!({})).unwrap(), "pypi.org").is_ok());
    // A refresh asks for nothing new and forgets nothing.
    let again = site.update(&spec, &[]).unwrap();
    assert_eq!(again.asked, r.asked);
    // Only one request of more than the cap is refused, and the cache keeps its state.
    let too_many: Vec<String> = (0..=cap).map(|i| format!("q-{i}")).collect();
    let too_many: Vec<&str> = too_many.iter().map(String::as_str).collect();
    let e = site.refused(&spec, &too_many, Status::LimitExceeded, "publisher map names asked for in one TUF update");
    assert!(e.message.contains(&cap.to_string()), "{e}");
}

#[test]
fn a_cache_remembering_names_whose_description_passes_a_mebibyte_still_updates() {
    // report.json grows with the names a cache remembers (about 400 bytes each for a project with
    // an entry and its bin); read back with the 1 MiB metadata limit, a cache that had been asked
    // for about 2,700 such projects refused every later update. Long names reach that size
    // without entries, which keeps this test cheap.
    let site = Site::new("report-size");
    let spec = Spec::new();
    let long: Vec<String> =
        (0..domainsig::limits::MAX_TUF_MAP_NAMES).map(|i| format!("{i:04}-{}", "n".repeat(230))).collect();
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    let r = site.update(&spec, &long).unwrap();
    let json = serde_json::to_vec_pretty(&r).unwrap();
    assert!(json.len() as u64 > 1 << 20, "the state takes {} bytes", json.len());
    // Later updates, a refresh and a new name, still publish; a policy still reads the cache.
    site.update(&spec, &[]).unwrap();
    site.update(&spec, &[PROJECT]).unwrap();
    assert!(site.policy("pypi.org", json!({"first_sight": true})).is_ok());
    assert!(tuf::status(&site.cfg()).is_ok());
}

/// Only the delegation named after the index speaks for it, and that holds for silence too: a
/// delegation TUF's preorder search reaches first cannot end the search (terminating) before the
/// index's own delegation is read and so turn the index's entry into "no claim", and a repository
/// with no delegation named after the index holds no map of it.
#[test]
fn only_the_index_delegation_can_say_no_claim() {
    let base = || {
        let mut spec = Spec::new();
        spec.put("pypi.org", PROJECT, &[OTHER]);
        spec
    };
    // test.pypi.org's delegation, searched first, also covers pypi.org's names and is terminating.
    let mut spec = base();
    spec.roles[0].paths.push("pypi.org/*".into());
    spec.roles[0].terminating = true;
    let e = Site::new("hide-top").refused(
        &spec,
        &[PROJECT],
        Status::TufRefused,
        "never reaches the top-level delegation pypi.org",
    );
    assert!(e.message.contains("terminating delegation test.pypi.org"), "{e}");
    // The same through a terminating role below it.
    let mut spec = base();
    spec.roles[0].paths.push("pypi.org/*".into());
    spec.add(Some(0), "hide", &["pypi.org/publishers/*"], true, 30);
    let e = Site::new("hide-sub").refused(
        &spec,
        &[PROJECT],
        Status::TufRefused,
        "never reaches the top-level delegation pypi.org",
    );
    assert!(e.message.contains("hide"), "{e}");
    // A role named pypi.org below test.pypi.org: TUF visits a role name once, so the search
    // would never read the real one.
    let mut spec = base();
    spec.roles[0].paths.push("pypi.org/*".into());
    spec.add(Some(0), "pypi.org", &["pypi.org/*"], false, 10);
    Site::new("hide-name").refused(&spec, &[PROJECT], Status::TufRefused, "pypi.org");
    // A delegation named pypi.org whose paths do not cover its map, and one whose paths (`*`,
    // terminating) cover every other index's too: npm's entry is not pypi.org's to hide.
    let mut spec = Spec::new();
    spec.roles[1].paths = vec!["pypi.org/simple/*".into()];
    Site::new("index-paths").refused(
        &spec,
        &[PROJECT],
        Status::TufRefused,
        "delegates no role named pypi.org whose paths cover it",
    );
    let mut spec = base();
    spec.put(NPM_ROLE_NAME, "sigstore", &[SIGSTORE_JS]);
    spec.roles[1].paths = vec!["*".into()];
    spec.roles[1].terminating = true;
    let site = Site::new("index-star");
    *site.root.borrow_mut() = Some(spec.write(&site.repo));
    let wanted = vec![format!("{NPM_ROLE_NAME}/publishers/sigstore.json")];
    let e = tuf::update_for(&site.cfg(), &NoNetwork, &wanted).unwrap_err();
    assert_eq!(e.status, Status::TufRefused, "{e}");
    assert!(e.message.contains("never reaches the top-level delegation registry.npmjs.org"), "{e}");
    // No delegation named pypi.org at all: the repository holds no map of pypi.org.
    let mut spec = base();
    spec.top.retain(|r| *r != 1);
    Site::new("no-index").refused(
        &spec,
        &[PROJECT],
        Status::TufRefused,
        "never reaches the top-level delegation pypi.org",
    );
}

/// The map names the signer, the lock another publisher, the policy pins nothing: the refusal
/// names both sources and what each said, whichever of them is judged first.
#[test]
fn a_disagreement_names_every_source() {
    let site = Site::new("both");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    let lock = |p: &str| json!({"packages": {PROJECT: {"sources": [{"source": "pylock.toml", "publishers": [serde_json::from_str::<Value>(p).unwrap()]}]}}});
    let o = verify_real(&site.policy("pypi.org", lock(OTHER)).unwrap(), "pypi.org");
    assert_eq!(o.status(), Status::IdentityMismatch, "{}", o.to_json());
    let m = o.error.unwrap().message;
    assert!(m.contains("pylock.toml") && m.contains("evil/gitlab-oidc-project"), "names the lock: {m}");
    assert!(
        m.contains("the publisher map of pypi.org") && m.contains("pypi.org/publishers/gitlab-oidc-project.json"),
        "names the map, which accepted: {m}"
    );
    // Both refuse, each naming another publisher: both are named.
    let mut spec = Spec::new();
    spec.version = 2;
    for r in &mut spec.roles {
        r.version = 2;
    }
    spec.put("pypi.org", PROJECT, &[OTHER_GITHUB]);
    site.update(&spec, &[]).unwrap();
    let o = verify_real(&site.policy("pypi.org", lock(OTHER)).unwrap(), "pypi.org");
    assert_eq!(o.status(), Status::IdentityMismatch, "{}", o.to_json());
    let m = o.error.unwrap().message;
    assert!(m.contains("evil/gitlab-oidc-project") && m.contains("evil/fork"), "names what each said: {m}");
}

/// An entry two JSON readers could read differently (a key twice: the first wins in some, the
/// last in others), one holding a control character (an escape sequence rewriting the terminal
/// of whoever reads a refusal), or one that is no entry at all is refused when it arrives, and the
/// cache keeps the map it had: it never reaches a policy.
#[test]
fn a_malformed_entry_is_refused_by_the_update_and_the_cache_kept() {
    let site = Site::new("malformed");
    let name = format!("pypi.org/publishers/{PROJECT}.json");
    let b = bin_of(&name);
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    let gitlab_then_evil = r#"{"publishers": [{"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project", "repository": "evil/x", "workflow_filepath": ".gitlab-ci.yml"}]}"#.to_owned();
    let refused = Status::TufRefused;
    let cases: Vec<(String, Status, &str)> = vec![
        (format!(r#"{{"publishers": [{GITLAB}], "publishers": [{OTHER}]}}"#), refused, "duplicate key \"publishers\""),
        (gitlab_then_evil, refused, "duplicate key \"repository\""),
        (
            r#"{"publishers": [{"kind": "GitHub", "repository": "o/r\u001b[2J", "workflow": "release.yml"}]}"#.into(),
            refused,
            "control character",
        ),
        (r#"{"publishers": [{"kind": "ActiveState", "organization": "o"}]}"#.into(), refused, "ActiveState"),
        (r#"{"publishers": []}"#.into(), refused, "names 0 publishers"),
        (
            r#"{"publishers": [{"kind": "GitHub", "repository": "", "workflow": "x"}]}"#.into(),
            refused,
            "must not be empty",
        ),
        (format!("{}1{}", "[".repeat(100), "]".repeat(100)), Status::LimitExceeded, "nesting depth"),
    ];
    for (bytes, status, words) in cases {
        let mut bad = spec.clone();
        bad.version = 2;
        bad.roles[1].version = 2;
        bad.bin(b).version = 2;
        bad.bin(b).files = vec![(name.clone(), bytes.clone().into_bytes())];
        let e = site.refused(&bad, &[], status, words);
        assert!(e.message.contains(&name), "names the entry: {e}");
    }
    // The map cached before is still the one a policy reads.
    assert!(verify_real(&site.policy("pypi.org", json!({})).unwrap(), "pypi.org").is_ok());
}

/// Attacks on the map this review found already refused (regressions guard): a revoked entry
/// stops applying after the next update; a cache of one repository is never read for another; a
/// bin listing a name outside its prefix, and a bin delegating a role another bin's parent
/// delegates, refuse the update with the cache unchanged.
#[test]
fn attacks_already_refused_stay_refused() {
    let name = format!("pypi.org/publishers/{PROJECT}.json");
    let b = bin_of(&name);
    // Revocation: the index removes the entry; the next update drops it, the map says nothing.
    let site = Site::new("revoke");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    assert!(verify_real(&site.policy("pypi.org", json!({})).unwrap(), "pypi.org").is_ok());
    let mut revoked = Spec::new();
    revoked.version = 2;
    revoked.roles[1].version = 2;
    revoked.bin(b).version = 2;
    let r = site.update(&revoked, &[]).unwrap();
    assert!(r.changed.iter().any(|c| c == &format!("target {name} removed")), "{:?}", r.changed);
    let o = verify_real(&site.policy("pypi.org", json!({})).unwrap(), "pypi.org");
    assert_eq!(o.status(), Status::IdentityMismatch, "{}", o.to_json());
    // The same cache folder, a policy naming another repository: nothing of the first is read.
    let other = site.dir.join("other-repo");
    spec.write(&other);
    let p = json!({"version": 1, "domains": {"mode": "warn"},
        "publishers_from": [{"tuf": {"repo": other}, "cache": site.cache, "index": "pypi.org"}]});
    let e = Policy::from_json(p.to_string().as_bytes(), None).unwrap_err();
    assert_eq!(e.status, Status::TufMissing, "{e}");
    // A bin listing a name whose hash is outside its prefix (the name's own bin not loaded).
    let site = Site::new("outside");
    let mut spec = Spec::new();
    let other_bin = (b + 1) % 16;
    spec.bin(other_bin).files.push((name.clone(), entry(&[OTHER])));
    let neighbour =
        (0..).map(|i| format!("n{i}")).find(|n| bin_of(&format!("pypi.org/publishers/{n}.json")) == other_bin).unwrap();
    site.refused(&spec, &[&neighbour], Status::TufRefused, "Target file not delegated");
    // Bin 0's key delegates the role name of the project's bin (listing that bin's real key): TUF
    // loads each role name once, so the real bin is read under bin 0, where its names are not
    // delegated.
    let site = Site::new("twice");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    let first = usize::from(b == 0);
    spec.bin(first).children.push(2 + b);
    let in_first =
        (0..).map(|i| format!("n{i}")).find(|n| bin_of(&format!("pypi.org/publishers/{n}.json")) == first).unwrap();
    site.refused(&spec, &[PROJECT, &in_first], Status::TufRefused, "Target file not delegated");
}

/// A bundle signed by a policy key (npm's registry key signs its publish attestation) names no
/// publisher, so it cannot satisfy a map that names one: as in an attestation set, where a
/// registry key's signature never satisfies an identity rule. Where the map makes no claim, the
/// key decides as before.
#[test]
fn a_managed_key_signature_does_not_satisfy_a_map_claim() {
    let site = Site::new("keyed");
    let mut spec = Spec::new();
    spec.put(NPM_ROLE_NAME, "@acme/widget", &[SIGSTORE_JS]);
    *site.root.borrow_mut() = Some(spec.write(&site.repo));
    let wanted = domainsig::trust::publisher_map::wanted(
        NPM_ROLE_NAME,
        domainsig::subject::Ecosystem::Npm,
        &["@acme/widget", "@acme/gadget"],
    )
    .unwrap();
    tuf::update_for(&site.cfg(), &NoNetwork, &wanted).unwrap();
    let mut vs = support::VirtualSigstore::new();
    let p = json!({"version": 1, "trusted_root": vs.trusted_root(),
        "keys": [{"pem": vs.managed_key.public_pem()}],
        "domains": {"mode": "require"},
        "publishers_from": [{"tuf": {"repo": site.repo}, "cache": site.cache, "index": NPM_ROLE_NAME}]});
    let p = Policy::from_json(p.to_string().as_bytes(), None).unwrap();
    let run = |name: &str, purl: &str, vs: &mut support::VirtualSigstore| {
        let tarball = format!("{name} 1.2.3 tarball").into_bytes();
        let st = support::predicates::npm_publish(name, "1.2.3", "https://registry.npmjs.org/", &tarball);
        let m = vs.dsse(&st).managed_key().mint();
        p.verify(&Request {
            artifact: Artifact::Bytes(&tarball),
            name: Some(purl),
            bundle: &m.bytes(),
            index_domain: Some(NPM_ROLE_NAME),
        })
    };
    let o = run("@acme/widget", "pkg:npm/%40acme/widget@1.2.3", &mut vs);
    assert_eq!(o.status(), Status::IdentityMismatch, "{}", o.to_json());
    let m = o.error.unwrap().message;
    assert!(m.contains("the publisher map of registry.npmjs.org") && m.contains("sigstore/sigstore-js"), "{m}");
    assert!(m.contains("policy key #0"), "{m}");
    // No claim for @acme/gadget: the key decides.
    let o = run("@acme/gadget", "pkg:npm/%40acme/gadget@1.2.3", &mut vs);
    assert!(o.is_ok(), "{}", o.to_json());
}

/// A file fetched from an index whose map the policy reads, under a name that names no package
/// this client reads (`attrs-23.1.0.tar.xz`, a legacy sdist pip still installs), cannot escape the
/// map to be accepted on first sight: its entry cannot be chosen, so the file is refused. From an
/// index no map governs, first sight decides as before.
#[test]
fn a_name_that_names_no_package_does_not_escape_the_map() {
    let site = Site::new("noname");
    let mut spec = Spec::new();
    spec.put("pypi.org", "attrs", &[OTHER]);
    site.update(&spec, &["attrs"]).unwrap();
    let mut vs = support::VirtualSigstore::new();
    let p = json!({"version": 1, "trusted_root": vs.trusted_root(), "first_sight": true,
        "domains": {"mode": "warn"},
        "publishers_from": [{"tuf": {"repo": site.repo}, "cache": site.cache, "index": "pypi.org"}]});
    let p = Policy::from_json(p.to_string().as_bytes(), None).unwrap();
    let mut run = |name: &str, index: &str| {
        let bytes = format!("{name} bytes").into_bytes();
        let st = support::Statement::new("https://example.com/predicate/v1").subject(name, &bytes);
        let m = vs.dsse(&st).mint();
        p.verify(&Request {
            artifact: Artifact::Bytes(&bytes),
            name: Some(name),
            bundle: &m.bytes(),
            index_domain: Some(index),
        })
    };
    // The map names another publisher for attrs: the sdist under its usual name is refused...
    assert_eq!(run("attrs-23.1.0.tar.gz", "pypi.org").status(), Status::IdentityMismatch);
    // ...and so is the same project under a name the client cannot read as a package.
    let o = run("attrs-23.1.0.tar.xz", "pypi.org");
    assert_eq!(o.status(), Status::SubjectMismatch, "{}", o.to_json());
    let m = o.error.unwrap().message;
    assert!(m.contains("the publisher map of pypi.org") && m.contains("attrs-23.1.0.tar.xz"), "{m}");
    // From an index no map governs, first sight decides.
    assert!(run("attrs-23.1.0.tar.xz", "test.pypi.org").is_ok());
    // No name at all: the caller must give one for the map to choose an entry.
    let bytes = b"attrs sdist".to_vec();
    let m = vs
        .dsse(&support::Statement::new("https://example.com/predicate/v1").subject("attrs-23.1.0.tar.gz", &bytes))
        .mint();
    let o = p.verify(&Request {
        artifact: Artifact::Bytes(&bytes),
        name: None,
        bundle: &m.bytes(),
        index_domain: Some("pypi.org"),
    });
    assert_eq!(o.status(), Status::InvalidArgument, "{}", o.to_json());
}

/// Another delegation listing a name under pypi.org's map that nobody asked for (so the update
/// keeps it, bound to no domain) does not speak for pypi.org, and cannot stop every policy from
/// reading pypi.org's map either: the entry is left out of the map, which says nothing about
/// that project (never searched), and asking for it refuses the update.
#[test]
fn an_unbound_listing_under_the_map_is_left_out_not_fatal() {
    let site = Site::new("unbound");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    spec.roles[0].paths.push("pypi.org/publishers/zzz.json".into());
    spec.roles[0].files.push(("pypi.org/publishers/zzz.json".into(), entry(&[OTHER])));
    let r = site.update(&spec, &[PROJECT]).unwrap();
    let t = r.target("pypi.org/publishers/zzz.json").unwrap();
    assert_eq!((t.role.as_str(), t.domain.as_deref()), ("test.pypi.org", None));
    let p = site.policy("pypi.org", json!({})).unwrap();
    assert!(verify_real(&p, "pypi.org").is_ok());
    site.refused(&spec, &[PROJECT, "zzz"], Status::TufRefused, "does not speak for pypi.org");
}

/// The network of an index that serves no provenance: every URL is 404.
struct Serves404;

impl tuf::Fetcher for Serves404 {
    fn fetch(&self, _url: &str, _max_len: u64) -> Result<tuf::Fetched, String> {
        Ok(tuf::Fetched::NotFound)
    }
}

/// `verify-lock` (the library's lock verifier) on a pylock.toml naming the real sdist on `index`
/// (an index URL), where nothing serves provenance: the entry's result.
fn lock_unattested(p: &Policy, index: &str) -> domainsig::lock::EntryResult {
    let lock = format!(
        "lock-version = \"1.0\"\ncreated-by = \"domainsig tests\"\n\n[[packages]]\nname = \"{PROJECT}\"\n\
         version = \"0.0.3\"\nindex = \"{index}simple/\"\n\
         sdist = {{ name = \"{FILE}\", url = \"{index}files/{FILE}\", size = 5679, hashes = {{ sha256 = \"{}\" }} }}\n",
        "c1ca9b0d85df1606451098233018534497bf584362e10e4a8c21dfaea92c02a8"
    );
    let lock = domainsig::lock::parse(lock.as_bytes(), "pylock.toml", &Default::default()).unwrap();
    let mut r = domainsig::lock::verify(p, &lock, &Serves404, 1, &|_| {});
    r.entries.remove(0)
}

#[test]
fn verify_lock_refuses_an_unattested_file_the_map_names_publishers_for() {
    let site = Site::new("unattested-claim");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    // first_sight on and warn mode: nothing but the map asks, and the map names a publisher.
    let p = site.policy("pypi.org", json!({"first_sight": true})).unwrap();
    let r = lock_unattested(&p, "https://pypi.org/");
    assert_eq!(r.verdict, domainsig::lock::Verdict::Refused, "{:?}", r.error);
    let e = r.error.unwrap();
    assert_eq!((e.status, e.status as i32), (Status::AttestationMissing, 71), "{e}");
    let target = format!("pypi.org/publishers/{PROJECT}.json");
    let role = format!("pypi.org-bin-{:x}", bin_of(&target));
    for words in
        ["the publisher map of pypi.org", "facutuesca/gitlab-oidc-project", &target, &role, "serves no provenance"]
    {
        assert!(e.message.contains(words), "expected {words:?} in: {e}");
    }
    assert_eq!(e.field.as_deref(), Some("publishers_from[0]"));
    // Through a mirror the policy allows for pypi.org, the same (the verifier's mirror rule).
    let mirrored = site
        .policy(
            "pypi.org",
            json!({"first_sight": true, "domains": {"mode": "warn", "mirrors": {"pypi.corp.example": ["pypi.org"]}}}),
        )
        .unwrap();
    let r = lock_unattested(&mirrored, "https://pypi.corp.example/");
    assert_eq!(r.error.as_ref().map(|e| e.status), Some(Status::AttestationMissing), "{:?}", r.error);
    assert_eq!(r.verdict, domainsig::lock::Verdict::Refused);
    // A file no index listed: every map governs it.
    let e = p.judge_unattested(FILE, None).unwrap_err();
    assert!(e.status == Status::AttestationMissing && e.message.contains("listed by no index"), "{e}");
}

#[test]
fn verify_lock_passes_an_unattested_file_the_map_makes_no_claim_about() {
    let site = Site::new("unattested-noclaim");
    site.update(&Spec::new(), &[PROJECT]).unwrap();
    let p = site.policy("pypi.org", json!({"first_sight": true})).unwrap();
    let r = lock_unattested(&p, "https://pypi.org/");
    assert_eq!(r.verdict, domainsig::lock::Verdict::Unattested, "{:?}", r.error);
    assert!(
        r.notes.iter().any(|n| n.contains("the publisher map of pypi.org") && n.contains("makes no claim")),
        "{:?}",
        r.notes
    );
    // Without first sight an attested file of a project no source speaks for is refused, so one
    // without provenance is too: the refusal says why.
    let p = site.policy("pypi.org", json!({})).unwrap();
    let r = lock_unattested(&p, "https://pypi.org/");
    assert_eq!(r.verdict, domainsig::lock::Verdict::Refused);
    let e = r.error.unwrap();
    assert_eq!(e.status, Status::AttestationMissing, "{e}");
    assert!(e.message.contains("first_sight is off") && e.field.as_deref() == Some("first_sight"), "{e}");
    // Never searched: the map cannot say it makes no claim.
    let p = site.policy("pypi.org", json!({"first_sight": true})).unwrap();
    assert_eq!(p.judge_unattested("attrs", Some("pypi.org")).unwrap_err().status, Status::TufMissing);
}

#[test]
fn a_map_for_another_index_does_not_govern_an_unattested_file() {
    let site = Site::new("unattested-scope");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    let p = site.policy("pypi.org", json!({"first_sight": true})).unwrap();
    // pypi.org's map names a publisher, but the file came from test.pypi.org.
    let r = lock_unattested(&p, "https://test.pypi.org/");
    assert_eq!(r.verdict, domainsig::lock::Verdict::Unattested, "{:?}", r.error);
    assert!(r.notes.iter().any(|n| n.contains("governs only files fetched from pypi.org")), "{:?}", r.notes);
    // A mirror listed for another upstream is not one of pypi.org's.
    let p = site
        .policy(
            "pypi.org",
            json!({"first_sight": true, "domains": {"mode": "warn", "mirrors": {"pypi.corp.example": ["test.pypi.org"]}}}),
        )
        .unwrap();
    assert!(p.judge_unattested(FILE, Some("pypi.corp.example")).is_ok());
}

/// The map names its index by host (docs/publisher-map.md: "no scheme, port or path"): a file
/// fetched from a path of that host (`https://pypi.org/simple/`, as a caller may pass the index
/// URL) is fetched from the index the map governs. It was judged as from another index, so the
/// map's claim never spoke and the file was installed without provenance.
#[test]
fn a_map_governs_files_fetched_from_a_path_of_its_index() {
    let site = Site::new("unattested-spellings");
    let mut spec = Spec::new();
    spec.put("pypi.org", PROJECT, &[GITLAB]);
    site.update(&spec, &[PROJECT]).unwrap();
    let p = site.policy("pypi.org", json!({"first_sight": true})).unwrap();
    for d in ["PyPI.org.", "https://pypi.org:443/", "pypi.org/simple", "https://pypi.org/simple/"] {
        let e = p.judge_unattested(FILE, Some(d)).unwrap_err();
        assert_eq!(e.status, Status::AttestationMissing, "{d}: {e}");
        assert!(e.message.contains("the publisher map of pypi.org names its publisher"), "{d}: {e}");
    }
    // Another port is another server, and a mirror's path is that mirror's (the policy names it).
    assert!(p.judge_unattested(FILE, Some("pypi.org:8443")).is_ok());
    let mirrored = site
        .policy(
            "pypi.org",
            json!({"first_sight": true, "domains": {"mode": "warn", "mirrors": {"m.example/pypi": ["pypi.org"]}}}),
        )
        .unwrap();
    assert_eq!(mirrored.judge_unattested(FILE, Some("m.example/pypi")).unwrap_err().status, Status::AttestationMissing);
    assert!(mirrored.judge_unattested(FILE, Some("m.example/other")).is_ok());
}

/// A package-lock.json entry of a registry package whose `resolved` tarball sits on another host
/// (a lock is as hostile as what it copies): without attestations it is judged for the registry
/// too, as the npm gate judges a redirected tarball. verify-lock judged it only for the tarball's
/// host, which the registry's map does not govern, so the map's claim never spoke and the file
/// passed WITHOUT provenance.
#[test]
fn verify_lock_judges_an_unattested_npm_tarball_on_another_host_for_its_registry_too() {
    let site = Site::new("unattested-npm-host");
    let mut spec = Spec::new();
    spec.put(NPM_ROLE_NAME, "sigstore", &[SIGSTORE_JS]);
    *site.root.borrow_mut() = Some(spec.write(&site.repo));
    tuf::update_for(&site.cfg(), &NoNetwork, &["registry.npmjs.org/publishers/sigstore.json".to_owned()]).unwrap();
    let p = site.policy(NPM_ROLE_NAME, json!({"first_sight": true})).unwrap();
    let lock_of = |resolved: &str| {
        json!({"name": "app", "lockfileVersion": 3, "packages": {
            "": {"name": "app", "version": "1.0.0"},
            "node_modules/sigstore": {"version": "1.0.0", "resolved": resolved,
                "integrity": format!("sha512-{}", base64_sha512("a"))}}})
        .to_string()
    };
    for resolved in [
        "https://registry.npmjs.org/sigstore/-/sigstore-1.0.0.tgz",
        "https://evil.example/sigstore/-/sigstore-1.0.0.tgz",
    ] {
        let lock =
            domainsig::lock::parse(lock_of(resolved).as_bytes(), "package-lock.json", &Default::default()).unwrap();
        let r = domainsig::lock::verify(&p, &lock, &Serves404, 1, &|_| {}).entries.remove(0);
        assert_eq!(r.verdict, domainsig::lock::Verdict::Refused, "{resolved}: {:?} {:?}", r.error, r.notes);
        let e = r.error.unwrap();
        assert_eq!(e.status, Status::AttestationMissing, "{resolved}: {e}");
        assert!(e.message.contains("the publisher map of registry.npmjs.org names its publisher"), "{resolved}: {e}");
    }
}
