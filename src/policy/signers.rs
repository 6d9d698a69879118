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
    /// An index's publisher map (not the policy or a pin source).
    map: bool,
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

/// Every source of pins that speaks for `pkg`, in order: the policy's, the package's sources, then
/// the publisher map of each index the file was fetched from (`index`: that index, or a mirror
/// `domains.mirrors` allows for it). A map that never searched for the package refuses.
///
/// A file from an index whose map the policy reads must name its package (`name`, the artifact's
/// name): one whose name names no package this client reads (`attrs-1.0.tar.xz`), or could name
/// several, is refused (`SUBJECT_MISMATCH`) rather than judged as if the map had no entry for it.
pub(super) fn voices<'p>(
    p: &'p Policy,
    pkg: Option<&PackageRef>,
    index: Option<&crate::domain::Domain>,
    name: Option<&str>,
) -> Result<Vec<Voice<'p>>> {
    let pin = package_pin(p, pkg)?;
    let mut out = Vec::new();
    match pin {
        Some(pin) if !pin.identities.is_empty() || !pin.publishers.is_empty() => out.push(Voice {
            source: "policy".into(),
            base: format!("packages[{:?}]", pin.name),
            identities: &pin.identities,
            publishers: &pin.publishers,
            map: false,
        }),
        _ if !p.identities.is_empty() || !p.publishers.is_empty() => out.push(Voice {
            source: "policy".into(),
            base: String::new(),
            identities: &p.identities,
            publishers: &p.publishers,
            map: false,
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
                map: false,
            });
        }
    }
    if let Some(f) = index {
        for (i, m) in p.maps.iter().enumerate() {
            if !governs(p, m.index(), f) {
                continue;
            }
            let Some(pkg) = pkg else {
                let shown: String = name.unwrap_or_default().chars().take(256).collect();
                return Err(error::subject(format!(
                    "{} names the publishers of each project fetched from {f}, but the artifact name {shown:?} \
                     names no one package (expected a wheel, an sdist .tar.gz or .zip, an npm purl or tarball \
                     name), so its entry cannot be chosen; refused rather than judged without the map",
                    m.describe()
                ))
                .at(format!("publishers_from[{i}]")));
            };
            match m.lookup(&pkg.name) {
                Lookup::Claim(e) => out.push(Voice {
                    source: m.describe().into(),
                    base: format!("publishers_from[{i}]: {} in role {}, sha256 {}", e.target, e.role, e.sha256),
                    identities: &[],
                    publishers: &e.publishers,
                    map: true,
                }),
                Lookup::NoClaim => {}
                Lookup::NotSearched => return Err(m.not_searched(&pkg.name).at(format!("publishers_from[{i}]"))),
            }
        }
    }
    Ok(out)
}

/// Refuses a bundle signed by policy key `key` when an index's map names the package's
/// publishers: a key's signature names no publisher, so it cannot satisfy the map (as in an
/// attestation set, where a registry key never satisfies an identity rule).
pub(super) fn judge_key(voices: &[Voice<'_>], key: usize) -> Result<()> {
    match voices.iter().find(|v| v.map) {
        None => Ok(()),
        Some(v) => Err(error::identity(format!(
            "{} accepts {} ({}); the bundle is signed by policy key #{key}, which names no publisher",
            v.who(),
            list_publishers(v.publishers),
            v.path("publishers")
        ))),
    }
}

/// Whether the publisher map of `map_index` governs a file fetched from `index`: the index itself
/// (any path of its host), or a mirror `domains.mirrors` allows for it (test.pypi.org's map never governs pypi.org). The
/// one place this is decided, for attested files and for files without provenance alike.
pub(super) fn governs(p: &Policy, map_index: &crate::domain::Domain, index: &crate::domain::Domain) -> bool {
    // A map names its index by host (docs/publisher-map.md: no scheme, port or path), so a file
    // fetched from a path of that host (`pypi.org/simple`, a caller passing the index URL) is
    // fetched from that index; a mirror named with a path is matched as the policy names it.
    let origin = index.as_str().split('/').next().unwrap_or_default();
    let from = |d: &crate::domain::Domain| d == index || d.as_str() == origin;
    from(map_index) || p.domains.mirrors.iter().any(|(mirror, ups)| from(mirror) && ups.contains(map_index))
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
    // Every voice is judged, so a refusal names each source and what it said, whichever one is
    // listed first (the policy, a lock, an index's map).
    let mut matched = Vec::with_capacity(voices.len());
    let mut refused: Vec<error::Error> = Vec::new();
    for v in voices {
        match judge(v, id) {
            Ok(m) => matched.push(m),
            Err(e) => refused.push(e),
        }
    }
    let mut refused = refused.into_iter();
    if let Some(first) = refused.next() {
        let mut message = first.message.clone();
        for e in refused {
            message.push_str("; and ");
            message.push_str(&e.message);
        }
        if !matched.is_empty() {
            let agreed: Vec<String> = matched.iter().map(|m| format!("{} ({})", m.source, m.entry)).collect();
            message.push_str(&format!("; accepted by {} but every source must agree", agreed.join(", ")));
        }
        return Err(error::Error { message, ..first });
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
