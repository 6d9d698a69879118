//! What verification proved: plain values, built only by the verifier.
//!
//! A [`VerifiedBundle`] can only be constructed inside this crate (it carries a private seal), so
//! a function taking `&VerifiedBundle` cannot be handed unverified data. Everything in it is
//! serialisable for the result JSON.

use crate::x509::claims::CertificateIdentity;
use serde::Serialize;
use std::collections::BTreeMap;

/// Proof that a value was built by the verifier.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sealed(());

impl Sealed {
    pub(crate) fn new() -> Self {
        Sealed(())
    }
}

/// Who signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Signer {
    /// A Fulcio certificate that chained to a trusted CA at every verified time.
    Certificate {
        /// SAN, issuer and claims.
        #[serde(flatten)]
        identity: CertificateIdentity,
        /// The CA's URI.
        ca: String,
    },
    /// A managed key named by the policy.
    Key {
        /// Index of the key in the policy's `keys`.
        index: usize,
        /// Hex SHA-256 of the key's DER SPKI.
        key_id: String,
        /// The key's npm-style keyid (`SHA256:<base64>`), when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        keyid: Option<String>,
        /// The domain the policy binds the key to: a signature under it proves that domain.
        #[serde(skip_serializing_if = "Option::is_none")]
        domain: Option<crate::domain::Domain>,
    },
}

/// A digest as `algorithm` + lower-case hex.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DigestValue {
    /// `sha256`, `sha384` or `sha512`.
    pub algorithm: String,
    /// Lower-case hex.
    pub hex: String,
}

/// Where a verified time came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum TimeSource {
    /// A Rekor v1 integrated time backed by a verified SET.
    Tlog {
        /// The log's base URL.
        log: String,
        /// The entry's log index.
        log_index: i64,
    },
    /// An RFC 3161 timestamp from a trusted TSA.
    Timestamp {
        /// The TSA's URI (from the trusted root).
        tsa: String,
    },
}

/// A time at which the signature is proven to have existed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifiedTime {
    /// Where it came from.
    #[serde(flatten)]
    pub source: TimeSource,
    /// Unix seconds.
    pub unix: i64,
    /// RFC 3339 UTC.
    pub utc: String,
}

impl VerifiedTime {
    /// A verified time.
    pub fn new(source: TimeSource, unix: i64) -> Self {
        VerifiedTime { source, unix, utc: crate::time::format_rfc3339(unix) }
    }
}

/// A transparency-log entry whose proofs checked out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogEntryFact {
    /// The log's base URL from the trusted root.
    pub log: String,
    /// Base64 log ID.
    pub log_id: String,
    /// Global log index.
    pub log_index: i64,
    /// `hashedrekord/0.0.1`, `dsse/0.0.2`, ...
    pub kind: String,
    /// Integrated time if a SET proved it (Rekor v1).
    pub integrated_time: Option<i64>,
    /// Whether a signed entry timestamp was verified.
    pub promise: bool,
    /// Whether an inclusion proof against a signed checkpoint was verified.
    pub inclusion_proof: bool,
    /// The checkpoint origin, when one was verified.
    pub checkpoint_origin: Option<String>,
    /// Tree size of the verified checkpoint.
    pub tree_size: Option<i64>,
}

/// One in-toto subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// The subject name (a filename or purl).
    pub name: String,
    /// Digests by algorithm name.
    pub digest: BTreeMap<String, String>,
}

/// A verified in-toto statement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Statement {
    /// `https://in-toto.io/Statement/v1` or `/v0.1`.
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// Subjects.
    pub subject: Vec<Subject>,
    /// The predicate type URI.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate (any JSON, `null` when absent).
    pub predicate: serde_json::Value,
}

/// Everything cryptographically established about one bundle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VerifiedBundle {
    /// The bundle's media type.
    pub media_type: String,
    /// `0.1`, `0.2` or `0.3`.
    pub bundle_version: &'static str,
    /// `message_signature` or `dsse`.
    pub content: &'static str,
    /// Who signed.
    pub signer: Signer,
    /// The artifact digest that the signature (or statement subject) covers.
    pub artifact_digest: DigestValue,
    /// The DSSE payload type, for DSSE bundles.
    pub payload_type: Option<String>,
    /// The in-toto statement, for DSSE bundles that carry one.
    pub statement: Option<Statement>,
    /// Verified times, in the order they were established.
    pub times: Vec<VerifiedTime>,
    /// Verified transparency-log entries.
    pub tlog_entries: Vec<LogEntryFact>,
    #[serde(skip)]
    pub(crate) sealed: Sealed,
}

impl VerifiedBundle {
    /// The certificate identity, when a certificate signed.
    pub fn identity(&self) -> Option<&CertificateIdentity> {
        match &self.signer {
            Signer::Certificate { identity, .. } => Some(identity),
            Signer::Key { .. } => None,
        }
    }
}
