//! trusted_root.json and registry key sets (PEM, npm's /-/npm/v1/keys, TUF keys.json): parse, key
//! parsing and CA-chain compilation must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = domainsig::TrustRoot::from_json(data);
    let _ = domainsig::trust::keyset::parse_key_set(data, Some("npm:attestations"), None);
});
