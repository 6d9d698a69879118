//! Transparency-log entries: the body matches the bundle, the inclusion proof leads to a signed
//! checkpoint, and the signed entry timestamp (SET) is the log's.
//!
//! One concern per file: [`merkle`] (RFC 6962 inclusion proofs), [`checkpoint`] (C2SP signed
//! notes), [`set`] (Rekor v1 inclusion promises), [`body`] (does the entry describe this bundle).
//! [`verify_entry`] runs them in that order: cryptography first, so the body is only interpreted
//! once the log has been shown to stand behind it.

pub mod body;
pub mod checkpoint;
pub mod merkle;
pub mod set;

use crate::bundle::{BundleVersion, Content, TlogEntry};
use crate::error::{self, Result};
use crate::trust::keys::HashAlgorithm;
use crate::trust::root::{LogInstance, TrustRoot};
use crate::verified::LogEntryFact;

/// What an entry's body must describe.
pub struct EntryContext<'a> {
    /// The bundle version (v0.1 needs a promise, v0.2+ a proof).
    pub bundle_version: BundleVersion,
    /// The signed content (message signature or DSSE envelope).
    pub content: &'a Content,
    /// The signer: leaf certificate DER, or the managed key's SPKI DER.
    pub signer_der: &'a [u8],
    /// Whether `signer_der` is a certificate (else an SPKI).
    pub signer_is_certificate: bool,
    /// The verified artifact digest (what a hashedrekord body must name).
    pub artifact_digest: (HashAlgorithm, &'a [u8]),
}

/// Whether the entry comes from a Rekor v2 (rekor-tiles) log: those write only these kinds, carry
/// no integrated time or SET, and are proven by inclusion proof and checkpoint alone.
pub fn is_rekor_v2(entry: &TlogEntry) -> bool {
    entry.version == "0.0.2" && matches!(entry.kind.as_str(), "hashedrekord" | "dsse")
}

fn window_text(log: &LogInstance) -> String {
    let show = |t: Option<i64>| t.map(crate::time::format_rfc3339).unwrap_or_else(|| "open".to_owned());
    format!("{} to {}", show(log.valid.start), show(log.valid.end))
}

/// Verifies one entry against the trusted root and the bundle's content.
///
/// Log-key validity: a Rekor v1 entry with a SET has a signed integrated time, and the log key
/// must be valid at it. Entries without a SET (Rekor v2, or Rekor v1 proof-only entries) carry no
/// signed time; their key window is checked against the bundle's verified RFC 3161 times by
/// [`check_key_windows`] once those are known.
pub fn verify_entry(entry: &TlogEntry, root: &TrustRoot, ctx: &EntryContext<'_>) -> Result<LogEntryFact> {
    let log = root.tlog(&entry.log_id).ok_or_else(|| {
        error::tlog_missing(format!(
            "the entry's log (log ID {}) is not one of the {} transparency log(s) in the trusted root; \
             the bundle may come from another Sigstore instance",
            crate::json::b64encode(&entry.log_id),
            root.tlogs.len()
        ))
        .at("logId")
    })?;
    let rekor_v2 = is_rekor_v2(entry);

    // 1. Signed entry timestamp (Rekor v1 only).
    let integrated_time = match (&entry.promise, rekor_v2) {
        (Some(_), true) => {
            return Err(error::set(format!(
                "{}/{} entries come from Rekor v2, which issues no signed entry timestamps, but one is present",
                entry.kind, entry.version
            ))
            .at("inclusionPromise"));
        }
        (Some(promise), false) => {
            let t = set::verify(entry, promise, log).map_err(|e| e.at("inclusionPromise"))?;
            if !log.valid.contains(t) {
                return Err(error::set(format!(
                    "the key of {} is valid {}, the entry's integrated time is {}",
                    log.base_url,
                    window_text(log),
                    crate::time::format_rfc3339(t)
                ))
                .at("integratedTime"));
            }
            Some(t)
        }
        (None, _) => None,
    };

    // 2. Inclusion proof and the checkpoint it leads to.
    let checkpoint = match &entry.proof {
        Some(p) => {
            // The proof's index is within the (possibly sharded) tree; a Rekor v1 entry's global
            // index is at least that. Rekor v2 shards are separate logs, so the two are equal.
            let index_ok = if rekor_v2 { p.log_index == entry.log_index } else { p.log_index <= entry.log_index };
            if !index_ok {
                return Err(error::inclusion_proof(format!(
                    "the inclusion proof is for index {}, which cannot be the entry at log index {}",
                    p.log_index, entry.log_index
                ))
                .at("inclusionProof.logIndex"));
            }
            merkle::verify_inclusion(&entry.body, p.log_index, p.tree_size, &p.hashes, &p.root_hash)
                .map_err(|e| e.at("inclusionProof"))?;
            let envelope = p.checkpoint.as_deref().ok_or_else(|| {
                error::checkpoint("the inclusion proof has no checkpoint").at("inclusionProof.checkpoint")
            })?;
            let cp = checkpoint::verify(envelope, log, p.tree_size, &p.root_hash)
                .map_err(|e| e.at("inclusionProof.checkpoint"))?;
            Some(cp)
        }
        None if rekor_v2 => {
            return Err(error::inclusion_proof(format!(
                "{}/{} entries come from Rekor v2 and need an inclusion proof",
                entry.kind, entry.version
            ))
            .at("inclusionProof"));
        }
        None => None,
    };
    if integrated_time.is_none() && checkpoint.is_none() {
        return Err(error::tlog_missing("the entry has neither a signed entry timestamp nor an inclusion proof"));
    }

    // 3. The body the log stands behind describes this bundle.
    body::verify(entry, ctx).map_err(|e| e.at("canonicalizedBody"))?;

    Ok(LogEntryFact {
        log: log.base_url.clone(),
        log_id: crate::json::b64encode(&log.log_id),
        log_index: entry.log_index,
        kind: format!("{}/{}", entry.kind, entry.version),
        integrated_time,
        promise: integrated_time.is_some(),
        inclusion_proof: checkpoint.is_some(),
        tree_size: checkpoint.as_ref().and_then(|c| i64::try_from(c.size).ok()),
        checkpoint_origin: checkpoint.map(|c| c.origin),
    })
}

/// Checks, for every verified entry without a signed integrated time, that its log's key was
/// valid at each of `times` (the bundle's verified RFC 3161 times, Unix seconds).
///
/// Such entries were logged shortly after the timestamped signature, so a log key whose window
/// excludes the signing time is not one the trusted root vouches for then.
pub fn check_key_windows(entries: &[LogEntryFact], root: &TrustRoot, times: &[i64]) -> Result<()> {
    for fact in entries.iter().filter(|f| f.integrated_time.is_none()) {
        let Some(log) = crate::json::b64decode(&fact.log_id).and_then(|id| root.tlog(&id)) else {
            return Err(error::tlog_missing(format!("log {} is no longer in the trusted root", fact.log)));
        };
        if let Some(t) = times.iter().find(|t| !log.valid.contains(**t)) {
            return Err(error::tlog_missing(format!(
                "the key of {} is valid {}, but the entry at log index {} was signed at {}",
                log.base_url,
                window_text(log),
                fact.log_index,
                crate::time::format_rfc3339(*t)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

/// A throwaway P-256 log for unit tests: the signing key and the `LogInstance` a trusted root
/// would hold for it.
#[cfg(test)]
pub(crate) fn test_ecdsa_log(
    valid: crate::time::Window,
) -> (aws_lc_rs::signature::EcdsaKeyPair, crate::trust::root::LogInstance) {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).expect("key");
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).expect("key");
    // SPKI header for an uncompressed P-256 point, then the point.
    let mut spki = crate::json::b64decode("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgA=").expect("header");
    spki.extend_from_slice(pair.public_key().as_ref());
    let key = crate::trust::keys::PublicKey::from_spki(&spki, None).expect("P-256 key");
    let log = crate::trust::root::LogInstance {
        base_url: "https://rekor.example".into(),
        log_id: key.key_id().to_vec(),
        checkpoint_key_id: None,
        key,
        valid,
    };
    (pair, log)
}

/// A throwaway Ed25519 log (the Rekor v2 key type) for unit tests.
#[cfg(test)]
pub(crate) fn test_ed25519_log(
    valid: crate::time::Window,
) -> (aws_lc_rs::signature::Ed25519KeyPair, crate::trust::root::LogInstance) {
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
    let pair = Ed25519KeyPair::generate().expect("key");
    // SPKI for Ed25519: a fixed 12-byte prefix, then the raw key.
    let mut spki = vec![0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
    spki.extend_from_slice(pair.public_key().as_ref());
    let key = crate::trust::keys::PublicKey::from_spki(&spki, Some("PKIX_ED25519")).expect("Ed25519 key");
    let log = crate::trust::root::LogInstance {
        base_url: "https://log.example".into(),
        log_id: key.key_id().to_vec(),
        checkpoint_key_id: None,
        key,
        valid,
    };
    (pair, log)
}
