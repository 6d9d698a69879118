'use strict';
// domainsig for Node: may this artifact, fetched from this index, be installed under this policy?
// A thin layer over the N-API addon, which calls libdomainsig's C ABI.

const fs = require('node:fs');
const native = require('./build/Release/domainsig.node');

/** Status name -> stable number (the C header's DOMAINSIG_* values). */
const STATUS = Object.freeze({
  OK: 0, INVALID_ARGUMENT: 1, POLICY_INVALID: 2, BUNDLE_MALFORMED: 3, BUNDLE_UNSUPPORTED: 4,
  TRUSTED_ROOT_INVALID: 5, ARTIFACT_UNREADABLE: 6, CERTIFICATE_INVALID: 10, SCT_INVALID: 11,
  SIGNATURE_INVALID: 12, ARTIFACT_MISMATCH: 13, TLOG_INCLUSION_PROOF: 14, TLOG_CHECKPOINT: 15,
  TLOG_SET: 16, TLOG_BODY_MISMATCH: 17, TLOG_MISSING: 18, TIMESTAMP_INVALID: 19,
  NO_VERIFIED_TIME: 20, IDENTITY_MISMATCH: 30, ISSUER_MISMATCH: 31, CLAIM_MISMATCH: 32,
  KEY_MISMATCH: 33, SUBJECT_MISMATCH: 40, PREDICATE_UNSUPPORTED: 41, DOMAIN_MISSING: 42,
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
  }
}

function toResult(raw) {
  const details = raw.json ? JSON.parse(raw.json) : {};
  return { ok: raw.status === 0, status: raw.status, code: NAMES[raw.status] || 'UNKNOWN', details };
}

const DIGEST = /^sha(256|384|512):[0-9a-fA-F]+$/;

function toBuffer(v) {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return null;
}

function item(opts, defaults) {
  if (opts === null || typeof opts !== 'object') throw new TypeError('expected {artifact, bundle, indexDomain, name}');
  const { artifact, bundle } = opts;
  const indexDomain = opts.indexDomain !== undefined ? opts.indexDomain : defaults && defaults.indexDomain;
  let kind;
  let value = toBuffer(artifact);
  if (value) kind = 0;
  else if (typeof artifact === 'string') { kind = DIGEST.test(artifact) ? 2 : 1; value = artifact; }
  else throw new TypeError('artifact must be a Buffer, a path or "sha256:<hex>"');
  let b = toBuffer(bundle);
  if (!b) {
    if (typeof bundle === 'string') b = bundle.trimStart().startsWith('{') ? Buffer.from(bundle) : fs.readFileSync(bundle);
    else if (bundle && typeof bundle === 'object') b = Buffer.from(JSON.stringify(bundle));
    else throw new TypeError('bundle must be a Buffer, JSON text, a parsed object or a path');
  }
  return [kind, value, opts.name == null ? null : opts.name, b, indexDomain == null ? null : indexDomain];
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

  /** Compiles a policy from an object or JSON text; throws VerificationError (POLICY_INVALID...). */
  static fromJSON(policy) {
    const text = typeof policy === 'string' ? policy : JSON.stringify(policy);
    const handle = native.policyNew(text);
    if (handle && typeof handle === 'object' && 'status' in handle) {
      const r = toResult(handle);
      throw new VerificationError(r.status, r.details);
    }
    return new Policy(handle);
  }

  /** Verifies off the event loop (libuv pool); resolves with the result or rejects with a VerificationError. */
  verify(opts) {
    try {
      return native.verify(this._handle, item(opts)).then(settle);
    } catch (e) {
      return Promise.reject(e);
    }
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
    try {
      return native.verifyMany(this._handle, Array.from(items, (i) => item(i, defaults))).then((rs) => rs.map(toResult));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

module.exports = {
  Policy,
  VerificationError,
  STATUS,
  statusName: (n) => native.statusName(n),
  version: () => native.version(),
};
// The trust-update door (trust.js) needs VerificationError above, so it loads after it.
module.exports.trust = require('./trust');
