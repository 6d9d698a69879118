//! Which TUF repository to trust and where its verified state is cached: the words a policy's
//! `trusted_root` and every front door (CLI, C, Python, Node) share.

use crate::error::{self, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Sigstore's public-good TUF repository, as every Sigstore client reaches it
/// (sigstore-python `DEFAULT_TUF_URL`, sigstore-go `DefaultMirror`).
pub const PUBLIC_GOOD_URL: &str = "https://tuf-repo-cdn.sigstore.dev";
/// Sigstore's staging TUF repository (sigstore-python `STAGING_TUF_URL`).
pub const STAGING_URL: &str = "https://tuf-repo-cdn.sigstage.dev";

/// Bootstrap root of public-good: root v15, byte for byte from sigstore/root-signing
/// (the same file as tests/tuf/sigstore-public-good/2026-08-21/15.root.json). Its own expiry does
/// not matter: the client walks the chain from it to the newest root (TUF 1.0 §5.3).
pub const PUBLIC_GOOD_ROOT: &[u8] = include_bytes!("../../../roots/tuf/public-good.root.json");
/// Bootstrap root of staging: root v14, `metadata/root.json` of sigstore/root-signing-staging at
/// commit ed88d5dc6c56bfdbf1a78219364e6d3e4ecfe0c9 (2026-08-21).
pub const STAGING_ROOT: &[u8] = include_bytes!("../../../roots/tuf/staging.root.json");

/// A TUF repository: one of Sigstore's two, or any other by URL or directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repo {
    /// Sigstore's public-good instance.
    PublicGood,
    /// Sigstore's staging instance.
    Staging,
    /// Any repository: `url_or_dir` is an `http(s)://` or `file://` URL or a local directory;
    /// `root` is the bootstrap `root.json` the client trusts on first use.
    Custom {
        /// Repository location (metadata at its top, targets under `targets/`).
        url_or_dir: String,
        /// Bootstrap root metadata bytes: needed only while the cache holds no verified state of
        /// the repository (then the cache's own root is trusted, as python-tuf and go-tuf do).
        /// Given with a cache, it must not contradict the roots that cache verified.
        root: Option<Vec<u8>>,
    },
}

/// Whether metadata expiry is enforced. Always `Enforce` outside tests of archived real
/// repositories: tough reads the wall clock and cannot be given another reference time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Expiry {
    /// Expired metadata is refused (the TUF guarantee against freeze attacks).
    #[default]
    Enforce,
    /// Expiry is not checked. Offers no freeze protection; never reachable from JSON.
    Ignore,
}

/// A repository plus the folder its verified state is cached in.
#[derive(Clone, Debug)]
pub struct TufConfig {
    /// The repository.
    pub repo: Repo,
    /// The cache root; the repository's own folder is a child of it.
    pub cache: PathBuf,
    /// Expiry enforcement (see [`Expiry`]).
    pub expiry: Expiry,
}

impl TufConfig {
    /// Parses `{"tuf": "public-good"|"staging"|{"repo": URL_OR_DIR, "root": PATH_OR_INLINE}, "cache": DIR}`
    /// (exactly these keys; `cache` optional, `root` optional once the cache holds the repository).
    /// A relative `root` path or `repo` directory resolves against `base_dir`.
    pub fn from_json(bytes: &[u8]) -> Result<TufConfig> {
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| error::policy_invalid(format!("TUF configuration is not JSON: {e}")))?;
        Self::from_value(&v, None)
    }

    /// As [`TufConfig::from_json`], from a parsed value (the policy's `trusted_root`).
    pub fn from_value(v: &Value, base_dir: Option<&Path>) -> Result<TufConfig> {
        let bad = |field: &str, msg: String| error::policy_invalid(msg).at(field.to_owned());
        let o = v.as_object().ok_or_else(|| {
            bad("trusted_root", "a TUF trust root must be an object {\"tuf\": ..., \"cache\": DIR}".into())
        })?;
        if let Some(k) = o.keys().find(|k| *k != "tuf" && *k != "cache") {
            return Err(bad(
                &format!("trusted_root.{k}"),
                format!("unknown key {k:?}: a TUF trust root takes only \"tuf\" and \"cache\""),
            ));
        }
        let resolve = |p: &str| match base_dir {
            Some(b) if Path::new(p).is_relative() => b.join(p),
            _ => PathBuf::from(p),
        };
        let repo = match o.get("tuf") {
            Some(Value::String(s)) if s == "public-good" => Repo::PublicGood,
            Some(Value::String(s)) if s == "staging" => Repo::Staging,
            Some(Value::Object(r)) => {
                if let Some(k) = r.keys().find(|k| *k != "repo" && *k != "root") {
                    return Err(bad(
                        &format!("trusted_root.tuf.{k}"),
                        format!("unknown key {k:?}: a custom TUF repository takes only \"repo\" and \"root\""),
                    ));
                }
                let url = r.get("repo").and_then(Value::as_str).ok_or_else(|| {
                    bad("trusted_root.tuf.repo", "expected the repository's URL or directory as a string".into())
                })?;
                let url_or_dir =
                    if url.contains("://") { url.to_owned() } else { resolve(url).to_string_lossy().into_owned() };
                let root = match r.get("root") {
                    Some(Value::String(p)) => Some(read_root_file(&resolve(p))?),
                    Some(o @ Value::Object(_)) => Some(o.to_string().into_bytes()),
                    None => None,
                    Some(_) => {
                        return Err(bad(
                            "trusted_root.tuf.root",
                            "expected the bootstrap root.json as a path or an inline object".into(),
                        ));
                    }
                };
                Repo::Custom { url_or_dir, root }
            }
            Some(other) => {
                return Err(bad(
                    "trusted_root.tuf",
                    format!("expected \"public-good\", \"staging\" or {{\"repo\", \"root\"}}, found {other}"),
                ));
            }
            None => return Err(bad("trusted_root.tuf", "missing \"tuf\"".into())),
        };
        let cache = match o.get("cache") {
            Some(Value::String(d)) => resolve(d),
            Some(_) => return Err(bad("trusted_root.cache", "expected a directory path as a string".into())),
            None => default_cache_dir()?,
        };
        Ok(TufConfig { repo, cache, expiry: Expiry::Enforce })
    }

    /// A config for `repo` with the default cache folder.
    pub fn new(repo: Repo) -> Result<TufConfig> {
        Ok(TufConfig { repo, cache: default_cache_dir()?, expiry: Expiry::Enforce })
    }

    /// The repository's location as tough takes it: a URL ending in `/`.
    pub(crate) fn base_url(&self) -> Result<url::Url> {
        let raw = match &self.repo {
            Repo::PublicGood => PUBLIC_GOOD_URL.to_owned(),
            Repo::Staging => STAGING_URL.to_owned(),
            Repo::Custom { url_or_dir, .. } if url_or_dir.contains("://") => url_or_dir.clone(),
            Repo::Custom { url_or_dir, .. } => {
                let abs = std::path::absolute(url_or_dir)
                    .map_err(|e| error::tuf_cache(format!("cannot resolve repository directory {url_or_dir}: {e}")))?;
                return url::Url::from_directory_path(&abs).map_err(|()| {
                    error::invalid_argument(format!("repository directory {} is not absolute", abs.display()))
                });
            }
        };
        let with_slash = if raw.ends_with('/') { raw } else { format!("{raw}/") };
        let url = url::Url::parse(&with_slash)
            .map_err(|e| error::invalid_argument(format!("repository URL {with_slash:?} does not parse: {e}")))?;
        match url.scheme() {
            "https" | "http" | "file" => Ok(url),
            s => Err(error::invalid_argument(format!(
                "repository URL {with_slash:?} has scheme {s:?}; expected https, http or file"
            ))),
        }
    }

    /// The bootstrap root this configuration trusts on first use (none given for a custom
    /// repository: the cache must already hold it).
    pub(crate) fn bootstrap_root(&self) -> Option<&[u8]> {
        match &self.repo {
            Repo::PublicGood => Some(PUBLIC_GOOD_ROOT),
            Repo::Staging => Some(STAGING_ROOT),
            Repo::Custom { root, .. } => root.as_deref(),
        }
    }

    /// Whether the caller named a bootstrap root (built-in roots are not named by the caller, so
    /// they never contradict a cache that has walked past them).
    pub(crate) fn given_root(&self) -> Option<&[u8]> {
        match &self.repo {
            Repo::Custom { root, .. } => root.as_deref(),
            _ => None,
        }
    }

    /// A short stable name for the repository, used as its cache folder name and in messages.
    pub fn repo_name(&self) -> String {
        match &self.repo {
            Repo::PublicGood => "public-good".to_owned(),
            Repo::Staging => "staging".to_owned(),
            Repo::Custom { url_or_dir, .. } => {
                let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, url_or_dir.as_bytes());
                let hex: String = d.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect();
                format!("custom-{hex}")
            }
        }
    }

    /// How a person names this repository to `domainsig trust update`.
    pub(crate) fn repo_arg(&self) -> String {
        match &self.repo {
            Repo::PublicGood => "public-good".to_owned(),
            Repo::Staging => "staging".to_owned(),
            Repo::Custom { url_or_dir, .. } => format!("{url_or_dir} --root BOOTSTRAP_ROOT.json"),
        }
    }

    /// The repository's own cache folder.
    pub fn repo_dir(&self) -> PathBuf {
        self.cache.join(self.repo_name())
    }
}

fn read_root_file(p: &Path) -> Result<Vec<u8>> {
    crate::trust::tuf::cache::read_bounded(p, crate::limits::MAX_TUF_METADATA_BYTES)
        .map_err(|e| e.at("trusted_root.tuf.root"))?
        .ok_or_else(|| error::policy_invalid(format!("bootstrap root {} does not exist", p.display())))
}

/// `$XDG_CACHE_HOME/domainsig/tuf`, else `$HOME/.cache/domainsig/tuf` (XDG Base Directory spec:
/// "If $XDG_CACHE_HOME is either not set or empty, a default equal to $HOME/.cache should be used").
pub fn default_cache_dir() -> Result<PathBuf> {
    let non_empty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    #[cfg(windows)]
    let base = non_empty("LOCALAPPDATA").map(PathBuf::from);
    #[cfg(not(windows))]
    let base = non_empty("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| non_empty("HOME").map(|h| PathBuf::from(h).join(".cache")));
    base.map(|b| b.join("domainsig").join("tuf"))
        .ok_or_else(|| error::tuf_cache("no cache folder: neither XDG_CACHE_HOME nor HOME is set; give \"cache\": DIR"))
}
