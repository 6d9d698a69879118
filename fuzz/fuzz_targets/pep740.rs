//! PEP 740 attestation objects, PyPI provenance objects and npm attestations documents:
//! conversion must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = domainsig::bundle::pep740::parse_input(data);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = domainsig::bundle::pep740::attestation_to_bundle(&v);
        let _ = domainsig::bundle::pep740::provenance_attestations(&v);
        let _ = domainsig::bundle::npm::attestations(&v);
    }
});
