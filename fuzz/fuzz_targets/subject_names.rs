//! Artifact and subject names (PyPI filenames, npm purls, conda filenames): never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let (a, b) = if s.is_char_boundary(s.len() / 2) { s.split_at(s.len() / 2) } else { (s, s) };
    let _ = domainsig::subject::parse(a);
    let _ = domainsig::subject::names_match(a, b);
    let _ = domainsig::subject::normalize_pep440(a);
});
