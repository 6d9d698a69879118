//! Signed domains: the indexes a signer declared an artifact is *for*, read from verified data.
//!
//! Sources, all optional and unioned:
//!
//! | source | predicate type / location | field |
//! |---|---|---|
//! | npm publish attestation v0.1 | [`NPM_PUBLISH_V0_1`] | `predicate.registry` (and `name`/`version` must match the subject purl) |
//! | conda publish attestation (CEP 27) | [`CONDA_PUBLISH_V1`] | `predicate.targetChannel` |
//! | domainsig release attestation | [`RELEASE_V1`] | `predicate.domains[]` (and `name`/`version` must match the subject) |
//! | policy-named predicates | `domains.predicates[].type` | RFC 6901 pointer: a string or an array of strings |
//! | certificate extension (fulcio#1131) | `domains.certificate_oid` | `Domains ::= SEQUENCE OF OCTET STRING` |
//!
//! Statement predicates count only when a statement subject carries the artifact's digest (the
//! verifier guarantees one does; it is checked again here so `evaluate` holds on plain values).
//! Every other predicate type — including PyPI's publish attestation, which has no index field —
//! yields no domains; that is not an error, and `domains.mode` decides what "no domains" means.
//! A domain-bearing predicate that is malformed is `PREDICATE_UNSUPPORTED`; a domain that does not
//! normalise is `DOMAIN_INVALID`; an npm or release predicate naming another package or version
//! than its subject is `SUBJECT_MISMATCH`.

use crate::domain::{self, Domain};
use crate::error::{self, Result};
use crate::limits;
use crate::subject;
use crate::verified::{Subject, VerifiedBundle};
use serde::Serialize;
use serde_json::Value;

/// npm's publish attestation (predicate `{"name", "version", "registry"}`).
pub const NPM_PUBLISH_V0_1: &str = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1";
/// conda's publish attestation, CEP 27 (predicate `{"targetChannel"}` or `null`): the type CEP 27
/// defines (conda/ceps cep-sigstore-predicate.md, "Standardizing a publish attestation for the
/// conda ecosystem") and the one real producers emit: prefix-dev/rattler-build's attestation
/// upload passes it to `cosign attest-blob --type`, and prefix-dev/sigstore-example gives it to
/// `actions/attest` as `predicate-type`.
pub const CONDA_PUBLISH_V1: &str = "https://schemas.conda.org/attestations-publish-1.schema.json";
/// PyPI's publish attestation: names no index, so it yields no domains.
pub const PYPI_PUBLISH_V1: &str = "https://docs.pypi.org/attestations/publish/v1";
/// This project's release predicate (docs/release-predicate.md): `{"domains", "name", "version"}`.
///
/// A type URI must stay under a name its definer controls, or whoever takes the name can
/// redefine the type. The project holds no domain of its own; what it does hold is its package
/// name, and `crates.io/crates/domainsig/` is a path only the crate's owners publish under.
pub const RELEASE_V1: &str = "https://crates.io/crates/domainsig/release-predicate/v1";
/// The release predicate's first type URI, under a domain this project never owned. Read like
/// [`RELEASE_V1`] through the 0.1 releases, with a warning in every decision that used it, and
/// refused (read as an unknown type) from 0.2 on.
pub const RELEASE_V1_LEGACY: &str = "https://domainsig.dev/attestation/release/v1";

/// Predicate types domainsig reads domains from without being told.
pub const BUILTIN_TYPES: &[&str] = &[NPM_PUBLISH_V0_1, CONDA_PUBLISH_V1, RELEASE_V1, RELEASE_V1_LEGACY];

/// A warning for a statement whose type is deprecated, if it is.
pub fn deprecation(predicate_type: &str) -> Option<String> {
    (predicate_type == RELEASE_V1_LEGACY).then(|| {
        format!(
            "the release predicate type {RELEASE_V1_LEGACY} is deprecated (the project does not own that domain) and \
             will not be read from domainsig 0.2 on; sign new releases with {RELEASE_V1}"
        )
    })
}

/// Where a signed domain was read from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// `predicate.registry` of an npm publish attestation.
    NpmPublish,
    /// `predicate.targetChannel` of a CEP 27 conda publish attestation.
    CondaPublish,
    /// `predicate.domains` of a domainsig release attestation.
    Release,
    /// A predicate type and pointer named by the policy.
    Predicate {
        /// The predicate type URI.
        predicate_type: String,
        /// The RFC 6901 pointer.
        pointer: String,
    },
    /// The certificate extension under the policy's OID.
    CertificateExtension {
        /// The dotted OID.
        oid: String,
    },
    /// A registry key the policy (or a TUF delegation) binds to the domain signed the attestation.
    RegistryKey {
        /// Index of the key in the policy's `keys`.
        index: usize,
        /// The key's npm-style keyid, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        keyid: Option<String>,
    },
}

impl Source {
    /// How the domain was proven, in words (result JSON `proved`, messages).
    pub fn describe(&self) -> String {
        match self {
            Source::NpmPublish => "the signed npm publish predicate's registry".to_owned(),
            Source::CondaPublish => "the signed conda publish predicate's targetChannel".to_owned(),
            Source::Release => "the signed release predicate's domains".to_owned(),
            Source::Predicate { predicate_type, pointer } => {
                format!("the signed {predicate_type} predicate at {pointer}")
            }
            Source::CertificateExtension { oid } => format!("the certificate extension {oid}"),
            Source::RegistryKey { index, keyid } => format!(
                "a signature by policy key #{index}{} bound to it",
                keyid.as_deref().map(|k| format!(" ({k})")).unwrap_or_default()
            ),
        }
    }
}

/// One signed domain: as written, normalised, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignedDomain {
    /// The normalised domain.
    pub domain: Domain,
    /// The text as signed.
    pub raw: String,
    /// Where it was read from.
    pub source: Source,
    /// Which attestation of a set proved it, for sets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestation: Option<String>,
}

/// A policy rule: read domains of `predicate_type` statements at `pointer`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PredicateRule {
    /// The predicate type URI (exact match).
    pub predicate_type: String,
    /// RFC 6901 JSON pointer into the predicate.
    pub pointer: String,
}

/// What the policy adds to the built-in domain sources.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sources<'a> {
    /// Extra predicate types and where their domains are.
    pub predicates: &'a [PredicateRule],
    /// The OID of a `Domains` certificate extension, if the policy names one.
    pub certificate_oid: Option<&'a str>,
}

/// The statement subjects whose digest is the artifact's digest.
pub fn matched_subjects(vb: &VerifiedBundle) -> Vec<&Subject> {
    let Some(st) = &vb.statement else { return Vec::new() };
    let alg = vb.artifact_digest.algorithm.as_str();
    st.subject
        .iter()
        .filter(|s| s.digest.get(alg).is_some_and(|d| d.eq_ignore_ascii_case(&vb.artifact_digest.hex)))
        .collect()
}

/// Every signed domain in `vb` for this artifact (see the module docs), in source order.
pub fn signed_domains(vb: &VerifiedBundle, sources: &Sources<'_>) -> Result<Vec<SignedDomain>> {
    let mut out = Vec::new();
    if let Some(st) = &vb.statement {
        let subjects = matched_subjects(vb);
        if !subjects.is_empty() {
            let p = &st.predicate;
            match st.predicate_type.as_str() {
                NPM_PUBLISH_V0_1 => npm_publish(p, &subjects, &mut out)?,
                CONDA_PUBLISH_V1 => conda_publish(p, st.subject.len(), &mut out)?,
                RELEASE_V1 | RELEASE_V1_LEGACY => release(p, &subjects, &mut out)?,
                t => {
                    for rule in sources.predicates.iter().filter(|r| r.predicate_type == t) {
                        by_pointer(p, rule, &mut out)?;
                    }
                }
            }
        }
    }
    if let (Some(oid), Some(id)) = (sources.certificate_oid, vb.identity()) {
        if let Some(der) = id.extensions.get(oid) {
            certificate_extension(der, oid, &mut out)?;
        }
    }
    limits::check("signed domains", limits::MAX_DOMAINS, out.len())?;
    Ok(out)
}

fn push(out: &mut Vec<SignedDomain>, raw: &str, source: Source, field: &str) -> Result<()> {
    if out.len() >= limits::MAX_DOMAINS {
        return Err(limits::exceeded("signed domains", limits::MAX_DOMAINS, out.len() + 1));
    }
    let domain = domain::normalize(raw).map_err(|e| e.at(field.to_owned()))?;
    out.push(SignedDomain { domain, raw: raw.to_owned(), source, attestation: None });
    Ok(())
}

fn str_field<'v>(p: &'v Value, key: &str, what: &str) -> Result<&'v str> {
    match p.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(other) => {
            Err(error::predicate(format!("{what} predicate field {key:?} must be a non-empty string, found {other}"))
                .at(format!("predicate.{key}")))
        }
        None => Err(error::predicate(format!("{what} predicate has no {key:?}")).at(format!("predicate.{key}"))),
    }
}

fn npm_publish(p: &Value, subjects: &[&Subject], out: &mut Vec<SignedDomain>) -> Result<()> {
    if !p.is_object() {
        return Err(error::predicate("npm publish predicate must be an object").at("predicate"));
    }
    let name = str_field(p, "name", "npm publish")?;
    let version = str_field(p, "version", "npm publish")?;
    let registry = str_field(p, "registry", "npm publish")?;
    // The registry claim is only about the package the predicate names; it must be the subject.
    let want = format!("{name}@{version}");
    // Only a purl names it: the spec's subject is one, and a tarball name has lost the scope.
    let purls: Vec<_> = subjects.iter().filter_map(|s| subject::parse_purl(&s.name)).collect();
    if !purls.iter().any(|r| r.canonical == want) {
        let found: Vec<&str> = subjects.iter().map(|s| s.name.as_str()).collect();
        return Err(error::subject(format!(
            "the npm publish predicate is for {want}, but the statement subject is {}",
            found.join(", ")
        ))
        .at("subject"));
    }
    push(out, registry, Source::NpmPublish, "predicate.registry")
}

fn conda_publish(p: &Value, subjects: usize, out: &mut Vec<SignedDomain>) -> Result<()> {
    // CEP 27: "subject MUST be a single ResourceDescriptor" — one package, one channel claim.
    if subjects != 1 {
        return Err(error::predicate(format!(
            "a conda publish statement (CEP 27) must have exactly one subject, found {subjects}"
        ))
        .at("subject"));
    }
    match p {
        // CEP 27 makes the predicate optional: no predicate, no channel.
        Value::Null => Ok(()),
        Value::Object(_) => {
            let ch = str_field(p, "targetChannel", "conda publish")?;
            push(out, ch, Source::CondaPublish, "predicate.targetChannel")
        }
        _ => Err(error::predicate("conda publish predicate must be an object or null").at("predicate")),
    }
}

fn release(p: &Value, subjects: &[&Subject], out: &mut Vec<SignedDomain>) -> Result<()> {
    if !p.is_object() {
        return Err(error::predicate("release predicate must be an object").at("predicate"));
    }
    let name = str_field(p, "name", "release")?;
    let version = str_field(p, "version", "release")?;
    let domains = match p.get("domains") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        _ => {
            return Err(error::predicate("release predicate field \"domains\" must be a non-empty array of strings")
                .at("predicate.domains"));
        }
    };
    // Where a subject names a package domainsig can read, the predicate must name the same one.
    for s in subjects {
        if let Some(pkg) = subject::parse(&s.name) {
            if !pkg.has_name(name) || !pkg.has_version(version) {
                return Err(error::subject(format!(
                    "the release predicate is for {name} {version}, but the statement subject {:?} is {} {}",
                    s.name, pkg.name, pkg.version
                ))
                .at("subject"));
            }
        }
    }
    limits::check("release predicate domains", limits::MAX_DOMAINS, domains.len())?;
    for (i, d) in domains.iter().enumerate() {
        let Some(d) = d.as_str() else {
            return Err(error::predicate(format!("release predicate domains[{i}] is not a string"))
                .at(format!("predicate.domains[{i}]")));
        };
        push(out, d, Source::Release, &format!("predicate.domains[{i}]"))?;
    }
    Ok(())
}

fn by_pointer(p: &Value, rule: &PredicateRule, out: &mut Vec<SignedDomain>) -> Result<()> {
    let source = || Source::Predicate { predicate_type: rule.predicate_type.clone(), pointer: rule.pointer.clone() };
    let field = format!("predicate{}", rule.pointer);
    match p.pointer(&rule.pointer) {
        // Absent: this statement declares no domain there.
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) => push(out, s, source(), &field),
        Some(Value::Array(a)) => {
            limits::check("predicate domains", limits::MAX_DOMAINS, a.len())?;
            for (i, v) in a.iter().enumerate() {
                let s = v.as_str().ok_or_else(|| {
                    error::predicate(format!("{} at {}[{i}] is not a string", rule.predicate_type, rule.pointer))
                        .at(format!("{field}/{i}"))
                })?;
                push(out, s, source(), &format!("{field}/{i}"))?;
            }
            Ok(())
        }
        Some(other) => Err(error::predicate(format!(
            "{} at {} must be a string or an array of strings, found {other}",
            rule.predicate_type, rule.pointer
        ))
        .at(field)),
    }
}

/// Reads `Domains ::= SEQUENCE OF OCTET STRING` (each a UTF-8 domain) from an extension value.
pub fn decode_domains_extension(der_bytes: &[u8]) -> Result<Vec<String>> {
    use der::Decode;
    let seq = Vec::<der::asn1::OctetString>::from_der(der_bytes).map_err(|e| {
        error::domain_invalid(format!("the domains certificate extension is not a DER SEQUENCE OF OCTET STRING: {e}"))
    })?;
    limits::check("certificate extension domains", limits::MAX_DOMAINS, seq.len())?;
    seq.into_iter()
        .map(|o| {
            String::from_utf8(o.into_bytes())
                .map_err(|_| error::domain_invalid("a domain in the domains certificate extension is not UTF-8"))
        })
        .collect()
}

fn certificate_extension(der_bytes: &[u8], oid: &str, out: &mut Vec<SignedDomain>) -> Result<()> {
    let field = format!("certificate.extensions[{oid}]");
    let domains = decode_domains_extension(der_bytes).map_err(|e| e.at(field.clone()))?;
    for d in domains {
        push(out, &d, Source::CertificateExtension { oid: oid.to_owned() }, &field)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;
    use crate::policy::testutil::{bundle, cert_bundle};

    fn domains(vb: &VerifiedBundle, s: &Sources<'_>) -> Result<Vec<String>> {
        signed_domains(vb, s).map(|v| v.into_iter().map(|d| d.domain.to_string()).collect())
    }

    #[test]
    fn npm_registry_is_read_and_cross_checked() {
        let p = serde_json::json!({"name": "@s/x", "version": "1.0.0", "registry": "https://registry.npmjs.org/"});
        let vb = bundle("pkg:npm/%40s/x@1.0.0", NPM_PUBLISH_V0_1, p.clone());
        assert_eq!(domains(&vb, &Sources::default()).unwrap(), ["registry.npmjs.org"]);
        // Predicate version differs from the subject purl: SUBJECT_MISMATCH.
        let vb = bundle("pkg:npm/%40s/x@1.0.1", NPM_PUBLISH_V0_1, p.clone());
        assert_eq!(domains(&vb, &Sources::default()).unwrap_err().status, Status::SubjectMismatch);
        let vb = bundle("pkg:npm/%40t/x@1.0.0", NPM_PUBLISH_V0_1, p.clone());
        assert_eq!(domains(&vb, &Sources::default()).unwrap_err().status, Status::SubjectMismatch);
        let vb = bundle("x-1.0.0.tgz", NPM_PUBLISH_V0_1, p);
        assert_eq!(domains(&vb, &Sources::default()).unwrap_err().status, Status::SubjectMismatch);
        let vb = bundle("pkg:npm/x@1", NPM_PUBLISH_V0_1, serde_json::json!({"name": "x", "version": "1"}));
        assert_eq!(domains(&vb, &Sources::default()).unwrap_err().status, Status::PredicateUnsupported);
        let vb = bundle(
            "pkg:npm/x@1",
            NPM_PUBLISH_V0_1,
            serde_json::json!({"name": "x", "version": "1", "registry": "*.npmjs.org"}),
        );
        assert_eq!(domains(&vb, &Sources::default()).unwrap_err().status, Status::DomainInvalid);
    }

    #[test]
    fn conda_target_channel_is_read() {
        let vb = bundle(
            "x-1-h_0.conda",
            CONDA_PUBLISH_V1,
            serde_json::json!({"targetChannel": "https://prefix.dev/conda-forge"}),
        );
        assert_eq!(domains(&vb, &Sources::default()).unwrap(), ["prefix.dev/conda-forge"]);
        let vb = bundle("x-1-h_0.conda", CONDA_PUBLISH_V1, serde_json::Value::Null);
        assert!(domains(&vb, &Sources::default()).unwrap().is_empty());
        let vb = bundle("x-1-h_0.conda", CONDA_PUBLISH_V1, serde_json::json!({"targetChannel": 3}));
        assert_eq!(domains(&vb, &Sources::default()).unwrap_err().status, Status::PredicateUnsupported);
    }

    #[test]
    fn release_predicate_is_read_and_cross_checked() {
        let p = serde_json::json!({"domains": ["pypi.org", "https://Mirror.example/"], "name": "Foo.Bar", "version": "1.0"});
        let vb = bundle("foo_bar-1.0.tar.gz", RELEASE_V1, p.clone());
        assert_eq!(domains(&vb, &Sources::default()).unwrap(), ["pypi.org", "mirror.example"]);
        // Subject of another version or project: SUBJECT_MISMATCH.
        let vb = bundle("foo_bar-1.1.tar.gz", RELEASE_V1, p.clone());
        assert_eq!(domains(&vb, &Sources::default()).unwrap_err().status, Status::SubjectMismatch);
        let vb = bundle("baz-1.0.tar.gz", RELEASE_V1, p.clone());
        assert_eq!(domains(&vb, &Sources::default()).unwrap_err().status, Status::SubjectMismatch);
        // An unrecognised subject name is not cross-checked.
        let vb = bundle("foo.bin", RELEASE_V1, p);
        assert_eq!(domains(&vb, &Sources::default()).unwrap().len(), 2);
        for bad in [
            serde_json::json!({"domains": [], "name": "a", "version": "1"}),
            serde_json::json!({"domains": "pypi.org", "name": "a", "version": "1"}),
            serde_json::json!({"domains": [1], "name": "a", "version": "1"}),
            serde_json::json!({"domains": ["pypi.org"], "version": "1"}),
            serde_json::json!(["pypi.org"]),
        ] {
            let vb = bundle("foo.bin", RELEASE_V1, bad.clone());
            assert_eq!(domains(&vb, &Sources::default()).unwrap_err().status, Status::PredicateUnsupported, "{bad}");
        }
    }

    #[test]
    fn pypi_publish_and_unknown_predicates_yield_nothing() {
        let vb = bundle("foo-1.0.tar.gz", PYPI_PUBLISH_V1, serde_json::Value::Null);
        assert!(domains(&vb, &Sources::default()).unwrap().is_empty());
        let vb = bundle("foo-1.0.tar.gz", "https://slsa.dev/provenance/v1", serde_json::json!({"registry": "x"}));
        assert!(domains(&vb, &Sources::default()).unwrap().is_empty());
    }

    #[test]
    fn policy_predicates_use_json_pointers() {
        let rules = [PredicateRule { predicate_type: "https://ex/p".into(), pointer: "/publish/index~1url".into() }];
        let s = Sources { predicates: &rules, certificate_oid: None };
        let vb = bundle("a", "https://ex/p", serde_json::json!({"publish": {"index/url": "pypi.org"}}));
        assert_eq!(domains(&vb, &s).unwrap(), ["pypi.org"]);
        let vb = bundle("a", "https://ex/p", serde_json::json!({"publish": {"index/url": ["a.example", "b.example"]}}));
        assert_eq!(domains(&vb, &s).unwrap(), ["a.example", "b.example"]);
        let vb = bundle("a", "https://ex/p", serde_json::json!({"publish": {}}));
        assert!(domains(&vb, &s).unwrap().is_empty());
        let vb = bundle("a", "https://ex/p", serde_json::json!({"publish": {"index/url": {"x": 1}}}));
        assert_eq!(domains(&vb, &s).unwrap_err().status, Status::PredicateUnsupported);
        let vb = bundle("a", "https://ex/p", serde_json::json!({"publish": {"index/url": ["ok.example", 2]}}));
        assert_eq!(domains(&vb, &s).unwrap_err().status, Status::PredicateUnsupported);
        // Another type is not read by this rule.
        let vb = bundle("a", "https://ex/q", serde_json::json!({"publish": {"index/url": "pypi.org"}}));
        assert!(domains(&vb, &s).unwrap().is_empty());
    }

    #[test]
    fn predicates_of_unmatched_subjects_are_ignored() {
        let mut vb = bundle(
            "foo_bar-1.0.tar.gz",
            RELEASE_V1,
            serde_json::json!({"domains": ["pypi.org"], "name": "foo_bar", "version": "1.0"}),
        );
        vb.artifact_digest.hex = "00".repeat(32);
        assert!(domains(&vb, &Sources::default()).unwrap().is_empty());
    }

    const OID: &str = "1.3.6.1.4.1.99999.1";

    fn der_domains(ds: &[&str]) -> Vec<u8> {
        use der::Encode;
        let v: Vec<der::asn1::OctetString> =
            ds.iter().map(|d| der::asn1::OctetString::new(d.as_bytes()).unwrap()).collect();
        v.to_der().unwrap()
    }

    #[test]
    fn certificate_extension_domains() {
        let s = Sources { predicates: &[], certificate_oid: Some(OID) };
        let vb = cert_bundle(&[(OID, der_domains(&["pypi.org", "https://test.pypi.org/"]))]);
        assert_eq!(domains(&vb, &s).unwrap(), ["pypi.org", "test.pypi.org"]);
        // Only under the policy's OID.
        assert!(domains(&vb, &Sources::default()).unwrap().is_empty());
        let other = Sources { predicates: &[], certificate_oid: Some("1.2.3.4") };
        assert!(domains(&vb, &other).unwrap().is_empty());
        // Malformed DER, non-UTF-8, invalid domain: DOMAIN_INVALID.
        for bad in
            [vec![0x30, 0x05, 0x04], vec![0x04, 0x01, 0x61], der_octets_raw(&[0xff, 0xfe]), der_domains(&["*.x"])]
        {
            let vb = cert_bundle(&[(OID, bad.clone())]);
            assert_eq!(domains(&vb, &s).unwrap_err().status, Status::DomainInvalid, "{bad:?}");
        }
    }

    fn der_octets_raw(b: &[u8]) -> Vec<u8> {
        use der::Encode;
        vec![der::asn1::OctetString::new(b).unwrap()].to_der().unwrap()
    }
}
