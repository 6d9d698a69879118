//! Signed notes and checkpoints: parsing and verification against the production log must never
//! panic.
#![no_main]

use domainsig::tlog::checkpoint;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ROOT: LazyLock<std::sync::Arc<domainsig::TrustRoot>> =
    LazyLock::new(|| domainsig::TrustRoot::production().expect("embedded root"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = checkpoint::parse_note(text);
    let _ = checkpoint::parse_checkpoint(text);
    for log in &ROOT.tlogs {
        let _ = checkpoint::verify(text, log, 1, &[0u8; 32]);
    }
});
