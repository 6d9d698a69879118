//! DSSE payloads: in-toto statement parsing and PAE must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = domainsig::dsse::pae("application/vnd.in-toto+json", data);
    if let Ok(st) = domainsig::intoto::parse(data) {
        let _ = domainsig::intoto::subject_algorithm(&st, |_| true);
    }
});
