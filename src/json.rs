//! JSON input helpers: bounded parsing and protobuf-JSON scalar forms.

use crate::error::{Error, Result, Status};
use crate::limits;
use base64::Engine as _;
use serde::Deserialize;
use serde::de::{self, Deserializer};

/// Rejects input nested deeper than [`limits::MAX_JSON_DEPTH`] before serde sees it.
///
/// serde_json has its own recursion guard (128), but a smaller bound of our own keeps every
/// input's worst case predictable and gives a `LIMIT_EXCEEDED` instead of a parse error.
pub fn check_depth(bytes: &[u8]) -> Result<()> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limits::MAX_JSON_DEPTH {
                    return Err(limits::exceeded("JSON nesting depth", limits::MAX_JSON_DEPTH, depth));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Parses `bytes` as `T` after the size and depth checks; `status` is used for syntax errors.
pub fn parse<T: for<'de> Deserialize<'de>>(bytes: &[u8], max: usize, what: &str, status: Status) -> Result<T> {
    limits::check(what, max, bytes.len())?;
    check_depth(bytes)?;
    serde_json::from_slice(bytes).map_err(|e| Error::new(status, format!("{what} is not valid: {e}")))
}

/// Standard base64 with padding, as protobuf JSON writes `bytes`; URL-safe and unpadded forms are
/// also accepted because protobuf JSON parsers accept them.
///
/// Line breaks are skipped, as Go's and Python's decoders (and so sigstore-go and sigstore-python)
/// skip them: PEM-style wrapped base64 appears in real bundles.
pub fn b64decode(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    if let Ok(v) = STANDARD.decode(s) {
        return Some(v);
    }
    let unwrapped: Vec<u8>;
    let s = if s.bytes().any(|b| b == b'\n' || b == b'\r') {
        unwrapped = s.bytes().filter(|b| *b != b'\n' && *b != b'\r').collect();
        unwrapped.as_slice()
    } else {
        s.as_bytes()
    };
    STANDARD
        .decode(s)
        .or_else(|_| STANDARD_NO_PAD.decode(s))
        .or_else(|_| URL_SAFE.decode(s))
        .or_else(|_| URL_SAFE_NO_PAD.decode(s))
        .ok()
}

/// Standard base64 encoding.
pub fn b64encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Decodes hex (either case); `None` on odd length or a non-hex digit.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    if s.len() % 2 != 0 {
        return None;
    }
    fn nib(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    s.chunks(2).map(|p| Some(nib(p[0])? << 4 | nib(p[1])?)).collect()
}

/// Bytes written as base64 in JSON (protobuf `bytes`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct B64(pub Vec<u8>);

impl<'de> Deserialize<'de> for B64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        b64decode(&s).map(B64).ok_or_else(|| de::Error::custom("invalid base64"))
    }
}

/// A protobuf int64: JSON number or decimal string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct I64(pub i64);

impl<'de> Deserialize<'de> for I64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        // A visitor rather than an untagged enum: serde's untagged enums buffer the value and
        // format an error for each variant that does not fit, on the hot path of every bundle.
        struct V;
        impl de::Visitor<'_> for V {
            type Value = I64;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an integer or a decimal string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<I64, E> {
                Ok(I64(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<I64, E> {
                i64::try_from(v).map(I64).map_err(|_| E::custom("integer out of range"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<I64, E> {
                v.parse::<i64>().map(I64).map_err(|_| E::custom("expected an integer or a decimal string"))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON value in which no object names a key twice. RFC 8259 §4 says only that names "SHOULD be
/// unique" and leaves the reading of duplicates to each parser (serde_json keeps the last, others
/// the first), so input signed by someone else and read by several clients must not have them:
/// two readers would see two documents under one signature.
pub struct UniqueKeys(pub serde_json::Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde_json::Value;
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = UniqueKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<UniqueKeys, E> {
                Ok(UniqueKeys(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<UniqueKeys, E> {
                Ok(UniqueKeys(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<UniqueKeys, E> {
                Ok(UniqueKeys(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<UniqueKeys, E> {
                Ok(UniqueKeys(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<UniqueKeys, E> {
                Ok(UniqueKeys(Value::String(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<UniqueKeys, E> {
                Ok(UniqueKeys(Value::String(v)))
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<UniqueKeys, E> {
                Ok(UniqueKeys(Value::Null))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<UniqueKeys, A::Error> {
                let mut out = Vec::new();
                while let Some(UniqueKeys(v)) = seq.next_element()? {
                    out.push(v);
                }
                Ok(UniqueKeys(Value::Array(out)))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<UniqueKeys, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some(k) = map.next_key::<String>()? {
                    if out.contains_key(&k) {
                        return Err(de::Error::custom(format!(
                            "duplicate key {k:?}: expected each key once, as two JSON readers may keep \
                             either copy"
                        )));
                    }
                    let UniqueKeys(v) = map.next_value()?;
                    out.insert(k, v);
                }
                Ok(UniqueKeys(Value::Object(out)))
            }
        }
        // The recursion is bounded by `check_depth`, which `parse` runs first.
        d.deserialize_any(V)
    }
}
