//! Signed entry timestamps (Rekor v1 inclusion promises).
//!
//! The log signs the canonical JSON (RFC 8785: keys sorted, no whitespace) of
//! `{"body", "integratedTime", "logID", "logIndex"}` with its key. This is what makes the
//! integrated time a verified time: without a valid SET it is just a number in the bundle.

use crate::bundle::TlogEntry;
use crate::error::{self, Result};
use crate::trust::root::LogInstance;

/// The exact bytes the log signed for an entry.
///
/// Every value is either an integer or a string over the base64 / hex alphabets, so no JSON
/// escaping can arise and plain formatting is canonical.
pub fn canonical_payload(body: &[u8], integrated_time: i64, log_id: &[u8], log_index: i64) -> String {
    format!(
        r#"{{"body":"{}","integratedTime":{integrated_time},"logID":"{}","logIndex":{log_index}}}"#,
        crate::json::b64encode(body),
        crate::json::hex(log_id)
    )
}

/// Verifies `entry`'s SET under `log`'s key; returns the integrated time it proves.
///
/// The values signed are the bundle's own (global log index, integrated time, body), so any
/// difference between what the log promised and what the bundle claims fails the signature.
pub fn verify(entry: &TlogEntry, promise: &[u8], log: &LogInstance) -> Result<i64> {
    if entry.log_index < 0 || entry.integrated_time < 0 {
        return Err(error::set(format!(
            "a signed entry timestamp needs a non-negative log index and integrated time, found {} and {}",
            entry.log_index, entry.integrated_time
        )));
    }
    let payload = canonical_payload(&entry.body, entry.integrated_time, &log.log_id, entry.log_index);
    if !log.key.verify(payload.as_bytes(), promise) {
        return Err(error::set(format!(
            "the signed entry timestamp does not verify under the key of {} for log index {} and integrated \
             time {} with this entry's body",
            log.base_url, entry.log_index, entry.integrated_time
        )));
    }
    Ok(entry.integrated_time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;
    use crate::time::Window;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::EcdsaKeyPair;

    #[test]
    fn canonical_json_is_sorted_and_compact() {
        let p = canonical_payload(b"{\"k\":1}", 1689177396, &[0xc0, 0xd2, 0x3d, 0x6a], 27246492);
        assert_eq!(p, r#"{"body":"eyJrIjoxfQ==","integratedTime":1689177396,"logID":"c0d23d6a","logIndex":27246492}"#);
        // Same bytes as a generic canonical serialisation of the same object.
        let v: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(serde_json::to_string(&v).unwrap(), p);
    }

    struct Signer {
        rng: SystemRandom,
        pair: EcdsaKeyPair,
        log: LogInstance,
    }

    fn signer() -> Signer {
        let (pair, log) = crate::tlog::test_ecdsa_log(Window::default());
        Signer { rng: SystemRandom::new(), pair, log }
    }

    fn entry(log_id: &[u8]) -> TlogEntry {
        TlogEntry {
            log_index: 42,
            log_id: log_id.to_vec(),
            kind: "hashedrekord".into(),
            version: "0.0.1".into(),
            integrated_time: 1_700_000_000,
            promise: None,
            proof: None,
            body: b"{\"body\":true}".to_vec(),
        }
    }

    fn sign(s: &Signer, body: &[u8], time: i64, index: i64) -> Vec<u8> {
        let p = canonical_payload(body, time, &s.log.log_id, index);
        s.pair.sign(&s.rng, p.as_bytes()).unwrap().as_ref().to_vec()
    }

    #[test]
    fn a_valid_set_proves_the_integrated_time() {
        let s = signer();
        let e = entry(&s.log.log_id);
        let set = sign(&s, &e.body, e.integrated_time, e.log_index);
        assert_eq!(verify(&e, &set, &s.log).unwrap(), 1_700_000_000);
    }

    #[test]
    fn any_changed_field_fails() {
        let s = signer();
        let e = entry(&s.log.log_id);
        let set = sign(&s, &e.body, e.integrated_time, e.log_index);
        let mut changed = Vec::new();
        let mut x = e.clone();
        x.log_index += 1;
        changed.push(("log index", x));
        let mut x = e.clone();
        x.integrated_time += 1;
        changed.push(("integrated time", x));
        let mut x = e.clone();
        x.body.push(b' ');
        changed.push(("body", x));
        let mut x = e.clone();
        x.log_index = -42;
        changed.push(("negative log index", x));
        for (what, x) in changed {
            let err = verify(&x, &set, &s.log).unwrap_err();
            assert_eq!(err.status, Status::TlogSet, "{what}");
        }
        // A SET for another log (another log ID in the payload) fails too.
        let p = canonical_payload(&e.body, e.integrated_time, b"other log", e.log_index);
        let other = s.pair.sign(&s.rng, p.as_bytes()).unwrap().as_ref().to_vec();
        assert_eq!(verify(&e, &other, &s.log).unwrap_err().status, Status::TlogSet);
        // And garbage.
        assert_eq!(verify(&e, b"\x30\x00", &s.log).unwrap_err().status, Status::TlogSet);
    }
}
