//! PEP 740 attestation objects and PyPI provenance objects, converted to bundles on the way in.

use crate::bundle::Bundle;
use crate::error::{self, Result};

/// Whether a JSON value looks like a PEP 740 attestation object rather than a bundle.
pub fn is_attestation(v: &serde_json::Value) -> bool {
    v.get("envelope").is_some() && v.get("verification_material").is_some()
}

/// Converts a PEP 740 attestation object to a v0.3 bundle.
pub fn attestation_to_bundle(_v: &serde_json::Value) -> Result<Bundle> {
    Err(error::unsupported("PEP 740 attestation objects are not supported yet"))
}
