//! Transparency-log entries: the body matches the bundle, the inclusion proof leads to a signed
//! checkpoint, and the signed entry timestamp (SET) is the log's.

use crate::bundle::{BundleVersion, Content, TlogEntry};
use crate::error::{self, Result};
use crate::keys::HashAlgorithm;
use crate::trust_root::TrustRoot;
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

/// Verifies one entry against the trusted root and the bundle's content.
pub fn verify_entry(entry: &TlogEntry, root: &TrustRoot, ctx: &EntryContext<'_>) -> Result<LogEntryFact> {
    let _ = (root, ctx);
    Err(error::internal(format!(
        "transparency-log verification for {}/{} is not implemented yet",
        entry.kind, entry.version
    )))
}
