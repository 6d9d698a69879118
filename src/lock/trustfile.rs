//! npm's trust file, `domainsig-publishers.json` beside package-lock.json (docs/lock.md): npm's
//! lockfile has no field for a publisher, so the npm gate records there who published each
//! package, and its entries are that package's pins. `verify-lock` reads it as the gate does, so
//! the lock and the file the gate keeps beside it judge a package the same way in both.
//!
//! ```text
//! {"version": 1, "packages": {"sigstore": [{"since": "0.4.0", "publisher": {"kind": "GitHub", ...}}]}}
//! ```
//!
//! The file is committed next to the lock and reviewed with it; like the lock it is read with
//! bounds (size, nesting, publishers per package), strictly (a key the gate does not write is
//! refused, as a file that is not ours must never be read as "no pins"), and each publisher as
//! strictly as a policy's (src/publisher.rs).

use super::{Entry, Source};
use crate::error::{self, Result};
use crate::limits;
use serde_json::Value;

/// The trust file's name, beside package-lock.json (the npm gate's `trustfile.js`).
pub const FILE_NAME: &str = "domainsig-publishers.json";
/// Largest trust file read, in bytes (the npm gate's bound).
pub const MAX_BYTES: usize = 16 << 20;

/// Gives each entry of `entries` the publishers `text` records for its package (its pins), as a
/// pylock.toml's `attestation-identities` are. The user's own files (local entries) come from no
/// registry and get none; recorded packages the lock no longer has are left alone, as the gate
/// leaves them.
pub(crate) fn apply(text: &str, entries: &mut [Entry]) -> Result<()> {
    let bad =
        |field: String, m: String| error::lock_invalid(format!("{FILE_NAME}: {m}")).at(format!("{FILE_NAME} {field}"));
    let v: Value = crate::json::parse(text.as_bytes(), MAX_BYTES, FILE_NAME, error::Status::LockInvalid)?;
    let o = v.as_object().ok_or_else(|| bad(String::new(), "expected {\"version\": 1, \"packages\": {...}}".into()))?;
    if let Some(k) = o.keys().find(|k| !matches!(k.as_str(), "version" | "packages")) {
        return Err(bad(k.clone(), format!("unknown key {k:?}; a trust file has version and packages")));
    }
    if o.get("version").and_then(Value::as_u64) != Some(1) {
        return Err(bad(
            "version".into(),
            format!("expected version 1; found {}", o.get("version").unwrap_or(&Value::Null)),
        ));
    }
    let packages = o.get("packages").and_then(Value::as_object).ok_or_else(|| {
        bad("packages".into(), "expected \"packages\": {NAME: [{\"since\", \"publisher\"}, ...]}".into())
    })?;
    let mut pins = std::collections::BTreeMap::new();
    for (name, list) in packages {
        let at = format!("packages[{name:?}]");
        let list =
            list.as_array().filter(|l| !l.is_empty() && l.len() <= limits::MAX_LOCK_PUBLISHERS).ok_or_else(|| {
                bad(at.clone(), format!("expected a list of 1 to {} recorded publishers", limits::MAX_LOCK_PUBLISHERS))
            })?;
        let mut publishers = Vec::with_capacity(list.len());
        for (i, e) in list.iter().enumerate() {
            let at = format!("{at}[{i}]");
            let e = e
                .as_object()
                .filter(|e| {
                    e.keys().all(|k| k == "since" || k == "publisher") && e.get("since").is_some_and(Value::is_string)
                })
                .ok_or_else(|| bad(at.clone(), "expected {\"since\": VERSION, \"publisher\": {...}} only".into()))?;
            let p = e.get("publisher").cloned().unwrap_or(Value::Null);
            crate::publisher::Publisher::from_value(&p, "publisher")
                .map_err(|err| bad(format!("{at}.publisher"), err.message))?;
            match p {
                Value::Object(m) => publishers.push(m),
                _ => return Err(bad(format!("{at}.publisher"), "expected a publisher object".into())),
            }
        }
        pins.insert(name.as_str(), publishers);
    }
    for e in entries.iter_mut().filter(|e| !matches!(e.source, Source::Local { .. })) {
        if let Some(p) = pins.get(e.name.as_str()) {
            e.publishers = p.clone();
        }
    }
    Ok(())
}
