use super::*;
use crate::Status;

fn opts() -> Options {
    Options::default()
}

const SHA: &str = "c1ca9b0d85df1606451098233018534497bf584362e10e4a8c21dfaea92c02a8";
// sha512-<base64 of 64 zero bytes>
const SRI0: &str = "sha512-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

#[test]
fn the_file_name_tells_the_format() {
    assert_eq!(Format::from_file_name("a/pylock.toml"), Some(Format::Pylock));
    assert_eq!(Format::from_file_name("pylock.dev.toml"), Some(Format::Pylock));
    assert_eq!(Format::from_file_name("pylock..toml"), None);
    assert_eq!(Format::from_file_name("npm-shrinkwrap.json"), Some(Format::PackageLock));
    assert_eq!(Format::from_file_name("x/pnpm-lock.yaml"), Some(Format::Pnpm));
    assert_eq!(parse(b"", "requirements.txt", &opts()).unwrap_err().status, Status::LockInvalid);
}

#[test]
fn pylock_entries_index_and_publishers() {
    let text = format!(
        r#"lock-version = "1.0"
[[packages]]
name = "A.B"
version = "1"
sdist = {{ url = "https://files.example/a.b-1.tar.gz", hashes = {{ sha256 = "{SHA}" }} }}
wheels = [{{ name = "a_b-1-py3-none-any.whl", url = "https://files.example/w", hashes = {{ sha256 = "{}" }} }}]
[[packages.attestation-identities]]
kind = "GitHub"
repository = "o/r"
workflow = "release.yml"

[[packages]]
name = "c"
index = "http://127.0.0.1:8080/simple"
wheels = [{{ name = "c-1-py3-none-any.whl", url = "https://x/c", hashes = {{ md5 = "00" }} }}]

[[packages]]
name = "d"
vcs = {{ type = "git", url = "https://g/d", commit-id = "abc" }}

[tool.something]
x = 1
"#,
        SHA.to_uppercase()
    );
    let lock = parse(text.as_bytes(), "pylock.toml", &opts()).unwrap();
    assert_eq!(lock.entries.len(), 4);
    let e = &lock.entries[0];
    assert_eq!(e.file.as_deref(), Some("a.b-1.tar.gz"));
    assert_eq!(
        e.source,
        Source::Index {
            index: DEFAULT_INDEX_URL.into(),
            url: Some("https://files.example/a.b-1.tar.gz".into()),
            sha256: SHA.into()
        }
    );
    assert_eq!(e.publishers[0]["repository"], "o/r");
    assert_eq!(e.publishers.len(), 1);
    assert!(matches!(&lock.entries[1].source, Source::Index { sha256, .. } if sha256 == SHA), "hex is lower-cased");
    assert!(matches!(&lock.entries[2].source, Source::Unverifiable { why } if why.contains("sha256")));
    assert!(matches!(&lock.entries[3].source, Source::Unverifiable { why } if why.contains("vcs")));
    let custom = Options { index_url: Some("https://mirror.example/simple".into()), ..opts() };
    let lock = parse(text.as_bytes(), "pylock.toml", &custom).unwrap();
    assert!(
        matches!(&lock.entries[0].source, Source::Index { index, .. } if index == "https://mirror.example/simple/")
    );
}

#[test]
fn pylock_refusals() {
    let bad = |t: &str| parse(t.as_bytes(), "pylock.toml", &opts()).unwrap_err();
    assert_eq!(bad("lock-version = \"2.0\"").status, Status::LockInvalid);
    assert_eq!(bad("packages = 3").status, Status::LockInvalid);
    assert_eq!(bad("lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n[[packages.attestation-identities]]\nrepository = \"o/r\"").status, Status::LockInvalid);
    let e = bad(
        "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n[[packages.attestation-identities]]\nkind = \"GitHub\"\nrepository = 3",
    );
    assert_eq!(e.status, Status::LockInvalid);
    assert!(e.field.as_deref().unwrap_or("").contains("attestation-identities[0]"), "{e:?}");
    // A publisher of a kind or with keys the library's publisher shape does not have.
    let e = bad(
        "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n[[packages.attestation-identities]]\nkind = \"Nope\"\nrepository = \"o/r\"",
    );
    assert_eq!(e.status, Status::LockInvalid, "{e:?}");
    let e = bad(
        "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n[[packages.attestation-identities]]\nkind = \"GitHub\"\nrepository = \"o/r\"\nworkflow = \"w.yml\"\nextra = \"x\"",
    );
    assert_eq!(e.status, Status::LockInvalid, "{e:?}");
    let e = bad(&format!(
        "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\nsdist = {{ name = \"../x\", url = \"https://e/x\", hashes = {{ sha256 = \"{SHA}\" }} }}"
    ));
    assert_eq!(e.status, Status::LockInvalid);
    let e = bad(
        "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\nsdist = { url = \"https://e/x.tar.gz\", hashes = { sha256 = \"abc\" } }",
    );
    assert_eq!(e.status, Status::LockInvalid);
    // Nesting past the TOML parser's bound is an error, not a stack overflow.
    let deep = format!("lock-version = \"1.0\"\nx = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(bad(&deep).status, Status::LockInvalid);
}

#[test]
fn oversized_locks_are_refused_before_parsing() {
    let big = vec![b' '; limits::MAX_LOCK_BYTES + 1];
    for name in ["pylock.toml", "package-lock.json", "pnpm-lock.yaml"] {
        assert_eq!(parse(&big, name, &opts()).unwrap_err().status, Status::LimitExceeded, "{name}");
    }
}

fn package_lock(packages: serde_json::Value) -> String {
    serde_json::json!({"lockfileVersion": 3, "packages": packages}).to_string()
}

#[test]
fn package_lock_entries() {
    let text = package_lock(serde_json::json!({
        "": {"name": "app"},
        "node_modules/a": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/a/-/a-1.0.0.tgz", "integrity": format!("sha1-AAAA {SRI0}")},
        "node_modules/@s/b": {"version": "2.0.0", "integrity": SRI0},
        "node_modules/alias": {"name": "real", "version": "3.0.0", "resolved": "https://registry.npmjs.org/real/-/real-3.0.0.tgz", "integrity": SRI0},
        "node_modules/a/node_modules/bundled": {"version": "1.0.0", "inBundle": true},
        "node_modules/ws": {"resolved": "packages/ws", "link": true},
        "packages/ws": {"version": "0.0.1"},
        "node_modules/g": {"version": "1.0.0", "resolved": "git+ssh://git@github.com/o/g.git#abc"},
        "node_modules/f": {"version": "1.0.0", "resolved": "file:../f.tgz"},
        "node_modules/nohash": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/nohash/-/nohash-1.0.0.tgz"},
        // `inBundle` outside a package's own node_modules: no tarball carries it (npm fetches it),
        // so it is not passed as bundled.
        "node_modules/top": {"version": "1.0.0", "inBundle": true, "integrity": SRI0},
        "node_modules/gone/node_modules/orphan": {"version": "1.0.0", "inBundle": true, "integrity": SRI0},
    }));
    let rc = "registry=https://npm.corp.example/\n@s:registry=https://scoped.example/npm/\n";
    let lock = parse(text.as_bytes(), "package-lock.json", &Options { npmrc: Some(rc.into()), ..opts() }).unwrap();
    let by = |n: &str| lock.entries.iter().find(|e| e.name == n).unwrap_or_else(|| panic!("{n}")).source.clone();
    assert!(
        matches!(by("a"), Source::Registry { registry, tarball: Some(_), sha512 } if registry == "https://npm.corp.example/" && sha512 == "0".repeat(128))
    );
    assert!(
        matches!(by("@s/b"), Source::Registry { registry, tarball: None, .. } if registry == "https://scoped.example/npm/")
    );
    assert!(matches!(by("real"), Source::Registry { .. }));
    assert!(matches!(by("bundled"), Source::Local { .. }));
    assert!(matches!(by("top"), Source::Registry { .. }), "{:?}", by("top"));
    assert!(matches!(by("orphan"), Source::Registry { .. }), "{:?}", by("orphan"));
    assert!(matches!(by("ws"), Source::Local { .. }));
    assert!(matches!(by("packages/ws"), Source::Local { .. }));
    assert!(matches!(by("g"), Source::Unverifiable { .. }));
    assert!(matches!(by("f"), Source::Local { .. }));
    assert!(matches!(by("nohash"), Source::Unverifiable { why } if why.contains("sha512")));
    // --registry decides the default; the scope line still decides its scope.
    let both = Options { npmrc: Some(rc.into()), registry: Some("http://127.0.0.1:1".into()), ..opts() };
    let lock = parse(text.as_bytes(), "package-lock.json", &both).unwrap();
    let a = lock.entries.iter().find(|e| e.name == "a").unwrap();
    assert!(matches!(&a.source, Source::Registry { registry, .. } if registry == "http://127.0.0.1:1/"));
}

#[test]
fn package_lock_refusals() {
    let bad = |t: &str| {
        parse(t.as_bytes(), "package-lock.json", &opts())
            .err()
            .unwrap_or_else(|| panic!("accepted: {}", &t[..t.len().min(80)]))
    };
    assert!(bad(r#"{"lockfileVersion": 1, "dependencies": {}}"#).message.contains("--lockfile-version 3"));
    // Without `packages`, npm reads a version 2 lock's `dependencies` (the version 1 section) and
    // installs from it: a lock without `packages` verifies nothing and must not pass.
    let v1_only = r#"{"lockfileVersion": 2, "dependencies": {"x": {"version": "1.0.0", "resolved": "https://evil.example/x.tgz"}}}"#;
    assert_eq!(bad(v1_only).status, Status::LockInvalid);
    assert_eq!(bad(r#"{"lockfileVersion": 3}"#).status, Status::LockInvalid);
    assert_eq!(bad("[").status, Status::LockInvalid);
    // A name or version that would step out of the attestations URL's path.
    let evil = package_lock(
        serde_json::json!({"node_modules/x": {"name": "../../admin", "version": "1.0.0", "integrity": SRI0}}),
    );
    assert_eq!(bad(&evil).status, Status::LockInvalid);
    let evil = package_lock(serde_json::json!({"node_modules/x": {"version": "1.0.0/../../y", "integrity": SRI0}}));
    assert_eq!(bad(&evil).status, Status::LockInvalid);
    // npm and pnpm (ssri) accept a tarball matching ANY hash of the strongest algorithm: a second
    // sha512 (copied from a registry's `dist.integrity`) would let another tarball in while only
    // the first is verified.
    let sri1 = format!("sha512-{}A==", "B".repeat(85));
    let two = package_lock(
        serde_json::json!({"node_modules/x": {"version": "1.0.0", "integrity": format!("{SRI0} {sri1}")}}),
    );
    assert_eq!(bad(&two).status, Status::LockInvalid);
    let two =
        format!("lockfileVersion: '9.0'\npackages:\n  x@1.0.0:\n    resolution: {{integrity: '{SRI0} {sri1}'}}\n");
    assert_eq!(
        parse(two.as_bytes(), "pnpm-lock.yaml", &opts()).map(|l| l.entries.len()).unwrap_err().status,
        Status::LockInvalid
    );
    // The same digest twice is one pin.
    let same = package_lock(
        serde_json::json!({"node_modules/x": {"version": "1.0.0", "integrity": format!("{SRI0} {SRI0}")}}),
    );
    assert!(parse(same.as_bytes(), "package-lock.json", &opts()).is_ok());
    let short = package_lock(serde_json::json!({"node_modules/x": {"version": "1.0.0", "integrity": "sha512-AAAA"}}));
    assert_eq!(bad(&short).status, Status::LockInvalid);
    let creds = package_lock(
        serde_json::json!({"node_modules/x": {"version": "1.0.0", "resolved": "https://u:p@r.example/x.tgz", "integrity": SRI0}}),
    );
    assert_eq!(bad(&creds).status, Status::LockInvalid);
    // Nesting in a field that is read is bounded by serde_json (128 levels): an error, not a stack overflow.
    let deep = format!(
        "{{\"lockfileVersion\": 3, \"packages\": {{\"node_modules/x\": {{\"version\": {}{}}}}}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(bad(&deep).status, Status::LockInvalid);
}

#[test]
fn npmrc_environment_references_are_refused() {
    let o = Options { npmrc: Some("registry=${REG}\n".into()), ..opts() };
    assert_eq!(parse(b"{}", "package-lock.json", &o).unwrap_err().status, Status::LockInvalid);
}

#[test]
fn pnpm_lock_entries() {
    let text = format!(
        "lockfileVersion: '9.0'\nimporters:\n  .: {{}}\npackages:\n  '@s/b@2.0.0':\n    resolution: {{integrity: {SRI0}}}\n  a@1.0.0:\n    resolution: {{integrity: {SRI0}, tarball: 'https://cdn.example/a.tgz'}}\n  d@file:../d:\n    resolution: {{directory: ../d, type: directory}}\n  g@https://codeload.github.com/o/g/tar.gz/abc:\n    resolution: {{tarball: https://codeload.github.com/o/g/tar.gz/abc}}\n    version: 1.0.0\n  h@git+https://g/h.git#abc:\n    resolution: {{type: git, repo: 'https://g/h.git', commit: abc}}\n    version: 1.0.0\n"
    );
    let lock = parse(text.as_bytes(), "pnpm-lock.yaml", &opts()).unwrap();
    let by = |n: &str| lock.entries.iter().find(|e| e.name == n).unwrap_or_else(|| panic!("{n}")).clone();
    assert_eq!(by("@s/b").version.as_deref(), Some("2.0.0"));
    assert!(matches!(by("@s/b").source, Source::Registry { tarball: None, .. }));
    assert!(matches!(by("a").source, Source::Registry { tarball: Some(t), .. } if t == "https://cdn.example/a.tgz"));
    assert!(matches!(by("d").source, Source::Local { .. }));
    assert!(matches!(by("g").source, Source::Unverifiable { why } if why.contains("sha512")));
    assert!(matches!(by("h").source, Source::Unverifiable { why } if why.contains("git")));
}

/// A registry version's `tarball:` is the registry's `dist.tarball`, copied: a `file:` (or other
/// local) tarball there is not the user's own file, and is not passed as one (pnpm would install
/// it from disk). Only a key whose reference is itself local is the user's.
#[test]
fn pnpm_registry_version_with_a_local_tarball_is_not_listed_as_local() {
    let text = format!(
        "lockfileVersion: '9.0'\npackages:\n  e@1.0.0:\n    resolution: {{integrity: {SRI0}, tarball: 'file:../../x.tgz'}}\n  f@link:../f:\n    resolution: {{integrity: {SRI0}, tarball: 'link:../f'}}\n  t@file:t.tgz:\n    resolution: {{integrity: {SRI0}, tarball: 'file:t.tgz'}}\n    version: 1.0.0\n"
    );
    let lock = parse(text.as_bytes(), "pnpm-lock.yaml", &opts()).unwrap();
    let by = |n: &str| lock.entries.iter().find(|e| e.name == n).unwrap_or_else(|| panic!("{n}")).clone();
    assert!(
        matches!(by("e").source, Source::Unverifiable { why } if why.contains("file:../../x.tgz")),
        "{:?}",
        by("e")
    );
    assert!(matches!(by("f").source, Source::Local { .. }), "{:?}", by("f"));
    assert!(matches!(by("t").source, Source::Local { .. }), "{:?}", by("t"));
    let dir = "lockfileVersion: '9.0'\npackages:\n  e@1.0.0:\n    resolution: {directory: ../../x, type: directory}\n";
    let lock = parse(dir.as_bytes(), "pnpm-lock.yaml", &opts()).unwrap();
    assert!(matches!(&lock.entries[0].source, Source::Unverifiable { .. }), "{:?}", lock.entries[0]);
}

#[test]
fn pnpm_lock_refusals() {
    let bad = |t: &str| {
        parse(t.as_bytes(), "pnpm-lock.yaml", &opts())
            .err()
            .unwrap_or_else(|| panic!("accepted: {}", &t[..t.len().min(80)]))
    };
    assert_eq!(bad("lockfileVersion: '6.0'\n").status, Status::LockInvalid);
    assert_eq!(bad("packages: {}\n").status, Status::LockInvalid);
    // Alias expansion (billion laughs) and nesting are bounded by the parser.
    let mut bomb = String::from("lockfileVersion: '9.0'\na: &a [x,x,x,x,x,x,x,x,x,x]\n");
    for i in 0..9 {
        let prev = if i == 0 { "a".to_owned() } else { format!("a{}", i - 1) };
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            std::iter::repeat_n(format!("*{prev}"), 10).collect::<Vec<_>>().join(",")
        ));
    }
    bomb.push_str("packages:\n  x@1.0.0:\n    resolution: *a8\n");
    assert_eq!(bad(&bomb).status, Status::LockInvalid);
    let deep = format!(
        "lockfileVersion: '9.0'\npackages:\n  x@1.0.0:\n    version: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(bad(&deep).status, Status::LockInvalid);
    let many = "lockfileVersion: '9.0'\n---\n".repeat(5);
    assert_eq!(bad(&many).status, Status::LimitExceeded);
}

/// An in-memory host: URL → body; records what was asked.
struct Memory {
    docs: std::collections::HashMap<String, Vec<u8>>,
    asked: std::sync::Mutex<Vec<String>>,
}

impl Fetcher for Memory {
    fn fetch(&self, url: &str, _max: u64) -> std::result::Result<Fetched, String> {
        self.asked.lock().unwrap().push(url.to_owned());
        Ok(self.docs.get(url).map_or(Fetched::NotFound, |b| Fetched::Bytes(b.clone())))
    }
}

fn policy(mut json: serde_json::Value) -> crate::Policy {
    json["version"] = 1.into();
    crate::Policy::from_json(json.to_string().as_bytes(), None).unwrap()
}

#[test]
fn one_page_per_project_and_unattested_only_where_the_policy_asks_nothing() {
    let text = format!(
        "lock-version = \"1.0\"\n[[packages]]\nname = \"p\"\nversion = \"1\"\nindex = \"https://i.example/simple/\"\nwheels = [\n {{ name = \"p-1-py3-none-any.whl\", url = \"https://f/1\", hashes = {{ sha256 = \"{SHA}\" }} }},\n {{ name = \"p-1-py2-none-any.whl\", url = \"https://f/2\", hashes = {{ sha256 = \"{SHA}\" }} }},\n]\n"
    );
    let lock = parse(text.as_bytes(), "pylock.toml", &opts()).unwrap();
    let page = serde_json::json!({"files": [{"filename": "p-1-py3-none-any.whl", "provenance": null}, {"filename": "p-1-py2-none-any.whl", "provenance": null}]});
    let host = Memory {
        docs: [("https://i.example/simple/p/".to_owned(), page.to_string().into_bytes())].into(),
        asked: Default::default(),
    };
    // A pin only for another package and first sight off: the policy accepts no signer for `p`, so
    // an attested `p` would be refused, and one without provenance may not do better.
    let pinned_other = serde_json::json!({"domains": {"mode": "warn"}, "packages": {"other": {"identities": [{"issuer": "https://x.example", "san": "s"}]}}});
    let r = verify(&policy(pinned_other.clone()), &lock, &host, 1, &|_| {});
    assert!(r.entries.iter().all(|e| e.status() == Status::AttestationMissing), "{}", r.to_json());
    assert!(r.to_json().contains("first_sight is off and no source names a signer for p"), "{}", r.to_json());
    host.asked.lock().unwrap().clear();
    // Asks nothing of `p`: warn mode, no identities or keys, a pin only for another package, and
    // first sight (which would accept an attested `p`'s first signer).
    let mut lenient = pinned_other;
    lenient["first_sight"] = true.into();
    let lenient = policy(lenient);
    let r = verify(&lenient, &lock, &host, 2, &|_| {});
    assert!(r.ok());
    assert_eq!(r.count(Verdict::Unattested), 2);
    assert_eq!(host.asked.lock().unwrap().len(), 1, "{:?}", host.asked.lock().unwrap());
    let strict = policy(
        serde_json::json!({"domains": {"mode": "require"}, "identities": [{"issuer": "https://x.example", "san": "s"}]}),
    );
    let r = verify(&strict, &lock, &host, 1, &|_| {});
    assert!(!r.ok());
    assert!(r.entries.iter().all(|e| e.status() == Status::AttestationMissing));
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(v["refused"], 2);
    assert_eq!(v["entries"][0]["code"], 71);
}

#[test]
fn pep503_names_and_path_segments() {
    assert_eq!(index::normalize("Foo.Bar__baz"), "foo-bar-baz");
    assert_eq!(index::segment("a/b"), "a%2Fb");
    assert_eq!(index::segment(".."), "%2E%2E");
}

/// An entry no index vouches for (no sha256, a local path) whose file reads as another package:
/// the lock lists it under `p`, so the policy's pins for `p` must speak, not only those of the
/// package its file name reads as (pinned `p` passed WITHOUT provenance as `q`).
#[test]
fn an_unverifiable_file_named_as_another_package_is_judged_as_the_entrys_package_too() {
    for file in [
        "{ name = \"q-1.tar.gz\", url = \"https://f/q\", hashes = { md5 = \"00\" } }",
        "{ path = \"dist/q-1.tar.gz\", hashes = { sha256 = \"SHA\" } }",
    ] {
        let text = format!(
            "lock-version = \"1.0\"\n[[packages]]\nname = \"p\"\nversion = \"1\"\nsdist = {}\n",
            file.replace("SHA", SHA)
        );
        let lock = parse(text.as_bytes(), "pylock.toml", &opts()).unwrap();
        let host = Memory { docs: Default::default(), asked: Default::default() };
        let pinned = policy(serde_json::json!({"first_sight": true, "domains": {"mode": "warn"},
            "packages": {"P": {"identities": [{"issuer": "https://x.example", "san": "s"}]}}}));
        let r = verify(&pinned, &lock, &host, 1, &|_| {});
        assert!(!r.ok(), "{}", r.to_json());
        assert_eq!(r.entries[0].status(), Status::AttestationMissing, "{}", r.to_json());
        assert!(r.to_json().contains("packages[\\\"P\\\"]"), "{}", r.to_json());
        // Nothing asks anything of p or q: still passes without provenance.
        let lenient = policy(serde_json::json!({"first_sight": true, "domains": {"mode": "warn"}}));
        assert!(verify(&lenient, &lock, &host, 1, &|_| {}).ok());
    }
}
