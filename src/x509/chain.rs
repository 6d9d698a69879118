//! Fulcio chain verification with rustls-webpki, at a verified time.
//!
//! protobuf-specs `sigstore_trustroot.proto`, `CertificateAuthority.cert_chain`: "The last
//! certificate in the chain MUST be the trust anchor. The trust anchor MAY be a self-signed root
//! CA certificate or MAY be an intermediate CA certificate." The chain is an
//! `X509CertificateChain` (`sigstore_common.proto`): "Unless explicitly specified, there is
//! otherwise no guaranteed order." So the last certificate is the anchor and the others are
//! candidate intermediates in any order.
//!
//! The paths inside a CA's chain are built once, when the trusted root loads: every chain
//! certificate that reaches the anchor through the chain's certificates (each link a CA whose
//! name and signature match, within path-length constraints; certificates that lie on no path are
//! ignored, as X.509 path building does) becomes a webpki trust anchor whose window is the CA's
//! `validFor` intersected with the validity of every certificate on its path to the anchor. A
//! bundle's leaf then costs webpki one signature verification (against its issuer) instead of one
//! per chain link, and the windows of the skipped links are still enforced at the signing time.
//! webpki builds paths only from an end-entity certificate, which a trusted root does not have,
//! hence this small search over at most [`crate::limits::MAX_CHAIN_LEN`] certificates (every
//! simple path is at most that long, and a chain may hold at most [`MAX_PATHS`] of them).

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
    /// The chain, DER, in the root's order: the trust anchor last, the others in any order.
    pub chain: Vec<Vec<u8>>,
    /// When the CA may be used.
    pub valid: Window,
}

/// id-kp-codeSigning (1.3.6.1.5.5.7.3.3), DER value bytes.
pub const EKU_CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
/// id-kp-timeStamping (1.3.6.1.5.5.7.3.8), DER value bytes.
pub const EKU_TIME_STAMPING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];

/// One certificate of a CA chain that may issue leaves, with its verified path to the chain's
/// anchor, compiled for fast leaf verification.
#[derive(Debug)]
pub struct Anchor {
    /// webpki anchor made from the certificate.
    pub anchor: TrustAnchor<'static>,
    /// The certificate's SPKI DER (its SHA-256 is the SCT `issuer_key_hash`).
    pub issuer_spki: Vec<u8>,
    /// CA `validFor` intersected with the validity of every certificate from this one to the
    /// chain's anchor.
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
    /// Compiles the CAs: builds the paths inside each chain and makes anchors.
    pub fn build(cas: &[CertificateAuthority]) -> Result<Anchors> {
        let mut out = Vec::new();
        for (i, ca) in cas.iter().enumerate() {
            out.extend(compile(ca, i)?);
        }
        Ok(Anchors(out))
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

/// The most paths one CA chain may hold; real chains have one per certificate.
const MAX_PATHS: usize = 64;

fn compile(ca: &CertificateAuthority, i: usize) -> Result<Vec<Anchor>> {
    let field = format!("certificateAuthorities[{i}]");
    let certs = ca
        .chain
        .iter()
        .map(|d| super::parse(d, &format!("{field} certificate")))
        .collect::<Result<Vec<_>>>()
        .map_err(|e| error::trust_root(e.message))?;
    let Some(top) = certs.len().checked_sub(1) else {
        return Err(error::trust_root(format!("{field}.certChain has no certificates")));
    };
    if !is_ca(&certs[top]) {
        return Err(error::trust_root(format!(
            "{field}: the trust anchor (the chain's last certificate) must be a CA certificate \
             (basicConstraints cA true), found one that is not"
        )));
    }
    // issued_by[c]: the chain certificates that issued c (CA, name and signature match). The
    // anchor issues nothing further up: paths end there.
    let issued_by: Vec<Vec<usize>> = (0..certs.len())
        .map(|c| {
            if c == top {
                return Vec::new();
            }
            (0..certs.len())
                .filter(|&p| {
                    p != c
                        && is_ca(&certs[p])
                        && certs[c].tbs_certificate.issuer == certs[p].tbs_certificate.subject
                        && signed_by(&ca.chain[c], &certs[c], &certs[p]).is_ok()
                })
                .collect()
        })
        .collect();
    // Every simple path from each CA certificate to the anchor (depth-first, no certificate twice).
    let mut paths: Vec<Vec<usize>> = Vec::new();
    for start in (0..certs.len()).filter(|&c| is_ca(&certs[c])) {
        let mut stack = vec![vec![start]];
        while let Some(path) = stack.pop() {
            let last = path[path.len() - 1];
            if last == top {
                if paths.len() == MAX_PATHS {
                    return Err(error::trust_root(format!(
                        "{field}.certChain holds more than {MAX_PATHS} certificate paths"
                    )));
                }
                paths.push(path);
                continue;
            }
            for &p in &issued_by[last] {
                if !path.contains(&p) {
                    let mut next = path.clone();
                    next.push(p);
                    stack.push(next);
                }
            }
        }
    }
    paths
        .into_iter()
        .filter(|path| within_path_len(&certs, path))
        .map(|path| {
            let mut window = ca.valid;
            for &c in &path {
                let v = &certs[c].tbs_certificate.validity;
                let (nb, na) = (super::unix(&v.not_before), super::unix(&v.not_after));
                window.start = Some(window.start.map_or(nb, |s| s.max(nb)));
                window.end = Some(window.end.map_or(na, |e| e.min(na)));
            }
            let issuer = path[0];
            let issuer_spki = certs[issuer]
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .map_err(|e| error::trust_root(format!("{field} key: {e}")))?;
            let anchor = webpki::anchor_from_trusted_cert(&CertificateDer::from(ca.chain[issuer].as_slice()))
                .map_err(|e| {
                    error::trust_root(format!("{field} certificate {issuer} cannot be a trust anchor: {e:?}"))
                })?
                .to_owned();
            Ok(Anchor { anchor, issuer_spki, window, uri: ca.uri.clone() })
        })
        .collect()
}

/// Whether `cert` says it is a CA (RFC 5280 4.2.1.9: basicConstraints with cA true).
fn is_ca(cert: &x509_cert::Certificate) -> bool {
    matches!(cert.tbs_certificate.get::<x509_cert::ext::pkix::BasicConstraints>(), Ok(Some((_, b))) if b.ca)
}

/// RFC 5280 4.2.1.9 pathLenConstraint, as webpki applies it to a leaf's path: the k-th CA above
/// the leaf's issuer (`path[k]`) allows at most its constraint of CAs below it; the anchor is not
/// checked.
fn within_path_len(certs: &[x509_cert::Certificate], path: &[usize]) -> bool {
    path.iter().enumerate().take(path.len().saturating_sub(1)).all(|(k, &c)| {
        match certs[c].tbs_certificate.get::<x509_cert::ext::pkix::BasicConstraints>() {
            Ok(Some((_, b))) => b.path_len_constraint.is_none_or(|n| usize::from(n) >= k),
            _ => false,
        }
    })
}
