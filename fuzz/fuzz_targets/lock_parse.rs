//! Lockfiles (pylock.toml, package-lock.json, pnpm-lock.yaml): parse, plan and judge must never
//! panic, whatever the lock says. The first byte picks the format; the host finds nothing, so
//! every entry is judged without cryptography (missing, local or unverifiable).
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

fuzz_target!(|data: &[u8]| {
    let Some((&pick, lock_bytes)) = data.split_first() else { return };
    let name = ["pylock.toml", "package-lock.json", "pnpm-lock.yaml"][pick as usize % 3];
    let opts = lock::Options { npmrc: Some("@s:registry=https://s.example/\n".into()), ..Default::default() };
    if let Ok(l) = lock::parse(lock_bytes, name, &opts) {
        let report = lock::verify(policy(), &l, &Nothing, 1, &|_| {});
        let _ = report.to_json();
    }
});
