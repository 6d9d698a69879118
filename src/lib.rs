//! domainsig: may this artifact, fetched from this index, be installed under this policy?
//!
//! Data flows one way: **parse** ([`bundle`], [`trust`], [`policy`]) → **prove**
//! ([`verify`]: pure cryptography, producing a [`VerifiedBundle`]) → **decide**
//! ([`Policy::evaluate`], no cryptography) → **result** ([`Outcome`], a status and JSON).
//!
//! ```no_run
//! use domainsig::{Artifact, Policy, Request, limits};
//! let policy = Policy::from_json(br#"{"version": 1, "identities": [...]}"#, None)?;
//! // Bundles and policies are bytes (content); a file is read with a bound, never whole.
//! let bundle = limits::read_bounded("pkg.whl.sigstore.json".as_ref(), limits::MAX_BUNDLE_BYTES, "bundle")?;
//! let outcome = policy.verify(&Request {
//!     artifact: Artifact::Path("pkg.whl".as_ref()),
//!     name: Some("pkg-1.0-py3-none-any.whl"),
//!     bundle: &bundle,
//!     index_domain: Some("pypi.org"),
//! });
//! println!("{}", outcome.to_json());
//! # Ok::<(), domainsig::Error>(())
//! ```

#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod artifact;
pub mod attestation;
pub mod bundle;
pub mod domain;
pub mod dsse;
pub mod error;
pub mod ffi;
pub mod intoto;
pub mod json;
pub mod limits;
pub mod lock;
mod parallel;
pub mod policy;
pub mod publisher;
pub mod subject;
pub mod time;
pub mod tlog;
pub mod trust;
pub mod verified;
pub mod verify;
pub mod x509;

pub use artifact::Artifact;
pub use bundle::Bundle;
pub use error::{Error, Family, Result, Status};
pub use policy::{Context, Decision, Policy};
pub use publisher::Publisher;
pub use trust::TrustRoot;
pub use verified::VerifiedBundle;

use serde::Serialize;

/// The `keyUsage` of npm registry keys that sign publish attestations (Sigstore TUF target
/// `registry.npmjs.org/keys.json`; slsa-verifier verifiers/internal/gha/npm_keys.go uses the same).
pub const NPM_ATTESTATIONS_USAGE: &str = "npm:attestations";

/// The library version (`domainsig_version()` in C).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One verification request.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// The artifact (bytes, path or digest).
    pub artifact: Artifact<'a>,
    /// The artifact's filename or purl, for subject binding.
    pub name: Option<&'a str>,
    /// The bundle (or PEP 740 attestation) bytes.
    pub bundle: &'a [u8],
    /// Where the artifact was fetched from.
    pub index_domain: Option<&'a str>,
}

/// The answer: accepted (with what was proven and decided) or refused (with why).
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The refusal, if any.
    pub error: Option<Error>,
    /// What was proven, when the cryptography passed (present on policy refusals too).
    pub verified: Option<VerifiedBundle>,
    /// What the policy decided, when it accepted.
    pub decision: Option<Decision>,
}

#[derive(Serialize)]
struct OutcomeJson<'a> {
    status: &'static str,
    code: u32,
    family: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<Publisher>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<&'a VerifiedBundle>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'a Decision>,
}

impl Outcome {
    /// A refusal with nothing proven.
    pub fn refused(error: Error) -> Self {
        Outcome { error: Some(error), verified: None, decision: None }
    }

    /// `Status::Ok` or the refusal's status.
    pub fn status(&self) -> Status {
        self.error.as_ref().map_or(Status::Ok, |e| e.status)
    }

    /// Whether the artifact may be installed.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }

    /// Who signed, as a publisher object, whenever a Fulcio certificate was verified (accepted or
    /// refused by the policy): derived from the verified certificate only ([`publisher::derive`]).
    /// For an npm document, its provenance's signer.
    pub fn publisher(&self) -> Option<Publisher> {
        self.verified.as_ref().and_then(VerifiedBundle::identity).map(publisher::derive)
    }

    /// The result as JSON: `status`, `code`, `family`, then `message`/`field` on refusal,
    /// `publisher` when a certificate was verified, and `verified`/`decision` when available.
    pub fn to_json(&self) -> String {
        let st = self.status();
        let j = OutcomeJson {
            status: st.name(),
            code: st.code(),
            family: st.family().name(),
            message: self.error.as_ref().map(|e| e.message.as_str()),
            field: self.error.as_ref().and_then(|e| e.field.as_deref()),
            publisher: self.publisher(),
            verified: self.verified.as_ref(),
            decision: self.decision.as_ref(),
        };
        serde_json::to_string(&j).unwrap_or_else(|e| {
            format!(
                r#"{{"status":"INTERNAL","code":99,"family":"internal","message":"result serialisation failed: {e}"}}"#
            )
        })
    }
}

/// Current Unix time, read once per verification and passed down (verification never reads it).
fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl Policy {
    /// Parses, proves and decides one request.
    ///
    /// `req.bundle` may be a Sigstore bundle, a PEP 740 attestation object or a PyPI provenance
    /// object. For a provenance object every attestation must verify and at least one must satisfy
    /// the policy (see [`bundle::pep740`]); the outcome is that attestation's, or the first refusal.
    /// A pass that only `warn` mode's "no signed domain" allows does not outweigh an attestation
    /// refused with a `domain`-family status (signed for another index, malformed domains, another
    /// name): that refusal is the outcome.
    pub fn verify(&self, req: &Request<'_>) -> Outcome {
        self.verify_at(req, now())
    }

    /// As [`Policy::verify`], at the evaluation time `now` (Unix seconds): the time `min_age` is
    /// judged against and log times may not be later than. [`Policy::verify`] is this at the clock.
    pub fn verify_at(&self, req: &Request<'_>, now: i64) -> Outcome {
        if let Some(n) = req.name.filter(|n| n.len() > limits::MAX_NAME_LEN) {
            return Outcome::refused(
                limits::exceeded("artifact name length in bytes", limits::MAX_NAME_LEN, n.len()).at("name"),
            );
        }
        match bundle::pep740::parse_input(req.bundle) {
            Ok(bundle::pep740::Input::Bundle(b)) => self.verify_parsed_at(&b, req, now),
            Ok(bundle::pep740::Input::Provenance(atts)) => self.verify_provenance(&atts, req, now),
            Ok(bundle::pep740::Input::Npm(atts)) => self.verify_npm(&atts, req, now),
            Err(e) => Outcome::refused(e),
        }
    }

    /// The first step of every set: each member must verify cryptographically, or nothing in
    /// the set is trusted (it was tampered with or corrupted). A set's unsigned label must also
    /// equal what its member signed.
    fn verify_members(
        &self,
        atts: &[bundle::pep740::ProvenanceAttestation],
        req: &Request<'_>,
        npm: bool,
        now: i64,
    ) -> std::result::Result<Vec<VerifiedBundle>, Error> {
        let at = |a: &bundle::pep740::ProvenanceAttestation, e: Error| {
            let field = e.field.clone().map_or(a.path.clone(), |f| format!("{}.{f}", a.path));
            Error { field: Some(field), ..e }
        };
        let mut out = Vec::with_capacity(atts.len());
        // Every member names the same artifact: hash it once, with the first member, and hand the
        // rest its digest (an npm document's two attestations would otherwise hash a tarball twice).
        let mut hashed: Option<Artifact<'static>> = None;
        for a in atts {
            // npm names the registry key of a publish attestation by keyid, and pacote takes any
            // DSSE keyid as such a reference: a certificate-signed attestation naming a key is
            // inconsistent, and a key-signed one verifies only under the key it names.
            let keyid = if npm { bundle::npm::named_keyid(&a.bundle).map_err(|e| at(a, e))? } else { None };
            let is_key = matches!(a.bundle.material, bundle::Material::PublicKey { .. });
            if npm {
                match (&keyid, is_key) {
                    (Some(k), false) => {
                        return Err(at(
                            a,
                            error::key_mismatch(format!(
                                "the certificate-signed attestation names registry key {k:?} in its DSSE keyid; \
                                 npm reads that as a registry key reference, and a certificate cannot be one"
                            )),
                        ));
                    }
                    (None, true) => {
                        return Err(at(
                            a,
                            error::key_mismatch(
                                "the key-signed attestation names no registry keyid (hint or DSSE keyid)",
                            ),
                        ));
                    }
                    _ => {}
                }
            }
            // npm's registry keys.json lists each key once per usage with different windows.
            let opts = self.options(now, keyid.as_deref(), if npm { Some(NPM_ATTESTATIONS_USAGE) } else { None });
            let vb = match &hashed {
                None => verify::verify(&a.bundle, &req.artifact, &opts),
                Some(digest) => match verify::verify(&a.bundle, digest, &opts) {
                    // This member wants another digest of the artifact (or none matches): ask the
                    // artifact itself, which answers for every algorithm.
                    Err(e) if e.status == Status::ArtifactMismatch => verify::verify(&a.bundle, &req.artifact, &opts),
                    r => r,
                },
            }
            .map_err(|e| at(a, e))?;
            if hashed.is_none() && !matches!(req.artifact, Artifact::Digest(..)) {
                let d = &vb.artifact_digest;
                hashed = Artifact::parse_digest(&format!("{}:{}", d.algorithm, d.hex)).ok();
            }
            if let Some(label) = &a.label {
                let signed = vb.statement.as_ref().map(|s| s.predicate_type.as_str());
                if signed != Some(label.as_str()) {
                    return Err(at(
                        a,
                        error::malformed(format!(
                            "the document labels this attestation {label:?}, but its signed statement is {}",
                            signed.map_or("absent".to_owned(), |s| format!("{s:?}"))
                        ))
                        .at("predicateType"),
                    ));
                }
            }
            out.push(vb);
        }
        Ok(out)
    }

    fn verify_npm(&self, atts: &[bundle::pep740::ProvenanceAttestation], req: &Request<'_>, now: i64) -> Outcome {
        let vbs = match self.verify_members(atts, req, true, now) {
            Ok(v) => v,
            Err(e) => return Outcome::refused(e),
        };
        let members: Vec<(&str, &VerifiedBundle)> = atts.iter().map(|a| a.path.as_str()).zip(vbs.iter()).collect();
        let ctx = Context { index_domain: req.index_domain, name: req.name };
        // The provenance (when present) is the bundle the result's `verified` shows; the
        // decision lists every member.
        let shown = vbs.iter().position(|v| v.identity().is_some()).unwrap_or(0);
        match self.evaluate_set_at(&members, &ctx, now) {
            Ok(d) => Outcome { error: None, verified: vbs.get(shown).cloned(), decision: Some(d) },
            Err(e) => Outcome { error: Some(e), verified: vbs.get(shown).cloned(), decision: None },
        }
    }

    fn verify_provenance(
        &self,
        atts: &[bundle::pep740::ProvenanceAttestation],
        req: &Request<'_>,
        now: i64,
    ) -> Outcome {
        // A cryptographic failure in any attestation refuses the whole object.
        let vbs = match self.verify_members(atts, req, false, now) {
            Ok(v) => v,
            Err(e) => return Outcome::refused(e),
        };
        let ctx = Context { index_domain: req.index_domain, name: req.name };
        let outcomes = atts.iter().zip(vbs).map(|(a, vb)| {
            let o = match self.evaluate_at(&vb, &ctx, now) {
                Ok(d) => Outcome { error: None, verified: Some(vb), decision: Some(d) },
                Err(e) => Outcome { error: Some(e), verified: Some(vb), decision: None },
            };
            (a, o)
        });
        let mut first_refusal = None;
        // A pass that only warn mode's "no signed domain" allowed, and the first attestation
        // whose (accepted) signer refused this artifact for where or what it is: the explicit
        // declaration outweighs the silent one, or a staging build's publish attestation would
        // carry it onto production.
        let mut unsigned_pass = None;
        let mut domain_refusal = None;
        for (a, mut o) in outcomes {
            match (&mut o.decision, &o.error) {
                (Some(d), None) => {
                    d.attestation = Some(a.path.clone());
                    if d.domains.mode == policy::Mode::Warn && d.domains.matched.is_none() {
                        unsigned_pass.get_or_insert(o);
                        continue;
                    }
                    return o;
                }
                _ => {
                    if let Some(e) = o.error.as_mut() {
                        e.field.get_or_insert_with(|| a.path.clone());
                    }
                    if domain_refusal.is_none() && o.status().family() == Family::Domain {
                        domain_refusal = Some(o.clone());
                    }
                    if first_refusal.is_none() {
                        first_refusal = Some(o);
                    }
                }
            }
        }
        let chosen = match domain_refusal {
            Some(refusal) if unsigned_pass.is_some() => Some(refusal),
            _ => unsigned_pass.or(first_refusal),
        };
        chosen.unwrap_or_else(|| Outcome::refused(error::malformed("the provenance object has no attestations")))
    }

    /// Verifies many requests on up to `jobs` threads (0 = one per available core), returning
    /// one outcome per request in the same order. `progress` is called after each item with the
    /// number done so far (from worker threads).
    ///
    /// Work is handed out one item at a time from a shared counter, so a slow item (a huge
    /// artifact) does not hold back a whole pre-assigned slice.
    pub fn verify_many(&self, reqs: &[Request<'_>], jobs: usize, progress: &(dyn Fn(usize) + Sync)) -> Vec<Outcome> {
        parallel::map(reqs, jobs, progress, |req| self.verify(req))
            .into_iter()
            .map(|out| out.unwrap_or_else(|| Outcome::refused(error::internal("verification panicked"))))
            .collect()
    }

    /// The prove layer's options under this policy: its trust root, keys and thresholds, at `now`.
    fn options<'p>(&'p self, now: i64, key_id: Option<&'p str>, key_usage: Option<&'p str>) -> verify::Options<'p> {
        verify::Options {
            root: self.trust_root(),
            keys: self.keys(),
            tlog_threshold: self.tlog_threshold(),
            timestamp_threshold: self.timestamp_threshold(),
            now,
            key_id,
            key_usage,
        }
    }

    /// As [`Policy::verify`], for an already-parsed bundle.
    pub fn verify_parsed(&self, bundle: &Bundle, req: &Request<'_>) -> Outcome {
        self.verify_parsed_at(bundle, req, now())
    }

    /// As [`Policy::verify_parsed`], at the evaluation time `now` (see [`Policy::verify_at`]).
    pub fn verify_parsed_at(&self, bundle: &Bundle, req: &Request<'_>, now: i64) -> Outcome {
        let opts = self.options(now, None, None);
        let vb = match verify::verify(bundle, &req.artifact, &opts) {
            Ok(vb) => vb,
            Err(e) => return Outcome::refused(e),
        };
        let ctx = Context { index_domain: req.index_domain, name: req.name };
        match self.evaluate_at(&vb, &ctx, now) {
            Ok(d) => Outcome { error: None, verified: Some(vb), decision: Some(d) },
            Err(e) => Outcome { error: Some(e), verified: Some(vb), decision: None },
        }
    }
}
