//! A TUF update against a repository whose files are the fuzzer's: the bootstrap root is the
//! tests' valid one (tests/tuf/doors), and the input, split on "\n--\n", supplies `2.root.json`,
//! `timestamp.json`, the snapshot, the targets metadata and every target file, in that order. Exercises the host
//! transport, tough's parsing and verification and the cache staging: any input must end in a
//! refusal or a published state, never a panic or a hang.
#![no_main]

use domainsig::trust::tuf::{self, Expiry, Fetched, Fetcher, Repo, TufConfig};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ROOT: &[u8] = include_bytes!("../../tests/tuf/doors/1.root.json");
static CACHE: LazyLock<std::path::PathBuf> =
    LazyLock::new(|| std::env::temp_dir().join(format!("domainsig-fuzz-tuf-{}", std::process::id())));

struct Files<'a>(Vec<&'a [u8]>);

impl Fetcher for Files<'_> {
    fn fetch(&self, url: &str, max_len: u64) -> Result<Fetched, String> {
        let name = url.rsplit('/').next().unwrap_or("");
        let part = if name == "2.root.json" {
            0
        } else if name == "timestamp.json" {
            1
        } else if name.ends_with(".snapshot.json") {
            2
        } else if name.ends_with(".targets.json") {
            3
        } else if url.contains("/targets/") {
            4
        } else {
            return Ok(Fetched::NotFound);
        };
        match self.0.get(part) {
            Some(b) if !b.is_empty() && b.len() as u64 <= max_len => Ok(Fetched::Bytes(b.to_vec())),
            Some(b) if !b.is_empty() => Err("larger than the limit".into()),
            _ => Ok(Fetched::NotFound),
        }
    }
}

fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() < 4 {
        match rest.windows(4).position(|w| w == b"\n--\n") {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + 4..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

fuzz_target!(|data: &[u8]| {
    let repo = Repo::Custom { url_or_dir: "https://tuf.fuzz.invalid/".into(), root: Some(ROOT.to_vec()) };
    // Expired fuzz metadata would stop at the first role; ignoring expiry lets it go deeper.
    let cfg = TufConfig { repo, cache: CACHE.clone(), expiry: Expiry::Ignore };
    let _ = std::fs::remove_dir_all(&*CACHE);
    let _ = tuf::update(&cfg, &Files(split(data)));
});
