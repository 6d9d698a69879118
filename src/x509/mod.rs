//! X.509: Fulcio leaf certificates, their claims, chains to the trusted root, and embedded SCTs.

pub mod chain;
pub mod claims;
pub mod sct;

use crate::error::{self, Result};
use der::Decode;
use x509_cert::Certificate;

/// Parses a DER certificate, naming `what` in the error.
pub fn parse(der_bytes: &[u8], what: &str) -> Result<Certificate> {
    Certificate::from_der(der_bytes)
        .map_err(|e| error::certificate(format!("{what} is not a DER X.509 certificate: {e}")))
}

/// The bytes of the first element inside the outermost SEQUENCE: the to-be-signed part of a
/// certificate exactly as it was signed (re-encoding could differ from the original).
pub fn tbs_bytes(der_bytes: &[u8]) -> Option<&[u8]> {
    let (_, inner) = tlv(der_bytes)?;
    let (len, _) = tlv(inner)?;
    inner.get(..len)
}

/// Splits off one DER TLV: returns (total length of the first TLV in `b`, its content).
pub fn tlv(b: &[u8]) -> Option<(usize, &[u8])> {
    let first = *b.get(1)?;
    let (hdr, len) = if first < 0x80 {
        (2, first as usize)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *b.get(2 + i)? as usize;
        }
        (2 + n, len)
    };
    let end = hdr.checked_add(len)?;
    Some((end, b.get(hdr..end)?))
}

/// Unix seconds of an X.509 time.
pub fn unix(t: &x509_cert::time::Time) -> i64 {
    t.to_unix_duration().as_secs() as i64
}
