//! Parsing a `TimeStampResp` into its token: bounded DER walking that keeps the exact signed bytes.

use super::check::*;
use crate::error::{self, Result};
use crate::limits;
use crate::time::days_from_civil;
use crate::trust::keys::HashAlgorithm;
use der::asn1::{Int, ObjectIdentifier as Oid, OctetString};
use der::{Decode, DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, SliceReader, Tag};
use x509_cert::spki::AlgorithmIdentifierOwned;

pub(super) const OID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
pub(super) const OID_CT_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
pub(super) const OID_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
pub(super) const OID_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
pub(super) const OID_SIGNING_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
pub(super) const OID_SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
pub(super) const OID_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
pub(super) const OID_SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
pub(super) const OID_SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
pub(super) const OID_BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
pub(super) const OID_SUBJECT_KEY_ID: Oid = Oid::new_unwrap("2.5.29.14");

/// Most signed attributes read from one `SignerInfo` (a TSA sends four or five).
pub(super) const MAX_SIGNED_ATTRIBUTES: usize = 32;

// ---------------------------------------------------------------------------------------------
// Parsing. Untrusted bytes are walked with der's bounded reader; the signed attributes and the
// embedded certificates are kept as the exact bytes received, because the signature covers
// those bytes and re-encoding could differ. SET OF contents are never decoded into der's
// sorted sets (its sort is quadratic), only walked.

/// One TLV: its tag, its content octets and its complete encoding.
#[derive(Clone, Copy)]
pub(super) struct Tlv<'a> {
    pub(super) tag: Tag,
    pub(super) value: &'a [u8],
    pub(super) raw: &'a [u8],
}

/// Splits `bytes` into consecutive TLVs.
pub(super) fn tlvs<'a>(bytes: &'a [u8], what: &str) -> Result<Vec<Tlv<'a>>> {
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
pub(super) fn single<'a>(bytes: &'a [u8], tag: Tag, what: &str) -> Result<Tlv<'a>> {
    match tlvs(bytes, what)?.as_slice() {
        [t] if t.tag == tag => Ok(*t),
        [t] => Err(error::timestamp(format!("{what} should be a {tag}, found a {}", t.tag))),
        [] => Err(error::timestamp(format!("{what} is empty"))),
        _ => Err(error::timestamp(format!("{what} has trailing data"))),
    }
}

pub(super) fn expect_tag(t: Option<&Tlv<'_>>, tag: Tag, what: &str) -> Result<()> {
    match t {
        Some(t) if t.tag == tag => Ok(()),
        Some(t) => Err(error::timestamp(format!("{what} should be a {tag}, found a {}", t.tag))),
        None => Err(error::timestamp(format!("{what} is missing"))),
    }
}

pub(super) fn decode<'a, T: Decode<'a>>(bytes: &'a [u8], what: &str) -> Result<T> {
    T::from_der(bytes).map_err(|e| error::timestamp(format!("{what} is malformed: {e}")))
}

pub(super) fn context(n: u8, constructed: bool) -> Tag {
    // Context tags 0 and 1 are all CMS and RFC 3161 use here.
    let number = if n == 0 { der::TagNumber::N0 } else { der::TagNumber::N1 };
    Tag::ContextSpecific { constructed, number }
}

/// `PKIStatusInfo` (RFC 3161 §2.4.2); only `status` is used.
#[derive(Sequence)]
pub(super) struct PkiStatusInfo {
    pub(super) status: Int,
    #[asn1(optional = "true")]
    pub(super) status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    pub(super) fail_info: Option<der::asn1::BitString>,
}

/// `MessageImprint` (RFC 3161 §2.4.1).
#[derive(Sequence)]
pub(super) struct MessageImprint {
    pub(super) hash_algorithm: AlgorithmIdentifierOwned,
    pub(super) hashed_message: OctetString,
}

/// `Accuracy` (RFC 3161 §2.4.2); parsed for well-formedness only.
#[derive(Sequence)]
pub(super) struct Accuracy {
    #[asn1(optional = "true")]
    pub(super) seconds: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub(super) millis: Option<Int>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub(super) micros: Option<Int>,
}

/// `TSTInfo` (RFC 3161 §2.4.2).
#[derive(Sequence)]
pub(super) struct TstInfo {
    pub(super) version: Int,
    pub(super) policy: Oid,
    pub(super) message_imprint: MessageImprint,
    pub(super) serial_number: Int,
    pub(super) gen_time: GenTime,
    #[asn1(optional = "true")]
    pub(super) accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    pub(super) ordering: bool,
    #[asn1(optional = "true")]
    pub(super) nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub(super) tsa: Option<der::Any>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub(super) extensions: Option<Vec<x509_cert::ext::Extension>>,
}

/// A `GeneralizedTime` as RFC 3161 allows it: `YYYYMMDDhhmmss[.f*]Z`. der's own type refuses
/// fractional seconds, which TSAs may send.
#[derive(Clone, Debug)]
pub(super) struct GenTime(pub(super) Vec<u8>);

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
    pub(super) fn unix(&self) -> Result<i64> {
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
pub(super) struct EssCertId {
    /// `None` for the SHA-1 of version 1.
    pub(super) alg: Option<HashAlgorithm>,
    pub(super) hash: Vec<u8>,
}

impl EssCertId {
    pub(super) fn parse(attr_value: Tlv<'_>, v2: bool) -> Result<EssCertId> {
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

    pub(super) fn check(&self, cert_der: &[u8]) -> Result<()> {
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
pub(super) struct Token<'a> {
    pub(super) tst: TstInfo,
    /// The `TSTInfo` DER exactly as encapsulated (the message-digest attribute covers it).
    pub(super) tst_der: &'a [u8],
    /// Embedded certificates, exactly as received, with their identifiers.
    pub(super) certs: Vec<(&'a [u8], CertIds<'a>)>,
    pub(super) sid: Sid<'a>,
    pub(super) digest_alg: HashAlgorithm,
    /// The `[0] IMPLICIT` signed attributes, exactly as received.
    pub(super) signed_attrs: &'a [u8],
    pub(super) message_digest: &'a [u8],
    pub(super) ess: EssCertId,
    pub(super) signature_algorithm: AlgorithmIdentifierOwned,
    pub(super) signature: &'a [u8],
}

impl<'a> Token<'a> {
    pub(super) fn parse(bytes: &'a [u8]) -> Result<Token<'a>> {
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
