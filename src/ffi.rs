//! The C ABI: the one door every consumer (C, Python, Node) goes through. cbindgen turns this file
//! into `include/domainsig.h`; the doc comments below are the header's documentation.
//!
//! The rules, after rustls-ffi:
//! - everything C sees is prefixed `domainsig_`; handles are opaque;
//! - every export runs inside [`ffi_boundary!`], so no panic ever unwinds into the caller;
//! - a NULL argument is `DOMAINSIG_INVALID_ARGUMENT`, with a result naming the argument whenever
//!   the function has an out-pointer to put one in; `*_free(NULL)` does nothing;
//! - ownership is in the type: a policy is an `Arc` (immutable, shared by any number of threads),
//!   a result a `Box` the caller frees; strings returned are owned by the result or static.
//!
//! This is the only module with `unsafe`. Every block says why it holds.

#![allow(non_camel_case_types)]

use crate::error::{self, Error, Status};
use crate::trust::tuf::{self, Fetched, Fetcher, TufConfig};
use crate::{Artifact, Outcome, Policy, Request};
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

/// A compiled policy: opaque, immutable and safe to share between threads.
///
/// Made by `domainsig_policy_new`, released by `domainsig_policy_free`.
pub struct domainsig_policy {
    policy: Policy,
}

/// The answer to one call: a status plus the result JSON. Opaque; released by
/// `domainsig_result_free`.
pub struct domainsig_result {
    status: Status,
    json: CString,
}

/// The artifact to verify. Set exactly one of `data`, `path` or `digest`; every pointer is
/// borrowed for the duration of the call only.
#[repr(C)]
pub struct domainsig_artifact {
    /// The artifact's bytes, or NULL. An empty artifact is a non-NULL `data` with `len` 0.
    pub data: *const u8,
    /// The number of bytes at `data` (0 when `data` is NULL).
    pub len: usize,
    /// A NUL-terminated path to the artifact file, or NULL. The file is hashed streaming.
    pub path: *const c_char,
    /// A NUL-terminated digest `"sha256:<hex>"` or `"sha512:<hex>"`, or NULL.
    pub digest: *const c_char,
    /// The artifact's filename or purl for subject binding (`"pkg-1.0-py3-none-any.whl"`,
    /// `"pkg:npm/%40scope/name@1.0.0"`), or NULL.
    pub name: *const c_char,
}

/// One item of a `domainsig_verify_many` batch.
#[repr(C)]
pub struct domainsig_request {
    /// The artifact, as for `domainsig_verify_bundle`.
    pub artifact: domainsig_artifact,
    /// The bundle (or PEP 740 attestation) JSON bytes; must not be NULL.
    pub bundle: *const u8,
    /// The number of bytes at `bundle`.
    pub bundle_len: usize,
    /// The NUL-terminated index the artifact was fetched from (`"pypi.org"`), or NULL when unknown.
    pub index_domain: *const c_char,
}

/// At most this many threads verify one `domainsig_verify_many` batch: enough to fill a machine's
/// cores for the few-ECDSA-verifications-per-bundle workload, few enough never to swamp the host.
const MAX_WORKERS: usize = 8;

/// What an export returns when a panic is caught at the boundary.
trait OnPanic {
    fn on_panic() -> Self;
}

impl OnPanic for Status {
    fn on_panic() -> Self {
        Status::Internal
    }
}

impl OnPanic for () {
    fn on_panic() -> Self {}
}

impl OnPanic for *const c_char {
    fn on_panic() -> Self {
        ptr::null()
    }
}

/// Runs an export's body, turning a panic into the return type's "internal error" value. The body
/// may `return` early (it is a closure).
macro_rules! ffi_boundary {
    ($($body:tt)*) => {
        match catch_unwind(AssertUnwindSafe(|| { $($body)* })) {
            Ok(value) => value,
            Err(payload) => {
                // Dropping a payload runs foreign Drop code that could panic again, outside any
                // catch_unwind; leaking one small allocation per (already impossible) panic is safer.
                std::mem::forget(payload);
                OnPanic::on_panic()
            }
        }
    };
}

/// The first lines of every export with a `result` out-pointer: a NULL `result` returns
/// `DOMAINSIG_INVALID_ARGUMENT` and nothing else is done; otherwise `*result` is set to NULL first,
/// so that even a caught panic leaves a defined value behind.
macro_rules! clear_result {
    ($result:ident) => {
        if $result.is_null() {
            return Status::InvalidArgument;
        }
        // SAFETY: non-NULL and, by the export's contract, writable.
        unsafe { $result.write(ptr::null_mut()) };
    };
}

/// A result's JSON text as a C string.
fn result_json(text: String) -> CString {
    CString::new(text).unwrap_or_else(|_| {
        // serde_json escapes every control character, so a NUL byte cannot appear in its output.
        CString::from(c"{\"status\":\"INTERNAL\",\"code\":99,\"family\":\"internal\"}")
    })
}

/// Builds the result object for an outcome.
fn make_result(outcome: &Outcome) -> Box<domainsig_result> {
    Box::new(domainsig_result { status: outcome.status(), json: result_json(outcome.to_json()) })
}

/// Builds the result object of a call that reports (a trust update or status, a lock's
/// verification): `status`, `code`, `family` and `report`.
fn report_result(status: Status, report: impl serde::Serialize) -> Box<domainsig_result> {
    let json = serde_json::json!({
        "status": status.name(), "code": status.code(), "family": status.family().name(), "report": report,
    });
    Box::new(domainsig_result { status, json: result_json(json.to_string()) })
}

/// Stores a result for `outcome` in `*out` and returns its status.
///
/// # Safety
/// `out` must be non-NULL and valid for writing one pointer.
unsafe fn give(outcome: &Outcome, out: *mut *mut domainsig_result) -> Status {
    // SAFETY: forwarded from this function's contract.
    unsafe { give_result(make_result(outcome), out) }
}

/// Runs `op`, turning a panic inside the library into an `INTERNAL` error that says what was
/// being done (`doing`) and the panic's message, so the caller gets a result to log rather than
/// only a status.
fn guarded<R>(doing: &str, op: impl FnOnce() -> crate::Result<R>) -> crate::Result<R> {
    catch_unwind(AssertUnwindSafe(op)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        // As in ffi_boundary: a payload's Drop is foreign code; leak it rather than run it.
        std::mem::forget(payload);
        Err(error::internal(format!("domainsig panicked {doing}: {what}")))
    })
}

fn null_argument(name: &str) -> Error {
    error::invalid_argument(format!("{name} is NULL")).at(name)
}

/// Runs a verification, turning a panic inside the library into an `INTERNAL` outcome ([`guarded`]).
fn verify_guarded(policy: &Policy, req: &Request<'_>) -> Outcome {
    guarded("while verifying", || Ok(policy.verify(req))).unwrap_or_else(Outcome::refused)
}

/// Borrows `len` bytes at `p` (`what` names the argument in errors).
///
/// # Safety
/// A non-NULL `p` must point to `len` readable bytes that stay valid and unmodified for `'a`.
unsafe fn bytes_arg<'a>(p: *const u8, len: usize, what: &str) -> Result<&'a [u8], Error> {
    if p.is_null() {
        return Err(null_argument(what));
    }
    if len > isize::MAX as usize {
        return Err(error::invalid_argument(format!("{what}: length {len} is impossible")).at(what));
    }
    // SAFETY: `p` is non-NULL, `len` fits in isize, and the caller guarantees `len` readable bytes
    // valid for 'a (a u8 slice has no alignment requirement beyond 1).
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Borrows an optional NUL-terminated string as raw bytes (NULL → `None`).
///
/// # Safety
/// A non-NULL `p` must point to a NUL-terminated string valid for `'a`.
unsafe fn cstr_arg<'a>(p: *const c_char) -> Option<&'a CStr> {
    // SAFETY: checked non-NULL; the caller guarantees NUL termination and validity for 'a.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) })
}

/// Borrows an optional NUL-terminated UTF-8 string (NULL → `None`).
///
/// # Safety
/// As [`cstr_arg`].
unsafe fn str_arg<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, Error> {
    // SAFETY: forwarded from this function's contract.
    match unsafe { cstr_arg(p) } {
        None => Ok(None),
        Some(s) => {
            s.to_str().map(Some).map_err(|_| error::invalid_argument(format!("{what} is not valid UTF-8")).at(what))
        }
    }
}

#[cfg(unix)]
fn path_from(s: &CStr) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(s.to_bytes()))
}

#[cfg(not(unix))]
fn path_from(s: &CStr) -> &Path {
    // Elsewhere paths cross the ABI as UTF-8; invalid ones become an unopenable empty path.
    Path::new(s.to_str().unwrap_or_default())
}

/// Reads a `domainsig_artifact` into the library's `Artifact` plus its optional name.
///
/// # Safety
/// The pointers inside `a` must follow `domainsig_artifact`'s documented contract for `'a`.
unsafe fn artifact_arg<'a>(a: &'a domainsig_artifact, what: &str) -> Result<(Artifact<'a>, Option<&'a str>), Error> {
    let data = if a.data.is_null() {
        if a.len != 0 {
            return Err(error::invalid_argument(format!("{what}.data is NULL but {what}.len is {}", a.len))
                .at(format!("{what}.data")));
        }
        None
    } else {
        // SAFETY: the caller guarantees `data` points to `len` readable bytes for 'a.
        Some(unsafe { bytes_arg(a.data, a.len, &format!("{what}.data")) }?)
    };
    // SAFETY: the caller guarantees these are NULL or NUL-terminated strings valid for 'a.
    let (path, digest, name) = unsafe {
        (cstr_arg(a.path), str_arg(a.digest, &format!("{what}.digest"))?, str_arg(a.name, &format!("{what}.name"))?)
    };
    let artifact = match (data, path, digest) {
        (Some(b), None, None) => Artifact::Bytes(b),
        (None, Some(p), None) if !p.is_empty() => Artifact::Path(path_from(p)),
        (None, Some(_), None) => {
            return Err(error::invalid_argument(format!("{what}.path is empty")).at(format!("{what}.path")));
        }
        (None, None, Some(d)) => Artifact::parse_digest(d).map_err(|e| e.at(format!("{what}.digest")))?,
        (None, None, None) => {
            return Err(error::invalid_argument(format!("{what}: none of data, path or digest is set")).at(what));
        }
        _ => {
            return Err(error::invalid_argument(format!(
                "{what}: set exactly one of data, path or digest, not several"
            ))
            .at(what));
        }
    };
    Ok((artifact, name))
}

/// Reads one request's C arguments into a `Request`.
///
/// # Safety
/// Every pointer must follow `domainsig_verify_bundle`'s contract for `'a`.
unsafe fn request_arg<'a>(
    artifact: *const domainsig_artifact,
    bundle: *const u8,
    bundle_len: usize,
    index_domain: *const c_char,
    prefix: &str,
) -> Result<Request<'a>, Error> {
    if artifact.is_null() {
        return Err(null_argument(&format!("{prefix}artifact")));
    }
    // Pointer problems first, then the artifact's contents (a malformed digest is not a NULL).
    // SAFETY: forwarded from this function's contract.
    let bundle = unsafe { bytes_arg(bundle, bundle_len, &format!("{prefix}bundle")) }?;
    // SAFETY: forwarded from this function's contract.
    let index_domain = unsafe { str_arg(index_domain, &format!("{prefix}index_domain")) }?;
    // SAFETY: `artifact` is non-NULL and the caller guarantees it points to a valid struct for 'a.
    let artifact = unsafe { &*artifact };
    // SAFETY: forwarded from this function's contract.
    let (artifact, name) = unsafe { artifact_arg(artifact, &format!("{prefix}artifact")) }?;
    Ok(Request { artifact, name, bundle, index_domain })
}

/// Compiles policy JSON (see the policy format in the domainsig documentation) into a policy.
///
/// On success returns `DOMAINSIG_OK`, stores the policy in `*out` (release it with
/// `domainsig_policy_free`) and NULL in `*error`. On failure stores NULL in `*out` and, when `error`
/// is not NULL, a result explaining why in `*error` (release it with `domainsig_result_free`).
/// A relative `trusted_root.path` or key `path` resolves against the working directory; for a
/// policy file, `domainsig_policy_from_file` resolves them against the file's folder instead.
///
/// # Safety
/// `json` must point to `len` readable bytes; `out` must be writable; `error` must be NULL or
/// writable. The bytes are only read during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_policy_new(
    json: *const u8,
    len: usize,
    out: *mut *mut domainsig_policy,
    error: *mut *mut domainsig_result,
) -> Status {
    ffi_boundary! {
        let compile = || {
            // SAFETY: the caller guarantees `json` points to `len` readable bytes, read only during
            // this call.
            unsafe { bytes_arg(json, len, "json") }.and_then(|bytes| Policy::from_json(bytes, None))
        };
        // SAFETY: `out` and `error` as the caller's contract says.
        unsafe { policy_out(out, error, compile) }
    }
}

/// Reads and compiles the policy JSON in the file at `path` (NUL-terminated; at most 1 MiB is
/// read, and a device or FIFO is refused past that). A relative `trusted_root.path` or key `path`
/// in it resolves against the file's folder, as the `domainsig` CLI and the Python and Node
/// `from_file` constructors do, so the same file means the same policy whatever the working
/// directory.
///
/// Returns and stores as `domainsig_policy_new`; a file that cannot be read is
/// `DOMAINSIG_INPUT_UNREADABLE`, one too large `DOMAINSIG_LIMIT_EXCEEDED`.
///
/// # Safety
/// `path` must be NULL or NUL-terminated; `out` must be writable; `error` must be NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_policy_from_file(
    path: *const c_char,
    out: *mut *mut domainsig_policy,
    error: *mut *mut domainsig_result,
) -> Status {
    ffi_boundary! {
        let compile = || {
            // SAFETY: NULL or NUL-terminated for the call (caller's contract).
            match unsafe { cstr_arg(path) } {
                None => Err(null_argument("path")),
                Some(p) if p.is_empty() => Err(error::invalid_argument("path is empty").at("path")),
                Some(p) => {
                    let path = path_from(p);
                    // Only a failure to read the file is about the argument; a policy error keeps
                    // the policy field it names.
                    crate::limits::read_bounded(path, crate::limits::MAX_POLICY_BYTES, "policy")
                        .map_err(|e| e.at("path"))
                        .and_then(|json| Policy::from_file_json(&json, path))
                }
            }
        };
        // SAFETY: `out` and `error` as the caller's contract says.
        unsafe { policy_out(out, error, compile) }
    }
}

/// Hands a compiled policy (or why it failed) to the C caller, as `domainsig_policy_new` documents.
///
/// # Safety
/// `out` must be NULL or writable; `error` must be NULL or writable.
unsafe fn policy_out(
    out: *mut *mut domainsig_policy,
    error: *mut *mut domainsig_result,
    compile: impl FnOnce() -> crate::Result<Policy>,
) -> Status {
    if !error.is_null() {
        // SAFETY: non-NULL, and the caller guarantees it is writable.
        unsafe { error.write(ptr::null_mut()) };
    }
    let compiled = if out.is_null() {
        Err(null_argument("out"))
    } else {
        // SAFETY: non-NULL, and the caller guarantees it is writable.
        unsafe { out.write(ptr::null_mut()) };
        compile()
    };
    match compiled {
        Ok(policy) => {
            let handle = Arc::into_raw(Arc::new(domainsig_policy { policy })).cast_mut();
            // SAFETY: `out` was checked non-NULL above; the Arc's one strong count now belongs
            // to the caller and is given back by domainsig_policy_free.
            unsafe { out.write(handle) };
            Status::Ok
        }
        Err(e) => {
            let outcome = Outcome::refused(e);
            if error.is_null() {
                outcome.status()
            } else {
                // SAFETY: `error` is non-NULL and writable.
                unsafe { give(&outcome, error) }
            }
        }
    }
}

/// Releases a policy. Verifications already running on other threads must have returned first.
/// NULL does nothing.
///
/// # Safety
/// `policy` must be NULL or a pointer from `domainsig_policy_new` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_policy_free(policy: *mut domainsig_policy) {
    ffi_boundary! {
        if !policy.is_null() {
            // SAFETY: the pointer came from Arc::into_raw in domainsig_policy_new and is freed once.
            drop(unsafe { Arc::from_raw(policy.cast_const()) });
        }
    }
}

/// Verifies one artifact and its bundle under `policy`, for an artifact fetched from `index_domain`
/// (`"pypi.org"`, `"https://registry.npmjs.org/"`; NULL when unknown, which a policy requiring
/// signed domains refuses).
///
/// Returns `DOMAINSIG_OK` when the artifact may be installed, otherwise the reason's status. Either
/// way `*result` receives a result (status plus JSON: what was verified, or what failed with
/// expected and found); release it with `domainsig_result_free`. A NULL `result` only returns
/// `DOMAINSIG_INVALID_ARGUMENT`: nothing is verified. An artifact `path` must name a regular file
/// (a device, FIFO or directory is `DOMAINSIG_ARTIFACT_UNREADABLE`) of at most 32 GiB
/// (`DOMAINSIG_LIMIT_EXCEEDED` past that). Any number of threads may verify with one policy at the
/// same time.
///
/// # Safety
/// `policy` must come from `domainsig_policy_new`; `artifact` must point to a valid
/// `domainsig_artifact`; `bundle` must point to `bundle_len` readable bytes; `index_domain` must be
/// NULL or NUL-terminated; `result` must be writable. Nothing is kept after the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_verify_bundle(
    policy: *const domainsig_policy,
    artifact: *const domainsig_artifact,
    bundle: *const u8,
    bundle_len: usize,
    index_domain: *const c_char,
    result: *mut *mut domainsig_result,
) -> Status {
    ffi_boundary! {
        clear_result!(result);
        let outcome = if policy.is_null() {
            Outcome::refused(null_argument("policy"))
        } else {
            // SAFETY: non-NULL, from domainsig_policy_new and not freed (caller's contract).
            let policy = unsafe { &(*policy).policy };
            // SAFETY: the caller's contract covers every pointer for the duration of this call.
            match unsafe { request_arg(artifact, bundle, bundle_len, index_domain, "") } {
                Ok(req) => verify_guarded(policy, &req),
                Err(e) => Outcome::refused(e),
            }
        };
        // SAFETY: `result` is non-NULL and writable.
        unsafe { give(&outcome, result) }
    }
}

/// Verifies `count` requests under one policy on a small bounded pool of threads (at most 8, at
/// most one per request), storing one result per request in `results[0..count]` (each released
/// with `domainsig_result_free`).
///
/// Returns `DOMAINSIG_OK` when every artifact may be installed; otherwise the status of the first
/// request (lowest index) that was refused. A NULL `policy` or `requests` fills every result with
/// `DOMAINSIG_INVALID_ARGUMENT`; a NULL `results` (with `count` > 0) only returns that status.
///
/// A batch holds at most 10,000 requests: every result is kept until the call returns, so the
/// limit bounds its memory. A larger `count` returns `DOMAINSIG_LIMIT_EXCEEDED`, verifies nothing
/// and stores NULL in every result; verify a larger set in several batches.
///
/// `results` must not overlap `requests`: the results are written while the requests are read. An
/// overlap returns `DOMAINSIG_INVALID_ARGUMENT` and writes nothing.
///
/// # Safety
/// `policy` as for `domainsig_verify_bundle`; `requests` must point to `count` valid
/// `domainsig_request`s and `results` to room for `count` pointers, in memory apart from the
/// requests (both may be NULL when `count` is 0). Nothing is kept after the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_verify_many(
    policy: *const domainsig_policy,
    requests: *const domainsig_request,
    count: usize,
    results: *mut *mut domainsig_result,
) -> Status {
    ffi_boundary! {
        if count == 0 {
            return Status::Ok;
        }
        if results.is_null() || count > isize::MAX as usize / size_of::<domainsig_request>() {
            return Status::InvalidArgument;
        }
        if overlaps(requests, count, results) {
            // Writing a result would overwrite a request not yet read (or the other way round).
            return Status::InvalidArgument;
        }
        // SAFETY: non-NULL, and the caller guarantees room for `count` pointers.
        let results = unsafe { std::slice::from_raw_parts_mut(results, count) };
        results.fill(ptr::null_mut());
        if count > crate::limits::MAX_BATCH {
            return Status::LimitExceeded;
        }
        let outcomes: Vec<Outcome> = if policy.is_null() || requests.is_null() {
            let which = if policy.is_null() { "policy" } else { "requests" };
            (0..count).map(|_| Outcome::refused(null_argument(which))).collect()
        } else {
            // SAFETY: non-NULL, from domainsig_policy_new and not freed (caller's contract).
            let policy = unsafe { &(*policy).policy };
            // SAFETY: non-NULL, and the caller guarantees `count` valid structs.
            let requests = unsafe { std::slice::from_raw_parts(requests, count) };
            // Read every C argument on this thread; the workers then only see safe borrowed data.
            let parsed: Vec<Result<Request<'_>, Error>> = requests
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    // SAFETY: the caller's contract covers each request's pointers for this call.
                    unsafe { request_arg(&r.artifact, r.bundle, r.bundle_len, r.index_domain, &format!("requests[{i}].")) }
                })
                .collect();
            verify_batch(policy, parsed)
        };
        let mut first_refusal = Status::Ok;
        for (slot, outcome) in results.iter_mut().zip(&outcomes) {
            if first_refusal == Status::Ok {
                first_refusal = outcome.status();
            }
            *slot = Box::into_raw(make_result(outcome));
        }
        first_refusal
    }
}

/// Whether the `count` results at `results` share any byte with the `count` requests at `requests`
/// (compared as addresses only; nothing is read).
fn overlaps(requests: *const domainsig_request, count: usize, results: *mut *mut domainsig_result) -> bool {
    if requests.is_null() {
        return false;
    }
    let q = requests.addr();
    let r = results.addr();
    let q_end = q.saturating_add(count.saturating_mul(size_of::<domainsig_request>()));
    let r_end = r.saturating_add(count.saturating_mul(size_of::<*mut domainsig_result>()));
    q < r_end && r < q_end
}

/// Verifies the well-formed requests of a batch with [`Policy::verify_many`] on at most
/// [`MAX_WORKERS`] threads; malformed ones keep their argument error.
fn verify_batch(policy: &Policy, parsed: Vec<Result<Request<'_>, Error>>) -> Vec<Outcome> {
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(parsed.len());
    let mut valid = Vec::new();
    let mut positions = Vec::new();
    for (i, item) in parsed.into_iter().enumerate() {
        match item {
            Ok(req) => {
                outcomes.push(None);
                positions.push(i);
                valid.push(req);
            }
            Err(e) => outcomes.push(Some(Outcome::refused(e))),
        }
    }
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_WORKERS);
    for (i, outcome) in positions.into_iter().zip(policy.verify_many(&valid, jobs, &|_| {})) {
        if let Some(slot) = outcomes.get_mut(i) {
            *slot = Some(outcome);
        }
    }
    outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::refused(error::internal("a batch item was never verified"))))
        .collect()
}

/// Judges a file that has NO attestation at all (its index serves none, a direct URL, a git
/// dependency): may it be installed with a warning, or does something ask for provenance of its
/// package? The one rule every gate uses: `DOMAINSIG_OK` when nothing asks (the result JSON's
/// `warnings` list says what to show the user); otherwise `DOMAINSIG_ATTESTATION_MISSING`, whose
/// `message` names each voice that asks and what it said: `domains.mode` `require`, the policy's
/// `identities`, `publishers`, `keys` or `min_age`, a `packages` entry for the package, or a
/// publisher map (`publishers_from`) that governs `index_domain` (that index, or a mirror
/// `domains.mirrors` allows for it) and names publishers for the package (its target, role and
/// digest), or, when none of these speaks, `first_sight` off (an attested file would be refused,
/// so one without provenance may not do better). Also `DOMAINSIG_TUF_MISSING` (a governing map
/// never searched for the package), `DOMAINSIG_POLICY_INVALID` (two `packages` entries name it),
/// `DOMAINSIG_DOMAIN_INVALID`, `DOMAINSIG_LIMIT_EXCEEDED`.
///
/// `name` is a file name or purl, as `domainsig_artifact.name` (`"attrs-24.1.0-py3-none-any.whl"`,
/// `"pkg:npm/%40scope/name@1.0.0"`), or a bare PyPI project name (`"attrs"`). `index_domain` is
/// where the file was fetched from, or NULL for a file no index listed, which every map governs.
/// Unless `result` is NULL, `*result` receives the result (release it with
/// `domainsig_result_free`); a NULL `result` only returns `DOMAINSIG_INVALID_ARGUMENT`.
///
/// # Safety
/// `policy` must come from `domainsig_policy_new`; `name` must be NUL-terminated (NULL is
/// `DOMAINSIG_INVALID_ARGUMENT`); `index_domain` must be NULL or NUL-terminated; `result` must be
/// writable. Nothing is kept after the call returns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_policy_judge_unattested(
    policy: *const domainsig_policy,
    name: *const c_char,
    index_domain: *const c_char,
    result: *mut *mut domainsig_result,
) -> Status {
    ffi_boundary! {
        if result.is_null() {
            return Status::InvalidArgument;
        }
        // SAFETY: non-NULL and, by the caller's contract, writable. Written first so that even a
        // caught panic leaves a defined value behind.
        unsafe { result.write(ptr::null_mut()) };
        let judged = (|| -> crate::Result<Vec<String>> {
            if policy.is_null() {
                return Err(null_argument("policy"));
            }
            // SAFETY: non-NULL, from domainsig_policy_new and not freed (caller's contract).
            let policy = unsafe { &(*policy).policy };
            // SAFETY: the caller guarantees both are NULL or NUL-terminated for this call.
            let (name, index_domain) = unsafe { (str_arg(name, "name")?, str_arg(index_domain, "index_domain")?) };
            let name = name.ok_or_else(|| null_argument("name"))?;
            policy.judge_unattested(name, index_domain)
        })();
        let boxed = match judged {
            Ok(warnings) => {
                let st = Status::Ok;
                let json = serde_json::json!({
                    "status": st.name(), "code": st.code(), "family": st.family().name(), "warnings": warnings,
                });
                let text = CString::new(json.to_string()).unwrap_or_else(|_| {
                    // serde_json escapes every control character, so a NUL byte cannot appear.
                    CString::from(c"{\"status\":\"INTERNAL\",\"code\":99,\"family\":\"internal\"}")
                });
                Box::new(domainsig_result { status: st, json: text })
            }
            Err(e) => make_result(&Outcome::refused(e)),
        };
        // SAFETY: `result` is non-NULL and writable.
        unsafe { give_result(boxed, result) }
    }
}

/// The status of a result; `DOMAINSIG_INVALID_ARGUMENT` for NULL.
///
/// # Safety
/// `result` must be NULL or a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_result_status(result: *const domainsig_result) -> Status {
    ffi_boundary! {
        if result.is_null() {
            return Status::InvalidArgument;
        }
        // SAFETY: non-NULL and live (caller's contract).
        unsafe { (*result).status }
    }
}

/// The result as NUL-terminated UTF-8 JSON: `status`, `code`, `family`, then `message` and `field`
/// on refusal, and `verified`/`decision` when available. The string is owned by the result and
/// valid until `domainsig_result_free`. NULL for a NULL result.
///
/// # Safety
/// `result` must be NULL or a live result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_result_json(result: *const domainsig_result) -> *const c_char {
    ffi_boundary! {
        if result.is_null() {
            return ptr::null();
        }
        // SAFETY: non-NULL and live (caller's contract); the string lives as long as the result.
        unsafe { (*result).json.as_ptr() }
    }
}

/// Releases a result and its JSON. NULL does nothing.
///
/// # Safety
/// `result` must be NULL or a result from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_result_free(result: *mut domainsig_result) {
    ffi_boundary! {
        if !result.is_null() {
            // SAFETY: the pointer came from Box::into_raw in this module and is freed once.
            drop(unsafe { Box::from_raw(result) });
        }
    }
}

static STATUS_NAMES: LazyLock<Vec<CString>> =
    LazyLock::new(|| Status::ALL.iter().map(|s| CString::new(s.name()).unwrap_or_default()).collect());

/// The stable name of a status (`"DOMAIN_MISMATCH"` for `DOMAINSIG_DOMAIN_MISMATCH`), or
/// `"UNKNOWN"` for a number that is not a status. The string is static: never free it.
///
/// Takes the number as an `int` so that any value, even one a newer library version defines, is
/// safe to pass.
#[unsafe(no_mangle)]
pub extern "C" fn domainsig_status_name(status: c_int) -> *const c_char {
    ffi_boundary! {
        u32::try_from(status)
            .ok()
            .and_then(Status::from_code)
            .and_then(|s| Status::ALL.iter().position(|x| *x == s))
            .and_then(|i| STATUS_NAMES.get(i))
            .map_or(c"UNKNOWN".as_ptr(), |s| s.as_ptr())
    }
}

static VERSION_C: LazyLock<CString> = LazyLock::new(|| CString::new(crate::VERSION).unwrap_or_default());

/// The library version (`"0.1.0"`). The string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn domainsig_version() -> *const c_char {
    ffi_boundary! { VERSION_C.as_ptr() }
}

// Trust update: Sigstore's TUF repository through the host's own network. The library never
// opens a socket; why a callback rather than a pull session is in `domainsig_fetch_fn`'s docs.

/// Where a fetch callback puts the answer for the URL it was asked for. Opaque, owned by the
/// library and usable only until the callback that received it returns.
///
/// The pointer a callback receives is a handle, not an address: the library looks it up among the
/// replies of callbacks still running, so a handle kept past its callback (used after it returned,
/// or from a thread that outlived it) is refused with `DOMAINSIG_INVALID_ARGUMENT` and never
/// reaches memory the library has released, nor a later reply.
pub struct domainsig_fetch_reply {
    max_len: usize,
    body: Option<Vec<u8>>,
    /// The number of bytes offered past `max_len`; once set the fetch fails, whatever is returned.
    too_long: Option<usize>,
    message: Option<String>,
}

/// A host function that fetches one URL for the library: called by `domainsig_trust_update` on the
/// thread that called it, one URL at a time, never after that call returns.
///
/// `url` is a NUL-terminated `http://` or `https://` URL, valid during the call. Supply at most
/// `max_len` bytes with `domainsig_fetch_reply_set` or `domainsig_fetch_reply_append` on `reply`
/// (a body past the limit fails the fetch: stop downloading when those return
/// `DOMAINSIG_LIMIT_EXCEEDED`; an empty body is `set(reply, NULL, 0)`), then return
/// `DOMAINSIG_FETCH_BYTES` (0); `DOMAINSIG_FETCH_NOT_FOUND` (1) only when the server said the file
/// does not exist (HTTP 404 or 403: that ends the TUF root chain, so never for a network failure);
/// anything else for a failure, optionally explained first with `domainsig_fetch_reply_fail`. The
/// callback must return normally: unwinding or `longjmp` out of it is not allowed (a Rust panic
/// crossing it aborts the process).
///
/// Why a callback and not a pull session: the TUF workflow is a chain of fetches whose next URL
/// depends on the last verified file (root N+1 until not found, then timestamp, snapshot, targets,
/// delegations); a callback keeps that state machine inside the library and gives the host the
/// transport only. A host with an event loop runs `domainsig_trust_update` on a worker thread and
/// blocks that thread in the callback until its own fetch settles (the Node binding does this).
pub type domainsig_fetch_fn = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        url: *const c_char,
        max_len: usize,
        reply: *mut domainsig_fetch_reply,
    ) -> i32,
>;

/// A failure message from a host is kept to this many bytes: enough for a URL and an HTTP reason.
const MAX_FETCH_MESSAGE: usize = 1024;

impl domainsig_fetch_reply {
    fn new(max_len: usize) -> Self {
        domainsig_fetch_reply { max_len, body: None, too_long: None, message: None }
    }

    /// Adds `data` to the body (after clearing it when `replace`), refusing past `max_len`.
    fn offer(&mut self, data: &[u8], replace: bool) -> Status {
        if self.too_long.is_some() {
            return Status::LimitExceeded;
        }
        let kept = if replace { 0 } else { self.body.as_ref().map_or(0, Vec::len) };
        let total = kept.saturating_add(data.len());
        if total > self.max_len {
            self.too_long = Some(total);
            self.body = None;
            return Status::LimitExceeded;
        }
        let body = self.body.get_or_insert_with(Vec::new);
        if replace {
            body.clear();
        }
        body.extend_from_slice(data);
        Status::Ok
    }
}

/// The replies of fetch callbacks that have not returned yet, with their handle numbers: a few at
/// most (one per update in flight), so a list is enough.
static REPLIES: Mutex<Vec<(usize, domainsig_fetch_reply)>> = Mutex::new(Vec::new());
/// The next reply handle number; never reused, so a stale handle can never name a later reply.
static NEXT_REPLY: AtomicUsize = AtomicUsize::new(1);

fn replies() -> std::sync::MutexGuard<'static, Vec<(usize, domainsig_fetch_reply)>> {
    // A panic while the lock was held left the map itself consistent (every operation on it is
    // one insert, lookup or remove).
    REPLIES.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `call` with the handle of a fresh reply of at most `max_len` bytes, and returns what
/// `call` returned with the reply, which no handle reaches any more.
fn with_reply<T>(max_len: usize, call: impl FnOnce(*mut domainsig_fetch_reply) -> T) -> (T, domainsig_fetch_reply) {
    let id = NEXT_REPLY.fetch_add(1, Ordering::Relaxed);
    replies().push((id, domainsig_fetch_reply::new(max_len)));
    /// Takes the reply back even when `call` unwinds, so no entry outlives its callback.
    struct Unregister(usize);
    impl Drop for Unregister {
        fn drop(&mut self) {
            take_reply(self.0);
        }
    }
    let guard = Unregister(id);
    let value = call(ptr::without_provenance_mut(id));
    let reply = take_reply(id).unwrap_or_else(|| domainsig_fetch_reply::new(max_len));
    drop(guard);
    (value, reply)
}

/// Removes reply `id` from the live ones.
fn take_reply(id: usize) -> Option<domainsig_fetch_reply> {
    let mut live = replies();
    let i = live.iter().position(|(k, _)| *k == id)?;
    Some(live.swap_remove(i).1)
}

/// Runs `op` on the live reply behind `handle`; `DOMAINSIG_INVALID_ARGUMENT` for NULL or a handle
/// whose callback has returned.
fn on_reply(handle: *mut domainsig_fetch_reply, op: impl FnOnce(&mut domainsig_fetch_reply) -> Status) -> Status {
    let id = handle.addr();
    match replies().iter_mut().find(|(k, _)| *k == id) {
        Some((_, reply)) => op(reply),
        None => Status::InvalidArgument,
    }
}

/// The host's fetch callback as the TUF client's transport.
struct HostFetcher {
    fetch: domainsig_fetch_fn,
    user_data: *mut c_void,
}

impl Fetcher for HostFetcher {
    fn fetch(&self, url: &str, max_len: u64) -> std::result::Result<Fetched, String> {
        let Some(fetch) = self.fetch else {
            return Err(format!("{url}: no fetch callback was given, and an http(s) repository needs one"));
        };
        let c_url = CString::new(url).map_err(|_| format!("{url}: the URL contains a NUL byte"))?;
        let max_len = usize::try_from(max_len).unwrap_or(usize::MAX);
        let (rc, reply) = with_reply(max_len, |handle| {
            // SAFETY: `fetch` and `user_data` come from the caller of domainsig_trust_update, whose
            // contract makes the pair callable for the duration of that call; `c_url` lives on
            // this frame until the callback returns, and `handle` is a number the reply functions
            // look up, never dereferenced.
            unsafe { fetch(self.user_data, c_url.as_ptr(), max_len, handle) }
        });
        if let Some(n) = reply.too_long {
            return Err(format!("{url}: the host offered {n} or more bytes; at most {max_len} are accepted"));
        }
        let why = |what: String| reply.message.as_ref().map_or(what, |m| format!("{url}: {m}"));
        match rc {
            0 => match reply.body {
                Some(body) => Ok(Fetched::Bytes(body)),
                None => Err(format!(
                    "{url}: the fetch callback returned DOMAINSIG_FETCH_BYTES without supplying any (call domainsig_fetch_reply_set)"
                )),
            },
            1 => Ok(Fetched::NotFound),
            _ => Err(why(format!("{url}: the fetch callback failed (returned {rc})"))),
        }
    }
}

/// Builds a result whose JSON is `status`, `code`, `family`, then `report` on success or
/// `message`/`field` on failure.
fn trust_result<R: serde::Serialize>(outcome: crate::Result<R>) -> Box<domainsig_result> {
    match outcome {
        Ok(report) => report_result(Status::Ok, report),
        Err(e) => make_result(&Outcome::refused(e)),
    }
}

/// Reads a trust configuration's JSON.
///
/// # Safety
/// A non-NULL `json` must point to `len` readable bytes valid for the call.
unsafe fn trust_config_arg(json: *const u8, len: usize) -> Result<TufConfig, Error> {
    // SAFETY: forwarded from this function's contract.
    let bytes = unsafe { bytes_arg(json, len, "config_json") }?;
    crate::limits::check("TUF configuration size in bytes", crate::limits::MAX_TUF_CONFIG_BYTES, bytes.len())
        .map_err(|e| e.at("config_json"))?;
    TufConfig::from_json(bytes).map_err(|e| e.at("config_json"))
}

/// Reads `domainsig_trust_update`'s configuration: the trust configuration, plus an optional
/// `"search"` naming the publisher map entries to look for (`trust update --index --packages`).
///
/// # Safety
/// A non-NULL `json` must point to `len` readable bytes valid for the call.
unsafe fn trust_update_arg(json: *const u8, len: usize) -> Result<(TufConfig, Vec<String>), Error> {
    // SAFETY: forwarded from this function's contract.
    let bytes = unsafe { bytes_arg(json, len, "config_json") }?;
    // The search may come from a lockfile an index served: bounded before it is parsed.
    crate::limits::check("TUF configuration size in bytes", crate::limits::MAX_TUF_CONFIG_BYTES, bytes.len())
        .map_err(|e| e.at("config_json"))?;
    crate::json::check_depth(bytes).map_err(|e| e.at("config_json"))?;
    let mut v: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| error::policy_invalid(format!("TUF configuration is not JSON: {e}")).at("config_json"))?;
    let wanted = match v.as_object_mut().and_then(|o| o.remove("search")) {
        Some(search) => crate::trust::publisher_map::wanted_from_value(&search)?,
        None => Vec::new(),
    };
    let config = TufConfig::from_value(&v, None).map_err(|e| e.at("config_json"))?;
    Ok((config, wanted))
}

/// Stores `result`'s pointer in `*out` and returns its status.
///
/// # Safety
/// `out` must be non-NULL and valid for writing one pointer.
unsafe fn give_result(result: Box<domainsig_result>, out: *mut *mut domainsig_result) -> Status {
    let status = result.status;
    // SAFETY: the caller guarantees `out` is non-NULL and writable; ownership of the Box passes to
    // the C caller, who releases it with domainsig_result_free.
    unsafe { out.write(Box::into_raw(result)) };
    status
}

/// Updates the cached copy of a TUF repository (Sigstore's public-good or staging, or your own)
/// through the host's network, verifying every file before it reaches the cache.
///
/// `config_json` is `{"tuf": "public-good" | "staging" | {"repo": URL_OR_DIR, "root":
/// PATH_OR_INLINE_ROOT_JSON}, "cache": DIR}` (the words a policy's `trusted_root` takes), plus,
/// to look up projects in an index's publisher map (docs/publisher-map.md), `"search": {"index":
/// "pypi.org", "packages": ["attrs", ...], "ecosystem": "pypi" | "npm"}` (`ecosystem` optional,
/// `"pypi"` when left out): only the hashed bins those names fall in are fetched, and every name
/// once searched is searched again by later updates of the same cache (the 4,096 most recently
/// asked for; only a search of more names is `DOMAINSIG_LIMIT_EXCEEDED`). A repository that is a
/// local directory or a `file://` URL is read by the library itself; for an
/// `http(s)` repository the library calls `fetch(user_data, url, max_len, reply)` for each file it
/// needs (see `domainsig_fetch_fn`). `fetch` may be NULL when the repository is local.
///
/// Returns `DOMAINSIG_OK` when the cache now holds the repository's current, verified state;
/// otherwise the reason's status, and the cache is as it was. Either way `*result` receives a
/// result (release it with `domainsig_result_free`) whose JSON carries the `report` (each role's
/// version and expiry, each target with its hash) or the `message`. A NULL `result` only returns
/// `DOMAINSIG_INVALID_ARGUMENT`: nothing is fetched or updated. A policy naming the same
/// repository and cache then verifies with the updated trusted root.
///
/// # Safety
/// `config_json` must point to `len` readable bytes; `fetch`, when not NULL, must be safe to call
/// with `user_data` during this call; `result` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_trust_update(
    config_json: *const u8,
    len: usize,
    fetch: domainsig_fetch_fn,
    user_data: *mut c_void,
    result: *mut *mut domainsig_result,
) -> Status {
    ffi_boundary! {
        clear_result!(result);
        let fetcher = HostFetcher { fetch, user_data };
        let outcome = guarded("during a trust update", || {
            // SAFETY: the caller's contract covers `config_json` for the duration of this call.
            let (config, wanted) = unsafe { trust_update_arg(config_json, len) }?;
            tuf::update_for(&config, &fetcher, &wanted)
        });
        // SAFETY: `result` is non-NULL and writable.
        unsafe { give_result(trust_result(outcome), result) }
    }
}

/// Describes the cached copy of a TUF repository without fetching anything: each role's version
/// and expiry and each target with its hash, in the result's `report`.
///
/// `config_json` is as for `domainsig_trust_update`. Returns `DOMAINSIG_OK` when the cache holds a
/// verified state (expired or not: the report says), otherwise the reason's status. `*result`
/// receives a result to release with `domainsig_result_free`; a NULL `result` only returns
/// `DOMAINSIG_INVALID_ARGUMENT`.
///
/// # Safety
/// `config_json` must point to `len` readable bytes; `result` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_trust_status(
    config_json: *const u8,
    len: usize,
    result: *mut *mut domainsig_result,
) -> Status {
    ffi_boundary! {
        clear_result!(result);
        let outcome = guarded("during a trust update", || {
            // SAFETY: the caller's contract covers `config_json` for the duration of this call.
            let config = unsafe { trust_config_arg(config_json, len) }?;
            tuf::status(&config)
        });
        // SAFETY: `result` is non-NULL and writable.
        unsafe { give_result(trust_result(outcome), result) }
    }
}

/// Gives the body of the fetched URL, replacing anything supplied before. The library copies the
/// bytes; `data` may be NULL when `len` is 0 (an empty body).
///
/// Returns `DOMAINSIG_OK`; `DOMAINSIG_LIMIT_EXCEEDED` when `len` is more than the callback's
/// `max_len` (the fetch then fails whatever the callback returns: stop downloading);
/// `DOMAINSIG_INVALID_ARGUMENT` for a NULL `reply`, or a NULL `data` with a non-zero `len`.
///
/// `DOMAINSIG_INVALID_ARGUMENT` too for a `reply` whose callback has returned: the handle is
/// checked, never followed.
///
/// # Safety
/// A non-NULL `data` must point to `len` readable bytes. `reply` may be any value: one passed to a
/// callback that has not returned yet is used (from any thread, while that callback waits), any
/// other is refused.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_fetch_reply_set(
    reply: *mut domainsig_fetch_reply,
    data: *const u8,
    len: usize,
) -> Status {
    ffi_boundary! {
        // SAFETY: forwarded from this function's contract.
        unsafe { reply_offer(reply, data, len, true) }
    }
}

/// Adds bytes to the body of the fetched URL (for hosts that receive it in chunks, such as a
/// libcurl write callback). The library copies them. Returns as `domainsig_fetch_reply_set`, with
/// the limit applying to the whole body so far.
///
/// # Safety
/// As `domainsig_fetch_reply_set`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_fetch_reply_append(
    reply: *mut domainsig_fetch_reply,
    data: *const u8,
    len: usize,
) -> Status {
    ffi_boundary! {
        // SAFETY: forwarded from this function's contract.
        unsafe { reply_offer(reply, data, len, false) }
    }
}

/// Records why a fetch failed (`"HTTP 503 Service Unavailable"`, `"proxy refused the
/// connection"`), for the update's error message; the callback still returns a failure. The text is
/// copied (up to 1 KiB; invalid UTF-8 replaced). Returns `DOMAINSIG_OK`, or
/// `DOMAINSIG_INVALID_ARGUMENT` when `reply` or `message` is NULL.
///
/// # Safety
/// `reply` as for `domainsig_fetch_reply_set`; `message` must be NULL or NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn domainsig_fetch_reply_fail(
    reply: *mut domainsig_fetch_reply,
    message: *const c_char,
) -> Status {
    ffi_boundary! {
        // SAFETY: NULL or NUL-terminated for the call (caller's contract).
        let Some(message) = (unsafe { cstr_arg(message) }) else {
            return Status::InvalidArgument;
        };
        let bytes = message.to_bytes();
        let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_FETCH_MESSAGE)]).into_owned();
        on_reply(reply, |r| {
            r.message = Some(text);
            Status::Ok
        })
    }
}

/// Offers bytes to a reply.
///
/// # Safety
/// As `domainsig_fetch_reply_set`.
unsafe fn reply_offer(reply: *mut domainsig_fetch_reply, data: *const u8, len: usize, replace: bool) -> Status {
    on_reply(reply, |reply| {
        if data.is_null() {
            return if len == 0 { reply.offer(&[], replace) } else { Status::InvalidArgument };
        }
        if len > reply.max_len {
            // Refused before reading a byte: the length alone is over the limit.
            reply.too_long = Some(len);
            reply.body = None;
            return Status::LimitExceeded;
        }
        // SAFETY: non-NULL with `len` readable bytes (caller's contract); `len` ≤ max_len ≤
        // isize::MAX is not guaranteed, so bytes_arg checks it.
        match unsafe { bytes_arg(data, len, "data") } {
            Ok(bytes) => reply.offer(bytes, replace),
            Err(_) => Status::InvalidArgument,
        }
    })
}

// ---- Lockfiles (verify-lock) ------------------------------------------------------------------
// One call verifies every artifact a lockfile pins; the attestations it needs are fetched through
// the same host callback as a TUF update, on the calling thread, one at a time.

/// The options of `domainsig_lock_verify`, as JSON.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LockOptions {
    file_name: String,
    index_url: Option<String>,
    registry: Option<String>,
    npmrc: Option<String>,
    trust_file: Option<String>,
    #[serde(default)]
    jobs: usize,
}

/// Verifies every artifact a lockfile pins (pylock.toml, package-lock.json v2/v3,
/// npm-shrinkwrap.json, pnpm-lock.yaml v9) under `policy`, by the digest the lock pins: each
/// artifact's attestation (PyPI provenance through PEP 691 then the Integrity API; npm's
/// `/-/npm/v1/attestations/<name>@<version>` document) is fetched through `fetch(user_data, url,
/// max_len, reply)` (see `domainsig_fetch_fn`), always on the calling thread and one at a time.
/// A host's fetcher should send `Accept: application/vnd.pypi.simple.v1+json,
/// application/vnd.pypi.integrity.v1+json, application/json;q=0.9` (a PEP 691 page served as HTML
/// is read as saying nothing, and the Integrity API is asked instead).
///
/// `options_json` is `{"file_name": "pylock.toml", "index_url": URL, "registry": URL, "npmrc":
/// TEXT_OF_THE_NPMRC_BESIDE_THE_LOCK, "trust_file": TEXT_OF_DOMAINSIG_PUBLISHERS_JSON, "jobs": N}`:
/// `file_name` tells the format; the others are optional (`trust_file`: the npm gate's
/// `domainsig-publishers.json` beside a package-lock.json, whose recorded publishers are pins;
/// `jobs`: verification threads, 0 = one per core).
///
/// Returns `DOMAINSIG_OK` when nothing was refused; the status of the first refused entry when one
/// was; or the input's status (`DOMAINSIG_LOCK_INVALID`, `DOMAINSIG_LIMIT_EXCEEDED`, ...) when the
/// lock or options cannot be read. Unless `result` is NULL, `*result` receives a result whose JSON
/// carries the `report` (one object per entry: name, version, file, index, verdict, status, code,
/// message, publisher) or the `message`.
///
/// # Safety
/// `policy` must come from `domainsig_policy_new`; `lock` must point to `lock_len` readable bytes
/// and `options_json` to `options_len`; `fetch`, when not NULL, must be safe to call with
/// `user_data` during this call; `result` must be writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn domainsig_lock_verify(
    policy: *const domainsig_policy,
    lock: *const u8,
    lock_len: usize,
    options_json: *const u8,
    options_len: usize,
    fetch: domainsig_fetch_fn,
    user_data: *mut c_void,
    result: *mut *mut domainsig_result,
) -> Status {
    ffi_boundary! {
        clear_result!(result);
        if policy.is_null() {
            // SAFETY: `result` is non-NULL and writable.
            return unsafe { give(&Outcome::refused(null_argument("policy")), result) };
        }
        // SAFETY: non-NULL, from domainsig_policy_new and not freed (caller's contract).
        let policy = unsafe { &(*policy).policy };
        let fetcher = HostFetcher { fetch, user_data };
        let report = guarded("while verifying a lock", || -> crate::Result<crate::lock::Report> {
            // SAFETY: the caller's contract covers both buffers for the duration of this call.
            let (bytes, opts) = unsafe { (bytes_arg(lock, lock_len, "lock")?, bytes_arg(options_json, options_len, "options_json")?) };
            let opts: LockOptions = serde_json::from_slice(opts)
                .map_err(|e| error::invalid_argument(format!("expected lock options JSON; found: {e}")).at("options_json"))?;
            let lock_opts = crate::lock::Options {
                index_url: opts.index_url,
                registry: opts.registry,
                npmrc: opts.npmrc,
                trust_file: opts.trust_file,
            };
            let parsed = crate::lock::parse(bytes, &opts.file_name, &lock_opts)?;
            Ok(crate::lock::verify(policy, &parsed, &fetcher, opts.jobs, &|_| {}))
        });
        let boxed = match report {
            Ok(r) => {
                let st = r.entries.iter().map(|e| e.status()).find(|s| *s != Status::Ok).unwrap_or(Status::Ok);
                let report: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap_or_default();
                report_result(st, report)
            }
            Err(e) => make_result(&Outcome::refused(e)),
        };
        // SAFETY: `result` is non-NULL and writable.
        unsafe { give_result(boxed, result) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> *mut domainsig_policy {
        let json = br#"{"version": 1, "identities": [{"issuer": "https://example.com", "san": "a@example.com"}]}"#;
        let mut p = ptr::null_mut();
        let mut e = ptr::null_mut();
        // SAFETY: valid pointers for the call.
        let st = unsafe { domainsig_policy_new(json.as_ptr(), json.len(), &mut p, &mut e) };
        assert_eq!(st, Status::Ok);
        assert!(e.is_null() && !p.is_null());
        p
    }

    fn json_of(r: *const domainsig_result) -> serde_json::Value {
        // SAFETY: r is a live result; the string is NUL-terminated and owned by it.
        let s = unsafe { CStr::from_ptr(domainsig_result_json(r)) };
        serde_json::from_slice(s.to_bytes()).expect("result JSON parses")
    }

    #[test]
    fn null_arguments_name_the_argument() {
        let p = policy();
        let mut r = ptr::null_mut();
        let a = domainsig_artifact {
            data: ptr::null(),
            len: 0,
            path: ptr::null(),
            digest: c"sha256:00".as_ptr(),
            name: ptr::null(),
        };
        // SAFETY: every pointer is valid or deliberately NULL.
        let st = unsafe { domainsig_verify_bundle(p, &a, ptr::null(), 0, ptr::null(), &mut r) };
        assert_eq!(st, Status::InvalidArgument);
        assert_eq!(json_of(r)["field"], "bundle");
        // SAFETY: freeing what we own; NULL frees are no-ops.
        unsafe {
            domainsig_result_free(r);
            domainsig_result_free(ptr::null_mut());
            domainsig_policy_free(p);
            domainsig_policy_free(ptr::null_mut());
        }
        // SAFETY: NULL policy is a documented input.
        let st = unsafe { domainsig_verify_bundle(ptr::null(), &a, b"{}".as_ptr(), 2, ptr::null(), &mut r) };
        assert_eq!(st, Status::InvalidArgument);
        assert_eq!(json_of(r)["field"], "policy");
        // SAFETY: freeing what we own.
        unsafe { domainsig_result_free(r) };
        // SAFETY: NULL out-pointer is a documented input.
        let st = unsafe { domainsig_verify_bundle(ptr::null(), &a, ptr::null(), 0, ptr::null(), ptr::null_mut()) };
        assert_eq!(st, Status::InvalidArgument);
    }

    #[test]
    fn artifact_must_be_exactly_one_thing() {
        let p = policy();
        let bytes = b"x";
        let cases: [(domainsig_artifact, &str); 3] = [
            (
                domainsig_artifact {
                    data: ptr::null(),
                    len: 0,
                    path: ptr::null(),
                    digest: ptr::null(),
                    name: ptr::null(),
                },
                "none of",
            ),
            (
                domainsig_artifact {
                    data: bytes.as_ptr(),
                    len: 1,
                    path: c"/x".as_ptr(),
                    digest: ptr::null(),
                    name: ptr::null(),
                },
                "exactly one",
            ),
            (
                domainsig_artifact {
                    data: ptr::null(),
                    len: 5,
                    path: ptr::null(),
                    digest: ptr::null(),
                    name: ptr::null(),
                },
                "data is NULL",
            ),
        ];
        for (a, msg) in cases {
            let mut r = ptr::null_mut();
            // SAFETY: valid pointers.
            let st = unsafe { domainsig_verify_bundle(p, &a, b"{}".as_ptr(), 2, ptr::null(), &mut r) };
            assert_eq!(st, Status::InvalidArgument);
            let j = json_of(r);
            assert!(j["message"].as_str().unwrap().contains(msg), "{j}");
            // SAFETY: freeing what we own.
            unsafe { domainsig_result_free(r) };
        }
        // SAFETY: freeing what we own.
        unsafe { domainsig_policy_free(p) };
    }

    #[test]
    fn policy_errors_come_back_as_results() {
        let mut p = ptr::null_mut();
        let mut e = ptr::null_mut();
        // SAFETY: valid pointers.
        let st = unsafe { domainsig_policy_new(b"[1]".as_ptr(), 3, &mut p, &mut e) };
        assert_eq!(st, Status::PolicyInvalid);
        assert!(p.is_null());
        // SAFETY: e is a live result.
        assert_eq!(unsafe { domainsig_result_status(e) }, Status::PolicyInvalid);
        assert_eq!(json_of(e)["status"], "POLICY_INVALID");
        // SAFETY: freeing what we own.
        unsafe { domainsig_result_free(e) };
        // SAFETY: NULL out is a documented input.
        let st = unsafe { domainsig_policy_new(b"{}".as_ptr(), 2, ptr::null_mut(), &mut e) };
        assert_eq!(st, Status::InvalidArgument);
        assert_eq!(json_of(e)["field"], "out");
        // SAFETY: freeing what we own.
        unsafe { domainsig_result_free(e) };
    }

    #[test]
    fn panics_stop_at_the_boundary() {
        fn status() -> Status {
            ffi_boundary! { panic!("a bug") }
        }
        fn string() -> *const c_char {
            ffi_boundary! { panic!("a bug") }
        }
        fn nothing() {
            ffi_boundary! { panic!("a bug") }
        }
        assert_eq!(status(), Status::Internal);
        assert!(string().is_null());
        nothing();
    }

    #[test]
    fn status_names_match_the_enum() {
        for s in Status::ALL {
            // SAFETY: a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(domainsig_status_name(s.code() as c_int)) };
            assert_eq!(name.to_str().unwrap(), s.name());
        }
        for bad in [-1, 8, 1000] {
            // SAFETY: a static NUL-terminated string.
            assert_eq!(unsafe { CStr::from_ptr(domainsig_status_name(bad)) }.to_bytes(), b"UNKNOWN");
        }
        // SAFETY: a static NUL-terminated string.
        assert_eq!(unsafe { CStr::from_ptr(domainsig_version()) }.to_str().unwrap(), crate::VERSION);
    }

    #[test]
    fn batch_keeps_order_and_reports_first_refusal() {
        let p = policy();
        let digest = c"sha256:zz";
        let garbage = b"not json";
        let reqs: Vec<domainsig_request> = (0..5)
            .map(|i| domainsig_request {
                artifact: domainsig_artifact {
                    data: ptr::null(),
                    len: 0,
                    path: ptr::null(),
                    digest: if i == 2 {
                        digest.as_ptr()
                    } else {
                        c"sha256:0000000000000000000000000000000000000000000000000000000000000000".as_ptr()
                    },
                    name: ptr::null(),
                },
                bundle: garbage.as_ptr(),
                bundle_len: garbage.len(),
                index_domain: ptr::null(),
            })
            .collect();
        let mut results = vec![ptr::null_mut(); reqs.len()];
        // SAFETY: valid arrays of the right length.
        let st = unsafe { domainsig_verify_many(p, reqs.as_ptr(), reqs.len(), results.as_mut_ptr()) };
        assert_eq!(st, Status::BundleMalformed);
        for (i, r) in results.iter().enumerate() {
            let want = if i == 2 { "ARTIFACT_UNREADABLE" } else { "BUNDLE_MALFORMED" };
            assert_eq!(json_of(*r)["status"], want, "item {i}");
            // SAFETY: freeing what we own.
            unsafe { domainsig_result_free(*r) };
        }
        // SAFETY: freeing what we own.
        unsafe { domainsig_policy_free(p) };
    }
    fn digest_request(bundle: &[u8]) -> domainsig_request {
        domainsig_request {
            artifact: domainsig_artifact {
                data: ptr::null(),
                len: 0,
                path: ptr::null(),
                digest: c"sha256:0000000000000000000000000000000000000000000000000000000000000000".as_ptr(),
                name: ptr::null(),
            },
            bundle: bundle.as_ptr(),
            bundle_len: bundle.len(),
            index_domain: ptr::null(),
        }
    }

    #[test]
    fn batch_results_overlapping_the_requests_are_refused_before_a_write() {
        let p = policy();
        let garbage = b"not json";
        // Room for three requests; the results are asked to land on top of them.
        let mut reqs: Vec<domainsig_request> = (0..3).map(|_| digest_request(garbage)).collect();
        let base = reqs.as_mut_ptr();
        for results in [base.cast::<*mut domainsig_result>(), base.wrapping_add(2).cast()] {
            // SAFETY: both arrays are live; the overlap is what is being refused.
            let st = unsafe { domainsig_verify_many(p, base, 3, results) };
            assert_eq!(st, Status::InvalidArgument);
            assert!(
                reqs.iter().all(|r| r.bundle == garbage.as_ptr() && !r.artifact.digest.is_null()),
                "a request was overwritten"
            );
        }
        // Adjacent is not overlapping.
        let apart: Vec<domainsig_request> = (0..2).map(|_| digest_request(garbage)).collect();
        batch_then_free(p, &apart, Status::BundleMalformed);
    }

    /// Verifies `reqs` as one batch expecting `want`, then frees the results and the policy `p`.
    fn batch_then_free(p: *mut domainsig_policy, reqs: &[domainsig_request], want: Status) {
        let mut results = vec![ptr::null_mut(); reqs.len()];
        // SAFETY: valid arrays of the right length.
        let st = unsafe { domainsig_verify_many(p, reqs.as_ptr(), reqs.len(), results.as_mut_ptr()) };
        assert_eq!(st, want);
        // SAFETY: freeing what we own.
        unsafe {
            results.iter().for_each(|r| domainsig_result_free(*r));
            domainsig_policy_free(p);
        }
    }

    #[test]
    fn batches_past_the_limit_are_refused_whole() {
        let p = policy();
        let garbage = b"not json";
        let n = crate::limits::MAX_BATCH + 1;
        let reqs: Vec<domainsig_request> = (0..n).map(|_| digest_request(garbage)).collect();
        let mut results = vec![ptr::dangling_mut::<domainsig_result>(); n];
        // SAFETY: valid arrays of the right length.
        let st = unsafe { domainsig_verify_many(p, reqs.as_ptr(), n, results.as_mut_ptr()) };
        assert_eq!(st, Status::LimitExceeded);
        assert!(results.iter().all(|r| r.is_null()));
        batch_then_free(p, &reqs[..n - 1], Status::BundleMalformed);
    }

    #[test]
    fn a_policy_file_resolves_its_paths_against_its_folder() {
        let dir = std::env::temp_dir().join(format!("domainsig-ffi-policy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
        std::fs::copy(vectors.join("conformance--rekor2-happy-path/trusted_root.json"), dir.join("root.json")).unwrap();
        let json = r#"{"version": 1, "trusted_root": {"path": "root.json"},
            "identities": [{"issuer": "https://example.com", "san": "a@example.com"}]}"#;
        std::fs::write(dir.join("policy.json"), json).unwrap();
        let path = CString::new(dir.join("policy.json").to_str().unwrap()).unwrap();
        let (mut p, mut e) = (ptr::null_mut(), ptr::null_mut());
        // SAFETY: valid pointers for the call.
        let st = unsafe { domainsig_policy_from_file(path.as_ptr(), &mut p, &mut e) };
        assert_eq!(st, Status::Ok, "{}", if e.is_null() { serde_json::Value::Null } else { json_of(e) });
        assert!(e.is_null() && !p.is_null());
        // SAFETY: freeing what we own.
        unsafe { domainsig_policy_free(p) };
        // The same text from memory resolves against the working directory, where no root.json is.
        // SAFETY: valid pointers for the call.
        let st = unsafe { domainsig_policy_new(json.as_ptr(), json.len(), &mut p, &mut e) };
        assert_ne!(st, Status::Ok);
        // SAFETY: freeing what we own.
        unsafe { domainsig_result_free(e) };
        for (bad, want, field) in [
            (c"/dev/zero", Status::LimitExceeded, "path"),
            (c"/nonexistent/domainsig/policy.json", Status::InputUnreadable, "path"),
            (c"", Status::InvalidArgument, "path"),
        ] {
            // SAFETY: valid pointers for the call.
            let st = unsafe { domainsig_policy_from_file(bad.as_ptr(), &mut p, &mut e) };
            assert_eq!(st, want, "{bad:?}");
            assert!(p.is_null());
            assert_eq!(json_of(e)["field"], field);
            // SAFETY: freeing what we own.
            unsafe { domainsig_result_free(e) };
        }
        // A policy error in the file names the policy's field, not the path argument.
        std::fs::write(dir.join("bad.json"), r#"{"version": 1, "identities": 5}"#).unwrap();
        let bad = CString::new(dir.join("bad.json").to_str().unwrap()).unwrap();
        // SAFETY: valid pointers for the call.
        let st = unsafe { domainsig_policy_from_file(bad.as_ptr(), &mut p, &mut e) };
        assert_eq!(st, Status::PolicyInvalid);
        assert_ne!(json_of(e)["field"], "path", "{}", json_of(e));
        // SAFETY: freeing what we own.
        unsafe { domainsig_result_free(e) };
        // SAFETY: NULL path is a documented input.
        let st = unsafe { domainsig_policy_from_file(ptr::null(), &mut p, &mut e) };
        assert_eq!(st, Status::InvalidArgument);
        // SAFETY: freeing what we own.
        unsafe { domainsig_result_free(e) };
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A host callback for the tests: `*user` is (bytes to offer, code to return); it also says why.
    unsafe extern "C" fn host(
        user: *mut c_void,
        url: *const c_char,
        _max_len: usize,
        reply: *mut domainsig_fetch_reply,
    ) -> i32 {
        // SAFETY: the tests pass a live (usize, i32) pair and the library a NUL-terminated URL.
        let (n, rc) = unsafe { *(user as *const (usize, i32)) };
        // SAFETY: as above.
        assert!(unsafe { CStr::from_ptr(url) }.to_bytes().starts_with(b"http://"));
        let data = vec![b'x'; n];
        // SAFETY: `reply` is the live reply of this call; `data` holds `n` bytes.
        unsafe {
            domainsig_fetch_reply_set(reply, data.as_ptr(), data.len());
            domainsig_fetch_reply_fail(reply, c"HTTP 503".as_ptr());
        }
        rc
    }

    #[test]
    fn host_fetcher_keeps_the_callback_contract() {
        let fetch = |n: usize, rc: i32, max: u64| {
            let mut state = (n, rc);
            let f = HostFetcher { fetch: Some(host), user_data: (&raw mut state).cast() };
            f.fetch("http://127.0.0.1/x.json", max)
        };
        assert_eq!(fetch(10, 0, 10), Ok(Fetched::Bytes(vec![b'x'; 10])));
        assert_eq!(fetch(0, 0, 10), Ok(Fetched::Bytes(Vec::new())));
        assert_eq!(fetch(3, 1, 10), Ok(Fetched::NotFound));
        assert!(fetch(11, 0, 10).unwrap_err().contains("at most 10 are accepted"));
        assert!(fetch(11, 1, 10).unwrap_err().contains("at most 10"), "over the limit wins over not found");
        assert!(fetch(1, 2, 10).unwrap_err().contains("HTTP 503"));
        assert!(fetch(1, i32::MIN, 10).unwrap_err().contains("HTTP 503"));
        let none = HostFetcher { fetch: None, user_data: ptr::null_mut() };
        assert!(none.fetch("http://127.0.0.1/x.json", 1).unwrap_err().contains("no fetch callback"));
        // SAFETY: NULL replies are documented inputs.
        unsafe {
            assert_eq!(domainsig_fetch_reply_set(ptr::null_mut(), ptr::null(), 0), Status::InvalidArgument);
            assert_eq!(domainsig_fetch_reply_append(ptr::null_mut(), ptr::null(), 0), Status::InvalidArgument);
            assert_eq!(domainsig_fetch_reply_fail(ptr::null_mut(), c"x".as_ptr()), Status::InvalidArgument);
        }
    }

    #[test]
    fn reply_appends_up_to_the_limit_and_refusal_sticks() {
        let ((), r) = with_reply(4, |r| {
            // SAFETY: `r` is live; the data pointers hold the given lengths.
            unsafe {
                assert_eq!(domainsig_fetch_reply_append(r, b"ab".as_ptr(), 2), Status::Ok);
                assert_eq!(domainsig_fetch_reply_append(r, b"cd".as_ptr(), 2), Status::Ok);
                assert_eq!(domainsig_fetch_reply_append(r, b"e".as_ptr(), 1), Status::LimitExceeded);
                assert_eq!(domainsig_fetch_reply_set(r, b"a".as_ptr(), 1), Status::LimitExceeded);
                assert_eq!(domainsig_fetch_reply_set(r, ptr::null(), 3), Status::InvalidArgument);
            }
        });
        assert!(r.body.is_none() && r.too_long == Some(5));
        let ((), r) = with_reply(4, |r| {
            // SAFETY: as above; a NULL pointer with a length is refused before it is read.
            unsafe {
                assert_eq!(domainsig_fetch_reply_set(r, ptr::null(), 3), Status::InvalidArgument);
                assert_eq!(domainsig_fetch_reply_set(r, ptr::null(), 0), Status::Ok);
            }
        });
        assert_eq!(r.body.as_deref(), Some(&b""[..]));
        let ((), r) = with_reply(4, |r| {
            // SAFETY: `r` is live; the data pointer holds 4 bytes.
            assert_eq!(unsafe { domainsig_fetch_reply_set(r, b"abcd".as_ptr(), 4) }, Status::Ok);
        });
        assert_eq!(r.body.as_deref(), Some(&b"abcd"[..]));
    }

    #[test]
    fn a_reply_handle_kept_past_its_callback_is_refused() {
        let (stale, r) = with_reply(8, |r| {
            // SAFETY: `r` is live; the data pointer holds 2 bytes.
            assert_eq!(unsafe { domainsig_fetch_reply_set(r, b"ok".as_ptr(), 2) }, Status::Ok);
            r
        });
        assert_eq!(r.body.as_deref(), Some(&b"ok"[..]));
        // A later reply is live meanwhile: the stale handle must not reach it either.
        let ((), later) = with_reply(8, |_| {
            // SAFETY: any handle value is a documented input; the data pointers hold their lengths.
            unsafe {
                assert_eq!(domainsig_fetch_reply_set(stale, b"late".as_ptr(), 4), Status::InvalidArgument);
                assert_eq!(domainsig_fetch_reply_append(stale, b"late".as_ptr(), 4), Status::InvalidArgument);
                assert_eq!(domainsig_fetch_reply_fail(stale, c"late".as_ptr()), Status::InvalidArgument);
            }
        });
        assert!(later.body.is_none() && later.message.is_none());
        // SAFETY: an arbitrary non-NULL value is a documented input; it is looked up, never followed.
        let st = unsafe { domainsig_fetch_reply_set(ptr::without_provenance_mut(usize::MAX - 7), b"x".as_ptr(), 1) };
        assert_eq!(st, Status::InvalidArgument);
    }

    /// A hostile `search` (from a lockfile an index served, through Python or Node): refused
    /// with a short message, before anything is fetched, whatever its size or shape.
    #[test]
    fn a_hostile_search_is_refused_briefly() {
        let update = |cfg: &[u8]| {
            let mut r = ptr::null_mut();
            // SAFETY: valid pointers for the call; a NULL fetch is documented for local repositories.
            let st = unsafe { domainsig_trust_update(cfg.as_ptr(), cfg.len(), None, ptr::null_mut(), &mut r) };
            let j = json_of(r);
            // SAFETY: freeing what we own.
            unsafe { domainsig_result_free(r) };
            (st, j)
        };
        let search = |s: serde_json::Value| {
            serde_json::json!({"tuf": "public-good", "cache": "/nonexistent/domainsig-ffi-search", "search": s})
                .to_string()
                .into_bytes()
        };
        let huge = "x".repeat(1 << 20);
        for (s, want, words) in [
            // A name that is no string, or an ecosystem, or a search, that is a megabyte long.
            (
                serde_json::json!({"index": "pypi.org", "packages": [{"a": huge}]}),
                Status::InvalidArgument,
                "search.packages[0]",
            ),
            (
                serde_json::json!({"index": "pypi.org", "packages": [], "ecosystem": [huge]}),
                Status::InvalidArgument,
                "search.ecosystem",
            ),
            (serde_json::json!([huge]), Status::InvalidArgument, "search"),
            (serde_json::json!({"index": "pypi.org", "packages": ["a\u{0}b"]}), Status::InvalidArgument, "search"),
            (serde_json::json!({"index": "pypi.org", "packages": [huge]}), Status::InvalidArgument, "search"),
            (
                serde_json::json!({"index": "pypi.org", "packages": [], huge.clone(): 1}),
                Status::InvalidArgument,
                "search",
            ),
            (serde_json::json!({"index": huge, "packages": []}), Status::DomainInvalid, "search"),
            (serde_json::json!({"index": "pypi.org", "packages": vec!["a"; 1_000_000]}), Status::LimitExceeded, ""),
        ] {
            let (st, j) = update(&search(s));
            assert_eq!(st, want, "{j}");
            let m = j["message"].as_str().unwrap();
            assert!(m.len() < 1024, "a refusal of {} bytes", m.len());
            assert!(j["field"].as_str().unwrap_or("").starts_with(words), "{j}");
        }
        // A configuration larger than any real one (an inline root and 4,096 names fit in far
        // less) is refused before it is parsed.
        let mut cfg = search(serde_json::json!({"index": "pypi.org", "packages": ["a"]}));
        cfg.splice(1..1, format!("\"pad\": \"{}\", ", "x".repeat(8 << 20)).into_bytes());
        let (st, j) = update(&cfg);
        assert_eq!(st, Status::LimitExceeded, "{}", &j.to_string()[..200]);
    }

    #[test]
    fn trust_calls_check_their_arguments() {
        // SAFETY: NULL out-pointers and NULL config are documented inputs.
        unsafe {
            assert_eq!(
                domainsig_trust_update(b"{}".as_ptr(), 2, None, ptr::null_mut(), ptr::null_mut()),
                Status::InvalidArgument
            );
            assert_eq!(domainsig_trust_status(b"{}".as_ptr(), 2, ptr::null_mut()), Status::InvalidArgument);
        }
        let mut r = ptr::null_mut();
        // SAFETY: valid out-pointer; NULL config is a documented input.
        let st = unsafe { domainsig_trust_status(ptr::null(), 0, &mut r) };
        assert_eq!(st, Status::InvalidArgument);
        assert_eq!(json_of(r)["field"], "config_json");
        // SAFETY: freeing what we own.
        unsafe { domainsig_result_free(r) };
        let cfg = br#"{"tuf": "public-good", "cache": "/nonexistent/domainsig-ffi-test"}"#;
        // SAFETY: valid pointers.
        let st = unsafe { domainsig_trust_status(cfg.as_ptr(), cfg.len(), &mut r) };
        assert_eq!(st, Status::TufMissing);
        assert!(json_of(r)["message"].as_str().unwrap().contains("trust update"), "{}", json_of(r));
        // SAFETY: freeing what we own.
        unsafe { domainsig_result_free(r) };
    }

    #[test]
    fn lock_verify_checks_its_arguments_and_reads_the_lock() {
        // SAFETY: a NULL result pointer is a documented input.
        let st = unsafe {
            domainsig_lock_verify(ptr::null(), ptr::null(), 0, ptr::null(), 0, None, ptr::null_mut(), ptr::null_mut())
        };
        assert_eq!(st, Status::InvalidArgument);
        let p = policy();
        let mut r = ptr::null_mut();
        let call = |lock: &[u8], opts: &[u8], r: &mut *mut domainsig_result| {
            // SAFETY: valid pointers for the call; no fetch callback (a lock that needs none).
            unsafe {
                domainsig_lock_verify(p, lock.as_ptr(), lock.len(), opts.as_ptr(), opts.len(), None, ptr::null_mut(), r)
            }
        };
        assert_eq!(call(b"", b"{", &mut r), Status::InvalidArgument);
        assert_eq!(json_of(r)["field"], "options_json");
        // SAFETY: freeing what we own.
        unsafe { domainsig_result_free(r) };
        assert_eq!(call(b"x", br#"{"file_name": "requirements.txt"}"#, &mut r), Status::LockInvalid);
        // SAFETY: freeing what we own.
        unsafe { domainsig_result_free(r) };
        // A lock of local entries only: nothing to fetch, nothing refused, the report in the result.
        let lock =
            br#"{"lockfileVersion": 3, "packages": {"": {}, "node_modules/l": {"resolved": "../l", "link": true}}}"#;
        assert_eq!(call(lock, br#"{"file_name": "package-lock.json", "jobs": 1}"#, &mut r), Status::Ok);
        let j = json_of(r);
        assert_eq!(j["report"]["listed"], 1, "{j}");
        // SAFETY: freeing what we own.
        unsafe { domainsig_result_free(r) };
        // A registry entry with no fetch callback: refused (the fetch failed), with the report.
        let sri = format!("sha512-{}==", "A".repeat(86));
        let lock = format!(
            r#"{{"lockfileVersion": 3, "packages": {{"node_modules/a": {{"version": "1.0.0", "integrity": "{sri}"}}}}}}"#
        );
        assert_eq!(call(lock.as_bytes(), br#"{"file_name": "package-lock.json"}"#, &mut r), Status::AttestationMissing);
        let j = json_of(r);
        assert!(j["report"]["entries"][0]["message"].as_str().unwrap().contains("no fetch callback"), "{j}");
        // SAFETY: freeing what we own.
        unsafe {
            domainsig_result_free(r);
            domainsig_policy_free(p);
        }
    }
}
