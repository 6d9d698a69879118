//! Embedded signed certificate timestamps (RFC 6962 §3.2) in Fulcio certificates.
//!
//! The SCT signs the *precertificate*: the leaf's TBSCertificate without the SCT list extension,
//! plus the SHA-256 of the issuer's public key. At least one SCT must come from a CT log in the
//! trusted root, signed while that log's key was valid.

use crate::error::{self, Result};
use crate::time::Window;
use crate::trust::keys::PublicKey;
use der::Decode;
use der::asn1::{ObjectIdentifier as Oid, OctetStringRef};
use x509_cert::Certificate;

/// The embedded SCT list extension.
pub const OID_SCT_LIST: Oid = Oid::new_unwrap("1.3.6.1.4.1.11129.2.4.2");
/// Most SCTs read from one certificate.
const MAX_SCTS: usize = 32;

/// One parsed SCT (v1).
#[derive(Debug, PartialEq, Eq)]
pub struct Sct<'a> {
    /// The CT log's ID.
    pub log_id: &'a [u8],
    /// Milliseconds since the epoch.
    pub timestamp: u64,
    /// CT extensions (signed).
    pub extensions: &'a [u8],
    /// TLS hash algorithm byte.
    pub hash_alg: u8,
    /// TLS signature algorithm byte.
    pub sig_alg: u8,
    /// The signature.
    pub signature: &'a [u8],
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u16(&mut self) -> Option<usize> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take(8).map(|b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
    }
    fn vec16(&mut self) -> Option<&'a [u8]> {
        let n = self.u16()?;
        self.take(n)
    }
}

/// Parses a TLS-encoded `SignedCertificateTimestampList`.
pub fn parse_list(list: &[u8]) -> Option<Vec<Sct<'_>>> {
    let mut outer = Reader(list);
    let body = outer.vec16()?;
    if !outer.0.is_empty() {
        return None;
    }
    let mut r = Reader(body);
    let mut out = Vec::new();
    while !r.0.is_empty() {
        if out.len() >= MAX_SCTS {
            return None;
        }
        let mut s = Reader(r.vec16()?);
        if s.u8()? != 0 {
            continue; // Only v1 SCTs exist; skip unknown versions rather than misparse them.
        }
        let sct = Sct {
            log_id: s.take(32)?,
            timestamp: s.u64()?,
            extensions: s.vec16()?,
            hash_alg: s.u8()?,
            sig_alg: s.u8()?,
            signature: s.vec16()?,
        };
        if !s.0.is_empty() {
            return None;
        }
        out.push(sct);
    }
    Some(out)
}

/// Verifies that `leaf` carries at least one valid SCT from a CT log in `root`.
///
/// `issuer_spki` is the DER SPKI of the CA certificate that issued the leaf.
pub fn verify(leaf: &Certificate, leaf_der: &[u8], issuer_spki: &[u8], root: &impl CtLogs) -> Result<()> {
    let ext = leaf
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == OID_SCT_LIST)
        .ok_or_else(|| error::sct("signing certificate has no embedded SCT"))?;
    let list = OctetStringRef::from_der(ext.extn_value.as_bytes())
        .map_err(|e| error::sct(format!("SCT list extension is not an OCTET STRING: {e}")))?;
    let scts = parse_list(list.as_bytes()).ok_or_else(|| error::sct("SCT list is malformed"))?;
    if scts.is_empty() {
        return Err(error::sct("SCT list is empty"));
    }

    let precert = precert_tbs(leaf_der)?;
    let issuer_key_hash = crate::trust::keys::HashAlgorithm::Sha256.digest(issuer_spki);

    let mut reasons = Vec::new();
    for sct in &scts {
        let Some(log) = root.ct_log(sct.log_id) else {
            reasons.push(format!("SCT from unknown CT log {}", crate::json::b64encode(sct.log_id)));
            continue;
        };
        let secs = (sct.timestamp / 1000) as i64;
        if !log.valid.contains(secs) {
            reasons.push(format!("CT log {} key was not valid at {}", log.base_url, crate::time::format_rfc3339(secs)));
            continue;
        }
        let signed = signed_data(sct, &issuer_key_hash, &precert);
        if log.key.verify(&signed, sct.signature) {
            return Ok(());
        }
        reasons.push(format!("SCT signature from CT log {} does not verify", log.base_url));
    }
    Err(error::sct(format!("no valid SCT from a trusted CT log: {}", reasons.join("; "))))
}

/// A certificate-transparency log as SCT verification needs it.
#[derive(Clone, Copy, Debug)]
pub struct CtLog<'a> {
    /// The log's base URL, for messages.
    pub base_url: &'a str,
    /// The log's key.
    pub key: &'a PublicKey,
    /// When the key may be used.
    pub valid: Window,
}

/// Where SCT verification finds CT logs by log ID: the trusted root implements it, so x509 does
/// not import the trusted root (imports flow trust -> x509, never back).
pub trait CtLogs {
    /// The CT log with this log ID, if trusted.
    fn ct_log(&self, log_id: &[u8]) -> Option<CtLog<'_>>;
}

/// DER of the SCT-list extension's OID (1.3.6.1.4.1.11129.2.4.2), tag and length included.
const SCT_OID_TLV: &[u8] = &[0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02];

/// The precertificate TBS: the leaf's TBSCertificate, exactly as signed, with the SCT list
/// extension cut out and the three enclosing lengths (extensions SEQUENCE, `[3]`, TBS) rewritten.
///
/// Splicing the original bytes, rather than decoding and re-encoding the TBS, keeps every other
/// byte as the CA wrote it and costs a copy instead of a full DER round trip.
pub fn precert_tbs(leaf_der: &[u8]) -> Result<Vec<u8>> {
    let bad = || error::sct("the signing certificate's TBS is not well-formed DER");
    let tbs = super::tbs_bytes(leaf_der).ok_or_else(bad)?;
    let (_, tbs_content) = super::tlv(tbs).ok_or_else(bad)?;
    // Walk the TBS fields to the [3] extensions wrapper.
    let mut rest = tbs_content;
    let mut before = 0;
    loop {
        if rest.is_empty() {
            return Err(error::sct("the signing certificate has no extensions"));
        }
        let (len, content) = super::tlv(rest).ok_or_else(bad)?;
        if rest[0] == 0xa3 {
            let (seq_len, exts) = super::tlv(content).ok_or_else(bad)?;
            if content.first() != Some(&0x30) || seq_len != content.len() || len != rest.len() {
                return Err(bad());
            }
            // Find the SCT extension inside the SEQUENCE OF Extension.
            let mut at = 0;
            let mut cut = None;
            while at < exts.len() {
                let (ext_len, ext) = super::tlv(&exts[at..]).ok_or_else(bad)?;
                if ext.starts_with(SCT_OID_TLV) {
                    cut = Some(at..at + ext_len);
                }
                at += ext_len;
            }
            let cut = cut.ok_or_else(|| error::sct("signing certificate has no embedded SCT"))?;
            let mut new_exts = Vec::with_capacity(exts.len());
            new_exts.extend_from_slice(&exts[..cut.start]);
            new_exts.extend_from_slice(&exts[cut.end..]);
            let new_seq = der_wrap(0x30, &new_exts);
            let new_a3 = der_wrap(0xa3, &new_seq);
            let mut body = Vec::with_capacity(tbs_content.len());
            body.extend_from_slice(&tbs_content[..before]);
            body.extend_from_slice(&new_a3);
            return Ok(der_wrap(0x30, &body));
        }
        before += len;
        rest = &rest[len..];
    }
}

/// `tag || DER length || content`.
fn der_wrap(tag: u8, content: &[u8]) -> Vec<u8> {
    let n = content.len();
    let mut out = Vec::with_capacity(n + 6);
    out.push(tag);
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = (n as u32).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (4 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// The RFC 6962 `digitally-signed` struct for a precertificate entry: what a CT log signs.
pub fn signed_data(sct: &Sct<'_>, issuer_key_hash: &[u8], precert_tbs: &[u8]) -> Vec<u8> {
    let mut d = Vec::with_capacity(precert_tbs.len() + 64 + sct.extensions.len());
    d.push(0); // version v1
    d.push(0); // signature_type certificate_timestamp
    d.extend_from_slice(&sct.timestamp.to_be_bytes());
    d.extend_from_slice(&1u16.to_be_bytes()); // entry_type precert_entry
    d.extend_from_slice(issuer_key_hash);
    let n = precert_tbs.len() as u32;
    d.extend_from_slice(&n.to_be_bytes()[1..]);
    d.extend_from_slice(precert_tbs);
    d.extend_from_slice(&(sct.extensions.len() as u16).to_be_bytes());
    d.extend_from_slice(sct.extensions);
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::{Decode, Encode};

    /// The reference construction: decode the TBS, drop the extension, re-encode.
    fn precert_by_reencoding(leaf: &Certificate) -> Vec<u8> {
        let mut tbs = leaf.tbs_certificate.clone();
        if let Some(exts) = tbs.extensions.as_mut() {
            exts.retain(|e| e.extn_id != OID_SCT_LIST);
        }
        tbs.to_der().expect("re-encodes")
    }

    #[test]
    fn splicing_equals_reencoding_for_every_vector_leaf() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).expect("vectors") {
            let Ok(bytes) = std::fs::read(entry.expect("entry").path().join("bundle.sigstore.json")) else { continue };
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else { continue };
            let vm = &v["verificationMaterial"];
            let raw = vm["certificate"]["rawBytes"]
                .as_str()
                .or(vm["x509CertificateChain"]["certificates"][0]["rawBytes"].as_str());
            let Some(der_bytes) = raw.and_then(crate::json::b64decode) else { continue };
            let Ok(cert) = Certificate::from_der(&der_bytes) else { continue };
            if !cert.tbs_certificate.extensions.iter().flatten().any(|e| e.extn_id == OID_SCT_LIST) {
                continue;
            }
            assert_eq!(precert_tbs(&der_bytes).expect("splices"), precert_by_reencoding(&cert));
            n += 1;
        }
        assert!(n >= 40, "only {n} leaves with SCTs");
    }

    #[test]
    fn der_lengths_are_minimal() {
        assert_eq!(der_wrap(0x30, &[]), vec![0x30, 0]);
        assert_eq!(der_wrap(0x30, &[0; 0x7f])[..2], [0x30, 0x7f]);
        assert_eq!(der_wrap(0x30, &[0; 0x80])[..3], [0x30, 0x81, 0x80]);
        assert_eq!(der_wrap(0x30, &[0; 0x1234])[..4], [0x30, 0x82, 0x12, 0x34]);
    }

    #[test]
    fn list_parsing_rejects_truncation() {
        let mut one = vec![0u8];
        one.extend_from_slice(&[7; 32]);
        one.extend_from_slice(&5u64.to_be_bytes());
        one.extend_from_slice(&[0, 0, 4, 3, 0, 2, 0xaa, 0xbb]);
        let mut list = Vec::new();
        list.extend_from_slice(&((one.len() + 2) as u16).to_be_bytes());
        list.extend_from_slice(&(one.len() as u16).to_be_bytes());
        list.extend_from_slice(&one);
        let scts = parse_list(&list).expect("parses");
        assert_eq!(scts.len(), 1);
        assert_eq!(scts[0].timestamp, 5);
        assert_eq!(scts[0].signature, &[0xaa, 0xbb]);
        for cut in 0..list.len() {
            assert!(parse_list(&list[..cut]).is_none_or(|v| v.is_empty() && cut == 2), "cut {cut}");
        }
    }
}
