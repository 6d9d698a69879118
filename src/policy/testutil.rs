//! Plain-value `VerifiedBundle`s for unit tests: every rule is tested without cryptography.

use crate::verified::{DigestValue, Sealed, Signer, Statement, Subject, VerifiedBundle};
use crate::x509::claims::{CertificateIdentity, San, SanKind};
use std::collections::BTreeMap;

/// The artifact digest every test bundle signs.
pub const DIGEST: &str = "abababababababababababababababababababababababababababababababab";
/// The default signer SAN.
pub const SAN: &str = "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1";
/// The default signer issuer.
pub const ISSUER: &str = "https://token.actions.githubusercontent.com";

/// A certificate identity with the default SAN, issuer and a few claims.
pub fn identity() -> CertificateIdentity {
    let mut claims = BTreeMap::new();
    claims.insert("issuer".to_owned(), ISSUER.to_owned());
    claims.insert("source_repository_uri".to_owned(), "https://github.com/o/r".to_owned());
    claims.insert("build_trigger".to_owned(), "push".to_owned());
    claims.insert("deployment_environment".to_owned(), "pypi".to_owned());
    CertificateIdentity {
        sans: vec![San { kind: SanKind::Uri, value: SAN.to_owned() }],
        issuer: Some(ISSUER.to_owned()),
        claims,
        extensions: BTreeMap::new(),
        not_before: 0,
        not_after: 600,
    }
}

/// A DSSE bundle signed by [`identity`] whose statement has one subject `name` with [`DIGEST`].
pub fn bundle(name: &str, predicate_type: &str, predicate: serde_json::Value) -> VerifiedBundle {
    let mut vb = cert_bundle(&[]);
    vb.content = "dsse";
    vb.payload_type = Some("application/vnd.in-toto+json".to_owned());
    vb.statement = Some(Statement {
        statement_type: "https://in-toto.io/Statement/v1".to_owned(),
        subject: vec![Subject { name: name.to_owned(), digest: [("sha256".to_owned(), DIGEST.to_owned())].into() }],
        predicate_type: predicate_type.to_owned(),
        predicate,
    });
    vb
}

/// A message-signature bundle signed by [`identity`] carrying extra raw extensions.
pub fn cert_bundle(extensions: &[(&str, Vec<u8>)]) -> VerifiedBundle {
    let mut id = identity();
    for (oid, der) in extensions {
        id.extensions.insert((*oid).to_owned(), der.clone());
    }
    VerifiedBundle {
        media_type: "application/vnd.dev.sigstore.bundle.v0.3+json".to_owned(),
        bundle_version: "0.3",
        content: "message_signature",
        signer: Signer::Certificate { identity: id, ca: "https://fulcio.example".to_owned() },
        artifact_digest: DigestValue { algorithm: "sha256".to_owned(), hex: DIGEST.to_owned() },
        payload_type: None,
        statement: None,
        times: Vec::new(),
        tlog_entries: Vec::new(),
        sealed: Sealed::new(),
    }
}

/// A bundle signed by the policy's managed key number `index`.
pub fn key_bundle(index: usize, name: &str, predicate_type: &str, predicate: serde_json::Value) -> VerifiedBundle {
    let mut vb = bundle(name, predicate_type, predicate);
    vb.signer = Signer::Key { index, key_id: "00".repeat(32), keyid: None, domain: None };
    vb
}
