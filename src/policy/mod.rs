//! The decide layer: a compiled, immutable policy and its pure evaluation over verified facts.
//!
//! `Policy::from_json` parses policy JSON v1 (docs/domain-separation.md, DESIGN.md) strictly:
//! unknown keys, wrong types and contradictions are `POLICY_INVALID` naming the key path.
//! `Policy::evaluate(&VerifiedBundle, &Context)` holds no cryptography and no I/O, so every rule is
//! tested with plain values.

mod eval;
mod explain;
mod parse;
mod signers;
#[cfg(test)]
pub(crate) mod testutil;
mod unattested;

use crate::attestation::{PredicateRule, SignedDomain};
use crate::domain::Domain;
use crate::error::Result;
use crate::publisher::Publisher;
use crate::trust::keyset::PolicyKey;
use crate::trust::root::TrustRoot;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;

/// Where the artifact came from and what it is called.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    /// The index the installer fetched the artifact from (`pypi.org`).
    pub index_domain: Option<&'a str>,
    /// The artifact's filename or purl, for subject binding and per-package identities.
    pub name: Option<&'a str>,
}

/// How signed domains are enforced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// No signed domain is `DOMAIN_MISSING`; a mismatch is refused. The default: a policy that
    /// says nothing about domains still refuses re-hosted artifacts.
    #[default]
    Require,
    /// No signed domain is a warning; a mismatch is still refused.
    Warn,
    /// Domains are not read or compared at all.
    Ignore,
}

impl Mode {
    /// `require`, `warn` or `ignore`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Require => "require",
            Mode::Warn => "warn",
            Mode::Ignore => "ignore",
        }
    }
}

/// How the index domain was matched to the signed domains.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Via {
    /// The index domain is itself a signed domain.
    Direct,
    /// The index domain is an allowed mirror of a signed domain.
    Mirror {
        /// The signed domain the mirror serves.
        upstream: Domain,
    },
}

/// The domain part of a decision.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DomainDecision {
    /// The mode applied.
    pub mode: Mode,
    /// The normalised index domain, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_domain: Option<Domain>,
    /// Every signed domain read from the bundle.
    pub signed: Vec<SignedDomain>,
    /// The signed domain the index domain matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<Domain>,
    /// How it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
    /// The accepted audience found among the signed domains, when `domains.audiences` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Domain>,
}

/// What the policy decided, for the result JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Which identity rule matched (index into the list named by `identity_list`), if a
    /// certificate signed.
    pub identity: Option<usize>,
    /// `identities`, or `packages["<name>"].identities` when a package pin applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_list: Option<String>,
    /// Which managed key signed (index into `keys`), if a key signed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<usize>,
    /// The package the artifact name was read as, when it was recognised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<crate::subject::PackageRef>,
    /// The statement subject that named the artifact, when a name was checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The domain decision.
    pub domains: DomainDecision,
    /// Which attestation of a PyPI provenance object satisfied the policy
    /// (`attestation_bundles[i].attestations[j]`), for provenance inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestation: Option<String>,
    /// Every attestation of a set (an npm document), its signer and what it proved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attestations: Vec<AttestationReport>,
    /// Every source of pins that spoke for this package and the entry that accepted the signer
    /// (the policy's lists, then each of the package's `sources`): all must agree.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pins: Vec<PinMatch>,
    /// True when no pin covered the package and `first_sight` let a verified signer through: the
    /// caller should record `publisher` (a lock) and pin it from now on.
    pub first_sight: bool,
    /// The `min_age` decision, when one applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_age: Option<AgeDecision>,
    /// Non-fatal findings (e.g. no signed domain in `warn` mode, inert settings).
    pub warnings: Vec<String>,
}

/// One source of pins that accepted the signer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PinMatch {
    /// `policy`, or the `source` label of a package's pin source (`pylock.toml`).
    pub source: String,
    /// The accepting entry, as a policy path (`packages["attrs"].publishers[0]`).
    pub entry: String,
}

/// How `min_age` was applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgeDecision {
    /// The setting that applied (`min_age` or `packages["x"].min_age`).
    pub setting: String,
    /// Its value as written (`3d`).
    pub min_age: String,
    /// The earliest verified signing time the age counts from (RFC 3339 UTC), when one was needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
    /// When the artifact became (or becomes) old enough (RFC 3339 UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptable_from: Option<String>,
}

/// One attestation of a set, in the decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttestationReport {
    /// `attestations[i]`.
    pub path: String,
    /// The signed statement's predicate type.
    pub predicate_type: String,
    /// Who signed (for a key: its index, keyid and bound domain).
    pub signer: crate::verified::Signer,
    /// What it proved, in words: signer accepted, subject named, domains.
    pub proved: Vec<String>,
}

/// How an identity's SAN is matched.
#[derive(Clone, Debug)]
pub(crate) enum SanMatch {
    Exact(String),
    /// Anchored at both ends; `source` is the pattern as written.
    Regex {
        re: regex::Regex,
        source: String,
    },
}

/// One accepted signer identity: every part must match.
#[derive(Clone, Debug)]
pub(crate) struct IdentityRule {
    pub(crate) issuer: String,
    pub(crate) san: SanMatch,
    /// Claim name → exact value.
    pub(crate) claims: Vec<(String, String)>,
}

/// A minimum age (`"3d"`): the text as written and its seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MinAge {
    pub(crate) text: String,
    pub(crate) seconds: i64,
}

/// Publishers one more source pins to a package (a lock's recorded identities, an index's map):
/// labelled so a refusal can name who said what.
#[derive(Clone, Debug)]
pub(crate) struct PinSource {
    pub(crate) source: String,
    pub(crate) publishers: Vec<Publisher>,
}

/// What the policy says about one package: its own signers (replacing the top-level lists), more
/// sources that must agree, and its own `min_age`.
#[derive(Clone, Debug)]
pub(crate) struct PackagePin {
    pub(crate) name: String,
    pub(crate) identities: Vec<IdentityRule>,
    pub(crate) publishers: Vec<Publisher>,
    pub(crate) sources: Vec<PinSource>,
    pub(crate) min_age: Option<MinAge>,
}

/// The `domains` section, compiled.
#[derive(Clone, Debug, Default)]
pub(crate) struct DomainPolicy {
    pub(crate) mode: Mode,
    pub(crate) audiences: Vec<Domain>,
    /// Mirror → the upstreams it may serve.
    pub(crate) mirrors: Vec<(Domain, Vec<Domain>)>,
    pub(crate) predicates: Vec<PredicateRule>,
    pub(crate) certificate_oid: Option<String>,
}

/// A compiled policy: immutable and shareable across threads.
#[derive(Clone, Debug)]
pub struct Policy {
    root: Arc<TrustRoot>,
    root_desc: String,
    identities: Vec<IdentityRule>,
    publishers: Vec<Publisher>,
    first_sight: bool,
    min_age: Option<MinAge>,
    keys: Vec<PolicyKey>,
    packages: Vec<PackagePin>,
    /// Index publisher maps (`publishers_from`), read from the verified TUF cache.
    maps: Vec<Arc<crate::trust::publisher_map::PublisherMap>>,
    domains: DomainPolicy,
    require_name: bool,
    tlog_threshold: usize,
    timestamp_threshold: usize,
}

impl Policy {
    /// Parses and compiles policy JSON; a relative `trusted_root.path` resolves against `base_dir`
    /// (the working directory when `None`).
    pub fn from_json(json: &[u8], base_dir: Option<&Path>) -> Result<Policy> {
        parse::parse(json, base_dir)
    }

    /// Reads and compiles the policy JSON in a file (at most
    /// [`MAX_POLICY_BYTES`](crate::limits::MAX_POLICY_BYTES)); a relative `trusted_root.path` or key
    /// `path` in it resolves against the file's folder, so a policy file means the same in every
    /// door (the CLI, the C ABI's `domainsig_policy_from_file`, Python's and Node's `from_file`)
    /// whatever the working directory.
    pub fn from_file(path: &Path) -> Result<Policy> {
        let json = crate::limits::read_bounded(path, crate::limits::MAX_POLICY_BYTES, "policy")?;
        Policy::from_file_json(&json, path)
    }

    /// Compiles policy JSON already read from the file at `path`, resolving its relative paths as
    /// [`Policy::from_file`] does (for a caller that reports read errors its own way).
    pub fn from_file_json(json: &[u8], path: &Path) -> Result<Policy> {
        Policy::from_json(json, path.parent())
    }

    /// As [`Policy::from_json`], checking cached TUF metadata against `tuf_at` (Unix seconds)
    /// instead of now: for verifying at a past moment, e.g. against an archived repository.
    pub fn from_json_at(json: &[u8], base_dir: Option<&Path>, tuf_at: i64) -> Result<Policy> {
        parse::parse_at(json, base_dir, Some(tuf_at))
    }

    /// This policy with one more source of pins for the PyPI package `package` (what a lock
    /// recorded, labelled `source`): like `packages[P].sources`, every source that speaks must
    /// accept the signer. Joins the policy's own entry for the package when it has one.
    pub(crate) fn with_pin_source(&self, package: &str, source: &str, publishers: Vec<Publisher>) -> Policy {
        let mut p = self.clone();
        let src = PinSource { source: source.to_owned(), publishers };
        let want = crate::subject::canonicalize_pypi_name(package);
        match p.packages.iter_mut().find(|pin| crate::subject::canonicalize_pypi_name(&pin.name) == want) {
            Some(pin) => pin.sources.push(src),
            None => p.packages.push(PackagePin {
                name: package.to_owned(),
                identities: Vec::new(),
                publishers: Vec::new(),
                sources: vec![src],
                min_age: None,
            }),
        }
        p
    }

    /// The trusted root.
    pub fn trust_root(&self) -> &TrustRoot {
        &self.root
    }

    /// Managed keys, with their keyids, usages, windows and bound domains.
    pub fn keys(&self) -> &[PolicyKey] {
        &self.keys
    }

    /// Minimum verified tlog entries.
    pub fn tlog_threshold(&self) -> usize {
        self.tlog_threshold
    }

    /// Minimum verified RFC 3161 timestamps.
    pub fn timestamp_threshold(&self) -> usize {
        self.timestamp_threshold
    }

    /// The domain mode.
    pub fn domain_mode(&self) -> Mode {
        self.domains.mode
    }

    /// Judges verified facts. Pure: no I/O, no cryptography. See `eval` for the order of checks.
    ///
    /// No evaluation time is given, so a `min_age` that applies is `INVALID_ARGUMENT`: use
    /// [`Policy::evaluate_at`].
    pub fn evaluate(&self, vb: &crate::VerifiedBundle, ctx: &Context<'_>) -> Result<Decision> {
        let mut d = eval::evaluate(self, vb, ctx)?;
        signers::check_age(self, &[vb], None, &mut d)?;
        Ok(d)
    }

    /// As [`Policy::evaluate`], at the evaluation time `now` (Unix seconds), against which
    /// `min_age` is judged. The library reads the clock only at its door ([`Policy::verify`]).
    pub fn evaluate_at(&self, vb: &crate::VerifiedBundle, ctx: &Context<'_>, now: i64) -> Result<Decision> {
        let mut d = eval::evaluate(self, vb, ctx)?;
        signers::check_age(self, &[vb], Some(now), &mut d)?;
        Ok(d)
    }

    /// Judges a verified attestation set (`(path, bundle)` per member), as `eval::evaluate_set`;
    /// like [`Policy::evaluate`], without an evaluation time.
    pub fn evaluate_set(&self, members: &[(&str, &crate::VerifiedBundle)], ctx: &Context<'_>) -> Result<Decision> {
        self.evaluate_set_inner(members, ctx, None)
    }

    /// As [`Policy::evaluate_set`], at the evaluation time `now` (Unix seconds). Every member must
    /// be older than `min_age` (an npm registry's publish attestation is signed at publish time).
    pub fn evaluate_set_at(
        &self,
        members: &[(&str, &crate::VerifiedBundle)],
        ctx: &Context<'_>,
        now: i64,
    ) -> Result<Decision> {
        self.evaluate_set_inner(members, ctx, Some(now))
    }

    fn evaluate_set_inner(
        &self,
        members: &[(&str, &crate::VerifiedBundle)],
        ctx: &Context<'_>,
        now: Option<i64>,
    ) -> Result<Decision> {
        let m: Vec<eval::Member<'_>> = members.iter().map(|(path, vb)| eval::Member { path, vb }).collect();
        let mut d = eval::evaluate_set(self, &m, ctx)?;
        let vbs: Vec<&crate::VerifiedBundle> = members.iter().map(|(_, vb)| *vb).collect();
        signers::check_age(self, &vbs, now, &mut d)?;
        Ok(d)
    }

    /// What the policy accepts, in plain words (`domainsig explain-policy`).
    pub fn explain(&self) -> String {
        explain::explain(self)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn policy_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::Policy>();
    }
}
