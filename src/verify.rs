//! The prove layer: a parsed [`Bundle`] plus trust material in, a [`VerifiedBundle`] out.
//!
//! Reads top to bottom like the Sigstore client spec's checklist: signer, content and artifact,
//! transparency log, timestamps, verified time, certificate chain and SCT at that time. No policy
//! here: identities, domains and subjects are judged by `policy` over the result.

use crate::artifact::Artifact;
use crate::bundle::{Bundle, Content, Material};
use crate::error::{self, Result};
use crate::trust::keys::{HashAlgorithm, PublicKey};
use crate::trust::keyset::PolicyKey;
use crate::trust::root::TrustRoot;
use crate::trust::timestamp;
use crate::verified::{DigestValue, Sealed, Signer, TimeSource, VerifiedBundle, VerifiedTime};
use crate::x509::chain::EKU_CODE_SIGNING;
use crate::{dsse, intoto, tlog, x509};

/// Largest artifact read into memory for Ed25519 message signatures (the only scheme that needs it).
const MAX_ED25519_ARTIFACT: usize = 256 << 20;
/// Allowed clock skew when rejecting integrated times in the future.
const FUTURE_SKEW_SECS: i64 = 60;

/// Trust inputs and thresholds for one verification.
pub struct Options<'a> {
    /// The trusted root.
    pub root: &'a TrustRoot,
    /// Managed keys the caller accepts (bundles with `publicKey` material), with their windows.
    pub keys: &'a [PolicyKey],
    /// Minimum number of verified transparency-log entries.
    pub tlog_threshold: usize,
    /// Minimum number of verified RFC 3161 timestamps.
    pub timestamp_threshold: usize,
    /// The current time, Unix seconds: only to refuse log times in the future, never for validity.
    pub now: i64,
    /// When set, only policy keys with this keyid may verify a managed-key signature (npm
    /// documents name their registry key); an unknown keyid is `KEY_MISMATCH`.
    pub key_id: Option<&'a str>,
    /// When set, policy keys whose `keyUsage` is another usage are not used.
    pub key_usage: Option<&'a str>,
}

enum SignerKey {
    Cert {
        leaf_der: Vec<u8>,
        cert: Box<x509_cert::Certificate>,
    },
    /// Every policy key the signature verifies under (the same key may be listed once per usage
    /// or window); the first whose window holds a verified time is the signer.
    Managed {
        candidates: Vec<usize>,
    },
}

/// Verifies everything cryptographic about `bundle` for `artifact`.
pub fn verify(bundle: &Bundle, artifact: &Artifact<'_>, opts: &Options<'_>) -> Result<VerifiedBundle> {
    // 1. Signer material and the signature over the content.
    let (signer, digest, statement) = match &bundle.material {
        Material::Certificate { leaf, chain } => {
            check_bundle_chain(leaf, chain, opts.root)?;
            let cert =
                x509::parse(leaf, "signing certificate").map_err(|e| e.at("verificationMaterial.certificate"))?;
            let spki = der::Encode::to_der(&cert.tbs_certificate.subject_public_key_info)
                .map_err(|e| error::certificate(format!("signing certificate key cannot be encoded: {e}")))?;
            let key = PublicKey::from_spki(&spki, None)
                .map_err(|e| error::certificate(format!("signing certificate key: {}", e.message)))?;
            let (digest, statement) = verify_content(&bundle.content, artifact, &key)?;
            (SignerKey::Cert { leaf_der: leaf.clone(), cert: Box::new(cert) }, digest, statement)
        }
        Material::PublicKey { hint } => {
            if opts.keys.is_empty() {
                return Err(error::key_mismatch("the bundle is signed by a managed key, but the policy names no keys"));
            }
            // A hint naming a policy keyid narrows the search to that key; another hint is only a
            // hint (its format is agreed out of band), so every key is tried.
            let hinted: Vec<usize> = match hint.as_deref().filter(|h| !h.is_empty()) {
                Some(h) => (0..opts.keys.len()).filter(|&i| opts.keys[i].key_id.as_deref() == Some(h)).collect(),
                None => Vec::new(),
            };
            let usable = |i: &usize| match (opts.key_usage, opts.keys[*i].usage.as_deref()) {
                (Some(want), Some(have)) => want == have,
                _ => true,
            };
            let order: Vec<usize> = match opts.key_id {
                Some(id) => {
                    let named: Vec<usize> = (0..opts.keys.len())
                        .filter(|&i| opts.keys[i].key_id.as_deref() == Some(id))
                        .filter(usable)
                        .collect();
                    if named.is_empty() {
                        return Err(error::key_mismatch(format!(
                            "the attestation is signed by registry key {id:?}, which is not one of the policy's keys{}",
                            opts.key_usage.map(|u| format!(" with usage {u}")).unwrap_or_default()
                        )));
                    }
                    named
                }
                None if hinted.is_empty() => (0..opts.keys.len()).filter(usable).collect(),
                None => hinted.into_iter().filter(usable).collect(),
            };
            let mut last = None;
            let mut found: Option<(Vec<usize>, Proven)> = None;
            for index in order {
                let key = &opts.keys[index].key;
                if let Some((cands, _)) = found.as_mut() {
                    if opts.keys[cands[0]].key.spki() == key.spki() {
                        cands.push(index);
                    }
                    continue;
                }
                match verify_content(&bundle.content, artifact, key) {
                    Ok(proven) => found = Some((vec![index], proven)),
                    Err(e) => last = Some(e),
                }
            }
            match found {
                Some((candidates, (digest, statement))) => (SignerKey::Managed { candidates }, digest, statement),
                None => {
                    let e = last.unwrap_or_else(|| error::key_mismatch("no key"));
                    // Other failures (artifact digest, malformed statement) keep their status.
                    if e.status != error::Status::SignatureInvalid {
                        return Err(e);
                    }
                    // A signature no policy key verifies: if the log entry names one of the
                    // policy's keys, the signature is broken (crypto); otherwise someone else
                    // signed (identity). The unverified body only picks which refusal.
                    let named: Vec<Vec<u8>> = bundle.tlog_entries.iter().filter_map(tlog::body::named_key).collect();
                    return Err(match opts.keys.iter().position(|k| named.iter().any(|n| n == k.key.spki())) {
                        Some(i) => error::signature(format!(
                            "the log entry names policy key {i} as the signer, but the signature does not verify \
                             under it"
                        )),
                        None => error::key_mismatch(format!(
                            "the bundle is signed by a managed key that is not one of the policy's {} key(s)",
                            opts.keys.len()
                        )),
                    });
                }
            }
        }
    };

    // 2. Transparency log.
    let signer_der: Vec<u8> = match &signer {
        SignerKey::Cert { leaf_der, .. } => leaf_der.clone(),
        SignerKey::Managed { candidates } => opts.keys[candidates[0]].key.spki().to_vec(),
    };
    let ctx = tlog::EntryContext {
        bundle_version: bundle.version,
        content: &bundle.content,
        signer_der: &signer_der,
        signer_is_certificate: matches!(signer, SignerKey::Cert { .. }),
        artifact_digest: (digest.0, &digest.1),
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut entries = Vec::with_capacity(bundle.tlog_entries.len());
    for (i, entry) in bundle.tlog_entries.iter().enumerate() {
        if !seen.insert((entry.log_id.clone(), entry.log_index)) {
            return Err(error::tlog_missing(format!(
                "duplicate transparency-log entry (log index {})",
                entry.log_index
            ))
            .at(format!("verificationMaterial.tlogEntries[{i}]")));
        }
        let fact = tlog::verify_entry(entry, opts.root, &ctx)
            .map_err(|e| e.at(format!("verificationMaterial.tlogEntries[{i}]")))?;
        entries.push(fact);
    }
    if entries.len() < opts.tlog_threshold {
        return Err(error::tlog_missing(format!(
            "at least {} verified transparency-log entr{} required, found {}",
            opts.tlog_threshold,
            if opts.tlog_threshold == 1 { "y is" } else { "ies are" },
            entries.len()
        ))
        .at("verificationMaterial.tlogEntries"));
    }

    // 3. Verified times: SET-backed integrated times and RFC 3161 timestamps.
    let mut times = Vec::new();
    for fact in &entries {
        if let Some(t) = fact.integrated_time {
            if t > opts.now + FUTURE_SKEW_SECS {
                return Err(error::no_verified_time(format!(
                    "log entry {} has an integrated time in the future ({}, now {})",
                    fact.log_index,
                    crate::time::format_rfc3339(t),
                    crate::time::format_rfc3339(opts.now)
                )));
            }
            times.push(VerifiedTime::new(TimeSource::Tlog { log: fact.log.clone(), log_index: fact.log_index }, t));
        }
    }
    let checked = timestamp::check_all(&bundle.timestamps, bundle.content.signature(), opts.root)?;
    // Why tokens were skipped, for the messages below when no verified time is left.
    let skipped = checked
        .iter()
        .find_map(|c| match c {
            timestamp::Checked::Untrusted(e) => Some(format!(" (the bundle has one, but {})", e.message)),
            timestamp::Checked::Verified(_) => None,
        })
        .unwrap_or_default();
    let ts_times: Vec<VerifiedTime> = checked.into_iter().filter_map(timestamp::Checked::verified).collect();
    if ts_times.len() < opts.timestamp_threshold {
        return Err(error::timestamp(format!(
            "the policy requires at least {} verified RFC 3161 timestamp{}, found {}{skipped}",
            opts.timestamp_threshold,
            if opts.timestamp_threshold == 1 { "" } else { "s" },
            ts_times.len()
        )));
    }
    let ts_unix: Vec<i64> = ts_times.iter().map(|t| t.unix).collect();
    tlog::check_key_windows(&entries, opts.root, &ts_unix)?;
    let has_v2 = entries.iter().any(|e| e.integrated_time.is_none() && !e.promise);
    if has_v2 && ts_times.is_empty() {
        return Err(error::no_verified_time(format!(
            "log entries without a signed entry timestamp (Rekor v2, or Rekor v1 with only an inclusion proof) \
             carry no signed time; the bundle needs an RFC 3161 timestamp{skipped}"
        )));
    }
    times.extend(ts_times);
    if times.is_empty() {
        return Err(error::no_verified_time(format!(
            "no verified time: neither a log entry with a signed entry timestamp nor an RFC 3161 timestamp{skipped}"
        )));
    }

    // 4. Certificate chain and SCT at the verified times.
    let signer = match signer {
        SignerKey::Cert { leaf_der, cert, .. } => {
            let at: Vec<i64> = times.iter().map(|t| t.unix).collect();
            let chained = opts.root.fulcio.verify_leaf(&leaf_der, &at, EKU_CODE_SIGNING)?;
            x509::sct::verify(&cert, &leaf_der, chained.issuer_spki, opts.root)?;
            Signer::Certificate { identity: x509::claims::identity(&cert)?, ca: chained.ca_uri.to_owned() }
        }
        SignerKey::Managed { candidates } => {
            // A registry key signs only inside its window: checked at the verified times, never
            // against "now" (npm's first key stopped signing on 2025-01-29; what it signed before
            // stays valid).
            let at: Vec<i64> = times.iter().map(|t| t.unix).collect();
            let Some(&index) = candidates.iter().find(|&&i| at.iter().any(|&t| opts.keys[i].valid_at(t))) else {
                let k = &opts.keys[candidates[0]];
                let w = k.valid_for.unwrap_or_default();
                let end = |t: Option<i64>| t.map_or("open".to_owned(), crate::time::format_rfc3339);
                return Err(error::key_mismatch(format!(
                    "policy key {}{} verifies the signature, but it is valid from {} to {} and the signature's \
                     verified time is {}",
                    candidates[0],
                    k.key_id.as_deref().map(|i| format!(" ({i})")).unwrap_or_default(),
                    end(w.start),
                    end(w.end),
                    at.iter().map(|&t| crate::time::format_rfc3339(t)).collect::<Vec<_>>().join(", ")
                )));
            };
            let k = &opts.keys[index];
            Signer::Key {
                index,
                key_id: crate::json::hex(&k.key.key_id()),
                keyid: k.key_id.clone(),
                domain: k.domain.clone(),
            }
        }
    };

    let (content, payload_type) = match &bundle.content {
        Content::MessageSignature { .. } => ("message_signature", None),
        Content::Dsse(env) => ("dsse", Some(env.payload_type.clone())),
    };
    Ok(VerifiedBundle {
        media_type: bundle.media_type.clone(),
        bundle_version: bundle.version.as_str(),
        content,
        signer,
        artifact_digest: DigestValue { algorithm: digest.0.name().to_owned(), hex: crate::json::hex(&digest.1) },
        payload_type,
        statement,
        times,
        tlog_entries: entries,
        sealed: Sealed::new(),
    })
}

type Proven = ((HashAlgorithm, Vec<u8>), Option<crate::verified::Statement>);

/// Verifies the signature over the content and binds the artifact to it.
fn verify_content(content: &Content, artifact: &Artifact<'_>, key: &PublicKey) -> Result<Proven> {
    match content {
        Content::MessageSignature { digest, signature } => {
            let alg = match (digest, key.hash()) {
                (Some((a, _)), _) => *a,
                (None, Some(h)) => h,
                (None, None) => HashAlgorithm::Sha256,
            };
            let actual = artifact.digest(alg)?;
            if let Some((_, claimed)) = digest {
                if *claimed != actual {
                    return Err(error::artifact_mismatch(format!(
                        "the bundle signs {} {}, the artifact's is {}",
                        alg.name(),
                        crate::json::hex(claimed),
                        crate::json::hex(&actual)
                    ))
                    .at("messageSignature.messageDigest"));
                }
            }
            let ok = if key.hash().is_none() {
                key.verify(&artifact.bytes(MAX_ED25519_ARTIFACT)?, signature)
            } else {
                key.verify_prehashed(alg, &actual, signature)
            };
            if !ok {
                return Err(error::signature(
                    "the message signature does not verify over the artifact with the signing key",
                )
                .at("messageSignature.signature"));
            }
            Ok(((alg, actual), None))
        }
        Content::Dsse(env) => {
            let sig = &env.signatures[0].sig;
            if !key.verify(&dsse::pae(&env.payload_type, &env.payload), sig) {
                return Err(error::signature("the DSSE signature does not verify over the envelope's PAE")
                    .at("dsseEnvelope.signatures[0].sig"));
            }
            if env.payload_type != dsse::IN_TOTO_PAYLOAD_TYPE {
                return Err(error::unsupported(format!(
                    "DSSE payload type {:?} is not {}",
                    env.payload_type,
                    dsse::IN_TOTO_PAYLOAD_TYPE
                ))
                .at("dsseEnvelope.payloadType"));
            }
            let st = intoto::parse(&env.payload)?;
            let alg = intoto::subject_algorithm(&st, |a| artifact.has(a)).ok_or_else(|| {
                error::artifact_mismatch("no statement subject carries a digest the artifact can be checked against")
                    .at("dsseEnvelope.payload.subject")
            })?;
            let actual = artifact.digest(alg)?;
            if intoto::matching_subjects(&st, alg, &actual).is_empty() {
                return Err(error::artifact_mismatch(format!(
                    "no statement subject has the artifact's {} digest {}",
                    alg.name(),
                    crate::json::hex(&actual)
                ))
                .at("dsseEnvelope.payload.subject"));
            }
            Ok(((alg, actual), Some(st)))
        }
    }
}

/// Checks the certificates a v0.1/v0.2 bundle ships after its leaf.
///
/// Only the leaf is used for verification: anchors come from the trusted root alone. But a chain
/// that is not the trusted CA chain, in issuing order, is refused rather than ignored: it is
/// either a confused signer or an attempt to smuggle in another anchor. Real npm bundles ship
/// `[leaf, intermediate, root]` exactly as the trusted root has them, and are accepted; the
/// conformance suite's `[leaf, root, intermediate]` is refused (`bundle-with-root-cert_fail`).
fn check_bundle_chain(leaf: &[u8], chain: &[Vec<u8>], root: &TrustRoot) -> Result<()> {
    let mut issued = x509::parse(leaf, "signing certificate")?;
    for (i, der_bytes) in chain.iter().enumerate() {
        let field = format!("verificationMaterial.x509CertificateChain.certificates[{}]", i + 1);
        let cert = x509::parse(der_bytes, "chain certificate").map_err(|e| e.at(field.clone()))?;
        if issued.tbs_certificate.issuer != cert.tbs_certificate.subject {
            return Err(error::certificate(format!(
                "the bundle's certificate chain is out of order: certificate {} did not issue certificate {i}",
                i + 1
            ))
            .at(field));
        }
        if !root.cas.iter().any(|ca| ca.chain.iter().any(|c| c == der_bytes)) {
            return Err(error::certificate(format!(
                "the bundle's certificate chain carries certificate {} that is not in the trusted root",
                i + 1
            ))
            .at(field));
        }
        issued = cert;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain_of(case: &str) -> (Vec<u8>, Vec<Vec<u8>>) {
        let p = format!("{}/tests/vectors/{case}/bundle.sigstore.json", env!("CARGO_MANIFEST_DIR"));
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).expect("vector")).expect("json");
        let certs = v["verificationMaterial"]["x509CertificateChain"]["certificates"].as_array().expect("chain");
        let mut der: Vec<Vec<u8>> =
            certs.iter().map(|c| crate::json::b64decode(c["rawBytes"].as_str().expect("b64")).expect("der")).collect();
        let leaf = der.remove(0);
        (leaf, der)
    }

    #[test]
    fn a_root_out_of_order_in_the_bundle_chain_is_refused() {
        let root = TrustRoot::production().expect("root");
        let (leaf, chain) = chain_of("conformance--bundle-with-root-cert_fail");
        let e = check_bundle_chain(&leaf, &chain, &root).expect_err("misordered chain with a root");
        assert_eq!(e.status, error::Status::CertificateInvalid);
        assert!(e.message.contains("out of order"), "{}", e.message);
    }

    #[test]
    fn the_trusted_chain_in_order_is_accepted_and_a_foreign_one_refused() {
        let root = TrustRoot::production().expect("root");
        let (leaf, chain) = chain_of("sigstore-go--examples-npm-provenance-sigstore-1.3.0");
        check_bundle_chain(&leaf, &chain, &root).expect("npm's [leaf, intermediate, root]");
        // The same chain judged against a root that does not hold those CA certificates.
        let staging = TrustRoot::staging().expect("staging");
        let e = check_bundle_chain(&leaf, &chain, &staging).expect_err("not in the trusted root");
        assert!(e.message.contains("not in the trusted root"), "{}", e.message);
    }
}
