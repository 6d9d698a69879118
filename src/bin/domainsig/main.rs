//! `domainsig`: verify Sigstore bundles with domain separation, for people and for the
//! sigstore-conformance harness. A thin layer over the library.
//!
//! Exit status: 0 verified, 1 rejected, 2 usage or input error.

use domainsig::limits::{MAX_BUNDLE_BYTES, MAX_KEY_BYTES};
use domainsig::{Artifact, Outcome, Policy, Request, Status};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage:
  domainsig verify --policy POLICY.json --bundle BUNDLE [--index-domain DOMAIN] [--name NAME]
                   [--digest sha256:HEX] [--json] [ARTIFACT]
  domainsig verify-bundle [--staging] --bundle FILE
                   (--certificate-identity ID --certificate-oidc-issuer URL | --key KEY.pub)
                   [--trusted-root FILE] FILE_OR_DIGEST
  domainsig verify-dir --policy POLICY.json [--index-domain DOMAIN] [--jobs N] [--json] DIR
                   (each ARTIFACT in DIR with ARTIFACT.sigstore.json, .sigstore or .publish.attestation,
                   named by its file name: an npm tarball x-1.0.0.tgz is the unscoped x@1.0.0, so
                   verify a scoped package with `verify --name pkg:npm/%40scope/x@1.0.0`)
  domainsig verify-lock --policy POLICY.json [--index-url URL] [--registry URL] [--jobs N] [--json] LOCKFILE
                   (pylock.toml, package-lock.json, npm-shrinkwrap.json or pnpm-lock.yaml)
  domainsig explain-policy POLICY.json
  domainsig trust update [--repo public-good|staging|URL|DIR] [--root BOOTSTRAP_ROOT.json] [--cache DIR]
                   [--index DOMAIN [--packages NAME,NAME... [--ecosystem pypi|npm]] [--lock LOCKFILE]...]
                   (--packages, --lock: also search the index's publisher map for these projects, or
                   every package a lockfile installs, fetching only their hashed bins; --lock may be
                   repeated, its ecosystem is the lock's kind: pylock.toml is pypi, package-lock.json,
                   npm-shrinkwrap.json and pnpm-lock.yaml are npm; docs/publisher-map.md)
  domainsig trust status [--repo public-good|staging|URL|DIR] [--root BOOTSTRAP_ROOT.json] [--cache DIR] [--json]
  domainsig --version

exit status: 0 verified (trust: updated), 1 rejected (trust: refused by TUF), 2 usage or input error";

/// A usage or input problem: exit 2.
struct Usage(String);

mod lock;
mod trust;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Nothing may escape as a panic (exit 101): a bug is reported and exits 2.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("domainsig: INTERNAL: {info}");
    }));
    match std::panic::catch_unwind(|| run(&args)) {
        Ok(Ok(code)) => code,
        Ok(Err(Usage(msg))) => {
            eprintln!("domainsig: {msg}");
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}

fn run(args: &[String]) -> Result<ExitCode, Usage> {
    match args.first().map(String::as_str) {
        Some("verify") => verify(&args[1..]),
        Some("verify-bundle") => verify_bundle(&args[1..]),
        Some("verify-dir") => verify_dir(&args[1..]),
        Some("verify-lock") => lock::run(&args[1..]),
        Some("explain-policy") => explain(&args[1..]),
        Some("trust") => trust::run(&args[1..]),
        Some("--version" | "-V") => {
            println!("domainsig {}", domainsig::VERSION);
            Ok(ExitCode::SUCCESS)
        }
        Some("--help" | "-h" | "help") => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(Usage(USAGE.into())),
    }
}

/// Parsed `--flag value` pairs, boolean flags and positionals.
struct Args {
    pairs: Vec<(String, String)>,
    flags: Vec<String>,
    positional: Vec<String>,
}

impl Args {
    fn parse(args: &[String], with_value: &[&str], boolean: &[&str]) -> Result<Args, Usage> {
        let mut out = Args { pairs: Vec::new(), flags: Vec::new(), positional: Vec::new() };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if let Some((k, v)) = a.split_once('=').filter(|(k, _)| k.starts_with("--")) {
                if !with_value.contains(&k) {
                    return Err(Usage(format!("unknown option {k}\n{USAGE}")));
                }
                out.pairs.push((k.to_owned(), v.to_owned()));
            } else if with_value.contains(&a.as_str()) {
                let v = it.next().ok_or_else(|| Usage(format!("{a} needs a value")))?;
                out.pairs.push((a.clone(), v.clone()));
            } else if boolean.contains(&a.as_str()) {
                out.flags.push(a.clone());
            } else if a.starts_with("--") && a.len() > 2 {
                return Err(Usage(format!("unknown option {a}\n{USAGE}")));
            } else {
                out.positional.push(a.clone());
            }
        }
        Ok(out)
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    /// Every value of an option that may be given more than once, in order.
    fn all(&self, k: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(n, _)| n == k).map(|(_, v)| v.as_str()).collect()
    }

    fn need(&self, k: &str) -> Result<&str, Usage> {
        self.get(k).ok_or_else(|| Usage(format!("{k} is required\n{USAGE}")))
    }

    fn flag(&self, k: &str) -> bool {
        self.flags.iter().any(|f| f == k)
    }
}

/// Reads a file named on the command line, never more than `limit` + 1 bytes (so `/dev/zero` or a
/// FIFO is refused as LIMIT_EXCEEDED instead of exhausting memory).
fn read(path: &str, limit: usize, what: &str) -> Result<Vec<u8>, Usage> {
    domainsig::limits::read_bounded(Path::new(path), limit, what).map_err(|e| Usage(e.to_string()))
}

/// `FILE_OR_DIGEST`: a `sha256:<hex>` digest, or a path.
fn artifact_arg(s: &str) -> Result<Artifact<'_>, Usage> {
    if let Some((alg, _)) = s.split_once(':') {
        if matches!(alg, "sha256" | "sha384" | "sha512") && !Path::new(s).exists() {
            return Artifact::parse_digest(s).map_err(|e| Usage(e.message));
        }
    }
    if !Path::new(s).is_file() {
        return Err(Usage(format!("cannot read artifact {s}: not a file")));
    }
    Ok(Artifact::Path(Path::new(s)))
}

fn report(outcome: &Outcome, json: bool) -> ExitCode {
    if json {
        println!("{}", outcome.to_json());
    }
    match &outcome.error {
        None => {
            if !json {
                eprintln!("OK: verified");
                if let Some(p) = outcome.publisher().and_then(|p| serde_json::to_string(&p).ok()) {
                    let first = outcome.decision.as_ref().is_some_and(|d| d.first_sight);
                    eprintln!(
                        "publisher: {p}{}",
                        if first { " (first sight: no pin covers this package)" } else { "" }
                    );
                }
                for w in outcome.decision.iter().flat_map(|d| d.warnings.iter()) {
                    eprintln!("warning: {w}");
                }
            }
            ExitCode::SUCCESS
        }
        Some(e) => {
            if !json {
                eprintln!("{}: {}", e.status, e.message);
            }
            match e.status {
                Status::InvalidArgument
                | Status::PolicyInvalid
                | Status::TrustedRootInvalid
                | Status::ArtifactUnreadable
                | Status::InputUnreadable => ExitCode::from(2),
                _ => ExitCode::from(1),
            }
        }
    }
}

fn verify(args: &[String]) -> Result<ExitCode, Usage> {
    let a = Args::parse(args, &["--policy", "--bundle", "--index-domain", "--name", "--digest"], &["--json"])?;
    let policy = load_policy(a.need("--policy")?)?;
    let bundle = read(a.need("--bundle")?, MAX_BUNDLE_BYTES, "bundle")?;
    let artifact = match (a.get("--digest"), a.positional.as_slice()) {
        (Some(d), []) => Artifact::parse_digest(d).map_err(|e| Usage(e.message))?,
        (None, [p]) => artifact_arg(p)?,
        (Some(_), [_]) => return Err(Usage("give ARTIFACT or --digest, not both".into())),
        _ => return Err(Usage(format!("exactly one ARTIFACT (or --digest) is required\n{USAGE}"))),
    };
    let outcome = policy.verify(&Request {
        artifact,
        name: a.get("--name"),
        bundle: &bundle,
        index_domain: a.get("--index-domain"),
    });
    Ok(report(&outcome, a.flag("--json")))
}

fn verify_bundle(args: &[String]) -> Result<ExitCode, Usage> {
    let a = Args::parse(
        args,
        &["--bundle", "--certificate-identity", "--certificate-oidc-issuer", "--key", "--trusted-root"],
        &["--staging"],
    )?;
    let root = match (a.get("--trusted-root"), a.flag("--staging")) {
        (Some(p), _) => {
            let p = std::fs::canonicalize(p).map_err(|e| Usage(format!("cannot read trusted root {p}: {e}")))?;
            serde_json::json!({ "path": p.to_string_lossy() })
        }
        (None, true) => serde_json::json!("staging"),
        (None, false) => serde_json::json!("public-good"),
    };
    let mut policy = serde_json::json!({
        "version": 1,
        "trusted_root": root,
        "domains": { "mode": "ignore" },
        "subject": { "require_name": false },
    });
    match (a.get("--key"), a.get("--certificate-identity"), a.get("--certificate-oidc-issuer")) {
        (Some(k), None, None) => {
            let pem =
                String::from_utf8(read(k, MAX_KEY_BYTES, "key")?).map_err(|_| Usage(format!("key {k} is not text")))?;
            policy["keys"] = serde_json::json!([{ "pem": pem }]);
        }
        (None, Some(id), Some(iss)) => {
            policy["identities"] = serde_json::json!([{ "issuer": iss, "san": id }]);
        }
        _ => {
            return Err(Usage(format!(
                "give --key, or both --certificate-identity and --certificate-oidc-issuer\n{USAGE}"
            )));
        }
    }
    let policy = Policy::from_json(policy.to_string().as_bytes(), None).map_err(|e| Usage(e.to_string()))?;
    let bundle = read(a.need("--bundle")?, MAX_BUNDLE_BYTES, "bundle")?;
    let [target] = a.positional.as_slice() else {
        return Err(Usage(format!("exactly one FILE_OR_DIGEST is required\n{USAGE}")));
    };
    let artifact = artifact_arg(target)?;
    let outcome = policy.verify(&Request { artifact, name: None, bundle: &bundle, index_domain: None });
    Ok(report(&outcome, false))
}

/// Bundle file suffixes `verify-dir` pairs with an artifact, in order of preference.
const BUNDLE_SUFFIXES: &[&str] = &[".sigstore.json", ".sigstore", ".publish.attestation"];

/// The same reading and path resolution as every other door's `from_file` (`Policy::from_file`).
fn load_policy(path: &str) -> Result<Policy, Usage> {
    Policy::from_file(Path::new(path)).map_err(|e| Usage(e.to_string()))
}

/// A batch's progress callback: a bar of `done`/`total` redrawn on stderr when `tty` (a terminal
/// that no `--json` reader parses), nothing otherwise.
fn progress_bar(total: usize, tty: bool) -> impl Fn(usize) + Sync {
    use std::io::Write;
    move |done: usize| {
        if tty && total > 0 {
            let width = 30;
            let filled = done * width / total;
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r[{}{}] {done}/{total}", "#".repeat(filled), ".".repeat(width - filled));
            let _ = e.flush();
        }
    }
}

fn verify_dir(args: &[String]) -> Result<ExitCode, Usage> {
    use std::io::IsTerminal;
    let a = Args::parse(args, &["--policy", "--index-domain", "--jobs"], &["--json"])?;
    let policy = load_policy(a.need("--policy")?)?;
    let [dir] = a.positional.as_slice() else {
        return Err(Usage(format!("verify-dir takes one DIR\n{USAGE}")));
    };
    let jobs: usize = match a.get("--jobs") {
        Some(j) => j.parse().map_err(|_| Usage(format!("--jobs must be a number, got {j}")))?,
        None => 0,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Usage(format!("cannot read directory {dir}: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut items: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for f in &files {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if BUNDLE_SUFFIXES.iter().any(|s| name.ends_with(s)) {
            continue;
        }
        let Some(bundle) =
            BUNDLE_SUFFIXES.iter().map(|s| PathBuf::from(format!("{}{s}", f.display()))).find(|p| p.is_file())
        else {
            continue;
        };
        items.push((f.clone(), read(&bundle.to_string_lossy(), MAX_BUNDLE_BYTES, "bundle")?));
    }
    if items.is_empty() {
        return Err(Usage(format!("no ARTIFACT with a bundle (ARTIFACT{{{}}}) in {dir}", BUNDLE_SUFFIXES.join(","))));
    }
    let names: Vec<String> = items
        .iter()
        .map(|(p, _)| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
        .collect();
    let reqs: Vec<Request<'_>> = items
        .iter()
        .zip(&names)
        .map(|((p, b), n)| Request {
            artifact: Artifact::Path(p),
            name: Some(n.as_str()),
            bundle: b,
            index_domain: a.get("--index-domain"),
        })
        .collect();
    let total = reqs.len();
    let tty = std::io::stderr().is_terminal() && !a.flag("--json");
    let progress = progress_bar(total, tty);
    let start = std::time::Instant::now();
    let outcomes = policy.verify_many(&reqs, jobs, &progress);
    let elapsed = start.elapsed();
    if tty {
        eprintln!();
    }
    let ok = outcomes.iter().filter(|o| o.is_ok()).count();
    if a.flag("--json") {
        let rows: Vec<serde_json::Value> = names
            .iter()
            .zip(&outcomes)
            .map(|(n, o)| {
                let mut v: serde_json::Value = serde_json::from_str(&o.to_json()).unwrap_or_default();
                v["artifact"] = serde_json::json!(n);
                v
            })
            .collect();
        println!("{}", serde_json::json!({ "verified": ok, "rejected": total - ok, "results": rows }));
    } else {
        let w = names.iter().map(String::len).max().unwrap_or(8).clamp(8, 60);
        println!("{:<w$}  {:<22}  reason", "artifact", "status");
        for (n, o) in names.iter().zip(&outcomes) {
            let reason = o.error.as_ref().map(|e| e.message.as_str()).unwrap_or("");
            println!("{n:<w$}  {:<22}  {reason}", o.status().name());
        }
        println!(
            "\n{ok} verified, {} rejected, {total} total in {:.1} ms ({:.2} ms/item)",
            total - ok,
            elapsed.as_secs_f64() * 1e3,
            elapsed.as_secs_f64() * 1e3 / total as f64
        );
    }
    Ok(if ok == total { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn explain(args: &[String]) -> Result<ExitCode, Usage> {
    let [path] = args else {
        return Err(Usage(format!("explain-policy takes one POLICY.json\n{USAGE}")));
    };
    let policy = load_policy(path)?;
    print!("{}", policy.explain());
    Ok(ExitCode::SUCCESS)
}
