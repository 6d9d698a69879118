//! RFC 3161 timestamps from the trusted root's timestamp authorities.
//!
//! A bundle's `rfc3161Timestamps[].signedTimestamp` is a DER `TimeStampResp` (RFC 3161 §2.4.2,
//! as protobuf-specs says) whose token is a CMS `SignedData` (RFC 5652) over a `TSTInfo`. A token
//! proves a time only when all of this holds:
//!
//! - the response status is granted, the content is `SignedData` with exactly one `SignerInfo`,
//!   and the encapsulated content is an `id-ct-TSTInfo` (version 1, no unknown critical extension);
//! - `messageImprint` is SHA-256/384/512 of the bundle's signature bytes;
//! - the signed attributes hold one content-type (`id-ct-TSTInfo`), one message-digest equal to
//!   the hash of the `TSTInfo`, and an ESS signing-certificate attribute naming the signer;
//! - the signer is a TSA of the trusted root: the root's own signing certificate for that TSA,
//!   or (when the root lists only the TSA's issuing CA) a certificate embedded in the token and
//!   issued by that CA. Embedded certificates are never trust anchors;
//! - `genTime` lies in the TSA's `validFor` window (both ends inclusive) and in the validity of
//!   every certificate from the signer up to the root at that moment (a chain that has expired
//!   since is fine), the signer has EKU timeStamping, and the CMS signature verifies.
//!
//! Trust chains are checked once, when the trusted root loads ([`Authorities::build`]).

use crate::error::{self, Error, Result};
use crate::limits;
use crate::time::{Window, days_from_civil, format_rfc3339};
use crate::trust::keys::{HashAlgorithm, PublicKey};
use crate::trust::root::{CertificateAuthority, TrustRoot};
use crate::verified::{TimeSource, VerifiedTime};
use crate::x509::chain::{EKU_TIME_STAMPING, signed_by};
use der::asn1::{Int, ObjectIdentifier as Oid, OctetString};
use der::{
    Decode, DecodeValue, Encode, EncodeValue, FixedTag, Header, Length, Reader, Sequence, SliceReader, Tag, Tagged,
};
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use std::collections::BTreeSet;
use std::time::Duration;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::spki::AlgorithmIdentifierOwned;

const OID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
const OID_CT_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
const OID_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
const OID_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
const OID_SIGNING_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
const OID_SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
const OID_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
const OID_BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
const OID_SUBJECT_KEY_ID: Oid = Oid::new_unwrap("2.5.29.14");

/// Most signed attributes read from one `SignerInfo` (a TSA sends four or five).
const MAX_SIGNED_ATTRIBUTES: usize = 32;

/// One timestamp authority of the trusted root, compiled for token verification.
#[derive(Debug)]
pub struct Authority {
    /// The TSA's URI, for results and messages.
    uri: String,
    /// The root's signing certificate for this TSA, when its chain starts with one; tokens
    /// must then be signed by exactly this certificate.
    leaf: Option<Leaf>,
    /// The certificate that issued the signer (the chain's second certificate after a signing
    /// certificate, else its first), parsed.
    issuer: Certificate,
    /// Its subject name, DER exactly as in the root.
    issuer_subject: Vec<u8>,
    /// The same certificate as a webpki anchor.
    anchor: TrustAnchor<'static>,
    /// The root's `validFor`.
    valid_for: Window,
    /// The intersection of the validity of every certificate above the signer.
    issuers_valid: Window,
}

/// A TSA signing certificate from the trusted root, with the identifiers a token names it by.
#[derive(Debug)]
struct Leaf {
    der: Vec<u8>,
    cert: Certificate,
    /// Issuer name DER and serial number content octets, exactly as in the certificate.
    issuer: Vec<u8>,
    serial: Vec<u8>,
    /// The subject key identifier, if the certificate has one.
    key_id: Option<Vec<u8>>,
}

/// All timestamp authorities of a trusted root.
#[derive(Debug, Default)]
pub struct Authorities(Vec<Authority>);

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

fn compile(ca: &CertificateAuthority, i: usize) -> Result<Authority> {
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
    fn ids<'d>(der: &'d [u8], field: &str) -> Result<CertIds<'d>> {
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

fn is_ca(cert: &Certificate) -> bool {
    cert.tbs_certificate.extensions.iter().flatten().any(|e| {
        e.extn_id == OID_BASIC_CONSTRAINTS
            && x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).is_ok_and(|b| b.ca)
    })
}

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
fn check(bytes: &[u8], signature: &[u8], tsas: &Authorities) -> Result<(Checked, Option<TokenId>)> {
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

fn describe(w: Window) -> String {
    let show = |t: Option<i64>| t.map_or_else(|| "unbounded".to_owned(), format_rfc3339);
    format!("{} to {}", show(w.start), show(w.end))
}

fn untrusted_message(token: &Token<'_>) -> String {
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
struct Signer<'t> {
    /// The TSA's index in the root.
    index: usize,
    auth: &'t Authority,
    der: &'t [u8],
    cert: std::borrow::Cow<'t, Certificate>,
}

/// Finds the trusted TSA whose certificate signed the token, and that certificate.
///
/// With a signing certificate in the root, the token's signer must be that certificate; an
/// embedded certificate with its issuer and serial number that is not byte-identical is a
/// forgery and refused. With only an issuing CA in the root, the signer must be embedded in the
/// token and signed directly by that CA. Identifiers are compared as DER bytes, so nothing
/// unauthenticated is decoded unless it names a trusted issuer.
fn attribute<'t>(token: &'t Token<'_>, tsas: &'t Authorities) -> Result<Option<Signer<'t>>> {
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

fn key_id(cert: &Certificate) -> Option<Vec<u8>> {
    cert.tbs_certificate.extensions.iter().flatten().find_map(|e| {
        (e.extn_id == OID_SUBJECT_KEY_ID)
            .then(|| OctetString::from_der(e.extn_value.as_bytes()).ok().map(|k| k.as_bytes().to_vec()))
            .flatten()
    })
}

/// How a `SignerInfo` names its signer, as DER read without decoding the name.
#[derive(Clone, Copy)]
enum Sid<'a> {
    /// Issuer name (complete DER) and serial number (INTEGER content octets).
    IssuerSerial { issuer: &'a [u8], serial: &'a [u8] },
    /// Subject key identifier.
    KeyId(&'a [u8]),
}

/// A certificate's serial number, issuer and subject, read from its DER without decoding names.
#[derive(Clone, Copy)]
struct CertIds<'a> {
    serial: &'a [u8],
    issuer: &'a [u8],
    subject: &'a [u8],
}

/// Reads [`CertIds`] from `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version
/// OPTIONAL, serialNumber, signature, issuer, validity, subject, ... }, ... }`.
fn cert_ids(der: &[u8]) -> Result<CertIds<'_>> {
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
fn verify_signature(token: &Token<'_>, signer: &Certificate) -> Result<()> {
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
fn signature_hash(oid: &str) -> Option<HashAlgorithm> {
    match oid {
        "1.2.840.10045.4.3.2" | "1.2.840.113549.1.1.11" => Some(HashAlgorithm::Sha256),
        "1.2.840.10045.4.3.3" | "1.2.840.113549.1.1.12" => Some(HashAlgorithm::Sha384),
        "1.2.840.10045.4.3.4" | "1.2.840.113549.1.1.13" => Some(HashAlgorithm::Sha512),
        _ => None,
    }
}

fn check_tsa_name(name: &GeneralName, signer: &Certificate) -> Result<()> {
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
fn hash_algorithm(alg: &AlgorithmIdentifierOwned, what: &str) -> Result<HashAlgorithm> {
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

fn check_null_params(alg: &AlgorithmIdentifierOwned, what: &str) -> Result<()> {
    match &alg.parameters {
        None => Ok(()),
        Some(p) if p.tag() == Tag::Null && p.value().is_empty() => Ok(()),
        Some(_) => Err(error::timestamp(format!("{what} hash algorithm has unexpected parameters"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing. Untrusted bytes are walked with der's bounded reader; the signed attributes and the
// embedded certificates are kept as the exact bytes received, because the signature covers
// those bytes and re-encoding could differ. SET OF contents are never decoded into der's
// sorted sets (its sort is quadratic), only walked.

/// One TLV: its tag, its content octets and its complete encoding.
#[derive(Clone, Copy)]
struct Tlv<'a> {
    tag: Tag,
    value: &'a [u8],
    raw: &'a [u8],
}

/// Splits `bytes` into consecutive TLVs.
fn tlvs<'a>(bytes: &'a [u8], what: &str) -> Result<Vec<Tlv<'a>>> {
    let bad = |e: der::Error| error::timestamp(format!("{what} is not valid DER: {e}"));
    let mut reader = SliceReader::new(bytes).map_err(bad)?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        let start = usize::try_from(reader.position()).map_err(bad)?;
        let header = Header::decode(&mut reader).map_err(bad)?;
        let value = reader.read_slice(header.length).map_err(bad)?;
        let end = usize::try_from(reader.position()).map_err(bad)?;
        let raw = bytes.get(start..end).ok_or_else(|| error::timestamp(format!("{what} is truncated")))?;
        out.push(Tlv { tag: header.tag, value, raw });
    }
    Ok(out)
}

/// Exactly one TLV with the given tag filling `bytes`.
fn single<'a>(bytes: &'a [u8], tag: Tag, what: &str) -> Result<Tlv<'a>> {
    match tlvs(bytes, what)?.as_slice() {
        [t] if t.tag == tag => Ok(*t),
        [t] => Err(error::timestamp(format!("{what} should be a {tag}, found a {}", t.tag))),
        [] => Err(error::timestamp(format!("{what} is empty"))),
        _ => Err(error::timestamp(format!("{what} has trailing data"))),
    }
}

fn expect_tag(t: Option<&Tlv<'_>>, tag: Tag, what: &str) -> Result<()> {
    match t {
        Some(t) if t.tag == tag => Ok(()),
        Some(t) => Err(error::timestamp(format!("{what} should be a {tag}, found a {}", t.tag))),
        None => Err(error::timestamp(format!("{what} is missing"))),
    }
}

fn decode<'a, T: Decode<'a>>(bytes: &'a [u8], what: &str) -> Result<T> {
    T::from_der(bytes).map_err(|e| error::timestamp(format!("{what} is malformed: {e}")))
}

fn context(n: u8, constructed: bool) -> Tag {
    // Context tags 0 and 1 are all CMS and RFC 3161 use here.
    let number = if n == 0 { der::TagNumber::N0 } else { der::TagNumber::N1 };
    Tag::ContextSpecific { constructed, number }
}

/// `PKIStatusInfo` (RFC 3161 §2.4.2); only `status` is used.
#[derive(Sequence)]
struct PkiStatusInfo {
    status: Int,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<der::asn1::BitString>,
}

/// `MessageImprint` (RFC 3161 §2.4.1).
#[derive(Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

/// `Accuracy` (RFC 3161 §2.4.2); parsed for well-formedness only.
#[derive(Sequence)]
struct Accuracy {
    #[asn1(optional = "true")]
    seconds: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    millis: Option<Int>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    micros: Option<Int>,
}

/// `TSTInfo` (RFC 3161 §2.4.2).
#[derive(Sequence)]
struct TstInfo {
    version: Int,
    policy: Oid,
    message_imprint: MessageImprint,
    serial_number: Int,
    gen_time: GenTime,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    ordering: bool,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<der::Any>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Vec<x509_cert::ext::Extension>>,
}

/// A `GeneralizedTime` as RFC 3161 allows it: `YYYYMMDDhhmmss[.f*]Z`. der's own type refuses
/// fractional seconds, which TSAs may send.
#[derive(Clone, Debug)]
struct GenTime(Vec<u8>);

impl FixedTag for GenTime {
    const TAG: Tag = Tag::GeneralizedTime;
}

impl<'a> DecodeValue<'a> for GenTime {
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        Ok(GenTime(reader.read_vec(header.length)?))
    }
}

impl EncodeValue for GenTime {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.0.len())
    }

    fn encode_value(&self, writer: &mut impl der::Writer) -> der::Result<()> {
        writer.write(&self.0)
    }
}

impl GenTime {
    /// Unix seconds, fractions rounded down.
    fn unix(&self) -> Result<i64> {
        let bad = || {
            error::timestamp(format!(
                "TSTInfo.genTime {:?} is not a UTC GeneralizedTime",
                String::from_utf8_lossy(&self.0)
            ))
        };
        let b = self.0.as_slice();
        let (main, rest) = (b.get(..14).ok_or_else(bad)?, b.get(14..).ok_or_else(bad)?);
        if !main.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> i64 {
            main.get(r).unwrap_or_default().iter().fold(0i64, |n, d| n * 10 + i64::from(*d - b'0'))
        };
        let (y, mo, d, h, mi, s) = (num(0..4), num(4..6), num(6..8), num(8..10), num(10..12), num(12..14));
        let rest = match rest.strip_prefix(b".") {
            Some(frac) => {
                let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
                if n == 0 {
                    return Err(bad());
                }
                frac.get(n..).ok_or_else(bad)?
            }
            None => rest,
        };
        if rest != b"Z" || !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
            return Err(bad());
        }
        let days = days_from_civil(y, mo as u32, d as u32);
        if crate::time::civil_from_days(days) != (y, mo as u32, d as u32) {
            return Err(bad());
        }
        Ok(days * 86400 + h * 3600 + mi * 60 + s)
    }
}

/// The ESS signing-certificate attribute's first certificate hash (RFC 2634 / RFC 5035).
struct EssCertId {
    /// `None` for the SHA-1 of version 1.
    alg: Option<HashAlgorithm>,
    hash: Vec<u8>,
}

impl EssCertId {
    fn parse(attr_value: Tlv<'_>, v2: bool) -> Result<EssCertId> {
        let what = if v2 { "the SigningCertificateV2 attribute" } else { "the SigningCertificate attribute" };
        let outer = tlvs(attr_value.value, what)?;
        expect_tag(outer.first(), Tag::Sequence, &format!("{what}'s certificate list"))?;
        let ids = tlvs(outer.first().map_or(&[][..], |t| t.value), what)?;
        let first = ids.first().ok_or_else(|| error::timestamp(format!("{what} lists no certificate")))?;
        expect_tag(Some(first), Tag::Sequence, &format!("{what}'s first certificate identifier"))?;
        let fields = tlvs(first.value, what)?;
        let mut fields = fields.iter().peekable();
        let alg = if v2 {
            match fields.peek() {
                Some(t) if t.tag == Tag::Sequence => {
                    let id: AlgorithmIdentifierOwned = decode(t.raw, &format!("{what}'s hash algorithm"))?;
                    fields.next();
                    Some(hash_algorithm(&id, what)?)
                }
                // The default is SHA-256 (RFC 5035 §5.4.1).
                _ => Some(HashAlgorithm::Sha256),
            }
        } else {
            None
        };
        let hash = fields.next().filter(|t| t.tag == Tag::OctetString).ok_or_else(|| {
            error::timestamp(format!("{what}'s first certificate identifier has no certificate hash"))
        })?;
        Ok(EssCertId { alg, hash: hash.value.to_vec() })
    }

    fn check(&self, cert_der: &[u8]) -> Result<()> {
        let (name, actual) = match self.alg {
            Some(h) => (h.name(), h.digest(cert_der)),
            None => (
                "sha1",
                aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der).as_ref().to_vec(),
            ),
        };
        if actual == self.hash {
            Ok(())
        } else {
            Err(error::timestamp(format!(
                "the signing-certificate attribute names a certificate with {name} {}, but the signer's is {}",
                crate::json::hex(&self.hash),
                crate::json::hex(&actual)
            )))
        }
    }
}

/// A parsed token: every part the checks need, nothing trusted yet.
struct Token<'a> {
    tst: TstInfo,
    /// The `TSTInfo` DER exactly as encapsulated (the message-digest attribute covers it).
    tst_der: &'a [u8],
    /// Embedded certificates, exactly as received, with their identifiers.
    certs: Vec<(&'a [u8], CertIds<'a>)>,
    sid: Sid<'a>,
    digest_alg: HashAlgorithm,
    /// The `[0] IMPLICIT` signed attributes, exactly as received.
    signed_attrs: &'a [u8],
    message_digest: &'a [u8],
    ess: EssCertId,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: &'a [u8],
}

impl<'a> Token<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Token<'a>> {
        // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }
        let resp = single(bytes, Tag::Sequence, "the TimeStampResp")?;
        let parts = tlvs(resp.value, "the TimeStampResp")?;
        if parts.first().is_some_and(|t| t.tag == Tag::ObjectIdentifier) {
            return Err(error::timestamp(
                "expected a TimeStampResp, found a bare ContentInfo (signedTimestamp is the whole RFC 3161 response)",
            ));
        }
        expect_tag(parts.first(), Tag::Sequence, "the TimeStampResp status")?;
        let status: PkiStatusInfo = decode(parts.first().map_or(&[][..], |t| t.raw), "the TimeStampResp status")?;
        match status.status.as_bytes() {
            [0] | [1] => {}
            other => {
                return Err(error::timestamp(format!(
                    "the TSA refused the request (PKIStatus {}; granted is 0 or 1)",
                    crate::json::hex(other)
                )));
            }
        }
        let content_info = match parts.as_slice() {
            [_, ci] => *ci,
            [_] => return Err(error::timestamp("the TimeStampResp carries no timeStampToken")),
            _ => return Err(error::timestamp("the TimeStampResp has trailing data")),
        };
        expect_tag(Some(&content_info), Tag::Sequence, "the timeStampToken")?;

        // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }
        let ci = tlvs(content_info.value, "the timeStampToken")?;
        let [ct, content] = ci.as_slice() else {
            return Err(error::timestamp("the timeStampToken is not a ContentInfo (contentType, content)"));
        };
        let ct: Oid = decode(ct.raw, "the timeStampToken contentType")?;
        if ct != OID_SIGNED_DATA {
            return Err(error::timestamp(format!("the timeStampToken content type is {ct}, expected id-signedData")));
        }
        expect_tag(Some(content), context(0, true), "the timeStampToken content")?;
        let sd = single(content.value, Tag::Sequence, "the SignedData")?;

        // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo,
        //   certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }
        let fields = tlvs(sd.value, "the SignedData")?;
        let mut f = fields.iter();
        // Versions are outside the signature; RFC 5652 §5.1 fixes them, so check them.
        let version = f.next();
        expect_tag(version, Tag::Integer, "the SignedData version")?;
        if !matches!(version.map(|t| t.value), Some([3..=5])) {
            return Err(error::timestamp("the SignedData version must be 3, 4 or 5 for a TSTInfo (RFC 5652 §5.1)"));
        }
        expect_tag(f.next(), Tag::Set, "the SignedData digestAlgorithms")?;
        let encap = f.next();
        expect_tag(encap, Tag::Sequence, "the SignedData encapContentInfo")?;
        let mut next = f.next();
        let mut certs = Vec::new();
        if let Some(t) = next.filter(|t| t.tag == context(0, true)) {
            let list = tlvs(t.value, "the SignedData certificates")?;
            limits::check("certificates in one RFC 3161 timestamp", limits::MAX_CHAIN_LEN, list.len())?;
            // Only X.509 certificates (a SEQUENCE); other CertificateChoices are ignored.
            certs = list
                .iter()
                .filter(|c| c.tag == Tag::Sequence)
                .enumerate()
                .map(|(i, c)| {
                    cert_ids(c.raw)
                        .map(|ids| (c.raw, ids))
                        .map_err(|e| error::timestamp(format!("embedded certificate {i}: {}", e.message)))
                })
                .collect::<Result<Vec<_>>>()?;
            next = f.next();
        }
        if next.is_some_and(|t| t.tag == context(1, true)) {
            next = f.next();
        }
        expect_tag(next, Tag::Set, "the SignedData signerInfos")?;
        if f.next().is_some() {
            return Err(error::timestamp("the SignedData has trailing data after signerInfos"));
        }
        let signer_infos = tlvs(next.map_or(&[][..], |t| t.value), "the SignedData signerInfos")?;
        let [signer_info] = signer_infos.as_slice() else {
            return Err(error::timestamp(format!(
                "the SignedData has {} SignerInfos; a timestamp has exactly one",
                signer_infos.len()
            )));
        };

        // EncapsulatedContentInfo ::= SEQUENCE { eContentType OID, eContent [0] EXPLICIT OCTET STRING }
        let encap = tlvs(encap.map_or(&[][..], |t| t.value), "the encapContentInfo")?;
        let [ect, econtent] = encap.as_slice() else {
            return Err(error::timestamp("the encapContentInfo has no eContent"));
        };
        let ect: Oid = decode(ect.raw, "the eContentType")?;
        if ect != OID_CT_TST_INFO {
            return Err(error::timestamp(format!("the encapsulated content type is {ect}, expected id-ct-TSTInfo")));
        }
        expect_tag(Some(econtent), context(0, true), "the eContent")?;
        let octets = single(econtent.value, Tag::OctetString, "the eContent")?;
        let tst_der = octets.value;
        let tst: TstInfo = decode(tst_der, "the TSTInfo")?;
        if tst.version.as_bytes() != [1u8].as_slice() {
            return Err(error::timestamp(format!(
                "TSTInfo version is {}, expected 1",
                crate::json::hex(tst.version.as_bytes())
            )));
        }
        if let Some(ext) = tst.extensions.iter().flatten().find(|e| e.critical) {
            return Err(error::timestamp(format!("TSTInfo has an unknown critical extension {}", ext.extn_id)));
        }

        // SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT
        //   OPTIONAL, signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] OPTIONAL }
        if signer_info.tag != Tag::Sequence {
            return Err(error::timestamp("the SignerInfo is not a SEQUENCE"));
        }
        let si = tlvs(signer_info.value, "the SignerInfo")?;
        let mut s = si.iter();
        let version = s.next();
        expect_tag(version, Tag::Integer, "the SignerInfo version")?;
        let sid = match s.next() {
            Some(t) if t.tag == Tag::Sequence => match tlvs(t.value, "the SignerInfo signer identifier")?.as_slice() {
                [issuer, serial] if issuer.tag == Tag::Sequence && serial.tag == Tag::Integer => {
                    Sid::IssuerSerial { issuer: issuer.raw, serial: serial.value }
                }
                _ => return Err(error::timestamp("the SignerInfo issuerAndSerialNumber is malformed")),
            },
            Some(t) if t.tag == context(0, false) => Sid::KeyId(t.value),
            _ => return Err(error::timestamp("the SignerInfo has no signer identifier")),
        };
        let want: u8 = match sid {
            Sid::IssuerSerial { .. } => 1,
            Sid::KeyId(_) => 3,
        };
        if version.map(|t| t.value) != Some(&[want][..]) {
            return Err(error::timestamp(format!(
                "the SignerInfo version must be {want} for its kind of signer identifier (RFC 5652 §5.3)"
            )));
        }
        let digest_alg: AlgorithmIdentifierOwned =
            decode(s.next().map_or(&[][..], |t| t.raw), "the SignerInfo digestAlgorithm")?;
        let digest_alg = hash_algorithm(&digest_alg, "the SignerInfo digestAlgorithm")?;
        let signed = s.next().filter(|t| t.tag == context(0, true)).ok_or_else(|| {
            error::timestamp("the SignerInfo has no signed attributes; a timestamp's signature must cover them")
        })?;
        let signature_algorithm: AlgorithmIdentifierOwned =
            decode(s.next().map_or(&[][..], |t| t.raw), "the SignerInfo signatureAlgorithm")?;
        let signature = s
            .next()
            .filter(|t| t.tag == Tag::OctetString)
            .ok_or_else(|| error::timestamp("the SignerInfo has no signature"))?;
        match (s.next(), s.next()) {
            (None, _) => {}
            (Some(t), None) if t.tag == context(1, true) => {}
            _ => return Err(error::timestamp("the SignerInfo has trailing data")),
        }

        let attrs = tlvs(signed.value, "the signed attributes")?;
        limits::check("signed attributes in one RFC 3161 timestamp", MAX_SIGNED_ATTRIBUTES, attrs.len())?;
        let (mut content_type, mut message_digest, mut ess) = (None, None, None);
        for attr in &attrs {
            expect_tag(Some(attr), Tag::Sequence, "a signed attribute")?;
            let parts = tlvs(attr.value, "a signed attribute")?;
            let [oid, values] = parts.as_slice() else {
                return Err(error::timestamp("a signed attribute is not (type, values)"));
            };
            let oid: Oid = decode(oid.raw, "a signed attribute type")?;
            expect_tag(Some(values), Tag::Set, &format!("signed attribute {oid}'s values"))?;
            let slot = match oid {
                OID_CONTENT_TYPE => &mut content_type,
                OID_MESSAGE_DIGEST => &mut message_digest,
                OID_SIGNING_CERTIFICATE | OID_SIGNING_CERTIFICATE_V2 => &mut ess,
                _ => continue,
            };
            let vals = tlvs(values.value, "a signed attribute's values")?;
            let [value] = vals.as_slice() else {
                return Err(error::timestamp(format!("signed attribute {oid} must have exactly one value")));
            };
            if slot.replace((oid, *value)).is_some() {
                return Err(error::timestamp(format!("signed attribute {oid} appears more than once")));
            }
        }
        let (_, ct_value) =
            content_type.ok_or_else(|| error::timestamp("the signed attributes have no content-type attribute"))?;
        let ct_value: Oid = decode(ct_value.raw, "the content-type attribute")?;
        if ct_value != OID_CT_TST_INFO {
            return Err(error::timestamp(format!(
                "the signed content-type attribute is {ct_value}, expected id-ct-TSTInfo"
            )));
        }
        let (_, md) =
            message_digest.ok_or_else(|| error::timestamp("the signed attributes have no message-digest attribute"))?;
        expect_tag(Some(&md), Tag::OctetString, "the message-digest attribute")?;
        let (ess_oid, ess_value) = ess.ok_or_else(|| {
            error::timestamp("the signed attributes have no ESS signing-certificate attribute (RFC 3161 §2.4.1)")
        })?;
        let ess = EssCertId::parse(ess_value, ess_oid == OID_SIGNING_CERTIFICATE_V2)?;
        Ok(Token {
            tst,
            tst_der,
            certs,
            sid,
            digest_alg,
            signed_attrs: signed.raw,
            message_digest: md.value,
            ess,
            signature_algorithm,
            signature: signature.value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;

    const CASE: &str = "tests/vectors/conformance--rekor2-happy-path";
    /// id-ct-TSTInfo as DER (tag, length, value).
    const TST_INFO_OID: &[u8] = &[0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04];
    /// The content-type attribute's header and type, which open the signed attributes.
    const CONTENT_TYPE_ATTR: &[u8] = &[0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];

    fn read(name: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(CASE).join(name)).unwrap()
    }

    /// The happy-path token, the signature it covers and its trusted root.
    fn fixture() -> (Vec<u8>, Vec<u8>, TrustRoot) {
        let bundle = crate::bundle::Bundle::parse(&read("bundle.sigstore.json")).unwrap();
        let root = TrustRoot::from_json(&read("trusted_root.json")).unwrap();
        (bundle.timestamps[0].clone(), bundle.content.signature().to_vec(), root)
    }

    fn find(hay: &[u8], needle: &[u8], nth: usize) -> usize {
        hay.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle).nth(nth).map(|(i, _)| i).unwrap()
    }

    fn refused(token: &[u8], sig: &[u8], root: &TrustRoot) -> Error {
        match check_all(&[token.to_vec()], sig, root) {
            Err(e) => e,
            Ok(c) => panic!("expected a refusal, got {c:?}"),
        }
    }

    fn assert_refused(token: &[u8], sig: &[u8], root: &TrustRoot, text: &str) {
        let e = refused(token, sig, root);
        assert_eq!(e.status, Status::TimestampInvalid, "{e}");
        assert!(e.message.contains(text), "expected {text:?} in {e}");
        assert_eq!(e.field.as_deref(), Some("verificationMaterial.timestampVerificationData.rfc3161Timestamps[0]"));
    }

    #[test]
    fn happy_token_verifies() {
        let (tok, sig, root) = fixture();
        let times = verify_all(&[tok], &sig, &root).unwrap();
        assert_eq!(times.len(), 1);
        assert_eq!(times[0].utc, "2025-06-12T12:02:20Z");
        assert_eq!(
            times[0].source,
            TimeSource::Timestamp { tsa: "https://timestamp.sigstage.dev/api/v1/timestamp".into() }
        );
        assert_eq!(verify_all(&[], &sig, &root).unwrap(), []);
    }

    #[test]
    fn every_truncation_and_trailing_byte_is_refused() {
        let (tok, sig, root) = fixture();
        for n in 0..tok.len() {
            assert_eq!(refused(&tok[..n], &sig, &root).status, Status::TimestampInvalid, "prefix of {n} bytes");
        }
        let mut longer = tok.clone();
        longer.extend([0x05, 0x00]);
        assert_refused(&longer, &sig, &root, "trailing data");
    }

    /// No single flipped bit panics, and none inside the signed content or the SignerInfo
    /// still verifies. Flips elsewhere may: the response status (granted vs grantedWithMods),
    /// the digestAlgorithms hint set, and an embedded certificate's name or serial (it then no
    /// longer claims to be the signer, and the root's own copy is used). A flip in the signer
    /// identifier names a signer the root does not hold: untrusted, not refused.
    #[test]
    fn single_bit_flips_never_forge() {
        let (tok, sig, root) = fixture();
        // Layout of this token: encapContentInfo at 50, certificates [0] at 247, signerInfos at
        // 782, the signer identifier from 793 to 876.
        assert_eq!((tok[50], tok[247], tok[782], tok[793], tok[876]), (0x30, 0xa0, 0x31, 0x30, 0x30));
        let signed = |i: usize| (50..247).contains(&i) || i >= 782;
        let sid = 793..876;
        for i in 0..tok.len() {
            let mut t = tok.clone();
            t[i] ^= 0x01;
            match verify_all(&[t], &sig, &root) {
                Ok(times) if !times.is_empty() => assert!(!signed(i), "flip at {i} verified: {times:?}"),
                Ok(_) => assert!(sid.contains(&i), "flip at {i} made the token untrusted instead of refused"),
                Err(e) => assert!(matches!(e.status, Status::TimestampInvalid | Status::LimitExceeded), "{e}"),
            }
        }
    }

    #[test]
    fn garbage_is_refused() {
        let (_, sig, root) = fixture();
        for bad in [&[][..], &[0x30, 0x00], &[0x30, 0x80, 0x00, 0x00], &[0x04, 0x01, 0x00], &[0xff; 64]] {
            assert_eq!(refused(bad, &sig, &root).status, Status::TimestampInvalid, "{bad:02x?}");
        }
    }

    #[test]
    fn oversized_token_is_a_limit() {
        let (_, sig, root) = fixture();
        let big = vec![0u8; limits::MAX_TIMESTAMP_BYTES + 1];
        assert_eq!(refused(&big, &sig, &root).status, Status::LimitExceeded);
    }

    #[test]
    fn wrong_encapsulated_content_type() {
        let (mut tok, sig, root) = fixture();
        let at = find(&tok, TST_INFO_OID, 0) + TST_INFO_OID.len() - 1;
        tok[at] = 0x05;
        assert_refused(&tok, &sig, &root, "encapsulated content type is 1.2.840.113549.1.9.16.1.5");
    }

    #[test]
    fn wrong_signed_content_type() {
        let (mut tok, sig, root) = fixture();
        let at = find(&tok, TST_INFO_OID, 1) + TST_INFO_OID.len() - 1;
        tok[at] = 0x05;
        assert_refused(&tok, &sig, &root, "signed content-type attribute is 1.2.840.113549.1.9.16.1.5");
    }

    #[test]
    fn imprint_of_another_signature() {
        let (tok, mut sig, root) = fixture();
        sig[0] ^= 1;
        assert_refused(&tok, &sig, &root, "but the bundle's signature hashes to");
    }

    #[test]
    fn missing_signed_attributes() {
        let (mut tok, sig, root) = fixture();
        let at = find(&tok, CONTENT_TYPE_ATTR, 0) - 3;
        assert_eq!(tok[at], 0xa0);
        tok[at] = 0xa2;
        assert_refused(&tok, &sig, &root, "no signed attributes");
    }

    #[test]
    fn tst_info_changed_after_signing() {
        let (mut tok, sig, root) = fixture();
        // The TSTInfo serial number, 0x559742c7...
        let at = find(&tok, &[0x02, 0x14, 0x55, 0x97, 0x42, 0xc7], 0) + 2;
        tok[at] ^= 1;
        assert_refused(&tok, &sig, &root, "signed message-digest attribute");
    }

    #[test]
    fn signing_certificate_attribute_names_another_certificate() {
        let (mut tok, sig, root) = fixture();
        // First bytes of ESSCertIDv2.certHash.
        let at = find(&tok, &[0x04, 0x20, 0x06, 0xf4, 0xff, 0xe0], 0) + 2;
        tok[at] ^= 1;
        assert_refused(&tok, &sig, &root, "signing-certificate attribute names a certificate");
    }

    #[test]
    fn bad_cms_signature() {
        let (mut tok, sig, root) = fixture();
        let last = tok.len() - 1;
        tok[last] ^= 1;
        assert_refused(&tok, &sig, &root, "CMS signature does not verify");
    }

    /// A token embedding a certificate with the trusted signing certificate's issuer and serial
    /// but other contents is refused, not quietly checked against the root's copy.
    #[test]
    fn impostor_embedded_certificate() {
        let (mut tok, sig, root) = fixture();
        // A byte of the embedded certificate's public key (the SPKI starts at 437).
        assert_eq!(&tok[437..441], &[0x30, 0x76, 0x30, 0x10]);
        tok[500] ^= 1;
        assert_refused(&tok, &sig, &root, "is not that certificate");
    }

    #[test]
    fn refused_response_status() {
        let (mut tok, sig, root) = fixture();
        assert_eq!(&tok[6..9], &[0x02, 0x01, 0x00]);
        tok[8] = 2;
        assert_refused(&tok, &sig, &root, "the TSA refused the request");
    }

    #[test]
    fn bare_content_info_is_not_a_response() {
        let (tok, sig, root) = fixture();
        // TimeStampResp header (4) + PKIStatusInfo (5), then the ContentInfo to the end.
        assert_refused(&tok[9..], &sig, &root, "bare ContentInfo");
    }

    #[test]
    fn duplicates_are_refused() {
        let (tok, sig, root) = fixture();
        let e = check_all(&[tok.clone(), tok.clone()], &sig, &root).unwrap_err();
        assert!(e.message.contains("appears twice"), "{e}");
        assert_eq!(e.field.as_deref(), Some("verificationMaterial.timestampVerificationData.rfc3161Timestamps[1]"));
        // grantedWithMods: other bytes, same signed content, so the same token in disguise.
        let mut disguised = tok.clone();
        disguised[8] = 1;
        assert_eq!(verify_all(&[disguised.clone()], &sig, &root).unwrap().len(), 1);
        let e = check_all(&[tok, disguised], &sig, &root).unwrap_err();
        assert!(e.message.contains("same serial number"), "{e}");
    }

    #[test]
    fn no_trusted_tsa_means_untrusted() {
        let (tok, sig, _) = fixture();
        let mut json: serde_json::Value = serde_json::from_slice(&read("trusted_root.json")).unwrap();
        json["timestampAuthorities"] = serde_json::json!([]);
        let root = TrustRoot::from_json(json.to_string().as_bytes()).unwrap();
        let checked = check_all(std::slice::from_ref(&tok), &sig, &root).unwrap();
        assert!(
            matches!(&checked[..], [Checked::Untrusted(e)] if e.message.contains("serial 0a35a106")),
            "{checked:?}"
        );
        // An untrusted token is not judged: not even whether it covers this signature.
        assert_eq!(verify_all(&[tok], b"another signature", &root).unwrap(), []);
    }

    #[test]
    fn broken_tsa_chain_refuses_the_root() {
        let mut json: serde_json::Value = serde_json::from_slice(&read("trusted_root.json")).unwrap();
        json["timestampAuthorities"][0]["certChain"]["certificates"].as_array_mut().unwrap().reverse();
        let e = TrustRoot::from_json(json.to_string().as_bytes()).unwrap_err();
        assert_eq!(e.status, Status::TrustedRootInvalid);
        assert!(e.message.contains("timestampAuthorities[0] chain is broken"), "{e}");
    }

    #[test]
    fn validity_windows_are_inclusive() {
        let (tok, sig, _) = fixture();
        let at = "2025-06-12T12:02:20Z";
        for (start, end, ok) in [
            (at, "2030-01-01T00:00:00Z", true),
            ("2025-01-01T00:00:00Z", at, true),
            ("2025-06-12T12:02:21Z", "2030-01-01T00:00:00Z", false),
            ("2025-01-01T00:00:00Z", "2025-06-12T12:02:19Z", false),
        ] {
            let mut json: serde_json::Value = serde_json::from_slice(&read("trusted_root.json")).unwrap();
            json["timestampAuthorities"][0]["validFor"] = serde_json::json!({"start": start, "end": end});
            let root = TrustRoot::from_json(json.to_string().as_bytes()).unwrap();
            match verify_all(std::slice::from_ref(&tok), &sig, &root) {
                Ok(t) => assert!(ok && t.len() == 1, "{start}..{end}"),
                Err(e) => assert!(!ok && e.message.contains("trusted root's validity window"), "{start}..{end}: {e}"),
            }
        }
    }

    #[test]
    fn gen_time_forms() {
        let t = |s: &str| GenTime(s.as_bytes().to_vec()).unix().ok();
        assert_eq!(t("20250612120220Z"), Some(1749729740));
        assert_eq!(t("20250612120220.5Z"), Some(1749729740));
        assert_eq!(t("20250612120220.999999Z"), Some(1749729740));
        assert_eq!(t("19700101000000Z"), Some(0));
        for bad in [
            "",
            "20250612120220",
            "20250612120220.Z",
            "2025061212022Z",
            "20250230120000Z",
            "20251312120000Z",
            "20250612120260Z",
            "20250612120220+0100",
            "2025O612120220Z",
            "20250612120220Zx",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
    }
}
