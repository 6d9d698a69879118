'use strict';
// Verify a lockfile, whoever installs it: every artifact a pylock.toml, package-lock.json or
// pnpm-lock.yaml pins is proven signed, for its index, by the digest the lock pins (the same
// verification as `domainsig verify-lock`, run in libdomainsig on the libuv pool). Each attestation
// it needs is fetched here, on the main thread, by `fetch(url, maxLen)` (the global fetch by
// default, asking for JSON), so the library never opens a socket.
//
//   const { Policy, lock } = require('domainsig');
//   const report = await lock.verify('package-lock.json', Policy.fromFile('policy.json'));
//   if (!report.ok) process.exit(1);
//
// Resolves with the report ({lockfile, ok, verified, unattested, refused, listed, entries}); a lock
// that cannot be read rejects with a VerificationError (LOCK_INVALID, LIMIT_EXCEEDED).

const fs = require('node:fs');
const path = require('node:path');
const native = require('./addon.js').load();
const { dispatcher, watchExit, fetchBounded } = require('./trust');

/** The Accept header of every lock request (src/lock/mod.rs ACCEPT). */
const ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.integrity.v1+json, application/json;q=0.9';
/** The library's lockfile limit (src/limits.rs MAX_LOCK_BYTES), read at most one byte past it. */
const MAX_LOCK_BYTES = 32 << 20;

/** The default fetcher: the global fetch asking for JSON; 404, 403 and 410 are "not found". */
async function defaultFetch(url, maxLen) {
  return fetchBounded(url, maxLen, { headers: { Accept: ACCEPT } }, [403, 404, 410]);
}

function readBounded(file, limit = MAX_LOCK_BYTES + 1) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(limit);
    let n = 0;
    for (;;) {
      const r = fs.readSync(fd, buf, n, buf.length - n, null);
      if (r === 0 || n + r >= buf.length) return buf.subarray(0, n + r);
      n += r;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Verifies every artifact `lockfile` pins under `policy`. Options: `indexUrl` (pylock entries
 * without packages.index), `registry` (npm; else the .npmrc beside the lock, else npm's), `fetch`,
 * `jobs` (verification threads; fetches run one at a time). A package-lock.json's
 * domainsig-publishers.json beside it (the npm gate's trust file) pins its recorded packages.
 */
async function verify(lockfile, policy, opts = {}) {
  const { VerificationError } = require('./index');
  const fetchFn = opts.fetch === undefined || opts.fetch === null ? defaultFetch : opts.fetch;
  if (typeof fetchFn !== 'function') throw new TypeError('fetch must be a function');
  const file = String(lockfile);
  const options = { file_name: path.basename(file), jobs: opts.jobs | 0 };
  if (opts.indexUrl) options.index_url = String(opts.indexUrl);
  if (opts.registry) options.registry = String(opts.registry);
  const npmrc = path.join(path.dirname(path.resolve(file)), '.npmrc');
  if (fs.existsSync(npmrc) && fs.statSync(npmrc).isFile()) options.npmrc = fs.readFileSync(npmrc, 'utf8').slice(0, 1 << 20);
  // The npm gate's trust file beside a package-lock.json: its recorded publishers are pins (docs/lock.md).
  const trust = path.join(path.dirname(path.resolve(file)), 'domainsig-publishers.json');
  if (['package-lock.json', 'npm-shrinkwrap.json'].includes(options.file_name) && fs.existsSync(trust) && fs.statSync(trust).isFile()) {
    // One byte over the library's bound, so an oversized file is LIMIT_EXCEEDED, never cut short.
    options.trust_file = readBounded(trust, (16 << 20) + 1).toString('utf8');
  }
  const problems = [];
  // Its fetches wait on the main thread like an update's: process.exit must be able to fail them.
  watchExit();
  const raw = await native.lockVerify(policy._handle, readBounded(file), JSON.stringify(options), dispatcher(fetchFn, problems));
  const details = raw.json ? JSON.parse(raw.json) : {};
  if (details.report) return details.report;
  const err = new VerificationError(raw.status, details);
  if (problems.length) err.cause = problems[0];
  throw err;
}

module.exports = { verify, defaultFetch, ACCEPT };
