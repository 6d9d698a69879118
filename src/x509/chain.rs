//! Fulcio chain verification with rustls-webpki, at a verified time.
//!
//! Each trusted CA chain is checked once when the trusted root loads (every certificate signed by
//! the next), and its issuing certificate becomes the webpki trust anchor. A bundle's leaf then
//! costs one signature verification instead of one per chain link; the windows of the skipped
//! links are still enforced at the signing time.

use crate::error::{self, Result};
use crate::time::Window;
use crate::trust::keys::PublicKey;
use der::Encode;
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use std::time::Duration;

/// A certificate authority (Fulcio) or timestamp authority the root trusts. Defined here, below
/// `trust`, so that x509 never imports the trusted root (`trust::root` re-exports it).
#[derive(Clone, Debug)]
pub struct CertificateAuthority {
    /// The CA's URI, for messages.
    pub uri: String,
    /// The chain, DER, issuing certificate first and the self-signed root last.
    pub chain: Vec<Vec<u8>>,
    /// When the CA may be used.
    pub valid: Window,
}

/// id-kp-codeSigning (1.3.6.1.5.5.7.3.3), DER value bytes.
pub const EKU_CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
/// id-kp-timeStamping (1.3.6.1.5.5.7.3.8), DER value bytes.
pub const EKU_TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];

/// One CA compiled for fast leaf verification.
#[derive(Debug)]
pub struct Anchor {
    /// webpki anchor made from the issuing (first) certificate of the CA chain.
    pub anchor: TrustAnchor<'static>,
    /// The issuing certificate's SPKI DER (its SHA-256 is the SCT `issuer_key_hash`).
    pub issuer_spki: Vec<u8>,
    /// CA `validFor` intersected with every chain certificate's validity.
    pub window: Window,
    /// The CA's URI, for results.
    pub uri: String,
}

/// All compiled anchors of a trusted root.
#[derive(Debug, Default)]
pub struct Anchors(pub Vec<Anchor>);

/// The CA chain a leaf was verified against.
#[derive(Clone, Debug)]
pub struct Verified<'a> {
    /// SPKI of the leaf's issuer.
    pub issuer_spki: &'a [u8],
    /// The CA's URI.
    pub ca_uri: &'a str,
}

impl Anchors {
    /// Compiles the CAs: checks each chain's internal signatures and makes anchors.
    pub fn build(cas: &[CertificateAuthority]) -> Result<Anchors> {
        cas.iter().enumerate().map(|(i, ca)| compile(ca, i)).collect::<Result<Vec<_>>>().map(Anchors)
    }

    /// Verifies `leaf` (DER) for `usage` at every time in `times`, against CAs valid then.
    ///
    /// The leaf must chain to one CA that is valid at all the times, and be within its own
    /// validity at each of them.
    pub fn verify_leaf(&self, leaf: &[u8], times: &[i64], usage: &'static [u8]) -> Result<Verified<'_>> {
        let der = CertificateDer::from(leaf);
        let ee = webpki::EndEntityCert::try_from(&der)
            .map_err(|e| error::certificate(format!("signing certificate cannot be parsed: {e:?}")))?;
        if times.is_empty() {
            return Err(error::no_verified_time("no verified time to check the certificate at"));
        }
        let mut last_err = None;
        for a in &self.0 {
            if !times.iter().all(|&t| a.window.contains(t)) {
                continue;
            }
            let anchors = std::slice::from_ref(&a.anchor);
            let ok = times.iter().try_for_each(|&t| {
                let when = UnixTime::since_unix_epoch(Duration::from_secs(t.max(0) as u64));
                ee.verify_for_usage(
                    webpki::ALL_VERIFICATION_ALGS,
                    anchors,
                    &[],
                    when,
                    webpki::KeyUsage::required(usage),
                    None,
                    None,
                )
                .map(|_| ())
                .map_err(|e| (t, e))
            });
            match ok {
                Ok(()) => return Ok(Verified { issuer_spki: &a.issuer_spki, ca_uri: &a.uri }),
                Err(e) => last_err = Some(e),
            }
        }
        Err(match last_err {
            Some((t, e)) => error::certificate(format!(
                "signing certificate does not chain to a trusted CA at {} ({e:?})",
                crate::time::format_rfc3339(t)
            )),
            None => error::certificate(format!(
                "no trusted CA was valid at the verified time{} {}",
                if times.len() > 1 { "s" } else { "" },
                times.iter().map(|&t| crate::time::format_rfc3339(t)).collect::<Vec<_>>().join(", ")
            )),
        })
    }
}

/// Checks `cert` is signed by `issuer` (both parsed), using aws-lc-rs.
pub fn signed_by(cert_der: &[u8], cert: &x509_cert::Certificate, issuer: &x509_cert::Certificate) -> Result<()> {
    let spki = issuer
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| error::certificate(format!("issuer key cannot be encoded: {e}")))?;
    let key = PublicKey::for_signature_algorithm(&spki, &cert.signature_algorithm.oid.to_string())
        .map_err(|e| error::certificate(e.message))?;
    let tbs = super::tbs_bytes(cert_der).ok_or_else(|| error::certificate("certificate has no TBS part"))?;
    let sig = cert.signature.as_bytes().ok_or_else(|| error::certificate("certificate signature has unused bits"))?;
    if key.verify(tbs, sig) {
        Ok(())
    } else {
        Err(error::certificate("certificate signature does not verify under its issuer's key"))
    }
}

fn compile(ca: &CertificateAuthority, i: usize) -> Result<Anchor> {
    let certs = ca
        .chain
        .iter()
        .map(|d| super::parse(d, &format!("certificateAuthorities[{i}] certificate")))
        .collect::<Result<Vec<_>>>()
        .map_err(|e| error::trust_root(e.message))?;
    let mut window = ca.valid;
    for (j, c) in certs.iter().enumerate() {
        let v = &c.tbs_certificate.validity;
        let (nb, na) = (super::unix(&v.not_before), super::unix(&v.not_after));
        window.start = Some(window.start.map_or(nb, |s| s.max(nb)));
        window.end = Some(window.end.map_or(na, |e| e.min(na)));
        if let Some(issuer) = certs.get(j + 1) {
            signed_by(&ca.chain[j], c, issuer).map_err(|e| {
                error::trust_root(format!(
                    "certificateAuthorities[{i}] chain is broken at certificate {j}: {}",
                    e.message
                ))
            })?;
        }
    }
    let issuer_spki = certs[0]
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| error::trust_root(format!("certificateAuthorities[{i}] key: {e}")))?;
    let der = CertificateDer::from(ca.chain[0].as_slice());
    let anchor = webpki::anchor_from_trusted_cert(&der)
        .map_err(|e| error::trust_root(format!("certificateAuthorities[{i}] cannot be a trust anchor: {e:?}")))?
        .to_owned();
    Ok(Anchor { anchor, issuer_spki, window, uri: ca.uri.clone() })
}
