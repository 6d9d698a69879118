//! `domainsig verify-lock LOCKFILE --policy P`: every artifact a lockfile pins, proven signed for
//! its index by the right publisher, by the locked digest (no artifact is downloaded).
//!
//! Exit status: 0 every entry verified (or listed, or passed unattested where the policy allows),
//! 1 any refused, 2 usage or input error (unreadable policy or lockfile, malformed lockfile).

use super::{Args, USAGE, Usage, load_policy, progress_bar, read};
use domainsig::limits::MAX_LOCK_BYTES;
use domainsig::lock::{self, Fetched, Fetcher, Verdict};
use std::path::Path;
use std::process::ExitCode;

/// Fetches in flight at once when `--jobs` is not given: attestation fetches wait on the network,
/// not the CPU, so more than the core count.
const DEFAULT_JOBS: usize = 8;

pub(crate) fn run(args: &[String]) -> Result<ExitCode, Usage> {
    use std::io::IsTerminal;
    let a = Args::parse(args, &["--policy", "--index-url", "--registry", "--jobs"], &["--json"])?;
    let policy = load_policy(a.need("--policy")?)?;
    let [path] = a.positional.as_slice() else {
        return Err(Usage(format!("verify-lock takes one LOCKFILE\n{USAGE}")));
    };
    let jobs: usize = match a.get("--jobs") {
        Some(j) => j
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| Usage(format!("--jobs must be a positive number, got {j}")))?,
        None => DEFAULT_JOBS,
    };
    let bytes = read(path, MAX_LOCK_BYTES, "lockfile")?;
    // The `.npmrc` beside the lockfile is the project's registry configuration (the user's word,
    // like --registry); read with the same bound as any small input.
    let npmrc = Path::new(path).parent().map(|d| d.join(".npmrc")).filter(|p| p.is_file());
    let npmrc = match npmrc {
        Some(p) => Some(
            String::from_utf8(read(&p.to_string_lossy(), 1 << 20, ".npmrc")?)
                .map_err(|_| Usage(format!("{} is not UTF-8 text", p.display())))?,
        ),
        None => None,
    };
    // The npm gate's trust file beside a package-lock.json: its recorded publishers are pins, as
    // the gate holds them (docs/lock.md).
    let trust = Path::new(path)
        .parent()
        .map(|d| d.join(lock::trustfile::FILE_NAME))
        .filter(|p| p.is_file() && lock::Format::from_file_name(path) == Some(lock::Format::PackageLock));
    let trust_file = match trust {
        Some(p) => Some(
            String::from_utf8(read(&p.to_string_lossy(), lock::trustfile::MAX_BYTES, lock::trustfile::FILE_NAME)?)
                .map_err(|_| Usage(format!("{} is not UTF-8 text", p.display())))?,
        ),
        None => None,
    };
    let opts = lock::Options {
        index_url: a.get("--index-url").map(str::to_owned),
        registry: a.get("--registry").map(str::to_owned),
        npmrc,
        trust_file,
    };
    let parsed = lock::parse(&bytes, path, &opts).map_err(|e| Usage(format!("{path}: {e}")))?;
    let total = parsed.entries.len();
    let tty = std::io::stderr().is_terminal() && !a.flag("--json");
    let progress = progress_bar(total, tty);
    let start = std::time::Instant::now();
    let http = Http::new();
    let report = lock::verify_parallel(&policy, &parsed, &http, jobs, &progress);
    let elapsed = start.elapsed();
    if tty {
        eprintln!();
    }
    if a.flag("--json") {
        println!("{}", report.to_json());
    } else {
        print_table(&report);
        println!(
            "\n{}: {} verified, {} unattested, {} refused, {} listed, {total} entries in {:.0} ms",
            parsed.format.name(),
            report.count(Verdict::Verified),
            report.count(Verdict::Unattested),
            report.count(Verdict::Refused),
            report.count(Verdict::Listed),
            elapsed.as_secs_f64() * 1e3
        );
        for r in report.entries.iter().filter(|r| r.verdict == Verdict::Refused) {
            let e = r.error.as_ref();
            eprintln!(
                "refused: {}{}: {}: {}",
                r.entry.name,
                r.entry.file.as_deref().or(r.entry.version.as_deref()).map(|v| format!(" {v}")).unwrap_or_default(),
                e.map_or("INTERNAL", |e| e.status.name()),
                e.map_or("", |e| e.message.as_str())
            );
        }
    }
    Ok(if report.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_table(report: &lock::Report) {
    let rows: Vec<[String; 5]> = report
        .entries
        .iter()
        .map(|r| {
            let what = r.entry.file.clone().unwrap_or_else(|| r.entry.name.clone());
            let publisher = r
                .publisher
                .as_ref()
                .map(|p| {
                    let kind = p.get("kind").and_then(|v| v.as_str()).unwrap_or("");
                    let who = p
                        .get("repository")
                        .or_else(|| p.get("email"))
                        .or_else(|| p.get("san"))
                        .and_then(|v| v.as_str())
                        .unwrap_or("");
                    format!("{kind} {who}")
                })
                .unwrap_or_else(|| "-".into());
            let verdict = match r.verdict {
                Verdict::Verified => "verified".to_owned(),
                Verdict::Unattested => "unattested (allowed)".to_owned(),
                Verdict::Listed => "listed (local)".to_owned(),
                Verdict::Refused => format!("REFUSED {}", r.status().name()),
            };
            [
                what,
                r.entry.version.clone().unwrap_or_else(|| "-".into()),
                r.index.clone().unwrap_or_else(|| "-".into()),
                publisher,
                verdict,
            ]
        })
        .collect();
    let head = ["package", "version", "index", "publisher", "verdict"];
    let w: Vec<usize> =
        (0..5).map(|i| rows.iter().map(|r| r[i].len()).chain([head[i].len()]).max().unwrap_or(0).min(60)).collect();
    let line = |r: [&str; 5]| {
        println!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        );
    };
    line(head);
    for r in &rows {
        line(r.each_ref().map(String::as_str));
    }
}

/// The CLI's HTTP client for lock documents: one ureq agent (connections reused across the
/// worker threads), rustls on aws-lc-rs with Mozilla's roots, proxies from the environment
/// (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`: ureq's default), JSON asked for ([`lock::ACCEPT`]).
struct Http {
    agent: ureq::Agent,
}

impl Http {
    fn new() -> Http {
        use std::sync::Arc;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = ureq::tls::TlsConfig::builder().unversioned_rustls_crypto_provider(provider).build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .max_idle_connections_per_host(DEFAULT_JOBS * 4)
            .build()
            .into();
        Http { agent }
    }
}

impl Fetcher for Http {
    fn fetch(&self, url: &str, max_len: u64) -> Result<Fetched, String> {
        match self.agent.get(url).header("Accept", lock::ACCEPT).call() {
            Ok(mut resp) => resp
                .body_mut()
                .with_config()
                .limit(max_len)
                .read_to_vec()
                .map(Fetched::Bytes)
                .map_err(|e| e.to_string()),
            Err(ureq::Error::StatusCode(404 | 403 | 410)) => Ok(Fetched::NotFound),
            Err(e) => Err(e.to_string()),
        }
    }
}
