//! Policy JSON: parse and compile must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = domainsig::Policy::from_json(data, None);
});
