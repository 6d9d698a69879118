//! The artifact being installed: bytes, a file, or only its digest.
//!
//! Files are hashed streaming with a fixed buffer, so memory stays flat for any size; the digest
//! then feeds prehash signature verification and never needs the bytes again.

use crate::error::{self, Result};
use crate::trust::keys::HashAlgorithm;
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
                let v = crate::limits::read_bounded(p, max, "artifact (Ed25519 message signatures read it whole)")
                    .map_err(|e| match e.status {
                        error::Status::InputUnreadable => {
                            error::Error { status: error::Status::ArtifactUnreadable, ..e }
                        }
                        _ => e,
                    })?;
                Ok(std::borrow::Cow::Owned(v))
            }
            Artifact::Digest(..) => Err(error::artifact_unreadable(
                "this signature scheme (Ed25519) needs the artifact's bytes, not only its digest",
            )),
        }
    }
}

fn unreadable(p: &Path, e: std::io::Error) -> error::Error {
    error::artifact_unreadable(format!("cannot read artifact {}: {e}", crate::limits::shown(p)))
}

/// Files at least this large are read on a second thread while the first hashes.
const PIPELINE_MIN: u64 = 16 << 20;
/// Buffers in flight between the reader and the hasher (memory stays at `PIPELINE_DEPTH * BUF`).
const PIPELINE_DEPTH: usize = 4;

/// Streams a file through the hash, in one pass and with flat memory.
///
/// Large files are read on a helper thread into a small ring of buffers while this thread hashes:
/// the kernel's copy into user space then overlaps the hashing instead of adding to it, which is
/// what keeps a 1 GiB artifact close to the hash function's own throughput without `mmap` (and
/// without `unsafe`).
pub fn hash_file(p: &Path, alg: HashAlgorithm) -> Result<Vec<u8>> {
    let mut f = std::fs::File::open(p).map_err(|e| unreadable(p, e))?;
    let mut ctx = aws_lc_rs::digest::Context::new(alg.aws());
    let big = f.metadata().map(|m| m.len() >= PIPELINE_MIN).unwrap_or(false);
    if big {
        hash_pipelined(&mut f, &mut ctx).map_err(|e| unreadable(p, e))?;
    } else {
        let mut buf = vec![0u8; BUF];
        loop {
            match read_full(&mut f, &mut buf) {
                Ok(0) => break,
                Ok(n) => ctx.update(&buf[..n]),
                Err(e) => return Err(unreadable(p, e)),
            }
        }
    }
    Ok(ctx.finish().as_ref().to_vec())
}

/// Fills `buf` as far as the file allows; 0 at end of file.
fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn hash_pipelined(f: &mut std::fs::File, ctx: &mut aws_lc_rs::digest::Context) -> std::io::Result<()> {
    use std::sync::mpsc::sync_channel;
    // Full buffers go to the hasher; empty ones come back to the reader.
    let (full_tx, full_rx) = sync_channel::<std::io::Result<(Vec<u8>, usize)>>(PIPELINE_DEPTH);
    let (empty_tx, empty_rx) = sync_channel::<Vec<u8>>(PIPELINE_DEPTH);
    for _ in 0..PIPELINE_DEPTH {
        let _ = empty_tx.send(vec![0u8; BUF]);
    }
    std::thread::scope(|s| {
        s.spawn(move || {
            while let Ok(mut buf) = empty_rx.recv() {
                let r = read_full(f, &mut buf);
                let done = !matches!(r, Ok(n) if n > 0);
                if full_tx.send(r.map(|n| (buf, n))).is_err() || done {
                    break;
                }
            }
        });
        loop {
            match full_rx.recv() {
                Ok(Ok((_, 0))) | Err(_) => return Ok(()),
                Ok(Ok((buf, n))) => {
                    ctx.update(&buf[..n]);
                    // The reader may already have stopped; a closed channel is not an error.
                    let _ = empty_tx.send(buf);
                }
                Ok(Err(e)) => return Err(e),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipelined_and_plain_hashing_agree_at_every_boundary() {
        let dir = std::env::temp_dir().join(format!("domainsig-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for len in [0usize, 1, BUF - 1, BUF, BUF + 1, PIPELINE_MIN as usize, PIPELINE_MIN as usize + 12345] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let p = dir.join(format!("f{len}"));
            std::fs::write(&p, &data).unwrap();
            for alg in [HashAlgorithm::Sha256, HashAlgorithm::Sha512] {
                assert_eq!(hash_file(&p, alg).unwrap(), alg.digest(&data), "len {len}");
            }
        }
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(
            hash_file(Path::new("/nonexistent/domainsig"), HashAlgorithm::Sha256).unwrap_err().status,
            crate::error::Status::ArtifactUnreadable
        );
    }

    #[cfg(unix)]
    #[test]
    fn whole_reads_stop_at_the_limit() {
        use crate::error::Status;
        assert_eq!(Artifact::Path(Path::new("/dev/zero")).bytes(1 << 20).unwrap_err().status, Status::LimitExceeded);
        let missing = Artifact::Path(Path::new("/nonexistent/domainsig")).bytes(10).unwrap_err();
        assert_eq!(missing.status, Status::ArtifactUnreadable);
    }
}
