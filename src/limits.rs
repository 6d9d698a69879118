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
/// Largest public-key file (PEM or JSON) accepted, in bytes.
pub const MAX_KEY_BYTES: usize = 64 << 10;
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
/// Deepest TUF delegated role loaded (top-level targets delegates at depth 1); a deeper one
/// refuses the update. Sigstore's repositories delegate one level.
pub const MAX_TUF_DELEGATION_DEPTH: u64 = 8;
/// Most TUF delegated roles loaded in one update; one more refuses it.
pub const MAX_TUF_DELEGATED_ROLES: u64 = 64;
/// Most publisher map entries (target names in hashed bins) one TUF cache searches: a lock of
/// 4,096 packages. Each loads at most one role per delegation level.
pub const MAX_TUF_MAP_NAMES: usize = 4096;
/// Largest report.json a TUF cache writes and reads back (what a verified state holds: roles,
/// targets, the publisher map names remembered). It grows with the remembered names, about
/// 400 bytes each for a PyPI project with an entry and its bin (a target, a role, the name), so
/// it is sized for [`MAX_TUF_MAP_NAMES`] of them with room to spare: a smaller bound would refuse
/// every update of a long-lived cache once its names described more, as the name cap did.
pub const MAX_TUF_REPORT_BYTES: u64 = 8 << 20;
/// Largest TUF configuration JSON a door accepts (`domainsig_trust_update`, `_status`), in bytes:
/// an inline bootstrap root ([`MAX_TUF_METADATA_BYTES`], escaped) and a search of
/// [`MAX_TUF_MAP_NAMES`] names of at most 214 bytes fit well within it.
pub const MAX_TUF_CONFIG_BYTES: usize = 4 << 20;
/// Most bytes fetched in one TUF update, metadata and targets together (an archived copy of
/// Sigstore's public-good repository, every root version and target included, is under 400 KiB).
pub const MAX_TUF_UPDATE_BYTES: u64 = 32 << 20;
/// Bytes one update may take beyond [`MAX_TUF_UPDATE_BYTES`] for each publisher map name it
/// searches: a name loads at most a level-1 role, a bin and an entry, about 9 KB at PyPI's
/// scale (16,384 bins of ~37 projects, docs/publisher-map.md); 32 KiB leaves room for larger
/// bins. 4,096 names allow 160 MiB in all.
pub const MAX_TUF_UPDATE_BYTES_PER_MAP_NAME: u64 = 32 << 10;
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
/// Longest artifact name (filename or purl) a caller may give, in bytes.
pub const MAX_NAME_LEN: usize = 4096;
/// Most attestations in one PyPI provenance object.
pub const MAX_ATTESTATIONS: usize = 64;
/// Most identities, keys, mirrors or predicate rules in a policy.
pub const MAX_POLICY_ENTRIES: usize = 1024;
/// Most items in one batch verification through the C ABI and the bindings (`verify_many`,
/// `verifyMany`). Every result is held until the batch returns (10-20 KiB each with its JSON), so
/// this bounds a batch's peak memory to a few hundred MiB; a larger lockfile is verified in batches.
pub const MAX_BATCH: usize = 10_000;
/// Largest artifact file hashed, in bytes. Far above any package an index serves (PyPI's largest
/// wheels are a few GiB), but a sparse or still-growing file cannot keep a verification running
/// for ever.
pub const MAX_ARTIFACT_BYTES: u64 = 32 << 30;
/// Largest lockfile accepted (pylock.toml, package-lock.json, pnpm-lock.yaml), in bytes.
pub const MAX_LOCK_BYTES: usize = 32 << 20;
/// Most artifacts in one lockfile.
pub const MAX_LOCK_ENTRIES: usize = 100_000;
/// Most publisher objects (`attestation-identities`) a lock pins for one package.
pub const MAX_LOCK_PUBLISHERS: usize = 64;
/// Largest PEP 691 project page read while verifying a lock, in bytes (the pip gate's limit).
pub const MAX_INDEX_PAGE_BYTES: usize = 32 << 20;
/// Most files listed on one PEP 691 project page.
pub const MAX_INDEX_PAGE_FILES: usize = 100_000;

/// An error for the named limit.
pub fn exceeded(what: &str, limit: usize, found: usize) -> crate::error::Error {
    crate::error::limit(format!("{what}: at most {limit} allowed, found {found}"))
}

/// Checks `found <= limit`.
pub fn check(what: &str, limit: usize, found: usize) -> crate::error::Result<()> {
    if found > limit { Err(exceeded(what, limit, found)) } else { Ok(()) }
}

/// Reads a caller-named file whole, refusing it as `LIMIT_EXCEEDED` once it passes `limit` bytes.
///
/// At most `limit + 1` bytes are ever read, so `/dev/zero`, an endless FIFO or a runaway file costs
/// a bounded amount of memory and time. A regular file whose size is already known to be too large
/// is refused before any byte is read. Opening or reading fails as `INPUT_UNREADABLE` naming
/// `what` ("bundle", "policy", "trusted root", "key") and the path; callers for whom another status
/// fits better (the artifact) map it.
///
/// Every whole-file read of untrusted input in the library, the CLI and the bindings goes through
/// here (or the bindings' equivalent with the same limit).
pub fn read_bounded(path: &std::path::Path, limit: usize, what: &str) -> crate::error::Result<Vec<u8>> {
    use std::io::Read;
    let unreadable =
        |e: std::io::Error| crate::error::input_unreadable(format!("cannot read {what} {}: {e}", shown(path)));
    let f = std::fs::File::open(path).map_err(unreadable)?;
    let meta = f.metadata().map_err(unreadable)?;
    if meta.is_dir() {
        return Err(crate::error::input_unreadable(format!(
            "cannot read {what} {}: expected a file, found a directory",
            shown(path)
        )));
    }
    let known = if meta.is_file() { Some(meta.len()) } else { None };
    if let Some(len) = known.filter(|&l| l > limit as u64) {
        return Err(too_big(what, path, limit, &len.to_string()));
    }
    // A regular file's size sizes the buffer; anything else (a device, a pipe) grows it as it goes.
    let mut v = Vec::with_capacity(known.map_or(8 << 10, |l| l as usize + 1));
    f.take(limit as u64 + 1).read_to_end(&mut v).map_err(unreadable)?;
    if v.len() > limit {
        return Err(too_big(what, path, limit, "more"));
    }
    Ok(v)
}

fn too_big(what: &str, path: &std::path::Path, limit: usize, found: &str) -> crate::error::Error {
    crate::error::limit(format!("{what} {} is too large: at most {limit} bytes allowed, found {found}", shown(path)))
}

/// A path for a message: whole when it is short, its first 200 characters otherwise (a caller may
/// pass megabytes, and the message should not repeat them).
pub fn shown(path: &std::path::Path) -> String {
    let s = path.to_string_lossy();
    match s.char_indices().nth(200) {
        Some((i, _)) => format!("{}... ({} bytes)", &s[..i], s.len()),
        None => s.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;
    use std::path::Path;

    #[test]
    fn read_bounded_reads_up_to_the_limit_and_refuses_past_it() {
        let dir = std::env::temp_dir().join(format!("domainsig-bounded-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("f");
        std::fs::write(&p, b"12345").unwrap();
        assert_eq!(read_bounded(&p, 5, "bundle").unwrap(), b"12345");
        let e = read_bounded(&p, 4, "bundle").unwrap_err();
        assert_eq!(e.status, Status::LimitExceeded);
        assert!(e.message.contains("at most 4 bytes") && e.message.contains("found 5"), "{e}");
        assert_eq!(read_bounded(&dir, 5, "policy").unwrap_err().status, Status::InputUnreadable);
        let e = read_bounded(&dir.join("missing"), 5, "trusted root").unwrap_err();
        assert_eq!(e.status, Status::InputUnreadable);
        assert!(e.message.contains("trusted root") && e.message.contains("missing"), "{e}");
        let long = dir.join("x".repeat(5000));
        let e = read_bounded(&long, 5, "bundle").unwrap_err();
        assert_eq!(e.status, Status::InputUnreadable);
        assert!(e.message.len() < 400, "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[cfg(unix)]
    #[test]
    fn read_bounded_refuses_an_endless_device_after_limit_plus_one_bytes() {
        let e = read_bounded(Path::new("/dev/zero"), MAX_BUNDLE_BYTES, "bundle").unwrap_err();
        assert_eq!(e.status, Status::LimitExceeded);
        assert!(e.message.contains("found more"), "{e}");
    }
}
