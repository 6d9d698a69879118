//! npm's attestations document, one input holding the whole set for a package version.
//!
//! `GET https://registry.npmjs.org/-/npm/v1/attestations/<name>@<version>` answers
//! `{"attestations": [{"predicateType": "...", "bundle": {Sigstore bundle}}, ...]}` (npm/pacote
//! lib/registry.js `verifyAttestations` reads exactly these two fields; the shape is documented at
//! <https://docs.npmjs.com/generating-provenance-statements>). Some tools store the bare list
//! (`[{"predicateType", "bundle"}, ...]`), which is accepted too. The set usually holds a publish
//! attestation signed by the registry's key and a SLSA provenance signed by a Fulcio identity,
//! in either order; `Policy::verify` decides over the set (DESIGN.md "Attestation sets").
//!
//! `predicateType` is not signed: it is kept as the entry's label and compared with the signed
//! statement once that has verified (slsa-verifier refuses documents where they differ).

use super::pep740::ProvenanceAttestation;
use crate::bundle::Bundle;
use crate::error::{self, Result};
use crate::limits;
use serde_json::Value;

fn entries(v: &Value) -> Option<&Vec<Value>> {
    match v {
        Value::Array(a) => Some(a),
        Value::Object(o) if o.len() == 1 => o.get("attestations").and_then(Value::as_array),
        _ => None,
    }
}

fn is_entry(v: &Value) -> bool {
    v.get("bundle").is_some_and(Value::is_object) && v.get("predicateType").is_some()
}

/// Whether a JSON value is an npm attestations document (or its bare list).
pub fn is_document(v: &Value) -> bool {
    entries(v).is_some_and(|a| a.first().is_some_and(is_entry))
}

/// Converts every entry of an npm attestations document (at most [`limits::MAX_ATTESTATIONS`]).
pub fn attestations(v: &Value) -> Result<Vec<ProvenanceAttestation>> {
    let list = entries(v).filter(|a| !a.is_empty()).ok_or_else(|| {
        error::malformed("an npm attestations document must be {\"attestations\": [...]} with at least one entry")
            .at("attestations")
    })?;
    limits::check("attestations in an npm document", limits::MAX_ATTESTATIONS, list.len())?;
    let mut out = Vec::with_capacity(list.len());
    for (i, e) in list.iter().enumerate() {
        let path = format!("attestations[{i}]");
        if !is_entry(e) {
            return Err(error::malformed(format!("{path} must be {{\"predicateType\", \"bundle\"}}")).at(path));
        }
        let label = match e.get("predicateType") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => {
                return Err(error::malformed(format!("{path}.predicateType must be a non-empty string"))
                    .at(format!("{path}.predicateType")));
            }
        };
        let bundle = Bundle::from_value(e["bundle"].clone()).map_err(|err| {
            let field = err.field.clone().map_or(format!("{path}.bundle"), |f| format!("{path}.bundle.{f}"));
            error::Error { field: Some(field), ..err }
        })?;
        out.push(ProvenanceAttestation { path, bundle, label: Some(label) });
    }
    Ok(out)
}

/// The registry keyid an npm attestation names: the bundle's `publicKey.hint` and the DSSE
/// signature's `keyid` (npm sets both); empty when it names none. Two different names are refused.
pub fn named_keyid(b: &Bundle) -> Result<Option<String>> {
    let hint = match &b.material {
        crate::bundle::Material::PublicKey { hint } => hint.clone().filter(|h| !h.is_empty()),
        crate::bundle::Material::Certificate { .. } => None,
    };
    let dsse = match &b.content {
        crate::bundle::Content::Dsse(env) => env.signatures.first().map(|s| s.keyid.clone()).filter(|k| !k.is_empty()),
        crate::bundle::Content::MessageSignature { .. } => None,
    };
    match (hint, dsse) {
        (Some(h), Some(d)) if h != d => Err(error::key_mismatch(format!(
            "the bundle's key hint {h:?} and its DSSE signature's keyid {d:?} name different keys"
        ))),
        (Some(h), _) => Ok(Some(h)),
        (None, d) => Ok(d),
    }
}

#[cfg(test)]
mod tests {
    use super::super::pep740::{Input, parse_input};
    use super::*;
    use crate::error::Status;
    use serde_json::json;

    fn doc() -> Value {
        let p = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/npm/npm-cli--sigstore-1.0.0/attestations.json");
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    }

    #[test]
    fn documents_and_bare_lists_are_sets() {
        for v in [doc(), doc()["attestations"].clone()] {
            match parse_input(v.to_string().as_bytes()).unwrap() {
                Input::Npm(atts) => {
                    assert_eq!(atts.len(), 2);
                    assert_eq!(atts[1].path, "attestations[1]");
                    assert_eq!(atts[0].label.as_deref(), Some("https://slsa.dev/provenance/v0.2"));
                    assert_eq!(
                        named_keyid(&atts[1].bundle).unwrap().as_deref(),
                        Some("SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA")
                    );
                    assert_eq!(named_keyid(&atts[0].bundle).unwrap(), None);
                }
                other => panic!("not an npm document: {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_documents_are_refused_with_the_entry() {
        let mut v = doc();
        v["attestations"][1]["predicateType"] = json!(1);
        let e = parse_input(v.to_string().as_bytes()).unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (Status::BundleMalformed, Some("attestations[1].predicateType")));
        let mut v = doc();
        v["attestations"][0]["bundle"]["mediaType"] = json!("application/x");
        let e = parse_input(v.to_string().as_bytes()).unwrap_err();
        assert!(e.field.as_deref().unwrap_or("").starts_with("attestations[0].bundle"), "{e:?}");
        let mut v = doc();
        v["attestations"][1] = json!({"x": 1});
        assert_eq!(parse_input(v.to_string().as_bytes()).unwrap_err().status, Status::BundleMalformed);
        let many: Vec<Value> = (0..=limits::MAX_ATTESTATIONS).map(|_| doc()["attestations"][0].clone()).collect();
        let e = parse_input(json!({"attestations": many}).to_string().as_bytes()).unwrap_err();
        assert_eq!(e.status, Status::LimitExceeded);
    }
}
