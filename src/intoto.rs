//! in-toto Statements (v0.1 and v1) inside DSSE payloads.

use crate::error::{self, Result};
use crate::limits;
use crate::trust::keys::HashAlgorithm;
use crate::verified::{Statement, Subject};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Statement types accepted.
pub const STATEMENT_TYPES: &[&str] = &["https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1"];

#[derive(Deserialize)]
struct RawStatement {
    #[serde(rename = "_type")]
    statement_type: Option<String>,
    subject: Option<Vec<RawSubject>>,
    #[serde(rename = "predicateType")]
    predicate_type: Option<String>,
    #[serde(default)]
    predicate: serde_json::Value,
}

#[derive(Deserialize)]
struct RawSubject {
    #[serde(default)]
    name: String,
    #[serde(default)]
    digest: BTreeMap<String, String>,
}

/// Parses a statement from a (signature-verified) DSSE payload.
pub fn parse(payload: &[u8]) -> Result<Statement> {
    crate::json::check_depth(payload)?;
    let raw: RawStatement = serde_json::from_slice(payload).map_err(|e| {
        error::malformed(format!("DSSE payload is not an in-toto statement: {e}")).at("dsseEnvelope.payload")
    })?;
    let statement_type = raw.statement_type.unwrap_or_default();
    if !STATEMENT_TYPES.contains(&statement_type.as_str()) {
        return Err(error::unsupported(format!(
            "in-toto statement type {statement_type:?} is not Statement v1 or v0.1"
        ))
        .at("dsseEnvelope.payload._type"));
    }
    let subjects = raw.subject.unwrap_or_default();
    if subjects.is_empty() {
        return Err(error::malformed("in-toto statement has no subject").at("dsseEnvelope.payload.subject"));
    }
    limits::check("in-toto subjects", limits::MAX_SUBJECTS, subjects.len())?;
    let predicate_type = raw.predicate_type.filter(|p| !p.is_empty()).ok_or_else(|| {
        error::malformed("in-toto statement has no predicateType").at("dsseEnvelope.payload.predicateType")
    })?;
    Ok(Statement {
        statement_type,
        subject: subjects
            .into_iter()
            .map(|s| Subject {
                name: s.name,
                digest: s.digest.into_iter().map(|(k, v)| (k, v.to_ascii_lowercase())).collect(),
            })
            .collect(),
        predicate_type,
        predicate: raw.predicate,
    })
}

/// The strongest digest algorithm the statement's subjects carry that the artifact can supply.
pub fn subject_algorithm(st: &Statement, can: impl Fn(HashAlgorithm) -> bool) -> Option<HashAlgorithm> {
    [HashAlgorithm::Sha256, HashAlgorithm::Sha512, HashAlgorithm::Sha384]
        .into_iter()
        .find(|a| can(*a) && st.subject.iter().any(|s| s.digest.contains_key(a.name())))
}

/// Indexes of the subjects whose digest under `alg` is `digest`.
pub fn matching_subjects(st: &Statement, alg: HashAlgorithm, digest: &[u8]) -> Vec<usize> {
    let hex = crate::json::hex(digest);
    st.subject
        .iter()
        .enumerate()
        .filter(|(_, s)| s.digest.get(alg.name()).is_some_and(|d| *d == hex))
        .map(|(i, _)| i)
        .collect()
}
