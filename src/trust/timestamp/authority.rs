//! The trusted root's timestamp authorities, compiled once: signing certificates, issuing CAs and windows.

use super::{check::*, token::*};
use crate::error::{self, Result};
use crate::time::Window;
use crate::trust::root::CertificateAuthority;
use crate::x509::chain::signed_by;
use der::Decode;
use der::asn1::OctetString;
use rustls_pki_types::{CertificateDer, TrustAnchor};
use x509_cert::Certificate;

/// One timestamp authority of the trusted root, compiled for token verification.
#[derive(Debug)]
pub struct Authority {
    /// The TSA's URI, for results and messages.
    pub(super) uri: String,
    /// The root's signing certificate for this TSA, when its chain starts with one; tokens
    /// must then be signed by exactly this certificate.
    pub(super) leaf: Option<Leaf>,
    /// The certificate that issued the signer (the chain's second certificate after a signing
    /// certificate, else its first), parsed.
    pub(super) issuer: Certificate,
    /// Its subject name, DER exactly as in the root.
    pub(super) issuer_subject: Vec<u8>,
    /// The same certificate as a webpki anchor.
    pub(super) anchor: TrustAnchor<'static>,
    /// The root's `validFor`.
    pub(super) valid_for: Window,
    /// The intersection of the validity of every certificate above the signer.
    pub(super) issuers_valid: Window,
}

/// A TSA signing certificate from the trusted root, with the identifiers a token names it by.
#[derive(Debug)]
pub(super) struct Leaf {
    pub(super) der: Vec<u8>,
    pub(super) cert: Certificate,
    /// Issuer name DER and serial number content octets, exactly as in the certificate.
    pub(super) issuer: Vec<u8>,
    pub(super) serial: Vec<u8>,
    /// The subject key identifier, if the certificate has one.
    pub(super) key_id: Option<Vec<u8>>,
}

/// All timestamp authorities of a trusted root.
#[derive(Debug, Default)]
pub struct Authorities(pub(super) Vec<Authority>);

impl Authorities {
    /// Compiles the root's TSAs: parses every certificate, checks each is signed by the next,
    /// and decides which certificate signs tokens and which issued it.
    pub fn build(tsas: &[CertificateAuthority]) -> Result<Authorities> {
        tsas.iter().enumerate().map(|(i, ca)| compile(ca, i)).collect::<Result<Vec<_>>>().map(Authorities)
    }

    /// The number of TSAs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the root trusts no TSA.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub(super) fn compile(ca: &CertificateAuthority, i: usize) -> Result<Authority> {
    let field = format!("timestampAuthorities[{i}]");
    let certs = ca
        .chain
        .iter()
        .map(|d| crate::x509::parse(d, &format!("{field} certificate")))
        .collect::<Result<Vec<_>>>()
        .map_err(|e| error::trust_root(e.message))?;
    for (j, pair) in certs.windows(2).enumerate() {
        if let ([cert, issuer], Some(der)) = (pair, ca.chain.get(j)) {
            signed_by(der, cert, issuer)
                .map_err(|e| error::trust_root(format!("{field} chain is broken at certificate {j}: {}", e.message)))?;
        }
    }
    let first = certs.first().ok_or_else(|| error::trust_root(format!("{field}.certChain has no certificates")))?;
    // A chain that starts with a non-CA certificate starts with the TSA's own signing
    // certificate; one that starts with a CA names only who may issue signing certificates.
    pub(super) fn ids<'d>(der: &'d [u8], field: &str) -> Result<CertIds<'d>> {
        cert_ids(der).map_err(|e| error::trust_root(format!("{field}: {}", e.message)))
    }
    let (leaf, issuer_at) = if is_ca(first) {
        (None, 0)
    } else {
        let der = ca.chain.first().cloned().unwrap_or_default();
        let (issuer, serial) = {
            let i = ids(&der, &field)?;
            (i.issuer.to_vec(), i.serial.to_vec())
        };
        let key_id = first.tbs_certificate.extensions.iter().flatten().find_map(|e| {
            (e.extn_id == OID_SUBJECT_KEY_ID)
                .then(|| OctetString::from_der(e.extn_value.as_bytes()).ok().map(|k| k.as_bytes().to_vec()))
                .flatten()
        });
        (Some(Leaf { der, cert: first.clone(), issuer, serial, key_id }), usize::from(certs.len() > 1))
    };
    let (Some(issuer), Some(issuer_der)) = (certs.get(issuer_at), ca.chain.get(issuer_at)) else {
        return Err(error::trust_root(format!("{field}.certChain has no issuing certificate")));
    };
    let mut issuers_valid = Window::default();
    for c in certs.iter().skip(issuer_at) {
        let v = &c.tbs_certificate.validity;
        let (nb, na) = (crate::x509::unix(&v.not_before), crate::x509::unix(&v.not_after));
        issuers_valid.start = Some(issuers_valid.start.map_or(nb, |s| s.max(nb)));
        issuers_valid.end = Some(issuers_valid.end.map_or(na, |e| e.min(na)));
    }
    let anchor = webpki::anchor_from_trusted_cert(&CertificateDer::from(issuer_der.as_slice()))
        .map_err(|e| error::trust_root(format!("{field} cannot be a trust anchor: {e:?}")))?
        .to_owned();
    let issuer_subject = ids(issuer_der, &field)?.subject.to_vec();
    Ok(Authority {
        uri: ca.uri.clone(),
        leaf,
        issuer: issuer.clone(),
        issuer_subject,
        anchor,
        valid_for: ca.valid,
        issuers_valid,
    })
}

pub(super) fn is_ca(cert: &Certificate) -> bool {
    cert.tbs_certificate.extensions.iter().flatten().any(|e| {
        e.extn_id == OID_BASIC_CONSTRAINTS
            && x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).is_ok_and(|b| b.ca)
    })
}
