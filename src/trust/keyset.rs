//! Registry key sets: the managed keys a policy (or a TUF target) names, with the identifiers and
//! validity windows their publishers attach.
//!
//! [`parse_key_set`] reads three formats, detected by shape:
//!
//! | format | shape | source |
//! |---|---|---|
//! | PEM public key | `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo) | RFC 7468 |
//! | npm registry keys | `{"keys": [{"keyid", "keytype", "scheme", "key", "expires"}]}` | `GET /-/npm/v1/keys` |
//! | TUF-style `keys.json` | `{"keys": [{"keyId", "keyUsage", "publicKey": {"rawBytes", "keyDetails", "validFor"}}]}` | Sigstore TUF target `registry.npmjs.org/keys.json` |
//!
//! The npm response is documented at <https://docs.npmjs.com/about-registry-signatures> and read
//! by npm/cli's `npm audit signatures` (lib/utils/verify-signatures.js: `key`, `keyid`, `expires`);
//! `key` is base64 DER SPKI and `expires` (null or RFC 3339) ends the window. The TUF target is
//! what slsa-verifier reads (slsa-framework/slsa-verifier verifiers/internal/gha/npm_keys.go:
//! `keyId`, `keyUsage`, `publicKey.rawBytes`, `keyDetails`, `validFor`), published by
//! sigstore/root-signing under `targets/registry.npmjs.org/`; its `publicKey` is protobuf-specs'
//! `PublicKey` message (sigstore_common.proto) in proto3 JSON.
//!
//! A keyid is the OpenSSH-style fingerprint npm uses: `"SHA256:" + unpadded base64(sha256(SSH wire
//! encoding of the key))` (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4). A file's keyid must equal the
//! fingerprint of its key where domainsig can compute it (EC and Ed25519): a keyid that names
//! another key is a broken key file, not a hint to ignore.

use crate::domain::Domain;
use crate::error::{Error, Result, Status};
use crate::limits;
use crate::time::{Window, parse_rfc3339};
use crate::trust::keys::{Curve, PublicKey, Scheme};
use der::Decode;
use serde_json::Value;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

/// A managed key as a policy holds it: the key and what its publisher says about it.
#[derive(Clone, Debug)]
pub struct PolicyKey {
    /// The key.
    pub key: PublicKey,
    /// npm-style keyid (`SHA256:<base64>`): from the file, else the computed fingerprint.
    pub key_id: Option<String>,
    /// `keyUsage` (`npm:attestations`), when the format carries one.
    pub usage: Option<String>,
    /// When the key may have signed; `None` is no window (any verified time).
    pub valid_for: Option<Window>,
    /// The domain a signature under this key proves, when the policy or TUF role binds one.
    pub domain: Option<Domain>,
}

impl PolicyKey {
    /// A key with no metadata beyond its computed fingerprint.
    pub fn new(key: PublicKey) -> Self {
        PolicyKey { key_id: ssh_fingerprint(&key), key, usage: None, valid_for: None, domain: None }
    }

    /// Whether the key may have signed at Unix time `t`.
    pub fn valid_at(&self, t: i64) -> bool {
        self.valid_for.is_none_or(|w| w.contains(t))
    }
}

fn bad(msg: impl Into<String>) -> Error {
    Error::new(Status::InvalidArgument, msg)
}

/// Parses a key file or value in any of the formats above, keeps the keys whose usage is `usage`
/// (keys whose format carries no usage are kept), and binds each to `domain`.
///
/// Errors (`INVALID_ARGUMENT`, message naming the entry) when the bytes are no known format, an
/// entry is malformed, a keyid contradicts its key, or no key is left after the usage filter.
pub fn parse_key_set(bytes: &[u8], usage: Option<&str>, domain: Option<&Domain>) -> Result<Vec<PolicyKey>> {
    limits::check("key file size in bytes", limits::MAX_POLICY_BYTES, bytes.len())?;
    let text = std::str::from_utf8(bytes).map_err(|_| bad("key file is not UTF-8 text"))?;
    if text.trim_start().starts_with("-----BEGIN") {
        let mut k = PolicyKey::new(PublicKey::from_pem(text)?);
        k.domain = domain.cloned();
        return Ok(vec![k]);
    }
    crate::json::check_depth(bytes)?;
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| bad(format!("key file is neither a PEM public key nor JSON: {e}")))?;
    parse_key_value(&v, usage, domain)
}

/// As [`parse_key_set`], for an already-parsed JSON value (a policy's inline `{"json": ...}`).
pub fn parse_key_value(v: &Value, usage: Option<&str>, domain: Option<&Domain>) -> Result<Vec<PolicyKey>> {
    let entries = match v.get("keys") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        _ => {
            return Err(bad(
                "a key set must be {\"keys\": [...]} (npm's /-/npm/v1/keys response or a TUF keys.json), non-empty",
            ));
        }
    };
    limits::check("keys in a key set", limits::MAX_POLICY_ENTRIES, entries.len())?;
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let at = format!("keys[{i}]");
        let k = if e.get("publicKey").is_some() { tuf_entry(e, &at)? } else { npm_entry(e, &at)? };
        if let (Some(want), Some(have)) = (usage, k.usage.as_deref()) {
            if want != have {
                continue;
            }
        }
        out.push(PolicyKey { domain: domain.cloned(), ..k });
    }
    if out.is_empty() {
        return Err(bad(format!("the key set has no key with keyUsage {:?}", usage.unwrap_or(""))));
    }
    Ok(out)
}

fn str_field<'a>(e: &'a Value, key: &str, at: &str) -> Result<Option<&'a str>> {
    match e.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(other) => Err(bad(format!("{at}.{key} must be a non-empty string, found {other}"))),
    }
}

fn time_field(e: &Value, key: &str, at: &str) -> Result<Option<i64>> {
    match str_field(e, key, at)? {
        None => Ok(None),
        Some(s) => parse_rfc3339(s).map(Some).ok_or_else(|| bad(format!("{at}.{key} is not an RFC 3339 time: {s:?}"))),
    }
}

fn der_key(b64: Option<&str>, details: Option<&str>, at: &str) -> Result<PublicKey> {
    let b64 = b64.ok_or_else(|| bad(format!("{at} has no key bytes")))?;
    let der = crate::json::b64decode(b64).ok_or_else(|| bad(format!("{at}: key bytes are not base64")))?;
    PublicKey::from_spki(&der, details).map_err(|e| bad(format!("{at}: {}", e.message)))
}

fn check_key_id(key: &PublicKey, given: Option<&str>, at: &str) -> Result<Option<String>> {
    let computed = ssh_fingerprint(key);
    match (given, computed) {
        (Some(g), Some(c)) if g != c => {
            Err(bad(format!("{at}: keyid {g:?} is not this key's fingerprint ({c}); the key file is inconsistent")))
        }
        (Some(g), _) => Ok(Some(g.to_owned())),
        (None, c) => Ok(c),
    }
}

/// `{"keyId", "keyUsage", "publicKey": {"rawBytes", "keyDetails", "validFor": {"start", "end"}}}`.
fn tuf_entry(e: &Value, at: &str) -> Result<PolicyKey> {
    let pk =
        e.get("publicKey").filter(|p| p.is_object()).ok_or_else(|| bad(format!("{at}.publicKey must be an object")))?;
    let pat = format!("{at}.publicKey");
    let key = der_key(str_field(pk, "rawBytes", &pat)?, str_field(pk, "keyDetails", &pat)?, &pat)?;
    let key_id = check_key_id(&key, str_field(e, "keyId", at)?, at)?;
    let valid_for = match pk.get("validFor") {
        None | Some(Value::Null) => None,
        Some(w @ Value::Object(_)) => {
            let wat = format!("{pat}.validFor");
            let start = time_field(w, "start", &wat)?;
            // As in trusted roots: a window without its start is a mistake, not an open window.
            if start.is_none() {
                return Err(bad(format!("{wat}.start is missing")));
            }
            Some(Window { start, end: time_field(w, "end", &wat)? })
        }
        Some(other) => return Err(bad(format!("{pat}.validFor must be an object, found {other}"))),
    };
    Ok(PolicyKey { key, key_id, usage: str_field(e, "keyUsage", at)?.map(str::to_owned), valid_for, domain: None })
}

/// `{"keyid", "keytype", "scheme", "key", "expires"}` (npm's `/-/npm/v1/keys`).
fn npm_entry(e: &Value, at: &str) -> Result<PolicyKey> {
    if e.get("key").is_none() {
        return Err(bad(format!("{at} is neither a TUF keys.json entry (publicKey) nor an npm registry key (key)")));
    }
    let key = der_key(str_field(e, "key", at)?, None, at)?;
    let key_id = check_key_id(&key, str_field(e, "keyid", at)?, at)?;
    let end = time_field(e, "expires", at)?;
    Ok(PolicyKey {
        key,
        key_id,
        usage: None,
        valid_for: end.map(|end| Window { start: None, end: Some(end) }),
        domain: None,
    })
}

fn ssh_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s);
}

/// The OpenSSH `SHA256:` fingerprint of an EC or Ed25519 key (`None` for RSA, which npm does not use).
pub fn ssh_fingerprint(key: &PublicKey) -> Option<String> {
    let spki = SubjectPublicKeyInfoOwned::from_der(key.spki()).ok()?;
    let point = spki.subject_public_key.raw_bytes();
    let mut wire = Vec::new();
    match key.scheme() {
        Scheme::Ecdsa(curve, _) => {
            let name = match curve {
                Curve::P256 => "nistp256",
                Curve::P384 => "nistp384",
                Curve::P521 => "nistp521",
            };
            ssh_string(&mut wire, format!("ecdsa-sha2-{name}").as_bytes());
            ssh_string(&mut wire, name.as_bytes());
            ssh_string(&mut wire, point);
        }
        Scheme::Ed25519 => {
            ssh_string(&mut wire, b"ssh-ed25519");
            ssh_string(&mut wire, point);
        }
        Scheme::RsaPkcs1(_) | Scheme::RsaPss(_) => return None,
    }
    let b64 = crate::json::b64encode(&crate::trust::keys::HashAlgorithm::Sha256.digest(&wire));
    Some(format!("SHA256:{}", b64.trim_end_matches('=')))
}

/// A PEM public key for unit tests elsewhere in the crate (npm's first registry key).
#[cfg(test)]
pub(crate) fn tests_pem() -> String {
    format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", tests::OLD_KEY)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA";
    const NEW: &str = "SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U";
    pub(super) const OLD_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE1Olb3zMAFFxXKHiIkQO5cJ3Yhl5i6UPp+IhuteBJbuHcA5UogKo0EWtlWwW6KSaKoTNEYL7JlCQiVnkhBktUgg==";

    fn keys_json() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/npm/_keys/160677eb6e1c7083c89b166b20f8fe4e837fb71181506aff1991b80b89184f7d.keys.json"
        ))
        .unwrap()
    }

    #[test]
    fn the_tuf_target_parses_with_windows_and_usages() {
        let all = parse_key_set(&keys_json(), None, None).unwrap();
        assert_eq!(all.len(), 4);
        let att = parse_key_set(&keys_json(), Some("npm:attestations"), None).unwrap();
        let ids: Vec<&str> = att.iter().map(|k| k.key_id.as_deref().unwrap()).collect();
        assert_eq!(ids, [OLD, NEW]);
        let old = &att[0];
        assert!(old.valid_at(parse_rfc3339("2023-01-11T17:31:54Z").unwrap()));
        assert!(!old.valid_at(parse_rfc3339("2025-02-01T00:00:00Z").unwrap()));
        assert!(!old.valid_at(parse_rfc3339("2022-11-30T00:00:00Z").unwrap()));
        assert!(att[1].valid_at(i64::MAX));
        let e = parse_key_set(&keys_json(), Some("npm:other"), None).unwrap_err();
        assert!(e.message.contains("npm:other"), "{e}");
    }

    #[test]
    fn npm_responses_and_pem_parse_with_the_same_keyid() {
        let resp = serde_json::json!({"keys": [{"expires": "2025-01-29T00:00:00.000Z", "keyid": OLD,
            "keytype": "ecdsa-sha2-nistp256", "scheme": "ecdsa-sha2-nistp256", "key": OLD_KEY}]});
        let dom = crate::domain::normalize("registry.npmjs.org").unwrap();
        let k = parse_key_set(resp.to_string().as_bytes(), Some("npm:attestations"), Some(&dom)).unwrap();
        assert_eq!(k[0].key_id.as_deref(), Some(OLD));
        assert_eq!(k[0].domain.as_ref(), Some(&dom));
        assert!(k[0].valid_at(0) && !k[0].valid_at(parse_rfc3339("2025-01-30T00:00:00Z").unwrap()));
        let pem = format!("-----BEGIN PUBLIC KEY-----\n{OLD_KEY}\n-----END PUBLIC KEY-----\n");
        let k = parse_key_set(pem.as_bytes(), None, None).unwrap();
        assert_eq!(k[0].key_id.as_deref(), Some(OLD));
        assert!(k[0].valid_for.is_none());
    }

    #[test]
    fn inconsistent_or_malformed_sets_are_refused() {
        let wrong_id = serde_json::json!({"keys": [{"keyid": NEW, "key": OLD_KEY}]});
        let e = parse_key_set(wrong_id.to_string().as_bytes(), None, None).unwrap_err();
        assert!(e.message.contains("fingerprint"), "{e}");
        for bad in [
            serde_json::json!({"keys": []}),
            serde_json::json!({"keys": [{"keyid": OLD}]}),
            serde_json::json!({"keys": [{"key": "!!"}]}),
            serde_json::json!({"keys": [{"key": OLD_KEY, "expires": "tomorrow"}]}),
            serde_json::json!({"keys": [{"publicKey": {"rawBytes": OLD_KEY, "validFor": {"end": "2025-01-29T00:00:00Z"}}}]}),
            serde_json::json!({"keys": [{"publicKey": {"rawBytes": OLD_KEY, "keyDetails": "PKIX_ED25519"}}]}),
            serde_json::json!([1]),
        ] {
            let e = parse_key_set(bad.to_string().as_bytes(), None, None).unwrap_err();
            assert_eq!(e.status, Status::InvalidArgument, "{bad}: {e}");
        }
        assert!(parse_key_set(b"not json", None, None).is_err());
    }
}
