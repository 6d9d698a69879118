//! Signed checkpoints: a C2SP signed note whose text is a C2SP tlog-checkpoint.
//!
//! ```text
//! <origin>
//! <tree size>
//! <base64 root hash>
//! [extension lines]
//!
//! — <key name> base64(4-byte key ID || signature)
//! ```
//!
//! A note may carry signatures from many keys (the log, witnesses, a rotated key). Per the
//! signed-note spec, signatures from unknown keys are ignored; every signature that claims to be
//! from the log's key (by key ID) must verify, and at least one must exist.

use crate::error::{self, Result};
use crate::limits;
use crate::trust::keys::{PublicKey, Scheme};
use crate::trust::root::LogInstance;
use aws_lc_rs::digest;
use base64::Engine as _;

/// The signature-line prefix: EM DASH (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";
/// signed-note signature type byte for Ed25519.
const SIG_TYPE_ED25519: u8 = 0x01;
/// signed-note "other" signature type byte, followed by rekor-tiles' identifier for RSA keys.
const SIG_TYPE_OTHER: u8 = 0xff;
const RSA_TYPE_ID: &[u8] = b"PKIX-RSA-PKCS#1v1.5";

/// One signature line of a signed note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The 4-byte key ID (hint).
    pub key_id: [u8; 4],
    /// The signature bytes after the key ID.
    pub signature: Vec<u8>,
}

/// A signed note split into its text and signature lines (nothing verified yet).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedNote<'a> {
    /// The signed text, including its final newline.
    pub text: &'a str,
    /// The signature lines, in order.
    pub signatures: Vec<NoteSignature>,
}

/// A checkpoint's text: the log's commitment to a tree head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line.
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The Merkle root hash.
    pub root_hash: Vec<u8>,
    /// Opaque extension lines (Rekor v1 writes `Timestamp: ...`).
    pub extensions: Vec<String>,
}

fn std_b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

/// Splits a signed note into text and signature lines.
pub fn parse_note(envelope: &str) -> Result<SignedNote<'_>> {
    if let Some(c) = envelope.chars().find(|c| (*c as u32) < 0x20 && *c != '\n') {
        return Err(error::checkpoint(format!(
            "the checkpoint contains the control character U+{:04X}; only newlines are allowed",
            c as u32
        )));
    }
    if !envelope.ends_with('\n') {
        return Err(error::checkpoint("the checkpoint does not end with a newline"));
    }
    // The text is separated from the signatures by the last blank line.
    let sep = envelope
        .rfind("\n\n")
        .ok_or_else(|| error::checkpoint("the checkpoint has no blank line separating its text from signatures"))?;
    let text = &envelope[..sep + 1];
    let sig_block = &envelope[sep + 2..];
    let lines: Vec<&str> = sig_block.lines().collect();
    if lines.is_empty() {
        return Err(error::checkpoint("the checkpoint has no signature lines"));
    }
    limits::check("checkpoint signatures", limits::MAX_NOTE_SIGNATURES, lines.len())?;
    let signatures = lines.iter().enumerate().map(|(i, l)| parse_signature_line(i, l)).collect::<Result<Vec<_>>>()?;
    Ok(SignedNote { text, signatures })
}

fn parse_signature_line(i: usize, line: &str) -> Result<NoteSignature> {
    let bad = |why: &str| error::checkpoint(format!("checkpoint signature line {} {why}: {line:?}", i + 1));
    let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(|| bad("does not start with an em dash and a space"))?;
    let (name, b64) = rest.split_once(' ').ok_or_else(|| bad("has no space between key name and signature"))?;
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(bad("has an empty key name or one with spaces or '+'"));
    }
    let raw = std_b64(b64).ok_or_else(|| bad("has a signature that is not standard base64"))?;
    let (id, sig) = raw.split_at_checked(4).ok_or_else(|| bad("has a signature shorter than its 4-byte key ID"))?;
    if sig.is_empty() {
        return Err(bad("has an empty signature"));
    }
    let mut key_id = [0u8; 4];
    key_id.copy_from_slice(id);
    Ok(NoteSignature { name: name.to_owned(), key_id, signature: sig.to_vec() })
}

/// Parses a checkpoint text (origin, tree size, root hash, extension lines).
pub fn parse_checkpoint(text: &str) -> Result<Checkpoint> {
    let body =
        text.strip_suffix('\n').ok_or_else(|| error::checkpoint("the checkpoint text does not end with a newline"))?;
    let lines: Vec<&str> = body.split('\n').collect();
    if lines.len() < 3 {
        return Err(error::checkpoint(format!(
            "a checkpoint needs an origin, a tree size and a root hash line, found {} line(s)",
            lines.len()
        )));
    }
    if let Some(i) = lines.iter().position(|l| l.is_empty()) {
        return Err(error::checkpoint(format!("checkpoint line {} is empty", i + 1)));
    }
    let origin = lines[0];
    let size_s = lines[1];
    let size_ok = size_s.bytes().all(|b| b.is_ascii_digit()) && (size_s == "0" || !size_s.starts_with('0'));
    let size = size_s.parse::<u64>().ok().filter(|_| size_ok).ok_or_else(|| {
        error::checkpoint(format!("checkpoint line 2 must be the tree size in decimal, found {size_s:?}"))
    })?;
    let root_hash = std_b64(lines[2]).filter(|h| h.len() == super::merkle::HASH_LEN).ok_or_else(|| {
        error::checkpoint(format!("checkpoint line 3 must be a base64 SHA-256 root hash, found {:?}", lines[2]))
    })?;
    Ok(Checkpoint {
        origin: origin.to_owned(),
        size,
        root_hash,
        extensions: lines[3..].iter().map(|l| (*l).to_owned()).collect(),
    })
}

/// The key IDs under which `key` may sign a note as `name`.
///
/// Rekor v1 and rekor-tiles' ECDSA keys use the first four bytes of SHA-256 over the DER SPKI
/// (no name). Ed25519 uses the signed-note recommendation `SHA-256(name || 0x0A || 0x01 ||
/// key)[:4]`; rekor-tiles' RSA keys use type `0xff` followed by an identifier and the DER SPKI.
pub fn key_ids(key: &PublicKey, name: &str) -> Vec<[u8; 4]> {
    let first4 = |d: &[u8]| -> [u8; 4] {
        let mut out = [0u8; 4];
        out.copy_from_slice(&d[..4]);
        out
    };
    let named = |type_bytes: &[&[u8]]| {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(name.as_bytes());
        ctx.update(b"\n");
        for b in type_bytes {
            ctx.update(b);
        }
        first4(ctx.finish().as_ref())
    };
    match key.scheme() {
        Scheme::Ecdsa(..) => vec![first4(&key.key_id())],
        Scheme::Ed25519 => match ed25519_raw(key.spki()) {
            Some(raw) => vec![named(&[&[SIG_TYPE_ED25519], &raw])],
            None => Vec::new(),
        },
        Scheme::RsaPkcs1(_) | Scheme::RsaPss(_) => {
            vec![named(&[&[SIG_TYPE_OTHER], RSA_TYPE_ID, key.spki()]), first4(&key.key_id())]
        }
    }
}

fn ed25519_raw(spki: &[u8]) -> Option<Vec<u8>> {
    use der::Decode as _;
    let info = x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(spki).ok()?;
    Some(info.subject_public_key.as_bytes()?.to_vec())
}

/// Verifies `envelope` is a checkpoint signed by `log` that commits to exactly the tree
/// (`tree_size`, `root_hash`) the inclusion proof was checked against.
pub fn verify(envelope: &str, log: &LogInstance, tree_size: i64, root_hash: &[u8]) -> Result<Checkpoint> {
    let note = parse_note(envelope)?;
    let checkpoint = parse_checkpoint(note.text)?;

    let declared = log.checkpoint_key_id.as_deref().and_then(|k| k.get(..4));
    let mut candidates = 0usize;
    for (i, s) in note.signatures.iter().enumerate() {
        let known = declared == Some(&s.key_id[..]) || key_ids(&log.key, &s.name).contains(&s.key_id);
        if !known {
            continue;
        }
        candidates += 1;
        if !log.key.verify(note.text.as_bytes(), &s.signature) {
            return Err(error::checkpoint(format!(
                "checkpoint signature {} (\"{}\", key ID {}) claims to be from the log {} but does not verify",
                i + 1,
                s.name,
                crate::json::hex(&s.key_id),
                log.base_url
            )));
        }
    }
    if candidates == 0 {
        let found: Vec<String> =
            note.signatures.iter().map(|s| format!("\"{}\" {}", s.name, crate::json::hex(&s.key_id))).collect();
        return Err(error::checkpoint(format!(
            "the checkpoint has no signature from the log {} (expected key ID {}); found {}",
            log.base_url,
            expected_hint_text(log, &checkpoint.origin),
            found.join(", ")
        )));
    }

    if u64::try_from(tree_size).ok() != Some(checkpoint.size) {
        return Err(error::checkpoint(format!(
            "the checkpoint is for tree size {}, the inclusion proof for {tree_size}",
            checkpoint.size
        )));
    }
    if checkpoint.root_hash != root_hash {
        return Err(error::checkpoint(format!(
            "the checkpoint's root hash is {}, the inclusion proof's is {}",
            crate::json::hex(&checkpoint.root_hash),
            crate::json::hex(root_hash)
        )));
    }
    Ok(checkpoint)
}

fn expected_hint_text(log: &LogInstance, origin: &str) -> String {
    let ids: Vec<String> = key_ids(&log.key, origin).iter().map(|k| crate::json::hex(k)).collect();
    if ids.is_empty() { "unknown".to_owned() } else { ids.join(" or ") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;
    use crate::time::Window;
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::Ed25519KeyPair;

    const ROOT_B64: &str = "rs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=";

    fn b64(b: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    struct Ed {
        pair: Ed25519KeyPair,
        log: LogInstance,
    }

    fn ed_log() -> Ed {
        let (pair, log) = crate::tlog::test_ed25519_log(Window::default());
        Ed { pair, log }
    }

    fn ed_sign(ed: &Ed, name: &str, text: &str) -> String {
        let id = key_ids(&ed.log.key, name)[0];
        let mut raw = id.to_vec();
        raw.extend_from_slice(ed.pair.sign(text.as_bytes()).as_ref());
        format!("\u{2014} {name} {}\n", b64(&raw))
    }

    fn text(origin: &str, size: u64) -> String {
        format!("{origin}\n{size}\n{ROOT_B64}\n")
    }

    fn root() -> Vec<u8> {
        std_b64(ROOT_B64).unwrap()
    }

    #[test]
    fn ed25519_key_id_follows_signed_note() {
        // The Rekor v2 staging log (log2025-alpha1): its C2SP key ID, as seen in real checkpoints.
        let spki = std_b64("MCowBQYDK2VwAyEAPn+AREHoBaZ7wgS1zBqpxmLSGnyhxXj4lFxSdWVB8o8=").unwrap();
        let key = PublicKey::from_spki(&spki, Some("PKIX_ED25519")).unwrap();
        assert_eq!(key_ids(&key, "log2025-alpha1.rekor.sigstage.dev"), vec![[0xf3, 0x0d, 0x5a, 0x99]]);
        assert_ne!(key_ids(&key, "log2025-alpha1.rekor.github.dev"), vec![[0xf3, 0x0d, 0x5a, 0x99]]);
    }

    #[test]
    fn ecdsa_key_id_is_the_spki_hash() {
        // Rekor v1 production: checkpoints are signed with key ID c0d23d6a (= log ID prefix).
        let spki = std_b64("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==").unwrap();
        let key = PublicKey::from_spki(&spki, None).unwrap();
        assert_eq!(key_ids(&key, "anything"), vec![[0xc0, 0xd2, 0x3d, 0x6a]]);
    }

    #[test]
    fn verifies_a_log_signed_checkpoint() {
        let ed = ed_log();
        let t = text("log.example", 736);
        let env = format!("{t}\n{}", ed_sign(&ed, "log.example", &t));
        let cp = verify(&env, &ed.log, 736, &root()).unwrap();
        assert_eq!(cp.origin, "log.example");
        assert_eq!(cp.size, 736);
        assert!(cp.extensions.is_empty());
    }

    #[test]
    fn ignores_cosignatures_and_other_keys_in_any_order() {
        let ed = ed_log();
        let witness = ed_log();
        let t = text("log.example", 736);
        let log_sig = ed_sign(&ed, "log.example", &t);
        let w_sig = ed_sign(&witness, "witness.example", &t);
        // Same name as the log, but another key: unknown, so ignored.
        let same_name_other_key = ed_sign(&witness, "log.example", &t);
        for sigs in
            [format!("{log_sig}{w_sig}"), format!("{w_sig}{log_sig}"), format!("{log_sig}{same_name_other_key}{w_sig}")]
        {
            let env = format!("{t}\n{sigs}");
            verify(&env, &ed.log, 736, &root()).unwrap_or_else(|e| panic!("{sigs}: {e}"));
        }
    }

    #[test]
    fn extension_lines_are_signed_and_kept() {
        let ed = ed_log();
        let t = format!("log.example\n5\n{ROOT_B64}\nTimestamp: 1689177396617352539\n");
        let env = format!("{t}\n{}", ed_sign(&ed, "log.example", &t));
        let cp = verify(&env, &ed.log, 5, &root()).unwrap();
        assert_eq!(cp.extensions, vec!["Timestamp: 1689177396617352539".to_owned()]);
    }

    #[test]
    fn rejects_without_a_log_signature() {
        let ed = ed_log();
        let witness = ed_log();
        let t = text("log.example", 736);
        for env in [format!("{t}\n"), format!("{t}\n{}", ed_sign(&witness, "witness.example", &t))] {
            let e = verify(&env, &ed.log, 736, &root()).unwrap_err();
            assert_eq!(e.status, Status::TlogCheckpoint, "{env}");
        }
        // Signed under another name: the key ID differs, so it is not the log's signature.
        let other = text("log.other", 736);
        let env = format!("{other}\n{}", ed_sign(&ed, "log.other", &other));
        assert!(verify(&env, &ed.log, 736, &root()).is_ok(), "the same key under another name is still the key");
        let mut sig_line = ed_sign(&ed, "log.example", &t);
        sig_line = sig_line.replace("log.example", "log.other");
        let env = format!("{t}\n{sig_line}");
        let e = verify(&env, &ed.log, 736, &root()).unwrap_err();
        assert!(e.message.contains("no signature from the log"), "{}", e.message);
    }

    #[test]
    fn rejects_a_bad_signature_with_the_logs_key_id() {
        let ed = ed_log();
        let t = text("log.example", 736);
        let good = ed_sign(&ed, "log.example", &t);
        // Signature over different text, presented with the right key ID.
        let forged = ed_sign(&ed, "log.example", &text("log.example", 737));
        for sigs in [forged.clone(), format!("{good}{forged}")] {
            let env = format!("{t}\n{sigs}");
            let e = verify(&env, &ed.log, 736, &root()).unwrap_err();
            assert_eq!(e.status, Status::TlogCheckpoint);
            assert!(e.message.contains("does not verify"), "{}", e.message);
        }
    }

    #[test]
    fn rejects_a_checkpoint_for_another_tree() {
        let ed = ed_log();
        let t = text("log.example", 736);
        let env = format!("{t}\n{}", ed_sign(&ed, "log.example", &t));
        let e = verify(&env, &ed.log, 735, &root()).unwrap_err();
        assert!(e.message.contains("tree size 736"), "{}", e.message);
        let mut other_root = root();
        other_root[0] ^= 1;
        let e = verify(&env, &ed.log, 736, &other_root).unwrap_err();
        assert!(e.message.contains("root hash"), "{}", e.message);
    }

    #[test]
    fn ecdsa_checkpoints_verify() {
        let rng = SystemRandom::new();
        let (pair, log) = crate::tlog::test_ecdsa_log(Window::default());
        let t = format!("rekor.example - 123\n9\n{ROOT_B64}\nTimestamp: 1\n");
        let mut raw = log.key.key_id()[..4].to_vec();
        raw.extend_from_slice(pair.sign(&rng, t.as_bytes()).unwrap().as_ref());
        let env = format!("{t}\n\u{2014} rekor.example {}\n", b64(&raw));
        verify(&env, &log, 9, &root()).unwrap();
        // One flipped bit of key ID: no longer the log's signature.
        raw[0] ^= 1;
        let env = format!("{t}\n\u{2014} rekor.example {}\n", b64(&raw));
        assert!(verify(&env, &log, 9, &root()).unwrap_err().message.contains("no signature from the log"));
    }

    #[test]
    fn rejects_every_malformed_text() {
        let bad = [
            ("missing origin", format!("736\n{ROOT_B64}\n")),
            ("missing size", format!("log.example\n{ROOT_B64}\n")),
            ("missing root", "log.example\n736\n".to_owned()),
            ("size not decimal", format!("log.example\nx736\n{ROOT_B64}\n")),
            ("size leading zero", format!("log.example\n0736\n{ROOT_B64}\n")),
            ("size negative", format!("log.example\n-1\n{ROOT_B64}\n")),
            ("size overflow", format!("log.example\n99999999999999999999\n{ROOT_B64}\n")),
            ("root not base64", "log.example\n736\nnot base64!\n".to_owned()),
            ("root wrong length", "log.example\n736\nAAAA\n".to_owned()),
            ("empty origin", format!("\n736\n{ROOT_B64}\n")),
            ("empty extension", format!("log.example\n736\n{ROOT_B64}\n\nx\n")),
            ("no final newline", format!("log.example\n736\n{ROOT_B64}")),
        ];
        for (what, t) in bad {
            let e = parse_checkpoint(&t).unwrap_err();
            assert_eq!(e.status, Status::TlogCheckpoint, "{what}");
        }
        assert_eq!(parse_checkpoint(&format!("o\n0\n{ROOT_B64}\n")).unwrap().size, 0);
    }

    #[test]
    fn rejects_every_malformed_note() {
        let t = text("log.example", 1);
        let sig = format!("\u{2014} log.example {}", b64(&[1, 2, 3, 4, 5, 6]));
        let bad = [
            ("no separator", format!("{t}{sig}\n")),
            ("no signatures", format!("{t}\n")),
            ("no final newline", format!("{t}\n{sig}")),
            ("hyphen not em dash", format!("{t}\n- log.example {}\n", b64(&[1, 2, 3, 4, 5]))),
            ("no space after dash", format!("{t}\n\u{2014}log.example {}\n", b64(&[1, 2, 3, 4, 5]))),
            ("no signature", format!("{t}\n\u{2014} log.example\n")),
            ("empty name", format!("{t}\n\u{2014}  {}\n", b64(&[1, 2, 3, 4, 5]))),
            ("plus in name", format!("{t}\n\u{2014} a+b {}\n", b64(&[1, 2, 3, 4, 5]))),
            ("bad base64", format!("{t}\n\u{2014} log.example ###\n")),
            ("url-safe base64", format!("{t}\n\u{2014} log.example {}\n", "-_-_-_-_")),
            ("only key id", format!("{t}\n\u{2014} log.example {}\n", b64(&[1, 2, 3, 4]))),
            ("short key id", format!("{t}\n\u{2014} log.example {}\n", b64(&[1, 2, 3]))),
            ("control char", format!("{t}\n{sig}\r\n")),
            ("blank line among signatures", format!("{t}\n{sig}\n\n{sig}\n")),
        ];
        for (what, env) in bad {
            let r = parse_note(&env).and_then(|n| parse_checkpoint(n.text).map(|_| n));
            let e = r.expect_err(what);
            assert_eq!(e.status, Status::TlogCheckpoint, "{what}: {e}");
        }
        let many: String = (0..=limits::MAX_NOTE_SIGNATURES).map(|_| format!("{sig}\n")).collect();
        assert_eq!(parse_note(&format!("{t}\n{many}")).unwrap_err().status, Status::LimitExceeded);
        let env = format!("{t}\n{sig}\n");
        let ok = parse_note(&env).unwrap();
        assert_eq!(ok.text, t);
        assert_eq!(ok.signatures[0].key_id, [1, 2, 3, 4]);
        assert_eq!(ok.signatures[0].signature, vec![5, 6]);
    }
}
