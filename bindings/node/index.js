'use strict';
// domainsig for Node: may this artifact, fetched from this index, be installed under this policy?
// A thin layer over the N-API addon, which calls libdomainsig's C ABI.

const fs = require('node:fs');
const native = require('./addon.js').load();

/** Status name -> stable number (the C header's DOMAINSIG_* values). */
const STATUS = Object.freeze({
  OK: 0, INVALID_ARGUMENT: 1, POLICY_INVALID: 2, BUNDLE_MALFORMED: 3, BUNDLE_UNSUPPORTED: 4,
  TRUSTED_ROOT_INVALID: 5, ARTIFACT_UNREADABLE: 6, INPUT_UNREADABLE: 7, CERTIFICATE_INVALID: 10, SCT_INVALID: 11,
  SIGNATURE_INVALID: 12, ARTIFACT_MISMATCH: 13, TLOG_INCLUSION_PROOF: 14, TLOG_CHECKPOINT: 15,
  TLOG_SET: 16, TLOG_BODY_MISMATCH: 17, TLOG_MISSING: 18, TIMESTAMP_INVALID: 19,
  NO_VERIFIED_TIME: 20, IDENTITY_MISMATCH: 30, ISSUER_MISMATCH: 31, CLAIM_MISMATCH: 32,
  KEY_MISMATCH: 33, TOO_RECENT: 34, SUBJECT_MISMATCH: 40, PREDICATE_UNSUPPORTED: 41, DOMAIN_MISSING: 42,
  DOMAIN_MISMATCH: 43, AUDIENCE_MISMATCH: 44, DOMAIN_INVALID: 45,
  TUF_REFUSED: 60, TUF_EXPIRED: 61, TUF_MISSING: 62, TUF_FETCH: 63, TUF_CACHE: 64, LOCK_INVALID: 70,
  ATTESTATION_MISSING: 71, LIMIT_EXCEEDED: 90, INTERNAL: 99,
});
const NAMES = Object.freeze(Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [v, k])));

function family(status) {
  if (status === 0) return 'ok';
  if (status <= 9) return 'input';
  if (status <= 29) return 'crypto';
  if (status <= 39) return 'identity';
  if (status <= 49) return 'domain';
  if (status >= 60 && status <= 70) return 'input';
  if (status === 71) return 'identity';
  return 'internal';
}

/** A refusal: `code` is the status name, `status` the number, `details` the result JSON. */
class VerificationError extends Error {
  constructor(status, details) {
    const code = NAMES[status] || 'UNKNOWN';
    super(`${code}: ${(details && details.message) || code}`);
    this.name = 'VerificationError';
    this.code = code;
    this.status = status;
    this.family = family(status);
    this.details = details || {};
    this.publisher = this.details.publisher || null;
  }
}

function toResult(raw) {
  const details = raw.json ? JSON.parse(raw.json) : {};
  const publisher = details.publisher || null;
  return { ok: raw.status === 0, status: raw.status, code: NAMES[raw.status] || 'UNKNOWN', details, publisher };
}

// Mirrors src/limits.rs (the tests check): a file is read at most limit + 1 bytes.
const MAX_BUNDLE_BYTES = 8 << 20;
// Mirrors src/limits.rs MAX_BATCH (the tests check): the most items in one verifyMany call.
const MAX_BATCH = 10000;

/** A string artifact with one of these prefixes is a digest; any other string is a path. */
const DIGEST = /^sha(256|384|512):/;

function kind(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object (${(v.constructor && v.constructor.name) || 'Object'})`;
  return typeof v;
}

/** The library's error for an unusable argument value, shaped like a native result. */
function refusal(code, message, field) {
  const status = STATUS[code];
  return new VerificationError(status, { status: code, code: status, family: family(status), message, field });
}

/** Whether a string can be UTF-8 (no lone surrogates); String#isWellFormed is Node 20+. */
const LONE_SURROGATE = /\p{Surrogate}/u;
function wellFormed(s) {
  return !LONE_SURROGATE.test(s);
}

function toBuffer(v) {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return null;
}

/**
 * The caller's bytes as a Buffer of our own, copied now. A verification on the libuv pool reads
 * them later: the verdict must be about the bytes passed, whatever the caller then writes into
 * its Buffer, or if it transfers the underlying ArrayBuffer away (which would free the memory
 * under the hash).
 */
function ownCopy(v) {
  const b = toBuffer(v);
  if (!b) return null;
  const copy = Buffer.allocUnsafeSlow(b.length);
  b.copy(copy);
  return copy;
}

/** A string argument for C: refuses NULs (C would truncate there) and lone surrogates (UTF-8 cannot carry them). */
function cString(v, field) {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new TypeError(`${field} must be a string or null, not ${kind(v)}`);
  if (v.includes('\0')) throw refusal('INVALID_ARGUMENT', `${field} contains a NUL character`, field);
  if (!wellFormed(v)) throw refusal('INVALID_ARGUMENT', `${field} is not valid Unicode text (a lone surrogate)`, field);
  return v;
}

/**
 * Reads a caller-named file whole, never more than `limit` + 1 bytes (like the library's
 * `limits::read_bounded`): /dev/zero, a FIFO or a runaway file is LIMIT_EXCEEDED, any failure to
 * open or read it INPUT_UNREADABLE, never a raw ENOENT or ENAMETOOLONG. `io` is fs (blocking, for
 * the *Sync and constructor paths) or asyncIo (for verify and verifyMany, off the event loop).
 */
function readBounded(path, limit, what, field, io = syncIo) {
  if (typeof path !== 'string') throw new TypeError(`${field} must be a string (a file path), not ${kind(path)}`);
  cString(path, field);
  const shown = path.length > 200 ? `${path.slice(0, 200)}... (${path.length} characters)` : path;
  const tooLarge = (found) => refusal('LIMIT_EXCEEDED', `${what} ${shown} is too large: at most ${limit} bytes allowed, found ${found}`, field);
  const unreadable = (e) => {
    if (e instanceof VerificationError) return e;
    // fs messages repeat the path after a comma; the code and reason are enough.
    return refusal('INPUT_UNREADABLE', `cannot read ${what} ${shown}: ${String(e.message).split(',')[0]}`, field);
  };
  return io.run(function* read() {
    const fd = yield io.open(path);
    try {
      const st = yield io.fstat(fd);
      if (st.isDirectory()) throw new Error('EISDIR: expected a file, found a directory');
      if (st.isFile() && st.size > limit) throw tooLarge(st.size);
      const cap = limit + 1;
      let buf = Buffer.allocUnsafe(Math.min(cap, st.isFile() ? st.size + 1 : 64 << 10));
      let n = 0;
      for (;;) {
        if (n === buf.length) {
          if (n === cap) break;
          const bigger = Buffer.allocUnsafe(Math.min(cap, n * 2));
          buf.copy(bigger, 0, 0, n);
          buf = bigger;
        }
        const k = yield io.read(fd, buf, n);
        if (k === 0) break;
        n += k;
      }
      if (n > limit) throw tooLarge('more');
      return buf.subarray(0, n);
    } finally {
      yield io.close(fd);
    }
  }, unreadable);
}

/** Runs readBounded's steps blocking: each yielded value is the step's result. */
const syncIo = {
  open: (p) => fs.openSync(p, 'r'),
  fstat: (fd) => fs.fstatSync(fd),
  read: (fd, buf, n) => fs.readSync(fd, buf, n, buf.length - n, null),
  close: (fd) => fs.closeSync(fd),
  run(gen, mapError) {
    const it = gen();
    let r;
    try {
      r = it.next();
      while (!r.done) r = it.next(r.value);
    } catch (e) {
      throw mapError(e);
    }
    return r.value;
  },
};

/** Runs readBounded's steps on the libuv pool: each yielded value is a promise. */
const asyncIo = {
  open: (p) => fs.promises.open(p, 'r'),
  fstat: (fh) => fh.stat(),
  read: (fh, buf, n) => fh.read(buf, n, buf.length - n, null).then((r) => r.bytesRead),
  close: (fh) => fh.close(),
  async run(gen, mapError) {
    const it = gen();
    try {
      let r = it.next();
      while (!r.done) {
        let value;
        try {
          value = await r.value;
        } catch (e) {
          r = it.throw(e);
          continue;
        }
        r = it.next(value);
      }
      return r.value;
    } catch (e) {
      throw mapError(e);
    }
  },
};

/**
 * Bundle content: a Buffer/Uint8Array, JSON text or the parsed object. A string is never a
 * path: a file is named only by `bundlePath`.
 */
function bundleBytes(opts, where, copy) {
  const hasContent = opts.bundle !== undefined && opts.bundle !== null;
  const hasPath = opts.bundlePath !== undefined && opts.bundlePath !== null;
  if (hasContent && hasPath) throw new TypeError(`${where}give bundle (the content) or bundlePath (a file), not both`);
  if (hasPath) return readBounded(opts.bundlePath, MAX_BUNDLE_BYTES, 'bundle', `${where}bundlePath`);
  const { bundle } = opts;
  const field = `${where}bundle`;
  const b = copy ? ownCopy(bundle) : toBuffer(bundle);
  if (b) return b;
  if (typeof bundle === 'string') {
    if (!wellFormed(bundle)) throw refusal('BUNDLE_MALFORMED', `${field} is not valid Unicode text (a lone surrogate)`, field);
    return Buffer.from(bundle, 'utf8');
  }
  if (bundle && typeof bundle === 'object') {
    let text;
    try {
      text = JSON.stringify(bundle);
    } catch (e) {
      throw refusal('BUNDLE_MALFORMED', `${field} is not JSON data: ${e.message}`, field);
    }
    return Buffer.from(text, 'utf8');
  }
  if (!hasContent) throw new TypeError(`${where}bundle (the content) or bundlePath (a file) is required`);
  throw new TypeError(`${field} must be a Buffer, a Uint8Array, JSON text or the parsed object, not ${kind(bundle)} (a file is bundlePath)`);
}

/**
 * One item for the addon: [kind, value, name, bundle, indexDomain]. With `copy`, Buffer contents
 * are copied now (for verifications that run later, off this thread); a bundlePath is not read
 * here when `deferPath` is set: the bundle slot then holds `{bundlePath}`, taken now, for the caller to read.
 */
function item(opts, defaults, where = '', copy = false, deferPath = false) {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`${where || 'options '}must be an object {artifact, bundle | bundlePath, indexDomain, name}, not ${kind(opts)}`);
  }
  const { artifact } = opts;
  const indexDomain = cString(opts.indexDomain !== undefined ? opts.indexDomain : defaults && defaults.indexDomain, `${where}indexDomain`);
  let artifactKind;
  let value = copy ? ownCopy(artifact) : toBuffer(artifact);
  if (value) artifactKind = 0;
  else if (typeof artifact === 'string') {
    artifactKind = DIGEST.test(artifact) ? 2 : 1;
    value = cString(artifact, `${where}artifact`);
  } else throw new TypeError(`${where}artifact must be a Buffer, a Uint8Array, a path or "sha256:<hex>", not ${kind(artifact)}`);
  const name = cString(opts.name, `${where}name`);
  if (deferPath) {
    // The path is taken now, like the bytes: the options object may be changed before the read.
    const bundlePath = opts.bundlePath;
    if (bundlePath != null && opts.bundle == null) return [artifactKind, value, name, { bundlePath }, indexDomain];
  }
  return [artifactKind, value, name, bundleBytes(opts, where, copy), indexDomain];
}

/**
 * As item() with private copies of the caller's bytes, taken synchronously (at call time); a
 * bundlePath is then read off the event loop by the returned function.
 */
function itemLater(opts, defaults, where = '') {
  const it = item(opts, defaults, where, true, true);
  if (Buffer.isBuffer(it[3])) return async () => it;
  const { bundlePath } = it[3];
  it[3] = null;
  return async () => {
    it[3] = await readBounded(bundlePath, MAX_BUNDLE_BYTES, 'bundle', `${where}bundlePath`, asyncIo);
    return it;
  };
}

function settle(raw) {
  const r = toResult(raw);
  if (!r.ok) throw new VerificationError(r.status, r.details);
  return r;
}

/** A compiled policy: immutable, shared by every verification (concurrent ones included). */
class Policy {
  constructor(handle) {
    if (!handle) throw new TypeError('use Policy.fromJSON');
    this._handle = handle;
  }

  /**
   * Compiles a policy from its content: the parsed object, JSON text or a Buffer/Uint8Array of
   * it (never a path: see fromFile). Throws VerificationError (POLICY_INVALID...) or TypeError.
   */
  static fromJSON(policy) {
    let text;
    const buf = toBuffer(policy);
    if (buf) {
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
      } catch {
        throw refusal('POLICY_INVALID', 'policy is not UTF-8 text', 'policy');
      }
    } else if (typeof policy === 'string') text = policy;
    else if (policy !== null && typeof policy === 'object' && !Array.isArray(policy)) {
      try {
        text = JSON.stringify(policy);
      } catch (e) {
        throw refusal('POLICY_INVALID', `policy is not JSON data: ${e.message}`, 'policy');
      }
    } else throw new TypeError(`policy must be an object, JSON text or a Buffer, not ${kind(policy)} (a file is Policy.fromFile)`);
    // Raw NULs and lone surrogates are never valid JSON text.
    if (text.includes('\0') || !wellFormed(text)) {
      throw refusal('POLICY_INVALID', 'policy is not valid JSON text (a NUL character or a lone surrogate)', 'policy');
    }
    const handle = native.policyNew(text);
    if (handle && typeof handle === 'object' && 'status' in handle) {
      const r = toResult(handle);
      throw new VerificationError(r.status, r.details);
    }
    return new Policy(handle);
  }

  /**
   * Compiles the policy JSON in a file (read by the library, at most 1 MiB). A relative
   * `trusted_root.path` or key `path` in it resolves against the file's folder, as in the CLI,
   * Python and the C ABI (domainsig_policy_from_file).
   */
  static fromFile(path) {
    if (typeof path !== 'string') throw new TypeError(`path must be a string (a file path), not ${kind(path)}`);
    cString(path, 'path');
    const handle = native.policyFromFile(path);
    if (handle && typeof handle === 'object' && 'status' in handle) {
      const r = toResult(handle);
      throw new VerificationError(r.status, r.details);
    }
    return new Policy(handle);
  }

  /**
   * Verifies off the event loop (libuv pool); resolves with the result or rejects with a
   * VerificationError. The bytes passed are copied at once: writing into the caller's Buffer, or
   * transferring its ArrayBuffer away, after the call cannot change the verdict.
   */
  verify(opts) {
    let later;
    try {
      later = itemLater(opts);
    } catch (e) {
      return Promise.reject(e);
    }
    return later().then((it) => native.verify(this._handle, it)).then(settle);
  }

  /** As verify(), blocking the calling thread. */
  verifySync(opts) {
    return settle(native.verifySync(this._handle, item(opts)));
  }

  /**
   * Judges a file that has NO attestation (its registry serves none, a tarball URL no registry
   * lists): returns the warnings to show when nothing asks for provenance of its package, so it
   * may be installed; throws VerificationError otherwise: ATTESTATION_MISSING (71) naming every
   * voice that asks and what it said (domains.mode "require", identities, publishers, keys,
   * min_age, packages[P], a publisher map that governs indexDomain and names publishers for the
   * package, or first_sight off when none of these speaks), TUF_MISSING when such a map never searched
   * for it. `name` is a file name or purl as in verify() (npm: `pkg:npm/%40scope/name@1.0.0`),
   * or a bare PyPI project name; `indexDomain` null for a file no index listed (every map then
   * governs it). The one rule of domainsig_policy_judge_unattested, shared by every door.
   */
  judgeUnattested(name, indexDomain) {
    if (typeof name !== 'string') throw new TypeError(`name must be a string, not ${kind(name)}`);
    cString(name, 'name');
    const r = settle(native.judgeUnattested(this._handle, name, cString(indexDomain === undefined ? null : indexDomain, 'indexDomain')));
    const w = r.details && r.details.warnings;
    return Array.isArray(w) ? w.map(String) : [];
  }

  /**
   * Verifies many items in one native call on a small bounded thread pool. Resolves with one
   * result per item, in order (refusals included, `ok: false`); never rejects for a refusal.
   * At most 10,000 items (every result is held until the batch settles): a larger batch rejects
   * with LIMIT_EXCEEDED; verify a larger set in several calls. Bytes are copied at call time, as
   * in verify().
   */
  verifyMany(items, defaults) {
    if (items === null || items === undefined || typeof items[Symbol.iterator] !== 'function' || typeof items === 'string') {
      return Promise.reject(new TypeError(`items must be an iterable of {artifact, bundle | bundlePath, indexDomain, name}, not ${kind(items)}`));
    }
    if (defaults !== undefined && (defaults === null || typeof defaults !== 'object')) {
      return Promise.reject(new TypeError(`defaults must be an object {indexDomain}, not ${kind(defaults)}`));
    }
    // Stop reading the iterable one past the limit: an endless one must not fill memory first.
    const list = [];
    try {
      for (const it of items) {
        list.push(it);
        if (list.length > MAX_BATCH) {
          throw refusal('LIMIT_EXCEEDED', `items: at most ${MAX_BATCH} items in one batch, found more; verify them in several batches`, 'items');
        }
      }
    } catch (e) {
      return Promise.reject(e);
    }
    // Every item is checked and copied now, synchronously; only bundlePath files are read later.
    const answers = [];
    const pending = [];
    for (let i = 0; i < list.length; i++) {
      try {
        pending.push(itemLater(list[i], defaults, `items[${i}]: `));
        answers.push(null);
      } catch (e) {
        if (!(e instanceof VerificationError)) return Promise.reject(e);
        answers.push({ ok: false, status: e.status, code: e.code, details: e.details });
      }
    }
    return (async () => {
      // An item with an unusable value is a refusal in its place; a wrong type rejects the call.
      // Files are read one at a time, so a large batch cannot run out of file descriptors.
      const prepared = [];
      let k = 0;
      for (let i = 0; i < answers.length; i++) {
        if (answers[i]) continue;
        try {
          prepared.push(await pending[k++]());
        } catch (e) {
          if (!(e instanceof VerificationError)) throw e;
          answers[i] = { ok: false, status: e.status, code: e.code, details: e.details };
        }
      }
      if (prepared.length === 0) return answers;
      const rs = await native.verifyMany(this._handle, prepared);
      let j = 0;
      return answers.map((a) => a || toResult(rs[j++]));
    })();
  }
}

/** The stable name of a status number (`43` -> `'DOMAIN_MISMATCH'`). */
function statusName(n) {
  return native.statusName(n);
}

/** The library version, the same as the package's. */
function version() {
  return native.version();
}

// Plain names only, so that ESM `import { Policy } from 'domainsig'` sees every export.
module.exports = {
  Policy,
  VerificationError,
  STATUS,
  statusName,
  version,
};
// The trust-update door (trust.js) needs VerificationError above, so it loads after it.
module.exports.trust = require('./trust');
// The lock door (lock.js): verify-lock from Node.
module.exports.lock = require('./lock');
