//! Resource limits on untrusted input.
//!
//! Every input domainsig reads from the network or a caller is bounded here, in one place, so the
//! worst-case time and memory of one verification is a small constant. Exceeding a limit is
//! `LIMIT_EXCEEDED` with the limit's name in the message; it is never silently truncated.

/// Largest bundle (or PEP 740 attestation, or provenance object) accepted, in bytes.
pub const MAX_BUNDLE_BYTES: usize = 8 << 20;
/// Largest policy JSON accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 1 << 20;
/// Largest trusted_root.json accepted, in bytes.
pub const MAX_TRUST_ROOT_BYTES: usize = 4 << 20;
/// Largest TUF root, snapshot or targets metadata file, in bytes (Sigstore's are 5-20 KiB).
pub const MAX_TUF_METADATA_BYTES: u64 = 1 << 20;
/// Largest TUF timestamp metadata file, in bytes (Sigstore's is under 1 KiB).
pub const MAX_TUF_TIMESTAMP_BYTES: u64 = 64 << 10;
/// Largest TUF target, in bytes (Sigstore's trusted_root.json is about 20 KiB).
pub const MAX_TUF_TARGET_BYTES: u64 = 4 << 20;
/// Largest file the host is asked for, in bytes: the largest of the limits above.
pub const MAX_TUF_FILE_BYTES: u64 = 4 << 20;
/// Most root versions walked in one update (public-good went from 1 to 15 in five years).
pub const MAX_TUF_ROOT_UPDATES: u64 = 256;
/// Most targets in one TUF repository (Sigstore's has a dozen).
pub const MAX_TUF_TARGETS: usize = 256;
/// Deepest chain of TUF delegations followed.
pub const MAX_TUF_DELEGATION_DEPTH: usize = 8;
/// Deepest JSON nesting accepted in any input (arrays and objects).
pub const MAX_JSON_DEPTH: usize = 64;
/// Most certificates in a bundle's chain, or a CA's chain in the trusted root.
pub const MAX_CHAIN_LEN: usize = 8;
/// Most transparency-log entries in one bundle.
pub const MAX_TLOG_ENTRIES: usize = 32;
/// Most RFC 3161 timestamps in one bundle.
pub const MAX_TIMESTAMPS: usize = 32;
/// Largest RFC 3161 timestamp response, in bytes (real ones, certificates included, are 1-6 KiB).
pub const MAX_TIMESTAMP_BYTES: usize = 32 << 10;
/// Most subjects in one in-toto statement.
pub const MAX_SUBJECTS: usize = 1024;
/// Most hashes in one inclusion proof (a tree of 2^64 leaves needs 64).
pub const MAX_PROOF_HASHES: usize = 64;
/// Most DSSE signatures in one envelope.
pub const MAX_DSSE_SIGNATURES: usize = 16;
/// Most signatures on one checkpoint note.
pub const MAX_NOTE_SIGNATURES: usize = 32;
/// Most signed domains read from one bundle.
pub const MAX_DOMAINS: usize = 256;
/// Longest domain string, in bytes.
pub const MAX_DOMAIN_LEN: usize = 1024;
/// Most attestations in one PyPI provenance object.
pub const MAX_ATTESTATIONS: usize = 64;
/// Most identities, keys, mirrors or predicate rules in a policy.
pub const MAX_POLICY_ENTRIES: usize = 1024;
/// Most items in one batch verification.
pub const MAX_BATCH: usize = 1 << 20;

/// An error for the named limit.
pub fn exceeded(what: &str, limit: usize, found: usize) -> crate::error::Error {
    crate::error::limit(format!("{what}: at most {limit} allowed, found {found}"))
}

/// Checks `found <= limit`.
pub fn check(what: &str, limit: usize, found: usize) -> crate::error::Result<()> {
    if found > limit { Err(exceeded(what, limit, found)) } else { Ok(()) }
}
