//! Subject binding: does the signed statement name *this* artifact?
//!
//! The artifact's name (a filename or a purl, given by the installer) is compared with the name of
//! the statement subject whose digest matched the artifact, in the naming rules of its ecosystem:
//!
//! - **PyPI** wheels and sdists are compared as pypi-attestations compares them: both names are
//!   parsed and "ultranormalised" (project name canonicalised per PEP 503 and written with `_`,
//!   version normalised per PEP 440, compressed wheel tag sets sorted) and must then be equal.
//! - **npm** artifacts are named by purl, `pkg:npm/%40scope/name@version` (percent-decoded before
//!   comparison). A tarball name `name-version.tgz` reads as the unscoped package, since a tarball
//!   name cannot carry the scope.
//! - **conda** packages (`name-version-build.conda` / `.tar.bz2`) must match the subject's full
//!   filename exactly (CEP 27: the subject name is the filename in `repodata.json`).
//! - Any other name must equal the subject name exactly.
//!
//! A name that splits into a package and a version more than one way (`a-1.0.0-2.0.0.tgz` is
//! `a@1.0.0-2.0.0` or `a-1.0.0@2.0.0`; the sdist `foo-1.0-1.tar.gz` is `foo 1.0.post1` or
//! `foo-1.0 1`) names no package and matches nothing, not even its own text: accepting it would
//! let one package's artifact pass under the other's name, version and pins ([`readings`]).

use crate::error::{self, Result};
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// Package ecosystems whose artifact names domainsig can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// Python wheels and sdists.
    Pypi,
    /// npm packages (purls or unscoped tarballs).
    Npm,
    /// conda packages.
    Conda,
}

/// What an artifact name says about the package it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PackageRef {
    /// The ecosystem whose naming rules apply.
    pub ecosystem: Ecosystem,
    /// The package name, normalised as the ecosystem compares names (PEP 503 for PyPI;
    /// `@scope/name` for npm).
    pub name: String,
    /// The version, normalised as the ecosystem compares versions (PEP 440 for PyPI).
    pub version: String,
    /// The whole name in the form it is compared in (ultranormalised filename for PyPI,
    /// `@scope/name@version` for npm, the filename for conda).
    pub canonical: String,
}

impl PackageRef {
    /// Whether a package name from a policy (a `packages` key, a predicate's `name`) names this
    /// package under the ecosystem's rules.
    pub fn has_name(&self, name: &str) -> bool {
        match self.ecosystem {
            Ecosystem::Pypi => canonicalize_pypi_name(name) == self.name,
            Ecosystem::Npm | Ecosystem::Conda => name == self.name,
        }
    }

    /// Whether a version string from a signed predicate names this package's version.
    pub fn has_version(&self, version: &str) -> bool {
        match self.ecosystem {
            Ecosystem::Pypi => normalize_pep440(version).is_some_and(|v| v == self.version),
            Ecosystem::Npm | Ecosystem::Conda => version == self.version,
        }
    }
}

/// Reads an artifact name (filename or purl) as a package of a known ecosystem, if it names
/// exactly one (see [`readings`]).
pub fn parse(name: &str) -> Option<PackageRef> {
    let mut r = readings(name);
    if r.len() == 1 { r.pop() } else { None }
}

/// Every package an artifact name could name: one for a purl, a wheel or a conda file; one per
/// way the name splits into a package and a version for an npm tarball or an sdist (several means
/// the name is ambiguous and names none of them); none for a name of no known ecosystem.
pub fn readings(name: &str) -> Vec<PackageRef> {
    if let Some(p) = parse_npm_purl(name) {
        return vec![p];
    }
    if let Some(stem) = name.strip_suffix(".tgz") {
        return npm_tarball_readings(stem);
    }
    if let Some(stem) = name.strip_suffix(".whl") {
        return parse_wheel(stem).into_iter().collect();
    }
    if name.ends_with(".tar.gz") || name.ends_with(".zip") {
        return sdist_readings(name);
    }
    if name.ends_with(".conda") || name.ends_with(".tar.bz2") {
        return parse_conda(name).into_iter().collect();
    }
    Vec::new()
}

/// Reads a purl (and only a purl) as an npm package: what an npm publish predicate's subject is.
pub fn parse_purl(name: &str) -> Option<PackageRef> {
    parse_npm_purl(name)
}

/// Checks that `subject_name` (from the signed statement) names the artifact called `artifact_name`.
pub fn check_name(subject_name: &str, artifact_name: &str) -> Result<()> {
    if names_match(subject_name, artifact_name) {
        return Ok(());
    }
    Err(error::subject(format!(
        "the signed statement is about {subject_name:?}, but the artifact is {artifact_name:?}"
    )))
}

/// Whether `subject_name` names the artifact called `artifact_name` (see the module docs).
pub fn names_match(subject_name: &str, artifact_name: &str) -> bool {
    match (readings(subject_name).as_slice(), readings(artifact_name).as_slice()) {
        // A recognised artifact name needs a subject of the same ecosystem naming the same thing
        // (an npm tarball name and a purl compare as `name@version`).
        ([s], [a]) => s.ecosystem == a.ecosystem && s.canonical == a.canonical,
        // An unrecognised name is compared as text (e.g. a release tarball signed by its filename).
        ([], []) => subject_name == artifact_name,
        // One side names no package, or could name more than one.
        _ => false,
    }
}

// ---- npm ---------------------------------------------------------------------------------------

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `pkg:npm/name@version` or `pkg:npm/%40scope/name@version` (the purl type is case-insensitive).
/// Qualifiers and subpaths are refused: a publish subject names exactly one package version.
fn parse_npm_purl(s: &str) -> Option<PackageRef> {
    let prefix = s.get(..8)?;
    if !prefix.eq_ignore_ascii_case("pkg:npm/") {
        return None;
    }
    let rest = &s[8..];
    if rest.contains(['?', '#']) {
        return None;
    }
    let (path, version) = rest.rsplit_once('@')?;
    let segs: Vec<&str> = path.split('/').collect();
    let (scope, name) = match segs.as_slice() {
        [name] => (None, percent_decode(name)?),
        [scope, name] => {
            let scope = percent_decode(scope)?;
            (Some(scope.strip_prefix('@').unwrap_or(&scope).to_owned()), percent_decode(name)?)
        }
        _ => return None,
    };
    let version = percent_decode(version)?;
    let bad = |x: &str| x.is_empty() || x.contains(['/', '@']) || x.chars().any(char::is_whitespace);
    if bad(&name) || bad(&version) || scope.as_deref().is_some_and(bad) {
        return None;
    }
    let full = match scope {
        Some(sc) => format!("@{sc}/{name}"),
        None => name,
    };
    Some(PackageRef { ecosystem: Ecosystem::Npm, canonical: format!("{full}@{version}"), name: full, version })
}

/// npm tarball names: the registry serves `<name>/-/<unscoped name>-<version>.tgz` (pnpm's
/// get-npm-tarball-url builds the same URL), and `npm pack` writes `<name>-<version>.tgz` with a
/// scope's `@` dropped and its `/` written `-` (npm-pack(1), "copy the tarball to the current
/// working directory as `<name>-<version>.tgz`"). Either way the scope is gone, so a tarball name
/// reads as an unscoped package; a split counts when the right side is a valid SemVer 2.0.0 version
/// (semver.org, "Backus–Naur Form Grammar for Valid SemVer Versions").
fn npm_tarball_readings(stem: &str) -> Vec<PackageRef> {
    let valid_name = |n: &str| {
        !n.is_empty()
            && !n.starts_with(['@', '.', '-'])
            && !n.contains(['/', '%'])
            && !n.chars().any(char::is_whitespace)
    };
    stem.match_indices('-')
        .map(|(i, _)| (&stem[..i], &stem[i + 1..]))
        .filter(|(n, v)| valid_name(n) && SEMVER.is_match(v))
        .map(|(n, v)| PackageRef {
            ecosystem: Ecosystem::Npm,
            name: n.to_owned(),
            version: v.to_owned(),
            canonical: format!("{n}@{v}"),
        })
        .collect()
}

/// SemVer 2.0.0, written from the spec's grammar: numeric identifiers without leading zeros,
/// pre-release identifiers numeric or alphanumeric (with `-`), build identifiers any of those.
static SEMVER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^
        (?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)
        (?:-(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?
        (?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?
        $",
    )
    .unwrap_or_else(|e| unreachable!("constant regex: {e}"))
});

/// Splits an npm package name as the publish predicate writes it (`@scope/name` or `name`).
pub fn npm_name_is_valid(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    match parts.as_slice() {
        [n] => !n.is_empty() && !n.starts_with('@'),
        [s, n] => s.len() > 1 && s.starts_with('@') && !n.is_empty(),
        _ => false,
    }
}

// ---- conda -------------------------------------------------------------------------------------

fn parse_conda(s: &str) -> Option<PackageRef> {
    let stem = s.strip_suffix(".conda").or_else(|| s.strip_suffix(".tar.bz2"))?;
    let mut it = stem.rsplitn(3, '-');
    let (build, version, name) = (it.next()?, it.next()?, it.next()?);
    if [build, version, name].iter().any(|p| p.is_empty()) || s.contains('/') {
        return None;
    }
    Some(PackageRef {
        ecosystem: Ecosystem::Conda,
        name: name.to_owned(),
        version: version.to_owned(),
        canonical: s.to_owned(),
    })
}

// ---- PyPI --------------------------------------------------------------------------------------

/// PEP 503 name canonicalisation: runs of `-`, `_`, `.` become `-`, then lower-case.
pub fn canonicalize_pypi_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// PEP 440 version grammar (the spec's appendix pattern, case-insensitive, `v` prefix allowed).
static PEP440: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*v?
        (?:(?P<epoch>[0-9]+)!)?
        (?P<release>[0-9]+(?:\.[0-9]+)*)
        (?:[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
        (?:-(?P<post_n1>[0-9]+)|[-_.]?(?:post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?(?P<post_l>))?
        (?:[-_.]?dev[-_.]?(?P<dev_n>[0-9]+)?(?P<dev_l>))?
        (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
        \s*$",
    )
    .unwrap_or_else(|e| unreachable!("constant regex: {e}"))
});

/// Decimal text without leading zeros (no integer conversion, so no overflow).
fn int_text(digits: &str) -> &str {
    let t = digits.trim_start_matches('0');
    if t.is_empty() { "0" } else { t }
}

/// The PEP 440 normal form of `v` (as `packaging.version.Version.__str__` writes it), or `None`
/// when `v` is not a valid version.
pub fn normalize_pep440(v: &str) -> Option<String> {
    let c = PEP440.captures(v)?;
    let mut out = String::new();
    if let Some(e) = c.name("epoch") {
        let e = int_text(e.as_str());
        if e != "0" {
            out.push_str(e);
            out.push('!');
        }
    }
    let release: Vec<&str> = c.name("release")?.as_str().split('.').map(int_text).collect();
    out.push_str(&release.join("."));
    if let Some(l) = c.name("pre_l") {
        out.push_str(match l.as_str().to_ascii_lowercase().as_str() {
            "a" | "alpha" => "a",
            "b" | "beta" => "b",
            _ => "rc",
        });
        out.push_str(c.name("pre_n").map_or("0", |n| int_text(n.as_str())));
    }
    if let Some(n) = c.name("post_n1") {
        out.push_str(".post");
        out.push_str(int_text(n.as_str()));
    } else if c.name("post_l").is_some() {
        out.push_str(".post");
        out.push_str(c.name("post_n2").map_or("0", |n| int_text(n.as_str())));
    }
    if c.name("dev_l").is_some() {
        out.push_str(".dev");
        out.push_str(c.name("dev_n").map_or("0", |n| int_text(n.as_str())));
    }
    if let Some(l) = c.name("local") {
        out.push('+');
        let segs: Vec<String> = l
            .as_str()
            .split(['-', '_', '.'])
            .map(
                |s| if s.bytes().all(|b| b.is_ascii_digit()) { int_text(s).to_owned() } else { s.to_ascii_lowercase() },
            )
            .collect();
        out.push_str(&segs.join("."));
    }
    Some(out)
}

/// A wheel or sdist project name part: word characters, `.` and `_` (PEP 427 escaping), no `__`
/// run checks beyond what packaging does.
fn valid_wheel_name_part(s: &str) -> bool {
    !s.is_empty() && !s.contains("__") && s.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

/// An sdist `name-version.tar.gz` / `.zip`, split at every `-` whose right side is a PEP 440
/// version: pypi-attestations (like packaging's `parse_sdist_filename`) splits at the last `-`,
/// but a legacy name such as `foo-1.0-1.tar.gz` is also `foo` 1.0.post1, and the two must not
/// be mistaken for each other (PEP 625 names, with `_` for `-`, always split one way).
fn sdist_readings(s: &str) -> Vec<PackageRef> {
    let (stem, ext) = match (s.strip_suffix(".tar.gz"), s.strip_suffix(".zip")) {
        (Some(stem), _) => (stem, ".tar.gz"),
        (None, Some(stem)) => (stem, ".zip"),
        (None, None) => return Vec::new(),
    };
    if stem.contains('/') {
        return Vec::new();
    }
    let split = |i: usize| {
        let (name_part, version_part) = (&stem[..i], &stem[i + 1..]);
        if name_part.is_empty() {
            return None;
        }
        let name = canonicalize_pypi_name(name_part);
        let version = normalize_pep440(version_part)?;
        Some(PackageRef {
            ecosystem: Ecosystem::Pypi,
            canonical: format!("{}-{version}{ext}", name.replace('-', "_")),
            name,
            version,
        })
    };
    // The last `-` must split it, as upstream reads it; every other split is another reading.
    let Some((last_i, last)) = stem.rfind('-').and_then(|i| Some((i, split(i)?))) else { return Vec::new() };
    let mut out: Vec<PackageRef> =
        stem.match_indices('-').filter(|&(i, _)| i != last_i).filter_map(|(i, _)| split(i)).collect();
    out.push(last);
    out
}

fn sorted_tag_set(part: &str) -> Option<String> {
    let mut v: Vec<String> = part.split('.').map(str::to_ascii_lowercase).collect();
    if v.iter().any(|t| t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
        return None;
    }
    v.sort();
    v.dedup();
    Some(v.join("."))
}

fn parse_wheel(stem: &str) -> Option<PackageRef> {
    let parts: Vec<&str> = stem.split('-').collect();
    let (name_part, version_part, build, tags) = match parts.as_slice() {
        [n, v, i, a, p] => (*n, *v, None, [*i, *a, *p]),
        [n, v, b, i, a, p] => (*n, *v, Some(*b), [*i, *a, *p]),
        _ => return None,
    };
    if !valid_wheel_name_part(name_part) {
        return None;
    }
    let name = canonicalize_pypi_name(name_part);
    let version = normalize_pep440(version_part)?;
    let build = match build {
        None => None,
        Some(b) => {
            let digits = b.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            Some(format!("{}{}", int_text(&b[..digits]), &b[digits..]))
        }
    };
    let [i, a, p] = tags;
    let tags = [sorted_tag_set(i)?, sorted_tag_set(a)?, sorted_tag_set(p)?].join("-");
    let mut canonical = format!("{}-{version}", name.replace('-', "_"));
    if let Some(b) = build {
        canonical.push('-');
        canonical.push_str(&b);
    }
    canonical.push('-');
    canonical.push_str(&tags);
    canonical.push_str(".whl");
    Some(PackageRef { ecosystem: Ecosystem::Pypi, name, version, canonical })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep440_normal_forms() {
        for (input, want) in [
            ("1.0", "1.0"),
            ("v1.0", "1.0"),
            ("01.002.0", "1.2.0"),
            ("1.0a", "1.0a0"),
            ("1.0-alpha.1", "1.0a1"),
            ("1.0.BETA2", "1.0b2"),
            ("1.0c1", "1.0rc1"),
            ("1.0preview3", "1.0rc3"),
            ("1.0-1", "1.0.post1"),
            ("1.0.rev", "1.0.post0"),
            ("1.0_r4", "1.0.post4"),
            ("1.0dev", "1.0.dev0"),
            ("1!2.0.post1.dev3", "1!2.0.post1.dev3"),
            ("0!1.0", "1.0"),
            ("1.0+Ubuntu-01_A", "1.0+ubuntu.1.a"),
            ("  1.0  ", "1.0"),
            ("0.0.4a2", "0.0.4a2"),
            ("99999999999999999999999.0", "99999999999999999999999.0"),
        ] {
            assert_eq!(normalize_pep440(input).as_deref(), Some(want), "{input}");
        }
        for bad in ["", "1.0.", "a1", "1.0+", "1.0+a..b", "1.0-", "1..0", "1.0 beta", "latest"] {
            assert_eq!(normalize_pep440(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn pypi_names_canonicalise() {
        assert_eq!(canonicalize_pypi_name("Foo.Bar__baz-Qux"), "foo-bar-baz-qux");
        assert_eq!(canonicalize_pypi_name("rfc8785"), "rfc8785");
    }

    #[test]
    fn wheels_compare_ultranormalised() {
        let w = |s: &str| parse(s).map(|p| p.canonical);
        assert_eq!(w("rfc8785-0.1.2-py3-none-any.whl").as_deref(), Some("rfc8785-0.1.2-py3-none-any.whl"));
        assert_eq!(w("Foo.Bar-01.0-py3-none-any.whl").as_deref(), Some("foo_bar-1.0-py3-none-any.whl"));
        assert_eq!(w("foo-1.0-py3.py2-none-any.whl").as_deref(), Some("foo-1.0-py2.py3-none-any.whl"));
        assert_eq!(w("foo-1.0-007abc-py3-none-ANY.whl").as_deref(), Some("foo-1.0-7abc-py3-none-any.whl"));
        assert_eq!(
            w("spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl").as_deref(),
            Some("spt3g-1.0-cp310-cp310-manylinux2014_x86_64.manylinux_2_17_x86_64.whl")
        );
        // Not wheels: wrong part count, bad name, bad version, build tag not starting with a digit.
        for bad in [
            "foo-1.0-any.whl",
            "foo-1.0-a-b-c-d-e.whl",
            "fo-o-1.0-py3-none-any.whl",
            "foo__bar-1.0-py3-none-any.whl",
            "foo-notaversion-py3-none-any.whl",
            "foo-1.0-abc-py3-none-any.whl",
            "foo-1.0-py3--any.whl",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert!(!names_match("Foo_Bar-1.0-py3-none-any.whl", "foo.bar-1.0.0-py3-none-any.whl"));
        assert!(names_match("Foo_Bar-1.0-py3-none-any.whl", "foo.bar-1.0-py3-none-any.whl"));
        assert!(names_match("foo-1.0-py3.py2-none-any.whl", "foo-1.0-py2.py3-none-any.whl"));
    }

    #[test]
    fn sdists_compare_ultranormalised() {
        let p = parse("pypi_attestation_models-0.0.4a2.tar.gz").expect("sdist");
        assert_eq!(p.name, "pypi-attestation-models");
        assert_eq!(p.version, "0.0.4a2");
        assert_eq!(p.canonical, "pypi_attestation_models-0.0.4a2.tar.gz");
        assert!(names_match("pypi-attestation-models-0.0.4.alpha2.tar.gz", "pypi_attestation_models-0.0.4a2.tar.gz"));
        assert!(names_match("Foo-1.0.zip", "foo-1.0.zip"));
        assert!(!names_match("foo-1.0.zip", "foo-1.0.tar.gz"));
        assert!(!names_match("foo-1.0.tar.gz", "foo-1.1.tar.gz"));
        assert!(!names_match("bar-1.0.tar.gz", "foo-1.0.tar.gz"));
        assert_eq!(parse("foo.tar.gz"), None);
        assert_eq!(parse("foo-bar.tar.gz"), None);
    }

    #[test]
    fn a_recognised_artifact_needs_a_recognised_subject() {
        // An unparseable subject never matches a PyPI artifact, even by text.
        assert!(!names_match("foo-1.0-py3-none-any.whl-", "foo-1.0-py3-none-any.whl"));
        assert!(!names_match("pkg:npm/foo@1.0", "foo-1.0.tar.gz"));
        assert!(!names_match("foo-1.0.tar.gz", "pkg:npm/foo@1.0"));
    }

    #[test]
    fn npm_purls() {
        let p = parse("pkg:npm/%40sigstore/cli@0.8.0").expect("purl");
        assert_eq!((p.name.as_str(), p.version.as_str()), ("@sigstore/cli", "0.8.0"));
        let p = parse("PKG:NPM/sigstore@1.3.0").expect("purl");
        assert_eq!(p.canonical, "sigstore@1.3.0");
        assert!(names_match("pkg:npm/%40sigstore/cli@0.8.0", "pkg:npm/@sigstore/cli@0.8.0"));
        assert!(!names_match("pkg:npm/%40sigstore/cli@0.8.0", "pkg:npm/%40evil/cli@0.8.0"));
        assert!(!names_match("pkg:npm/%40sigstore/cli@0.8.0", "pkg:npm/%40sigstore/cli@0.8.1"));
        assert!(!names_match("pkg:npm/sigstore@1.3.0", "pkg:npm/sigstore2@1.3.0"));
        for bad in
            ["pkg:npm/x", "pkg:npm/@1.0", "pkg:npm/a/b/c@1", "pkg:npm/x@1.0?arch=x", "pkg:npm/x@", "pkg:npm/%zz@1"]
        {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert!(npm_name_is_valid("@a/b") && npm_name_is_valid("b"));
        assert!(!npm_name_is_valid("@a") && !npm_name_is_valid("a/b") && !npm_name_is_valid(""));
    }

    #[test]
    fn npm_tarballs_only_for_unscoped_packages() {
        assert!(names_match("pkg:npm/sigstore@1.3.0", "sigstore-1.3.0.tgz"));
        assert!(!names_match("pkg:npm/sigstore@1.3.0", "sigstore-1.3.1.tgz"));
        assert!(!names_match("pkg:npm/%40scope/cli@1.0.0", "cli-1.0.0.tgz"));
        assert!(!names_match("pkg:npm/%40scope/cli@1.0.0", "scope-cli-1.0.0.tgz"));
    }

    #[test]
    fn npm_tarball_names_read_as_unscoped_packages() {
        let p = parse("x-1.0.0.tgz").expect("tarball");
        assert_eq!((p.ecosystem, p.name.as_str(), p.version.as_str()), (Ecosystem::Npm, "x", "1.0.0"));
        let p = parse("my-pkg-1.0.0-rc.1+build.5.tgz").expect("tarball");
        assert_eq!((p.name.as_str(), p.version.as_str()), ("my-pkg", "1.0.0-rc.1+build.5"));
        // Not SemVer 2.0.0 on any split: no npm package (compared as text).
        for other in ["artifact.tgz", "x-1.0.tgz", "x-01.0.0.tgz", "x-v1.0.0.tgz", "-1.0.0.tgz", "x-1.0.0-.tgz"] {
            assert!(readings(other).is_empty(), "{other}");
        }
        assert!(names_match("artifact.tgz", "artifact.tgz"));
        // Only a purl is a publish predicate's subject.
        assert_eq!(parse_purl("x-1.0.0.tgz"), None);
    }

    #[test]
    fn names_that_split_two_ways_name_nothing() {
        let r = readings("a-1.0.0-2.0.0.tgz");
        let r: Vec<&str> = r.iter().map(|p| p.canonical.as_str()).collect();
        assert_eq!(r, ["a@1.0.0-2.0.0", "a-1.0.0@2.0.0"]);
        assert_eq!(parse("a-1.0.0-2.0.0.tgz"), None);
        for subject in ["pkg:npm/a@1.0.0-2.0.0", "pkg:npm/a-1.0.0@2.0.0", "a-1.0.0-2.0.0.tgz"] {
            assert!(!names_match(subject, "a-1.0.0-2.0.0.tgz"), "{subject}");
        }
        assert_eq!(readings("foo-1.0-1.tar.gz").len(), 2);
        assert!(!names_match("foo-1.0-1.tar.gz", "foo-1.0-1.tar.gz"));
        assert!(names_match("foo-1.0.post1.tar.gz", "Foo-1.0.post1.tar.gz"));
        assert_eq!(parse("foo_1.0-1.tar.gz").map(|p| p.name), Some("foo-1-0".to_owned()));
        // Wheels and conda files split one way by construction.
        assert_eq!(readings("foo-1.0-1-py3-none-any.whl").len(), 1);
        assert_eq!(readings("ca-certificates-2024.1.1-h06a4308_0.conda").len(), 1);
    }

    #[test]
    fn conda_filenames_match_exactly() {
        let p = parse("numpy-1.24.3-py310h5f9d8e6_0.conda").expect("conda");
        assert_eq!((p.name.as_str(), p.version.as_str()), ("numpy", "1.24.3"));
        let p = parse("ca-certificates-2024.1.1-h06a4308_0.tar.bz2").expect("conda");
        assert_eq!(p.name, "ca-certificates");
        assert!(names_match("numpy-1.24.3-py310h5f9d8e6_0.conda", "numpy-1.24.3-py310h5f9d8e6_0.conda"));
        assert!(!names_match("numpy-1.24.3-py310h5f9d8e6_0.tar.bz2", "numpy-1.24.3-py310h5f9d8e6_0.conda"));
        assert!(!names_match("numpy-1.24.3-py310h5f9d8e6_1.conda", "numpy-1.24.3-py310h5f9d8e6_0.conda"));
        assert_eq!(parse("numpy-1.0.conda"), None);
    }

    #[test]
    fn other_names_compare_as_text() {
        assert!(names_match("a.txt", "a.txt"));
        assert!(!names_match("a.txt", "b.txt"));
        assert!(!names_match("A.txt", "a.txt"));
        assert!(check_name("a.txt", "b.txt").is_err());
    }

    #[test]
    fn package_refs_compare_names_and_versions_per_ecosystem() {
        let p = parse("Foo.Bar-1.0.tar.gz").unwrap();
        assert!(p.has_name("foo_bar") && p.has_name("FOO-BAR") && !p.has_name("foobar"));
        assert!(!p.has_version("1.0.0") && p.has_version("v1.0") && !p.has_version("x"));
        let n = parse("pkg:npm/%40s/x@1.0.0").unwrap();
        assert!(n.has_name("@s/x") && !n.has_name("@S/x") && n.has_version("1.0.0") && !n.has_version("v1.0.0"));
    }
}
