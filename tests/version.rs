//! One version everywhere: Cargo.toml (the source), the Python package, the npm package, the C
//! `domainsig_version()` string, and the soname and symbol-version node (both follow the major).
//! `scripts/dist.sh` names every artifact from Cargo.toml; `scripts/test-dist.sh` checks the built
//! artifacts report the same version.

use std::path::Path;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const MAJOR: &str = env!("CARGO_PKG_VERSION_MAJOR");

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `version = "..."` line of one TOML table, read without a TOML parser (a flat, known file).
fn toml_version(text: &str, table: &str) -> Option<String> {
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == format!("[{table}]");
        } else if inside && let Some(rest) = line.strip_prefix("version") {
            let value = rest.trim_start().strip_prefix('=')?.trim();
            return Some(value.trim_matches('"').to_owned());
        }
    }
    None
}

#[test]
fn python_package_has_the_crate_version() {
    let found = toml_version(&read("bindings/python/pyproject.toml"), "project");
    assert_eq!(found.as_deref(), Some(VERSION), "bindings/python/pyproject.toml [project] version");
}

#[test]
fn npm_package_has_the_crate_version() {
    let json: serde_json::Value =
        serde_json::from_str(&read("bindings/node/package.json")).expect("package.json is JSON");
    assert_eq!(json["version"].as_str(), Some(VERSION), "bindings/node/package.json version");
}

#[test]
fn c_abi_reports_the_crate_version() {
    // domainsig_version() returns domainsig::VERSION (checked by src/ffi.rs's own tests).
    assert_eq!(domainsig::VERSION, VERSION);
}

#[test]
fn soname_and_symbol_version_follow_the_major() {
    let build = read("build.rs");
    assert!(
        build.contains("-Wl,-soname,libdomainsig.so.{major}") && build.contains("CARGO_PKG_VERSION_MAJOR"),
        "build.rs must derive the soname from the crate's major version"
    );
    let map = read("domainsig.map");
    assert!(map.contains(&format!("DOMAINSIG_{MAJOR} {{")), "domainsig.map's version node must be DOMAINSIG_{MAJOR}");
    let header = read("include/domainsig.h");
    assert!(
        header.contains(&format!("(`\"{VERSION}\"`)")),
        "the header documents domainsig_version() as \"{VERSION}\""
    );
}
