//! Single-bit mutations of the signed or proven fields of a bundle's JSON.
//!
//! Every field listed by [`signed_fields`] is covered by a signature or a proof, so flipping any
//! one bit in it must make verification fail. Bits are sampled deterministically (first, last,
//! evenly spaced, plus a fixed-seed spread) to keep runtime small and failures reproducible.

use super::virtual_sigstore::{b64, unb64};
use serde_json::Value;

/// How a field is stored in the bundle JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// base64 bytes; bits index the decoded bytes.
    Base64,
    /// An integer written as a JSON string or number; bits index the value.
    Integer,
    /// The text of a checkpoint note before its blank line; only the low 7 bits of each byte
    /// are flipped, so the text stays ASCII (a JSON string must stay a string).
    NoteBody,
    /// The base64 signature (key hint and signature bytes) on a checkpoint's first signature line.
    NoteSignature,
}

/// One mutable field.
#[derive(Clone, Debug)]
pub struct Field {
    /// JSON pointer into the bundle.
    pub pointer: String,
    /// How it is encoded.
    pub kind: Kind,
    /// A short name for reports (`tlog[0].inclusionProof.hashes[3]`).
    pub label: String,
}

fn field(pointer: String, kind: Kind, label: String) -> Field {
    Field { pointer, kind, label }
}

/// Every signed or proven field present in `bundle`.
///
/// `integratedTime` and `logIndex` are listed only for entries with a SET, which is what signs
/// them; in a Rekor v2 entry they are not covered by anything (the proof's own index is).
pub fn signed_fields(bundle: &Value) -> Vec<Field> {
    let mut out = Vec::new();
    let vm = &bundle["verificationMaterial"];
    if vm["certificate"]["rawBytes"].is_string() {
        out.push(field("/verificationMaterial/certificate/rawBytes".into(), Kind::Base64, "certificate".into()));
    }
    if vm["x509CertificateChain"]["certificates"][0]["rawBytes"].is_string() {
        out.push(field(
            "/verificationMaterial/x509CertificateChain/certificates/0/rawBytes".into(),
            Kind::Base64,
            "certificate (chain[0])".into(),
        ));
    }
    if bundle["messageSignature"]["signature"].is_string() {
        out.push(field("/messageSignature/signature".into(), Kind::Base64, "message signature".into()));
    }
    if bundle["messageSignature"]["messageDigest"]["digest"].is_string() {
        out.push(field("/messageSignature/messageDigest/digest".into(), Kind::Base64, "message digest".into()));
    }
    if bundle["dsseEnvelope"]["payload"].is_string() {
        out.push(field("/dsseEnvelope/payload".into(), Kind::Base64, "DSSE payload".into()));
    }
    if bundle["dsseEnvelope"]["signatures"][0]["sig"].is_string() {
        out.push(field("/dsseEnvelope/signatures/0/sig".into(), Kind::Base64, "DSSE signature".into()));
    }
    for k in 0..vm["timestampVerificationData"]["rfc3161Timestamps"].as_array().map_or(0, Vec::len) {
        out.push(field(
            format!("/verificationMaterial/timestampVerificationData/rfc3161Timestamps/{k}/signedTimestamp"),
            Kind::Base64,
            format!("rfc3161Timestamps[{k}]"),
        ));
    }
    for (i, e) in vm["tlogEntries"].as_array().into_iter().flatten().enumerate() {
        let p = |s: &str| format!("/verificationMaterial/tlogEntries/{i}/{s}");
        let l = |s: &str| format!("tlog[{i}].{s}");
        out.push(field(p("canonicalizedBody"), Kind::Base64, l("canonicalizedBody")));
        out.push(field(p("logId/keyId"), Kind::Base64, l("logId")));
        if e["inclusionPromise"]["signedEntryTimestamp"].is_string() {
            out.push(field(p("inclusionPromise/signedEntryTimestamp"), Kind::Base64, l("SET")));
            out.push(field(p("integratedTime"), Kind::Integer, l("integratedTime")));
            out.push(field(p("logIndex"), Kind::Integer, l("logIndex")));
        }
        let proof = &e["inclusionProof"];
        if proof.is_object() {
            out.push(field(p("inclusionProof/logIndex"), Kind::Integer, l("inclusionProof.logIndex")));
            out.push(field(p("inclusionProof/treeSize"), Kind::Integer, l("inclusionProof.treeSize")));
            out.push(field(p("inclusionProof/rootHash"), Kind::Base64, l("inclusionProof.rootHash")));
            for j in 0..proof["hashes"].as_array().map_or(0, Vec::len) {
                out.push(field(
                    p(&format!("inclusionProof/hashes/{j}")),
                    Kind::Base64,
                    l(&format!("inclusionProof.hashes[{j}]")),
                ));
            }
            if proof["checkpoint"]["envelope"].is_string() {
                out.push(field(p("inclusionProof/checkpoint/envelope"), Kind::NoteBody, l("checkpoint body")));
                out.push(field(
                    p("inclusionProof/checkpoint/envelope"),
                    Kind::NoteSignature,
                    l("checkpoint signature"),
                ));
            }
        }
    }
    out
}

/// How many flippable bits `f` has in `bundle`.
pub fn bit_len(bundle: &Value, f: &Field) -> usize {
    let Some(v) = bundle.pointer(&f.pointer) else { return 0 };
    match f.kind {
        Kind::Base64 => v.as_str().map_or(0, |s| unb64(s).len() * 8),
        // Flipping bit 63 would make the value negative: a parse failure, not a forgery.
        Kind::Integer => 40,
        Kind::NoteBody => v.as_str().and_then(note_parts).map_or(0, |(body, _, _)| body.len() * 7),
        Kind::NoteSignature => v.as_str().and_then(note_parts).map_or(0, |(_, _, sig)| unb64(&sig).len() * 8),
    }
}

/// Splits a note into (body, signature-line prefix up to the base64, first signature base64).
fn note_parts(note: &str) -> Option<(String, String, String)> {
    let split = note.find("\n\n")? + 1;
    let (body, rest) = note.split_at(split);
    let line = rest.strip_prefix('\n')?.lines().next()?;
    let cut = line.rfind(' ')?;
    Some((body.to_owned(), line[..=cut].to_owned(), line[cut + 1..].to_owned()))
}

/// Flips bit `bit` of field `f` in `bundle`; returns false if the field is absent.
pub fn flip(bundle: &mut Value, f: &Field, bit: usize) -> bool {
    let Some(v) = bundle.pointer_mut(&f.pointer) else { return false };
    match f.kind {
        Kind::Base64 => {
            let Some(s) = v.as_str() else { return false };
            let mut b = unb64(s);
            b[bit / 8] ^= 1 << (bit % 8);
            *v = Value::String(b64(&b));
        }
        Kind::Integer => {
            let n: i64 = match v {
                Value::String(s) => s.parse().unwrap_or(0),
                Value::Number(n) => n.as_i64().unwrap_or(0),
                _ => 0,
            };
            *v = Value::String((n ^ (1i64 << bit)).to_string());
        }
        Kind::NoteBody | Kind::NoteSignature => {
            let Some((body, prefix, sig)) = v.as_str().and_then(note_parts) else { return false };
            let note = v.as_str().unwrap_or_default().to_owned();
            let rest = &note[body.len() + 1 + prefix.len() + sig.len()..];
            let (body, sig) = if f.kind == Kind::NoteBody {
                let mut bytes = body.into_bytes();
                bytes[bit / 7] ^= 1 << (bit % 7);
                (String::from_utf8(bytes).expect("ASCII stays ASCII"), sig)
            } else {
                let mut s = unb64(&sig);
                s[bit / 8] ^= 1 << (bit % 8);
                (body, b64(&s))
            };
            *v = Value::String(format!("{body}\n{prefix}{sig}{rest}"));
        }
    }
    true
}

/// Up to `n` distinct bit positions in `0..len`: the first, the last, evenly spaced ones, and a
/// fixed-seed spread (so different fields do not all test the same offsets within a byte).
pub fn sample_bits(len: usize, n: usize, seed: u64) -> Vec<usize> {
    let want = n.min(len);
    let mut out = std::collections::BTreeSet::new();
    if want == 0 {
        return Vec::new();
    }
    out.insert(0);
    out.insert(len - 1);
    let even = want / 2;
    for k in 1..even {
        out.insert(k * len / even);
    }
    let mut x = seed ^ 0x9e37_79b9_7f4a_7c15;
    while out.len() < want {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        out.insert((x >> 33) as usize % len);
    }
    out.into_iter().collect()
}
