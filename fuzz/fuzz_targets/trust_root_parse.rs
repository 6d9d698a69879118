//! trusted_root.json: parse, key parsing and CA-chain compilation must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = domainsig::TrustRoot::from_json(data);
});
