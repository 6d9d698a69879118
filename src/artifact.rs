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
                // The same refusal of devices and FIFOs as hashing, whatever the scheme, and the
                // bytes read from the file that was checked (the path is not opened twice).
                let (f, len) = open_regular(p)?;
                let too_big = |found: String| {
                    error::limit(format!(
                        "artifact (Ed25519 message signatures read it whole) {} is too large: at most {max} bytes allowed, found {found}",
                        crate::limits::shown(p)
                    ))
                };
                if len > max as u64 {
                    return Err(too_big(len.to_string()));
                }
                let mut v = Vec::with_capacity(len as usize + 1);
                f.take(max as u64 + 1).read_to_end(&mut v).map_err(|e| unreadable(p, e))?;
                if v.len() > max {
                    return Err(too_big("more".into()));
                }
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

/// What a file that is not a regular file is, for the refusal's message.
fn file_kind(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() { "a directory" } else { "not a regular file" }
}

/// Opens an artifact file, refusing anything but a regular file of at most
/// [`MAX_ARTIFACT_BYTES`](crate::limits::MAX_ARTIFACT_BYTES).
///
/// A device (`/dev/zero`), a FIFO or a socket has no end a hash can wait for, and every door hands
/// caller-chosen paths here: refused as `ARTIFACT_UNREADABLE` before anything is read. The type is
/// judged on the open file, never on the path alone: a path checked and then opened can be swapped
/// for a FIFO in between (a download folder another process writes), and opening a FIFO with no
/// writer blocks. On Unix the open therefore does not wait (`O_NONBLOCK`, which changes nothing
/// for reads of a regular file). Returns the file and its length.
fn open_regular(p: &Path) -> Result<(std::fs::File, u64)> {
    #[cfg(not(unix))]
    {
        // No O_NONBLOCK to lean on: refuse what the path shows before opening it.
        let meta = std::fs::metadata(p).map_err(|e| unreadable(p, e))?;
        if !meta.is_file() {
            return Err(not_regular(p, meta.file_type()));
        }
    }
    checked_open(p)
}

fn not_regular(p: &Path, t: std::fs::FileType) -> error::Error {
    error::artifact_unreadable(format!(
        "cannot read artifact {}: expected a regular file, found {}",
        crate::limits::shown(p),
        file_kind(t)
    ))
}

/// The open and the checks on the opened file (what stays true whatever the path becomes).
fn checked_open(p: &Path) -> Result<(std::fs::File, u64)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let f = options.open(p).map_err(|e| unreadable(p, e))?;
    let meta = f.metadata().map_err(|e| unreadable(p, e))?;
    if !meta.is_file() {
        return Err(not_regular(p, meta.file_type()));
    }
    too_large(p, meta.len())?;
    Ok((f, meta.len()))
}

/// Refuses an artifact past [`MAX_ARTIFACT_BYTES`](crate::limits::MAX_ARTIFACT_BYTES) (`found` is
/// its size, or the bytes read so far when it grows while being read).
fn too_large(p: &Path, found: u64) -> Result<()> {
    let max = crate::limits::MAX_ARTIFACT_BYTES;
    if found > max {
        return Err(error::limit(format!(
            "artifact {} is too large: at most {max} bytes allowed, found {found}",
            crate::limits::shown(p)
        )));
    }
    Ok(())
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
///
/// Only a regular file is read, and never more than `MAX_ARTIFACT_BYTES` + 1 bytes of it (a file
/// that grows while it is hashed stops there too), so every door's path argument is bounded.
pub fn hash_file(p: &Path, alg: HashAlgorithm) -> Result<Vec<u8>> {
    let (f, len) = open_regular(p)?;
    let mut f = f.take(crate::limits::MAX_ARTIFACT_BYTES + 1);
    let mut ctx = aws_lc_rs::digest::Context::new(alg.aws());
    let read = if len >= PIPELINE_MIN {
        hash_pipelined(&mut f, &mut ctx).map_err(|e| unreadable(p, e))?
    } else {
        let mut buf = vec![0u8; BUF];
        let mut total = 0u64;
        loop {
            match read_full(&mut f, &mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    ctx.update(&buf[..n]);
                    total += n as u64;
                }
                Err(e) => return Err(unreadable(p, e)),
            }
        }
        total
    };
    too_large(p, read)?;
    Ok(ctx.finish().as_ref().to_vec())
}

/// Fills `buf` as far as the file allows; 0 at end of file.
fn read_full(f: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
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

/// Returns the number of bytes hashed.
fn hash_pipelined(f: &mut (impl Read + Send), ctx: &mut aws_lc_rs::digest::Context) -> std::io::Result<u64> {
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
        let mut total = 0u64;
        loop {
            match full_rx.recv() {
                Ok(Ok((_, 0))) | Err(_) => return Ok(total),
                Ok(Ok((buf, n))) => {
                    ctx.update(&buf[..n]);
                    total += n as u64;
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
    fn devices_and_fifos_are_refused_before_a_byte_is_read() {
        use crate::error::Status;
        for p in ["/dev/zero", "/dev/urandom"] {
            let e = hash_file(Path::new(p), HashAlgorithm::Sha256).unwrap_err();
            assert_eq!(e.status, Status::ArtifactUnreadable, "{e}");
            assert!(e.message.contains("expected a regular file, found a character device"), "{e}");
            assert_eq!(
                Artifact::Path(Path::new(p)).digest(HashAlgorithm::Sha512).unwrap_err().status,
                Status::ArtifactUnreadable
            );
        }
        // A FIFO with no writer would block open() forever; it is refused from its type alone.
        let dir = std::env::temp_dir().join(format!("domainsig-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
        if made {
            let e = hash_file(&fifo, HashAlgorithm::Sha256).unwrap_err();
            assert!(e.message.contains("found a FIFO"), "{e}");
            assert_eq!(Artifact::Path(&fifo).bytes(10).unwrap_err().status, Status::ArtifactUnreadable);
        }
        let e = hash_file(&dir, HashAlgorithm::Sha256).unwrap_err();
        assert!(e.status == Status::ArtifactUnreadable && e.message.contains("found a directory"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A path checked as a regular file and swapped for a FIFO before the open (a download folder
    /// another process writes) must be refused, not wait forever for a writer: the open itself
    /// does not block. `checked_open` is what runs after the path's type was looked at.
    #[cfg(unix)]
    #[test]
    fn a_fifo_swapped_in_after_the_check_is_refused_without_waiting() {
        use crate::error::Status;
        let dir = std::env::temp_dir().join(format!("domainsig-fifo-swap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("artifact.whl");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let (tx, rx) = std::sync::mpsc::channel();
        let p = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(checked_open(&p).map(|_| ()).unwrap_err());
        });
        // Only a broken build waits here; then a writer is opened so the test ends and fails.
        let e = match rx.recv_timeout(std::time::Duration::from_secs(120)) {
            Ok(e) => e,
            Err(_) => {
                drop(std::fs::OpenOptions::new().write(true).open(&fifo));
                panic!("opening a FIFO artifact waited for a writer");
            }
        };
        assert_eq!(e.status, Status::ArtifactUnreadable);
        assert!(e.message.contains("found a FIFO"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn files_past_the_artifact_limit_are_refused() {
        use crate::error::Status;
        let e = too_large(Path::new("big.whl"), crate::limits::MAX_ARTIFACT_BYTES + 1).unwrap_err();
        assert_eq!(e.status, Status::LimitExceeded);
        assert!(too_large(Path::new("big.whl"), crate::limits::MAX_ARTIFACT_BYTES).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn whole_reads_stop_at_the_limit() {
        use crate::error::Status;
        let dir = std::env::temp_dir().join(format!("domainsig-whole-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big");
        std::fs::write(&big, vec![0u8; 2 << 20]).unwrap();
        assert_eq!(Artifact::Path(&big).bytes(1 << 20).unwrap_err().status, Status::LimitExceeded);
        std::fs::remove_dir_all(&dir).ok();
        let missing = Artifact::Path(Path::new("/nonexistent/domainsig")).bytes(10).unwrap_err();
        assert_eq!(missing.status, Status::ArtifactUnreadable);
    }
}
