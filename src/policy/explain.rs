//! A policy in plain words, for `domainsig explain-policy`: what it accepts, in the order checked.

use super::{IdentityRule, Mode, Policy, SanMatch};
use crate::attestation::{CONDA_PUBLISH_V1, NPM_PUBLISH_V0_1, RELEASE_V1, RELEASE_V1_LEGACY};
use std::fmt::Write as _;

fn identity(rule: &IdentityRule) -> String {
    let mut s = match &rule.san {
        SanMatch::Exact(san) => format!("a certificate for exactly {san:?}"),
        SanMatch::Regex { source, .. } => format!("a certificate whose identity matches the whole of /{source}/"),
    };
    let _ = write!(s, ", issued by {:?}", rule.issuer);
    if !rule.claims.is_empty() {
        let claims: Vec<String> = rule.claims.iter().map(|(k, v)| format!("{k} = {v:?}")).collect();
        let _ = write!(s, ", with {}", claims.join(" and "));
    }
    s
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(super) fn explain(p: &Policy) -> String {
    let mut o = String::new();
    let w = &mut o;
    let _ = writeln!(w, "This policy accepts an artifact only when all of the following hold.\n");

    let _ = writeln!(w, "1. The Sigstore bundle verifies against {}:", p.root_desc);
    let _ = writeln!(
        w,
        "   at least {} and {} must verify.\n",
        plural(p.tlog_threshold, "transparency-log entry", "transparency-log entries"),
        plural(p.timestamp_threshold, "RFC 3161 timestamp", "RFC 3161 timestamps")
    );

    let _ = writeln!(w, "2. It was signed by one of:");
    if p.identities.is_empty() && p.publishers.is_empty() && p.keys.is_empty() {
        let _ = writeln!(w, "   - (no signer for packages not listed below)");
    }
    for rule in &p.identities {
        let _ = writeln!(w, "   - {}", identity(rule));
    }
    for pb in &p.publishers {
        let _ = writeln!(w, "   - the publisher {}", pb.describe());
    }
    for (i, k) in p.keys.iter().enumerate() {
        let mut line = format!("   - managed key #{i} (SHA-256 key id {}", crate::json::hex(&k.key.key_id()));
        if let Some(id) = &k.key_id {
            let _ = write!(line, ", keyid {id}");
        }
        if let Some(u) = &k.usage {
            let _ = write!(line, ", usage {u}");
        }
        if let Some(w) = &k.valid_for {
            let at = |t: Option<i64>| t.map_or("open".to_owned(), crate::time::format_rfc3339);
            let _ = write!(line, ", valid {} to {} at the signature's verified time", at(w.start), at(w.end));
        }
        if let Some(d) = &k.domain {
            let _ = write!(line, "; a signature under it proves the domain {d}");
        }
        let _ = writeln!(w, "{line})");
    }
    for pin in &p.packages {
        if !pin.identities.is_empty() || !pin.publishers.is_empty() {
            let _ = writeln!(w, "   For the package {:?}, only (managed keys still count):", pin.name);
            for rule in &pin.identities {
                let _ = writeln!(w, "     - {}", identity(rule));
            }
            for pb in &pin.publishers {
                let _ = writeln!(w, "     - the publisher {}", pb.describe());
            }
        }
        for s in &pin.sources {
            let _ = writeln!(w, "   For the package {:?}, {} also pins (it must agree):", pin.name, s.source);
            for pb in &s.publishers {
                let _ = writeln!(w, "     - the publisher {}", pb.describe());
            }
        }
    }
    for m in &p.maps {
        let (entries, searched) = m.counts();
        let _ = writeln!(
            w,
            "   For a file fetched from {} (or a mirror domains.mirrors allows for it), {} also pins the \
             publishers it names for the file's project (it must agree; a project it has no entry for \
             is no claim; the cache holds {entries} entries of {searched} projects searched, and a project \
             never searched is refused until `trust update --packages` asks for it)",
            m.index(),
            m.describe()
        );
    }
    if !p.packages.is_empty() {
        let _ = writeln!(
            w,
            "   The package is read from the artifact name (PyPI names compared after PEP 503 normalisation)."
        );
    }
    if p.first_sight {
        if p.identities.is_empty() && p.publishers.is_empty() {
            let _ = writeln!(
                w,
                "   First sight: for a package no pin covers, any signer whose signature verifies is accepted,\n   \
                 and the result says first_sight (record its publisher to pin it from then on)."
            );
        } else {
            let _ = writeln!(w, "   first_sight is inert: the top-level identities or publishers cover every package.");
        }
    }
    let _ = writeln!(w);

    if p.require_name {
        let _ = writeln!(
            w,
            "3. The installer must give the artifact's name, and the signed statement's subject must name\n   \
             that artifact (PyPI filenames compared after normalisation, npm by purl, conda by filename).\n"
        );
    } else {
        let _ = writeln!(
            w,
            "3. When the installer gives the artifact's name, the signed statement's subject must name it;\n   \
             without a name, only the digest binds the signature to the artifact.\n"
        );
    }

    match p.domains.mode {
        Mode::Ignore => {
            let _ = writeln!(w, "4. Domains are ignored: the artifact is accepted from any index.");
            let inert = super::eval::inert_settings(p);
            if !inert.is_empty() {
                let _ = writeln!(
                    w,
                    "   These settings are inert while domains.mode is \"ignore\" (kept, not applied): {}.",
                    inert.join(", ")
                );
            }
        }
        mode => {
            let _ = writeln!(
                w,
                "4. The installer must say which index the artifact was fetched from, and the signer must have\n   \
                 declared that index (or an upstream it mirrors). Signed domains are read from:"
            );
            let _ = writeln!(w, "   - npm publish attestations ({NPM_PUBLISH_V0_1}): predicate.registry");
            let _ = writeln!(w, "   - conda publish attestations ({CONDA_PUBLISH_V1}): predicate.targetChannel");
            let _ = writeln!(w, "   - domainsig release attestations ({RELEASE_V1}): predicate.domains");
            let _ = writeln!(w, "     (also the deprecated {RELEASE_V1_LEGACY}, with a warning, until 0.2)");
            for r in &p.domains.predicates {
                let _ = writeln!(w, "   - {} statements: predicate{}", r.predicate_type, r.pointer);
            }
            if let Some(oid) = &p.domains.certificate_oid {
                let _ = writeln!(w, "   - the signing certificate's domains extension {oid}");
            }
            for (i, k) in p.keys.iter().enumerate() {
                if let Some(d) = &k.domain {
                    let _ = writeln!(w, "   - a signature by managed key #{i}, which the policy binds to {d}");
                }
            }
            let _ = writeln!(
                w,
                "   {}",
                if mode == Mode::Require {
                    "An artifact with no signed domain is refused (DOMAIN_MISSING)."
                } else {
                    "An artifact with no signed domain is accepted with a warning."
                }
            );
            let _ = writeln!(w, "   An artifact signed for other indexes is refused (DOMAIN_MISMATCH).");
            if p.domains.mirrors.is_empty() {
                let _ = writeln!(w, "   No mirrors are allowed: the index must be one the signer named.");
            }
            for (m, ups) in &p.domains.mirrors {
                let ups: Vec<&str> = ups.iter().map(|d| d.as_str()).collect();
                let _ = writeln!(w, "   - {m} may serve artifacts signed for {}", ups.join(", "));
            }
            if !p.domains.audiences.is_empty() {
                let a: Vec<&str> = p.domains.audiences.iter().map(|d| d.as_str()).collect();
                let _ = writeln!(
                    w,
                    "   Whatever the index, the artifact must be signed for {} (AUDIENCE_MISMATCH otherwise).",
                    a.join(" or ")
                );
            }
        }
    }
    let ages: Vec<String> = p
        .packages
        .iter()
        .filter_map(|pin| pin.min_age.as_ref().map(|a| format!("{:?}: {}", pin.name, a.text)))
        .collect();
    if p.min_age.is_some() || !ages.is_empty() {
        let _ = writeln!(
            w,
            "\n5. Cool-down: the earliest verified signing time (transparency log or RFC 3161, never a registry\n   \
             field) must be at least {} before the evaluation time (TOO_RECENT otherwise).",
            p.min_age.as_ref().map_or("0s (none)", |a| a.text.as_str())
        );
        if !ages.is_empty() {
            let _ = writeln!(w, "   Per package: {}.", ages.join(", "));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use crate::policy::Policy;
    use serde_json::json;

    #[test]
    fn explains_every_section() {
        let p = Policy::from_json(
            json!({
                "version": 1,
                "identities": [{"issuer": "https://token.actions.githubusercontent.com",
                    "san_regex": "https://github\\.com/o/r/.*", "claims": {"build_trigger": "push"}}],
                "packages": {"sampleproject": {"identities": [{"issuer": "https://gitlab.com", "san": "x"}]}},
                "domains": {"mode": "warn", "audiences": ["pypi.org"], "mirrors": {"pypi.corp.example": ["pypi.org"]},
                    "predicates": [{"type": "https://ex/p", "pointer": "/index"}], "certificate_oid": "1.2.3.4"},
                "thresholds": {"tlog": 2, "timestamps": 1}
            })
            .to_string()
            .as_bytes(),
            None,
        )
        .unwrap();
        let text = p.explain();
        for want in [
            "public-good production",
            "at least 2 transparency-log entries and 1 RFC 3161 timestamp",
            "matches the whole of /https://github\\.com/o/r/.*/",
            "build_trigger = \"push\"",
            "For the package \"sampleproject\"",
            "accepted with a warning",
            "pypi.corp.example may serve artifacts signed for pypi.org",
            "must be signed for pypi.org",
            "https://ex/p statements: predicate/index",
            "domains extension 1.2.3.4",
        ] {
            assert!(text.contains(want), "missing {want:?} in:\n{text}");
        }
        let p = Policy::from_json(
            json!({"version": 1, "identities": [{"issuer": "i", "san": "s"}], "domains": {"mode": "ignore"}})
                .to_string()
                .as_bytes(),
            None,
        )
        .unwrap();
        assert!(p.explain().contains("Domains are ignored"));
    }
}
