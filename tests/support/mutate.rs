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
    /// The base64 signature (key hint and signature bytes) on the log's own signature line.
    NoteSignature,
    /// A base64 RFC 3161 `TimeStampResp`; bits index only its signed parts (the TSTInfo, the
    /// signed attributes and the signature), not the unsigned CMS wrapping such as embedded
    /// certificates, which a verifier is right to ignore.
    TimestampSigned,
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
/// `integratedTime` is listed only for entries with a SET, which is what signs it; a Rekor v2
/// entry's integrated time is not covered by anything (its time comes from a timestamp).
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
            Kind::TimestampSigned,
            format!("rfc3161Timestamps[{k}]"),
        ));
    }
    for (i, e) in vm["tlogEntries"].as_array().into_iter().flatten().enumerate() {
        let p = |s: &str| format!("/verificationMaterial/tlogEntries/{i}/{s}");
        let l = |s: &str| format!("tlog[{i}].{s}");
        out.push(field(p("canonicalizedBody"), Kind::Base64, l("canonicalizedBody")));
        out.push(field(p("logId/keyId"), Kind::Base64, l("logId")));
        // The SET signs the log index; without one, the inclusion proof's index must equal it.
        out.push(field(p("logIndex"), Kind::Integer, l("logIndex")));
        if e["inclusionPromise"]["signedEntryTimestamp"].is_string() {
            out.push(field(p("inclusionPromise/signedEntryTimestamp"), Kind::Base64, l("SET")));
            out.push(field(p("integratedTime"), Kind::Integer, l("integratedTime")));
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
        Kind::NoteBody => v.as_str().and_then(Note::parse).map_or(0, |n| n.body.len() * 7),
        Kind::NoteSignature => v.as_str().and_then(Note::parse).map_or(0, |n| unb64(n.signature()).len() * 8),
        Kind::TimestampSigned => {
            v.as_str().map_or(0, |s| signed_ranges(&unb64(s)).iter().map(|r| r.len()).sum::<usize>() * 8)
        }
    }
}

/// (header length, content length) of the DER TLV at the start of `b`.
fn der_header(b: &[u8]) -> Option<(usize, usize)> {
    let first = *b.get(1)?;
    if first < 0x80 {
        return Some((2, first as usize));
    }
    let n = (first & 0x7f) as usize;
    let len = b.get(2..2 + n)?.iter().fold(0usize, |acc, &x| acc << 8 | x as usize);
    Some((2 + n, len))
}

/// The TLVs inside the constructed TLV at `b[at..]`, as (tag, start, header length, content length).
fn children(b: &[u8], at: usize) -> Vec<(u8, usize, usize, usize)> {
    let mut out = Vec::new();
    let Some((hdr, len)) = der_header(&b[at..]) else { return out };
    let (mut pos, end) = (at + hdr, at + hdr + len);
    while pos < end {
        let Some((h, l)) = der_header(&b[pos..]) else { break };
        out.push((b[pos], pos, h, l));
        pos += h + l;
    }
    out
}

/// Byte ranges of a `TimeStampResp` that its TSA signed: the TSTInfo (hashed into the
/// messageDigest attribute), the signed attributes and the signature itself.
pub fn signed_ranges(resp: &[u8]) -> Vec<std::ops::Range<usize>> {
    let find = |b: &[u8], at: usize, i: usize| children(b, at).get(i).copied();
    let walk = || -> Option<Vec<std::ops::Range<usize>>> {
        let token = find(resp, 0, 1)?; // TimeStampResp.timeStampToken (ContentInfo)
        let explicit = find(resp, token.1, 1)?; // [0] EXPLICIT
        let signed_data = find(resp, explicit.1, 0)?;
        let parts = children(resp, signed_data.1);
        let encap = parts.get(2)?;
        let econtent = find(resp, find(resp, encap.1, 1)?.1, 0)?; // [0] EXPLICIT OCTET STRING
        let signer_infos = parts.last()?;
        let si = find(resp, signer_infos.1, 0)?;
        let si_parts = children(resp, si.1);
        let attrs = si_parts.iter().find(|p| p.0 == 0xa0)?;
        let sig = si_parts.iter().find(|p| p.0 == 0x04)?;
        Some(vec![
            econtent.1 + econtent.2..econtent.1 + econtent.2 + econtent.3,
            attrs.1..attrs.1 + attrs.2 + attrs.3,
            sig.1 + sig.2..sig.1 + sig.2 + sig.3,
        ])
    };
    walk().unwrap_or_default()
}

/// A checkpoint note split into its body, its signature lines, and which line is the log's own
/// (its key name starts the origin line; witness cosignatures are not the log's and a verifier
/// is right to ignore them).
struct Note {
    body: String,
    lines: Vec<String>,
    log_line: usize,
}

impl Note {
    fn parse(note: &str) -> Option<Note> {
        let split = note.find("\n\n")? + 1;
        let (body, rest) = note.split_at(split);
        let origin = body.lines().next()?;
        let lines: Vec<String> = rest[1..].lines().map(str::to_owned).collect();
        let log_line = lines.iter().position(|l| {
            let name = l.strip_prefix("\u{2014} ").and_then(|l| l.split(' ').next()).unwrap_or_default();
            !name.is_empty() && (origin == name || origin.starts_with(&format!("{name} ")))
        })?;
        Some(Note { body: body.to_owned(), lines, log_line })
    }

    /// The log's signature, base64.
    fn signature(&self) -> &str {
        self.lines[self.log_line].rsplit(' ').next().unwrap_or_default()
    }

    fn render(&self) -> String {
        format!("{}\n{}\n", self.body, self.lines.join("\n"))
    }
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
        Kind::TimestampSigned => {
            let Some(s) = v.as_str() else { return false };
            let mut b = unb64(s);
            let (mut byte, mut found) = (bit / 8, None);
            for r in signed_ranges(&b) {
                if byte < r.len() {
                    found = Some(r.start + byte);
                    break;
                }
                byte -= r.len();
            }
            let Some(at) = found else { return false };
            b[at] ^= 1 << (bit % 8);
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
            let Some(mut note) = v.as_str().and_then(Note::parse) else { return false };
            if f.kind == Kind::NoteBody {
                let mut bytes = std::mem::take(&mut note.body).into_bytes();
                bytes[bit / 7] ^= 1 << (bit % 7);
                note.body = String::from_utf8(bytes).expect("ASCII stays ASCII");
            } else {
                let mut sig = unb64(note.signature());
                sig[bit / 8] ^= 1 << (bit % 8);
                let line = &note.lines[note.log_line];
                let prefix = &line[..line.rfind(' ').map_or(0, |i| i + 1)];
                note.lines[note.log_line] = format!("{prefix}{}", b64(&sig));
            }
            *v = Value::String(note.render());
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
