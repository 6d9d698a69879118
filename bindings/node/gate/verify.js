'use strict';
// Verification: fetch what `npm ci` will fetch (the tarball named by `resolved`, or by the
// configured registry's packument when npm left `resolved` out), check it against the lockfile's
// integrity, fetch the registry's attestations, and verify with indexDomain = the configured
// registry. A tarball served from another host is also judged for that host: see docs/gates.md.

const { fetchDocument, fetchDigests, pool, PARALLEL_FETCHES, GateError } = require('./fetch');

const MAX_DOCUMENT_BYTES = 8 << 20; // the library refuses larger bundles (src/limits.rs MAX_BUNDLE_BYTES)
const MAX_PACKUMENT_BYTES = 64 << 20;
// The abbreviated ("corgi") packument npm asks for when it installs.
// https://github.com/npm/registry/blob/main/docs/responses/package-metadata.md#abbreviated-metadata-format
const CORGI = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';
const SRI = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/=]+)/;
// The most items one verifyMany call takes (src/limits.rs MAX_BATCH, mirrored in ../index.js); a
// larger lockfile is verified in several calls. An object so that a test can lower it.
const limits = { batch: 10000 };

/** indexDomain of a registry URL: host[:port] and the registry's path, without credentials. */
function registryDomain(registry) {
  const u = new URL(registry);
  return u.host + u.pathname.replace(/\/+$/, '');
}

/**
 * `pkg:npm/...@version`: the purl npm's attestations name (scope `@` encoded as %40). Each segment
 * of the name is percent-encoded, so the library, which decodes them, reads back this very name:
 * a name `sigstor%65` is not `sigstore` (npm's names are URL-safe, so theirs are unchanged).
 */
function purl(name, version) {
  return `pkg:npm/${name.split('/').map(encodeURIComponent).join('/')}@${version}`;
}

/** The algorithms of an SRI string the gate can compute, or an error message. */
function sriAlgorithms(sri) {
  if (typeof sri !== 'string' || !sri.trim()) return { error: 'the lockfile has no integrity for it' };
  const wanted = sri.trim().split(/\s+/).map((t) => SRI.exec(t)).filter(Boolean);
  if (!wanted.length) return { error: `the lockfile's integrity ${JSON.stringify(sri)} names no known algorithm` };
  return { wanted };
}

/** Every algorithm of the SRI string that we can compute must match `digests` ({algo: base64}). */
function checkIntegrity(sri, digests) {
  const { wanted, error } = sriAlgorithms(sri);
  if (error) return error;
  for (const [, algo, want] of wanted) {
    if (digests[algo] !== want) return `the tarball's ${algo} is ${digests[algo]}, the lockfile's integrity says ${want}`;
  }
  return null;
}

/** The tarball URL npm ci takes for an entry without `resolved`: `versions[v].dist.tarball` of the registry's packument. */
async function fromPackument(budget, p, packuments) {
  const url = p.registry + p.name.replace('/', '%2f'); // npm-registry-fetch escapes a scoped name's `/`
  if (!packuments.has(url)) {
    packuments.set(url, fetchDocument(budget, url, MAX_PACKUMENT_BYTES, { accept: CORGI }).then((b) => {
      if (!b) return null;
      try { return JSON.parse(b.toString('utf8')); } catch { throw new GateError(`${url}: not JSON`); }
    }));
  }
  const doc = await packuments.get(url);
  const dist = doc && doc.versions && doc.versions[p.version] && doc.versions[p.version].dist;
  if (!dist) return { refusal: `${registryDomain(p.registry)} lists no ${p.name}@${p.version}` };
  if (typeof dist.tarball !== 'string' || !/^https?:\/\//.test(dist.tarball)) {
    return { refusal: `${registryDomain(p.registry)} names a tarball that is not an http(s) URL (${dist.tarball})` };
  }
  return { tarball: dist.tarball };
}

async function fetchAll(budget, pkgs) {
  const packuments = new Map();
  const todo = pkgs.filter((p) => p.registry && !p.refusal && !p.unattested);
  await pool(todo, PARALLEL_FETCHES, async (p) => {
    const { wanted, error } = sriAlgorithms(p.integrity);
    if (error) { p.refusal = error; return; }
    if (!p.tarball) {
      const got = await fromPackument(budget, p, packuments);
      if (got.refusal) { p.refusal = got.refusal; return; }
      // npm ci would ask the packument again, and a registry can answer it otherwise: the gate
      // pins this answer into the lockfile before npm ci runs (install.js).
      p.pinned = got.tarball;
      p.tarball = p.fetchURL(got.tarball);
    }
    const algorithms = [...new Set(['sha512', ...wanted.map((w) => w[1])])];
    const fetched = await fetchDigests(budget, p.tarball, algorithms);
    if (!fetched) { p.refusal = `${p.tarball}: not found`; return; }
    const { digests } = fetched;
    const bad = checkIntegrity(p.integrity, digests);
    if (bad) { p.refusal = bad; return; }
    p.sha512 = Buffer.from(digests.sha512, 'base64').toString('hex');
    // A tarball on another host than the registry: npm connects there too, so that host is judged
    // as well (it must be the registry's domain or a mirror the policy allows for it). So is the
    // host a redirect sent the download to, which npm follows as this fetch did: the registry's
    // own tarball URL answering 302 to elsewhere is a tarball served elsewhere.
    const registryHost = new URL(p.registry).host;
    p.fetchDomains = [...new Set([new URL(p.tarball).host, new URL(fetched.from).host])].filter((h) => h !== registryHost);
    // The registry's attestations endpoint, as npm's registry names it in `dist.attestations.url`:
    // GET <registry>/-/npm/v1/attestations/<name>@<version>  (scoped names keep their `/`).
    const url = `${p.registry}-/npm/v1/attestations/${p.name}@${p.version}`;
    p.document = await fetchDocument(budget, url, MAX_DOCUMENT_BYTES);
    if (!p.document) p.unattested = `${registryDomain(p.registry)} serves no attestations for it`;
  });
}

/** One native batch per index domain; a package fetched from two domains is verified for each. */
async function verifyAll(policy, pkgs) {
  const byDomain = new Map();
  const add = (d, p) => { if (!byDomain.has(d)) byDomain.set(d, []); byDomain.get(d).push(p); };
  for (const p of pkgs) {
    if (!p.document || p.refusal) continue;
    p.domain = registryDomain(p.registry);
    p.results = [];
    add(p.domain, p);
    for (const d of p.fetchDomains || []) add(d, p);
  }
  await Promise.all([...byDomain].map(async ([indexDomain, group]) => {
    for (let at = 0; at < group.length; at += limits.batch) {
      const chunk = group.slice(at, at + limits.batch);
      // The document goes in as bytes (content, never a path), the tarball as its digest.
      const results = await policy.verifyMany(
        chunk.map((p) => ({ artifact: `sha512:${p.sha512}`, bundle: p.document, name: purl(p.name, p.version) })),
        { indexDomain },
      );
      chunk.forEach((p, i) => p.results.push({ domain: indexDomain, result: results[i] }));
    }
  }));
}

module.exports = { limits, fetchAll, verifyAll, checkIntegrity, registryDomain, purl };
