//! A virtual Sigstore: a Fulcio-like CA, a CT log and a Rekor-v1-like log, all in memory, that
//! mint v0.3 bundles the verifier must accept (and, on request, bundles broken in one precise way).
//!
//! Real domain-separated bundles barely exist, so tests mint their own: any SAN, any Fulcio
//! claim, any extra certificate extension (a domains extension under a test OID, say), any
//! in-toto statement, any signing time. Formats follow the public specs, not the verifier:
//! - certificates: RFC 5280 via rcgen; Fulcio claims under 1.3.6.1.4.1.57264.1.N (raw bytes for
//!   N <= 6, DER UTF8String from N = 8);
//! - the embedded SCT: RFC 6962 §3.2, signed over the precertificate TBS (the final TBS without
//!   the SCT extension) and the SHA-256 of the issuer's SPKI;
//! - log entries: Rekor `hashedrekord` 0.0.1 and `dsse` 0.0.1 canonicalized bodies; the SET over
//!   the canonical JSON `{body, integratedTime, logID (hex), logIndex}`; an RFC 6962 inclusion
//!   proof; a C2SP signed-note checkpoint whose ECDSA key hint is the first 4 bytes of the log ID.

use super::merkle::{self, Tree};
use super::tsa::{TSA_URL, TokenFaults, Tsa};
use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, EcdsaSigningAlgorithm,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use der::Encode as _;
use rcgen::string::Ia5String;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyUsagePurpose, PublicKeyData as _, SanType, SerialNumber,
};
use serde_json::{Value, json};

/// The v0.3 bundle media type minted.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The trusted-root media type emitted.
pub const TRUSTED_ROOT_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
/// DSSE payload type for in-toto statements.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// The Fulcio CA's URI in the trusted root.
pub const FULCIO_URL: &str = "https://fulcio.virtual.test";
/// The Rekor log's base URL in the trusted root.
pub const REKOR_URL: &str = "https://rekor.virtual.test";
/// The Rekor log's checkpoint key name (its host, as Rekor v1 names itself in notes).
pub const REKOR_NAME: &str = "rekor.virtual.test";
/// The CT log's base URL in the trusted root.
pub const CTLOG_URL: &str = "https://ctfe.virtual.test/test";
/// Default OIDC issuer written in the certificate (claim .1.8).
pub const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// Default SAN (a GitHub Actions workflow identity).
pub const DEFAULT_SAN: &str = "https://github.com/example/project/.github/workflows/release.yml@refs/tags/v1.0.0";
/// Default signing time: 2025-06-15T16:26:40Z. Fixed so tests are reproducible.
pub const DEFAULT_SIGNING_TIME: i64 = 1_750_004_800;
/// Start of every virtual key's and CA's validity: 2020-01-01T00:00:00Z.
pub const VALID_FROM: i64 = 1_577_836_800;
/// End of the CA certificates' validity: 2040-01-01T00:00:00Z.
pub const VALID_UNTIL: i64 = 2_208_988_800;
/// How long a leaf is valid (Fulcio issues 10-minute certificates).
pub const LEAF_LIFETIME: i64 = 600;
/// A test OID for the proposed domains certificate extension (fulcio#1131). It sits under the
/// IANA example enterprise number 32473 (RFC 5612), so no real OID is squatted.
pub const TEST_DOMAINS_OID: &str = "1.3.6.1.4.1.32473.1.1";
/// The Fulcio extension arc.
pub const FULCIO_ARC: &str = "1.3.6.1.4.1.57264.1";
/// npm publish attestation v0.1 predicate type.
pub const NPM_PUBLISH_V0_1: &str = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1";
/// conda CEP 27 publish attestation predicate type.
pub const CONDA_PUBLISH_V1: &str = "https://schemas.conda.org/attestations-publish-1.schema.json";
/// The embedded SCT list extension.
const OID_SCT_LIST: &str = "1.3.6.1.4.1.11129.2.4.2";

/// Standard base64 with padding (protobuf JSON `bytes`).
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard base64; panics on bad input (test data only).
pub fn unb64(s: &str) -> Vec<u8> {
    STANDARD.decode(s).expect("test data is valid base64")
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, bytes).as_ref());
    out
}

/// RFC 3339 UTC for Unix seconds (`2025-06-15T16:26:40Z`).
pub fn rfc3339(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Civil-from-days (Hinnant), written out here so the test support shares no code with the
    // verifier it checks.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// RFC 8785-style canonical JSON for the values Rekor writes (objects with sorted keys, no
/// whitespace; strings and integers as serde_json prints them).
pub fn canonical_json(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> =
                keys.iter().map(|k| format!("{}:{}", Value::String((*k).clone()), canonical_json(&m[*k]))).collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!("[{}]", a.iter().map(canonical_json).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// A PEM `CERTIFICATE` block with 64-column lines and a trailing newline, as Sigstore clients
/// write certificates into Rekor entries.
pub fn pem_certificate(der: &[u8]) -> String {
    let body = b64(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn oid_arcs(dotted: &str) -> Vec<u64> {
    dotted.split('.').map(|a| a.parse().expect("dotted OID")).collect()
}

/// An ECDSA key usable both by rcgen (certificates) and directly through aws-lc-rs.
pub struct Key {
    rc: rcgen::KeyPair,
    ecdsa: EcdsaKeyPair,
}

impl Key {
    fn generate(alg: &'static EcdsaSigningAlgorithm) -> Key {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new()).expect("key generation");
        let ecdsa = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref()).expect("own key parses");
        let rc = rcgen::KeyPair::try_from(pkcs8.as_ref()).expect("rcgen takes the key");
        Key { rc, ecdsa }
    }

    /// A fresh P-256 key (ECDSA with SHA-256).
    pub fn p256() -> Key {
        Key::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
    }

    /// A fresh P-384 key (ECDSA with SHA-384).
    pub fn p384() -> Key {
        Key::generate(&ECDSA_P384_SHA384_ASN1_SIGNING)
    }

    /// DER SubjectPublicKeyInfo.
    pub fn spki(&self) -> Vec<u8> {
        self.rc.subject_public_key_info()
    }

    /// SHA-256 of the SPKI: the Sigstore key ID / log ID.
    pub fn key_id(&self) -> [u8; 32] {
        sha256(&self.spki())
    }

    /// An ASN.1 DER ECDSA signature over `msg`.
    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        self.ecdsa.sign(&SystemRandom::new(), msg).expect("signing").as_ref().to_vec()
    }

    /// The key as rcgen uses it to sign certificates.
    pub fn rcgen(&self) -> &rcgen::KeyPair {
        &self.rc
    }

    /// PEM `PUBLIC KEY` block.
    pub fn public_pem(&self) -> String {
        self.rc.public_key_pem()
    }
}

/// A two-level CA like Fulcio's: a self-signed P-384 root and a P-384 intermediate that issues
/// leaves ([`Ca::with_shape`] makes deeper ones, or one whose root is not a CA).
pub struct Ca {
    /// The root key.
    pub root_key: Key,
    /// The root certificate, DER.
    pub root_der: Vec<u8>,
    /// CA certificates between the root and the issuing intermediate, DER, root side first
    /// (none for the default two-level CA).
    pub middle_ders: Vec<Vec<u8>>,
    /// The intermediate's key.
    pub intermediate_key: Key,
    intermediate_params: CertificateParams,
    /// The intermediate certificate, DER.
    pub intermediate_der: Vec<u8>,
}

/// Sets a certificate's validity window from Unix seconds.
pub fn set_validity(p: &mut CertificateParams, not_before: i64, not_after: i64) {
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    p.not_before = epoch + std::time::Duration::from_secs(not_before.max(0) as u64);
    p.not_after = epoch + std::time::Duration::from_secs(not_after.max(0) as u64);
}

impl Ca {
    /// A new CA whose certificates are named after `name`.
    pub fn new(name: &str) -> Ca {
        Ca::with_shape(name, 0, true)
    }

    /// A CA with `middle` more CA certificates between the root and the issuing intermediate
    /// (each issued by the one above it), and a root whose basicConstraints says cA false when
    /// `root_is_ca` is false (it still signs the next certificate).
    pub fn with_shape(name: &str, middle: usize, root_is_ca: bool) -> Ca {
        Ca::build(name, middle, root_is_ca, None, None)
    }

    /// [`Ca::with_shape`] with the certificate at `level` (0 the root, then the middle ones, the
    /// issuing intermediate last) expired a day before [`DEFAULT_SIGNING_TIME`].
    pub fn with_expired(name: &str, middle: usize, level: usize) -> Ca {
        Ca::build(name, middle, true, Some(level), None)
    }

    /// A three-level CA whose middle certificate's pathLenConstraint is `path_len` (1 lets it
    /// issue the issuing intermediate, 0 does not).
    pub fn with_middle_path_len(name: &str, path_len: u8) -> Ca {
        Ca::build(name, 1, true, None, Some(path_len))
    }

    fn build(name: &str, middle: usize, root_is_ca: bool, expired: Option<usize>, middle_path_len: Option<u8>) -> Ca {
        let ca_params = |cn: String, path_len: usize, serial: u8| {
            let mut p = CertificateParams::default();
            p.distinguished_name = DistinguishedName::new();
            p.distinguished_name.push(DnType::OrganizationName, "virtual-sigstore.test");
            p.distinguished_name.push(DnType::CommonName, cn);
            p.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len as u8));
            p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            p.serial_number = Some(SerialNumber::from_slice(&[0x01, serial]));
            let level = match serial {
                0x01 => 0,
                0x02 => middle + 1,
                s => usize::from(s) - 2,
            };
            let until = if expired == Some(level) { DEFAULT_SIGNING_TIME - 86_400 } else { VALID_UNTIL };
            set_validity(&mut p, VALID_FROM, until);
            p
        };
        let root_key = Key::p384();
        let mut root = ca_params(format!("{name} root"), middle + 1, 0x01);
        if !root_is_ca {
            root.is_ca = IsCa::ExplicitNoCa;
        }
        let root_der = root.self_signed(&root_key.rc).expect("root certificate").der().to_vec();

        // Each CA below the root carries code signing in its EKU, as Fulcio's intermediate does.
        let mut middles: Vec<(CertificateParams, Key)> = (0..middle)
            .map(|m| {
                let mut p = ca_params(format!("{name} middle {m}"), middle - m, 0x03 + m as u8);
                if let Some(len) = middle_path_len {
                    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(len));
                }
                p.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
                p.use_authority_key_identifier_extension = true;
                (p, Key::p384())
            })
            .collect();
        let intermediate_key = Key::p384();
        let mut inter = ca_params(format!("{name} intermediate"), 0, 0x02);
        inter.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
        inter.use_authority_key_identifier_extension = true;
        middles.push((inter, intermediate_key));
        let mut ders = Vec::new();
        for k in 0..middles.len() {
            let issuer = match k {
                0 => Issuer::from_params(&root, &root_key.rc),
                _ => Issuer::from_params(&middles[k - 1].0, &middles[k - 1].1.rc),
            };
            let (p, key) = &middles[k];
            ders.push(p.signed_by(&key.rc, &issuer).expect("CA certificate").der().to_vec());
        }
        let intermediate_der = ders.pop().expect("an intermediate");
        let (inter, intermediate_key) = middles.pop().expect("an intermediate");
        let middle_ders = ders;
        Ca { root_key, root_der, middle_ders, intermediate_key, intermediate_params: inter, intermediate_der }
    }

    fn issuer(&self) -> Issuer<'_, &rcgen::KeyPair> {
        Issuer::from_params(&self.intermediate_params, &self.intermediate_key.rc)
    }
}

/// One way to break a minted bundle while keeping everything else valid (re-signed as needed),
/// so each verifier check has a bundle that only that check refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The leaf is issued by a CA the trusted root does not name.
    UntrustedCa,
    /// The leaf carries no SCT extension.
    NoSct,
    /// The SCT is signed by a key other than the CT log's.
    SctWrongKey,
    /// The SCT comes from a CT log the trusted root does not know (its ID and key).
    SctUnknownLog,
    /// The SCT binds the precertificate to another issuer key (wrong `issuer_key_hash`).
    SctWrongIssuerKeyHash,
    /// The message signature or DSSE signature is made by a key other than the certificate's.
    SignatureWrongKey,
    /// The integrated time falls after the leaf's notAfter.
    IntegratedAfterExpiry,
    /// The SET is signed by a key other than the log's.
    SetWrongKey,
    /// The SET signs another log index than the entry's.
    SetOtherIndex,
    /// The checkpoint is signed by a key other than the log's (key hint still the log's).
    CheckpointWrongKey,
    /// The checkpoint signature line carries a key hint that is not the log's.
    CheckpointBadKeyHint,
    /// The checkpoint commits to another root hash than the inclusion proof's (and the proof's
    /// `rootHash` is the real one).
    CheckpointOtherRoot,
    /// The log body names another artifact digest (hashedrekord) or payload hash (dsse); the SET
    /// and proof are valid over that body.
    BodyOtherDigest,
    /// The log body names another signature; SET and proof valid over it.
    BodyOtherSignature,
    /// The log body names another certificate; SET and proof valid over it.
    BodyOtherCertificate,
    /// The RFC 3161 timestamp is signed by a key other than the TSA certificate's.
    TimestampWrongKey,
    /// The RFC 3161 timestamp's message imprint is not the hash of the bundle's signature.
    TimestampOtherImprint,
    /// The RFC 3161 timestamp comes from a TSA the trusted root does not name.
    TimestampUntrustedTsa,
}

/// What gets signed.
#[derive(Clone, Debug)]
pub enum Content {
    /// A message signature over these artifact bytes (hashedrekord entry).
    Message(Vec<u8>),
    /// A DSSE envelope over this payload (dsse 0.0.1 entry).
    Dsse {
        /// DSSE payload type.
        payload_type: String,
        /// The payload bytes.
        payload: Vec<u8>,
    },
}

/// The subject alternative name of a leaf.
#[derive(Clone, Debug)]
pub enum San {
    /// A URI SAN (CI workflow identities).
    Uri(String),
    /// An e-mail SAN.
    Email(String),
}

impl San {
    /// The SAN's value.
    pub fn value(&self) -> &str {
        match self {
            San::Uri(s) | San::Email(s) => s,
        }
    }
}

/// An in-toto Statement v1 under construction.
#[derive(Clone, Debug)]
pub struct Statement {
    /// `_type`.
    pub statement_type: String,
    /// `subject` entries (`{name, digest}` objects).
    pub subjects: Vec<Value>,
    /// `predicateType`.
    pub predicate_type: String,
    /// `predicate` (omitted when `Null`).
    pub predicate: Value,
}

impl Statement {
    /// A Statement v1 with this predicate type and no subjects yet.
    pub fn new(predicate_type: &str) -> Statement {
        Statement {
            statement_type: STATEMENT_V1.to_owned(),
            subjects: Vec::new(),
            predicate_type: predicate_type.to_owned(),
            predicate: Value::Null,
        }
    }

    /// Adds a subject named `name` with the SHA-256 of `artifact`.
    pub fn subject(self, name: &str, artifact: &[u8]) -> Statement {
        self.subject_digest(name, "sha256", &hex(&sha256(artifact)))
    }

    /// Adds a subject with an explicit digest.
    pub fn subject_digest(mut self, name: &str, algorithm: &str, hex_value: &str) -> Statement {
        self.subjects.push(json!({"name": name, "digest": {algorithm: hex_value}}));
        self
    }

    /// Sets the predicate.
    pub fn predicate(mut self, predicate: Value) -> Statement {
        self.predicate = predicate;
        self
    }

    /// The statement as JSON.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "_type": self.statement_type,
            "subject": self.subjects,
            "predicateType": self.predicate_type,
        });
        if !self.predicate.is_null() {
            v["predicate"] = self.predicate.clone();
        }
        v
    }

    /// The DSSE payload bytes.
    pub fn payload(&self) -> Vec<u8> {
        serde_json::to_vec(&self.to_json()).expect("statement serialises")
    }
}

/// Predicates that carry signed domains, for the domain-separation tests.
pub mod predicates {
    use super::*;

    /// An npm publish attestation v0.1 statement for `name@version` (subject purl with `%40`
    /// scope encoding) published to `registry`.
    pub fn npm_publish(name: &str, version: &str, registry: &str, tarball: &[u8]) -> Statement {
        let purl = format!("pkg:npm/{}@{version}", name.replace('@', "%40"));
        Statement::new(NPM_PUBLISH_V0_1).subject_digest(&purl, "sha512", &sha512_hex(tarball)).predicate(json!({
            "name": name,
            "version": version,
            "registry": registry,
        }))
    }

    /// A conda CEP 27 publish attestation for `filename` targeting `channel`.
    pub fn conda_publish(filename: &str, artifact: &[u8], channel: &str) -> Statement {
        Statement::new(CONDA_PUBLISH_V1).subject(filename, artifact).predicate(json!({"targetChannel": channel}))
    }

    /// A release predicate `{domains, name, version}` under `predicate_type`.
    pub fn release(
        predicate_type: &str,
        filename: &str,
        artifact: &[u8],
        name: &str,
        version: &str,
        domains: &[&str],
    ) -> Statement {
        Statement::new(predicate_type)
            .subject(filename, artifact)
            .predicate(json!({"domains": domains, "name": name, "version": version}))
    }

    /// `Domains ::= SEQUENCE OF OCTET STRING` (fulcio#1131), DER.
    pub fn domains_extension(domains: &[&str]) -> Vec<u8> {
        let items: Vec<der::asn1::OctetString> =
            domains.iter().map(|d| der::asn1::OctetString::new(d.as_bytes()).expect("octet string")).collect();
        items.to_der().expect("SEQUENCE OF OCTET STRING")
    }

    fn sha512_hex(bytes: &[u8]) -> String {
        hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, bytes).as_ref())
    }
}

/// A Rekor-v1-like log: a key, a Merkle tree, and the shard offset between global and tree-local
/// indexes (as on the public log, where the two differ).
pub struct Log {
    /// The log's key (P-256).
    pub key: Key,
    /// The tree.
    pub tree: Tree,
    /// Added to the tree-local index to give the global `logIndex`.
    pub shard_offset: i64,
    /// The checkpoint origin line (`<host> - <tree id>`).
    pub origin: String,
    /// Filler entries appended after each minted entry, so proofs are not always for the last leaf.
    pub trailing_entries: usize,
}

impl Log {
    fn filler(&mut self) {
        let n = self.tree.size();
        self.tree.push(format!("virtual filler entry {n}").as_bytes());
    }
}

/// The virtual Sigstore: CA, CT log, Rekor log, and the clock-free knobs to mint bundles.
pub struct VirtualSigstore {
    /// The trusted Fulcio-like CA.
    pub ca: Ca,
    /// A CA nobody trusts (for [`Fault::UntrustedCa`]).
    pub rogue_ca: Ca,
    /// The CT log key (P-256).
    pub ctlog_key: Key,
    /// The Rekor log.
    pub rekor: Log,
    /// The RFC 3161 timestamp authority.
    pub tsa: Tsa,
    /// A TSA nobody trusts (for [`Fault::TimestampUntrustedTsa`]).
    pub rogue_tsa: Tsa,
    /// A managed signing key (like the npm registry's), for bundles with `publicKey` material;
    /// policies name it with [`VirtualSigstore::key_policy`].
    pub managed_key: Key,
    /// A key no trusted root names, for faults that need "someone else's" signature.
    pub stranger: Key,
}

impl Default for VirtualSigstore {
    fn default() -> Self {
        Self::new()
    }
}

impl VirtualSigstore {
    /// A fresh instance with new keys.
    pub fn new() -> VirtualSigstore {
        let mut rekor = Log {
            key: Key::p256(),
            tree: Tree::default(),
            shard_offset: 1_000,
            origin: format!("{REKOR_NAME} - 4242424242424242424"),
            trailing_entries: 2,
        };
        for _ in 0..5 {
            rekor.filler();
        }
        VirtualSigstore {
            ca: Ca::new("virtual fulcio"),
            rogue_ca: Ca::new("rogue fulcio"),
            ctlog_key: Key::p256(),
            rekor,
            tsa: Tsa::new(),
            rogue_tsa: Tsa::new(),
            managed_key: Key::p256(),
            stranger: Key::p256(),
        }
    }

    /// The trusted root naming the CA, the CT log and the Rekor log (protobuf-specs TrustedRoot).
    pub fn trusted_root(&self) -> Value {
        let key = |k: &Key| {
            json!({
                "rawBytes": b64(&k.spki()),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": {"start": rfc3339(VALID_FROM)},
            })
        };
        json!({
            "mediaType": TRUSTED_ROOT_MEDIA_TYPE,
            "tlogs": [{
                "baseUrl": REKOR_URL,
                "hashAlgorithm": "SHA2_256",
                "publicKey": key(&self.rekor.key),
                "logId": {"keyId": b64(&self.rekor.key.key_id())},
            }],
            "certificateAuthorities": [{
                "subject": {"organization": "virtual-sigstore.test", "commonName": "virtual fulcio"},
                "uri": FULCIO_URL,
                "certChain": {"certificates": [
                    {"rawBytes": b64(&self.ca.intermediate_der)},
                    {"rawBytes": b64(&self.ca.root_der)},
                ]},
                "validFor": {"start": rfc3339(VALID_FROM)},
            }],
            "ctlogs": [{
                "baseUrl": CTLOG_URL,
                "hashAlgorithm": "SHA2_256",
                "publicKey": key(&self.ctlog_key),
                "logId": {"keyId": b64(&self.ctlog_key.key_id())},
            }],
            "timestampAuthorities": [{
                "subject": {"organization": "virtual-sigstore.test", "commonName": "virtual tsa"},
                "uri": TSA_URL,
                "certChain": {"certificates": [
                    {"rawBytes": b64(&self.tsa.cert_der)},
                    {"rawBytes": b64(&self.tsa.root_der)},
                ]},
                "validFor": {"start": rfc3339(VALID_FROM)},
            }],
        })
    }

    /// The trusted root with no `validFor` on any log key: protobuf-specs makes it optional, and
    /// private deployments and many fixtures omit it.
    pub fn trusted_root_without_key_windows(&self) -> Value {
        let mut root = self.trusted_root();
        for logs in ["tlogs", "ctlogs"] {
            for log in root[logs].as_array_mut().into_iter().flatten() {
                log["publicKey"].as_object_mut().map(|k| k.remove("validFor"));
            }
        }
        root
    }

    /// A domainsig policy (v1) trusting this instance, accepting `identities` (issuer, SAN),
    /// with domain checks off and no subject-name requirement: crypto and identity only.
    pub fn policy(&self, identities: &[(&str, &str)]) -> Value {
        json!({
            "version": 1,
            "trusted_root": self.trusted_root(),
            "identities": identities.iter().map(|(issuer, san)| json!({"issuer": issuer, "san": san})).collect::<Vec<_>>(),
            "domains": {"mode": "ignore"},
            "subject": {"require_name": false},
        })
    }

    /// A domainsig policy (v1) trusting this instance and accepting only [`Self::managed_key`].
    pub fn key_policy(&self) -> Value {
        let mut p = self.policy(&[]);
        p["keys"] = json!([{"pem": self.managed_key.public_pem()}]);
        p
    }

    /// Starts a message-signature bundle over `artifact`.
    pub fn message(&mut self, artifact: &[u8]) -> Mint<'_> {
        Mint::new(self, Content::Message(artifact.to_vec()))
    }

    /// Starts a DSSE bundle over an in-toto statement.
    pub fn dsse(&mut self, statement: &Statement) -> Mint<'_> {
        self.dsse_raw(IN_TOTO_PAYLOAD_TYPE, statement.payload())
    }

    /// Starts a DSSE bundle over any payload.
    pub fn dsse_raw(&mut self, payload_type: &str, payload: Vec<u8>) -> Mint<'_> {
        Mint::new(self, Content::Dsse { payload_type: payload_type.to_owned(), payload })
    }
}

/// A bundle being minted: identity, claims, extensions, times and faults.
pub struct Mint<'a> {
    vs: &'a mut VirtualSigstore,
    content: Content,
    san: San,
    /// (dotted OID, extnValue contents, critical)
    extensions: Vec<(String, Vec<u8>, bool)>,
    signing_time: i64,
    integration_delay: i64,
    timestamps: Vec<i64>,
    managed: bool,
    faults: Vec<Fault>,
}

impl<'a> Mint<'a> {
    fn new(vs: &'a mut VirtualSigstore, content: Content) -> Mint<'a> {
        let m = Mint {
            vs,
            content,
            san: San::Uri(DEFAULT_SAN.to_owned()),
            extensions: Vec::new(),
            signing_time: DEFAULT_SIGNING_TIME,
            integration_delay: 5,
            timestamps: Vec::new(),
            managed: false,
            faults: Vec::new(),
        };
        m.claim(8, DEFAULT_ISSUER)
    }

    /// A URI SAN.
    pub fn san_uri(mut self, uri: &str) -> Self {
        self.san = San::Uri(uri.to_owned());
        self
    }

    /// An e-mail SAN.
    pub fn san_email(mut self, email: &str) -> Self {
        self.san = San::Email(email.to_owned());
        self
    }

    /// The OIDC issuer (claim .1.8, DER UTF8String); replaces the default.
    pub fn issuer(self, issuer: &str) -> Self {
        self.claim(8, issuer)
    }

    /// Fulcio claim 1.3.6.1.4.1.57264.1.`n` as Fulcio encodes it: raw bytes for n <= 6, a DER
    /// UTF8String from n = 8. Replaces an earlier value of the same claim.
    pub fn claim(self, n: u32, value: &str) -> Self {
        assert_ne!(n, 7, ".1.7 is the otherName SAN type, not a claim extension");
        let content = if n <= 6 {
            value.as_bytes().to_vec()
        } else {
            der::asn1::Utf8StringRef::new(value).expect("UTF8String").to_der().expect("DER")
        };
        self.claim_raw(n, content)
    }

    /// Fulcio claim `n` with exactly these extnValue contents.
    pub fn claim_raw(self, n: u32, content: Vec<u8>) -> Self {
        self.extension(&format!("{FULCIO_ARC}.{n}"), content)
    }

    /// Drops a claim (e.g. `without_claim(8)` for a certificate with no issuer).
    pub fn without_claim(mut self, n: u32) -> Self {
        let oid = format!("{FULCIO_ARC}.{n}");
        self.extensions.retain(|(o, _, _)| *o != oid);
        self
    }

    /// A non-critical extension with these extnValue contents (DER); replaces one of the same OID.
    pub fn extension(mut self, oid: &str, content: Vec<u8>) -> Self {
        self.extensions.retain(|(o, _, _)| o != oid);
        self.extensions.push((oid.to_owned(), content, false));
        self
    }

    /// A critical extension.
    pub fn critical_extension(mut self, oid: &str, content: Vec<u8>) -> Self {
        self.extensions.retain(|(o, _, _)| o != oid);
        self.extensions.push((oid.to_owned(), content, true));
        self
    }

    /// The proposed domains extension (`SEQUENCE OF OCTET STRING`) under `oid`.
    pub fn domains_extension(self, oid: &str, domains: &[&str]) -> Self {
        self.extension(oid, predicates::domains_extension(domains))
    }

    /// When the certificate is issued and the signature made (Unix seconds).
    pub fn signed_at(mut self, unix: i64) -> Self {
        self.signing_time = unix;
        self
    }

    /// Seconds between issuance and the log's integrated time (default 5).
    pub fn integrated_after(mut self, secs: i64) -> Self {
        self.integration_delay = secs;
        self
    }

    /// Adds an RFC 3161 timestamp over the signature, `secs` after signing (any number may be
    /// added; the verifier then has both log and TSA times).
    pub fn timestamp_after(mut self, secs: i64) -> Self {
        self.timestamps.push(secs);
        self
    }

    /// Signs with [`VirtualSigstore::managed_key`] instead of a Fulcio certificate: the bundle
    /// carries `publicKey` material (a key hint) and the log body names the PEM public key.
    /// Certificate options (SAN, claims, extensions, certificate faults) are then unused.
    pub fn managed_key(mut self) -> Self {
        self.managed = true;
        self
    }

    /// Breaks one thing (see [`Fault`]); may be called more than once.
    pub fn fault(mut self, f: Fault) -> Self {
        self.faults.push(f);
        self
    }

    fn has(&self, f: Fault) -> bool {
        self.faults.contains(&f)
    }

    /// Mints the bundle.
    pub fn mint(mut self) -> Minted {
        if (self.has(Fault::TimestampWrongKey) || self.has(Fault::TimestampOtherImprint)) && self.timestamps.is_empty()
        {
            self.timestamps.push(self.integration_delay);
        }
        let ephemeral = Key::p256();
        let signer = if self.managed { &self.vs.managed_key } else { &ephemeral };
        let signer_spki = signer.spki();
        let leaf_der = if self.managed { Vec::new() } else { self.issue_leaf(signer) };
        // What the log body names as the verifier: the leaf, or the managed public key.
        let body_signer = if self.managed {
            let pem = if self.has(Fault::BodyOtherCertificate) {
                self.vs.stranger.public_pem()
            } else {
                self.vs.managed_key.public_pem()
            };
            b64(pem.as_bytes())
        } else {
            b64(self.body_certificate(&leaf_der).as_bytes())
        };
        let content_key = if self.has(Fault::SignatureWrongKey) { &self.vs.stranger } else { signer };

        // The signed content, and what the log body says about it.
        let (content_json, body, signature) = match &self.content {
            Content::Message(artifact) => {
                let digest = sha256(artifact);
                let sig = content_key.sign(artifact);
                let body_digest = if self.has(Fault::BodyOtherDigest) { sha256(b"another artifact") } else { digest };
                let body_sig =
                    if self.has(Fault::BodyOtherSignature) { signer.sign(b"something else") } else { sig.clone() };
                let body = json!({
                    "apiVersion": "0.0.1",
                    "kind": "hashedrekord",
                    "spec": {
                        "data": {"hash": {"algorithm": "sha256", "value": hex(&body_digest)}},
                        "signature": {
                            "content": b64(&body_sig),
                            "publicKey": {"content": body_signer},
                        },
                    },
                });
                let content = json!({
                    "messageSignature": {
                        "messageDigest": {"algorithm": "SHA2_256", "digest": b64(&digest)},
                        "signature": b64(&sig),
                    }
                });
                (content, body, sig)
            }
            Content::Dsse { payload_type, payload } => {
                let sig = content_key.sign(&pae(payload_type, payload));
                let envelope = json!({
                    "payload": b64(payload),
                    "payloadType": payload_type,
                    "signatures": [{"sig": b64(&sig)}],
                });
                let payload_hash =
                    if self.has(Fault::BodyOtherDigest) { sha256(b"another payload") } else { sha256(payload) };
                let body_sig =
                    if self.has(Fault::BodyOtherSignature) { signer.sign(b"something else") } else { sig.clone() };
                // Rekor hashes the envelope exactly as the client submitted it: compact JSON.
                let body = json!({
                    "apiVersion": "0.0.1",
                    "kind": "dsse",
                    "spec": {
                        "envelopeHash": {"algorithm": "sha256", "value": hex(&sha256(canonical_json(&envelope).as_bytes()))},
                        "payloadHash": {"algorithm": "sha256", "value": hex(&payload_hash)},
                        "signatures": [{
                            "signature": b64(&body_sig),
                            "verifier": body_signer,
                        }],
                    },
                });
                (json!({"dsseEnvelope": envelope}), body, sig)
            }
        };
        let kind = body["kind"].as_str().expect("kind").to_owned();
        let body = canonical_json(&body).into_bytes();

        let integrated_time = if self.has(Fault::IntegratedAfterExpiry) {
            self.signing_time + LEAF_LIFETIME + 60
        } else {
            self.signing_time + self.integration_delay
        };
        let entry = self.log_entry(&body, &kind, integrated_time);

        let material = if self.managed {
            json!({"publicKey": {"hint": b64(&self.vs.managed_key.key_id())}})
        } else {
            json!({"certificate": {"rawBytes": b64(&leaf_der)}})
        };
        let mut bundle = json!({
            "mediaType": BUNDLE_MEDIA_TYPE,
            "verificationMaterial": material,
        });
        bundle["verificationMaterial"]["tlogEntries"] = json!([entry]);
        if !self.timestamps.is_empty() {
            let faults = TokenFaults {
                wrong_key: self.has(Fault::TimestampWrongKey),
                other_imprint: self.has(Fault::TimestampOtherImprint),
            };
            let tokens: Vec<Value> = self
                .timestamps
                .iter()
                .enumerate()
                .map(|(i, after)| {
                    let serial = (self.vs.rekor.tree.size() as u64) << 8 | i as u64;
                    let tsa = if self.has(Fault::TimestampUntrustedTsa) { &self.vs.rogue_tsa } else { &self.vs.tsa };
                    let token = tsa.response(&signature, self.signing_time + after, serial, faults);
                    json!({"signedTimestamp": b64(&token)})
                })
                .collect();
            bundle["verificationMaterial"]["timestampVerificationData"] = json!({"rfc3161Timestamps": tokens});
        }
        for (k, v) in content_json.as_object().expect("object") {
            bundle[k] = v.clone();
        }
        let artifact = match &self.content {
            Content::Message(a) => a.clone(),
            Content::Dsse { .. } => Vec::new(),
        };
        Minted { bundle, artifact, leaf_der, signer_spki, integrated_time, san: self.san.clone() }
    }

    /// The PEM the log body names: the leaf, or another certificate under the fault.
    fn body_certificate(&self, leaf_der: &[u8]) -> String {
        if self.has(Fault::BodyOtherCertificate) {
            pem_certificate(&self.vs.ca.intermediate_der)
        } else {
            pem_certificate(leaf_der)
        }
    }

    fn issue_leaf(&self, signer: &Key) -> Vec<u8> {
        let ca = if self.has(Fault::UntrustedCa) { &self.vs.rogue_ca } else { &self.vs.ca };
        let serial = self.vs.next_serial_bytes();
        let mut p = CertificateParams::default();
        p.distinguished_name = DistinguishedName::new();
        p.subject_alt_names = vec![match &self.san {
            San::Uri(u) => SanType::URI(Ia5String::try_from(u.as_str()).expect("URI SAN is IA5")),
            San::Email(e) => SanType::Rfc822Name(Ia5String::try_from(e.as_str()).expect("e-mail SAN is IA5")),
        }];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
        p.use_authority_key_identifier_extension = true;
        p.serial_number = Some(SerialNumber::from_slice(&serial));
        set_validity(&mut p, self.signing_time, self.signing_time + LEAF_LIFETIME);
        for (oid, content, critical) in &self.extensions {
            let mut ext = CustomExtension::from_oid_content(&oid_arcs(oid), content.clone());
            ext.set_criticality(*critical);
            p.custom_extensions.push(ext);
        }
        let issuer = ca.issuer();
        let precert = p.signed_by(&signer.rc, &issuer).expect("precertificate").der().to_vec();
        if self.has(Fault::NoSct) {
            return precert;
        }

        // RFC 6962 §3.2: the SCT signs the TBS without the SCT extension and the issuer key hash.
        let precert_tbs = der_first_inner(&precert).to_vec();
        let issuer_key_hash = if self.has(Fault::SctWrongIssuerKeyHash) {
            sha256(&self.vs.stranger.spki())
        } else {
            sha256(&ca.intermediate_key.spki())
        };
        let timestamp_ms = (self.signing_time as u64) * 1000;
        let mut signed = vec![0u8, 0u8];
        signed.extend_from_slice(&timestamp_ms.to_be_bytes());
        signed.extend_from_slice(&1u16.to_be_bytes());
        signed.extend_from_slice(&issuer_key_hash);
        signed.extend_from_slice(&(precert_tbs.len() as u32).to_be_bytes()[1..]);
        signed.extend_from_slice(&precert_tbs);
        signed.extend_from_slice(&0u16.to_be_bytes());
        let sct_signer = if self.has(Fault::SctWrongKey) || self.has(Fault::SctUnknownLog) {
            &self.vs.stranger
        } else {
            &self.vs.ctlog_key
        };
        let log_id =
            if self.has(Fault::SctUnknownLog) { self.vs.stranger.key_id() } else { self.vs.ctlog_key.key_id() };
        let sig = sct_signer.sign(&signed);
        let mut sct = vec![0u8];
        sct.extend_from_slice(&log_id);
        sct.extend_from_slice(&timestamp_ms.to_be_bytes());
        sct.extend_from_slice(&0u16.to_be_bytes());
        sct.extend_from_slice(&[4, 3]); // sha256, ecdsa
        sct.extend_from_slice(&(sig.len() as u16).to_be_bytes());
        sct.extend_from_slice(&sig);
        let mut list = Vec::new();
        list.extend_from_slice(&((sct.len() + 2) as u16).to_be_bytes());
        list.extend_from_slice(&(sct.len() as u16).to_be_bytes());
        list.extend_from_slice(&sct);
        let ext_value = der::asn1::OctetString::new(list).expect("octet string").to_der().expect("DER");
        p.custom_extensions.push(CustomExtension::from_oid_content(&oid_arcs(OID_SCT_LIST), ext_value));
        let leaf = p.signed_by(&signer.rc, &issuer).expect("leaf certificate").der().to_vec();
        assert_eq!(precert_tbs_of(&leaf), precert_tbs, "the leaf without its SCT must be the precertificate");
        leaf
    }

    /// Appends the body to the log and builds the bundle's `tlogEntries[]` item.
    fn log_entry(&mut self, body: &[u8], kind: &str, integrated_time: i64) -> Value {
        let log = &mut self.vs.rekor;
        let local = log.tree.push(body);
        for _ in 0..log.trailing_entries {
            log.filler();
        }
        let size = log.tree.size();
        let root = log.tree.root(size);
        let proof = log.tree.inclusion_proof(local, size);
        assert_eq!(merkle::root_from_proof(local, size, &merkle::leaf_hash(body), &proof), Some(root));
        let log_index = local as i64 + log.shard_offset;
        let log_id = log.key.key_id();

        let set_index = if self.has(Fault::SetOtherIndex) { log_index + 1 } else { log_index };
        let set_payload = json!({
            "body": b64(body),
            "integratedTime": integrated_time,
            "logID": hex(&log_id),
            "logIndex": set_index,
        });
        let set_key = if self.has(Fault::SetWrongKey) { &self.vs.stranger } else { &self.vs.rekor.key };
        let set = set_key.sign(canonical_json(&set_payload).as_bytes());

        let log = &self.vs.rekor;
        let note_root = if self.has(Fault::CheckpointOtherRoot) { sha256(b"another root") } else { root };
        let note_body = format!("{}\n{size}\n{}\n", log.origin, b64(&note_root));
        let note_key = if self.has(Fault::CheckpointWrongKey) { &self.vs.stranger } else { &log.key };
        let hint: [u8; 4] = if self.has(Fault::CheckpointBadKeyHint) {
            let id = self.vs.stranger.key_id();
            [id[0], id[1], id[2], id[3]]
        } else {
            [log_id[0], log_id[1], log_id[2], log_id[3]]
        };
        let mut sig = hint.to_vec();
        sig.extend_from_slice(&note_key.sign(note_body.as_bytes()));
        let checkpoint = format!("{note_body}\n\u{2014} {REKOR_NAME} {}\n", b64(&sig));

        json!({
            "logIndex": log_index.to_string(),
            "logId": {"keyId": b64(&log_id)},
            "kindVersion": {"kind": kind, "version": "0.0.1"},
            "integratedTime": integrated_time.to_string(),
            "inclusionPromise": {"signedEntryTimestamp": b64(&set)},
            "inclusionProof": {
                "logIndex": local.to_string(),
                "rootHash": b64(&root),
                "treeSize": size.to_string(),
                "hashes": proof.iter().map(|h| b64(h)).collect::<Vec<_>>(),
                "checkpoint": {"envelope": checkpoint},
            },
            "canonicalizedBody": b64(body),
        })
    }
}

impl VirtualSigstore {
    /// A serial unique within this instance: the tree grows with every minted entry.
    fn next_serial_bytes(&self) -> Vec<u8> {
        let mut s = vec![0x42];
        s.extend_from_slice(&(self.rekor.tree.size() as u64).to_be_bytes());
        s
    }
}

/// DSSE v1 pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), payload.len()).into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The contents of the first element inside an outer DER SEQUENCE, header included (for a
/// certificate: its TBSCertificate exactly as signed).
fn der_first_inner(der: &[u8]) -> &[u8] {
    let (hdr, _) = der_header(der);
    let inner = &der[hdr..];
    let (ihdr, ilen) = der_header(inner);
    &inner[..ihdr + ilen]
}

fn der_header(b: &[u8]) -> (usize, usize) {
    let first = b[1];
    if first < 0x80 {
        return (2, first as usize);
    }
    let n = (first & 0x7f) as usize;
    let len = b[2..2 + n].iter().fold(0usize, |acc, &x| acc << 8 | x as usize);
    (2 + n, len)
}

/// The leaf's TBS with the SCT extension removed, re-encoded: what an RFC 6962 verifier rebuilds.
fn precert_tbs_of(leaf: &[u8]) -> Vec<u8> {
    use der::Decode as _;
    let cert = x509_cert::Certificate::from_der(leaf).expect("leaf parses");
    let mut tbs = cert.tbs_certificate;
    let sct_oid = der::asn1::ObjectIdentifier::new_unwrap(OID_SCT_LIST);
    if let Some(exts) = tbs.extensions.as_mut() {
        exts.retain(|e| e.extn_id != sct_oid);
    }
    tbs.to_der().expect("TBS re-encodes")
}

/// A minted bundle and what a test needs to verify it.
pub struct Minted {
    /// The bundle JSON; mutate freely before [`Minted::bytes`].
    pub bundle: Value,
    /// The artifact (message signatures; empty for DSSE, whose subjects name their own artifacts).
    pub artifact: Vec<u8>,
    /// The leaf certificate, DER (empty for managed-key bundles).
    pub leaf_der: Vec<u8>,
    /// The signing key's SPKI, DER.
    pub signer_spki: Vec<u8>,
    /// The integrated time the log recorded.
    pub integrated_time: i64,
    /// The leaf's SAN.
    pub san: San,
}

impl Minted {
    /// The bundle as JSON bytes.
    pub fn bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.bundle).expect("bundle serialises")
    }

    /// The only tlog entry.
    pub fn entry(&mut self) -> &mut Value {
        &mut self.bundle["verificationMaterial"]["tlogEntries"][0]
    }

    /// Removes the SET, so the log entry proves inclusion but no time (RFC 3161 timestamps are
    /// then the only time source, as for Rekor v2).
    pub fn drop_inclusion_promise(&mut self) -> &mut Self {
        if let Some(e) = self.entry().as_object_mut() {
            e.remove("inclusionPromise");
        }
        self
    }
}
