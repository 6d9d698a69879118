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
  TUF_REFUSED: 60, TUF_EXPIRED: 61, TUF_MISSING: 62, TUF_FETCH: 63, TUF_CACHE: 64, LIMIT_EXCEEDED: 90, INTERNAL: 99,
});
const NAMES = Object.freeze(Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [v, k])));

function family(status) {
  if (status === 0) return 'ok';
  if (status <= 9) return 'input';
  if (status <= 29) return 'crypto';
  if (status <= 39) return 'identity';
  if (status <= 49) return 'domain';
  if (status >= 60 && status <= 69) return 'input';
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
const MAX_POLICY_BYTES = 1 << 20;

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
function bundleBytes(opts, where) {
  const hasContent = opts.bundle !== undefined && opts.bundle !== null;
  const hasPath = opts.bundlePath !== undefined && opts.bundlePath !== null;
  if (hasContent && hasPath) throw new TypeError(`${where}give bundle (the content) or bundlePath (a file), not both`);
  if (hasPath) return readBounded(opts.bundlePath, MAX_BUNDLE_BYTES, 'bundle', `${where}bundlePath`);
  const { bundle } = opts;
  const field = `${where}bundle`;
  const b = toBuffer(bundle);
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

function item(opts, defaults, where = '') {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`${where || 'options '}must be an object {artifact, bundle | bundlePath, indexDomain, name}, not ${kind(opts)}`);
  }
  const { artifact } = opts;
  const indexDomain = cString(opts.indexDomain !== undefined ? opts.indexDomain : defaults && defaults.indexDomain, `${where}indexDomain`);
  let artifactKind;
  let value = toBuffer(artifact);
  if (value) artifactKind = 0;
  else if (typeof artifact === 'string') {
    artifactKind = DIGEST.test(artifact) ? 2 : 1;
    value = cString(artifact, `${where}artifact`);
  } else throw new TypeError(`${where}artifact must be a Buffer, a Uint8Array, a path or "sha256:<hex>", not ${kind(artifact)}`);
  const name = cString(opts.name, `${where}name`);
  return [artifactKind, value, name, bundleBytes(opts, where), indexDomain];
}

/** As item(), reading a bundlePath off the event loop. */
async function itemAsync(opts, defaults, where = '') {
  if (opts && typeof opts === 'object' && opts.bundlePath != null && opts.bundle == null) {
    const bundle = await readBounded(opts.bundlePath, MAX_BUNDLE_BYTES, 'bundle', `${where}bundlePath`, asyncIo);
    return item({ ...opts, bundlePath: undefined, bundle }, defaults, where);
  }
  return item(opts, defaults, where);
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

  /** Compiles the policy JSON in a file (read at most 1 MiB + 1 byte; relative trusted_root.path against the working directory). */
  static fromFile(path) {
    return Policy.fromJSON(readBounded(path, MAX_POLICY_BYTES, 'policy', 'path'));
  }

  /** Verifies off the event loop (libuv pool); resolves with the result or rejects with a VerificationError. */
  verify(opts) {
    return itemAsync(opts).then((it) => native.verify(this._handle, it)).then(settle);
  }

  /** As verify(), blocking the calling thread. */
  verifySync(opts) {
    return settle(native.verifySync(this._handle, item(opts)));
  }

  /**
   * Verifies many items in one native call on a small bounded thread pool. Resolves with one
   * result per item, in order (refusals included, `ok: false`); never rejects for a refusal.
   */
  verifyMany(items, defaults) {
    if (items === null || items === undefined || typeof items[Symbol.iterator] !== 'function' || typeof items === 'string') {
      return Promise.reject(new TypeError(`items must be an iterable of {artifact, bundle | bundlePath, indexDomain, name}, not ${kind(items)}`));
    }
    if (defaults !== undefined && (defaults === null || typeof defaults !== 'object')) {
      return Promise.reject(new TypeError(`defaults must be an object {indexDomain}, not ${kind(defaults)}`));
    }
    const list = Array.from(items);
    return (async () => {
      // An item with an unusable value is a refusal in its place; a wrong type rejects the call.
      // Files are read one at a time, so a large batch cannot run out of file descriptors.
      const answers = [];
      const prepared = [];
      for (let i = 0; i < list.length; i++) {
        try {
          prepared.push(await itemAsync(list[i], defaults, `items[${i}]: `));
          answers.push(null);
        } catch (e) {
          if (!(e instanceof VerificationError)) throw e;
          answers.push({ ok: false, status: e.status, code: e.code, details: e.details });
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
