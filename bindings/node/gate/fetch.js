'use strict';
// Bounded downloads for the npm gate: one budget of bytes and one deadline for a whole gate run,
// shared by every request. A body is hashed as it streams and never kept (a tarball is verified by
// its digest), so memory does not grow with its size; documents the gate must parse (packuments,
// attestations) are kept under a per-document limit.

const crypto = require('node:crypto');

const DEFAULT_MAX_BYTES = 8 * 2 ** 30; // 8 GiB for a whole run
const DEFAULT_DEADLINE_S = 3600;
const PARALLEL_FETCHES = 8;

class GateError extends Error {}

function envNumber(name, fallback) {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** The bytes and the time one gate run may spend on the network (DOMAINSIG_GATE_MAX_BYTES, DOMAINSIG_GATE_DEADLINE in seconds). */
class Budget {
  constructor() {
    this.maxBytes = envNumber('DOMAINSIG_GATE_MAX_BYTES', DEFAULT_MAX_BYTES);
    this.seconds = envNumber('DOMAINSIG_GATE_DEADLINE', DEFAULT_DEADLINE_S);
    this.used = 0;
    this.signal = AbortSignal.timeout(this.seconds * 1000);
  }

  spend(url, n) {
    this.used += n;
    if (this.used > this.maxBytes) {
      throw new GateError(`${url}: the gate's downloads exceed ${this.maxBytes} bytes in total (DOMAINSIG_GATE_MAX_BYTES)`);
    }
  }

  why(url, e) {
    if (this.signal.aborted) return new GateError(`${url}: the gate's deadline of ${this.seconds} s passed (DOMAINSIG_GATE_DEADLINE)`);
    return e instanceof GateError ? e : new GateError(`${url}: ${e.cause ? e.cause.message || e.cause : e.message}`);
  }
}

/**
 * GETs `url` and streams its body: each chunk is counted against `limit` and the budget, fed to
 * `onChunk`. Returns false when the status is one of `missing` (404), otherwise the URL the body
 * came from once redirects were followed (as npm follows them); throws a GateError for anything else.
 */
async function stream(budget, url, limit, onChunk, headers = {}, missing = [404]) {
  try {
    const res = await fetch(url, { redirect: 'follow', signal: budget.signal, headers });
    if (missing.includes(res.status)) { await res.body?.cancel(); return false; }
    if (!res.ok) { await res.body?.cancel(); throw new GateError(`${url}: HTTP ${res.status}`); }
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.length;
      budget.spend(url, chunk.length);
      if (size > limit) throw new GateError(`${url}: larger than ${limit} bytes`);
      onChunk(chunk);
    }
    return res.url || url;
  } catch (e) {
    throw budget.why(url, e);
  }
}

/** A document into memory (at most `limit` bytes), or null on 404 (or each status of `missing`). */
async function fetchDocument(budget, url, limit, headers, missing) {
  const chunks = [];
  const found = await stream(budget, url, limit, (c) => chunks.push(c), headers, missing);
  return found ? Buffer.concat(chunks) : null;
}

/**
 * A tarball, hashed with each algorithm in `algorithms` as it streams and then dropped:
 * { digests: { algo: base64 digest }, from: the URL it came from after redirects }, or null on 404.
 */
async function fetchDigests(budget, url, algorithms) {
  const hashes = Object.fromEntries(algorithms.map((a) => [a, crypto.createHash(a)]));
  const from = await stream(budget, url, budget.maxBytes, (c) => { for (const h of Object.values(hashes)) h.update(c); });
  if (!from) return null;
  return { digests: Object.fromEntries(Object.entries(hashes).map(([a, h]) => [a, h.digest('base64')])), from };
}

async function pool(items, limit, fn) {
  let next = 0;
  const run = async () => { while (next < items.length) { const i = next++; await fn(items[i]); } };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

module.exports = { Budget, GateError, fetchDocument, fetchDigests, pool, PARALLEL_FETCHES };
