//! A digest of a whole folder (every path, file length and byte), so a test can assert that a
//! refused TUF update left its cache exactly as it was. Included by path (`#[path]`) where the
//! rest of `support` is not needed. A missing folder digests as empty.
//!
//! Each includer uses a different part, so unused items are expected per test crate.
#![allow(dead_code)]

use domainsig::{Error, Status};
use std::path::Path;

/// SHA-256 over the sorted (relative path, length, bytes) of everything under `dir`.
pub fn digest(dir: &Path) -> String {
    fn walk(d: &Path, base: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                out.push((rel + "/", Vec::new()));
                walk(&p, base, out);
            } else {
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut all = Vec::new();
    walk(dir, dir, &mut all);
    all.sort();
    let mut h = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for (p, b) in all {
        h.update(p.as_bytes());
        h.update(&(b.len() as u64).to_le_bytes());
        h.update(&b);
    }
    h.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `update`, expecting a refusal with `status` and `words` in its message that leaves
/// `cache` byte for byte as it was; returns the refusal.
pub fn refused<T: std::fmt::Debug>(
    cache: &Path,
    status: Status,
    words: &str,
    update: impl FnOnce() -> domainsig::Result<T>,
) -> Error {
    let before = digest(cache);
    let e = update().expect_err(words);
    assert_eq!(e.status, status, "{e}");
    assert!(e.message.contains(words), "expected {words:?} in: {e}");
    assert_eq!(digest(cache), before, "a refused update changed the cache: {e}");
    e
}
