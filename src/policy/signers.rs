//! Who may sign, and how old a signature must be: the policy's voices for one package, first
//! sight, and `min_age`. Pure, like the rest of `policy`.
//!
//! Sources of pins ("voices") for a package P, each a list of accepted signers (identities and
//! publishers; any one entry may match):
//! 1. the policy's: `packages[P].identities` / `.publishers` when that entry names any, otherwise
//!    the top-level `identities` / `publishers` (a package entry replaces them, it does not add);
//! 2. each of `packages[P].sources` (what a lock recorded, what an index's map says).
//!
//! Every voice that speaks must accept the signer; the decision lists each one's accepting entry.
//! When none speaks, the signer is refused, unless `first_sight` is set: then any verified signer
//! is accepted and the decision says `first_sight`, so the caller records the `publisher`.

use super::{AgeDecision, Decision, IdentityRule, MinAge, PackagePin, PinMatch, Policy};
use crate::error::{self, Result};
use crate::publisher::{self, Publisher};
use crate::subject::PackageRef;
use crate::trust::publisher_map::Lookup;
use crate::verified::VerifiedBundle;
use crate::x509::claims::CertificateIdentity;

/// One source of pins for a package.
pub(super) struct Voice<'p> {
    /// `policy`, a pin source's label, or a publisher map's description.
    source: std::borrow::Cow<'p, str>,
    /// The policy path of the lists (`""`, `packages["x"]`, `packages["x"].sources[0]`).
    base: String,
    identities: &'p [IdentityRule],
    publishers: &'p [Publisher],
}

impl Voice<'_> {
    fn path(&self, list: &str) -> String {
        if self.base.is_empty() { list.to_owned() } else { format!("{}.{list}", self.base) }
    }

    /// The voice in words, for refusals (`the policy (top level)`, `pylock.toml (packages["x"].sources[0])`).
    pub(super) fn describe(&self) -> String {
        self.who()
    }

    fn who(&self) -> String {
        if self.source == "policy" {
            format!("the policy ({})", if self.base.is_empty() { "top level" } else { &self.base })
        } else {
            format!("{} ({})", self.source, self.base)
        }
    }
}

/// The package entry that applies to `pkg`, if any. The one place the package a pin names is
/// matched to the artifact's package.
pub(super) fn package_pin<'p>(p: &'p Policy, pkg: Option<&PackageRef>) -> Result<Option<&'p PackagePin>> {
    let Some(pkg) = pkg else { return Ok(None) };
    let mut pins = p.packages.iter().filter(|pin| pkg.has_name(&pin.name));
    match (pins.next(), pins.next()) {
        (None, _) => Ok(None),
        (Some(pin), None) => Ok(Some(pin)),
        (Some(a), Some(b)) => Err(error::policy_invalid(format!(
            "packages {:?} and {:?} both name the package {}; keep one",
            a.name, b.name, pkg.name
        ))
        .at("packages")),
    }
}

/// Whether `m` speaks for a file fetched from `f`: test.pypi.org's map never governs pypi.org,
/// only the index itself or a mirror `domains.mirrors` allows for it.
fn serves(p: &Policy, m: &crate::trust::publisher_map::PublisherMap, f: &crate::domain::Domain) -> bool {
    m.index() == f || p.domains.mirrors.iter().any(|(mirror, ups)| mirror == f && ups.contains(m.index()))
}

/// Every source of pins that speaks for `pkg`, in order: the policy's, the package's sources, then
/// the publisher map of each index the file was fetched from (`index`: that index, or a mirror
/// `domains.mirrors` allows for it). A map that never searched for the package refuses.
///
/// A file from an index a map governs must name one package (`name`, read as `pkg`): one that
/// names none (a `.tar.xz` sdist, which pip installs but no PyPI attestation names, signed by
/// whoever for that very name) or could name several would otherwise be judged with no map at
/// all, and first sight would accept whoever signed it.
pub(super) fn voices<'p>(
    p: &'p Policy,
    pkg: Option<&PackageRef>,
    name: Option<&str>,
    index: Option<&crate::domain::Domain>,
) -> Result<Vec<Voice<'p>>> {
    if let (None, Some(f)) = (pkg, index) {
        if let Some((i, m)) = p.maps.iter().enumerate().find(|(_, m)| serves(p, m, f)) {
            let Some(name) = name else {
                return Err(error::invalid_argument(format!(
                    "{} governs files fetched from {f}, so the artifact's name is required to find its project, \
                     but no name was given",
                    m.describe()
                ))
                .at("name"));
            };
            return Err(error::subject(format!(
                "{} governs files fetched from {f} and names publishers per project, so the artifact's name must \
                 read as one package (a wheel, a .tar.gz or .zip sdist, an npm purl or tarball); {name:?} names \
                 none, or could name several",
                m.describe()
            ))
            .at(format!("publishers_from[{i}]")));
        }
    }
    let pin = package_pin(p, pkg)?;
    let mut out = Vec::new();
    match pin {
        Some(pin) if !pin.identities.is_empty() || !pin.publishers.is_empty() => out.push(Voice {
            source: "policy".into(),
            base: format!("packages[{:?}]", pin.name),
            identities: &pin.identities,
            publishers: &pin.publishers,
        }),
        _ if !p.identities.is_empty() || !p.publishers.is_empty() => out.push(Voice {
            source: "policy".into(),
            base: String::new(),
            identities: &p.identities,
            publishers: &p.publishers,
        }),
        _ => {}
    }
    if let Some(pin) = pin {
        for (i, s) in pin.sources.iter().enumerate() {
            out.push(Voice {
                source: s.source.as_str().into(),
                base: format!("packages[{:?}].sources[{i}]", pin.name),
                identities: &[],
                publishers: &s.publishers,
            });
        }
    }
    if let (Some(pkg), Some(f)) = (pkg, index) {
        for (i, m) in p.maps.iter().enumerate() {
            if !serves(p, m, f) {
                continue;
            }
            match m.lookup(&pkg.name) {
                Lookup::Claim(e) => out.push(Voice {
                    source: m.describe().into(),
                    base: format!("publishers_from[{i}]: {} in role {}, sha256 {}", e.target, e.role, e.sha256),
                    identities: &[],
                    publishers: &e.publishers,
                }),
                Lookup::NoClaim => {}
                Lookup::NotSearched => return Err(m.not_searched(&pkg.name).at(format!("publishers_from[{i}]"))),
            }
        }
    }
    Ok(out)
}

fn list_publishers(ps: &[Publisher]) -> String {
    let v: Vec<String> = ps.iter().take(4).map(ToString::to_string).collect();
    let more = if ps.len() > 4 { format!(" and {} more", ps.len() - 4) } else { String::new() };
    format!("{}{more}", v.join("; "))
}

/// The entry of `voice` that accepts `id`, or why none does.
fn judge(voice: &Voice<'_>, id: &CertificateIdentity) -> Result<PinMatch> {
    let ids_path = voice.path("identities");
    let id_err = if voice.identities.is_empty() {
        None
    } else {
        match super::eval::match_identity(voice.identities, id, &ids_path) {
            Ok(i) => return Ok(PinMatch { source: voice.source.to_string(), entry: format!("{ids_path}[{i}]") }),
            Err(e) => Some(e),
        }
    };
    let pubs_path = voice.path("publishers");
    if let Some(i) = voice.publishers.iter().position(|p| p.accepts(id)) {
        return Ok(PinMatch { source: voice.source.to_string(), entry: format!("{pubs_path}[{i}]") });
    }
    let found = publisher::derive(id);
    match (id_err, voice.publishers.first()) {
        (Some(e), None) => Err(e),
        (id_err, Some(first)) => {
            // The first pin's reason is the useful one when a voice pins one publisher (a lock).
            let why = first.check(id).err().unwrap_or_default();
            let msg = format!(
                "{} accepts {} ({pubs_path}); the signer is {found}: {why}",
                voice.who(),
                list_publishers(voice.publishers)
            );
            Err(match id_err {
                Some(e) => error::Error { message: format!("{}; nor is it a publisher {msg}", e.message), ..e },
                None => error::identity(msg).at(pubs_path),
            })
        }
        (None, None) => Err(error::internal("a voice with no entries")),
    }
}

/// Judges a certificate signer for `pkg`: every voice must accept it; with none, `first_sight`
/// decides. Records what accepted it in `d`.
pub(super) fn judge_certificate(
    p: &Policy,
    voices: &[Voice<'_>],
    id: &CertificateIdentity,
    d: &mut Decision,
) -> Result<()> {
    if voices.is_empty() {
        if p.first_sight {
            d.first_sight = true;
            return Ok(());
        }
        return Err(error::identity(format!(
            "signer {} signed with a certificate, but identities accepts no certificate identity for this \
             package (no identities, publishers or package pins apply, and first_sight is off)",
            id.san().unwrap_or("(none)")
        )));
    }
    let mut matched = Vec::with_capacity(voices.len());
    for v in voices {
        match judge(v, id) {
            Ok(m) => matched.push(m),
            Err(e) if matched.is_empty() => return Err(e),
            Err(e) => {
                // Name the sources that did accept, so a disagreement reads as one.
                let agreed: Vec<String> = matched.iter().map(|m| format!("{} ({})", m.source, m.entry)).collect();
                return Err(error::Error {
                    message: format!("{}; accepted by {} but every source must agree", e.message, agreed.join(", ")),
                    ..e
                });
            }
        }
    }
    // The first voice's entry is also the decision's `identity` (its index) and `identity_list`.
    if let Some(m) = matched.first() {
        if let Some((list, idx)) = m.entry.rsplit_once('[') {
            d.identity = idx.trim_end_matches(']').parse().ok();
            d.identity_list = Some(list.to_owned());
        }
    }
    d.pins.extend(matched);
    Ok(())
}

/// The package's `min_age` when it has one, else the policy's; with the setting's path.
fn min_age<'p>(p: &'p Policy, pkg: Option<&PackageRef>) -> Result<Option<(String, &'p MinAge)>> {
    if let Some(pin) = package_pin(p, pkg)? {
        if let Some(a) = &pin.min_age {
            return Ok(Some((format!("packages[{:?}].min_age", pin.name), a)));
        }
    }
    Ok(p.min_age.as_ref().map(|a| ("min_age".to_owned(), a)))
}

/// `min_age`: the artifact's earliest verified signing time (each bundle's earliest transparency-log
/// or RFC 3161 time; for a set, the latest of those, so every attestation is old enough) must be
/// at least `min_age` before `now`. `now` is the caller's evaluation time: never read here.
pub(super) fn check_age(p: &Policy, vbs: &[&VerifiedBundle], now: Option<i64>, d: &mut Decision) -> Result<()> {
    let Some((setting, age)) = min_age(p, d.package.as_ref())? else { return Ok(()) };
    let mut out =
        AgeDecision { setting: setting.clone(), min_age: age.text.clone(), signed_at: None, acceptable_from: None };
    if age.seconds == 0 {
        d.min_age = Some(out);
        return Ok(());
    }
    let Some(now) = now else {
        return Err(error::invalid_argument(format!(
            "{setting} is {}, so the evaluation time is required (Policy::evaluate_at)",
            age.text
        )));
    };
    let mut signed_at: Option<&crate::verified::VerifiedTime> = None;
    for vb in vbs {
        let Some(earliest) = vb.times.iter().min_by_key(|t| t.unix) else {
            return Err(error::too_recent(format!(
                "{setting} is {}, but the signature has no verified time, so its age is unknown",
                age.text
            )));
        };
        if signed_at.is_none_or(|s| earliest.unix > s.unix) {
            signed_at = Some(earliest);
        }
    }
    let Some(t) = signed_at else { return Err(error::internal("min_age judged with no bundle")) };
    let from = t.unix.saturating_add(age.seconds);
    out.signed_at = Some(t.utc.clone());
    out.acceptable_from = Some(crate::time::format_rfc3339(from));
    if now < from {
        let source = match &t.source {
            crate::verified::TimeSource::Tlog { log, log_index } => {
                format!("transparency log {log}, entry {log_index}")
            }
            crate::verified::TimeSource::Timestamp { tsa } => format!("RFC 3161 timestamp by {tsa}"),
        };
        return Err(error::too_recent(format!(
            "signed at {} (verified by {source}), {} before the evaluation time {}; {setting} is {}, so it \
             becomes acceptable at {}",
            t.utc,
            human(now.saturating_sub(t.unix)),
            crate::time::format_rfc3339(now),
            age.text,
            crate::time::format_rfc3339(from)
        ))
        .at(setting));
    }
    d.min_age = Some(out);
    Ok(())
}

/// A duration in the largest whole unit, for messages (`2d 3h`, `45m`, `-10s` for the future).
fn human(secs: i64) -> String {
    if secs < 0 {
        return format!("{secs}s");
    }
    let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// Parses `"3d"`: a whole number and one unit of `s`, `m`, `h`, `d`; at most 100 years.
pub(super) fn parse_min_age(s: &str) -> std::result::Result<MinAge, String> {
    const MAX: i64 = 100 * 365 * 86_400;
    let units = [('s', 1, "seconds"), ('m', 60, "minutes"), ('h', 3600, "hours"), ('d', 86_400, "days")];
    let Some((num, mult, unit)) = units.iter().find_map(|(c, m, u)| s.strip_suffix(*c).map(|n| (n, *m, *u))) else {
        return Err(format!("{s:?} must be a whole number followed by s, m, h or d (e.g. \"3d\")"));
    };
    if num.is_empty() || num.len() > 12 || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s:?} must be a whole number followed by s, m, h or d (e.g. \"3d\")"));
    }
    let n: i64 = num.parse().map_err(|_| format!("{s:?} is not a whole number of {unit}"))?;
    match n.checked_mul(mult) {
        Some(secs) if secs <= MAX => Ok(MinAge { text: s.to_owned(), seconds: secs }),
        _ => Err(format!("{s:?} is longer than 100 years")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_age_parses_units_and_refuses_the_rest() {
        assert_eq!(parse_min_age("3d").unwrap().seconds, 3 * 86_400);
        assert_eq!(parse_min_age("0d").unwrap().seconds, 0);
        assert_eq!(parse_min_age("90m").unwrap().seconds, 5400);
        assert_eq!(parse_min_age("2h").unwrap().seconds, 7200);
        assert_eq!(parse_min_age("45s").unwrap().seconds, 45);
        for bad in ["", "d", "3", "3w", "-1d", "1.5d", "3 d", "99999999999999d", "40000d", "３d"] {
            assert!(parse_min_age(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(2 * 86_400 + 3 * 3600 + 5), "2d 3h");
        assert_eq!(human(3600 + 120), "1h 2m");
        assert_eq!(human(61), "1m 1s");
        assert_eq!(human(5), "5s");
        assert_eq!(human(-5), "-5s");
    }
}
