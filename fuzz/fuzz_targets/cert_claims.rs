//! DER certificates: parsing, Fulcio claim decoding and SCT-list parsing must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ROOT: LazyLock<std::sync::Arc<domainsig::TrustRoot>> =
    LazyLock::new(|| domainsig::TrustRoot::production().expect("embedded root"));

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = domainsig::x509::parse(data, "fuzz") {
        let _ = domainsig::x509::claims::identity(&cert);
        let _ = domainsig::x509::sct::verify(&cert, data, data, &**ROOT);
        let _ = domainsig::x509::sct::precert_tbs(data);
    }
    let _ = domainsig::x509::tbs_bytes(data);
    let _ = domainsig::x509::sct::parse_list(data);
});
