//! Which registry an npm package comes from: the caller's `--registry`, or the `.npmrc` beside the
//! lockfile (`registry=URL`, `@scope:registry=URL`), never a prefix cut from a tarball URL (a
//! tarball URL is the index's word, and the index does not choose which registry is judged).
//!
//! npm's config keys: <https://docs.npmjs.com/cli/v11/using-npm/config#registry> and scoped
//! registries, <https://docs.npmjs.com/cli/v11/using-npm/scope#associating-a-scope-with-a-registry>.

use super::{DEFAULT_REGISTRY, Options, base_url};
use crate::error::Result;

/// `(@scope, registry URL)` pairs.
type Scopes = Vec<(String, String)>;

/// The registries of one lock: the default, and one per scope.
#[derive(Clone, Debug)]
pub struct Registries {
    default: String,
    scopes: Scopes,
}

impl Registries {
    /// From the caller's options: `registry` (as `--registry`) wins over the `.npmrc`'s
    /// `registry=`; an `.npmrc` `@scope:registry=` line decides for that scope's packages.
    pub fn new(opts: &Options) -> Result<Registries> {
        let (rc_default, scopes) = match &opts.npmrc {
            Some(text) => read(text)?,
            None => (None, Vec::new()),
        };
        let default = match (&opts.registry, rc_default) {
            (Some(r), _) => base_url(r, "the registry URL")?,
            (None, Some(r)) => r,
            (None, None) => DEFAULT_REGISTRY.to_owned(),
        };
        Ok(Registries { default, scopes })
    }

    /// The registry of a package name (`@scope/name` takes its scope's registry when one is set).
    pub fn for_name(&self, name: &str) -> &str {
        if let Some((scope, _)) = name.split_once('/').filter(|(s, _)| s.starts_with('@')) {
            if let Some((_, r)) = self.scopes.iter().find(|(s, _)| s == scope) {
                return r;
            }
        }
        &self.default
    }
}

/// `registry=` and `@scope:registry=` of an `.npmrc` (ini: `key=value`, `;` and `#` comments).
/// Lines with environment references (`${...}`) are refused: the value would be the
/// environment's, which this reader does not see, and guessing is how a registry gets swapped.
fn read(text: &str) -> Result<(Option<String>, Scopes)> {
    let mut default = None;
    let mut scopes: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else { continue };
        let (k, v) = (k.trim(), v.trim().trim_matches('"'));
        let key_scope = if k == "registry" {
            None
        } else if let Some(scope) = k.strip_suffix(":registry").filter(|s| s.starts_with('@') && s.len() > 1) {
            Some(scope)
        } else {
            continue;
        };
        if v.contains("${") {
            return Err(crate::error::lock_invalid(format!(
                "expected a literal registry URL in .npmrc; found {k}={v} (an environment reference)"
            )));
        }
        let url = base_url(v, &format!(".npmrc {k}"))?;
        match key_scope {
            None => default = Some(url),
            Some(s) => {
                scopes.retain(|(x, _)| x != s);
                scopes.push((s.to_owned(), url));
            }
        }
    }
    Ok((default, scopes))
}
