//! `domainsig trust update|status`: the TUF front door for people and scripts.
//!
//! Exit status: 0 updated (or status shown), 1 refused by TUF, 2 usage, network or I/O error.

use super::{Args, USAGE, Usage};
use domainsig::Status;
use domainsig::trust::tuf::{self, Fetched, Fetcher, TufConfig};
use std::process::ExitCode;

pub(crate) fn run(args: &[String]) -> Result<ExitCode, Usage> {
    match args.first().map(String::as_str) {
        Some("update") => update(&args[1..]),
        Some("status") => status(&args[1..]),
        _ => Err(Usage(format!("trust takes update or status\n{USAGE}"))),
    }
}

fn config(a: &Args) -> Result<TufConfig, Usage> {
    if !a.positional.is_empty() {
        return Err(Usage(format!("unexpected argument {}\n{USAGE}", a.positional[0])));
    }
    let repo = match (a.get("--repo").unwrap_or("public-good"), a.get("--root")) {
        ("public-good", None) => serde_json::json!("public-good"),
        ("staging", None) => serde_json::json!("staging"),
        (name @ ("public-good" | "staging"), Some(_)) => {
            return Err(Usage(format!("--root is for other repositories; {name}'s root is built in")));
        }
        (url, Some(root)) => serde_json::json!({"repo": url, "root": root}),
        // Once the cache holds the repository its own verified root is trusted; the first
        // update says that it needs --root (TUF_MISSING).
        (url, None) => serde_json::json!({"repo": url}),
    };
    let mut v = serde_json::json!({ "tuf": repo });
    if let Some(c) = a.get("--cache") {
        v["cache"] = serde_json::json!(c);
    }
    let cwd = std::env::current_dir().ok();
    TufConfig::from_value(&v, cwd.as_deref()).map_err(|e| Usage(e.to_string()))
}

fn update(args: &[String]) -> Result<ExitCode, Usage> {
    let a = Args::parse(
        args,
        &["--repo", "--root", "--cache", "--index", "--packages", "--ecosystem", "--lock"],
        &["--json"],
    )?;
    let cfg = config(&a)?;
    let locks = a.all("--lock");
    let asks = a.get("--packages").is_some() || !locks.is_empty();
    let index = match a.get("--index") {
        Some(index) if asks => Some(index),
        None if !asks && a.get("--ecosystem").is_none() => None,
        _ => {
            return Err(Usage(
                "--index and --packages go together, or --index and --lock (--ecosystem with --packages)".to_owned(),
            ));
        }
    };
    let mut wanted = Vec::new();
    if let (Some(index), Some(list)) = (index, a.get("--packages")) {
        let eco = match a.get("--ecosystem").unwrap_or("pypi") {
            "pypi" => domainsig::subject::Ecosystem::Pypi,
            "npm" => domainsig::subject::Ecosystem::Npm,
            other => return Err(Usage(format!("--ecosystem takes pypi or npm, not {other:?}"))),
        };
        let names: Vec<&str> = list.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
        wanted = domainsig::trust::publisher_map::wanted(index, eco, &names).map_err(|e| Usage(e.to_string()))?;
    } else if a.get("--ecosystem").is_some() {
        return Err(Usage("--ecosystem is for --packages; a lock's ecosystem is its kind".to_owned()));
    }
    if let Some(index) = index {
        for path in locks {
            wanted.extend(lock_names(index, path)?);
        }
    }
    match tuf::update_for(&cfg, &Https, &wanted) {
        Ok(r) => {
            if a.flag("--json") {
                println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
            } else {
                print_report(&r);
                for c in &r.changed {
                    println!("changed: {}", printable(c, false));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("domainsig: {}", printable(&e.to_string(), true));
            Ok(match e.status {
                Status::TufRefused | Status::TufExpired => ExitCode::from(1),
                _ => ExitCode::from(2),
            })
        }
    }
}

/// The map entries a lockfile's packages need: read with the bound and parsed by the parser
/// `verify-lock` uses, so a malformed or oversized lock is refused with its message before
/// anything is fetched (the cache is not touched).
fn lock_names(index: &str, path: &str) -> Result<Vec<String>, Usage> {
    let refused = |e: domainsig::Error| Usage(printable(&format!("{path}: {e}"), true));
    let bytes = super::read(path, domainsig::limits::MAX_LOCK_BYTES, "lockfile")?;
    // Names only: registries (`--registry`, `.npmrc`) decide where files come from, not which
    // packages are installed, so the defaults serve.
    let lock = domainsig::lock::parse(&bytes, path, &domainsig::lock::Options::default()).map_err(refused)?;
    domainsig::trust::publisher_map::wanted_from_lock(index, &lock).map_err(refused)
}

fn status(args: &[String]) -> Result<ExitCode, Usage> {
    let a = Args::parse(args, &["--repo", "--root", "--cache"], &["--json"])?;
    let cfg = config(&a)?;
    match tuf::status(&cfg) {
        Ok(r) => {
            if a.flag("--json") {
                println!("{}", serde_json::to_string_pretty(&r).unwrap_or_default());
            } else {
                print_report(&r);
            }
            Ok(if r.roles.iter().any(|x| x.expired) { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Err(e) => {
            eprintln!("domainsig: {}", printable(&e.to_string(), true));
            Ok(ExitCode::from(2))
        }
    }
}

/// `s` with every control character (an escape sequence would rewrite the user's terminal) shown
/// as `\u{..}`; `lines` keeps line breaks, which multi-line messages use. Names come from
/// repository metadata and the cache, both written by someone else.
fn printable(s: &str, lines: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() && !(lines && c == '\n') {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

fn print_report(r: &tuf::Report) {
    let r = &printable_report(r);
    println!("repository {} ({}), cache {}", r.repository, r.url, r.cache);
    println!("verified at {}", r.verified_at);
    for role in &r.roles {
        let note = if role.expired { "  EXPIRED" } else { "" };
        println!("  {:<20} v{:<6} expires {}{note}", role.role, role.version, role.expires);
    }
    for t in &r.targets {
        println!("  target {:<40} {:>8} bytes  sha256 {}  ({})", t.name, t.length, t.sha256, t.role);
    }
    // Publisher maps: per index, the delegation's version and expiry, and what was searched.
    let mut indexes: Vec<&str> = r.asked.iter().filter_map(|n| n.split_once('/').map(|(i, _)| i)).collect();
    // `asked` is in the order names were asked for, not sorted.
    indexes.sort_unstable();
    indexes.dedup();
    for index in indexes {
        let prefix = format!("{index}/publishers/");
        let asked = r.asked.iter().filter(|n| n.starts_with(&prefix)).count();
        let found = r.targets.iter().filter(|t| t.name.starts_with(&prefix)).count();
        let (version, expires) = r
            .roles
            .iter()
            .find(|x| x.role == index)
            .map_or(("?".to_owned(), "?".to_owned()), |x| (x.version.to_string(), x.expires.clone()));
        let earliest = r.roles.iter().filter(|x| x.role.starts_with(index)).map(|x| x.expires.as_str()).min();
        println!(
            "publisher map of {index}: role {index} v{version} expires {expires} (earliest bin expiry {}); {asked} projects searched, {found} with an entry",
            earliest.unwrap_or("?")
        );
    }
}

/// A copy of `r` with every string [`printable`].
fn printable_report(r: &tuf::Report) -> tuf::Report {
    let p = |s: &String| printable(s, false);
    let mut r = r.clone();
    for s in [&mut r.repository, &mut r.url, &mut r.cache, &mut r.verified_at] {
        *s = p(s);
    }
    for role in &mut r.roles {
        role.role = p(&role.role);
        role.expires = p(&role.expires);
    }
    for t in &mut r.targets {
        t.name = p(&t.name);
        t.sha256 = p(&t.sha256);
        t.role = p(&t.role);
        t.domain = t.domain.as_ref().map(p);
    }
    for s in r.changed.iter_mut().chain(r.asked.iter_mut()) {
        *s = p(s);
    }
    r
}

/// The CLI's network. Local repositories never reach it (the library reads them itself).
struct Https;

impl Fetcher for Https {
    fn fetch(&self, url: &str, max_len: u64) -> Result<Fetched, String> {
        fetch_https(url, max_len)
    }
}

/// One GET through ureq: rustls on aws-lc-rs, Mozilla's roots (webpki-roots), proxies from the
/// usual environment variables. 404 and 403 end the root chain (S3 and GCS answer 403 for absent
/// objects, which python-tuf and sigstore-go also treat as "not found").
fn fetch_https(url: &str, max_len: u64) -> Result<Fetched, String> {
    use std::sync::Arc;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = ureq::tls::TlsConfig::builder().unversioned_rustls_crypto_provider(provider).build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .build()
        .into();
    match agent.get(url).call() {
        Ok(mut resp) => {
            resp.body_mut().with_config().limit(max_len).read_to_vec().map(Fetched::Bytes).map_err(|e| e.to_string())
        }
        Err(ureq::Error::StatusCode(404 | 403)) => Ok(Fetched::NotFound),
        Err(e) => Err(e.to_string()),
    }
}
