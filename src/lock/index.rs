//! A PEP 691 JSON project page, read only for where each file's provenance is.
//!
//! PEP 691 (<https://peps.python.org/pep-0691/#project-detail>): `files`, each with `filename` and
//! `url`. PEP 740 "Changes to the simple API" (<https://peps.python.org/pep-0740/#changes-to-the-simple-api>):
//! each file may carry `provenance`, the URL of its provenance object, or `null` when it has none.
//! A page is the index's word, so it only says where to look: what is fetched from there is then
//! verified against the digest the lock pins.

use crate::limits;
use serde::Deserialize;

/// What a page says about one file's provenance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Provenance {
    /// The page has no `provenance` key for the file (an index without PEP 740 in its simple API).
    Unsaid,
    /// `"provenance": null`: the index has none.
    None,
    /// The provenance object's URL, resolved against the page URL.
    Url(String),
}

/// A project page: file name → provenance.
#[derive(Clone, Debug, Default)]
pub(crate) struct Page {
    files: Vec<(String, Provenance)>,
}

#[derive(Deserialize)]
struct Doc {
    files: Vec<File>,
}

#[derive(Deserialize)]
struct File {
    filename: String,
    // Present-and-null differs from absent: `Option<Option<_>>` with `default` keeps both apart.
    #[serde(default, deserialize_with = "present")]
    provenance: Option<Option<String>>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl Page {
    /// Reads a page's bytes; `None` when they are not a PEP 691 JSON page (an HTML page, an
    /// error document), which the caller treats as a page that says nothing.
    pub(crate) fn parse(bytes: &[u8], page_url: &str) -> Option<Page> {
        let doc: Doc = serde_json::from_slice(bytes).ok()?;
        if doc.files.len() > limits::MAX_INDEX_PAGE_FILES {
            return None;
        }
        let base = url::Url::parse(page_url).ok()?;
        let files = doc
            .files
            .into_iter()
            .map(|f| {
                let p = match f.provenance {
                    None => Provenance::Unsaid,
                    Some(None) => Provenance::None,
                    Some(Some(u)) => match base.join(&u) {
                        Ok(abs) if matches!(abs.scheme(), "http" | "https") => Provenance::Url(abs.to_string()),
                        _ => Provenance::None,
                    },
                };
                (f.filename, p)
            })
            .collect();
        Some(Page { files })
    }

    /// What the page says about `filename`, or `None` when it does not list it.
    pub(crate) fn provenance(&self, filename: &str) -> Option<&Provenance> {
        self.files.iter().find(|(f, _)| f == filename).map(|(_, p)| p)
    }
}

/// PEP 503 name normalisation (<https://peps.python.org/pep-0503/#normalized-names>): runs of
/// `-`, `_`, `.` become one `-`, lower case.
pub(crate) fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep {
            out.push('-');
        }
        sep = false;
        out.extend(c.to_lowercase());
    }
    if sep {
        out.push('-');
    }
    out
}

/// One path segment, percent-encoded (a lock's name, version or file name goes into a URL path
/// and must stay one segment).
pub(crate) fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'!') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // `.` and `..` are path steps, not names.
    if out == "." || out == ".." {
        out = out.replace('.', "%2E");
    }
    out
}
