//! Token verification against a real Rekor v2 bundle's timestamp, and its mutations.

use super::{check::*, token::*};
use crate::error::Error;
use crate::error::Status;
use crate::limits;
use crate::trust::root::TrustRoot;
use crate::verified::TimeSource;

const CASE: &str = "tests/vectors/conformance--rekor2-happy-path";
/// id-ct-TSTInfo as DER (tag, length, value).
const TST_INFO_OID: &[u8] = &[0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04];
/// The content-type attribute's header and type, which open the signed attributes.
const CONTENT_TYPE_ATTR: &[u8] = &[0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];

fn read(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(CASE).join(name)).unwrap()
}

/// The happy-path token, the signature it covers and its trusted root.
fn fixture() -> (Vec<u8>, Vec<u8>, TrustRoot) {
    let bundle = crate::bundle::Bundle::parse(&read("bundle.sigstore.json")).unwrap();
    let root = TrustRoot::from_json(&read("trusted_root.json")).unwrap();
    (bundle.timestamps[0].clone(), bundle.content.signature().to_vec(), root)
}

fn find(hay: &[u8], needle: &[u8], nth: usize) -> usize {
    hay.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle).nth(nth).map(|(i, _)| i).unwrap()
}

fn refused(token: &[u8], sig: &[u8], root: &TrustRoot) -> Error {
    match check_all(&[token.to_vec()], sig, root) {
        Err(e) => e,
        Ok(c) => panic!("expected a refusal, got {c:?}"),
    }
}

fn assert_refused(token: &[u8], sig: &[u8], root: &TrustRoot, text: &str) {
    let e = refused(token, sig, root);
    assert_eq!(e.status, Status::TimestampInvalid, "{e}");
    assert!(e.message.contains(text), "expected {text:?} in {e}");
    assert_eq!(e.field.as_deref(), Some("verificationMaterial.timestampVerificationData.rfc3161Timestamps[0]"));
}

#[test]
fn happy_token_verifies() {
    let (tok, sig, root) = fixture();
    let times = verify_all(&[tok], &sig, &root).unwrap();
    assert_eq!(times.len(), 1);
    assert_eq!(times[0].utc, "2025-06-12T12:02:20Z");
    assert_eq!(
        times[0].source,
        TimeSource::Timestamp { tsa: "https://timestamp.sigstage.dev/api/v1/timestamp".into() }
    );
    assert_eq!(verify_all(&[], &sig, &root).unwrap(), []);
}

#[test]
fn every_truncation_and_trailing_byte_is_refused() {
    let (tok, sig, root) = fixture();
    for n in 0..tok.len() {
        assert_eq!(refused(&tok[..n], &sig, &root).status, Status::TimestampInvalid, "prefix of {n} bytes");
    }
    let mut longer = tok.clone();
    longer.extend([0x05, 0x00]);
    assert_refused(&longer, &sig, &root, "trailing data");
}

/// No single flipped bit panics, and none inside the signed content or the SignerInfo
/// still verifies. Flips elsewhere may: the response status (granted vs grantedWithMods),
/// the digestAlgorithms hint set, and an embedded certificate's name or serial (it then no
/// longer claims to be the signer, and the root's own copy is used). A flip in the signer
/// identifier names a signer the root does not hold: untrusted, not refused.
#[test]
fn single_bit_flips_never_forge() {
    let (tok, sig, root) = fixture();
    // Layout of this token: encapContentInfo at 50, certificates [0] at 247, signerInfos at
    // 782, the signer identifier from 793 to 876.
    assert_eq!((tok[50], tok[247], tok[782], tok[793], tok[876]), (0x30, 0xa0, 0x31, 0x30, 0x30));
    let signed = |i: usize| (50..247).contains(&i) || i >= 782;
    let sid = 793..876;
    for i in 0..tok.len() {
        let mut t = tok.clone();
        t[i] ^= 0x01;
        match verify_all(&[t], &sig, &root) {
            Ok(times) if !times.is_empty() => assert!(!signed(i), "flip at {i} verified: {times:?}"),
            Ok(_) => assert!(sid.contains(&i), "flip at {i} made the token untrusted instead of refused"),
            Err(e) => assert!(matches!(e.status, Status::TimestampInvalid | Status::LimitExceeded), "{e}"),
        }
    }
}

#[test]
fn garbage_is_refused() {
    let (_, sig, root) = fixture();
    for bad in [&[][..], &[0x30, 0x00], &[0x30, 0x80, 0x00, 0x00], &[0x04, 0x01, 0x00], &[0xff; 64]] {
        assert_eq!(refused(bad, &sig, &root).status, Status::TimestampInvalid, "{bad:02x?}");
    }
}

#[test]
fn oversized_token_is_a_limit() {
    let (_, sig, root) = fixture();
    let big = vec![0u8; limits::MAX_TIMESTAMP_BYTES + 1];
    assert_eq!(refused(&big, &sig, &root).status, Status::LimitExceeded);
}

#[test]
fn wrong_encapsulated_content_type() {
    let (mut tok, sig, root) = fixture();
    let at = find(&tok, TST_INFO_OID, 0) + TST_INFO_OID.len() - 1;
    tok[at] = 0x05;
    assert_refused(&tok, &sig, &root, "encapsulated content type is 1.2.840.113549.1.9.16.1.5");
}

#[test]
fn wrong_signed_content_type() {
    let (mut tok, sig, root) = fixture();
    let at = find(&tok, TST_INFO_OID, 1) + TST_INFO_OID.len() - 1;
    tok[at] = 0x05;
    assert_refused(&tok, &sig, &root, "signed content-type attribute is 1.2.840.113549.1.9.16.1.5");
}

#[test]
fn imprint_of_another_signature() {
    let (tok, mut sig, root) = fixture();
    sig[0] ^= 1;
    assert_refused(&tok, &sig, &root, "but the bundle's signature hashes to");
}

#[test]
fn missing_signed_attributes() {
    let (mut tok, sig, root) = fixture();
    let at = find(&tok, CONTENT_TYPE_ATTR, 0) - 3;
    assert_eq!(tok[at], 0xa0);
    tok[at] = 0xa2;
    assert_refused(&tok, &sig, &root, "no signed attributes");
}

#[test]
fn tst_info_changed_after_signing() {
    let (mut tok, sig, root) = fixture();
    // The TSTInfo serial number, 0x559742c7...
    let at = find(&tok, &[0x02, 0x14, 0x55, 0x97, 0x42, 0xc7], 0) + 2;
    tok[at] ^= 1;
    assert_refused(&tok, &sig, &root, "signed message-digest attribute");
}

#[test]
fn signing_certificate_attribute_names_another_certificate() {
    let (mut tok, sig, root) = fixture();
    // First bytes of ESSCertIDv2.certHash.
    let at = find(&tok, &[0x04, 0x20, 0x06, 0xf4, 0xff, 0xe0], 0) + 2;
    tok[at] ^= 1;
    assert_refused(&tok, &sig, &root, "signing-certificate attribute names a certificate");
}

#[test]
fn bad_cms_signature() {
    let (mut tok, sig, root) = fixture();
    let last = tok.len() - 1;
    tok[last] ^= 1;
    assert_refused(&tok, &sig, &root, "CMS signature does not verify");
}

/// A token embedding a certificate with the trusted signing certificate's issuer and serial
/// but other contents is refused, not quietly checked against the root's copy.
#[test]
fn impostor_embedded_certificate() {
    let (mut tok, sig, root) = fixture();
    // A byte of the embedded certificate's public key (the SPKI starts at 437).
    assert_eq!(&tok[437..441], &[0x30, 0x76, 0x30, 0x10]);
    tok[500] ^= 1;
    assert_refused(&tok, &sig, &root, "is not that certificate");
}

#[test]
fn refused_response_status() {
    let (mut tok, sig, root) = fixture();
    assert_eq!(&tok[6..9], &[0x02, 0x01, 0x00]);
    tok[8] = 2;
    assert_refused(&tok, &sig, &root, "the TSA refused the request");
}

#[test]
fn bare_content_info_is_not_a_response() {
    let (tok, sig, root) = fixture();
    // TimeStampResp header (4) + PKIStatusInfo (5), then the ContentInfo to the end.
    assert_refused(&tok[9..], &sig, &root, "bare ContentInfo");
}

#[test]
fn duplicates_are_refused() {
    let (tok, sig, root) = fixture();
    let e = check_all(&[tok.clone(), tok.clone()], &sig, &root).unwrap_err();
    assert!(e.message.contains("appears twice"), "{e}");
    assert_eq!(e.field.as_deref(), Some("verificationMaterial.timestampVerificationData.rfc3161Timestamps[1]"));
    // grantedWithMods: other bytes, same signed content, so the same token in disguise.
    let mut disguised = tok.clone();
    disguised[8] = 1;
    assert_eq!(verify_all(&[disguised.clone()], &sig, &root).unwrap().len(), 1);
    let e = check_all(&[tok, disguised], &sig, &root).unwrap_err();
    assert!(e.message.contains("same serial number"), "{e}");
}

#[test]
fn no_trusted_tsa_means_untrusted() {
    let (tok, sig, _) = fixture();
    let mut json: serde_json::Value = serde_json::from_slice(&read("trusted_root.json")).unwrap();
    json["timestampAuthorities"] = serde_json::json!([]);
    let root = TrustRoot::from_json(json.to_string().as_bytes()).unwrap();
    let checked = check_all(std::slice::from_ref(&tok), &sig, &root).unwrap();
    assert!(matches!(&checked[..], [Checked::Untrusted(e)] if e.message.contains("serial 0a35a106")), "{checked:?}");
    // An untrusted token is not judged: not even whether it covers this signature.
    assert_eq!(verify_all(&[tok], b"another signature", &root).unwrap(), []);
}

#[test]
fn broken_tsa_chain_refuses_the_root() {
    let mut json: serde_json::Value = serde_json::from_slice(&read("trusted_root.json")).unwrap();
    json["timestampAuthorities"][0]["certChain"]["certificates"].as_array_mut().unwrap().reverse();
    let e = TrustRoot::from_json(json.to_string().as_bytes()).unwrap_err();
    assert_eq!(e.status, Status::TrustedRootInvalid);
    assert!(e.message.contains("timestampAuthorities[0] chain is broken"), "{e}");
}

#[test]
fn validity_windows_are_inclusive() {
    let (tok, sig, _) = fixture();
    let at = "2025-06-12T12:02:20Z";
    for (start, end, ok) in [
        (at, "2030-01-01T00:00:00Z", true),
        ("2025-01-01T00:00:00Z", at, true),
        ("2025-06-12T12:02:21Z", "2030-01-01T00:00:00Z", false),
        ("2025-01-01T00:00:00Z", "2025-06-12T12:02:19Z", false),
    ] {
        let mut json: serde_json::Value = serde_json::from_slice(&read("trusted_root.json")).unwrap();
        json["timestampAuthorities"][0]["validFor"] = serde_json::json!({"start": start, "end": end});
        let root = TrustRoot::from_json(json.to_string().as_bytes()).unwrap();
        match verify_all(std::slice::from_ref(&tok), &sig, &root) {
            Ok(t) => assert!(ok && t.len() == 1, "{start}..{end}"),
            Err(e) => assert!(!ok && e.message.contains("trusted root's validity window"), "{start}..{end}: {e}"),
        }
    }
}

#[test]
fn gen_time_forms() {
    let t = |s: &str| GenTime(s.as_bytes().to_vec()).unix().ok();
    assert_eq!(t("20250612120220Z"), Some(1749729740));
    assert_eq!(t("20250612120220.5Z"), Some(1749729740));
    assert_eq!(t("20250612120220.999999Z"), Some(1749729740));
    assert_eq!(t("19700101000000Z"), Some(0));
    for bad in [
        "",
        "20250612120220",
        "20250612120220.Z",
        "2025061212022Z",
        "20250230120000Z",
        "20251312120000Z",
        "20250612120260Z",
        "20250612120220+0100",
        "2025O612120220Z",
        "20250612120220Zx",
    ] {
        assert_eq!(t(bad), None, "{bad}");
    }
}
