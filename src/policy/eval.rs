//! `Policy::evaluate`: verified facts + context → decision. Pure: no I/O, no cryptography.
//!
//! Order of checks (the first failure is reported):
//! 0. arguments: an artifact name when `subject.require_name` or `packages` needs one, an
//!    index domain when `domains.mode` is not `ignore` (`INVALID_ARGUMENT`), and that index domain
//!    must normalise (`DOMAIN_INVALID`); then the package whose pins apply, from the signed subject
//!    (`SUBJECT_MISMATCH` for a name that could be a pinned package's and another's);
//! 1. signer: managed key, or certificate identity (SAN, issuer, claims), with per-package pins;
//! 2. subject binding: a statement subject carrying the artifact digest names the artifact;
//! 3. domains: signed domains vs the index domain, mirrors, then audiences.

use super::{Context, Decision, IdentityRule, Mode, Policy, SanMatch, Via};
use crate::attestation::{self, SignedDomain, Sources};
use crate::domain::{self, Domain};
use crate::error::{self, Result};
use crate::limits;
use crate::subject::{self, PackageRef};
use crate::verified::{Signer, VerifiedBundle};
use crate::x509::claims::CertificateIdentity;

/// Step 0: the caller's omissions are INVALID_ARGUMENT, never a verdict on the artifact.
fn arguments<'c>(p: &Policy, ctx: &Context<'c>) -> Result<(Option<&'c str>, Option<Domain>)> {
    let name = match ctx.name {
        Some("") => return Err(error::invalid_argument("the artifact name is empty").at("name")),
        n => n,
    };
    if name.is_none() && p.require_name {
        return Err(error::invalid_argument(
            "the policy binds the signature to the artifact's name (subject.require_name), but no name was given",
        )
        .at("name"));
    }
    if name.is_none() && !p.packages.is_empty() {
        return Err(error::invalid_argument(
            "the policy pins identities per package (packages), but no artifact name was given to choose them",
        )
        .at("name"));
    }
    let index = match (p.domains.mode, ctx.index_domain) {
        (Mode::Ignore, _) => None,
        (_, None) => {
            return Err(error::invalid_argument(format!(
                "domains.mode is {:?}, so the index domain the artifact was fetched from is required",
                p.domains.mode.as_str()
            ))
            .at("index_domain"));
        }
        (_, Some(s)) => Some(domain::normalize(s).map_err(|e| e.at("index_domain"))?),
    };
    Ok((name, index))
}

pub(super) fn evaluate(p: &Policy, vb: &VerifiedBundle, ctx: &Context<'_>) -> Result<Decision> {
    let mut d = Decision::default();
    d.domains.mode = p.domains.mode;
    inert_warnings(p, &mut d);
    let (name, index) = arguments(p, ctx)?;
    let pkg = pinned_package(p, &[vb], name)?;

    // 1. Signer.
    check_signer(p, vb, pkg.as_ref(), name, index.as_ref(), &mut d)?;

    // 2. Subject binding.
    if let Some(n) = name {
        bind_subject(vb, n, p.require_name, &mut d)?;
    }
    if index.is_none() {
        npm_publish_names_its_subject(vb)?;
    }
    d.package = pkg;

    // 3. Domains.
    if let Some(f) = index {
        check_domains(p, vb, f, &mut d)?;
    }
    Ok(d)
}

fn check_signer(
    p: &Policy,
    vb: &VerifiedBundle,
    pkg: Option<&PackageRef>,
    name: Option<&str>,
    index: Option<&Domain>,
    d: &mut Decision,
) -> Result<()> {
    match &vb.signer {
        Signer::Key { index, .. } => {
            if *index >= p.keys.len() {
                return Err(error::key_mismatch(format!(
                    "the bundle was verified with key #{index}, but the policy names {} key(s)",
                    p.keys.len()
                )));
            }
            d.key = Some(*index);
            Ok(())
        }
        Signer::Certificate { identity, .. } => {
            let voices = super::signers::voices(p, pkg, name, index)?;
            super::signers::judge_certificate(p, &voices, identity, d)
        }
    }
}

/// The package whose pins apply: the one the signed statements name for this artifact (each
/// statement's subject that carries its digest and names it), so the shape of the caller's name
/// cannot choose the pins. Only where nothing signed names a package (a message signature, or a
/// subject that does not bind and is refused later) is the caller's name read instead.
///
/// A name that could be another pinned package's is refused (`SUBJECT_MISMATCH`): one that splits
/// more than one way, and an npm tarball name when a scoped package with that bare name (the
/// registry's `name-1.0.0.tgz`, or `npm pack`'s `scope-name-1.0.0.tgz`) is pinned, since the
/// tarball name cannot say which it is. The purl can.
fn pinned_package(p: &Policy, vbs: &[&VerifiedBundle], name: Option<&str>) -> Result<Option<PackageRef>> {
    let Some(name) = name else { return Ok(None) };
    let pinned = |r: &PackageRef| p.packages.iter().find(|pin| r.has_name(&pin.name));
    let pass_the_purl = |why: String| {
        Err(error::subject(format!("{why}; name the artifact by its purl or its unambiguous filename")).at("name"))
    };
    let caller = subject::readings(name);
    if name.ends_with(".tgz") {
        for r in &caller {
            let scoped = p.packages.iter().find(|pin| {
                pin.name.strip_prefix('@').and_then(|s| s.split_once('/')).is_some_and(|(scope, bare)| {
                    r.name == bare || r.name.strip_prefix(scope).and_then(|t| t.strip_prefix('-')) == Some(bare)
                })
            });
            if let Some(pin) = scoped {
                return pass_the_purl(format!(
                    "the tarball name {name:?} may be the pinned package {}'s (a tarball name cannot carry the scope)",
                    pin.name
                ));
            }
        }
    }
    let mut found: Vec<PackageRef> = Vec::new();
    for vb in vbs {
        let proven: Vec<PackageRef> = attestation::matched_subjects(vb)
            .iter()
            .filter(|s| subject::names_match(&s.name, name))
            .filter_map(|s| subject::parse(&s.name))
            .collect();
        let from = if proven.is_empty() { caller.clone() } else { proven };
        for r in from {
            if !found.iter().any(|f| f.ecosystem == r.ecosystem && f.name == r.name && f.version == r.version) {
                found.push(r);
            }
        }
    }
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        many => match many.iter().find_map(|r| pinned(r).map(|pin| (r, pin))) {
            None => Ok(None),
            Some((r, pin)) => {
                let all: Vec<String> = many.iter().take(4).map(|r| format!("{}@{}", r.name, r.version)).collect();
                pass_the_purl(format!(
                    "{name:?} could name {}, and {} is pinned by packages[{:?}]",
                    all.join(" or "),
                    r.name,
                    pin.name
                ))
            }
        },
    }
}

fn san_matches(rule: &IdentityRule, id: &CertificateIdentity) -> bool {
    id.sans.iter().any(|s| match &rule.san {
        SanMatch::Exact(want) => *want == s.value,
        SanMatch::Regex { re, .. } => re.is_match(&s.value),
    })
}

fn describe_san(rule: &IdentityRule) -> String {
    match &rule.san {
        SanMatch::Exact(s) => format!("{s:?}"),
        SanMatch::Regex { source, .. } => format!("/{source}/"),
    }
}

/// The index of the first rule `id` satisfies, or the most specific reason none does:
/// a claim (SAN and issuer matched), then the issuer (SAN matched), then the SAN.
pub(super) fn match_identity(rules: &[IdentityRule], id: &CertificateIdentity, list: &str) -> Result<usize> {
    let san = id.san().unwrap_or("(none)");
    let issuer = id.issuer.as_deref();
    let mut claim_err = None;
    let mut issuer_err = None;
    for (i, rule) in rules.iter().enumerate() {
        if !san_matches(rule, id) {
            continue;
        }
        if issuer != Some(rule.issuer.as_str()) {
            issuer_err.get_or_insert_with(|| {
                error::issuer(format!(
                    "signer {san} was issued by {}; {list}[{i}] expects {}",
                    issuer.map_or("no OIDC issuer".to_owned(), |s| format!("{s:?}")),
                    format_args!("{:?}", rule.issuer)
                ))
            });
            continue;
        }
        let bad = rule.claims.iter().find(|(k, v)| id.claims.get(k) != Some(v));
        match bad {
            None => return Ok(i),
            Some((k, want)) => {
                claim_err.get_or_insert_with(|| {
                    let found = id.claims.get(k).map_or("no such claim".to_owned(), |f| format!("{f:?}"));
                    error::claim(format!("signer {san}: claim {k} is {found}; {list}[{i}] expects {want:?}"))
                        .at(format!("{list}[{i}].claims.{k}"))
                });
            }
        }
    }
    if let Some(e) = claim_err.or(issuer_err) {
        return Err(e);
    }
    let expected: Vec<String> =
        rules.iter().take(4).map(|r| format!("{} from {:?}", describe_san(r), r.issuer)).collect();
    let more = if rules.len() > 4 { format!(" and {} more", rules.len() - 4) } else { String::new() };
    Err(error::identity(if rules.is_empty() {
        format!("signer {san} signed with a certificate, but {list} accepts no certificate identity")
    } else {
        format!(
            "signer {san} (issuer {}) is not an identity {list} accepts: expected {}{more}",
            issuer.unwrap_or("none"),
            expected.join(", ")
        )
    }))
}

/// A message signature names nothing: with `subject.require_name` that is a refusal; without it
/// the name is simply not checked (said in a warning), so a caller that always passes the filename
/// (`verify-dir`, an installer) can still accept plain signed files when its policy allows them.
fn bind_subject(vb: &VerifiedBundle, name: &str, require_name: bool, d: &mut Decision) -> Result<()> {
    if vb.statement.is_none() {
        if !require_name {
            d.warnings.push(format!(
                "the bundle signs the artifact's bytes but names no subject; the name {name:?} was not checked"
            ));
            return Ok(());
        }
        return Err(error::subject(format!(
            "the bundle signs the artifact's bytes but names no subject, so it cannot be bound to {name:?} \
             (subject.require_name)"
        )));
    }
    let subjects = attestation::matched_subjects(vb);
    if let Some(s) = subjects.iter().find(|s| subject::names_match(&s.name, name)) {
        d.subject = Some(s.name.clone());
        return Ok(());
    }
    let found: Vec<String> = subjects.iter().take(4).map(|s| format!("{:?}", s.name)).collect();
    let readings = subject::readings(name);
    let ambiguous = if readings.len() > 1 {
        let all: Vec<String> = readings.iter().take(4).map(|r| format!("{}@{}", r.name, r.version)).collect();
        format!(", a name that could be {} and so names none of them", all.join(" or "))
    } else {
        String::new()
    };
    Err(error::subject(format!(
        "the signed statement names {} for this artifact's digest, but the artifact is {name:?}{ambiguous}",
        if found.is_empty() { "no subject".to_owned() } else { found.join(", ") }
    ))
    .at("statement.subject"))
}

fn list(ds: &[&Domain]) -> String {
    let v: Vec<&str> = ds.iter().take(8).map(|d| d.as_str()).collect();
    let more = if ds.len() > 8 { format!(" and {} more", ds.len() - 8) } else { String::new() };
    format!("{}{more}", v.join(", "))
}

fn check_domains(p: &Policy, vb: &VerifiedBundle, f: Domain, d: &mut Decision) -> Result<()> {
    let sources = Sources { predicates: &p.domains.predicates, certificate_oid: p.domains.certificate_oid.as_deref() };
    let mut signed = attestation::signed_domains(vb, &sources)?;
    signed.extend(key_domain(vb));
    if let Some(w) = vb.statement.as_ref().and_then(|st| attestation::deprecation(&st.predicate_type)) {
        if !signed.is_empty() {
            d.warnings.push(w);
        }
    }
    let what = match &vb.statement {
        Some(st) => format!("its {} statement declares no index", st.predicate_type),
        None => "it carries no statement".to_owned(),
    };
    decide_domains(p, signed, &what, f, d)
}

/// The domain a policy key signing `vb` is bound to, as a signed domain: the signature verified
/// under exactly that key inside its window, which proves the domain for a lone bundle as for a
/// member of a set.
fn key_domain(vb: &VerifiedBundle) -> Option<SignedDomain> {
    let Signer::Key { index, keyid, domain: Some(dom), .. } = &vb.signer else { return None };
    Some(SignedDomain {
        domain: dom.clone(),
        raw: dom.as_str().to_owned(),
        source: attestation::Source::RegistryKey { index: *index, keyid: keyid.clone() },
        attestation: None,
    })
}

/// The npm publish predicate's name/version must be its subject's even when domains are ignored
/// (in the other modes reading its registry checks it): it is a statement about what the artifact
/// is, not where it belongs, and one rule holds for a lone bundle and for a set's member.
fn npm_publish_names_its_subject(vb: &VerifiedBundle) -> Result<()> {
    if vb.statement.as_ref().is_none_or(|st| st.predicate_type != attestation::NPM_PUBLISH_V0_1) {
        return Ok(());
    }
    match attestation::signed_domains(vb, &Sources::default()) {
        Err(e) if e.status == error::Status::SubjectMismatch => Err(e),
        _ => Ok(()),
    }
}

/// The domain decision over every signed domain found (one bundle's, or a whole set's).
fn decide_domains(p: &Policy, signed: Vec<SignedDomain>, what: &str, f: Domain, d: &mut Decision) -> Result<()> {
    let mut s: Vec<&Domain> = Vec::new();
    for sd in &signed {
        if !s.contains(&&sd.domain) {
            s.push(&sd.domain);
        }
    }

    // 1. No signed domain.
    if s.is_empty() {
        let msg = format!(
            "the artifact was fetched from {f}, but no signed domain says which index it is for: {what}{}",
            if p.domains.certificate_oid.is_some() { " and its certificate has no domains extension" } else { "" }
        );
        d.domains.index_domain = Some(f);
        if p.domains.mode == Mode::Warn {
            d.warnings.push(msg);
            return Ok(());
        }
        return Err(error::domain_missing(msg));
    }

    // 2. Direct, or through an allowed mirror.
    let (matched, via) = if s.contains(&&f) {
        (f.clone(), Via::Direct)
    } else {
        let upstreams = p.domains.mirrors.iter().find(|(m, _)| *m == f).map(|(_, u)| u.as_slice()).unwrap_or(&[]);
        match upstreams.iter().find(|u| s.contains(u)) {
            Some(u) => (u.clone(), Via::Mirror { upstream: u.clone() }),
            None => {
                let signed_for = list(&s);
                let why = if upstreams.is_empty() {
                    format!("which is not an allowed mirror of {signed_for}")
                } else {
                    format!("which is an allowed mirror of {} only", list(&upstreams.iter().collect::<Vec<_>>()))
                };
                return Err(error::domain_mismatch(format!("signed for {signed_for}; fetched from {f}, {why}"))
                    .at("index_domain"));
            }
        }
    };

    // 3. Audiences: the artifact must be meant for an index this installer serves.
    if !p.domains.audiences.is_empty() {
        match s.iter().find(|x| p.domains.audiences.contains(x)) {
            Some(a) => d.domains.audience = Some((*a).clone()),
            None => {
                return Err(error::audience(format!(
                    "signed for {}; this policy accepts only artifacts meant for {}",
                    list(&s),
                    list(&p.domains.audiences.iter().collect::<Vec<_>>())
                )));
            }
        }
    }

    d.domains.index_domain = Some(f);
    d.domains.matched = Some(matched);
    d.domains.via = Some(via);
    d.domains.signed = signed;
    Ok(())
}

/// Settings `domains.mode: "ignore"` never applies: loaded, and said (an operator who switched
/// domains off during an incident should not have to delete them, nor forget they are off).
pub(super) fn inert_settings(p: &Policy) -> Vec<&'static str> {
    let dp = &p.domains;
    if dp.mode != Mode::Ignore {
        return Vec::new();
    }
    let mut v = Vec::new();
    if !dp.audiences.is_empty() {
        v.push("domains.audiences");
    }
    if !dp.mirrors.is_empty() {
        v.push("domains.mirrors");
    }
    if !dp.predicates.is_empty() {
        v.push("domains.predicates");
    }
    if dp.certificate_oid.is_some() {
        v.push("domains.certificate_oid");
    }
    v
}

fn inert_warnings(p: &Policy, d: &mut Decision) {
    for k in inert_settings(p) {
        d.warnings.push(format!("{k} is inert: domains.mode is \"ignore\", so it is not applied"));
    }
}

/// One verified member of an attestation set, as the set decision sees it.
pub(crate) struct Member<'a> {
    pub(crate) path: &'a str,
    pub(crate) vb: &'a VerifiedBundle,
}

/// The decision over an npm attestations document (DESIGN.md "Attestation sets"): every member
/// has verified; identity rules are met only by a Fulcio-signed member; every member's subject
/// names the artifact; domains come from accepted members' predicates and from domain-bound keys.
pub(super) fn evaluate_set(p: &Policy, members: &[Member<'_>], ctx: &Context<'_>) -> Result<Decision> {
    let mut d = Decision::default();
    d.domains.mode = p.domains.mode;
    inert_warnings(p, &mut d);
    let (name, index) = arguments(p, ctx)?;
    let vbs: Vec<&VerifiedBundle> = members.iter().map(|m| m.vb).collect();
    let pkg = pinned_package(p, &vbs, name)?;
    let at = |path: &str, e: error::Error| {
        let field = e.field.clone().map_or(path.to_owned(), |f| format!("{path}.{f}"));
        error::Error { field: Some(field), ..e }
    };

    // 1. Signers. Registry keys were matched by the verifier; identities judge certificates only.
    let voices = super::signers::voices(p, pkg.as_ref(), name, index.as_ref())?;
    let mut accepted = vec![false; members.len()];
    let mut reports: Vec<super::AttestationReport> = members
        .iter()
        .map(|m| super::AttestationReport {
            path: m.path.to_owned(),
            predicate_type: m.vb.statement.as_ref().map(|s| s.predicate_type.clone()).unwrap_or_default(),
            signer: m.vb.signer.clone(),
            proved: Vec::new(),
        })
        .collect();
    for (i, m) in members.iter().enumerate() {
        if let Signer::Key { index, keyid, .. } = &m.vb.signer {
            accepted[i] = true;
            d.key.get_or_insert(*index);
            let t = m.vb.times.first().map(|t| t.utc.clone()).unwrap_or_default();
            reports[i].proved.push(format!(
                "signed by policy key #{index}{} inside its validity window (verified time {t})",
                keyid.as_deref().map(|k| format!(" ({k})")).unwrap_or_default()
            ));
        }
    }
    let certs: Vec<usize> = (0..members.len()).filter(|&i| members[i].vb.identity().is_some()).collect();
    if !voices.is_empty() {
        if certs.is_empty() {
            let named: Vec<String> = voices.iter().map(|v| v.describe()).collect();
            return Err(error::identity(format!(
                "{} requires a Fulcio-signed attestation, but the document has no build provenance \
                 (provenance is missing): a registry key's signature never satisfies an identity rule",
                named.join(" and ")
            )));
        }
        let mut first_err = None;
        for &i in &certs {
            let id = members[i].vb.identity().ok_or_else(|| error::internal("certificate member without identity"))?;
            let mut md = Decision::default();
            match super::signers::judge_certificate(p, &voices, id, &mut md) {
                Ok(()) => {
                    accepted[i] = true;
                    if d.identity.is_none() {
                        d.identity = md.identity;
                        d.identity_list = md.identity_list;
                        d.pins = md.pins.clone();
                    }
                    for m in &md.pins {
                        reports[i].proved.push(format!(
                            "signer {} is {} ({})",
                            id.san().unwrap_or("(none)"),
                            m.entry,
                            m.source
                        ));
                    }
                }
                Err(e) => {
                    first_err.get_or_insert(at(members[i].path, e));
                }
            }
        }
        if !certs.iter().any(|&i| accepted[i]) {
            return Err(first_err.unwrap_or_else(|| error::identity("no accepted identity")));
        }
    } else if p.first_sight && !certs.is_empty() {
        // No pin covers this package: every verified certificate signer is seen for the first time.
        d.first_sight = true;
        for &i in &certs {
            accepted[i] = true;
            reports[i]
                .proved
                .push("certificate verified; accepted on first sight: no pin covers this package".to_owned());
        }
    } else if d.key.is_none() {
        return Err(error::key_mismatch(format!(
            "the policy accepts only managed keys, and none of the document's {} attestation(s) is signed by one",
            members.len()
        )));
    } else {
        for &i in &certs {
            reports[i].proved.push("certificate verified; not judged: the policy names no identities".to_owned());
        }
    }

    // 2. Subjects: every statement must name this artifact.
    if let Some(n) = name {
        for (i, m) in members.iter().enumerate() {
            let mut md = Decision::default();
            bind_subject(m.vb, n, p.require_name, &mut md).map_err(|e| at(m.path, e))?;
            if let Some(sub) = md.subject {
                reports[i]
                    .proved
                    .push(format!("subject {sub} with the artifact's {} digest", m.vb.artifact_digest.algorithm));
                d.subject.get_or_insert(sub);
            }
            d.warnings.extend(md.warnings);
        }
    }
    d.package = pkg;

    if index.is_none() {
        for m in members {
            npm_publish_names_its_subject(m.vb).map_err(|e| at(m.path, e))?;
        }
    }

    // 3. Domains from accepted members: signed predicates, and keys the policy binds to a domain.
    if let Some(f) = index {
        let sources =
            Sources { predicates: &p.domains.predicates, certificate_oid: p.domains.certificate_oid.as_deref() };
        let mut signed = Vec::new();
        for (i, m) in members.iter().enumerate() {
            if !accepted[i] {
                continue;
            }
            let found = attestation::signed_domains(m.vb, &sources).map_err(|e| at(m.path, e))?;
            if let Some(w) = m.vb.statement.as_ref().and_then(|st| attestation::deprecation(&st.predicate_type)) {
                if !found.is_empty() {
                    d.warnings.push(format!("{}: {w}", m.path));
                }
            }
            for mut sd in found {
                reports[i].proved.push(format!("domain {} from {}", sd.domain, sd.source.describe()));
                sd.attestation = Some(m.path.to_owned());
                signed.push(sd);
            }
            if let Some(mut sd) = key_domain(m.vb) {
                reports[i].proved.push(format!("domain {} from {}", sd.domain, sd.source.describe()));
                sd.attestation = Some(m.path.to_owned());
                signed.push(sd);
            }
        }
        limits::check("signed domains", limits::MAX_DOMAINS, signed.len())?;
        decide_domains(
            p,
            signed,
            "no accepted attestation declares an index and no domain-bound key signed",
            f,
            &mut d,
        )?;
    }
    d.attestations = reports;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{ISSUER, SAN, bundle, cert_bundle, identity, key_bundle};
    use super::*;
    use crate::attestation::{CONDA_PUBLISH_V1, NPM_PUBLISH_V0_1, PYPI_PUBLISH_V1, RELEASE_V1};
    use crate::error::Status;
    use crate::verified::Signer;
    use serde_json::json;

    const WHEEL: &str = "sampleproject-1.0-py3-none-any.whl";

    fn policy(extra: serde_json::Value) -> Policy {
        let mut base = json!({
            "version": 1,
            "identities": [{"issuer": ISSUER, "san": SAN}],
        });
        for (k, v) in extra.as_object().unwrap() {
            base[k] = v.clone();
        }
        Policy::from_json(base.to_string().as_bytes(), None).unwrap_or_else(|e| panic!("{e}"))
    }

    fn release(domains: &[&str]) -> VerifiedBundle {
        bundle(WHEEL, RELEASE_V1, json!({"domains": domains, "name": "sampleproject", "version": "1.0"}))
    }

    fn ctx<'a>(index: &'a str) -> Context<'a> {
        Context { index_domain: Some(index), name: Some(WHEEL) }
    }

    fn status(r: Result<Decision>) -> Status {
        match r {
            Ok(_) => Status::Ok,
            Err(e) => e.status,
        }
    }

    // ---- arguments ----

    #[test]
    fn require_name_without_a_name_is_invalid_argument() {
        let p = policy(json!({}));
        let e =
            p.evaluate(&release(&["pypi.org"]), &Context { index_domain: Some("pypi.org"), name: None }).unwrap_err();
        assert_eq!(e.status, Status::InvalidArgument);
        let p = policy(json!({"subject": {"require_name": false}}));
        assert_eq!(
            status(p.evaluate(&release(&["pypi.org"]), &Context { index_domain: Some("pypi.org"), name: None })),
            Status::Ok
        );
        assert_eq!(
            status(p.evaluate(&release(&["pypi.org"]), &Context { index_domain: Some("pypi.org"), name: Some("") })),
            Status::InvalidArgument
        );
    }

    #[test]
    fn missing_index_domain_is_invalid_argument_unless_ignored() {
        for mode in ["require", "warn"] {
            let p = policy(json!({"domains": {"mode": mode}}));
            let e =
                p.evaluate(&release(&["pypi.org"]), &Context { index_domain: None, name: Some(WHEEL) }).unwrap_err();
            assert_eq!(e.status, Status::InvalidArgument, "{mode}");
        }
        let p = policy(json!({"domains": {"mode": "ignore"}}));
        assert_eq!(
            status(p.evaluate(&release(&["pypi.org"]), &Context { index_domain: None, name: Some(WHEEL) })),
            Status::Ok
        );
    }

    #[test]
    fn npm_sets_judge_identities_by_certificate_and_bind_every_subject() {
        const PURL: &str = "pkg:npm/pkg@1.0.0";
        let keys = json!([{"pem": crate::trust::keyset::tests_pem()}]);
        let publish = |v: &str| {
            key_bundle(
                0,
                PURL,
                NPM_PUBLISH_V0_1,
                json!({"name": "pkg", "version": v, "registry": "https://registry.npmjs.org"}),
            )
        };
        let prov = bundle(PURL, "https://slsa.dev/provenance/v1", json!({}));
        let ctx = Context { index_domain: Some("registry.npmjs.org"), name: Some(PURL) };
        let p = policy(json!({"keys": keys}));
        let (a, b) = (publish("1.0.0"), prov.clone());
        let d = p.evaluate_set(&[("attestations[0]", &a), ("attestations[1]", &b)], &ctx).unwrap();
        assert_eq!((d.identity, d.key), (Some(0), Some(0)));
        assert_eq!(d.attestations.len(), 2);
        assert_eq!(d.domains.matched.as_ref().map(|m| m.as_str()), Some("registry.npmjs.org"));
        // No provenance: identities cannot be met by the registry's key.
        let e = p.evaluate_set(&[("attestations[0]", &a)], &ctx).unwrap_err();
        assert_eq!(e.status, Status::IdentityMismatch);
        assert!(e.message.contains("provenance is missing"), "{e}");
        // Keys only: the publish attestation suffices.
        let keys_only = policy(json!({"identities": [], "keys": keys}));
        assert!(keys_only.evaluate_set(&[("attestations[0]", &a)], &ctx).is_ok());
        // The publish predicate names another version: refused even when domains are ignored.
        let wrong = publish("2.0.0");
        let ignore = policy(json!({"keys": keys, "domains": {"mode": "ignore"}}));
        let e = ignore.evaluate_set(&[("attestations[0]", &wrong), ("attestations[1]", &b)], &ctx).unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (Status::SubjectMismatch, Some("attestations[0].subject")));
        // Another package's name: every subject must name the artifact.
        let other = Context { name: Some("pkg:npm/other@1.0.0"), ..ctx };
        let e = p.evaluate_set(&[("attestations[0]", &a), ("attestations[1]", &b)], &other).unwrap_err();
        assert_eq!(e.status, Status::SubjectMismatch);
    }

    #[test]
    fn inert_settings_under_ignore_are_warned_about_in_every_result() {
        let p = policy(
            json!({"domains": {"mode": "ignore", "audiences": ["pypi.org"], "mirrors": {"m.example": ["pypi.org"]}}}),
        );
        let d = p.evaluate(&release(&["test.pypi.org"]), &Context { index_domain: None, name: Some(WHEEL) }).unwrap();
        assert_eq!(d.warnings.len(), 2, "{:?}", d.warnings);
        assert!(d.warnings[0].contains("domains.audiences is inert"), "{:?}", d.warnings);
        let p = policy(json!({"domains": {"mode": "ignore"}}));
        let d = p.evaluate(&release(&["pypi.org"]), &Context { index_domain: None, name: Some(WHEEL) }).unwrap();
        assert!(d.warnings.is_empty());
    }

    #[test]
    fn invalid_index_domain_is_domain_invalid_not_mismatch() {
        let p = policy(json!({}));
        for bad in ["*.pypi.org", "user@pypi.org", "pypi.org?x", "", "pypi..org"] {
            let e = p.evaluate(&release(&["pypi.org"]), &ctx(bad)).unwrap_err();
            assert_eq!(e.status, Status::DomainInvalid, "{bad:?}");
            assert_eq!(e.field.as_deref(), Some("index_domain"));
        }
    }

    // ---- signer ----

    #[test]
    fn exact_san_and_issuer_match() {
        let p = policy(json!({"domains": {"mode": "ignore"}}));
        let d = p.evaluate(&release(&[]), &Context { name: Some(WHEEL), ..Default::default() });
        // An empty release domains list is a malformed predicate only when domains are read.
        assert_eq!(d.unwrap().identity, Some(0));
    }

    #[test]
    fn wrong_san_is_identity_mismatch() {
        let p = policy(
            json!({"identities": [{"issuer": ISSUER, "san": "https://github.com/o/evil/.github/workflows/release.yml@refs/tags/v1"}]}),
        );
        let e = p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org")).unwrap_err();
        assert_eq!(e.status, Status::IdentityMismatch);
        assert!(e.message.contains(SAN) && e.message.contains("o/evil"), "{}", e.message);
    }

    #[test]
    fn wrong_issuer_is_issuer_mismatch() {
        let p = policy(json!({"identities": [{"issuer": "https://gitlab.com", "san": SAN}]}));
        let e = p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org")).unwrap_err();
        assert_eq!(e.status, Status::IssuerMismatch);
        assert!(e.message.contains("https://gitlab.com") && e.message.contains(ISSUER), "{}", e.message);
    }

    #[test]
    fn san_regex_is_anchored() {
        let p = policy(json!({"identities": [{"issuer": ISSUER, "san_regex": "https://github\\.com/o/r/.*"}]}));
        assert_eq!(status(p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org"))), Status::Ok);
        // Unanchored this would match: the SAN merely contains the pattern.
        let p = policy(json!({"identities": [{"issuer": ISSUER, "san_regex": "github\\.com/o/r"}]}));
        assert_eq!(status(p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org"))), Status::IdentityMismatch);
        let p = policy(
            json!({"identities": [{"issuer": ISSUER, "san_regex": "https://github\\.com/o/r/\\.github/workflows/release\\.yml@refs/tags/v"}]}),
        );
        assert_eq!(status(p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org"))), Status::IdentityMismatch);
    }

    #[test]
    fn claims_must_each_match() {
        let p = policy(json!({"identities": [{"issuer": ISSUER, "san": SAN,
            "claims": {"source_repository_uri": "https://github.com/o/r", "build_trigger": "push"}}]}));
        assert_eq!(status(p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org"))), Status::Ok);
        let p = policy(json!({"identities": [{"issuer": ISSUER, "san": SAN,
            "claims": {"source_repository_uri": "https://github.com/o/r", "build_trigger": "workflow_dispatch"}}]}));
        let e = p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org")).unwrap_err();
        assert_eq!(e.status, Status::ClaimMismatch);
        assert!(
            e.message.contains("build_trigger")
                && e.message.contains("\"push\"")
                && e.message.contains("workflow_dispatch"),
            "{}",
            e.message
        );
        let p = policy(json!({"identities": [{"issuer": ISSUER, "san": SAN, "claims": {"run_invocation_uri": "x"}}]}));
        let e = p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org")).unwrap_err();
        assert_eq!(e.status, Status::ClaimMismatch);
        assert!(e.message.contains("no such claim"), "{}", e.message);
    }

    #[test]
    fn any_identity_may_match_and_the_most_specific_failure_is_reported() {
        let p = policy(json!({"identities": [
            {"issuer": ISSUER, "san": "other"},
            {"issuer": "https://gitlab.com", "san": SAN},
            {"issuer": ISSUER, "san": SAN, "claims": {"build_trigger": "release"}},
        ]}));
        assert_eq!(status(p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org"))), Status::ClaimMismatch);
        let p = policy(json!({"identities": [
            {"issuer": ISSUER, "san": "other"},
            {"issuer": ISSUER, "san": SAN},
        ]}));
        assert_eq!(p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org")).unwrap().identity, Some(1));
    }

    #[test]
    fn managed_keys() {
        let pem = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\n-----END PUBLIC KEY-----\n";
        let p = Policy::from_json(json!({"version": 1, "keys": [{"pem": pem}], "domains": {"mode": "ignore"}, "subject": {"require_name": false}}).to_string().as_bytes(), None).unwrap();
        let vb = key_bundle(0, WHEEL, PYPI_PUBLISH_V1, json!(null));
        assert_eq!(p.evaluate(&vb, &Context::default()).unwrap().key, Some(0));
        let vb = key_bundle(1, WHEEL, PYPI_PUBLISH_V1, json!(null));
        assert_eq!(status(p.evaluate(&vb, &Context::default())), Status::KeyMismatch);
        // A key-only policy accepts no certificate.
        let vb = bundle(WHEEL, PYPI_PUBLISH_V1, json!(null));
        assert_eq!(status(p.evaluate(&vb, &Context::default())), Status::IdentityMismatch);
    }

    #[test]
    fn package_pins_replace_the_identities_for_their_package() {
        let other = "https://github.com/p/sampleproject/.github/workflows/release.yml@refs/tags/v1";
        let p = policy(json!({"packages": {"SampleProject": {"identities": [{"issuer": ISSUER, "san": other}]}}}));
        // The artifact is sampleproject (PEP 503-equal to the key), pinned to another signer.
        let e = p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org")).unwrap_err();
        assert_eq!(e.status, Status::IdentityMismatch);
        assert!(e.message.contains("packages[\"SampleProject\"].identities"), "{}", e.message);
        // Another package still uses the top-level identities.
        let vb =
            bundle("other-1.0.tar.gz", RELEASE_V1, json!({"domains": ["pypi.org"], "name": "other", "version": "1.0"}));
        let d = p.evaluate(&vb, &Context { index_domain: Some("pypi.org"), name: Some("other-1.0.tar.gz") }).unwrap();
        assert_eq!(d.identity_list.as_deref(), Some("identities"));
        // The pinned signer is accepted for the pinned package.
        let p = policy(
            json!({"packages": {"sampleproject": {"identities": [{"issuer": ISSUER, "san": SAN}]}}, "identities": []}),
        );
        let d = p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org")).unwrap();
        assert_eq!(d.identity_list.as_deref(), Some("packages[\"sampleproject\"].identities"));
        // Pins need a name to be chosen.
        let p = policy(
            json!({"packages": {"sampleproject": {"identities": [{"issuer": ISSUER, "san": SAN}]}}, "subject": {"require_name": false}}),
        );
        let e =
            p.evaluate(&release(&["pypi.org"]), &Context { index_domain: Some("pypi.org"), name: None }).unwrap_err();
        assert_eq!(e.status, Status::InvalidArgument);
    }

    #[test]
    fn npm_package_pins_use_the_scoped_name() {
        let vb = bundle(
            "pkg:npm/%40s/x@1.0.0",
            NPM_PUBLISH_V0_1,
            json!({"name": "@s/x", "version": "1.0.0", "registry": "https://registry.npmjs.org"}),
        );
        let c = Context { index_domain: Some("registry.npmjs.org"), name: Some("pkg:npm/%40s/x@1.0.0") };
        let p = policy(json!({"packages": {"@s/x": {"identities": [{"issuer": ISSUER, "san": "someone-else"}]}}}));
        assert_eq!(status(p.evaluate(&vb, &c)), Status::IdentityMismatch);
        let p = policy(json!({"packages": {"@t/x": {"identities": [{"issuer": ISSUER, "san": "someone-else"}]}}}));
        assert_eq!(status(p.evaluate(&vb, &c)), Status::Ok);
    }

    // ---- subject ----

    #[test]
    fn subject_name_must_name_the_artifact() {
        let p = policy(json!({}));
        let d = p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org")).unwrap();
        assert_eq!(d.subject.as_deref(), Some(WHEEL));
        // Normalised comparison: same distribution written differently.
        let c = Context { index_domain: Some("pypi.org"), name: Some("SampleProject-1.0.0-py3-none-any.whl") };
        assert_eq!(status(p.evaluate(&release(&["pypi.org"]), &c)), Status::SubjectMismatch);
        let c = Context { index_domain: Some("pypi.org"), name: Some("Sample.Project-1.0-py3-none-any.whl") };
        assert_eq!(status(p.evaluate(&release(&["pypi.org"]), &c)), Status::SubjectMismatch);
        let c = Context { index_domain: Some("pypi.org"), name: Some("sampleproject-01.0-py3-none-any.whl") };
        assert_eq!(status(p.evaluate(&release(&["pypi.org"]), &c)), Status::Ok);
    }

    #[test]
    fn a_message_signature_cannot_be_bound_to_a_name() {
        let p = policy(json!({"domains": {"mode": "ignore"}}));
        let e = p.evaluate(&cert_bundle(&[]), &Context { name: Some("a.txt"), ..Default::default() }).unwrap_err();
        assert_eq!(e.status, Status::SubjectMismatch);
        // Without require_name the name is not checked, and the decision says so.
        let p = policy(json!({"domains": {"mode": "ignore"}, "subject": {"require_name": false}}));
        let d = p.evaluate(&cert_bundle(&[]), &Context { name: Some("a.txt"), ..Default::default() }).unwrap();
        assert!(d.warnings.iter().any(|w| w.contains("was not checked")), "{:?}", d.warnings);
    }

    #[test]
    fn only_the_subject_with_the_artifact_digest_counts() {
        let p = policy(json!({"domains": {"mode": "ignore"}}));
        let mut vb = bundle("other-1.0.tar.gz", PYPI_PUBLISH_V1, json!(null));
        if let Some(st) = vb.statement.as_mut() {
            st.subject.push(crate::verified::Subject {
                name: WHEEL.into(),
                digest: [("sha256".to_owned(), "cd".repeat(32))].into(),
            });
        }
        let e = p.evaluate(&vb, &Context { name: Some(WHEEL), ..Default::default() }).unwrap_err();
        assert_eq!(e.status, Status::SubjectMismatch);
    }

    // ---- domains ----

    #[test]
    fn direct_match_passes_and_says_how() {
        let p = policy(json!({}));
        let d = p.evaluate(&release(&["https://pypi.org/"]), &ctx("PyPI.org")).unwrap();
        assert_eq!(d.domains.matched.as_ref().map(Domain::as_str), Some("pypi.org"));
        assert_eq!(d.domains.via, Some(Via::Direct));
        assert_eq!(d.domains.signed.len(), 1);
    }

    #[test]
    fn the_legacy_release_type_is_read_for_now_with_a_warning() {
        use crate::attestation::RELEASE_V1_LEGACY;
        let p = policy(json!({}));
        let pred = json!({"domains": ["pypi.org"], "name": "sampleproject", "version": "1.0"});
        let d = p.evaluate(&bundle(WHEEL, RELEASE_V1, pred.clone()), &ctx("pypi.org")).unwrap();
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        let d = p.evaluate(&bundle(WHEEL, RELEASE_V1_LEGACY, pred.clone()), &ctx("pypi.org")).unwrap();
        assert_eq!(d.domains.matched.as_ref().map(Domain::as_str), Some("pypi.org"));
        assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
        assert!(d.warnings[0].contains("deprecated") && d.warnings[0].contains(RELEASE_V1), "{}", d.warnings[0]);
        // Read means checked: a staging build under the old type is still refused on production.
        let staging = json!({"domains": ["test.pypi.org"], "name": "sampleproject", "version": "1.0"});
        let e = p.evaluate(&bundle(WHEEL, RELEASE_V1_LEGACY, staging), &ctx("pypi.org")).unwrap_err();
        assert_eq!(e.status, Status::DomainMismatch);
    }

    #[test]
    fn require_mode_refuses_missing_domains() {
        let p = policy(json!({"domains": {"mode": "require"}}));
        let vb = bundle(WHEEL, PYPI_PUBLISH_V1, json!(null));
        let e = p.evaluate(&vb, &ctx("pypi.org")).unwrap_err();
        assert_eq!(e.status, Status::DomainMissing);
        assert!(e.message.contains(PYPI_PUBLISH_V1), "{}", e.message);
        // The default mode is require.
        assert_eq!(status(policy(json!({})).evaluate(&vb, &ctx("pypi.org"))), Status::DomainMissing);
    }

    #[test]
    fn warn_mode_warns_on_missing_domains_but_refuses_mismatches() {
        let p = policy(json!({"domains": {"mode": "warn"}}));
        let vb = bundle(WHEEL, PYPI_PUBLISH_V1, json!(null));
        let d = p.evaluate(&vb, &ctx("pypi.org")).unwrap();
        assert_eq!(d.warnings.len(), 1);
        assert!(d.warnings[0].contains("pypi.org"));
        assert_eq!(status(p.evaluate(&release(&["test.pypi.org"]), &ctx("pypi.org"))), Status::DomainMismatch);
    }

    #[test]
    fn ignore_mode_reads_no_domains() {
        let p = policy(json!({"domains": {"mode": "ignore"}}));
        let d = p.evaluate(&release(&["test.pypi.org"]), &ctx("pypi.org")).unwrap();
        assert!(d.domains.signed.is_empty() && d.domains.matched.is_none());
        // Not even malformed ones.
        let vb = bundle(WHEEL, RELEASE_V1, json!({"domains": ["*"], "name": "sampleproject", "version": "1.0"}));
        assert_eq!(status(p.evaluate(&vb, &ctx("pypi.org"))), Status::Ok);
    }

    #[test]
    fn attack_staging_only_build_rehosted_on_production() {
        let p = policy(json!({}));
        let e = p.evaluate(&release(&["test.pypi.org"]), &ctx("pypi.org")).unwrap_err();
        assert_eq!(e.status, Status::DomainMismatch);
        assert_eq!(
            e.message,
            "signed for test.pypi.org; fetched from pypi.org, which is not an allowed mirror of test.pypi.org"
        );
    }

    #[test]
    fn attack_unlisted_mirror() {
        let p = policy(json!({"domains": {"mirrors": {"pypi.corp.example": ["pypi.org"]}}}));
        let e = p.evaluate(&release(&["pypi.org"]), &ctx("evil-mirror.example")).unwrap_err();
        assert_eq!(e.status, Status::DomainMismatch);
    }

    #[test]
    fn listed_mirror_passes_via_the_mirror() {
        let p = policy(json!({"domains": {"mirrors": {"https://pypi.corp.example/": ["pypi.org"]}}}));
        let d = p.evaluate(&release(&["pypi.org"]), &ctx("pypi.corp.example")).unwrap();
        assert_eq!(d.domains.matched.as_ref().map(Domain::as_str), Some("pypi.org"));
        assert_eq!(d.domains.via, Some(Via::Mirror { upstream: domain::normalize("pypi.org").unwrap() }));
        // The mirror only serves its listed upstreams.
        let e = p.evaluate(&release(&["test.pypi.org"]), &ctx("pypi.corp.example")).unwrap_err();
        assert_eq!(e.status, Status::DomainMismatch);
        assert!(e.message.contains("allowed mirror of pypi.org only"), "{}", e.message);
        // A mirror entry does not make the upstream a mirror of the mirror.
        let vb = release(&["pypi.corp.example"]);
        assert_eq!(status(p.evaluate(&vb, &ctx("pypi.org"))), Status::DomainMismatch);
    }

    #[test]
    fn attack_mirror_carrying_staging_and_production_with_production_audience() {
        let mirrors = json!({"mirror.corp.example": ["pypi.org", "test.pypi.org"]});
        // Without audiences the mirror may serve either.
        let p = policy(json!({"domains": {"mirrors": mirrors}}));
        assert_eq!(status(p.evaluate(&release(&["test.pypi.org"]), &ctx("mirror.corp.example"))), Status::Ok);
        // A production installer accepts only artifacts meant for production.
        let p = policy(json!({"domains": {"mirrors": mirrors, "audiences": ["pypi.org"]}}));
        let e = p.evaluate(&release(&["test.pypi.org"]), &ctx("mirror.corp.example")).unwrap_err();
        assert_eq!(e.status, Status::AudienceMismatch);
        assert!(e.message.contains("test.pypi.org") && e.message.contains("pypi.org"), "{}", e.message);
        let d = p.evaluate(&release(&["pypi.org"]), &ctx("mirror.corp.example")).unwrap();
        assert_eq!(d.domains.audience.as_ref().map(Domain::as_str), Some("pypi.org"));
    }

    #[test]
    fn audience_applies_to_direct_fetches_too() {
        let p = policy(json!({"domains": {"audiences": ["pypi.org"]}}));
        assert_eq!(status(p.evaluate(&release(&["test.pypi.org"]), &ctx("test.pypi.org"))), Status::AudienceMismatch);
    }

    #[test]
    fn attack_rehosting_under_another_name_or_version() {
        let p = policy(json!({}));
        let vb = release(&["pypi.org"]);
        for other in
            ["evilproject-1.0-py3-none-any.whl", "sampleproject-1.1-py3-none-any.whl", "sampleproject-1.0.tar.gz"]
        {
            let c = Context { index_domain: Some("pypi.org"), name: Some(other) };
            assert_eq!(status(p.evaluate(&vb, &c)), Status::SubjectMismatch, "{other}");
        }
        // The release predicate naming another version than its own subject is refused too.
        let vb = bundle(WHEEL, RELEASE_V1, json!({"domains": ["pypi.org"], "name": "sampleproject", "version": "2.0"}));
        assert_eq!(status(p.evaluate(&vb, &ctx("pypi.org"))), Status::SubjectMismatch);
    }

    #[test]
    fn attack_npm_predicate_version_differs_from_subject() {
        let p = policy(json!({}));
        let vb = bundle(
            "pkg:npm/x@1.0.0",
            NPM_PUBLISH_V0_1,
            json!({"name": "x", "version": "1.0.1", "registry": "https://registry.npmjs.org"}),
        );
        let c = Context { index_domain: Some("registry.npmjs.org"), name: Some("pkg:npm/x@1.0.0") };
        assert_eq!(status(p.evaluate(&vb, &c)), Status::SubjectMismatch);
        let vb = bundle(
            "pkg:npm/x@1.0.0",
            NPM_PUBLISH_V0_1,
            json!({"name": "x", "version": "1.0.0", "registry": "https://registry.npmjs.org"}),
        );
        let d = p.evaluate(&vb, &c).unwrap();
        assert_eq!(d.domains.matched.as_ref().map(Domain::as_str), Some("registry.npmjs.org"));
        let c = Context { index_domain: Some("registry.npmjs.org"), name: Some("x-1.0.0.tgz") };
        assert_eq!(status(p.evaluate(&vb, &c)), Status::Ok);
    }

    #[test]
    fn conda_channels_compare_with_their_path() {
        let p = policy(json!({}));
        let name = "pkg-1.0-h0_0.conda";
        let vb = bundle(name, CONDA_PUBLISH_V1, json!({"targetChannel": "https://prefix.dev/conda-forge"}));
        let c = |i| Context { index_domain: Some(i), name: Some(name) };
        assert_eq!(status(p.evaluate(&vb, &c("https://prefix.dev/conda-forge/"))), Status::Ok);
        assert_eq!(status(p.evaluate(&vb, &c("prefix.dev/bioconda"))), Status::DomainMismatch);
        assert_eq!(status(p.evaluate(&vb, &c("prefix.dev"))), Status::DomainMismatch);
    }

    #[test]
    fn certificate_extension_domains_count_when_the_policy_names_the_oid() {
        use der::Encode;
        let oid = "1.3.6.1.4.1.99999.7";
        let ext = vec![der::asn1::OctetString::new(b"pypi.org".to_vec()).unwrap()].to_der().unwrap();
        let mut vb = bundle(WHEEL, PYPI_PUBLISH_V1, json!(null));
        if let Signer::Certificate { identity, .. } = &mut vb.signer {
            identity.extensions.insert(oid.to_owned(), ext);
        }
        let p = policy(json!({"domains": {"certificate_oid": oid}}));
        assert_eq!(status(p.evaluate(&vb, &ctx("pypi.org"))), Status::Ok);
        assert_eq!(status(p.evaluate(&vb, &ctx("test.pypi.org"))), Status::DomainMismatch);
        assert_eq!(status(policy(json!({})).evaluate(&vb, &ctx("pypi.org"))), Status::DomainMissing);
        if let Signer::Certificate { identity, .. } = &mut vb.signer {
            identity.extensions.insert(oid.to_owned(), vec![0x30, 0x03, 0x04, 0x05]);
        }
        assert_eq!(status(p.evaluate(&vb, &ctx("pypi.org"))), Status::DomainInvalid);
    }

    #[test]
    fn policy_predicates_are_read() {
        let p = policy(
            json!({"domains": {"predicates": [{"type": "https://slsa.dev/provenance/v1", "pointer": "/buildDefinition/externalParameters/index"}]}}),
        );
        let vb = bundle(
            WHEEL,
            "https://slsa.dev/provenance/v1",
            json!({"buildDefinition": {"externalParameters": {"index": "pypi.org"}}}),
        );
        assert_eq!(status(p.evaluate(&vb, &ctx("pypi.org"))), Status::Ok);
        assert_eq!(status(policy(json!({})).evaluate(&vb, &ctx("pypi.org"))), Status::DomainMissing);
    }

    #[test]
    fn decision_serialises() {
        let p = policy(json!({}));
        let d = p.evaluate(&release(&["pypi.org"]), &ctx("pypi.org")).unwrap();
        let j = serde_json::to_value(&d).unwrap();
        assert_eq!(j["domains"]["matched"], "pypi.org");
        assert_eq!(j["domains"]["via"]["kind"], "direct");
        assert_eq!(j["domains"]["mode"], "require");
        assert_eq!(j["domains"]["signed"][0]["source"]["kind"], "release");
        assert_eq!(j["package"]["name"], "sampleproject");
        assert_eq!(j["identity"], 0);
    }

    #[test]
    fn identity_helper_is_what_the_tests_assume() {
        assert_eq!(identity().san(), Some(SAN));
    }

    proptest::proptest! {
        #[test]
        fn evaluate_never_panics(
            san in "\\PC{0,30}",
            issuer in proptest::option::of("\\PC{0,20}"),
            subject in "\\PC{0,40}",
            ptype in proptest::sample::select(vec![NPM_PUBLISH_V0_1, CONDA_PUBLISH_V1, RELEASE_V1, PYPI_PUBLISH_V1, "x"]),
            field in "\\PC{0,30}",
            index in proptest::option::of("\\PC{0,30}"),
            name in proptest::option::of("\\PC{0,40}"),
            mode in proptest::sample::select(vec!["require", "warn", "ignore"]),
        ) {
            let predicate = json!({
                "name": field, "version": field, "registry": field, "targetChannel": field,
                "domains": [field, subject], "i": [field, 1]
            });
            let mut vb = bundle(&subject, ptype, predicate);
            if let Signer::Certificate { identity, .. } = &mut vb.signer {
                identity.sans[0].value = san;
                identity.issuer = issuer;
            }
            let mut extra = json!({"domains": {"mode": mode}, "subject": {"require_name": false}});
            if mode != "ignore" {
                extra["domains"]["mirrors"] = json!({"m.example": ["pypi.org"]});
                extra["domains"]["audiences"] = json!(["pypi.org"]);
                extra["domains"]["predicates"] = json!([{"type": "x", "pointer": "/i"}]);
            }
            let p = policy(extra);
            let _ = p.evaluate(&vb, &Context { index_domain: index.as_deref(), name: name.as_deref() });
        }
    }
}
