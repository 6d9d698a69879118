//! The artifact being installed: bytes, a file, or only its digest.
//!
//! Files are hashed streaming with a fixed buffer, so memory stays flat for any size; the digest
//! then feeds prehash signature verification and never needs the bytes again.

use crate::error::{self, Result};
use crate::keys::HashAlgorithm;
use std::io::Read;
use std::path::Path;

/// Read buffer for hashing files: large enough to amortise syscalls, small beside any RSS budget.
const BUF: usize = 1 << 20;

/// How the caller supplies the artifact.
#[derive(Clone, Debug)]
pub enum Artifact<'a> {
    /// The bytes in memory.
    Bytes(&'a [u8]),
    /// A file to read.
    Path(&'a Path),
    /// Only its digest (`sha256:<hex>`), for callers that hashed it themselves.
    Digest(HashAlgorithm, Vec<u8>),
}

impl Artifact<'static> {
    /// Parses `sha256:<hex>`, `sha384:<hex>` or `sha512:<hex>`.
    pub fn parse_digest(s: &str) -> Result<Artifact<'static>> {
        let (alg, hex) = s
            .split_once(':')
            .ok_or_else(|| error::artifact_unreadable(format!("digest {s:?} is not of the form sha256:<hex>")))?;
        let alg = HashAlgorithm::parse(alg).filter(|a| a.name() == alg).ok_or_else(|| {
            error::artifact_unreadable(format!("digest algorithm {alg:?} is not sha256, sha384 or sha512"))
        })?;
        let bytes = crate::json::unhex(hex).filter(|b| b.len() == alg.output_len()).ok_or_else(|| {
            error::artifact_unreadable(format!("{} digest must be {} hex digits", alg.name(), alg.output_len() * 2))
        })?;
        Ok(Artifact::Digest(alg, bytes))
    }
}

impl Artifact<'_> {
    /// Whether `alg` can be computed (always, unless only a digest of another kind was given).
    pub fn has(&self, alg: HashAlgorithm) -> bool {
        match self {
            Artifact::Digest(a, _) => *a == alg,
            _ => true,
        }
    }

    /// The artifact's digest under `alg`.
    pub fn digest(&self, alg: HashAlgorithm) -> Result<Vec<u8>> {
        match self {
            Artifact::Bytes(b) => Ok(alg.digest(b)),
            Artifact::Digest(a, d) if *a == alg => Ok(d.clone()),
            Artifact::Digest(a, _) => Err(error::artifact_mismatch(format!(
                "the bundle needs the artifact's {} digest, but only its {} digest was given",
                alg.name(),
                a.name()
            ))),
            Artifact::Path(p) => hash_file(p, alg),
        }
    }

    /// The bytes, for the rare scheme that cannot verify a prehash (Ed25519 message signatures).
    pub fn bytes(&self, max: usize) -> Result<std::borrow::Cow<'_, [u8]>> {
        match self {
            Artifact::Bytes(b) => Ok(std::borrow::Cow::Borrowed(b)),
            Artifact::Path(p) => {
                let f = std::fs::File::open(p).map_err(|e| unreadable(p, e))?;
                let mut v = Vec::new();
                f.take(max as u64 + 1).read_to_end(&mut v).map_err(|e| unreadable(p, e))?;
                crate::limits::check("artifact size for Ed25519 message signatures", max, v.len())?;
                Ok(std::borrow::Cow::Owned(v))
            }
            Artifact::Digest(..) => Err(error::artifact_unreadable(
                "this signature scheme (Ed25519) needs the artifact's bytes, not only its digest",
            )),
        }
    }
}

fn unreadable(p: &Path, e: std::io::Error) -> error::Error {
    error::artifact_unreadable(format!("cannot read artifact {}: {e}", p.display()))
}

/// Streams a file through the hash.
pub fn hash_file(p: &Path, alg: HashAlgorithm) -> Result<Vec<u8>> {
    let mut f = std::fs::File::open(p).map_err(|e| unreadable(p, e))?;
    let mut ctx = aws_lc_rs::digest::Context::new(alg.aws());
    let mut buf = vec![0u8; BUF];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => ctx.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(unreadable(p, e)),
        }
    }
    Ok(ctx.finish().as_ref().to_vec())
}
