//! The decide layer: a compiled, immutable policy and its pure evaluation over verified facts.
//!
//! `Policy::evaluate(&VerifiedBundle, &Context)` holds no cryptography, so every rule is tested
//! with plain values.

use crate::error::{self, Result};
use crate::keys::PublicKey;
use crate::limits;
use crate::trust_root::TrustRoot;
use crate::verified::VerifiedBundle;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;

/// Where the artifact came from and what it is called.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    /// The index the installer fetched the artifact from (`pypi.org`).
    pub index_domain: Option<&'a str>,
    /// The artifact's filename or purl, for subject binding.
    pub name: Option<&'a str>,
}

/// What the policy decided, for the result JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Which identity rule matched (index into `identities`), if a certificate signed.
    pub identity: Option<usize>,
    /// Non-fatal findings (e.g. no signed domain in `warn` mode).
    pub warnings: Vec<String>,
}

/// One accepted signer identity.
#[derive(Clone, Debug)]
pub struct IdentityRule {
    issuer: String,
    san: SanMatch,
}

#[derive(Clone, Debug)]
enum SanMatch {
    Exact(String),
    Regex(regex::Regex),
}

/// A compiled policy: immutable and shareable across threads.
#[derive(Clone, Debug)]
pub struct Policy {
    root: Arc<TrustRoot>,
    identities: Vec<IdentityRule>,
    keys: Vec<PublicKey>,
    tlog_threshold: usize,
    timestamp_threshold: usize,
}

impl Policy {
    /// Parses and compiles policy JSON; a relative `trusted_root.path` resolves against `base_dir`
    /// (the working directory when `None`).
    pub fn from_json(json: &[u8], base_dir: Option<&Path>) -> Result<Policy> {
        let v: serde_json::Value =
            crate::json::parse(json, limits::MAX_POLICY_BYTES, "policy", error::Status::PolicyInvalid)?;
        let obj = v.as_object().ok_or_else(|| error::policy_invalid("policy must be a JSON object"))?;
        let root = match obj.get("trusted_root") {
            None => TrustRoot::production()?,
            Some(serde_json::Value::String(s)) if s == "public-good" => TrustRoot::production()?,
            Some(serde_json::Value::String(s)) if s == "staging" => TrustRoot::staging()?,
            Some(serde_json::Value::Object(o)) if o.contains_key("path") => {
                let p =
                    o["path"].as_str().ok_or_else(|| error::policy_invalid("trusted_root.path must be a string"))?;
                let p = match base_dir {
                    Some(b) if Path::new(p).is_relative() => b.join(p),
                    _ => Path::new(p).to_path_buf(),
                };
                let bytes = std::fs::read(&p)
                    .map_err(|e| error::trust_root(format!("cannot read trusted root {}: {e}", p.display())))?;
                Arc::new(TrustRoot::from_json(&bytes)?)
            }
            Some(o @ serde_json::Value::Object(_)) => Arc::new(TrustRoot::from_json(o.to_string().as_bytes())?),
            Some(other) => return Err(error::policy_invalid(format!("trusted_root: unexpected value {other}"))),
        };
        let mut identities = Vec::new();
        for id in obj.get("identities").and_then(|v| v.as_array()).into_iter().flatten() {
            let issuer = id.get("issuer").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let san = match (id.get("san").and_then(|v| v.as_str()), id.get("san_regex").and_then(|v| v.as_str())) {
                (Some(s), None) => SanMatch::Exact(s.to_owned()),
                (None, Some(r)) => SanMatch::Regex(
                    regex::Regex::new(&format!("^(?:{r})$"))
                        .map_err(|e| error::policy_invalid(format!("san_regex: {e}")))?,
                ),
                _ => return Err(error::policy_invalid("identities[]: exactly one of san, san_regex")),
            };
            identities.push(IdentityRule { issuer, san });
        }
        let mut keys = Vec::new();
        for k in obj.get("keys").and_then(|v| v.as_array()).into_iter().flatten() {
            let pem = k.get("pem").and_then(|v| v.as_str()).ok_or_else(|| error::policy_invalid("keys[].pem"))?;
            keys.push(PublicKey::from_pem(pem).map_err(|e| error::policy_invalid(format!("keys[]: {}", e.message)))?);
        }
        let th = obj.get("thresholds");
        let get =
            |k: &str, d: usize| th.and_then(|t| t.get(k)).and_then(|v| v.as_u64()).map(|v| v as usize).unwrap_or(d);
        Ok(Policy { root, identities, keys, tlog_threshold: get("tlog", 1), timestamp_threshold: get("timestamps", 0) })
    }

    /// The trusted root.
    pub fn trust_root(&self) -> &TrustRoot {
        &self.root
    }

    /// Managed keys.
    pub fn keys(&self) -> &[PublicKey] {
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

    /// Judges verified facts. Pure: no I/O, no cryptography.
    pub fn evaluate(&self, vb: &VerifiedBundle, _ctx: &Context<'_>) -> Result<Decision> {
        let mut d = Decision::default();
        if let Some(id) = vb.identity() {
            let san = id.san().unwrap_or_default();
            let issuer = id.issuer.as_deref().unwrap_or_default();
            let mut issuer_ok = false;
            for (i, rule) in self.identities.iter().enumerate() {
                let san_ok = match &rule.san {
                    SanMatch::Exact(s) => s == san,
                    SanMatch::Regex(r) => r.is_match(san),
                };
                if san_ok && rule.issuer == issuer {
                    d.identity = Some(i);
                    return Ok(d);
                }
                issuer_ok |= san_ok;
            }
            return Err(if issuer_ok {
                error::issuer(format!("signer {san} was issued by {issuer}, which no matching identity accepts"))
            } else {
                error::identity(format!("signer {san} (issuer {issuer}) is not an identity the policy accepts"))
            });
        }
        Ok(d)
    }
}
