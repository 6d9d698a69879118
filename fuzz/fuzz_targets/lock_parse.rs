//! Lockfiles (pylock.toml, package-lock.json, pnpm-lock.yaml): parse, plan and judge must never
//! panic, whatever the lock says. The first byte picks the format (0xF0 and above: the input is
//! instead the npm trust file `domainsig-publishers.json` beside a fixed package-lock.json); the
//! host finds nothing, so every entry is judged without cryptography (missing, local or
//! unverifiable).
#![no_main]

use domainsig::lock::{self, Fetched, Fetcher};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

struct Nothing;

impl Fetcher for Nothing {
    fn fetch(&self, _url: &str, _max_len: u64) -> Result<Fetched, String> {
        Ok(Fetched::NotFound)
    }
}

fn policy() -> &'static domainsig::Policy {
    static P: OnceLock<domainsig::Policy> = OnceLock::new();
    P.get_or_init(|| {
        domainsig::Policy::from_json(br#"{"version": 1, "first_sight": true, "domains": {"mode": "warn"}}"#, None).expect("policy")
    })
}

/// A package-lock.json the trust file mode pins: a registry package, a scoped one, a local one.
const PACKAGE_LOCK: &str = r#"{"lockfileVersion": 3, "packages": {"": {"name": "app"},
  "node_modules/sigstore": {"version": "1.0.0", "resolved": "https://registry.npmjs.org/sigstore/-/sigstore-1.0.0.tgz",
    "integrity": "sha512-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="},
  "node_modules/@s/x": {"version": "2.0.0", "resolved": "https://s.example/@s/x/-/x-2.0.0.tgz",
    "integrity": "sha512-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="},
  "node_modules/mine": {"resolved": "../mine", "link": true}}}"#;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, lock_bytes)) = data.split_first() else { return };
    if pick >= 0xF0 {
        // The rest is the npm gate's trust file (domainsig-publishers.json) beside a fixed lock.
        let Ok(t) = std::str::from_utf8(lock_bytes) else { return };
        let opts = lock::Options { trust_file: Some(t.to_owned()), ..Default::default() };
        if let Ok(l) = lock::parse(PACKAGE_LOCK.as_bytes(), "package-lock.json", &opts) {
            assert!(l.entries.iter().all(|e| e.name != "mine" || e.publishers.is_empty()), "a local entry is pinned");
            let _ = lock::verify(policy(), &l, &Nothing, 1, &|_| {}).to_json();
        }
        return;
    }
    let name = ["pylock.toml", "package-lock.json", "pnpm-lock.yaml"][pick as usize % 3];
    let opts = lock::Options { npmrc: Some("@s:registry=https://s.example/\n".into()), ..Default::default() };
    if let Ok(l) = lock::parse(lock_bytes, name, &opts) {
        let report = lock::verify(policy(), &l, &Nothing, 1, &|_| {});
        let _ = report.to_json();
    }
});
