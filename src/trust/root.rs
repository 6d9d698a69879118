//! The trusted root: which Fulcio CAs, transparency logs, CT logs and TSAs to believe, and when.
//!
//! A `trusted_root.json` (protobuf-specs `TrustedRoot`) is parsed and compiled once per policy:
//! keys are parsed, each CA chain's last certificate becomes its trust anchor (the others are
//! candidate intermediates in any order; see `x509::chain`), and every instance keeps its
//! validity window.
//! The public-good production and staging roots are embedded.

use crate::error::{self, Result};
use crate::json::B64;
use crate::limits;
use crate::time::{Window, parse_rfc3339};
use crate::trust::keys::PublicKey;
use serde::Deserialize;
use std::sync::Arc;

/// The embedded public-good production trusted root (from Sigstore's TUF repository).
pub const PUBLIC_GOOD_PRODUCTION: &str = include_str!("../../roots/public-good-production.trusted_root.json");
/// The embedded public-good staging trusted root.
pub const PUBLIC_GOOD_STAGING: &str = include_str!("../../roots/public-good-staging.trusted_root.json");

/// A transparency log or CT log the root trusts.
#[derive(Clone, Debug)]
pub struct LogInstance {
    /// The log's base URL, for messages.
    pub base_url: String,
    /// The log ID: the key ID the root declares (normally SHA-256 of the SPKI).
    pub log_id: Vec<u8>,
    /// The checkpoint key ID, when the root gives one (Rekor v2 signed notes).
    pub checkpoint_key_id: Option<Vec<u8>>,
    /// The log's key.
    pub key: PublicKey,
    /// When the key may be used.
    pub valid: Window,
}

pub use crate::x509::chain::CertificateAuthority;

/// A compiled trusted root.
#[derive(Debug, Default)]
pub struct TrustRoot {
    /// Transparency logs (Rekor v1 and v2).
    pub tlogs: Vec<LogInstance>,
    /// Certificate-transparency logs (for SCTs).
    pub ctlogs: Vec<LogInstance>,
    /// Fulcio CAs.
    pub cas: Vec<CertificateAuthority>,
    /// RFC 3161 timestamp authorities.
    pub tsas: Vec<CertificateAuthority>,
    /// Caches derived from `cas`, built once (anchors for chain building).
    pub(crate) fulcio: crate::x509::chain::Anchors,
    /// The same for `tsas`: checked chains and the certificates that sign or issue tokens.
    pub(crate) tsa: crate::trust::timestamp::Authorities,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRoot {
    media_type: Option<String>,
    #[serde(default)]
    tlogs: Vec<RawLog>,
    #[serde(default)]
    certificate_authorities: Vec<RawCa>,
    #[serde(default)]
    ctlogs: Vec<RawLog>,
    #[serde(default)]
    timestamp_authorities: Vec<RawCa>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLog {
    base_url: Option<String>,
    public_key: Option<RawKey>,
    log_id: Option<RawLogId>,
    checkpoint_key_id: Option<RawLogId>,
    #[allow(dead_code)]
    hash_algorithm: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKey {
    raw_bytes: Option<B64>,
    key_details: Option<String>,
    valid_for: Option<RawWindow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLogId {
    key_id: Option<B64>,
}

#[derive(Deserialize)]
struct RawWindow {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCa {
    uri: Option<String>,
    cert_chain: Option<RawChain>,
    valid_for: Option<RawWindow>,
}

#[derive(Deserialize)]
struct RawChain {
    #[serde(default)]
    certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCert {
    raw_bytes: Option<B64>,
}

fn window(w: Option<RawWindow>, field: &str, require_start: bool) -> Result<Window> {
    // protobuf-specs marks `validFor` optional ("optional TimeRange valid_for" in
    // sigstore/protobuf-specs protos/sigstore_common.proto, PublicKey), and sigstore-python and
    // sigstore-js accept log keys without one: an absent window is an open one. A window that is
    // present but has no start stays an error, as sigstore-conformance's
    // trust-root-tlog-missing-validity-start_fail expects: a range with only an end is a mistake.
    let Some(w) = w else {
        return Ok(Window::default());
    };
    let parse = |s: Option<String>, which: &str| -> Result<Option<i64>> {
        match s {
            None => Ok(None),
            Some(s) => parse_rfc3339(&s)
                .map(Some)
                .ok_or_else(|| error::trust_root(format!("{field}.validFor.{which} is not an RFC 3339 time: {s:?}"))),
        }
    };
    let start = parse(w.start, "start")?;
    if require_start && start.is_none() {
        return Err(error::trust_root(format!("{field}.validFor.start is missing; a start time is required")));
    }
    Ok(Window { start, end: parse(w.end, "end")? })
}

fn log(raw: RawLog, field: &str) -> Result<LogInstance> {
    let pk = raw.public_key.ok_or_else(|| error::trust_root(format!("{field}.publicKey is missing")))?;
    let der = pk
        .raw_bytes
        .filter(|b| !b.0.is_empty())
        .ok_or_else(|| error::trust_root(format!("{field}.publicKey.rawBytes is missing")))?
        .0;
    let key = PublicKey::from_spki(&der, pk.key_details.as_deref())
        .map_err(|e| error::trust_root(format!("{field}.publicKey: {}", e.message)))?;
    let valid = window(pk.valid_for, &format!("{field}.publicKey"), true)?;
    let log_id = match raw.log_id.and_then(|l| l.key_id) {
        Some(B64(id)) if !id.is_empty() => id,
        _ => key.key_id().to_vec(),
    };
    Ok(LogInstance {
        base_url: raw.base_url.unwrap_or_default(),
        log_id,
        checkpoint_key_id: raw.checkpoint_key_id.and_then(|l| l.key_id).map(|b| b.0),
        key,
        valid,
    })
}

fn ca(raw: RawCa, field: &str) -> Result<CertificateAuthority> {
    let certs = raw.cert_chain.map(|c| c.certificates).unwrap_or_default();
    if certs.is_empty() {
        return Err(error::trust_root(format!("{field}.certChain has no certificates")));
    }
    limits::check("certificates in a trusted-root chain", limits::MAX_CHAIN_LEN, certs.len())?;
    // Kept in the order given: only the last certificate's place means something (the trust
    // anchor, protobuf-specs `CertificateAuthority.cert_chain`); `X509CertificateChain` promises
    // no other order, so the rest are path-building candidates.
    let chain = certs
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            c.raw_bytes
                .filter(|b| !b.0.is_empty())
                .map(|b| b.0)
                .ok_or_else(|| error::trust_root(format!("{field}.certChain.certificates[{i}].rawBytes is missing")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(CertificateAuthority { uri: raw.uri.unwrap_or_default(), chain, valid: window(raw.valid_for, field, false)? })
}

impl TrustRoot {
    /// Parses and compiles a `trusted_root.json`.
    pub fn from_json(bytes: &[u8]) -> Result<TrustRoot> {
        let raw: RawRoot =
            crate::json::parse(bytes, limits::MAX_TRUST_ROOT_BYTES, "trusted root", error::Status::TrustedRootInvalid)?;
        match raw.media_type.as_deref() {
            Some("application/vnd.dev.sigstore.trustedroot+json;version=0.1")
            | Some("application/vnd.dev.sigstore.trustedroot.v0.2+json")
            | Some("application/vnd.dev.sigstore.trustedroot+json;version=0.2") => {}
            other => {
                return Err(error::trust_root(format!(
                    "trusted root media type {other:?} is not a supported TrustedRoot version"
                )));
            }
        }
        for (what, n) in [
            ("transparency logs", raw.tlogs.len()),
            ("CT logs", raw.ctlogs.len()),
            ("certificate authorities", raw.certificate_authorities.len()),
            ("timestamp authorities", raw.timestamp_authorities.len()),
        ] {
            limits::check(what, limits::MAX_POLICY_ENTRIES, n)?;
        }
        let tlogs = raw
            .tlogs
            .into_iter()
            .enumerate()
            .map(|(i, l)| log(l, &format!("tlogs[{i}]")))
            .collect::<Result<Vec<_>>>()?;
        let ctlogs = raw
            .ctlogs
            .into_iter()
            .enumerate()
            .map(|(i, l)| log(l, &format!("ctlogs[{i}]")))
            .collect::<Result<Vec<_>>>()?;
        let cas = raw
            .certificate_authorities
            .into_iter()
            .enumerate()
            .map(|(i, c)| ca(c, &format!("certificateAuthorities[{i}]")))
            .collect::<Result<Vec<_>>>()?;
        let tsas = raw
            .timestamp_authorities
            .into_iter()
            .enumerate()
            .map(|(i, c)| ca(c, &format!("timestampAuthorities[{i}]")))
            .collect::<Result<Vec<_>>>()?;
        let fulcio = crate::x509::chain::Anchors::build(&cas)?;
        let tsa = crate::trust::timestamp::Authorities::build(&tsas)?;
        Ok(TrustRoot { tlogs, ctlogs, cas, tsas, fulcio, tsa })
    }

    /// The embedded public-good production root.
    ///
    /// Parsed on each call rather than cached in a global: caches live in the policy handle that
    /// owns the root, so dropping the last policy frees everything.
    pub fn production() -> Result<Arc<TrustRoot>> {
        TrustRoot::from_json(PUBLIC_GOOD_PRODUCTION.as_bytes()).map(Arc::new)
    }

    /// The embedded public-good staging root.
    pub fn staging() -> Result<Arc<TrustRoot>> {
        TrustRoot::from_json(PUBLIC_GOOD_STAGING.as_bytes()).map(Arc::new)
    }

    /// The transparency log with this ID, if the root has one.
    pub fn tlog(&self, log_id: &[u8]) -> Option<&LogInstance> {
        self.tlogs.iter().find(|l| l.log_id == log_id)
    }

    /// The CT log with this ID, if the root has one.
    pub fn ctlog(&self, log_id: &[u8]) -> Option<&LogInstance> {
        self.ctlogs.iter().find(|l| l.log_id == log_id)
    }
}

impl crate::x509::sct::CtLogs for TrustRoot {
    fn ct_log(&self, log_id: &[u8]) -> Option<crate::x509::sct::CtLog<'_>> {
        self.ctlog(log_id).map(|l| crate::x509::sct::CtLog { base_url: &l.base_url, key: &l.key, valid: l.valid })
    }
}
