//! The bridge between tough's async `Transport` and the host's synchronous [`Fetcher`].
//!
//! tough runs on its own thread (a tokio current-thread runtime, no I/O driver: no sockets); each
//! http(s) URL it asks for travels over a channel to the thread that called `update`, which calls
//! the host's fetcher and sends the bytes back. So the fetcher needs neither `Send` nor `'static`,
//! and Python's GIL or Node's main thread stay where the host expects them. `file://` URLs are
//! read here, in bounded chunks, without the host.

use super::{Fetched, Fetcher};
use crate::limits::{MAX_TUF_FILE_BYTES, MAX_TUF_UPDATE_BYTES, MAX_TUF_UPDATE_BYTES_PER_MAP_NAME};
use bytes::Bytes;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use tough::{Transport, TransportError, TransportErrorKind, TransportStream};
use url::Url;

/// A fetch request from the tough thread: URL and where to send the answer.
pub(crate) type Request = (String, mpsc::Sender<Result<Fetched, String>>);

/// tough's view of the host: file URLs read locally, http(s) URLs forwarded to the host's thread.
#[derive(Clone, Debug)]
pub(crate) struct Bridge {
    requests: mpsc::Sender<Request>,
    /// Bytes this update has taken so far, whatever the URL and whether the network or the
    /// cache gave them: a repository gets at most `limit` of work per update, however many
    /// roles and targets it lists.
    fetched: Arc<Budget>,
    /// Unchanged files from the live generation instead of the network (see `reuse`).
    reuse: Arc<super::reuse::Reuse>,
}

impl Bridge {
    /// A bridge for one update, sending http(s) requests to `requests` and answering unchanged
    /// files from `reuse`.
    /// `map_names` publisher map names are searched: each may load a level-1 role, a bin and an
    /// entry, so the budget grows with them (see [`update_budget`]).
    pub(crate) fn new(requests: mpsc::Sender<Request>, reuse: Arc<super::reuse::Reuse>, map_names: usize) -> Bridge {
        let fetched = Arc::new(Budget { spent: AtomicU64::new(0), limit: update_budget(map_names) });
        Bridge { requests, fetched, reuse }
    }
}

/// The bytes one update may take: [`MAX_TUF_UPDATE_BYTES`] for the repository itself, plus
/// [`MAX_TUF_UPDATE_BYTES_PER_MAP_NAME`] per publisher map name searched. A cache remembering
/// thousands of names loads as many bins; with a fixed limit, its every refresh would be refused
/// once they outgrew it (at PyPI's scale, 4,096 names take about 30 MB).
pub(crate) fn update_budget(map_names: usize) -> u64 {
    MAX_TUF_UPDATE_BYTES.saturating_add(MAX_TUF_UPDATE_BYTES_PER_MAP_NAME.saturating_mul(map_names as u64))
}

/// What one update has taken, and may take.
#[derive(Debug)]
pub(crate) struct Budget {
    spent: AtomicU64,
    limit: u64,
}

/// Counts `n` more bytes against the update's budget; past it, the fetch fails.
fn spend(fetched: &Budget, url: &Url, n: u64) -> Result<(), TransportError> {
    let total = fetched.spent.fetch_add(n, Ordering::Relaxed).saturating_add(n);
    if total > fetched.limit {
        return Err(other(
            url,
            &format!(
                "this update has taken {total} bytes (fetched or from the cache), above the limit of {} per update \
                 ({MAX_TUF_UPDATE_BYTES}, plus {MAX_TUF_UPDATE_BYTES_PER_MAP_NAME} per publisher map name searched)",
                fetched.limit
            ),
        ));
    }
    Ok(())
}

#[tough::async_trait]
impl Transport for Bridge {
    async fn fetch(&self, url: Url) -> Result<TransportStream, TransportError> {
        let url = consistent_target_url(url);
        {
            match url.scheme() {
                "file" => read_file(&url, self.fetched.clone()),
                "http" | "https" => {
                    if let Some(b) = self.reuse.lookup(&url) {
                        // Counted like fetched bytes: a refresh accepts what a first update
                        // accepts, and many targets naming one cached body still hold a copy each.
                        spend(&self.fetched, &url, b.len() as u64)?;
                        return Ok(chunks(b));
                    }
                    let (tx, rx) = mpsc::channel();
                    self.requests.send((url.to_string(), tx)).map_err(|_| {
                        TransportError::new_with_cause(
                            TransportErrorKind::Other,
                            url.clone(),
                            HostError("the host stopped fetching".into()),
                        )
                    })?;
                    // Blocking is fine: the tough thread has nothing else to run while it waits.
                    match rx.recv().map_err(|_| other(&url, "the host's fetcher did not answer"))? {
                        Ok(Fetched::Bytes(b)) => {
                            if b.len() as u64 > MAX_TUF_FILE_BYTES {
                                return Err(other(
                                    &url,
                                    &format!(
                                        "the host returned {} bytes, above the limit {MAX_TUF_FILE_BYTES}",
                                        b.len()
                                    ),
                                ));
                            }
                            spend(&self.fetched, &url, b.len() as u64)?;
                            self.reuse.record(&url, &b);
                            Ok(chunks(b))
                        }
                        Ok(Fetched::NotFound) => Err(TransportError::new(TransportErrorKind::FileNotFound, url)),
                        Err(e) => {
                            Err(TransportError::new_with_cause(TransportErrorKind::Other, url.clone(), HostError(e)))
                        }
                    }
                }
                s => Err(TransportError::new_with_cause(
                    TransportErrorKind::UnsupportedUrlScheme,
                    url.clone(),
                    Msg(format!("scheme {s:?} is neither file nor http(s)")),
                )),
            }
        }
    }
}

/// tough names a consistent-snapshot target `targets/HASH.dir/name.json`; TUF 1.0 §5.7.3 and
/// python-tuf put the digest on the file name, `targets/dir/HASH.name.json`, which is how Sigstore
/// serves `registry.npmjs.org/keys.json`. Only the URL changes: tough still checks the length and
/// digests of what comes back.
fn consistent_target_url(url: Url) -> Url {
    let path = url.path();
    let Some(i) = path.rfind("/targets/") else { return url };
    let rest = &path[i + "/targets/".len()..];
    let Some((hash, name)) = rest.split_once('.') else { return url };
    let is_digest = (hash.len() == 64 || hash.len() == 128) && hash.bytes().all(|b| b.is_ascii_hexdigit());
    match name.rsplit_once('/') {
        Some((dir, file)) if is_digest => {
            let mut fixed = url.clone();
            fixed.set_path(&format!("{}/targets/{dir}/{hash}.{file}", &path[..i]));
            fixed
        }
        _ => url,
    }
}

/// The host's fetcher run on the calling thread until the tough thread hangs up.
pub(crate) fn serve(requests: mpsc::Receiver<Request>, fetcher: &dyn Fetcher) {
    for (url, reply) in requests {
        let answer = fetcher.fetch(&url, MAX_TUF_FILE_BYTES);
        let _ = reply.send(answer);
    }
}

/// Bytes handed to tough in 64 KiB pieces, so its per-file size limit stops at the first piece
/// past it rather than after copying the whole answer.
fn chunks(b: Vec<u8>) -> TransportStream {
    let b = Bytes::from(b);
    let pieces: Vec<Result<Bytes, TransportError>> =
        (0..b.len()).step_by(CHUNK).map(|i| Ok(b.slice(i..(i + CHUNK).min(b.len())))).collect();
    Box::pin(futures::stream::iter(pieces))
}

const CHUNK: usize = 64 << 10;

/// Reads a local file lazily in pieces; tough stops pulling once its size limit is passed, so an
/// endless file (a FIFO, `/dev/zero`) costs at most one limit plus one piece.
fn read_file(url: &Url, fetched: Arc<Budget>) -> Result<TransportStream, TransportError> {
    // The file name comes from metadata (a role's name, a target's name). Percent-decoding turns
    // `%2F` back into `/`, so a segment that decodes into a path is refused rather than followed.
    for seg in url.path_segments().into_iter().flatten() {
        let decoded = percent_decoded(seg);
        if decoded.iter().any(|b| matches!(b, b'/' | b'\\' | 0)) || decoded == b".." || decoded == b"." {
            let shown = String::from_utf8_lossy(&decoded);
            return Err(other(
                url,
                &format!("the path segment {seg:?} decodes to {shown:?}, which is not a file name"),
            ));
        }
    }
    let path = url.to_file_path().map_err(|()| other(url, "not a local path"))?;
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(TransportError::new(TransportErrorKind::FileNotFound, url.clone()));
        }
        Err(e) => return Err(other(url, &e.to_string())),
    };
    let url = url.clone();
    let mut total: u64 = 0;
    let stream = futures::stream::unfold(Some(file), move |state| {
        let url = url.clone();
        let Some(mut file) = state else {
            return std::future::ready(None);
        };
        let mut buf = vec![0u8; CHUNK];
        let item = match file.read(&mut buf) {
            Ok(0) => return std::future::ready(None),
            Ok(n) => {
                total += n as u64;
                if total > MAX_TUF_FILE_BYTES {
                    Err(other(&url, &format!("file is larger than the limit {MAX_TUF_FILE_BYTES}")))
                } else if let Err(e) = spend(&fetched, &url, n as u64) {
                    Err(e)
                } else {
                    buf.truncate(n);
                    Ok(Bytes::from(buf))
                }
            }
            Err(e) => Err(other(&url, &e.to_string())),
        };
        let next = if item.is_ok() { Some(file) } else { None };
        std::future::ready(Some((item, next)))
    });
    Ok(Box::pin(stream))
}

/// `seg` with each `%XX` replaced by its byte, as `Url::to_file_path` decodes it.
fn percent_decoded(seg: &str) -> Vec<u8> {
    let b = seg.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).and_then(|c| hex(*c)), b.get(i + 2).and_then(|c| hex(*c))) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn other(url: &Url, msg: &str) -> TransportError {
    TransportError::new_with_cause(TransportErrorKind::Other, url.clone(), Msg(msg.to_owned()))
}

/// A plain message as an error source.
#[derive(Debug)]
struct Msg(String);

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Msg {}

/// The host's own failure (network, TLS, timeout): `TUF_FETCH`, not a refusal of the repository.
#[derive(Debug)]
pub(crate) struct HostError(pub(crate) String);

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HostError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cache remembering the most names a cache keeps still refreshes at PyPI's scale: the bench
    /// (benches/publisher_map.rs) measures 8.8 MB for 1,000 names beyond the plain walk, so 4,096
    /// names take about 36 MB, above the fixed 32 MiB an update was once held to.
    #[test]
    fn the_budget_grows_with_the_names_searched() {
        assert_eq!(update_budget(0), MAX_TUF_UPDATE_BYTES);
        let full = update_budget(crate::limits::MAX_TUF_MAP_NAMES);
        assert!(full >= MAX_TUF_UPDATE_BYTES + 3 * 36_000_000, "{full}");
        let url = Url::parse("https://tuf.example/x").unwrap();
        let b = Budget { spent: AtomicU64::new(0), limit: update_budget(1) };
        assert!(spend(&b, &url, MAX_TUF_UPDATE_BYTES).is_ok());
        assert!(spend(&b, &url, MAX_TUF_UPDATE_BYTES_PER_MAP_NAME).is_ok());
        assert!(spend(&b, &url, 1).is_err());
    }
}
