//! PEP 740 attestation objects and PyPI provenance objects, converted to bundles on the way in.
//!
//! An attestation object (`{"version": 1, "verification_material": {"certificate",
//! "transparency_entries"}, "envelope": {"statement", "signature"}}`) carries exactly what a
//! v0.3 Sigstore bundle with a DSSE envelope carries, so it is rewritten as one and then parsed by
//! the ordinary bundle parser: one parser, one set of checks. The in-toto payload type is implied
//! (PEP 740 statements are always in-toto Statements).
//!
//! A provenance object (PyPI's integrity API: `{"version": 1, "attestation_bundles":
//! [{"publisher": {...}, "attestations": [...]}]}`) holds several attestations. The rule applied
//! by `Policy::verify`: **every** attestation must verify cryptographically (a broken one means
//! the object was tampered with or corrupted, so nothing in it is trusted), and **at least one**
//! must satisfy the policy. The `publisher` objects are index-supplied and unsigned; they are
//! ignored (the signed certificate identities are what the policy judges).

use crate::bundle::Bundle;
use crate::error::{self, Result};
use crate::limits;
use serde_json::{Value, json};

/// The bundle media type attestation objects are converted to.
const V03_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// Whether a JSON value looks like a PEP 740 attestation object rather than a bundle.
pub fn is_attestation(v: &Value) -> bool {
    v.get("envelope").is_some() && v.get("verification_material").is_some()
}

/// Whether a JSON value looks like a PyPI provenance object.
pub fn is_provenance(v: &Value) -> bool {
    v.get("attestation_bundles").is_some()
}

fn check_version(v: &Value, what: &str, at: &str) -> Result<()> {
    match v.get("version") {
        Some(n) if n.as_u64() == Some(1) => Ok(()),
        Some(other) => Err(error::unsupported(format!("{what} version {other} is not 1")).at(format!("{at}version"))),
        None => Err(error::malformed(format!("{what} has no version")).at(format!("{at}version"))),
    }
}

fn str_at<'a>(v: &'a Value, key: &str, field: &str) -> Result<&'a str> {
    match v.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        _ => {
            Err(error::malformed(format!("required field {field} is missing, empty or not a string"))
                .at(field.to_owned()))
        }
    }
}

/// Converts a PEP 740 attestation object to a v0.3 bundle.
pub fn attestation_to_bundle(v: &Value) -> Result<Bundle> {
    check_version(v, "PEP 740 attestation", "")?;
    let vm = v
        .get("verification_material")
        .filter(|x| x.is_object())
        .ok_or_else(|| error::malformed("verification_material must be an object").at("verification_material"))?;
    let env = v
        .get("envelope")
        .filter(|x| x.is_object())
        .ok_or_else(|| error::malformed("envelope must be an object").at("envelope"))?;
    let certificate = str_at(vm, "certificate", "verification_material.certificate")?;
    let entries = match vm.get("transparency_entries") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        _ => {
            return Err(error::malformed("verification_material.transparency_entries must be a non-empty array")
                .at("verification_material.transparency_entries"));
        }
    };
    limits::check("transparency log entries", limits::MAX_TLOG_ENTRIES, entries.len())?;
    let statement = str_at(env, "statement", "envelope.statement")?;
    let signature = str_at(env, "signature", "envelope.signature")?;
    let bundle = json!({
        "mediaType": V03_MEDIA_TYPE,
        "verificationMaterial": {
            "certificate": {"rawBytes": certificate},
            "tlogEntries": entries,
        },
        "dsseEnvelope": {
            "payload": statement,
            "payloadType": crate::dsse::IN_TOTO_PAYLOAD_TYPE,
            "signatures": [{"sig": signature}],
        },
    });
    Bundle::from_value(bundle)
}

/// One attestation of a set (a PyPI provenance object or an npm attestations document), converted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvenanceAttestation {
    /// `attestation_bundles[i].attestations[j]` or `attestations[i]`, for messages and the decision.
    pub path: String,
    /// The attestation as a bundle.
    pub bundle: Bundle,
    /// The set's unsigned label for it: npm's `predicateType` (must equal the signed one).
    pub label: Option<String>,
}

/// Converts every attestation of a PyPI provenance object (at most [`limits::MAX_ATTESTATIONS`]).
pub fn provenance_attestations(v: &Value) -> Result<Vec<ProvenanceAttestation>> {
    check_version(v, "PyPI provenance object", "")?;
    let bundles = match v.get("attestation_bundles") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        _ => {
            return Err(error::malformed("attestation_bundles must be a non-empty array").at("attestation_bundles"));
        }
    };
    let mut out = Vec::new();
    for (i, b) in bundles.iter().enumerate() {
        let at = format!("attestation_bundles[{i}]");
        let atts = match b.get("attestations") {
            Some(Value::Array(a)) if !a.is_empty() => a,
            _ => {
                return Err(error::malformed(format!("{at}.attestations must be a non-empty array"))
                    .at(format!("{at}.attestations")));
            }
        };
        limits::check("attestations in a provenance object", limits::MAX_ATTESTATIONS, out.len() + atts.len())?;
        for (j, a) in atts.iter().enumerate() {
            let path = format!("{at}.attestations[{j}]");
            if !is_attestation(a) {
                return Err(error::malformed(format!("{path} is not a PEP 740 attestation object")).at(path));
            }
            let bundle = attestation_to_bundle(a).map_err(|e| {
                let field = e.field.clone().map_or(path.clone(), |f| format!("{path}.{f}"));
                error::Error { field: Some(field), ..e }
            })?;
            out.push(ProvenanceAttestation { path, bundle, label: None });
        }
    }
    Ok(out)
}

/// What a caller handed in where a bundle is accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A Sigstore bundle or a single PEP 740 attestation object.
    Bundle(Bundle),
    /// A PyPI provenance object's attestations.
    Provenance(Vec<ProvenanceAttestation>),
    /// An npm attestations document's attestations (see [`super::npm`]).
    Npm(Vec<ProvenanceAttestation>),
}

/// Parses bundle bytes: a Sigstore bundle, a PEP 740 attestation object or a provenance object.
pub fn parse_input(bytes: &[u8]) -> Result<Input> {
    limits::check("bundle size in bytes", limits::MAX_BUNDLE_BYTES, bytes.len())?;
    if let Some(bundle) = Bundle::parse_typed(bytes) {
        return bundle.map(Input::Bundle);
    }
    crate::json::check_depth(bytes)?;
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| error::malformed(format!("bundle is not valid JSON: {e}")))?;
    if is_provenance(&value) {
        return provenance_attestations(&value).map(Input::Provenance);
    }
    if super::npm::is_document(&value) {
        return super::npm::attestations(&value).map(Input::Npm);
    }
    Bundle::from_value(value).map(Input::Bundle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;
    use std::path::{Path, PathBuf};

    fn vectors() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
    }

    fn cases() -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(vectors())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("attestation.json").is_file())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn attestation_objects_convert_to_the_upstream_bundles() {
        let cases = cases();
        assert!(cases.len() >= 6, "PEP 740 vectors: {}", cases.len());
        for dir in cases {
            let att = std::fs::read(dir.join("attestation.json")).unwrap();
            let want = Bundle::parse(&std::fs::read(dir.join("bundle.sigstore.json")).unwrap()).unwrap();
            let got = Bundle::parse(&att).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            assert_eq!(got, want, "{}", dir.display());
            assert_eq!(parse_input(&att).unwrap(), Input::Bundle(want));
        }
    }

    fn sample() -> Value {
        let dir = vectors().join("pypi-attestations--rfc8785-0.1.2-whl-attestation");
        serde_json::from_slice(&std::fs::read(dir.join("attestation.json")).unwrap()).unwrap()
    }

    #[test]
    fn malformed_attestations_are_refused() {
        let mut v = sample();
        v["version"] = json!(2);
        assert_eq!(Bundle::from_value(v).unwrap_err().status, Status::BundleUnsupported);
        for (ptr, val) in [
            ("/verification_material/certificate", json!("")),
            ("/verification_material/certificate", json!(1)),
            ("/verification_material/transparency_entries", json!([])),
            ("/envelope/statement", json!(null)),
            ("/envelope/signature", json!("")),
            ("/verification_material", json!([])),
        ] {
            let mut v = sample();
            *v.pointer_mut(ptr).unwrap() = val.clone();
            let e = Bundle::from_value(v).unwrap_err();
            assert_eq!(e.status, Status::BundleMalformed, "{ptr} = {val}: {e}");
        }
        let mut v = sample();
        v["envelope"]["statement"] = json!("!!!not base64");
        assert_eq!(Bundle::from_value(v).unwrap_err().status, Status::BundleMalformed);
    }

    #[test]
    fn provenance_objects_list_every_attestation() {
        let p = vectors().join("_aux/pypi-provenance/pypi_attestations-0.0.19.tar.gz.provenance.json");
        match parse_input(&std::fs::read(p).unwrap()).unwrap() {
            Input::Provenance(atts) => {
                assert_eq!(atts.len(), 1);
                assert_eq!(atts[0].path, "attestation_bundles[0].attestations[0]");
            }
            other => panic!("not provenance: {other:?}"),
        }
        for bad in [
            json!({"version": 1, "attestation_bundles": []}),
            json!({"version": 1, "attestation_bundles": [{"publisher": {}, "attestations": []}]}),
            json!({"version": 1, "attestation_bundles": [{"attestations": [{"x": 1}]}]}),
            json!({"attestation_bundles": [{"attestations": [sample()]}]}),
        ] {
            let e = parse_input(bad.to_string().as_bytes()).unwrap_err();
            assert_eq!(e.status, Status::BundleMalformed, "{bad}: {e}");
        }
        let mut broken = sample();
        broken["envelope"]["signature"] = json!("");
        let e = parse_input(
            json!({"version": 1, "attestation_bundles": [{"attestations": [sample(), broken]}]}).to_string().as_bytes(),
        )
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("attestation_bundles[0].attestations[1].envelope.signature"));
        let many: Vec<Value> = (0..=limits::MAX_ATTESTATIONS).map(|_| sample()).collect();
        let e =
            parse_input(json!({"version": 1, "attestation_bundles": [{"attestations": many}]}).to_string().as_bytes())
                .unwrap_err();
        assert_eq!(e.status, Status::LimitExceeded);
    }
}
