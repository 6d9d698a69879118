//! Identity facts from a Fulcio certificate: the SAN, the OIDC issuer and every Fulcio claim.
//!
//! Fulcio writes claims under 1.3.6.1.4.1.57264.1.N. Extensions .1.1–.1.6 are deprecated and hold
//! the raw string bytes; .1.8 onwards hold a DER UTF8String. Both forms are decoded here and
//! exposed by name, so a policy says `"source_repository_uri"`, not an OID.

use crate::error::{self, Result};
use der::Decode;
use der::asn1::{Ia5StringRef, ObjectIdentifier as Oid, Utf8StringRef};
use serde::Serialize;
use std::collections::BTreeMap;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

/// Arc under which Fulcio's extensions live.
pub const FULCIO_ARC: &str = "1.3.6.1.4.1.57264.1.";
const OID_SAN: Oid = Oid::new_unwrap("2.5.29.17");
/// otherName type for SANs Fulcio cannot express otherwise (e.g. usernames).
pub const OID_OTHERNAME_SAN: Oid = Oid::new_unwrap("1.3.6.1.4.1.57264.1.7");

/// Claim names by Fulcio OID suffix (docs/oid-info.md in sigstore/fulcio).
pub const CLAIMS: &[(u32, &str)] = &[
    (1, "issuer_v1"),
    (2, "github_workflow_trigger"),
    (3, "github_workflow_sha"),
    (4, "github_workflow_name"),
    (5, "github_workflow_repository"),
    (6, "github_workflow_ref"),
    (8, "issuer"),
    (9, "build_signer_uri"),
    (10, "build_signer_digest"),
    (11, "runner_environment"),
    (12, "source_repository_uri"),
    (13, "source_repository_digest"),
    (14, "source_repository_ref"),
    (15, "source_repository_identifier"),
    (16, "source_repository_owner_uri"),
    (17, "source_repository_owner_identifier"),
    (18, "build_config_uri"),
    (19, "build_config_digest"),
    (20, "build_trigger"),
    (21, "run_invocation_uri"),
    (22, "source_repository_visibility_at_signing"),
    (23, "deployment_environment"),
];

/// The claim name for a Fulcio OID suffix, if known.
pub fn claim_name(n: u32) -> Option<&'static str> {
    CLAIMS.iter().find(|(k, _)| *k == n).map(|(_, v)| *v)
}

/// Kinds of subject alternative name Fulcio issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SanKind {
    /// A URI (CI workflow identities).
    Uri,
    /// An e-mail address.
    Email,
    /// An otherName 1.3.6.1.4.1.57264.1.7 (usernames).
    OtherName,
}

/// A subject alternative name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct San {
    /// Which kind.
    pub kind: SanKind,
    /// The value.
    pub value: String,
}

/// What a verified Fulcio certificate says about its subject.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CertificateIdentity {
    /// The subject alternative names (Fulcio issues exactly one).
    pub sans: Vec<San>,
    /// The OIDC issuer (.1.8, else the deprecated .1.1).
    pub issuer: Option<String>,
    /// Every Fulcio claim by name; unknown Fulcio OIDs appear as `"1.3.6.1.4.1.57264.1.N"`.
    pub claims: BTreeMap<String, String>,
    /// Raw extension values (DER inside the OCTET STRING) by dotted OID, for policy-named OIDs.
    #[serde(skip)]
    pub extensions: BTreeMap<String, Vec<u8>>,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
}

impl CertificateIdentity {
    /// The first SAN's value (Fulcio certificates have exactly one).
    pub fn san(&self) -> Option<&str> {
        self.sans.first().map(|s| s.value.as_str())
    }
}

/// Decodes the identity of a (parsed) leaf.
pub fn identity(cert: &Certificate) -> Result<CertificateIdentity> {
    let tbs = &cert.tbs_certificate;
    let mut out = CertificateIdentity {
        not_before: super::unix(&tbs.validity.not_before),
        not_after: super::unix(&tbs.validity.not_after),
        ..Default::default()
    };
    let mut issuer_v1 = None;
    for ext in tbs.extensions.iter().flatten() {
        let value = ext.extn_value.as_bytes();
        if ext.extn_id == OID_SAN {
            out.sans = sans(value)?;
        } else if let Some(n) = fulcio_suffix(&ext.extn_id) {
            if n == 7 {
                continue;
            }
            let text = decode_claim(n, value).ok_or_else(|| {
                error::certificate(format!("Fulcio extension {} is neither a UTF8String nor UTF-8 text", ext.extn_id))
            })?;
            match n {
                1 => issuer_v1 = Some(text.clone()),
                8 => out.issuer = Some(text.clone()),
                _ => {}
            }
            let name = claim_name(n).map(str::to_owned).unwrap_or_else(|| ext.extn_id.to_string());
            out.claims.insert(name, text);
        } else if !is_standard(&ext.extn_id) {
            // Only custom extensions are kept raw (a policy's `certificate_oid`); formatting an
            // OID as text costs more than the rest of this loop, so standard ones are skipped.
            out.extensions.insert(ext.extn_id.to_string(), value.to_vec());
        }
    }
    if out.issuer.is_none() {
        out.issuer = issuer_v1;
    }
    if out.sans.is_empty() {
        return Err(error::certificate("signing certificate has no subject alternative name"));
    }
    Ok(out)
}

/// DER content bytes of the Fulcio arc 1.3.6.1.4.1.57264.1.
const FULCIO_ARC_DER: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x01];

/// `N` for an OID 1.3.6.1.4.1.57264.1.N, read from its encoding (no text formatting).
fn fulcio_suffix(oid: &Oid) -> Option<u32> {
    let rest = oid.as_bytes().strip_prefix(FULCIO_ARC_DER)?;
    let mut n: u32 = 0;
    for (i, b) in rest.iter().enumerate() {
        n = n.checked_mul(128)?.checked_add(u32::from(b & 0x7f))?;
        if b & 0x80 == 0 {
            return (i + 1 == rest.len()).then_some(n);
        }
    }
    None
}

/// X.509 standard extensions (id-ce, 2.5.29.*) and the CT SCT list: never a policy's domain OID.
fn is_standard(oid: &Oid) -> bool {
    oid.as_bytes().starts_with(&[0x55, 0x1d]) || *oid == super::sct::OID_SCT_LIST
}

fn decode_claim(n: u32, value: &[u8]) -> Option<String> {
    let der = || Utf8StringRef::from_der(value).ok().map(|s| s.as_str().to_owned());
    let raw = || std::str::from_utf8(value).ok().map(str::to_owned);
    if n <= 6 { raw().or_else(der) } else { der().or_else(raw) }
}

fn sans(value: &[u8]) -> Result<Vec<San>> {
    super::check_shape(value, "subject alternative name extension")?;
    let names = SubjectAltName::from_der(value)
        .map_err(|e| error::certificate(format!("subject alternative name extension is malformed: {e}")))?;
    let mut out = Vec::new();
    for name in names.0 {
        let san = match name {
            GeneralName::UniformResourceIdentifier(s) => San { kind: SanKind::Uri, value: s.as_str().to_owned() },
            GeneralName::Rfc822Name(s) => San { kind: SanKind::Email, value: s.as_str().to_owned() },
            GeneralName::OtherName(on) if on.type_id == OID_OTHERNAME_SAN => {
                let v = on
                    .value
                    .decode_as::<Utf8StringRef<'_>>()
                    .map(|s| s.as_str().to_owned())
                    .or_else(|_| on.value.decode_as::<Ia5StringRef<'_>>().map(|s| s.as_str().to_owned()))
                    .map_err(|e| error::certificate(format!("otherName SAN is not a UTF8String: {e}")))?;
                San { kind: SanKind::OtherName, value: v }
            }
            _ => continue,
        };
        out.push(san);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_decode_both_forms() {
        // .1.1 raw bytes, .1.8 DER UTF8String (0x0c len bytes).
        assert_eq!(decode_claim(1, b"https://issuer").as_deref(), Some("https://issuer"));
        assert_eq!(decode_claim(8, b"\x0c\x04push").as_deref(), Some("push"));
        // A raw value under a DER-form OID is still read (older Fulcio deployments).
        assert_eq!(decode_claim(20, b"push").as_deref(), Some("push"));
        assert_eq!(decode_claim(20, &[0xff, 0xfe]), None);
        assert_eq!(claim_name(23), Some("deployment_environment"));
        assert_eq!(claim_name(7), None);
        assert_eq!(fulcio_suffix(&Oid::new_unwrap("1.3.6.1.4.1.57264.1.8")), Some(8));
        assert_eq!(fulcio_suffix(&Oid::new_unwrap("1.3.6.1.4.1.57264.1.200")), Some(200));
        assert_eq!(fulcio_suffix(&Oid::new_unwrap("1.3.6.1.4.1.57264.1.8.1")), None);
        assert_eq!(fulcio_suffix(&Oid::new_unwrap("1.3.6.1.4.1.57264.2")), None);
        assert!(is_standard(&OID_SAN) && !is_standard(&Oid::new_unwrap("1.3.6.1.4.1.32473.1.1")));
    }
}
