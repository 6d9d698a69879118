//! A virtual RFC 3161 timestamp authority: a P-384 root, a P-256 signing certificate with the
//! critical `id-kp-timeStamping` EKU (RFC 3161 §2.3), and `TimeStampResp`s (RFC 3161 §2.4.2:
//! status granted + a `TimeStampToken`, a CMS SignedData over a TSTInfo, RFC 5652 §5) whose
//! message imprint is the SHA-256 of the bundle's signature. protobuf-specs'
//! `RFC3161SignedTimestamp.signedTimestamp` holds the whole response, not the bare token.
//!
//! The DER is written out by hand: the structures are small and fixed, and spelling them here
//! keeps the test support independent of the CMS code the verifier uses.

use super::virtual_sigstore::{Key, VALID_FROM, VALID_UNTIL, sha256};
use der::Encode as _;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, IsCa, Issuer, KeyUsagePurpose,
    SerialNumber,
};

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
/// The TSA policy written in every TSTInfo (under the RFC 5612 example enterprise number).
pub const TSA_POLICY_OID: &str = "1.3.6.1.4.1.32473.2.1";
/// The TSA's URI in the trusted root.
pub const TSA_URL: &str = "https://tsa.virtual.test";

/// One DER TLV.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n.to_be_bytes().iter().copied().skip_while(|&b| b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

fn set_of(mut parts: Vec<Vec<u8>>) -> Vec<u8> {
    // DER: SET OF elements sorted by their encodings.
    parts.sort();
    tlv(0x31, &parts.concat())
}

fn oid(dotted: &str) -> Vec<u8> {
    der::asn1::ObjectIdentifier::new_unwrap(dotted).to_der().expect("OID")
}

fn int(v: u64) -> Vec<u8> {
    let mut b: Vec<u8> = v.to_be_bytes().iter().copied().skip_while(|&x| x == 0).collect();
    if b.first().is_none_or(|&x| x & 0x80 != 0) {
        b.insert(0, 0);
    }
    tlv(0x02, &b)
}

fn octets(b: &[u8]) -> Vec<u8> {
    tlv(0x04, b)
}

fn alg(dotted: &str) -> Vec<u8> {
    seq(&[&oid(dotted)])
}

fn generalized_time(unix: i64) -> Vec<u8> {
    let s = super::virtual_sigstore::rfc3339(unix); // 2025-06-15T16:26:40Z
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
    tlv(0x18, format!("{digits}Z").as_bytes())
}

fn attribute(kind: &str, value: Vec<u8>) -> Vec<u8> {
    seq(&[&oid(kind), &set_of(vec![value])])
}

/// What to get wrong in a token.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokenFaults {
    /// Sign with a key other than the TSA certificate's.
    pub wrong_key: bool,
    /// Timestamp some other signature.
    pub other_imprint: bool,
}

/// The timestamp authority.
pub struct Tsa {
    /// The TSA root key.
    pub root_key: Key,
    /// The TSA root certificate, DER.
    pub root_der: Vec<u8>,
    /// The signing key.
    pub key: Key,
    /// The signing certificate, DER.
    pub cert_der: Vec<u8>,
    /// A key that is not the TSA's.
    stranger: Key,
}

impl Default for Tsa {
    fn default() -> Self {
        Self::new()
    }
}

impl Tsa {
    /// A fresh TSA.
    pub fn new() -> Tsa {
        let root_key = Key::p384();
        let mut root = CertificateParams::default();
        root.distinguished_name = DistinguishedName::new();
        root.distinguished_name.push(DnType::OrganizationName, "virtual-sigstore.test");
        root.distinguished_name.push(DnType::CommonName, "virtual tsa root");
        root.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        root.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        root.serial_number = Some(SerialNumber::from_slice(&[0x02, 0x01]));
        super::virtual_sigstore::set_validity(&mut root, VALID_FROM, VALID_UNTIL);
        let root_der = root.self_signed(root_key.rcgen()).expect("TSA root").der().to_vec();

        let key = Key::p256();
        let mut leaf = CertificateParams::default();
        leaf.distinguished_name = DistinguishedName::new();
        leaf.distinguished_name.push(DnType::OrganizationName, "virtual-sigstore.test");
        leaf.distinguished_name.push(DnType::CommonName, "virtual tsa");
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.use_authority_key_identifier_extension = true;
        leaf.serial_number = Some(SerialNumber::from_slice(&[0x02, 0x02]));
        super::virtual_sigstore::set_validity(&mut leaf, VALID_FROM, VALID_UNTIL);
        // RFC 3161 §2.3: exactly id-kp-timeStamping, and critical (rcgen writes EKU non-critical).
        let mut eku = CustomExtension::from_oid_content(&[2, 5, 29, 37], seq(&[&oid("1.3.6.1.5.5.7.3.8")]));
        eku.set_criticality(true);
        leaf.custom_extensions.push(eku);
        let issuer = Issuer::from_params(&root, root_key.rcgen());
        let cert_der = leaf.signed_by(key.rcgen(), &issuer).expect("TSA certificate").der().to_vec();
        Tsa { root_key, root_der, key, cert_der, stranger: Key::p256() }
    }

    /// A DER `TimeStampResp` (status granted) whose token covers `signature` (its SHA-256 is
    /// the message imprint) at `time`.
    pub fn response(&self, signature: &[u8], time: i64, serial: u64, faults: TokenFaults) -> Vec<u8> {
        let imprint = if faults.other_imprint { sha256(b"another signature") } else { sha256(signature) };
        let tst_info = seq(&[
            &int(1),
            &oid(TSA_POLICY_OID),
            &seq(&[&alg(OID_SHA256), &octets(&imprint)]),
            &int(serial),
            &generalized_time(time),
        ]);

        let cert = {
            use der::Decode as _;
            x509_cert::Certificate::from_der(&self.cert_der).expect("TSA certificate parses")
        };
        let issuer_and_serial = seq(&[
            &cert.tbs_certificate.issuer.to_der().expect("issuer"),
            &cert.tbs_certificate.serial_number.to_der().expect("serial"),
        ]);
        // ESSCertIDv2 with the default hash algorithm (SHA-256) omitted, as DER requires.
        let signing_cert = seq(&[&seq(&[&seq(&[&octets(&sha256(&self.cert_der))])])]);
        let attrs = vec![
            attribute(OID_CONTENT_TYPE, oid(OID_TST_INFO)),
            attribute(OID_MESSAGE_DIGEST, octets(&sha256(&tst_info))),
            attribute(OID_SIGNING_CERTIFICATE_V2, signing_cert),
        ];
        // RFC 5652 §5.4: the signature covers the DER of the attributes as a SET OF, and the
        // SignerInfo carries the same bytes under the [0] IMPLICIT tag.
        let signed_attrs = set_of(attrs);
        let key = if faults.wrong_key { &self.stranger } else { &self.key };
        let signature = key.sign(&signed_attrs);
        let mut implicit_attrs = signed_attrs.clone();
        implicit_attrs[0] = 0xa0;
        let signer_info = seq(&[
            &int(1),
            &issuer_and_serial,
            &alg(OID_SHA256),
            &implicit_attrs,
            &alg(OID_ECDSA_SHA256),
            &octets(&signature),
        ]);
        let signed_data = seq(&[
            &int(3),
            &set_of(vec![alg(OID_SHA256)]),
            &seq(&[&oid(OID_TST_INFO), &tlv(0xa0, &octets(&tst_info))]),
            &tlv(0xa0, &self.cert_der),
            &set_of(vec![signer_info]),
        ]);
        let token = seq(&[&oid(OID_SIGNED_DATA), &tlv(0xa0, &signed_data)]);
        seq(&[&seq(&[&int(0)]), &token])
    }
}
