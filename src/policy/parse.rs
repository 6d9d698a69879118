//! Policy JSON v1 → [`Policy`], strictly: every key is known, every value has its type, and
//! settings that contradict each other are refused. Errors are `POLICY_INVALID` with the key path
//! (`domains.mirrors["pypi.org"]`) in both the message and `field`.

use super::{DomainPolicy, IdentityRule, MinAge, Mode, PackagePin, PinSource, Policy, SanMatch};
use crate::attestation::{self, PredicateRule};
use crate::domain::{self, Domain};
use crate::error::{self, Error, Result, Status};
use crate::limits;
use crate::publisher::Publisher;
use crate::trust::keyset::{self, PolicyKey};
use crate::trust::root::TrustRoot;
use serde_json::{Map, Value};
use std::path::Path;
use std::sync::Arc;

/// Compiled-regex size cap: a policy cannot make domainsig build a huge automaton.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

fn invalid(path: &str, msg: impl std::fmt::Display) -> Error {
    error::policy_invalid(format!("{path}: {msg}")).at(path.to_owned())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn object<'a>(v: &'a Value, path: &str, allowed: &[&str]) -> Result<&'a Map<String, Value>> {
    let o = v.as_object().ok_or_else(|| invalid(path, format!("must be an object, found {}", type_name(v))))?;
    if let Some(k) = o.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid(&join(path, k), format!("unknown key (expected one of: {})", allowed.join(", "))));
    }
    Ok(o)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

fn string<'a>(v: &'a Value, path: &str) -> Result<&'a str> {
    match v {
        Value::String(s) if s.is_empty() => Err(invalid(path, "must not be empty")),
        Value::String(s) => Ok(s),
        _ => Err(invalid(path, format!("must be a string, found {}", type_name(v)))),
    }
}

fn array<'a>(v: &'a Value, path: &str) -> Result<&'a Vec<Value>> {
    let a = v.as_array().ok_or_else(|| invalid(path, format!("must be an array, found {}", type_name(v))))?;
    if a.len() > limits::MAX_POLICY_ENTRIES {
        return Err(invalid(
            path,
            format!("at most {} entries allowed, found {}", limits::MAX_POLICY_ENTRIES, a.len()),
        ));
    }
    Ok(a)
}

fn count(v: &Value, path: &str, min: u64, max: usize) -> Result<usize> {
    let n = v.as_u64().ok_or_else(|| invalid(path, format!("must be a whole number, found {v}")))?;
    if n < min || n > max as u64 {
        return Err(invalid(path, format!("must be between {min} and {max}, found {n}")));
    }
    Ok(n as usize)
}

fn policy_domain(v: &Value, path: &str) -> Result<Domain> {
    let s = string(v, path)?;
    domain::normalize(s).map_err(|e| invalid(path, e.message))
}

pub(super) fn parse(json: &[u8], base_dir: Option<&Path>) -> Result<Policy> {
    parse_at(json, base_dir, None)
}

/// As [`parse`]; `tuf_at` is the time (Unix seconds) cached TUF metadata must still be valid at
/// (now when `None`).
pub(super) fn parse_at(json: &[u8], base_dir: Option<&Path>, tuf_at: Option<i64>) -> Result<Policy> {
    let v: Value = crate::json::parse(json, limits::MAX_POLICY_BYTES, "policy", Status::PolicyInvalid)?;
    let top = object(
        &v,
        "",
        &[
            "version",
            "trusted_root",
            "identities",
            "publishers",
            "publishers_from",
            "first_sight",
            "min_age",
            "keys",
            "packages",
            "domains",
            "subject",
            "thresholds",
        ],
    )
    .map_err(|e| {
        if e.field.as_deref() == Some("") { error::policy_invalid("the policy must be a JSON object") } else { e }
    })?;

    match top.get("version") {
        Some(Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(other) => return Err(invalid("version", format!("only version 1 is supported, found {other}"))),
        None => return Err(invalid("version", "is required (1)")),
    }

    let (root, root_desc) = trusted_root(top.get("trusted_root"), base_dir, tuf_at)?;

    let identities = match top.get("identities") {
        Some(v) => identity_list(v, "identities")?,
        None => Vec::new(),
    };

    let keys = match top.get("keys") {
        Some(v) => key_list(v, base_dir, top.get("trusted_root"), tuf_at)?,
        None => Vec::new(),
    };

    let mut packages = Vec::new();
    if let Some(v) = top.get("packages") {
        let map =
            v.as_object().ok_or_else(|| invalid("packages", format!("must be an object, found {}", type_name(v))))?;
        if map.len() > limits::MAX_POLICY_ENTRIES {
            return Err(invalid("packages", format!("at most {} packages allowed", limits::MAX_POLICY_ENTRIES)));
        }
        for (name, pin) in map {
            let path = format!("packages[{name:?}]");
            if name.is_empty() || name.chars().any(char::is_whitespace) {
                return Err(invalid(&path, "a package name must be non-empty and without spaces"));
            }
            packages.push(package_pin(name, pin, &path)?);
        }
    }

    let publishers = match top.get("publishers") {
        Some(v) => publisher_list(v, "publishers")?,
        None => Vec::new(),
    };
    let first_sight = match top.get("first_sight") {
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(invalid("first_sight", format!("must be true or false, found {}", type_name(other))));
        }
        None => false,
    };
    let min_age = top.get("min_age").map(|v| min_age(v, "min_age")).transpose()?;

    let maps = match top.get("publishers_from") {
        Some(v) => publishers_from(v, base_dir, tuf_at)?,
        None => Vec::new(),
    };

    if identities.is_empty()
        && publishers.is_empty()
        && keys.is_empty()
        && packages.is_empty()
        && maps.is_empty()
        && !first_sight
    {
        return Err(invalid(
            "identities",
            "the policy accepts no signer: give identities, publishers, publishers_from, keys, packages or first_sight",
        ));
    }

    let domains = match top.get("domains") {
        Some(v) => domain_policy(v)?,
        None => DomainPolicy::default(),
    };
    if !maps.is_empty() && domains.mode == Mode::Ignore {
        return Err(invalid(
            "publishers_from",
            "a publisher map governs only files fetched from its index, but domains.mode \"ignore\" drops the \
             index domain; use \"require\" or \"warn\"",
        ));
    }

    let mut require_name = true;
    if let Some(v) = top.get("subject") {
        let o = object(v, "subject", &["require_name"])?;
        if let Some(r) = o.get("require_name") {
            require_name = r.as_bool().ok_or_else(|| invalid("subject.require_name", "must be true or false"))?;
        }
    }

    let (mut tlog_threshold, mut timestamp_threshold) = (1, 0);
    if let Some(v) = top.get("thresholds") {
        let o = object(v, "thresholds", &["tlog", "timestamps"])?;
        if let Some(t) = o.get("tlog") {
            // 0 would accept a bundle no log has seen: never what a policy means.
            tlog_threshold = count(t, "thresholds.tlog", 1, limits::MAX_TLOG_ENTRIES)?;
        }
        if let Some(t) = o.get("timestamps") {
            timestamp_threshold = count(t, "thresholds.timestamps", 0, limits::MAX_TIMESTAMPS)?;
        }
    }

    Ok(Policy {
        root,
        root_desc,
        identities,
        publishers,
        first_sight,
        min_age,
        keys,
        packages,
        maps,
        domains,
        require_name,
        tlog_threshold,
        timestamp_threshold,
    })
}

/// `publishers_from`: `[{"tuf": ..., "cache": DIR, "index": "pypi.org"}]`, each map read from
/// the verified cache (never fetched) as of `tuf_at` (now when `None`).
fn publishers_from(
    v: &Value,
    base_dir: Option<&Path>,
    tuf_at: Option<i64>,
) -> Result<Vec<Arc<crate::trust::publisher_map::PublisherMap>>> {
    const MAX_MAPS: usize = 8;
    let list =
        v.as_array().ok_or_else(|| invalid("publishers_from", format!("must be a list, found {}", type_name(v))))?;
    if list.is_empty() || list.len() > MAX_MAPS {
        return Err(invalid("publishers_from", format!("names {} maps; give 1 to {MAX_MAPS}", list.len())));
    }
    let mut out: Vec<Arc<crate::trust::publisher_map::PublisherMap>> = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let path = format!("publishers_from[{i}]");
        let o = object(m, &path, &["tuf", "cache", "index"])?;
        let index = match o.get("index") {
            Some(Value::String(s)) => domain::normalize(s).map_err(|e| invalid(&format!("{path}.index"), e.message))?,
            _ => {
                return Err(invalid(
                    &format!("{path}.index"),
                    "is required: the index whose map this is (\"pypi.org\")",
                ));
            }
        };
        if out.iter().any(|x| x.index() == &index) {
            return Err(invalid(&format!("{path}.index"), format!("a second map of {index}; keep one")));
        }
        let mut t = Map::new();
        for k in ["tuf", "cache"] {
            if let Some(x) = o.get(k) {
                t.insert(k.to_owned(), x.clone());
            }
        }
        let cfg = crate::trust::tuf::TufConfig::from_value(&Value::Object(t), base_dir).map_err(|e| {
            let field = e.field.as_deref().and_then(|f| f.strip_prefix("trusted_root")).unwrap_or("").to_owned();
            let message = e.message.replace("a TUF trust root", "a publisher map");
            Error { field: Some(format!("{path}{field}")), message, ..e }
        })?;
        let at = tuf_at.unwrap_or_else(crate::trust::tuf::unix_now);
        let map = crate::trust::publisher_map::PublisherMap::load(&cfg, &index, at).map_err(|e| e.at(path.clone()))?;
        out.push(Arc::new(map));
    }
    Ok(out)
}

fn trusted_root(v: Option<&Value>, base_dir: Option<&Path>, tuf_at: Option<i64>) -> Result<(Arc<TrustRoot>, String)> {
    let at_root = |e: Error| e.at("trusted_root");
    match v {
        Some(t @ Value::Object(o)) if o.contains_key("tuf") => {
            let cfg = crate::trust::tuf::TufConfig::from_value(t, base_dir)?;
            let at = tuf_at.unwrap_or_else(crate::trust::tuf::unix_now);
            let (bytes, target) = crate::trust::tuf::cached_target(&cfg, "trusted_root.json", at).map_err(at_root)?;
            let root = TrustRoot::from_json(&bytes).map_err(at_root)?;
            Ok((
                Arc::new(root),
                format!(
                    "the trusted root verified by TUF from {} (sha256 {}) cached in {}",
                    cfg.repo_name(),
                    target.sha256,
                    cfg.repo_dir().display()
                ),
            ))
        }
        None => Ok((TrustRoot::production()?, "the Sigstore public-good production instance".to_owned())),
        Some(Value::String(s)) if s == "public-good" => {
            Ok((TrustRoot::production()?, "the Sigstore public-good production instance".to_owned()))
        }
        Some(Value::String(s)) if s == "staging" => {
            Ok((TrustRoot::staging()?, "the Sigstore public-good staging instance".to_owned()))
        }
        Some(Value::String(s)) => Err(invalid(
            "trusted_root",
            format!("{s:?} is not \"public-good\", \"staging\", {{\"path\": ...}} or a trusted root object"),
        )),
        Some(Value::Object(o)) if o.contains_key("path") => {
            object(v.unwrap_or(&Value::Null), "trusted_root", &["path"])?;
            let p = string(&o["path"], "trusted_root.path")?;
            let p = match base_dir {
                Some(b) if Path::new(p).is_relative() => b.join(p),
                _ => Path::new(p).to_path_buf(),
            };
            let bytes = limits::read_bounded(&p, limits::MAX_TRUST_ROOT_BYTES, "trusted root")
                .map_err(|e| e.at("trusted_root.path"))?;
            let root = TrustRoot::from_json(&bytes).map_err(at_root)?;
            Ok((Arc::new(root), format!("the trusted root in {}", p.display())))
        }
        Some(o @ Value::Object(_)) => {
            let root = TrustRoot::from_json(o.to_string().as_bytes()).map_err(at_root)?;
            Ok((Arc::new(root), "the trusted root given inline in the policy".to_owned()))
        }
        Some(other) => {
            Err(invalid("trusted_root", format!("must be a string or an object, found {}", type_name(other))))
        }
    }
}

/// `keys`: each entry one source (`path`, `pem` or `json`) of one or more keys, optionally filtered
/// by `usage` and bound to a `domain` (see [`keyset`] for the formats).
fn key_list(
    v: &Value,
    base_dir: Option<&Path>,
    trusted_root: Option<&Value>,
    tuf_at: Option<i64>,
) -> Result<Vec<PolicyKey>> {
    let mut keys = Vec::new();
    for (i, k) in array(v, "keys")?.iter().enumerate() {
        let path = format!("keys[{i}]");
        let o = object(k, &path, &["pem", "path", "json", "tuf_target", "usage", "domain"])?;
        let usage = o.get("usage").map(|u| string(u, &join(&path, "usage"))).transpose()?;
        let dom = o.get("domain").map(|d| policy_domain(d, &join(&path, "domain"))).transpose()?;
        if let Some(t) = o.get("tuf_target") {
            let at = join(&path, "tuf_target");
            if o.contains_key("pem") || o.contains_key("path") || o.contains_key("json") {
                return Err(invalid(&at, "give exactly one of pem, path, json or tuf_target"));
            }
            let parsed = tuf_keys(string(t, &at)?, &at, usage, dom, base_dir, trusted_root, tuf_at)?;
            if keys.len() + parsed.len() > limits::MAX_POLICY_ENTRIES {
                return Err(invalid("keys", format!("at most {} keys allowed", limits::MAX_POLICY_ENTRIES)));
            }
            keys.extend(parsed);
            continue;
        }
        let (src, parsed) = match (o.get("pem"), o.get("path"), o.get("json")) {
            (Some(p), None, None) => {
                let at = join(&path, "pem");
                let pem = string(p, &at)?;
                if !pem.trim_start().starts_with("-----BEGIN") && crate::json::b64decode(pem.trim()).is_none() {
                    return Err(invalid(&at, "is not a PEM public key"));
                }
                let body = if pem.trim_start().starts_with("-----BEGIN") {
                    pem.to_owned()
                } else {
                    format!("-----BEGIN PUBLIC KEY-----\n{pem}\n-----END PUBLIC KEY-----\n")
                };
                (at, keyset::parse_key_set(body.as_bytes(), usage, dom.as_ref()))
            }
            (None, Some(p), None) => {
                let at = join(&path, "path");
                let file = string(p, &at)?;
                let file = match base_dir {
                    Some(b) if Path::new(file).is_relative() => b.join(file),
                    _ => Path::new(file).to_path_buf(),
                };
                let meta = std::fs::metadata(&file)
                    .map_err(|e| invalid(&at, format!("cannot read key file {}: {e}", file.display())))?;
                if meta.len() > limits::MAX_POLICY_BYTES as u64 {
                    return Err(invalid(
                        &at,
                        format!("key file {} is larger than {} bytes", file.display(), limits::MAX_POLICY_BYTES),
                    ));
                }
                let bytes = std::fs::read(&file)
                    .map_err(|e| invalid(&at, format!("cannot read key file {}: {e}", file.display())))?;
                (at, keyset::parse_key_set(&bytes, usage, dom.as_ref()))
            }
            (None, None, Some(j)) => {
                let at = join(&path, "json");
                (at, keyset::parse_key_value(j, usage, dom.as_ref()))
            }
            _ => return Err(invalid(&join(&path, "pem"), "give exactly one of pem, path or json")),
        };
        let parsed = parsed.map_err(|e| invalid(&src, e.message))?;
        if keys.len() + parsed.len() > limits::MAX_POLICY_ENTRIES {
            return Err(invalid("keys", format!("at most {} keys allowed", limits::MAX_POLICY_ENTRIES)));
        }
        keys.extend(parsed);
    }
    Ok(keys)
}

/// Keys from a verified TUF target of the policy's TUF trusted root. A target found through a
/// top-level delegation named after its first path segment is bound to that domain
/// (`registry.npmjs.org/keys.json` through the delegation `registry.npmjs.org`): TUF, not the
/// policy, says which registry those keys speak for. A target of top-level targets takes the
/// policy's domain; one a delegated role lists without such a delegation speaks for no domain.
fn tuf_keys(
    name: &str,
    at: &str,
    usage: Option<&str>,
    dom: Option<Domain>,
    base_dir: Option<&Path>,
    trusted_root: Option<&Value>,
    tuf_at: Option<i64>,
) -> Result<Vec<PolicyKey>> {
    let cfg = match trusted_root {
        Some(t @ Value::Object(o)) if o.contains_key("tuf") => crate::trust::tuf::TufConfig::from_value(t, base_dir)?,
        _ => return Err(invalid(at, "names a TUF target, so trusted_root must be {\"tuf\": ...}")),
    };
    let when = tuf_at.unwrap_or_else(crate::trust::tuf::unix_now);
    let (bytes, target) = crate::trust::tuf::cached_target(&cfg, name, when).map_err(|e| e.at(at.to_owned()))?;
    let bound = match (target.role.as_str(), &target.domain) {
        ("targets", _) => dom,
        (_, Some(bound)) => {
            let role = domain::normalize(bound)
                .map_err(|e| invalid(at, format!("delegation {bound:?} is not a domain: {}", e.message)))?;
            if dom.as_ref().is_some_and(|d| d != &role) {
                let d = dom.as_ref().map(Domain::as_str).unwrap_or_default();
                return Err(invalid(&join(at, "domain"), format!("TUF binds {name} to {bound}, the policy says {d}")));
            }
            Some(role)
        }
        (role, None) => {
            return Err(invalid(
                at,
                format!(
                    "TUF target {name} is signed by delegated role {role:?}, but not through a top-level delegation named after its first path segment, so it speaks for no domain (expected a delegation like \"{}\" covering it; if the cache predates this check, update it again)",
                    name.split_once('/').map_or(name, |(s, _)| s)
                ),
            ));
        }
    };
    keyset::parse_key_set(&bytes, usage, bound.as_ref()).map_err(|e| invalid(at, e.message))
}

/// One `packages` entry: its own signers (`identities`, `publishers`), more pin `sources`, and its
/// own `min_age`; at least one of them. A list that is given must not be empty (an empty list would
/// refuse every signer without saying so).
fn package_pin(name: &str, pin: &Value, path: &str) -> Result<PackagePin> {
    let po = object(pin, path, &["identities", "publishers", "sources", "min_age"])?;
    if po.is_empty() {
        return Err(invalid(path, "give identities, publishers, sources or min_age"));
    }
    let ids_path = format!("{path}.identities");
    let identities = match po.get("identities") {
        Some(v) => identity_list(v, &ids_path)?,
        None => Vec::new(),
    };
    if po.contains_key("identities") && identities.is_empty() {
        return Err(invalid(&ids_path, "must name at least one identity"));
    }
    let pubs_path = format!("{path}.publishers");
    let publishers = match po.get("publishers") {
        Some(v) => publisher_list(v, &pubs_path)?,
        None => Vec::new(),
    };
    if po.contains_key("publishers") && publishers.is_empty() {
        return Err(invalid(&pubs_path, "must name at least one publisher"));
    }
    let mut sources = Vec::new();
    if let Some(v) = po.get("sources") {
        for (i, src) in array(v, &format!("{path}.sources"))?.iter().enumerate() {
            let spath = format!("{path}.sources[{i}]");
            let so = object(src, &spath, &["source", "publishers"])?;
            let lpath = join(&spath, "source");
            let label = string(so.get("source").ok_or_else(|| invalid(&lpath, "is required"))?, &lpath)?;
            let ppath = join(&spath, "publishers");
            let ps = publisher_list(so.get("publishers").ok_or_else(|| invalid(&ppath, "is required"))?, &ppath)?;
            if ps.is_empty() {
                return Err(invalid(&ppath, "must name at least one publisher"));
            }
            sources.push(PinSource { source: label.to_owned(), publishers: ps });
        }
    }
    let min_age = po.get("min_age").map(|v| min_age(v, &join(path, "min_age"))).transpose()?;
    Ok(PackagePin { name: name.to_owned(), identities, publishers, sources, min_age })
}

fn publisher_list(v: &Value, path: &str) -> Result<Vec<Publisher>> {
    array(v, path)?.iter().enumerate().map(|(i, p)| Publisher::from_value(p, &format!("{path}[{i}]"))).collect()
}

fn min_age(v: &Value, path: &str) -> Result<MinAge> {
    super::signers::parse_min_age(string(v, path)?).map_err(|m| invalid(path, m))
}

fn identity_list(v: &Value, path: &str) -> Result<Vec<IdentityRule>> {
    array(v, path)?.iter().enumerate().map(|(i, id)| identity(id, &format!("{path}[{i}]"))).collect()
}

/// Claim names a policy may pin: the Fulcio names, or a dotted OID under Fulcio's arc.
fn claim_name_ok(name: &str) -> bool {
    crate::x509::claims::CLAIMS.iter().any(|(_, n)| *n == name)
        || name
            .strip_prefix(crate::x509::claims::FULCIO_ARC)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn identity(v: &Value, path: &str) -> Result<IdentityRule> {
    let o = object(v, path, &["issuer", "san", "san_regex", "claims"])?;
    let issuer_path = join(path, "issuer");
    let issuer = string(o.get("issuer").ok_or_else(|| invalid(&issuer_path, "is required"))?, &issuer_path)?.to_owned();
    let san = match (o.get("san"), o.get("san_regex")) {
        (Some(s), None) => SanMatch::Exact(string(s, &join(path, "san"))?.to_owned()),
        (None, Some(r)) => {
            let rpath = join(path, "san_regex");
            let source = string(r, &rpath)?.to_owned();
            // Compile the pattern alone first: a pattern that is valid on its own cannot close the
            // anchoring group below (`x)|(.*` would otherwise un-anchor it).
            let build = |p: &str| regex::RegexBuilder::new(p).size_limit(REGEX_SIZE_LIMIT).build();
            build(&source).map_err(|e| invalid(&rpath, format!("not a valid regular expression: {e}")))?;
            let re = build(&format!("^(?:{source})$"))
                .map_err(|e| invalid(&rpath, format!("not a valid regular expression: {e}")))?;
            SanMatch::Regex { re, source }
        }
        (Some(_), Some(_)) => return Err(invalid(path, "give san or san_regex, not both")),
        (None, None) => return Err(invalid(&join(path, "san"), "one of san or san_regex is required")),
    };
    let mut claims = Vec::new();
    if let Some(c) = o.get("claims") {
        let cpath = join(path, "claims");
        let co = c.as_object().ok_or_else(|| invalid(&cpath, format!("must be an object, found {}", type_name(c))))?;
        for (name, value) in co {
            let vpath = format!("{cpath}.{name}");
            if !claim_name_ok(name) {
                return Err(invalid(&vpath, "not a Fulcio claim name (e.g. source_repository_uri, build_trigger)"));
            }
            claims.push((name.clone(), string(value, &vpath)?.to_owned()));
        }
    }
    Ok(IdentityRule { issuer, san, claims })
}

fn domain_policy(v: &Value) -> Result<DomainPolicy> {
    let o = object(v, "domains", &["mode", "audiences", "mirrors", "predicates", "certificate_oid"])?;
    let mut d = DomainPolicy::default();
    if let Some(m) = o.get("mode") {
        d.mode = match string(m, "domains.mode")? {
            "require" => Mode::Require,
            "warn" => Mode::Warn,
            "ignore" => Mode::Ignore,
            other => return Err(invalid("domains.mode", format!("{other:?} is not require, warn or ignore"))),
        };
    }
    // Under "ignore" the other settings are still parsed strictly but not applied: an operator
    // switching domains off during an incident keeps them for later, and explain-policy and the
    // result's warnings say they are inert.
    if let Some(a) = o.get("audiences") {
        let list = array(a, "domains.audiences")?;
        if list.is_empty() {
            return Err(invalid("domains.audiences", "an empty list would refuse every artifact; omit it instead"));
        }
        for (i, x) in list.iter().enumerate() {
            let dom = policy_domain(x, &format!("domains.audiences[{i}]"))?;
            if !d.audiences.contains(&dom) {
                d.audiences.push(dom);
            }
        }
    }
    if let Some(m) = o.get("mirrors") {
        let map = m
            .as_object()
            .ok_or_else(|| invalid("domains.mirrors", format!("must be an object, found {}", type_name(m))))?;
        if map.len() > limits::MAX_POLICY_ENTRIES {
            return Err(invalid("domains.mirrors", format!("at most {} mirrors allowed", limits::MAX_POLICY_ENTRIES)));
        }
        for (k, ups) in map {
            let path = format!("domains.mirrors[{k:?}]");
            let mirror = domain::normalize(k).map_err(|e| invalid(&path, e.message))?;
            if d.mirrors.iter().any(|(m, _)| *m == mirror) {
                return Err(invalid(&path, format!("{mirror} is listed twice (after normalisation)")));
            }
            let list = array(ups, &path)?;
            if list.is_empty() {
                return Err(invalid(&path, "a mirror must serve at least one upstream domain"));
            }
            let mut upstreams = Vec::new();
            for (i, u) in list.iter().enumerate() {
                let up = policy_domain(u, &format!("{path}[{i}]"))?;
                if up == mirror {
                    return Err(invalid(&format!("{path}[{i}]"), format!("{mirror} cannot be a mirror of itself")));
                }
                if !upstreams.contains(&up) {
                    upstreams.push(up);
                }
            }
            d.mirrors.push((mirror, upstreams));
        }
    }
    if let Some(p) = o.get("predicates") {
        for (i, r) in array(p, "domains.predicates")?.iter().enumerate() {
            let path = format!("domains.predicates[{i}]");
            let ro = object(r, &path, &["type", "pointer"])?;
            let tpath = format!("{path}.type");
            let ppath = format!("{path}.pointer");
            let predicate_type =
                string(ro.get("type").ok_or_else(|| invalid(&tpath, "is required"))?, &tpath)?.to_owned();
            if attestation::BUILTIN_TYPES.contains(&predicate_type.as_str()) {
                return Err(invalid(&tpath, format!("{predicate_type} is read by domainsig itself; remove this rule")));
            }
            let pointer = match ro.get("pointer") {
                Some(Value::String(s)) if s.is_empty() || s.starts_with('/') => s.clone(),
                Some(Value::String(s)) => {
                    return Err(invalid(
                        &ppath,
                        format!("{s:?} is not an RFC 6901 JSON pointer (it must start with /)"),
                    ));
                }
                Some(other) => return Err(invalid(&ppath, format!("must be a string, found {}", type_name(other)))),
                None => return Err(invalid(&ppath, "is required")),
            };
            if !valid_pointer_escapes(&pointer) {
                return Err(invalid(&ppath, format!("{pointer:?} has a '~' not followed by 0 or 1")));
            }
            let rule = PredicateRule { predicate_type, pointer };
            if d.predicates.contains(&rule) {
                return Err(invalid(&path, "duplicate rule"));
            }
            d.predicates.push(rule);
        }
    }
    if let Some(oid) = o.get("certificate_oid") {
        let s = string(oid, "domains.certificate_oid")?;
        der::asn1::ObjectIdentifier::new(s)
            .map_err(|e| invalid("domains.certificate_oid", format!("{s:?} is not a dotted OID: {e}")))?;
        if s.starts_with(crate::x509::claims::FULCIO_ARC) || s == "2.5.29.17" {
            return Err(invalid(
                "domains.certificate_oid",
                format!("{s} is a Fulcio claim or the SAN, not a domains extension"),
            ));
        }
        d.certificate_oid = Some(s.to_owned());
    }
    Ok(d)
}

/// RFC 6901: `~` only as `~0` or `~1`.
fn valid_pointer_escapes(p: &str) -> bool {
    let b = p.as_bytes();
    b.iter().enumerate().all(|(i, c)| *c != b'~' || matches!(b.get(i + 1), Some(b'0' | b'1')))
}

#[cfg(test)]
mod tests {
    use super::super::{Mode, Policy};
    use crate::error::Status;
    use serde_json::{Value, json};

    const ID: &str = r#"{"issuer": "https://token.actions.githubusercontent.com", "san": "s"}"#;

    fn with(extra: Value) -> Value {
        let mut v = json!({"version": 1, "identities": [serde_json::from_str::<Value>(ID).unwrap()]});
        for (k, x) in extra.as_object().unwrap() {
            if x.is_null() {
                v.as_object_mut().unwrap().remove(k);
            } else {
                v[k] = x.clone();
            }
        }
        v
    }

    fn parse(v: &Value) -> crate::Result<Policy> {
        Policy::from_json(v.to_string().as_bytes(), None)
    }

    /// Asserts POLICY_INVALID whose field is `path`.
    fn invalid(v: Value, path: &str) {
        let e = parse(&v).expect_err(&v.to_string());
        assert_eq!(e.status, Status::PolicyInvalid, "{v}: {e}");
        assert_eq!(e.field.as_deref(), Some(path), "{v}: {e}");
        assert!(e.message.starts_with(path), "message names the path: {}", e.message);
    }

    #[test]
    fn the_cli_policies_parse() {
        let p = parse(&json!({"version": 1, "trusted_root": "public-good", "domains": {"mode": "ignore"},
            "subject": {"require_name": false}, "identities": [{"issuer": "i", "san": "s"}]}))
        .unwrap();
        assert_eq!(p.domain_mode(), Mode::Ignore);
        assert_eq!((p.tlog_threshold(), p.timestamp_threshold()), (1, 0));
    }

    #[test]
    fn defaults_are_fail_closed() {
        let p = parse(&with(json!({}))).unwrap();
        assert_eq!(p.domain_mode(), Mode::Require);
        assert!(p.require_name);
    }

    #[test]
    fn unknown_keys_are_refused_with_their_path() {
        invalid(with(json!({"identitys": []})), "identitys");
        invalid(with(json!({"identities": [{"issuer": "i", "san": "s", "subject": "x"}]})), "identities[0].subject");
        invalid(with(json!({"domains": {"mode": "warn", "mirror": {}}})), "domains.mirror");
        invalid(with(json!({"subject": {"require": true}})), "subject.require");
        invalid(with(json!({"thresholds": {"rekor": 1}})), "thresholds.rekor");
        invalid(with(json!({"keys": [{"pem": "x", "hint": "y"}]})), "keys[0].hint");
        invalid(with(json!({"packages": {"a": {"identities": [], "keys": []}}})), "packages[\"a\"].keys");
        invalid(
            with(json!({"domains": {"predicates": [{"type": "t", "pointer": "/a", "x": 1}]}})),
            "domains.predicates[0].x",
        );
        invalid(with(json!({"trusted_root": {"path": "x", "other": 1}})), "trusted_root.other");
    }

    #[test]
    fn wrong_types_are_refused_with_their_path() {
        invalid(with(json!({"version": 2})), "version");
        invalid(with(json!({"version": "1"})), "version");
        invalid(with(json!({"version": null})), "version");
        invalid(with(json!({"identities": {}})), "identities");
        invalid(with(json!({"identities": [{"issuer": 1, "san": "s"}]})), "identities[0].issuer");
        invalid(with(json!({"identities": [{"issuer": "", "san": "s"}]})), "identities[0].issuer");
        invalid(with(json!({"identities": [{"san": "s"}]})), "identities[0].issuer");
        invalid(with(json!({"identities": [{"issuer": "i"}]})), "identities[0].san");
        invalid(with(json!({"identities": [{"issuer": "i", "san": "s", "claims": []}]})), "identities[0].claims");
        invalid(
            with(json!({"identities": [{"issuer": "i", "san": "s", "claims": {"build_trigger": 1}}]})),
            "identities[0].claims.build_trigger",
        );
        invalid(
            with(json!({"identities": [{"issuer": "i", "san": "s", "claims": {"repo": "x"}}]})),
            "identities[0].claims.repo",
        );
        invalid(with(json!({"keys": [{"pem": "not a key"}]})), "keys[0].pem");
        invalid(with(json!({"keys": [{}]})), "keys[0].pem");
        invalid(with(json!({"domains": {"mode": "strict"}})), "domains.mode");
        invalid(with(json!({"domains": {"mode": true}})), "domains.mode");
        invalid(with(json!({"domains": {"audiences": "pypi.org"}})), "domains.audiences");
        invalid(with(json!({"domains": {"audiences": ["*.pypi.org"]}})), "domains.audiences[0]");
        invalid(with(json!({"domains": {"mirrors": []}})), "domains.mirrors");
        invalid(with(json!({"domains": {"mirrors": {"m.example": "pypi.org"}}})), "domains.mirrors[\"m.example\"]");
        invalid(with(json!({"domains": {"mirrors": {"m..example": ["pypi.org"]}}})), "domains.mirrors[\"m..example\"]");
        invalid(
            with(json!({"domains": {"mirrors": {"m.example": ["user@pypi.org"]}}})),
            "domains.mirrors[\"m.example\"][0]",
        );
        invalid(
            with(json!({"domains": {"predicates": [{"type": "t", "pointer": "index"}]}})),
            "domains.predicates[0].pointer",
        );
        invalid(
            with(json!({"domains": {"predicates": [{"type": "t", "pointer": "/a~2"}]}})),
            "domains.predicates[0].pointer",
        );
        invalid(with(json!({"domains": {"predicates": [{"pointer": "/a"}]}})), "domains.predicates[0].type");
        invalid(with(json!({"domains": {"certificate_oid": "not.an.oid"}})), "domains.certificate_oid");
        invalid(with(json!({"domains": {"certificate_oid": 1}})), "domains.certificate_oid");
        invalid(with(json!({"subject": {"require_name": "yes"}})), "subject.require_name");
        invalid(with(json!({"thresholds": {"tlog": -1}})), "thresholds.tlog");
        invalid(with(json!({"thresholds": {"tlog": 1.5}})), "thresholds.tlog");
        invalid(with(json!({"trusted_root": "production"})), "trusted_root");
        invalid(with(json!({"trusted_root": 1})), "trusted_root");
        invalid(with(json!({"packages": []})), "packages");
        invalid(with(json!({"packages": {"": {"identities": [{"issuer": "i", "san": "s"}]}}})), "packages[\"\"]");
        assert_eq!(Policy::from_json(b"[]", None).unwrap_err().status, Status::PolicyInvalid);
        assert_eq!(Policy::from_json(b"{", None).unwrap_err().status, Status::PolicyInvalid);
    }

    #[test]
    fn contradictions_are_refused() {
        invalid(with(json!({"identities": [{"issuer": "i", "san": "s", "san_regex": "s"}]})), "identities[0]");
        invalid(with(json!({"identities": []})), "identities");
        invalid(with(json!({"identities": null})), "identities");
        invalid(
            with(json!({"domains": {"mirrors": {"pypi.org": ["https://PyPI.org/"]}}})),
            "domains.mirrors[\"pypi.org\"][0]",
        );
        invalid(with(json!({"domains": {"mirrors": {"m.example": []}}})), "domains.mirrors[\"m.example\"]");
        invalid(
            with(json!({"domains": {"mirrors": {"m.example": ["a.example"], "https://M.example/": ["b.example"]}}})),
            "domains.mirrors[\"m.example\"]",
        );
        invalid(with(json!({"domains": {"audiences": []}})), "domains.audiences");
        // Inert under "ignore", but still checked.
        invalid(with(json!({"domains": {"mode": "ignore", "audiences": ["*.pypi.org"]}})), "domains.audiences[0]");
        invalid(
            with(
                json!({"domains": {"predicates": [{"type": crate::attestation::NPM_PUBLISH_V0_1, "pointer": "/registry"}]}}),
            ),
            "domains.predicates[0].type",
        );
        invalid(
            with(json!({"domains": {"predicates": [{"type": "t", "pointer": "/a"}, {"type": "t", "pointer": "/a"}]}})),
            "domains.predicates[1]",
        );
        invalid(with(json!({"domains": {"certificate_oid": "1.3.6.1.4.1.57264.1.8"}})), "domains.certificate_oid");
        invalid(with(json!({"thresholds": {"tlog": 0}})), "thresholds.tlog");
        invalid(with(json!({"thresholds": {"tlog": 33}})), "thresholds.tlog");
        invalid(with(json!({"thresholds": {"timestamps": 33}})), "thresholds.timestamps");
        invalid(with(json!({"packages": {"a": {"identities": []}}})), "packages[\"a\"].identities");
    }

    #[test]
    fn publishers_first_sight_and_min_age_parse_strictly() {
        let gh = json!({"kind": "GitHub", "repository": "o/r", "workflow": "release.yml"});
        let p = parse(&with(json!({"publishers": [gh], "min_age": "3d", "first_sight": true}))).unwrap();
        assert_eq!(
            (p.publishers.len(), p.first_sight, p.min_age.as_ref().map(|a| a.seconds)),
            (1, true, Some(259_200))
        );
        // A policy of publishers alone, or of first sight alone, accepts a signer.
        assert!(parse(&with(json!({"identities": null, "publishers": [gh]}))).is_ok());
        assert!(parse(&with(json!({"identities": null, "first_sight": true}))).is_ok());
        invalid(with(json!({"identities": null, "first_sight": false})), "identities");
        invalid(with(json!({"publishers": [{"kind": "Bitbucket"}]})), "publishers[0].kind");
        invalid(with(json!({"publishers": [{"kind": "ActiveState", "organization": "o"}]})), "publishers[0].kind");
        invalid(
            with(json!({"publishers": [{"kind": "GitHub", "repository": "o/r", "workflow": "w", "x": 1}]})),
            "publishers[0].x",
        );
        invalid(with(json!({"publishers": {}})), "publishers");
        invalid(with(json!({"first_sight": "yes"})), "first_sight");
        invalid(with(json!({"min_age": "3"})), "min_age");
        invalid(with(json!({"min_age": 3})), "min_age");
        invalid(with(json!({"min_age": "3w"})), "min_age");
        // Package entries: any of identities, publishers, sources, min_age; given lists are not empty.
        let p = parse(&with(json!({"packages": {"a": {"min_age": "0d"}, "b": {"publishers": [gh],
            "sources": [{"source": "pylock.toml", "publishers": [gh]}]}}})))
        .unwrap();
        assert_eq!(p.packages.len(), 2);
        assert_eq!(p.packages.iter().map(|x| x.sources.len()).sum::<usize>(), 1);
        invalid(with(json!({"packages": {"a": {}}})), "packages[\"a\"]");
        invalid(with(json!({"packages": {"a": {"publishers": []}}})), "packages[\"a\"].publishers");
        invalid(with(json!({"packages": {"a": {"min_age": "1y"}}})), "packages[\"a\"].min_age");
        invalid(
            with(json!({"packages": {"a": {"sources": [{"publishers": [gh]}]}}})),
            "packages[\"a\"].sources[0].source",
        );
        invalid(
            with(json!({"packages": {"a": {"sources": [{"source": "l", "publishers": []}]}}})),
            "packages[\"a\"].sources[0].publishers",
        );
        invalid(
            with(json!({"packages": {"a": {"sources": [{"source": "l", "publishers": [gh], "identities": []}]}}})),
            "packages[\"a\"].sources[0].identities",
        );
        invalid(
            with(json!({"packages": {"a": {"sources": [{"source": "l", "publishers": [{"kind": "Nope"}]}]}}})),
            "packages[\"a\"].sources[0].publishers[0].kind",
        );
        let text = parse(&with(json!({"identities": null, "first_sight": true, "min_age": "2h",
            "packages": {"b": {"sources": [{"source": "pylock.toml", "publishers": [gh]}], "min_age": "0d"}}})))
        .unwrap()
        .explain();
        for want in [
            "First sight",
            "pylock.toml also pins",
            "workflow .github/workflows/release.yml at any ref",
            "at least 2h",
            "\"b\": 0d",
        ] {
            assert!(text.contains(want), "missing {want:?} in:\n{text}");
        }
    }

    #[test]
    fn settings_inert_under_ignore_load_and_are_said() {
        let p = parse(&with(json!({"domains": {"mode": "ignore", "audiences": ["pypi.org"],
            "mirrors": {"m.example": ["pypi.org"]}, "certificate_oid": "1.3.6.1.4.1.99999.1"}})))
        .unwrap();
        assert_eq!(
            super::super::eval::inert_settings(&p),
            ["domains.audiences", "domains.mirrors", "domains.certificate_oid"]
        );
        let text = p.explain();
        assert!(text.contains("domains.mirrors") && text.contains("inert"), "{text}");
        assert!(super::super::eval::inert_settings(&parse(&with(json!({}))).unwrap()).is_empty());
    }

    #[test]
    fn san_regex_cannot_escape_its_anchors() {
        // Valid only when wrapped: `x)|(.*` would close the anchoring group and match anything.
        invalid(with(json!({"identities": [{"issuer": "i", "san_regex": "x)|(.*"}]})), "identities[0].san_regex");
        invalid(with(json!({"identities": [{"issuer": "i", "san_regex": "("}]})), "identities[0].san_regex");
        // Huge automata are refused rather than built.
        invalid(
            with(json!({"identities": [{"issuer": "i", "san_regex": "(\\w{100}){100}"}]})),
            "identities[0].san_regex",
        );
    }

    #[test]
    fn key_sources_parse_with_usage_and_domain() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/npm/_keys");
        let file = "160677eb6e1c7083c89b166b20f8fe4e837fb71181506aff1991b80b89184f7d.keys.json";
        let keys = json!([{"path": file, "usage": "npm:attestations", "domain": "registry.npmjs.org"}]);
        let p = Policy::from_json(with(json!({"keys": keys})).to_string().as_bytes(), Some(&dir)).unwrap();
        assert_eq!(p.keys().len(), 2);
        assert!(p.keys().iter().all(|k| k.domain.as_ref().map(|d| d.as_str()) == Some("registry.npmjs.org")));
        let tuf: Value = serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap();
        let p = parse(&with(json!({"keys": [{"json": tuf}]}))).unwrap();
        assert_eq!(p.keys().len(), 4);
        assert!(p.explain().contains("keyid SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA"), "{}", p.explain());
        invalid(with(json!({"keys": [{"json": {"keys": []}}]})), "keys[0].json");
        invalid(with(json!({"keys": [{"json": tuf, "usage": "npm:nothing"}]})), "keys[0].json");
        invalid(with(json!({"keys": [{"json": tuf, "domain": "*.npmjs.org"}]})), "keys[0].domain");
        invalid(with(json!({"keys": [{"path": "/nonexistent/keys.json"}]})), "keys[0].path");
        invalid(with(json!({"keys": [{"path": "a", "pem": "b"}]})), "keys[0].pem");
    }

    #[test]
    fn trusted_root_forms() {
        assert!(parse(&with(json!({"trusted_root": "staging"}))).is_ok());
        assert!(parse(&with(json!({"trusted_root": "public-good"}))).is_ok());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/_roots");
        let rel = json!({"path": "public-good-staging.trusted_root.json"});
        Policy::from_json(with(json!({"trusted_root": rel})).to_string().as_bytes(), Some(&dir)).unwrap();
        let inline: Value =
            serde_json::from_slice(&std::fs::read(dir.join("public-good-staging.trusted_root.json")).unwrap()).unwrap();
        parse(&with(json!({"trusted_root": inline}))).unwrap();
        let e = parse(&with(json!({"trusted_root": {"path": "/nonexistent/root.json"}}))).unwrap_err();
        assert_eq!(e.status, Status::InputUnreadable);
        let e = parse(&with(json!({"trusted_root": {"path": "/dev/zero"}}))).unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (Status::LimitExceeded, Some("trusted_root.path")));
        let e = parse(&with(json!({"trusted_root": {"mediaType": "x"}}))).unwrap_err();
        assert_eq!(e.status, Status::TrustedRootInvalid);
    }

    #[test]
    fn a_full_policy_parses() {
        let p = parse(&json!({
            "version": 1,
            "trusted_root": "public-good",
            "identities": [{"issuer": "https://token.actions.githubusercontent.com",
                "san_regex": "https://github\\.com/o/r/\\.github/workflows/release\\.yml@refs/tags/v.*",
                "claims": {"source_repository_uri": "https://github.com/o/r", "build_trigger": "push",
                    "deployment_environment": "pypi", "1.3.6.1.4.1.57264.1.99": "x"}}],
            "keys": [],
            "packages": {"sampleproject": {"identities": [{"issuer": "https://gitlab.com", "san": "x"}]}},
            "domains": {"mode": "require", "audiences": ["pypi.org"], "mirrors": {"pypi.corp.example": ["pypi.org"]},
                "predicates": [{"type": "https://ex/p", "pointer": "/index"}, {"type": "https://ex/p", "pointer": ""}],
                "certificate_oid": "1.3.6.1.4.1.99999.1"},
            "subject": {"require_name": true},
            "thresholds": {"tlog": 2, "timestamps": 1}
        }))
        .unwrap();
        assert_eq!((p.tlog_threshold(), p.timestamp_threshold()), (2, 1));
        assert_eq!(p.domains.mirrors.len(), 1);
        assert_eq!(p.packages.len(), 1);
    }
}
