//! Checking a parsed token against the authorities: imprint, signed attributes, signer, chain and window.

use super::{authority::*, token::*};
use crate::error::{self, Error, Result};
use crate::limits;
use crate::time::{Window, format_rfc3339};
use crate::trust::keys::{HashAlgorithm, PublicKey};
use crate::trust::root::TrustRoot;
use crate::verified::{TimeSource, VerifiedTime};
use crate::x509::chain::{EKU_TIME_STAMPING, signed_by};
use der::asn1::OctetString;
use der::{Decode, Encode, Tag, Tagged};
use rustls_pki_types::{CertificateDer, UnixTime};
use std::collections::BTreeSet;
use std::time::Duration;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::spki::AlgorithmIdentifierOwned;

/// What checking one token established.
#[derive(Clone, Debug, PartialEq)]
pub enum Checked {
    /// The token is valid and proves this time.
    Verified(VerifiedTime),
    /// The token is well formed, but no TSA of the trusted root signed it: it proves nothing,
    /// counts towards no threshold and is not judged further. The error says who signed it.
    Untrusted(Error),
}

impl Checked {
    /// The proven time, if the token verified.
    pub fn verified(self) -> Option<VerifiedTime> {
        match self {
            Checked::Verified(t) => Some(t),
            Checked::Untrusted(_) => None,
        }
    }
}

/// Verifies the bundle's timestamps and returns the times they prove, in token order.
///
/// Strict: a token that is malformed or repeats another (byte for byte, or the same TSA and
/// serial number), or one signed by a trusted TSA that fails any check (it covers another
/// signature, lies outside a validity window, has a bad signature...), refuses the whole bundle
/// with `TIMESTAMP_INVALID`. The one exception is a well-formed token whose signer is not a TSA
/// of the trusted root: it is skipped unjudged (see [`Checked::Untrusted`]). Skipping it is never
/// more permissive than the token's absence, which anyone who can alter the bundle could arrange
/// anyway, and real bundles carry tokens from TSAs a given verifier does not trust (sigstore-go
/// and sigstore-python skip those too; the sigstore-python `tsa-txt` vector has one).
pub fn verify_all(tokens: &[Vec<u8>], signature: &[u8], root: &TrustRoot) -> Result<Vec<VerifiedTime>> {
    Ok(check_all(tokens, signature, root)?.into_iter().filter_map(Checked::verified).collect())
}

/// As [`verify_all`], but reports each token, including the skipped ones and why.
pub fn check_all(tokens: &[Vec<u8>], signature: &[u8], root: &TrustRoot) -> Result<Vec<Checked>> {
    let tsas = &root.tsa;
    limits::check("RFC 3161 timestamps", limits::MAX_TIMESTAMPS, tokens.len())?;
    let at = |i: usize| format!("verificationMaterial.timestampVerificationData.rfc3161Timestamps[{i}]");
    let mut bytes_seen = BTreeSet::new();
    for (i, token) in tokens.iter().enumerate() {
        if !bytes_seen.insert(token.as_slice()) {
            return Err(error::timestamp("the same RFC 3161 timestamp appears twice").at(at(i)));
        }
    }
    let mut serials_seen = BTreeSet::new();
    let mut out = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        let at = at(i);
        let (checked, key) = check(token, signature, tsas).map_err(|e| e.at(at.clone()))?;
        if let Some((tsa, serial)) = key {
            if !serials_seen.insert((tsa, serial.clone())) {
                return Err(error::timestamp(format!(
                    "two timestamps carry the same serial number {} from the same TSA",
                    crate::json::hex(&serial)
                ))
                .at(at));
            }
        }
        out.push(checked);
    }
    Ok(out)
}

/// A verified token's identity: the TSA's index in the root and the token's serial number.
type TokenId = (usize, Vec<u8>);

/// Checks one token; with it, the identity of a verified token.
pub(super) fn check(bytes: &[u8], signature: &[u8], tsas: &Authorities) -> Result<(Checked, Option<TokenId>)> {
    limits::check("bytes in one RFC 3161 timestamp", limits::MAX_TIMESTAMP_BYTES, bytes.len())?;
    let token = Token::parse(bytes)?;
    let tst = &token.tst;
    // Attribution first: what an untrusted token claims (even about which signature it
    // covers) is not evidence of anything, so it is skipped rather than judged.
    let Some(Signer { index, auth, der: signer_der, cert: signer }) = attribute(&token, tsas)? else {
        return Ok((Checked::Untrusted(error::timestamp(untrusted_message(&token))), None));
    };

    let imprint_alg = hash_algorithm(&tst.message_imprint.hash_algorithm, "TSTInfo.messageImprint")?;
    let expected = imprint_alg.digest(signature);
    let found = tst.message_imprint.hashed_message.as_bytes();
    if found != expected.as_slice() {
        return Err(error::timestamp(format!(
            "the timestamp is over {} {}, but the bundle's signature hashes to {}",
            imprint_alg.name(),
            crate::json::hex(found),
            crate::json::hex(&expected)
        )));
    }
    let content_digest = token.digest_alg.digest(token.tst_der);
    if token.message_digest != content_digest.as_slice() {
        return Err(error::timestamp(format!(
            "the signed message-digest attribute is {}, but the TSTInfo hashes to {} {}",
            crate::json::hex(token.message_digest),
            token.digest_alg.name(),
            crate::json::hex(&content_digest)
        )));
    }
    let gen_time = tst.gen_time.unix()?;
    let when = format_rfc3339(gen_time);
    if !auth.valid_for.contains(gen_time) {
        return Err(error::timestamp(format!(
            "the timestamp's time {when} is outside the trusted root's validity window for TSA {} ({})",
            auth.uri,
            describe(auth.valid_for)
        )));
    }
    let v = &signer.tbs_certificate.validity;
    let leaf_valid =
        Window { start: Some(crate::x509::unix(&v.not_before)), end: Some(crate::x509::unix(&v.not_after)) };
    if !leaf_valid.contains(gen_time) {
        return Err(error::timestamp(format!(
            "the timestamp's time {when} is outside the TSA signing certificate's validity ({})",
            describe(leaf_valid)
        )));
    }
    if !auth.issuers_valid.contains(gen_time) {
        return Err(error::timestamp(format!(
            "the timestamp's time {when} is outside the validity of the TSA's certificate chain ({})",
            describe(auth.issuers_valid)
        )));
    }
    let signer_cert = CertificateDer::from(signer_der);
    let ee = webpki::EndEntityCert::try_from(&signer_cert)
        .map_err(|e| error::timestamp(format!("the TSA signing certificate cannot be parsed: {e:?}")))?;
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        std::slice::from_ref(&auth.anchor),
        &[],
        UnixTime::since_unix_epoch(Duration::from_secs(gen_time.max(0) as u64)),
        webpki::KeyUsage::required(EKU_TIME_STAMPING),
        None,
        None,
    )
    .map_err(|e| {
        error::timestamp(format!(
            "the TSA signing certificate is not valid for timestamping under TSA {} at {when} ({e:?})",
            auth.uri
        ))
    })?;
    token.ess.check(signer_der)?;
    verify_signature(&token, &signer)?;
    if let Some(name) = &tst.tsa {
        // Decoded only now that a trusted TSA's signature covers it.
        let name = GeneralName::from_der(&name.to_der().unwrap_or_default())
            .map_err(|e| error::timestamp(format!("TSTInfo.tsa is not a GeneralName: {e}")))?;
        check_tsa_name(&name, &signer)?;
    }
    let key = (index, tst.serial_number.as_bytes().to_vec());
    Ok((Checked::Verified(VerifiedTime::new(TimeSource::Timestamp { tsa: auth.uri.clone() }, gen_time)), Some(key)))
}

pub(super) fn describe(w: Window) -> String {
    let show = |t: Option<i64>| t.map_or_else(|| "unbounded".to_owned(), format_rfc3339);
    format!("{} to {}", show(w.start), show(w.end))
}

pub(super) fn untrusted_message(token: &Token<'_>) -> String {
    let who = match token.sid {
        Sid::IssuerSerial { issuer, serial } => {
            // Names are decoded only when small: der sorts each SET OF as it decodes, in time
            // quadratic in its length, and this name is not yet authenticated.
            let name = match issuer.len() <= 1024 {
                true => x509_cert::name::Name::from_der(issuer).ok().map(|n| n.to_string()),
                false => None,
            };
            let name = name.unwrap_or_else(|| format!("a {}-byte name", issuer.len()));
            format!("the certificate with serial {} issued by {name}", crate::json::hex(serial))
        }
        Sid::KeyId(k) => format!("the key with identifier {}", crate::json::hex(k)),
    };
    format!("the timestamp is signed by {who}, which is not a timestamp authority of the trusted root")
}

/// The trusted TSA a token is attributed to, and the certificate that signed it.
pub(super) struct Signer<'t> {
    /// The TSA's index in the root.
    pub(super) index: usize,
    pub(super) auth: &'t Authority,
    pub(super) der: &'t [u8],
    pub(super) cert: std::borrow::Cow<'t, Certificate>,
}

/// Finds the trusted TSA whose certificate signed the token, and that certificate.
///
/// With a signing certificate in the root, the token's signer must be that certificate; an
/// embedded certificate with its issuer and serial number that is not byte-identical is a
/// forgery and refused. With only an issuing CA in the root, the signer must be embedded in the
/// token and signed directly by that CA. Identifiers are compared as DER bytes, so nothing
/// unauthenticated is decoded unless it names a trusted issuer.
pub(super) fn attribute<'t>(token: &'t Token<'_>, tsas: &'t Authorities) -> Result<Option<Signer<'t>>> {
    for (index, auth) in tsas.0.iter().enumerate() {
        match &auth.leaf {
            Some(leaf) => {
                let named = match token.sid {
                    Sid::IssuerSerial { issuer, serial } => issuer == leaf.issuer && serial == leaf.serial,
                    Sid::KeyId(k) => leaf.key_id.as_deref() == Some(k),
                };
                if !named {
                    continue;
                }
                let impostor = token.certs.iter().any(|(der, ids)| {
                    ids.issuer == leaf.issuer && ids.serial == leaf.serial && *der != leaf.der.as_slice()
                });
                if impostor {
                    return Err(error::timestamp(format!(
                        "the timestamp embeds a certificate with the issuer and serial number of TSA {}'s signing \
                         certificate that is not that certificate",
                        auth.uri
                    )));
                }
                let cert = std::borrow::Cow::Borrowed(&leaf.cert);
                return Ok(Some(Signer { index, auth, der: leaf.der.as_slice(), cert }));
            }
            None => {
                for (i, (der, ids)) in token.certs.iter().enumerate() {
                    if ids.issuer != auth.issuer_subject.as_slice() {
                        continue;
                    }
                    if let Sid::IssuerSerial { issuer, serial } = token.sid {
                        if issuer != ids.issuer || serial != ids.serial {
                            continue;
                        }
                    }
                    let cert = crate::x509::parse(der, &format!("embedded certificate {i}"))
                        .map_err(|e| error::timestamp(e.message))?;
                    if let Sid::KeyId(k) = token.sid {
                        if key_id(&cert).as_deref() != Some(k) {
                            continue;
                        }
                    }
                    if signed_by(der, &cert, &auth.issuer).is_ok() {
                        return Ok(Some(Signer { index, auth, der, cert: std::borrow::Cow::Owned(cert) }));
                    }
                }
            }
        }
    }
    Ok(None)
}

pub(super) fn key_id(cert: &Certificate) -> Option<Vec<u8>> {
    cert.tbs_certificate.extensions.iter().flatten().find_map(|e| {
        (e.extn_id == OID_SUBJECT_KEY_ID)
            .then(|| OctetString::from_der(e.extn_value.as_bytes()).ok().map(|k| k.as_bytes().to_vec()))
            .flatten()
    })
}

/// How a `SignerInfo` names its signer, as DER read without decoding the name.
#[derive(Clone, Copy)]
pub(super) enum Sid<'a> {
    /// Issuer name (complete DER) and serial number (INTEGER content octets).
    IssuerSerial { issuer: &'a [u8], serial: &'a [u8] },
    /// Subject key identifier.
    KeyId(&'a [u8]),
}

/// A certificate's serial number, issuer and subject, read from its DER without decoding names.
#[derive(Clone, Copy)]
pub(super) struct CertIds<'a> {
    pub(super) serial: &'a [u8],
    pub(super) issuer: &'a [u8],
    pub(super) subject: &'a [u8],
}

/// Reads [`CertIds`] from `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version
/// OPTIONAL, serialNumber, signature, issuer, validity, subject, ... }, ... }`.
pub(super) fn cert_ids(der: &[u8]) -> Result<CertIds<'_>> {
    let what = "a certificate";
    let cert = single(der, Tag::Sequence, what)?;
    let parts = tlvs(cert.value, what)?;
    expect_tag(parts.first(), Tag::Sequence, "a certificate's tbsCertificate")?;
    let tbs = tlvs(parts.first().map_or(&[][..], |t| t.value), what)?;
    let mut f = tbs.iter().skip_while(|t| t.tag == context(0, true));
    let serial = f.next();
    expect_tag(serial, Tag::Integer, "a certificate's serial number")?;
    expect_tag(f.next(), Tag::Sequence, "a certificate's signature algorithm")?;
    let issuer = f.next();
    expect_tag(issuer, Tag::Sequence, "a certificate's issuer")?;
    expect_tag(f.next(), Tag::Sequence, "a certificate's validity")?;
    let subject = f.next();
    expect_tag(subject, Tag::Sequence, "a certificate's subject")?;
    match (serial, issuer, subject) {
        (Some(serial), Some(issuer), Some(subject)) => {
            Ok(CertIds { serial: serial.value, issuer: issuer.raw, subject: subject.raw })
        }
        _ => Err(error::timestamp("a certificate is truncated")),
    }
}

/// Verifies the `SignerInfo` signature over the DER `SET OF` signed attributes.
pub(super) fn verify_signature(token: &Token<'_>, signer: &Certificate) -> Result<()> {
    let spki = signer
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| error::timestamp(format!("the TSA key cannot be encoded: {e}")))?;
    let alg = token.signature_algorithm.oid.to_string();
    let key = PublicKey::for_signature_algorithm(&spki, &alg)
        .map_err(|e| error::timestamp(format!("the TSA signature cannot be checked: {}", e.message)))?;
    // The signature covers the attributes with their universal SET tag, not the [0] they
    // travel under (RFC 5652 §5.4).
    let mut signed = token.signed_attrs.to_vec();
    if let Some(tag) = signed.first_mut() {
        *tag = 0x31;
    }
    let ok = match (signature_hash(&alg), key.hash()) {
        (_, None) => key.verify(&signed, token.signature),
        (Some(h), _) => key.verify_prehashed(h, &h.digest(&signed), token.signature),
        (None, _) => key.verify_prehashed(token.digest_alg, &token.digest_alg.digest(&signed), token.signature),
    };
    if ok {
        Ok(())
    } else {
        Err(error::timestamp("the timestamp's CMS signature does not verify under the TSA signing certificate's key"))
    }
}

/// The hash a signature algorithm OID names, if it names one (`rsaEncryption` does not).
pub(super) fn signature_hash(oid: &str) -> Option<HashAlgorithm> {
    match oid {
        "1.2.840.10045.4.3.2" | "1.2.840.113549.1.1.11" => Some(HashAlgorithm::Sha256),
        "1.2.840.10045.4.3.3" | "1.2.840.113549.1.1.12" => Some(HashAlgorithm::Sha384),
        "1.2.840.10045.4.3.4" | "1.2.840.113549.1.1.13" => Some(HashAlgorithm::Sha512),
        _ => None,
    }
}

pub(super) fn check_tsa_name(name: &GeneralName, signer: &Certificate) -> Result<()> {
    match name {
        GeneralName::DirectoryName(n) if *n == signer.tbs_certificate.subject => Ok(()),
        GeneralName::DirectoryName(n) => Err(error::timestamp(format!(
            "the TSTInfo names the TSA {n}, but the signing certificate's subject is {}",
            signer.tbs_certificate.subject
        ))),
        // RFC 3161 lets the name be any GeneralName that is one of the certificate's names;
        // only the directory-name form is compared here, the others are left unchecked.
        _ => Ok(()),
    }
}

/// A hash algorithm identifier: SHA-256/384/512, parameters absent or NULL.
pub(super) fn hash_algorithm(alg: &AlgorithmIdentifierOwned, what: &str) -> Result<HashAlgorithm> {
    let h = match alg.oid {
        OID_SHA256 => HashAlgorithm::Sha256,
        OID_SHA384 => HashAlgorithm::Sha384,
        OID_SHA512 => HashAlgorithm::Sha512,
        other => {
            return Err(error::timestamp(format!(
                "{what} uses hash algorithm {other}; SHA-256, SHA-384 or SHA-512 is required"
            )));
        }
    };
    check_null_params(alg, what)?;
    Ok(h)
}

pub(super) fn check_null_params(alg: &AlgorithmIdentifierOwned, what: &str) -> Result<()> {
    match &alg.parameters {
        None => Ok(()),
        Some(p) if p.tag() == Tag::Null && p.value().is_empty() => Ok(()),
        Some(_) => Err(error::timestamp(format!("{what} hash algorithm has unexpected parameters"))),
    }
}
