//! X.509: Fulcio leaf certificates, their claims, chains to the trusted root, and embedded SCTs.

pub mod chain;
pub mod claims;
pub mod sct;

use crate::error::{self, Result};
use der::Decode;
use x509_cert::Certificate;

/// Largest certificate accepted from a bundle (Fulcio leaves are 1–4 KiB).
pub const MAX_CERT_BYTES: usize = 32 << 10;
/// Most elements in any DER `SET OF` inside a certificate or extension.
///
/// der 0.7 checks `SET OF` ordering element by element as it decodes, which is quadratic: without
/// this bound a crafted name of a few dozen KiB costs seconds. Real names have one element per
/// RDN.
pub const MAX_SET_ELEMENTS: usize = 32;
/// Deepest DER nesting walked by [`check_shape`].
const MAX_DER_DEPTH: usize = 32;

/// Bounds the cost of decoding untrusted DER: nesting depth and `SET OF` sizes.
pub fn check_shape(der_bytes: &[u8], what: &str) -> Result<()> {
    fn walk(mut b: &[u8], depth: usize) -> std::result::Result<(), &'static str> {
        if depth > MAX_DER_DEPTH {
            return Err("nests too deep");
        }
        while !b.is_empty() {
            let tag = b[0];
            let (len, content) = tlv(b).ok_or("is not well-formed DER")?;
            if tag & 0x20 != 0 {
                if tag == 0x31 {
                    let mut n = 0;
                    let mut rest = content;
                    while !rest.is_empty() {
                        let (l, _) = tlv(rest).ok_or("is not well-formed DER")?;
                        rest = &rest[l..];
                        n += 1;
                        if n > MAX_SET_ELEMENTS {
                            return Err("has a SET OF with too many elements");
                        }
                    }
                }
                walk(content, depth + 1)?;
            }
            b = &b[len..];
        }
        Ok(())
    }
    crate::limits::check(&format!("{what} size in bytes"), MAX_CERT_BYTES, der_bytes.len())?;
    walk(der_bytes, 0).map_err(|why| error::certificate(format!("{what} {why}")))
}

/// Parses a DER certificate, naming `what` in the error. The shape is bounded first
/// ([`check_shape`]) so hostile DER costs linear time.
pub fn parse(der_bytes: &[u8], what: &str) -> Result<Certificate> {
    check_shape(der_bytes, what)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate-sized blob whose only structure is one huge `SET OF`.
    fn huge_set(n: usize) -> Vec<u8> {
        let elem = [0x30, 0x03, 0x02, 0x01, 0x01]; // SEQUENCE { INTEGER 1 }
        let body: Vec<u8> = elem.iter().copied().cycle().take(elem.len() * n).collect();
        let mut set = vec![0x31, 0x82, (body.len() >> 8) as u8, body.len() as u8];
        set.extend(body);
        let mut out = vec![0x30, 0x82, (set.len() >> 8) as u8, set.len() as u8];
        out.extend(set);
        out
    }

    #[test]
    fn hostile_shapes_are_refused_before_decoding() {
        assert!(check_shape(&huge_set(MAX_SET_ELEMENTS), "cert").is_ok());
        let e = check_shape(&huge_set(MAX_SET_ELEMENTS + 1), "cert").unwrap_err();
        assert!(e.message.contains("SET OF"), "{e}");
        let e = parse(&huge_set(3000), "cert").unwrap_err();
        assert_eq!(e.status, crate::error::Status::CertificateInvalid);
        let mut deep = Vec::new();
        for _ in 0..(MAX_DER_DEPTH + 2) {
            deep = [vec![0x30, deep.len() as u8], deep].concat();
        }
        assert!(check_shape(&deep, "cert").unwrap_err().message.contains("deep"));
        assert_eq!(
            check_shape(&vec![0x30; MAX_CERT_BYTES + 1], "cert").unwrap_err().status,
            crate::error::Status::LimitExceeded
        );
        assert!(check_shape(&[0x30, 0x05, 0x01], "cert").is_err(), "truncated");
    }
}
