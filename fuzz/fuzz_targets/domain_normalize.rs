//! Domain normalisation: never panics, and is idempotent on everything it accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(d) = domainsig::domain::normalize(s) {
        let again = domainsig::domain::normalize(&d.to_string()).expect("a normalised domain normalises");
        assert_eq!(d, again, "normalisation is idempotent");
    }
});
