//! Entry bodies: the canonicalized body a log committed to must describe *this* bundle.
//!
//! A valid inclusion proof only shows that *some* entry is in the log; the body says what was
//! logged (signature, signer, digest). Each supported Rekor entry type is compared field by
//! field with the bundle; the first difference is reported with the body field's name.
//!
//! Supported: Rekor v1 `hashedrekord/0.0.1`, `dsse/0.0.1`, `intoto/0.0.2`; Rekor v2
//! (rekor-tiles) `hashedrekord/0.0.2`, `dsse/0.0.2`. A DSSE envelope may be logged as a
//! hashedrekord over the digest of its PAE (how Rekor v2 clients log DSSE).
//!
//! Not compared: `dsse/0.0.1` `envelopeHash` and `intoto/0.0.2` `hash`, which hash the envelope
//! JSON exactly as it was submitted to the log; that serialisation cannot be rebuilt from the
//! bundle. The payload hash, signature and verifier they sit beside are compared, and together
//! pin the envelope.

use crate::bundle::{Content, Envelope, TlogEntry};
use crate::error::{self, Result};
use crate::tlog::EntryContext;
use crate::trust::keys::HashAlgorithm;
use serde_json::Value;

/// Checks `entry.body` describes the bundle in `ctx`.
pub fn verify(entry: &TlogEntry, ctx: &EntryContext<'_>) -> Result<()> {
    let kind = (entry.kind.as_str(), entry.version.as_str());
    if !matches!(
        kind,
        ("hashedrekord", "0.0.1")
            | ("hashedrekord", "0.0.2")
            | ("dsse", "0.0.1")
            | ("dsse", "0.0.2")
            | ("intoto", "0.0.2")
    ) {
        return Err(error::unsupported(format!(
            "transparency-log entry kind {}/{} is not supported (hashedrekord 0.0.1/0.0.2, dsse 0.0.1/0.0.2, \
             intoto 0.0.2 are)",
            entry.kind, entry.version
        )));
    }
    // serde_json's recursion limit bounds nesting; the body is already within the bundle's size limit.
    let body: Value = serde_json::from_slice(&entry.body)
        .map_err(|e| error::body_mismatch(format!("the entry body is not JSON: {e}")))?;
    let b = Body::root(&body);
    b.expect_str(&["kind"], entry.kind.as_str())?;
    b.expect_str(&["apiVersion"], entry.version.as_str())?;
    match kind {
        ("hashedrekord", "0.0.1") => hashedrekord_v001(&b, ctx),
        ("hashedrekord", _) => hashedrekord_v002(&b, ctx),
        ("dsse", "0.0.1") => dsse_v001(&b, ctx),
        ("dsse", _) => dsse_v002(&b, ctx),
        _ => intoto_v002(&b, ctx),
    }
}

/// The public key an entry body names as its signer (normalised SPKI DER), if it names one.
///
/// Not verified: used only to choose between two refusals when no policy key verifies a
/// managed-key bundle (the logged key is a policy key: a broken signature; it is not: a key the
/// policy does not trust). Nothing is ever accepted on its strength.
pub fn named_key(entry: &TlogEntry) -> Option<Vec<u8>> {
    let body: Value = serde_json::from_slice(&entry.body).ok()?;
    let b = Body::root(&body);
    let pem_key = |b: &Body<'_>, path: &[&str]| match pem_der(&b.b64(path).ok()?)? {
        (label, der) if label == "PUBLIC KEY" => normal_spki(&der),
        _ => None,
    };
    let raw_key = |b: &Body<'_>, path: &[&str]| normal_spki(&b.b64(path).ok()?);
    match (entry.kind.as_str(), entry.version.as_str()) {
        ("hashedrekord", "0.0.1") => pem_key(&b, &["spec", "signature", "publicKey", "content"]),
        ("hashedrekord", "0.0.2") => {
            raw_key(&b, &["spec", "hashedRekordV002", "signature", "verifier", "publicKey", "rawBytes"])
        }
        ("dsse", "0.0.1") => pem_key(&b.at(&["spec"]).ok()?.only(&["signatures"]).ok()?, &["verifier"]),
        ("dsse", "0.0.2") => raw_key(
            &b.at(&["spec", "dsseV002"]).ok()?.only(&["signatures"]).ok()?,
            &["verifier", "publicKey", "rawBytes"],
        ),
        ("intoto", "0.0.2") => {
            pem_key(&b.at(&["spec", "content", "envelope"]).ok()?.only(&["signatures"]).ok()?, &["publicKey"])
        }
        _ => None,
    }
}

/// A JSON value inside the body, with the dotted path it sits at, so errors name the field.
#[derive(Clone)]
struct Body<'a> {
    v: &'a Value,
    at: String,
}

impl<'a> Body<'a> {
    fn root(v: &'a Value) -> Self {
        Body { v, at: String::new() }
    }

    fn name(&self, path: &[&str]) -> String {
        let mut n = self.at.clone();
        for p in path {
            if !n.is_empty() {
                n.push('.');
            }
            n.push_str(p);
        }
        n
    }

    fn has(&self, key: &str) -> bool {
        self.v.get(key).is_some()
    }

    fn at(&self, path: &[&str]) -> Result<Body<'a>> {
        let mut v = self.v;
        for p in path {
            v = v
                .get(p)
                .ok_or_else(|| error::body_mismatch(format!("the entry body has no field {}", self.name(path))))?;
        }
        Ok(Body { v, at: self.name(path) })
    }

    fn str(&self, path: &[&str]) -> Result<&'a str> {
        let b = self.at(path)?;
        b.v.as_str().ok_or_else(|| error::body_mismatch(format!("entry body field {} is not a string", b.at)))
    }

    fn b64(&self, path: &[&str]) -> Result<Vec<u8>> {
        crate::json::b64decode(self.str(path)?)
            .ok_or_else(|| error::body_mismatch(format!("entry body field {} is not base64", self.name(path))))
    }

    fn hex(&self, path: &[&str]) -> Result<Vec<u8>> {
        crate::json::unhex(self.str(path)?)
            .ok_or_else(|| error::body_mismatch(format!("entry body field {} is not hex", self.name(path))))
    }

    /// Base64 of base64 of the bytes, as Rekor v1 stores DSSE byte fields inside `intoto` bodies.
    fn b64_b64(&self, path: &[&str]) -> Result<Vec<u8>> {
        let once = self.b64(path)?;
        std::str::from_utf8(&once).ok().and_then(crate::json::b64decode).ok_or_else(|| {
            error::body_mismatch(format!(
                "entry body field {} does not hold the bundle's value: intoto 0.0.2 stores it as base64 of \
                 base64, and this is not",
                self.name(path)
            ))
        })
    }

    fn algorithm(&self, path: &[&str]) -> Result<HashAlgorithm> {
        let s = self.str(path)?;
        HashAlgorithm::parse(s).ok_or_else(|| {
            error::body_mismatch(format!("entry body field {} names an unknown hash algorithm {s:?}", self.name(path)))
        })
    }

    /// The only element of the list at `path` (Sigstore DSSE envelopes carry one signature).
    fn only(&self, path: &[&str]) -> Result<Body<'a>> {
        let list = self.at(path)?;
        let items = list
            .v
            .as_array()
            .ok_or_else(|| error::body_mismatch(format!("entry body field {} is not a list", list.at)))?;
        match items.as_slice() {
            [one] => Ok(Body { v: one, at: format!("{}[0]", list.at) }),
            _ => Err(error::body_mismatch(format!(
                "entry body field {}: the bundle's envelope has 1 signature, the log entry has {}",
                list.at,
                items.len()
            ))),
        }
    }

    fn expect_str(&self, path: &[&str], want: &str) -> Result<()> {
        let found = self.str(path)?;
        if found != want {
            return Err(mismatch(&self.name(path), want, found));
        }
        Ok(())
    }

    fn expect_bytes(&self, path: &[&str], what: &str, want: &[u8], found: &[u8]) -> Result<()> {
        if want != found {
            let show = |b: &[u8]| {
                if b.len() <= 64 {
                    crate::json::hex(b)
                } else {
                    format!("{} bytes with SHA-256 {}", b.len(), crate::json::hex(&HashAlgorithm::Sha256.digest(b)))
                }
            };
            return Err(error::body_mismatch(format!(
                "entry body field {} ({what}): the bundle has {}, the log entry has {}",
                self.name(path),
                show(want),
                show(found)
            )));
        }
        Ok(())
    }
}

fn mismatch(field: &str, want: &str, found: &str) -> error::Error {
    error::body_mismatch(format!("entry body field {field}: the bundle has {want}, the log entry has {found}"))
}

/// The digest a hashedrekord must name: the artifact's for a message signature, the PAE's for a
/// DSSE envelope logged as a hashedrekord.
fn signed_digest(ctx: &EntryContext<'_>, alg: HashAlgorithm, field: &str) -> Result<Vec<u8>> {
    match ctx.content {
        Content::MessageSignature { .. } => {
            let (have, digest) = ctx.artifact_digest;
            if have != alg {
                return Err(mismatch(field, have.name(), alg.name()));
            }
            Ok(digest.to_vec())
        }
        Content::Dsse(env) => Ok(alg.digest(&crate::dsse::pae(&env.payload_type, &env.payload))),
    }
}

fn dsse<'c>(ctx: &EntryContext<'c>, kind: &str) -> Result<&'c Envelope> {
    match ctx.content {
        Content::Dsse(env) => Ok(env),
        Content::MessageSignature { .. } => Err(error::body_mismatch(format!(
            "the log entry is a {kind} entry (a DSSE envelope), the bundle has a message signature"
        ))),
    }
}

/// Decodes a PEM block (as Rekor v1 bodies carry keys and certificates) to its label and DER.
pub fn pem_der(pem: &[u8]) -> Option<(String, Vec<u8>)> {
    let text = std::str::from_utf8(pem).ok()?.trim();
    let rest = text.strip_prefix("-----BEGIN ")?;
    let (label, rest) = rest.split_once("-----")?;
    let end = format!("-----END {label}-----");
    let (inner, tail) = rest.split_once(end.as_str())?;
    if !tail.trim().is_empty() {
        return None;
    }
    let b64: Vec<u8> = inner.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = crate::json::b64decode(std::str::from_utf8(&b64).ok()?)?;
    Some((label.to_owned(), der))
}

/// SPKI DER in a normal form, so equal keys compare equal whatever encoder wrote them.
fn normal_spki(der: &[u8]) -> Option<Vec<u8>> {
    use der::{Decode as _, Encode as _};
    x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(der).ok()?.to_der().ok()
}

/// The signer as the body gives it, and the field it came from.
enum BodySigner {
    Certificate(Vec<u8>),
    Key(Vec<u8>),
}

fn expect_signer(b: &Body<'_>, path: &[&str], ctx: &EntryContext<'_>, found: BodySigner) -> Result<()> {
    match (ctx.signer_is_certificate, found) {
        (true, BodySigner::Certificate(der)) => b.expect_bytes(path, "signing certificate", ctx.signer_der, &der),
        (false, BodySigner::Key(der)) => {
            let want = normal_spki(ctx.signer_der).unwrap_or_else(|| ctx.signer_der.to_vec());
            let found = normal_spki(&der).ok_or_else(|| {
                error::body_mismatch(format!("entry body field {} is not a public key", b.name(path)))
            })?;
            b.expect_bytes(path, "signing key", &want, &found)
        }
        (true, BodySigner::Key(_)) => Err(mismatch(&b.name(path), "a certificate", "a public key")),
        (false, BodySigner::Certificate(_)) => Err(mismatch(&b.name(path), "a public key", "a certificate")),
    }
}

/// A Rekor v1 verifier: base64 of a PEM certificate or public key.
fn check_pem_signer(b: &Body<'_>, path: &[&str], ctx: &EntryContext<'_>) -> Result<()> {
    let pem = b.b64(path)?;
    let signer = match pem_der(&pem) {
        Some((label, der)) if label == "CERTIFICATE" => BodySigner::Certificate(der),
        Some((label, der)) if label == "PUBLIC KEY" => BodySigner::Key(der),
        _ => {
            return Err(error::body_mismatch(format!(
                "entry body field {} is not a PEM certificate or public key",
                b.name(path)
            )));
        }
    };
    expect_signer(b, path, ctx, signer)
}

/// A Rekor v2 verifier: `{"x509Certificate": {"rawBytes"}}` or `{"publicKey": {"rawBytes"}}`.
fn check_v2_signer(verifier: &Body<'_>, ctx: &EntryContext<'_>) -> Result<()> {
    if verifier.has("x509Certificate") {
        let path = &["x509Certificate", "rawBytes"];
        expect_signer(verifier, path, ctx, BodySigner::Certificate(verifier.b64(path)?))
    } else {
        let path = &["publicKey", "rawBytes"];
        expect_signer(verifier, path, ctx, BodySigner::Key(verifier.b64(path)?))
    }
}

fn hashedrekord_v001(b: &Body<'_>, ctx: &EntryContext<'_>) -> Result<()> {
    let spec = b.at(&["spec"])?;
    spec.expect_bytes(
        &["signature", "content"],
        "signature",
        ctx.content.signature(),
        &spec.b64(&["signature", "content"])?,
    )?;
    check_pem_signer(&spec, &["signature", "publicKey", "content"], ctx)?;
    let hash = spec.at(&["data", "hash"])?;
    let alg = hash.algorithm(&["algorithm"])?;
    let want = signed_digest(ctx, alg, &hash.name(&["algorithm"]))?;
    hash.expect_bytes(&["value"], "signed digest", &want, &hash.hex(&["value"])?)
}

fn hashedrekord_v002(b: &Body<'_>, ctx: &EntryContext<'_>) -> Result<()> {
    let spec = b.at(&["spec", "hashedRekordV002"])?;
    spec.expect_bytes(
        &["signature", "content"],
        "signature",
        ctx.content.signature(),
        &spec.b64(&["signature", "content"])?,
    )?;
    check_v2_signer(&spec.at(&["signature", "verifier"])?, ctx)?;
    let data = spec.at(&["data"])?;
    let alg = data.algorithm(&["algorithm"])?;
    let want = signed_digest(ctx, alg, &data.name(&["algorithm"]))?;
    data.expect_bytes(&["digest"], "signed digest", &want, &data.b64(&["digest"])?)
}

fn dsse_v001(b: &Body<'_>, ctx: &EntryContext<'_>) -> Result<()> {
    let env = dsse(ctx, "dsse")?;
    let spec = b.at(&["spec"])?;
    let sig = spec.only(&["signatures"])?;
    sig.expect_bytes(&["signature"], "signature", ctx.content.signature(), &sig.b64(&["signature"])?)?;
    check_pem_signer(&sig, &["verifier"], ctx)?;
    let hash = spec.at(&["payloadHash"])?;
    let alg = hash.algorithm(&["algorithm"])?;
    hash.expect_bytes(&["value"], "payload digest", &alg.digest(&env.payload), &hash.hex(&["value"])?)
}

fn dsse_v002(b: &Body<'_>, ctx: &EntryContext<'_>) -> Result<()> {
    let env = dsse(ctx, "dsse")?;
    let spec = b.at(&["spec", "dsseV002"])?;
    let sig = spec.only(&["signatures"])?;
    sig.expect_bytes(&["content"], "signature", ctx.content.signature(), &sig.b64(&["content"])?)?;
    check_v2_signer(&sig.at(&["verifier"])?, ctx)?;
    let hash = spec.at(&["payloadHash"])?;
    let alg = hash.algorithm(&["algorithm"])?;
    hash.expect_bytes(&["digest"], "payload digest", &alg.digest(&env.payload), &hash.b64(&["digest"])?)
}

fn intoto_v002(b: &Body<'_>, ctx: &EntryContext<'_>) -> Result<()> {
    let env = dsse(ctx, "intoto")?;
    let content = b.at(&["spec", "content"])?;
    let e = content.at(&["envelope"])?;
    e.expect_str(&["payloadType"], &env.payload_type)?;
    // The payload is optional in stored intoto bodies; the payload hash below always binds it.
    if e.has("payload") {
        e.expect_bytes(&["payload"], "payload", &env.payload, &e.b64_b64(&["payload"])?)?;
    }
    let sig = e.only(&["signatures"])?;
    sig.expect_bytes(&["sig"], "signature", ctx.content.signature(), &sig.b64_b64(&["sig"])?)?;
    check_pem_signer(&sig, &["publicKey"], ctx)?;
    let hash = content.at(&["payloadHash"])?;
    let alg = hash.algorithm(&["algorithm"])?;
    hash.expect_bytes(&["value"], "payload digest", &alg.digest(&env.payload), &hash.hex(&["value"])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{BundleVersion, DsseSignature};
    use crate::error::Status;
    use crate::json::{b64encode, hex};
    use serde_json::json;

    /// Body comparison is byte equality, so any bytes stand in for a certificate.
    const CERT: &[u8] = b"\x30\x03\x02\x01\x07 fake certificate DER";
    const SIG: &[u8] = b"\x30\x06 fake signature";
    /// A real P-256 SPKI (the Rekor v1 production key).
    const SPKI_B64: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==";

    fn spki() -> Vec<u8> {
        crate::json::b64decode(SPKI_B64).unwrap()
    }

    fn pem(label: &str, der: &[u8]) -> String {
        let b = b64encode(der);
        let lines: Vec<&str> = b.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
        format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
    }

    fn digest() -> Vec<u8> {
        HashAlgorithm::Sha256.digest(b"artifact")
    }

    fn message() -> Content {
        Content::MessageSignature { digest: None, signature: SIG.to_vec() }
    }

    fn envelope() -> Content {
        Content::Dsse(Envelope {
            payload: br#"{"_type":"https://in-toto.io/Statement/v1"}"#.to_vec(),
            payload_type: "application/vnd.in-toto+json".into(),
            signatures: vec![DsseSignature { sig: SIG.to_vec(), keyid: String::new() }],
        })
    }

    fn ctx<'a>(content: &'a Content, signer: &'a [u8], is_cert: bool, digest: &'a [u8]) -> EntryContext<'a> {
        EntryContext {
            bundle_version: BundleVersion::V0_3,
            content,
            signer_der: signer,
            signer_is_certificate: is_cert,
            artifact_digest: (HashAlgorithm::Sha256, digest),
        }
    }

    fn entry(kind: &str, version: &str, body: &serde_json::Value) -> TlogEntry {
        TlogEntry {
            log_index: 1,
            log_id: vec![1; 32],
            kind: kind.into(),
            version: version.into(),
            integrated_time: 0,
            promise: None,
            proof: None,
            body: serde_json::to_vec(body).unwrap(),
        }
    }

    fn hashedrekord_v001_body(sig: &[u8], signer_pem: &str, alg: &str, value: &[u8]) -> serde_json::Value {
        json!({"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
            "data": {"hash": {"algorithm": alg, "value": hex(value)}},
            "signature": {"content": b64encode(sig), "publicKey": {"content": b64encode(signer_pem.as_bytes())}}}})
    }

    /// Asserts a body mismatch whose message names `field`.
    fn assert_mismatch(r: Result<()>, field: &str) {
        let e = r.expect_err(field);
        assert_eq!(e.status, Status::TlogBodyMismatch, "{field}: {e}");
        assert!(e.message.contains(field), "expected {field:?} in: {}", e.message);
    }

    #[test]
    fn hashedrekord_v001_matches_and_names_each_mismatching_field() {
        let (content, d) = (message(), digest());
        let c = ctx(&content, CERT, true, &d);
        let cert_pem = pem("CERTIFICATE", CERT);
        let good = hashedrekord_v001_body(SIG, &cert_pem, "sha256", &d);
        verify(&entry("hashedrekord", "0.0.1", &good), &c).unwrap();

        let cases = [
            (hashedrekord_v001_body(b"other sig", &cert_pem, "sha256", &d), "spec.signature.content"),
            (
                hashedrekord_v001_body(SIG, &pem("CERTIFICATE", b"other cert"), "sha256", &d),
                "spec.signature.publicKey.content",
            ),
            (
                hashedrekord_v001_body(SIG, &pem("PUBLIC KEY", &spki()), "sha256", &d),
                "spec.signature.publicKey.content",
            ),
            (hashedrekord_v001_body(SIG, "not pem", "sha256", &d), "spec.signature.publicKey.content"),
            (hashedrekord_v001_body(SIG, &cert_pem, "sha256", &[0; 32]), "spec.data.hash.value"),
            (hashedrekord_v001_body(SIG, &cert_pem, "sha512", &d), "spec.data.hash.algorithm"),
            (hashedrekord_v001_body(SIG, &cert_pem, "md5", &d), "spec.data.hash.algorithm"),
        ];
        for (body, field) in cases {
            assert_mismatch(verify(&entry("hashedrekord", "0.0.1", &body), &c), field);
        }
        let mut no_sig = good.clone();
        no_sig["spec"]["signature"].as_object_mut().unwrap().remove("content");
        assert_mismatch(verify(&entry("hashedrekord", "0.0.1", &no_sig), &c), "spec.signature.content");
    }

    #[test]
    fn kind_and_version_come_from_the_signed_body() {
        let (content, d) = (message(), digest());
        let c = ctx(&content, CERT, true, &d);
        let good = hashedrekord_v001_body(SIG, &pem("CERTIFICATE", CERT), "sha256", &d);
        let mut other_kind = good.clone();
        other_kind["kind"] = json!("rekord");
        assert_mismatch(verify(&entry("hashedrekord", "0.0.1", &other_kind), &c), "kind");
        let mut other_version = good.clone();
        other_version["apiVersion"] = json!("0.0.2");
        assert_mismatch(verify(&entry("hashedrekord", "0.0.1", &other_version), &c), "apiVersion");
        for (k, v) in [("rekord", "0.0.1"), ("hashedrekord", "0.0.3"), ("intoto", "0.0.1"), ("dsse", "9")] {
            let e = verify(&entry(k, v, &good), &c).unwrap_err();
            assert_eq!(e.status, Status::BundleUnsupported, "{k}/{v}");
        }
        let mut not_json = entry("hashedrekord", "0.0.1", &good);
        not_json.body = b"{not json".to_vec();
        assert_eq!(verify(&not_json, &c).unwrap_err().status, Status::TlogBodyMismatch);
    }

    #[test]
    fn managed_keys_compare_as_public_keys() {
        let (content, d, key) = (message(), digest(), spki());
        let c = ctx(&content, &key, false, &d);
        let good = hashedrekord_v001_body(SIG, &pem("PUBLIC KEY", &key), "sha256", &d);
        verify(&entry("hashedrekord", "0.0.1", &good), &c).unwrap();
        let cert = hashedrekord_v001_body(SIG, &pem("CERTIFICATE", CERT), "sha256", &d);
        assert_mismatch(verify(&entry("hashedrekord", "0.0.1", &cert), &c), "spec.signature.publicKey.content");
        let mut other = key.clone();
        let n = other.len();
        other[n - 1] ^= 1;
        let other_key = hashedrekord_v001_body(SIG, &pem("PUBLIC KEY", &other), "sha256", &d);
        assert_mismatch(verify(&entry("hashedrekord", "0.0.1", &other_key), &c), "spec.signature.publicKey.content");
    }

    fn hashedrekord_v002_body(sig: &[u8], verifier: serde_json::Value, digest: &[u8]) -> serde_json::Value {
        json!({"apiVersion": "0.0.2", "kind": "hashedrekord", "spec": {"hashedRekordV002": {
            "data": {"algorithm": "SHA2_256", "digest": b64encode(digest)},
            "signature": {"content": b64encode(sig), "verifier": verifier}}}})
    }

    fn cert_verifier(der: &[u8]) -> serde_json::Value {
        json!({"keyDetails": "PKIX_ECDSA_P256_SHA_256", "x509Certificate": {"rawBytes": b64encode(der)}})
    }

    #[test]
    fn hashedrekord_v002_matches_and_names_each_mismatching_field() {
        let (content, d) = (message(), digest());
        let c = ctx(&content, CERT, true, &d);
        let good = hashedrekord_v002_body(SIG, cert_verifier(CERT), &d);
        verify(&entry("hashedrekord", "0.0.2", &good), &c).unwrap();
        let cases = [
            (hashedrekord_v002_body(b"x", cert_verifier(CERT), &d), "spec.hashedRekordV002.signature.content"),
            (
                hashedrekord_v002_body(SIG, cert_verifier(b"other"), &d),
                "spec.hashedRekordV002.signature.verifier.x509Certificate.rawBytes",
            ),
            (
                hashedrekord_v002_body(SIG, json!({"publicKey": {"rawBytes": SPKI_B64}}), &d),
                "spec.hashedRekordV002.signature.verifier.publicKey.rawBytes",
            ),
            (hashedrekord_v002_body(SIG, cert_verifier(CERT), &[7; 32]), "spec.hashedRekordV002.data.digest"),
        ];
        for (body, field) in cases {
            assert_mismatch(verify(&entry("hashedrekord", "0.0.2", &body), &c), field);
        }
        // A managed key as a Rekor v2 verifier.
        let key = spki();
        let kc = ctx(&content, &key, false, &d);
        let with_key = hashedrekord_v002_body(SIG, json!({"publicKey": {"rawBytes": SPKI_B64}}), &d);
        verify(&entry("hashedrekord", "0.0.2", &with_key), &kc).unwrap();
    }

    #[test]
    fn dsse_logged_as_hashedrekord_names_the_pae_digest() {
        let (content, d) = (envelope(), digest());
        let c = ctx(&content, CERT, true, &d);
        let Content::Dsse(env) = &content else { unreachable!() };
        let pae_digest = HashAlgorithm::Sha256.digest(&crate::dsse::pae(&env.payload_type, &env.payload));
        verify(&entry("hashedrekord", "0.0.2", &hashedrekord_v002_body(SIG, cert_verifier(CERT), &pae_digest)), &c)
            .unwrap();
        // The artifact's own digest is not what a DSSE signature covers.
        assert_mismatch(
            verify(&entry("hashedrekord", "0.0.2", &hashedrekord_v002_body(SIG, cert_verifier(CERT), &d)), &c),
            "spec.hashedRekordV002.data.digest",
        );
    }

    fn dsse_v001_body(sigs: serde_json::Value, payload_hash: &[u8]) -> serde_json::Value {
        json!({"apiVersion": "0.0.1", "kind": "dsse", "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hex(&[0; 32])},
            "payloadHash": {"algorithm": "sha256", "value": hex(payload_hash)},
            "signatures": sigs}})
    }

    #[test]
    fn dsse_v001_matches_and_names_each_mismatching_field() {
        let (content, d) = (envelope(), digest());
        let c = ctx(&content, CERT, true, &d);
        let Content::Dsse(env) = &content else { unreachable!() };
        let ph = HashAlgorithm::Sha256.digest(&env.payload);
        let sig = |s: &[u8], cert: &[u8]| json!({"signature": b64encode(s), "verifier": b64encode(pem("CERTIFICATE", cert).as_bytes())});
        verify(&entry("dsse", "0.0.1", &dsse_v001_body(json!([sig(SIG, CERT)]), &ph)), &c).unwrap();
        let cases = [
            (dsse_v001_body(json!([sig(b"other", CERT)]), &ph), "spec.signatures[0].signature"),
            (dsse_v001_body(json!([sig(SIG, b"other")]), &ph), "spec.signatures[0].verifier"),
            (dsse_v001_body(json!([sig(SIG, CERT)]), &d), "spec.payloadHash.value"),
            (dsse_v001_body(json!([sig(SIG, CERT), sig(SIG, CERT)]), &ph), "spec.signatures"),
            (dsse_v001_body(json!([]), &ph), "spec.signatures"),
        ];
        for (body, field) in cases {
            assert_mismatch(verify(&entry("dsse", "0.0.1", &body), &c), field);
        }
        // A message-signature bundle cannot be described by a dsse entry.
        let m = message();
        let mc = ctx(&m, CERT, true, &d);
        assert_mismatch(
            verify(&entry("dsse", "0.0.1", &dsse_v001_body(json!([sig(SIG, CERT)]), &ph)), &mc),
            "message signature",
        );
    }

    #[test]
    fn dsse_v002_matches_and_names_each_mismatching_field() {
        let (content, d) = (envelope(), digest());
        let c = ctx(&content, CERT, true, &d);
        let Content::Dsse(env) = &content else { unreachable!() };
        let ph = HashAlgorithm::Sha256.digest(&env.payload);
        let body = |s: &[u8], cert: &[u8], h: &[u8]| {
            json!({"apiVersion": "0.0.2", "kind": "dsse", "spec": {"dsseV002": {
                "payloadHash": {"algorithm": "SHA2_256", "digest": b64encode(h)},
                "signatures": [{"content": b64encode(s), "verifier": cert_verifier(cert)}]}}})
        };
        verify(&entry("dsse", "0.0.2", &body(SIG, CERT, &ph)), &c).unwrap();
        assert_mismatch(
            verify(&entry("dsse", "0.0.2", &body(b"x", CERT, &ph)), &c),
            "spec.dsseV002.signatures[0].content",
        );
        assert_mismatch(
            verify(&entry("dsse", "0.0.2", &body(SIG, b"x", &ph)), &c),
            "spec.dsseV002.signatures[0].verifier.x509Certificate.rawBytes",
        );
        assert_mismatch(verify(&entry("dsse", "0.0.2", &body(SIG, CERT, &d)), &c), "spec.dsseV002.payloadHash.digest");
    }

    #[test]
    fn intoto_v002_decodes_double_base64_and_names_each_mismatching_field() {
        let (content, d) = (envelope(), digest());
        let c = ctx(&content, CERT, true, &d);
        let Content::Dsse(env) = &content else { unreachable!() };
        let ph = HashAlgorithm::Sha256.digest(&env.payload);
        let twice = |b: &[u8]| b64encode(b64encode(b).as_bytes());
        let body = |ptype: &str, payload: Option<&[u8]>, s: String, cert: &[u8], h: &[u8]| {
            let mut e = json!({"payloadType": ptype, "signatures": [
                {"sig": s, "publicKey": b64encode(pem("CERTIFICATE", cert).as_bytes())}]});
            if let Some(p) = payload {
                e["payload"] = json!(twice(p));
            }
            json!({"apiVersion": "0.0.2", "kind": "intoto", "spec": {"content": {
                "envelope": e,
                "hash": {"algorithm": "sha256", "value": hex(&[0; 32])},
                "payloadHash": {"algorithm": "sha256", "value": hex(h)}}}})
        };
        let pt = env.payload_type.as_str();
        verify(&entry("intoto", "0.0.2", &body(pt, Some(&env.payload), twice(SIG), CERT, &ph)), &c).unwrap();
        verify(&entry("intoto", "0.0.2", &body(pt, None, twice(SIG), CERT, &ph)), &c).unwrap();
        let cases = [
            (body("text/plain", None, twice(SIG), CERT, &ph), "spec.content.envelope.payloadType"),
            (body(pt, Some(b"other"), twice(SIG), CERT, &ph), "spec.content.envelope.payload"),
            (body(pt, None, twice(b"other"), CERT, &ph), "spec.content.envelope.signatures[0].sig"),
            // Single base64 is not how Rekor stores it.
            (body(pt, None, b64encode(SIG), CERT, &ph), "spec.content.envelope.signatures[0].sig"),
            (body(pt, None, twice(SIG), b"other", &ph), "spec.content.envelope.signatures[0].publicKey"),
            (body(pt, None, twice(SIG), CERT, &d), "spec.content.payloadHash.value"),
        ];
        for (b, field) in cases {
            assert_mismatch(verify(&entry("intoto", "0.0.2", &b), &c), field);
        }
    }

    #[test]
    fn pem_blocks_decode_with_any_line_wrapping() {
        let der = (0u8..200).collect::<Vec<_>>();
        assert_eq!(pem_der(pem("CERTIFICATE", &der).as_bytes()), Some(("CERTIFICATE".to_owned(), der.clone())));
        let one_line = format!("-----BEGIN PUBLIC KEY-----{}-----END PUBLIC KEY-----", b64encode(&der));
        assert_eq!(pem_der(one_line.as_bytes()).map(|p| p.1), Some(der.clone()));
        for bad in [
            "no pem".to_owned(),
            format!("-----BEGIN A-----\n{}\n-----END B-----\n", b64encode(&der)),
            format!("-----BEGIN A-----\n{}\n-----END A-----\ntrailing", b64encode(&der)),
            "-----BEGIN A-----\n!!!\n-----END A-----\n".to_owned(),
        ] {
            assert_eq!(pem_der(bad.as_bytes()), None, "{bad}");
        }
    }
}
