'use strict';
// Trust that stays fresh: Sigstore's TUF repository (or your own) updated through *your* network.
//
// The update runs in libdomainsig on the libuv pool; each file it needs is fetched here, on the main
// thread, by `fetch(url, maxLen)` (the global `fetch` by default), so the event loop never blocks
// and proxies, CA bundles and mirrors stay the application's. A policy then names the same
// repository and cache (`trustedRoot(...)`) and verifies with the trusted root that came out.
//
// Arguments follow one rule: text from the network never becomes a path. `repo` is 'public-good',
// 'staging' or a URL (https:, http:, file:); a local directory is `repoDir`. A custom repository's
// bootstrap root.json is `root` (its content: Buffer, Uint8Array, JSON text or a parsed object) or
// `rootPath` (a file). `cache` is a directory.

const path = require('node:path');
const native = require('./addon.js').load();

const FETCH_BYTES = 0;
const FETCH_NOT_FOUND = 1;
const FETCH_FAILED = 2;
// The library's limit on a TUF metadata file (src/limits.rs MAX_TUF_METADATA_BYTES), checked here
// before parsing so that a huge `root` costs nothing.
const MAX_ROOT_BYTES = 1 << 20;

function typeError(message) {
  const e = new TypeError(message);
  e.code = 'ERR_INVALID_ARG_TYPE';
  return e;
}

function kind(v) {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function inputError(message, field) {
  const { VerificationError } = require('./index');
  return new VerificationError(1, { status: 'INVALID_ARGUMENT', code: 1, family: 'input', message, field });
}

function toBuffer(v) {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  return null;
}

/** The `{tuf, cache}` value for a policy's `trusted_root`: the words every door takes. */
function trustedRoot(opts = {}) {
  if (opts === null || typeof opts !== 'object') throw typeError(`options must be an object, not ${kind(opts)}`);
  const { repo, repoDir, root, rootPath, cache } = opts;
  let location = null;
  if (repoDir !== undefined) {
    if (repo !== undefined) throw inputError('give repo or repoDir, not both', 'repoDir');
    if (typeof repoDir !== 'string') throw typeError(`repoDir must be a string, not ${kind(repoDir)}`);
    location = path.resolve(repoDir);
  } else if (repo === undefined || repo === 'public-good' || repo === 'staging') {
    location = null;
  } else if (repo instanceof URL || typeof repo === 'string') {
    const s = String(repo);
    if (!/^(https?|file):\/\//.test(s)) {
      throw inputError(`repo must be 'public-good', 'staging' or an https:, http: or file: URL, not ${JSON.stringify(s.slice(0, 200))}; give a directory as repoDir`, 'repo');
    }
    location = s;
  } else {
    throw typeError(`repo must be a string or URL, not ${kind(repo)}`);
  }
  let tuf;
  if (location === null) {
    if (root !== undefined || rootPath !== undefined) throw inputError(`root is only for a custom repository; ${repo || 'public-good'} has its bootstrap root built in`, 'root');
    tuf = repo || 'public-good';
  } else {
    // root bootstraps the first update only: once the cache holds a verified state of this
    // repository, the library trusts that state (as python-tuf does), so root may be left out.
    tuf = root === undefined && rootPath === undefined ? { repo: location } : { repo: location, root: bootstrapRoot(root, rootPath) };
  }
  const out = { tuf };
  if (cache !== undefined && cache !== null) {
    if (typeof cache !== 'string') throw typeError(`cache must be a string, not ${kind(cache)}`);
    out.cache = path.resolve(cache);
  }
  return out;
}

function bootstrapRoot(root, rootPath) {
  if (root !== undefined && rootPath !== undefined) throw inputError('give root or rootPath, not both', 'root');
  if (rootPath !== undefined) {
    if (typeof rootPath !== 'string') throw typeError(`rootPath must be a string, not ${kind(rootPath)}`);
    return path.resolve(rootPath);
  }
  const b = toBuffer(root);
  const size = b ? b.length : typeof root === 'string' ? root.length : 0;
  if (size > MAX_ROOT_BYTES) {
    const { VerificationError } = require('./index');
    throw new VerificationError(90, { status: 'LIMIT_EXCEEDED', code: 90, family: 'internal', field: 'root',
      message: `root is ${size} long; a root.json is at most ${MAX_ROOT_BYTES} bytes` });
  }
  let parsed = root;
  if (b || typeof root === 'string') {
    try {
      parsed = JSON.parse(b ? b.toString('utf8') : root);
    } catch (e) {
      throw inputError(`root is not root.json content (JSON): ${e.message}; give a file as rootPath`, 'root');
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    if (!b && typeof root !== 'string' && typeof root !== 'object') throw typeError(`root must be a Buffer, Uint8Array, string or object, not ${kind(root)}`);
    throw inputError(`root must be a JSON object, not ${kind(parsed)}`, 'root');
  }
  return parsed;
}

/** The default fetcher gives up on a file after this long in all (the CLI's limit). */
const FETCH_DEADLINE_MS = 60000;

/**
 * The default fetcher: the global `fetch` (Node 18+), at most `maxLen + 1` bytes read so an endless
 * body is cut off (and refused by the library); 404 and 403 are "not found". The whole answer must
 * arrive within `deadlineMs` (60 s by default), however slowly a server trickles it.
 */
async function defaultFetch(url, maxLen, { deadlineMs = FETCH_DEADLINE_MS } = {}) {
  try {
    return await fetchBounded(url, maxLen, { signal: AbortSignal.timeout(deadlineMs) }, [403, 404]);
  } catch (e) {
    if (e && e.name === 'TimeoutError') throw new Error(`no complete answer within ${deadlineMs} ms`);
    throw e;
  }
}

/**
 * One GET for the library (a TUF update's or a lock's): at most `maxLen + 1` bytes of the body are
 * read, so an endless body is cut off (and refused by the library); a status in `notFound` is "not
 * found" (null), any other failure throws. `init` is fetch's own (headers, signal).
 */
async function fetchBounded(url, maxLen, init, notFound) {
  const res = await fetch(url, init);
  if (!res.ok) {
    if (res.body) await res.body.cancel();
    if (notFound.includes(res.status)) return null;
    throw new Error(`HTTP ${res.status} ${res.statusText}`);
  }
  const chunks = [];
  let total = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
      if (total > maxLen) {
        await reader.cancel();
        break;
      }
    }
  }
  return Buffer.concat(chunks, total);
}

let watching = false;
/**
 * Node waits for the libuv pool's jobs before a process exits; an update waiting on a fetch that
 * will never settle (process.exit called meanwhile) would hold it for ever. On 'exit', the addon
 * fails every fetch still waiting, so the update ends with TUF_FETCH and the process can go.
 */
function watchExit() {
  if (watching) return;
  watching = true;
  process.once('exit', () => native.trustShutdown());
}

/** Wraps a user fetcher for the addon: dispatch(url, maxLen, done) calls done exactly once. */
function dispatcher(fetchFn, problems) {
  return (url, maxLen, done) => {
    let pending;
    try {
      pending = Promise.resolve(fetchFn(url, maxLen));
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending.then(
      (body) => {
        if (body === null || body === undefined) return done(FETCH_NOT_FOUND);
        const b = toBuffer(body);
        if (b) return done(FETCH_BYTES, b);
        const e = typeError(`fetch must resolve to a Buffer, Uint8Array or null, not ${kind(body)}`);
        problems.push(e);
        return done(FETCH_FAILED, e.message);
      },
      (e) => {
        problems.push(e);
        done(FETCH_FAILED, String((e && e.message) || e));
      },
    );
  };
}

function settle(raw, problems) {
  const { VerificationError } = require('./index');
  const details = raw.json ? JSON.parse(raw.json) : {};
  if (raw.status === 0) return details.report || {};
  const wrongType = problems.find((e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE');
  if (wrongType) throw wrongType;
  const err = new VerificationError(raw.status, details);
  if (problems.length) err.cause = problems[0];
  throw err;
}

/**
 * Brings the cached copy of a TUF repository up to date, verifying every file. Resolves with the
 * report (each role's version and expiry, each target's SHA-256, what changed); rejects with a
 * VerificationError (TUF_REFUSED, TUF_EXPIRED, TUF_FETCH...) and leaves the cache as it was.
 */
async function update(opts = {}) {
  const { search, ...where } = opts;
  const base = trustedRoot(where);
  if (search !== undefined && search !== null) {
    // {index, packages, ecosystem}: the publisher map entries to look up (docs/publisher-map.md);
    // the library checks every field.
    if (typeof search !== 'object' || Array.isArray(search)) throw typeError(`search must be an object {index, packages, ecosystem}, not ${kind(search)}`);
    base.search = search;
  }
  const config = JSON.stringify(base);
  const fetchFn = opts.fetch === undefined || opts.fetch === null ? defaultFetch : opts.fetch;
  if (typeof fetchFn !== 'function') throw typeError(`fetch must be a function, not ${kind(opts.fetch)}`);
  const problems = [];
  watchExit();
  return settle(await native.trustUpdate(config, dispatcher(fetchFn, problems)), problems);
}

/** What the cache holds for a repository (versions, expiries, targets), without fetching. */
async function status(opts = {}) {
  const config = JSON.stringify(trustedRoot(opts));
  return settle(await native.trustStatus(config), []);
}

// `dispatcher`, `watchExit` and `fetchBounded` are shared with the lock door (lock.js), which uses
// the same fetch bridge.
module.exports = { update, status, trustedRoot, defaultFetch, dispatcher, watchExit, fetchBounded };
