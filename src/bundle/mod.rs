//! The Sigstore bundle: JSON in, a typed and shape-checked [`Bundle`] out.
//!
//! Nothing here is trusted yet. Parsing enforces the protobuf-specs bundle rules that can be
//! checked without cryptography (media type, version-specific requirements, sizes); the `verify`
//! module proves the rest.

pub mod npm;
pub mod pep740;

use crate::error::{self, Error, Result, Status};
use crate::json::{B64, I64};
use crate::limits;
use crate::trust::keys::HashAlgorithm;
use serde::Deserialize;

/// Bundle format versions domainsig accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum BundleVersion {
    /// `application/vnd.dev.sigstore.bundle+json;version=0.1`: inclusion promise required.
    V0_1,
    /// `...;version=0.2`: inclusion proof required.
    V0_2,
    /// `...;version=0.3` or `application/vnd.dev.sigstore.bundle.v0.3+json`: a single certificate.
    V0_3,
}

impl BundleVersion {
    /// Maps a media type to a version; anything else is unsupported, never guessed.
    pub fn from_media_type(mt: &str) -> Option<Self> {
        match mt {
            "application/vnd.dev.sigstore.bundle+json;version=0.1" => Some(Self::V0_1),
            "application/vnd.dev.sigstore.bundle+json;version=0.2" => Some(Self::V0_2),
            "application/vnd.dev.sigstore.bundle+json;version=0.3"
            | "application/vnd.dev.sigstore.bundle.v0.3+json" => Some(Self::V0_3),
            _ => None,
        }
    }

    /// `"0.1"`, `"0.2"` or `"0.3"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V0_1 => "0.1",
            Self::V0_2 => "0.2",
            Self::V0_3 => "0.3",
        }
    }
}

/// What the bundle says signed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Material {
    /// A Fulcio leaf certificate (DER), with any further chain certificates the bundle carried.
    Certificate {
        /// The leaf, DER.
        leaf: Vec<u8>,
        /// Certificates after the leaf in a v0.1/v0.2 `x509CertificateChain`, DER.
        chain: Vec<Vec<u8>>,
    },
    /// A managed key, identified only by an optional hint; the policy supplies the key.
    PublicKey {
        /// The bundle's `publicKey.hint`.
        hint: Option<String>,
    },
}

/// One transparency-log entry as the bundle gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlogEntry {
    /// The entry's global log index.
    pub log_index: i64,
    /// The log's ID (SHA-256 of its key).
    pub log_id: Vec<u8>,
    /// `hashedrekord`, `dsse`, `intoto`.
    pub kind: String,
    /// `0.0.1`, `0.0.2`.
    pub version: String,
    /// Seconds since the epoch; 0 for Rekor v2.
    pub integrated_time: i64,
    /// The signed entry timestamp, if any.
    pub promise: Option<Vec<u8>>,
    /// The inclusion proof, if any.
    pub proof: Option<InclusionProof>,
    /// The canonicalized entry body (decoded from base64).
    pub body: Vec<u8>,
}

/// An RFC 6962 inclusion proof with its checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionProof {
    /// The leaf's index within the (possibly sharded) tree.
    pub log_index: i64,
    /// The tree's root hash.
    pub root_hash: Vec<u8>,
    /// The tree's size.
    pub tree_size: i64,
    /// Audit path, leaf to root.
    pub hashes: Vec<Vec<u8>>,
    /// The signed-note checkpoint text.
    pub checkpoint: Option<String>,
}

/// One DSSE signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DsseSignature {
    /// The signature bytes.
    pub sig: Vec<u8>,
    /// The optional key ID.
    pub keyid: String,
}

/// A DSSE envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// The payload type, `application/vnd.in-toto+json` for attestations.
    pub payload_type: String,
    /// The signatures (Sigstore requires exactly one).
    pub signatures: Vec<DsseSignature>,
}

/// What was signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// A signature over the artifact itself.
    MessageSignature {
        /// The digest the bundle claims for the artifact (not trusted; checked against the artifact).
        digest: Option<(HashAlgorithm, Vec<u8>)>,
        /// The signature.
        signature: Vec<u8>,
    },
    /// A DSSE envelope (normally an in-toto statement about the artifact).
    Dsse(Envelope),
}

impl Content {
    /// The signature bytes the tlog entry and timestamps must cover.
    pub fn signature(&self) -> &[u8] {
        match self {
            Content::MessageSignature { signature, .. } => signature,
            Content::Dsse(env) => env.signatures.first().map(|s| s.sig.as_slice()).unwrap_or(&[]),
        }
    }
}

/// A parsed, shape-checked, still untrusted bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// The media type exactly as given.
    pub media_type: String,
    /// The version it names.
    pub version: BundleVersion,
    /// Certificate or key.
    pub material: Material,
    /// Transparency-log entries.
    pub tlog_entries: Vec<TlogEntry>,
    /// RFC 3161 `signedTimestamp` values (DER `TimeStampResp`s, per protobuf-specs).
    pub timestamps: Vec<Vec<u8>>,
    /// The signed content.
    pub content: Content,
}

// ---- raw protobuf-JSON shapes -------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBundle {
    media_type: Option<String>,
    verification_material: Option<RawMaterial>,
    message_signature: Option<RawMessageSignature>,
    dsse_envelope: Option<RawEnvelope>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMaterial {
    certificate: Option<RawCert>,
    x509_certificate_chain: Option<RawChain>,
    public_key: Option<RawKeyId>,
    #[serde(default)]
    tlog_entries: Vec<RawTlogEntry>,
    timestamp_verification_data: Option<RawTsData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCert {
    raw_bytes: Option<B64>,
}

#[derive(Deserialize)]
struct RawChain {
    #[serde(default)]
    certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
struct RawKeyId {
    hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTsData {
    #[serde(default)]
    rfc3161_timestamps: Vec<RawTs>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTs {
    signed_timestamp: Option<B64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTlogEntry {
    log_index: Option<I64>,
    log_id: Option<RawLogId>,
    kind_version: Option<RawKindVersion>,
    integrated_time: Option<I64>,
    inclusion_promise: Option<RawPromise>,
    inclusion_proof: Option<RawProof>,
    canonicalized_body: Option<B64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLogId {
    key_id: Option<B64>,
}

#[derive(Deserialize)]
struct RawKindVersion {
    kind: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPromise {
    signed_entry_timestamp: Option<B64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawProof {
    log_index: Option<I64>,
    root_hash: Option<B64>,
    tree_size: Option<I64>,
    #[serde(default)]
    hashes: Vec<B64>,
    checkpoint: Option<RawCheckpoint>,
}

#[derive(Deserialize)]
struct RawCheckpoint {
    envelope: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessageSignature {
    message_digest: Option<RawDigest>,
    signature: Option<B64>,
}

#[derive(Deserialize)]
struct RawDigest {
    algorithm: Option<String>,
    digest: Option<B64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEnvelope {
    payload: Option<B64>,
    payload_type: Option<String>,
    #[serde(default)]
    signatures: Vec<RawDsseSig>,
}

#[derive(Deserialize)]
struct RawDsseSig {
    sig: Option<B64>,
    #[serde(default)]
    keyid: String,
}

fn missing(field: &str) -> Error {
    error::malformed(format!("required field {field} is missing or empty")).at(field)
}

fn require<T>(v: Option<T>, field: &str) -> Result<T> {
    v.ok_or_else(|| missing(field))
}

fn nonempty(v: Option<B64>, field: &str) -> Result<Vec<u8>> {
    match v {
        Some(B64(b)) if !b.is_empty() => Ok(b),
        _ => Err(missing(field)),
    }
}

impl Bundle {
    /// Parses bundle JSON, or a PEP 740 attestation object, which is converted on the way in.
    pub fn parse(bytes: &[u8]) -> Result<Bundle> {
        limits::check("bundle size in bytes", limits::MAX_BUNDLE_BYTES, bytes.len())?;
        if let Some(bundle) = Self::parse_typed(bytes) {
            return bundle;
        }
        crate::json::check_depth(bytes)?;
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| error::malformed(format!("bundle is not valid JSON: {e}")))?;
        Self::from_value(value)
    }

    /// The fast path for the common case: bytes that are a Sigstore bundle are decoded straight
    /// into the typed shape (no intermediate `serde_json::Value`, which costs as much again).
    /// `None` when the bytes are something else (a PEP 740 attestation or provenance object, or a
    /// shape error that the generic path reports in full).
    ///
    /// The typed shape bounds nesting itself (only ignored unknown fields can nest, and serde_json
    /// stops those at its recursion limit), so the separate depth scan runs only off this path.
    pub(crate) fn parse_typed(bytes: &[u8]) -> Option<Result<Bundle>> {
        match serde_json::from_slice::<RawBundle>(bytes) {
            Ok(raw) if raw.media_type.is_some() => Some(Self::from_raw(raw)),
            Ok(_) => None,
            Err(e) if e.is_syntax() || e.is_eof() => Some(
                crate::json::check_depth(bytes)
                    .and_then(|()| Err(error::malformed(format!("bundle is not valid JSON: {e}")))),
            ),
            Err(_) => None,
        }
    }

    /// Parses an already-decoded JSON value (a bundle or a PEP 740 attestation).
    pub fn from_value(value: serde_json::Value) -> Result<Bundle> {
        if pep740::is_attestation(&value) {
            return pep740::attestation_to_bundle(&value);
        }
        if pep740::is_provenance(&value) {
            return Err(error::unsupported(
                "a PyPI provenance object holds several attestations; pass it to Policy::verify, not Bundle::parse",
            ));
        }
        let raw: RawBundle = serde_json::from_value(value)
            .map_err(|e| error::malformed(format!("bundle does not have the Sigstore bundle shape: {e}")))?;
        Self::from_raw(raw)
    }

    fn from_raw(raw: RawBundle) -> Result<Bundle> {
        let media_type = require(raw.media_type, "mediaType")?;
        let version = BundleVersion::from_media_type(&media_type).ok_or_else(|| {
            error::unsupported(format!(
                "bundle media type {media_type:?} is not one of the supported Sigstore bundle versions 0.1, 0.2, 0.3"
            ))
            .at("mediaType")
        })?;
        let vm = require(raw.verification_material, "verificationMaterial")?;

        let material = match (vm.certificate, vm.x509_certificate_chain, vm.public_key) {
            (Some(cert), None, None) => {
                if version < BundleVersion::V0_3 {
                    // protobuf-specs allows it, and some clients emit it; the rest of verification
                    // is the same, so only the reverse (a chain in v0.3) is refused.
                }
                Material::Certificate {
                    leaf: nonempty(cert.raw_bytes, "verificationMaterial.certificate.rawBytes")?,
                    chain: Vec::new(),
                }
            }
            (None, Some(chain), None) => {
                if version >= BundleVersion::V0_3 {
                    return Err(error::unsupported(
                        "v0.3 bundles must carry a single certificate, found an x509CertificateChain",
                    )
                    .at("verificationMaterial.x509CertificateChain"));
                }
                limits::check("certificates in chain", limits::MAX_CHAIN_LEN, chain.certificates.len())?;
                let mut certs = chain.certificates.into_iter().enumerate().map(|(i, c)| {
                    nonempty(
                        c.raw_bytes,
                        &format!("verificationMaterial.x509CertificateChain.certificates[{i}].rawBytes"),
                    )
                });
                let leaf = certs
                    .next()
                    .unwrap_or_else(|| Err(missing("verificationMaterial.x509CertificateChain.certificates")))?;
                let chain = certs.collect::<Result<Vec<_>>>()?;
                Material::Certificate { leaf, chain }
            }
            (None, None, Some(pk)) => Material::PublicKey { hint: pk.hint.filter(|h| !h.is_empty()) },
            (None, None, None) => {
                return Err(missing("verificationMaterial.certificate|x509CertificateChain|publicKey"));
            }
            _ => {
                return Err(error::malformed(
                    "verificationMaterial has more than one of certificate, x509CertificateChain, publicKey",
                )
                .at("verificationMaterial"));
            }
        };

        limits::check("transparency log entries", limits::MAX_TLOG_ENTRIES, vm.tlog_entries.len())?;
        let tlog_entries = vm
            .tlog_entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| parse_entry(e, i, version))
            .collect::<Result<Vec<_>>>()?;

        let raw_ts = vm.timestamp_verification_data.map(|t| t.rfc3161_timestamps).unwrap_or_default();
        limits::check("RFC 3161 timestamps", limits::MAX_TIMESTAMPS, raw_ts.len())?;
        let timestamps = raw_ts
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                nonempty(
                    t.signed_timestamp,
                    &format!("verificationMaterial.timestampVerificationData.rfc3161Timestamps[{i}].signedTimestamp"),
                )
            })
            .collect::<Result<Vec<_>>>()?;

        let content = match (raw.message_signature, raw.dsse_envelope) {
            (Some(ms), None) => {
                let digest = match ms.message_digest {
                    None => None,
                    Some(d) => {
                        let alg_s = require(d.algorithm, "messageSignature.messageDigest.algorithm")?;
                        let alg = HashAlgorithm::parse(&alg_s).ok_or_else(|| {
                            error::unsupported(format!(
                                "message digest algorithm {alg_s:?} is not SHA2_256, SHA2_384 or SHA2_512"
                            ))
                            .at("messageSignature.messageDigest.algorithm")
                        })?;
                        let value = nonempty(d.digest, "messageSignature.messageDigest.digest")?;
                        if value.len() != alg.output_len() {
                            return Err(error::malformed(format!(
                                "message digest is {} bytes, {} needs {}",
                                value.len(),
                                alg.name(),
                                alg.output_len()
                            ))
                            .at("messageSignature.messageDigest.digest"));
                        }
                        Some((alg, value))
                    }
                };
                Content::MessageSignature { digest, signature: nonempty(ms.signature, "messageSignature.signature")? }
            }
            (None, Some(env)) => {
                let payload = require(env.payload, "dsseEnvelope.payload")?.0;
                let payload_type = require(env.payload_type, "dsseEnvelope.payloadType")?;
                limits::check("DSSE signatures", limits::MAX_DSSE_SIGNATURES, env.signatures.len())?;
                if env.signatures.len() != 1 {
                    return Err(error::malformed(format!(
                        "a Sigstore DSSE envelope must have exactly one signature, found {}",
                        env.signatures.len()
                    ))
                    .at("dsseEnvelope.signatures"));
                }
                let signatures = env
                    .signatures
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| {
                        Ok(DsseSignature {
                            sig: nonempty(s.sig, &format!("dsseEnvelope.signatures[{i}].sig"))?,
                            keyid: s.keyid,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Content::Dsse(Envelope { payload, payload_type, signatures })
            }
            (None, None) => return Err(missing("messageSignature|dsseEnvelope")),
            (Some(_), Some(_)) => {
                return Err(error::malformed("bundle has both messageSignature and dsseEnvelope"));
            }
        };

        Ok(Bundle { media_type, version, material, tlog_entries, timestamps, content })
    }
}

fn parse_entry(e: RawTlogEntry, i: usize, version: BundleVersion) -> Result<TlogEntry> {
    let at = |f: &str| format!("verificationMaterial.tlogEntries[{i}].{f}");
    let log_index = require(e.log_index, &at("logIndex"))?.0;
    if log_index < 0 {
        return Err(error::malformed(format!("log index must not be negative, found {log_index}")).at(at("logIndex")));
    }
    let log_id = nonempty(require(e.log_id, &at("logId"))?.key_id, &at("logId.keyId"))?;
    let kv = require(e.kind_version, &at("kindVersion"))?;
    let kind = require(kv.kind, &at("kindVersion.kind"))?;
    let kversion = require(kv.version, &at("kindVersion.version"))?;
    let integrated_time = e.integrated_time.map(|t| t.0).unwrap_or(0);
    if integrated_time < 0 {
        return Err(error::malformed("integrated time must not be negative").at(at("integratedTime")));
    }
    let promise = match e.inclusion_promise {
        Some(p) => Some(nonempty(p.signed_entry_timestamp, &at("inclusionPromise.signedEntryTimestamp"))?),
        None => None,
    };
    let proof = match e.inclusion_proof {
        Some(p) => {
            limits::check("inclusion proof hashes", limits::MAX_PROOF_HASHES, p.hashes.len())?;
            let proof_index = require(p.log_index, &at("inclusionProof.logIndex"))?.0;
            let tree_size = require(p.tree_size, &at("inclusionProof.treeSize"))?.0;
            if proof_index < 0 || tree_size < 0 {
                return Err(error::malformed("inclusion proof index and tree size must not be negative")
                    .at(at("inclusionProof")));
            }
            Some(InclusionProof {
                log_index: proof_index,
                root_hash: nonempty(p.root_hash, &at("inclusionProof.rootHash"))?,
                tree_size,
                hashes: p.hashes.into_iter().map(|h| h.0).collect(),
                checkpoint: p.checkpoint.and_then(|c| c.envelope).filter(|c| !c.is_empty()),
            })
        }
        None => None,
    };
    match version {
        BundleVersion::V0_1 if promise.is_none() => {
            return Err(error::set("v0.1 bundles require an inclusion promise (signed entry timestamp)")
                .at(at("inclusionPromise")));
        }
        BundleVersion::V0_2 | BundleVersion::V0_3 if proof.is_none() => {
            return Err(error::inclusion_proof(format!("v{} bundles require an inclusion proof", version.as_str()))
                .at(at("inclusionProof")));
        }
        _ => {}
    }
    // protobuf-specs marks InclusionProof.checkpoint REQUIRED in every bundle version: a proof
    // without one proves nothing about what the log committed to, so it is refused, not skipped.
    if proof.as_ref().is_some_and(|p| p.checkpoint.is_none()) {
        return Err(error::checkpoint("the inclusion proof has no checkpoint").at(at("inclusionProof.checkpoint")));
    }
    let body = nonempty(e.canonicalized_body, &at("canonicalizedBody"))?;
    Ok(TlogEntry { log_index, log_id, kind, version: kversion, integrated_time, promise, proof, body })
}

/// Status for "this is not a bundle at all" vs "bundle of an unknown kind", for callers that
/// sniff inputs (the CLI uses it to pick an error message).
pub fn is_bundle_status(s: Status) -> bool {
    matches!(s, Status::BundleMalformed | Status::BundleUnsupported)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn happy() -> Value {
        let p = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/conformance--happy-path-v0.3/bundle.sigstore.json");
        serde_json::from_slice(&std::fs::read(p).expect("vector")).expect("json")
    }

    fn parse(v: &Value) -> Result<Bundle> {
        Bundle::parse(v.to_string().as_bytes())
    }

    fn status_and_field(v: &Value) -> (Status, String) {
        let e = parse(v).expect_err("must be refused");
        (e.status, e.field.unwrap_or_default())
    }

    #[test]
    fn the_real_v03_bundle_parses() {
        let b = parse(&happy()).expect("parses");
        assert_eq!(b.version, BundleVersion::V0_3);
        assert!(matches!(b.material, Material::Certificate { ref chain, .. } if chain.is_empty()));
        assert_eq!(b.tlog_entries.len(), 1);
        assert!(matches!(b.content, Content::MessageSignature { digest: Some((HashAlgorithm::Sha256, _)), .. }));
    }

    #[test]
    fn both_v03_media_type_spellings_are_accepted_and_others_refused() {
        let mut v = happy();
        v["mediaType"] = json!("application/vnd.dev.sigstore.bundle.v0.3+json");
        assert_eq!(parse(&v).expect("new spelling").version, BundleVersion::V0_3);
        for bad in ["application/vnd.dev.sigstore.bundle+json;version=99.9", "application/json", ""] {
            v["mediaType"] = json!(bad);
            assert_eq!(status_and_field(&v), (Status::BundleUnsupported, "mediaType".into()), "{bad}");
        }
    }

    #[test]
    fn v01_needs_a_promise_and_v02_a_proof() {
        let mut v = happy();
        v["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.1");
        v["verificationMaterial"]["tlogEntries"][0].as_object_mut().unwrap().remove("inclusionPromise");
        let (s, f) = status_and_field(&v);
        assert_eq!(s, Status::TlogSet);
        assert!(f.ends_with("inclusionPromise"), "{f}");

        let mut v = happy();
        v["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.2");
        v["verificationMaterial"]["tlogEntries"][0].as_object_mut().unwrap().remove("inclusionProof");
        let (s, f) = status_and_field(&v);
        assert_eq!(s, Status::TlogInclusionProof);
        assert!(f.ends_with("inclusionProof"), "{f}");
    }

    #[test]
    fn a_proof_without_checkpoint_is_refused_in_every_version() {
        for mt in
            ["application/vnd.dev.sigstore.bundle+json;version=0.1", "application/vnd.dev.sigstore.bundle.v0.3+json"]
        {
            let mut v = happy();
            v["mediaType"] = json!(mt);
            v["verificationMaterial"]["tlogEntries"][0]["inclusionProof"].as_object_mut().unwrap().remove("checkpoint");
            assert_eq!(status_and_field(&v).0, Status::TlogCheckpoint, "{mt}");
        }
    }

    #[test]
    fn v03_refuses_a_chain_and_older_versions_accept_one() {
        let mut v = happy();
        let cert = v["verificationMaterial"]["certificate"].clone();
        v["verificationMaterial"].as_object_mut().unwrap().remove("certificate");
        v["verificationMaterial"]["x509CertificateChain"] = json!({"certificates": [cert]});
        let (s, f) = status_and_field(&v);
        assert_eq!(s, Status::BundleUnsupported);
        assert_eq!(f, "verificationMaterial.x509CertificateChain");
        v["mediaType"] = json!("application/vnd.dev.sigstore.bundle+json;version=0.2");
        assert!(parse(&v).is_ok());
    }

    #[test]
    fn malformed_fields_are_named() {
        type Mutation = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(&str, Mutation, Status)> = vec![
            (
                "verificationMaterial",
                Box::new(|v| {
                    v.as_object_mut().unwrap().remove("verificationMaterial");
                }),
                Status::BundleMalformed,
            ),
            (
                "verificationMaterial.tlogEntries[0].logIndex",
                Box::new(|v| {
                    v["verificationMaterial"]["tlogEntries"][0]["logIndex"] = json!("-1");
                }),
                Status::BundleMalformed,
            ),
            (
                "verificationMaterial.tlogEntries[0].canonicalizedBody",
                Box::new(|v| {
                    v["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"] = json!("");
                }),
                Status::BundleMalformed,
            ),
            (
                "messageSignature.messageDigest.digest",
                Box::new(|v| {
                    v["messageSignature"]["messageDigest"]["digest"] = json!("AAAA");
                }),
                Status::BundleMalformed,
            ),
            (
                "messageSignature.messageDigest.algorithm",
                Box::new(|v| {
                    v["messageSignature"]["messageDigest"]["algorithm"] = json!("MD5");
                }),
                Status::BundleUnsupported,
            ),
            (
                "messageSignature|dsseEnvelope",
                Box::new(|v| {
                    v.as_object_mut().unwrap().remove("messageSignature");
                }),
                Status::BundleMalformed,
            ),
            (
                "verificationMaterial",
                Box::new(|v| {
                    v["verificationMaterial"]["publicKey"] = json!({"hint": "x"});
                }),
                Status::BundleMalformed,
            ),
        ];
        for (field, mutate, status) in cases {
            let mut v = happy();
            mutate(&mut v);
            let e = parse(&v).expect_err(field);
            assert_eq!(e.status, status, "{field}: {e}");
            assert!(e.field.as_deref().unwrap_or("").contains(field) || e.message.contains(field), "{field}: {e}");
        }
        // Invalid base64 is a shape error at the top level (serde cannot say which field).
        let mut v = happy();
        v["messageSignature"]["signature"] = json!("not base64!");
        assert_eq!(parse(&v).unwrap_err().status, Status::BundleMalformed);
    }

    #[test]
    fn dsse_envelopes_need_exactly_one_signature() {
        let env = |n: usize| {
            json!({"payload": "e30=", "payloadType": "application/vnd.in-toto+json",
                   "signatures": vec![json!({"sig": "AAAA"}); n]})
        };
        for n in [0, 2] {
            let mut v = happy();
            v.as_object_mut().unwrap().remove("messageSignature");
            v["dsseEnvelope"] = env(n);
            assert_eq!(status_and_field(&v), (Status::BundleMalformed, "dsseEnvelope.signatures".into()), "{n}");
        }
    }

    #[test]
    fn limits_are_enforced_before_parsing() {
        let deep = "[".repeat(limits::MAX_JSON_DEPTH + 1);
        assert_eq!(Bundle::parse(deep.as_bytes()).unwrap_err().status, Status::LimitExceeded);
        let big = vec![b' '; limits::MAX_BUNDLE_BYTES + 1];
        assert_eq!(Bundle::parse(&big).unwrap_err().status, Status::LimitExceeded);
        let mut v = happy();
        let e = v["verificationMaterial"]["tlogEntries"][0].clone();
        v["verificationMaterial"]["tlogEntries"] = json!(vec![e; limits::MAX_TLOG_ENTRIES + 1]);
        assert_eq!(parse(&v).unwrap_err().status, Status::LimitExceeded);
    }
}
