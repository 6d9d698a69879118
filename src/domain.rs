//! Index locations ("domains") and the one normalisation both sides of every comparison go through.
//!
//! A signed domain (`https://registry.npmjs.org/`) and the index an installer fetched from
//! (`registry.npmjs.org`) must compare equal exactly when they name the same index, so both are
//! reduced to one canonical text: `host[:port][/path]`, with
//!
//! - the scheme dropped (`http` and `https` only; any other scheme is refused), together with its
//!   default port (443 for `https` or no scheme, 80 for `http`; 443 is implied by the
//!   scheme-less canonical text, so it is dropped after `http://` too);
//! - the host lower-cased and converted from Unicode to ASCII (IDNA/UTS #46), a trailing `.` dropped;
//! - the path kept (conda channels live under paths), trailing `/` dropped.
//!
//! Anything that could make two readings of the same text disagree is refused with
//! `DOMAIN_INVALID` rather than guessed at: wildcards, empty labels, userinfo, query, fragment,
//! whitespace, percent-escapes, `.`/`..` path segments, IP-literal brackets, and over-long input.

use crate::error::{self, Result};
use crate::limits;
use serde::Serialize;
use std::fmt;

/// Longest host name (RFC 1035 §2.3.4, without the trailing dot).
const MAX_HOST_LEN: usize = 253;
/// Longest host label (RFC 1035 §2.3.4).
const MAX_LABEL_LEN: usize = 63;

/// A normalised index location: `host[:port][/path]`, ASCII, lower-case host.
///
/// Only [`normalize`] builds one, so two `Domain`s are equal exactly when they name the same index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Domain(String);

impl Domain {
    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host part (without port or path).
    pub fn host(&self) -> &str {
        let end = self.0.find([':', '/']).unwrap_or(self.0.len());
        self.0.get(..end).unwrap_or(&self.0)
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn invalid(input: &str, why: &str) -> error::Error {
    // Input is echoed in messages; keep it bounded so an over-long domain cannot bloat results.
    let shown: String = input.chars().take(128).collect();
    let ellipsis = if shown.len() < input.len() { "..." } else { "" };
    error::domain_invalid(format!("{shown:?}{ellipsis} is not a valid index domain: {why}"))
}

/// Normalises an index location (signed, configured or given by the caller).
///
/// Accepts `pypi.org`, `https://pypi.org/`, `HTTPS://PyPI.org:443`, `http://mirror.example:8080/simple`,
/// `prefix.dev/conda-forge`, `bücher.example` (→ `xn--bcher-kva.example`).
pub fn normalize(input: &str) -> Result<Domain> {
    if input.len() > limits::MAX_DOMAIN_LEN {
        return Err(invalid(input, &format!("longer than {} bytes", limits::MAX_DOMAIN_LEN)));
    }
    if input.is_empty() {
        return Err(invalid(input, "empty"));
    }
    if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(input, "contains whitespace or control characters"));
    }
    if input.contains('*') {
        return Err(invalid(input, "wildcards are not allowed"));
    }
    if input.contains('?') {
        return Err(invalid(input, "a query is not allowed"));
    }
    if input.contains('#') {
        return Err(invalid(input, "a fragment is not allowed"));
    }
    if input.contains('\\') {
        return Err(invalid(input, "backslashes are not allowed"));
    }

    let (default_port, rest) = match input.split_once("://") {
        Some((scheme, rest)) => {
            let port = match scheme.to_ascii_lowercase().as_str() {
                "https" => 443,
                "http" => 80,
                other => return Err(invalid(input, &format!("scheme {other:?} is not http or https"))),
            };
            (port, rest)
        }
        None => (443, input),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(invalid(input, "userinfo (user@) is not allowed"));
    }
    if authority.starts_with('[') {
        return Err(invalid(input, "IP-literal hosts are not supported"));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => {
            if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(input, &format!("port {p:?} is not a number")));
            }
            match p.parse::<u16>() {
                Ok(0) | Err(_) => return Err(invalid(input, &format!("port {p} is out of range"))),
                Ok(n) => (h, Some(n)),
            }
        }
        None => (authority, None),
    };
    let host = normalize_host(input, host)?;
    let path = normalize_path(input, path)?;

    let mut out = host;
    // The canonical text has no scheme, so it reads as https: 443 is implied for every scheme,
    // which keeps normalisation idempotent (`http://x:443` → `x` → `x`).
    if let Some(p) = port.filter(|p| *p != default_port && *p != 443) {
        out.push(':');
        out.push_str(&p.to_string());
    }
    out.push_str(&path);
    Ok(Domain(out))
}

fn normalize_host(input: &str, host: &str) -> Result<String> {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() {
        return Err(invalid(input, "the host is empty"));
    }
    if host.split('.').any(str::is_empty) {
        return Err(invalid(input, "the host has an empty label"));
    }
    let ascii = idna::domain_to_ascii_cow(host.as_bytes(), idna::AsciiDenyList::STD3)
        .map_err(|_| invalid(input, "the host is not a valid (internationalised) domain name"))?;
    if ascii.len() > MAX_HOST_LEN {
        return Err(invalid(input, &format!("the host is longer than {MAX_HOST_LEN} bytes")));
    }
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(invalid(input, "the host has an empty label"));
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(invalid(input, &format!("a host label is longer than {MAX_LABEL_LEN} bytes")));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(invalid(input, "a host label starts or ends with '-'"));
        }
        if !label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(invalid(input, "the host has characters other than letters, digits and '-'"));
        }
    }
    Ok(ascii.into_owned())
}

/// Path characters kept as they are: RFC 3986 unreserved plus the sub-delimiters that cannot
/// change how a path is read. `%` is refused so one path cannot have two spellings.
fn path_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '-' | '.' | '_' | '~' | '!' | '$' | '&' | '\'' | '(' | ')' | '+' | ',' | ';' | '=' | ':' | '@')
}

fn normalize_path(input: &str, path: &str) -> Result<String> {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let mut out = String::with_capacity(trimmed.len());
    // `trimmed` starts with '/', so the first split item is the empty text before it.
    for seg in trimmed.split('/').skip(1) {
        if seg.is_empty() {
            return Err(invalid(input, "the path has an empty segment (//)"));
        }
        if seg == "." || seg == ".." {
            return Err(invalid(input, "the path has a '.' or '..' segment"));
        }
        if let Some(c) = seg.chars().find(|c| !path_char_ok(*c)) {
            return Err(invalid(input, &format!("the path has the character {c:?}")));
        }
        out.push('/');
        out.push_str(seg);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;

    fn n(s: &str) -> String {
        normalize(s).unwrap_or_else(|e| panic!("{s:?}: {e}")).0
    }

    fn bad(s: &str) {
        let e = normalize(s).expect_err(s);
        assert_eq!(e.status, Status::DomainInvalid, "{s:?}: {e}");
    }

    #[test]
    fn scheme_is_dropped() {
        assert_eq!(n("https://pypi.org"), "pypi.org");
        assert_eq!(n("HTTPS://pypi.org"), "pypi.org");
        assert_eq!(n("http://pypi.org"), "pypi.org");
        assert_eq!(n("pypi.org"), "pypi.org");
        bad("ftp://pypi.org");
        bad("file:///etc/passwd");
        bad("://pypi.org");
    }

    #[test]
    fn trailing_slash_and_dot_are_dropped() {
        assert_eq!(n("https://registry.npmjs.org/"), "registry.npmjs.org");
        assert_eq!(n("pypi.org."), "pypi.org");
        assert_eq!(n("pypi.org./"), "pypi.org");
        assert_eq!(n("prefix.dev/conda-forge/"), "prefix.dev/conda-forge");
        assert_eq!(n("prefix.dev/conda-forge///"), "prefix.dev/conda-forge");
        // Only one trailing dot is a root label; two mean an empty label.
        bad("pypi.org..");
    }

    #[test]
    fn host_is_lower_cased_and_idna_converted() {
        assert_eq!(n("PyPI.ORG"), "pypi.org");
        assert_eq!(n("bücher.example"), "xn--bcher-kva.example");
        assert_eq!(n("BÜCHER.example"), "xn--bcher-kva.example");
        assert_eq!(n("xn--bcher-kva.example"), "xn--bcher-kva.example");
        // A full-width dot is a label separator under UTS #46.
        assert_eq!(n("pypi\u{3002}org"), "pypi.org");
        bad("xn--invalid-punycode-.example");
        bad("under_score.example");
    }

    #[test]
    fn default_ports_are_dropped_others_kept() {
        assert_eq!(n("pypi.org:443"), "pypi.org");
        assert_eq!(n("https://pypi.org:443/"), "pypi.org");
        assert_eq!(n("http://pypi.org:80"), "pypi.org");
        assert_eq!(n("http://pypi.org:443"), "pypi.org");
        assert_eq!(n("http://pypi.org:8080"), "pypi.org:8080");
        assert_eq!(n("https://pypi.org:80"), "pypi.org:80");
        assert_eq!(n("pypi.org:80"), "pypi.org:80");
        assert_eq!(n("mirror.corp.example:8443/pypi"), "mirror.corp.example:8443/pypi");
        bad("pypi.org:");
        bad("pypi.org:0");
        bad("pypi.org:65536");
        bad("pypi.org:44a");
        bad("pypi.org:+443");
    }

    #[test]
    fn path_is_kept_verbatim() {
        assert_eq!(n("https://conda.anaconda.org/conda-forge"), "conda.anaconda.org/conda-forge");
        assert_eq!(n("prefix.dev/Conda-Forge"), "prefix.dev/Conda-Forge");
        assert_ne!(n("prefix.dev/conda-forge"), n("prefix.dev/bioconda"));
        assert_ne!(n("prefix.dev/conda-forge"), n("prefix.dev"));
        bad("prefix.dev//conda-forge");
        bad("prefix.dev/./conda-forge");
        bad("prefix.dev/a/../b");
        bad("prefix.dev/conda%2Dforge");
    }

    #[test]
    fn ambiguous_forms_are_invalid() {
        bad("");
        bad("*.pypi.org");
        bad("pypi.*");
        bad("pypi..org");
        bad(".pypi.org");
        bad("https:///pypi");
        bad("user@pypi.org");
        bad("https://user:pw@pypi.org/");
        bad("pypi.org?x=1");
        bad("pypi.org/#frag");
        bad("pypi .org");
        bad(" pypi.org");
        bad("pypi.org\n");
        bad("[::1]:443");
        bad("-pypi.org");
        bad("pypi-.org");
        bad(r"pypi.org\simple");
        bad(&format!("{}.org", "a".repeat(64)));
        bad(&format!("{}org", "abcdefghi.".repeat(26)));
        bad(&"a".repeat(limits::MAX_DOMAIN_LEN + 1));
    }

    #[test]
    fn host_accessor() {
        assert_eq!(normalize("mirror.example:8443/pypi").unwrap().host(), "mirror.example");
        assert_eq!(normalize("prefix.dev/x").unwrap().host(), "prefix.dev");
        assert_eq!(normalize("pypi.org").unwrap().host(), "pypi.org");
    }

    proptest::proptest! {
        #[test]
        fn normalisation_is_idempotent(s in "\\PC{0,40}") {
            if let Ok(d) = normalize(&s) {
                let again = normalize(d.as_str()).expect("a normalised domain normalises");
                proptest::prop_assert_eq!(again, d);
            }
        }

        #[test]
        fn normalisation_is_idempotent_on_url_like_input(
            scheme in proptest::option::of("(https?|HTTPS)://"),
            host in "[a-zA-Z0-9-]{1,12}(\\.[a-zA-Z0-9-]{1,12}){0,3}\\.?",
            port in proptest::option::of(0u32..70000),
            path in "(/[a-zA-Z0-9._~-]{0,8}){0,3}/?",
        ) {
            let s = format!("{}{host}{}{path}", scheme.unwrap_or_default(), port.map(|p| format!(":{p}")).unwrap_or_default());
            if let Ok(d) = normalize(&s) {
                proptest::prop_assert_eq!(normalize(d.as_str()).expect("idempotent"), d.clone());
                proptest::prop_assert!(!d.as_str().ends_with('/') && !d.host().ends_with('.'));
                proptest::prop_assert_eq!(d.host().to_ascii_lowercase(), d.host());
            }
        }
    }
}
