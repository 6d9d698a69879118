#!/usr/bin/env node
'use strict';
// Gate npm installs: `npx domainsig-npm install [npm install args...] --policy P.json`.
//
// 1. The real npm resolves with `npm install --package-lock-only --ignore-scripts`: it writes
//    package.json and package-lock.json, fetches packuments, and neither unpacks a tarball nor runs
//    a lifecycle script (docs/gates.md says why this and not a staging install).
// 2. For every package the lockfile takes from a registry, the gate fetches the tarball named by
//    `resolved`, checks it against the lockfile's `integrity`, and fetches the registry's
//    attestations document `<registry>/-/npm/v1/attestations/<name>@<version>`.
// 3. Each (tarball, document, purl) is verified with indexDomain = that registry's host[:port]
//    (plus its path, if it has one), all in parallel on the library's native pool.
// 4. Only when every package verified does `npm ci` install the lockfile (scripts run then). npm
//    checks every tarball against the lockfile's integrity, which the gate has just matched to the
//    verified bytes. Otherwise package.json and package-lock.json are put back, nothing is
//    installed, and each refused package is named with its status and message.

const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Policy } = require('..');

const USAGE = 'usage: domainsig-npm install [npm install args...] --policy P.json  (or DOMAINSIG_POLICY=P.json)';
const MAX_DOCUMENT_BYTES = 8 << 20; // the library refuses larger bundles (src/limits.rs MAX_BUNDLE_BYTES)
const MAX_TARBALL_BYTES = 1 << 30;
const PARALLEL_FETCHES = 16;

class GateError extends Error {}

function splitArgs(argv) {
  let policy = null;
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--policy') {
      policy = argv[++i];
      if (policy === undefined) throw new GateError('--policy needs a file');
    } else if (a.startsWith('--policy=')) policy = a.slice('--policy='.length);
    else rest.push(a);
  }
  return { policy, rest };
}

function npm(args, cwd) {
  const bin = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  return childProcess.spawnSync(bin, args, { cwd, stdio: 'inherit' }).status;
}

/** indexDomain of a registry URL: host[:port] and the registry's path, without credentials. */
function registryDomain(registry) {
  const u = new URL(registry);
  const p = u.pathname.replace(/\/+$/, '');
  return u.host + p;
}

/** `pkg:npm/...@version`: the purl npm's attestations name (scope `@` encoded as %40). */
function purl(name, version) {
  return `pkg:npm/${name.replace(/^@/, '%40')}@${version}`;
}

async function fetchBytes(url, limit) {
  const res = await fetch(url, { redirect: 'follow' });
  if (res.status === 404) return null;
  if (!res.ok) throw new GateError(`${url}: HTTP ${res.status}`);
  const chunks = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    if (size > limit) throw new GateError(`${url}: larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Every algorithm of the SRI string that we can compute must match; at least one must be listed. */
function checkIntegrity(sri, bytes) {
  if (typeof sri !== 'string' || !sri.trim()) return 'the lockfile has no integrity for it';
  let checked = 0;
  for (const token of sri.trim().split(/\s+/)) {
    const m = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/=]+)/.exec(token);
    if (!m) continue;
    checked++;
    const got = crypto.createHash(m[1]).update(bytes).digest('base64');
    if (got !== m[2]) return `the tarball's ${m[1]} is ${got}, the lockfile's integrity says ${m[2]}`;
  }
  return checked ? null : `the lockfile's integrity ${JSON.stringify(sri)} names no known algorithm`;
}

/**
 * The packages a lockfile (v2/v3) takes from registries, and the ones it takes from elsewhere.
 * `registryFor(name)` is npm's configured registry for the name's scope: npm leaves `resolved`
 * out of the lockfile for tarballs at their registry's usual place, and then fetches from there.
 */
function lockedPackages(lock, registryFor) {
  const out = [];
  for (const [key, entry] of Object.entries(lock.packages || {})) {
    // The project, links to local folders, folders a link points at, files bundled in a parent.
    if (!key.includes('node_modules/') || !entry || entry.link || entry.inBundle) continue;
    const name = entry.name || key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const p = { key, name, version: entry.version, resolved: entry.resolved, integrity: entry.integrity };
    if (typeof p.resolved === 'string' && p.resolved.startsWith('file:')) continue; // the user's own files
    if (p.resolved === undefined && typeof p.version === 'string') {
      // The registry tarball layout: <registry><name>/-/<name without scope>-<version>.tgz
      p.registry = registryFor(name);
      p.resolved = `${p.registry}${name}/-/${name.split('/').pop()}-${p.version}.tgz`;
    } else {
      const at = typeof p.resolved === 'string' ? p.resolved.indexOf(`/${name}/-/`) : -1;
      if (at < 0) p.unattested = `not a registry tarball (${p.resolved || 'no resolved URL'})`;
      else p.registry = p.resolved.slice(0, at + 1);
    }
    out.push(p);
  }
  return out;
}

/** npm's registry for each scope, read from npm itself (arguments, .npmrc files, environment). */
function registryResolver(args, cwd) {
  const cache = new Map();
  const flags = ciFlags(args);
  return (name) => {
    const scope = name.startsWith('@') ? name.split('/')[0] : '';
    if (!cache.has(scope)) {
      const ask = (key) => {
        const r = childProcess.spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['config', 'get', key, ...flags],
          { cwd, encoding: 'utf8' });
        const v = (r.stdout || '').trim();
        return r.status === 0 && v && v !== 'undefined' ? v : null;
      };
      let reg = (scope && ask(`${scope}:registry`)) || ask('registry');
      if (!reg) throw new GateError(`npm names no registry for ${name}`);
      cache.set(scope, reg.endsWith('/') ? reg : reg + '/');
    }
    return cache.get(scope);
  };
}

/** Same rule as the pip gate: see docs/gates.md. */
function allowsUnattested(policy, name) {
  const mode = (policy.domains && policy.domains.mode) || 'require';
  if (!['warn', 'ignore'].includes(mode)) return false;
  if ((policy.identities && policy.identities.length) || (policy.keys && policy.keys.length)) return false;
  // Publisher pins and a cool-down ask something of every package too (docs/publishers.md).
  if ((policy.publishers && policy.publishers.length) || policy.min_age) return false;
  return !(policy.packages && Object.prototype.hasOwnProperty.call(policy.packages, name));
}

async function pool(items, limit, fn) {
  let next = 0;
  const run = async () => { while (next < items.length) { const i = next++; await fn(items[i]); } };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

async function fetchAll(pkgs) {
  await pool(pkgs, PARALLEL_FETCHES, async (p) => {
    if (p.unattested) return;
    const tarball = await fetchBytes(p.resolved, MAX_TARBALL_BYTES);
    if (!tarball) { p.refusal = `${p.resolved}: not found`; return; }
    const bad = checkIntegrity(p.integrity, tarball);
    if (bad) { p.refusal = bad; return; }
    // Hashed once here; the library verifies by digest (an installer-made "sha512:<hex>" string).
    p.sha512 = crypto.createHash('sha512').update(tarball).digest('hex');
    // The registry's attestations endpoint, as npm's registry names it in `dist.attestations.url`:
    // GET <registry>/-/npm/v1/attestations/<name>@<version>  (scoped names keep their `/`).
    const url = `${p.registry}-/npm/v1/attestations/${p.name}@${p.version}`;
    p.document = await fetchBytes(url, MAX_DOCUMENT_BYTES);
    if (!p.document) p.unattested = `${registryDomain(p.registry)} serves no attestations for it`;
  });
}

async function verifyAll(policy, pkgs) {
  const byDomain = new Map();
  for (const p of pkgs) {
    if (!p.document || p.refusal) continue;
    const d = registryDomain(p.registry);
    if (!byDomain.has(d)) byDomain.set(d, []);
    byDomain.get(d).push(p);
  }
  await Promise.all([...byDomain].map(async ([indexDomain, group]) => {
    // The document goes in as bytes (content, never a path), the tarball as its digest.
    const results = await policy.verifyMany(
      group.map((p) => ({ artifact: `sha512:${p.sha512}`, bundle: p.document, name: purl(p.name, p.version) })),
      { indexDomain },
    );
    group.forEach((p, i) => { p.result = results[i]; p.domain = indexDomain; });
  }));
}

async function gate(argv) {
  if (argv[0] !== 'install' && argv[0] !== 'i') { console.error(USAGE); return 2; }
  let policy;
  let policyDoc;
  let args;
  try {
    const split = splitArgs(argv.slice(1));
    args = split.rest;
    const file = split.policy || process.env.DOMAINSIG_POLICY;
    if (!file) throw new GateError('no policy: pass --policy P.json or set DOMAINSIG_POLICY');
    const text = fs.readFileSync(file, 'utf8');
    policyDoc = JSON.parse(text);
    policy = Policy.fromJSON(text);
  } catch (e) {
    console.error(`domainsig-npm: ${e.message}`);
    return 2;
  }

  const cwd = process.cwd();
  const saved = {};
  for (const f of ['package.json', 'package-lock.json']) {
    const p = path.join(cwd, f);
    saved[f] = fs.existsSync(p) ? fs.readFileSync(p) : null;
  }
  const restore = () => {
    for (const [f, data] of Object.entries(saved)) {
      const p = path.join(cwd, f);
      if (data === null) fs.rmSync(p, { force: true });
      else fs.writeFileSync(p, data);
    }
  };

  const code = npm(['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', ...args], cwd);
  if (code !== 0) {
    restore();
    console.error(`domainsig-npm: npm could not resolve the install (exit status ${code}); nothing was installed`);
    return 1;
  }

  const refused = [];
  const warnings = [];
  let pkgs;
  try {
    const lock = JSON.parse(fs.readFileSync(path.join(cwd, 'package-lock.json'), 'utf8'));
    if (!lock.packages) throw new GateError('package-lock.json has no "packages" (lockfileVersion 2 or 3 needed)');
    pkgs = lockedPackages(lock, registryResolver(args, cwd));
    await fetchAll(pkgs);
    await verifyAll(policy, pkgs);
  } catch (e) {
    restore();
    console.error(`domainsig-npm: ${e.message}; nothing was installed`);
    return 1;
  }

  for (const p of pkgs) {
    const label = `${p.name}@${p.version}`;
    if (p.refusal) refused.push(`${label}: ${p.refusal}`);
    else if (p.result) {
      if (p.result.ok) for (const w of p.result.details.warnings || []) warnings.push(`${label} from ${p.domain}: ${w}`);
      else refused.push(`${label} from ${p.domain}: ${p.result.code} (${p.result.status}): ${p.result.details.message || ''}`);
    } else if (allowsUnattested(policyDoc, p.name)) {
      warnings.push(`${label}: installed WITHOUT attestations (${p.unattested}); the policy does not require them`);
    } else {
      refused.push(`${label}: no attestations: ${p.unattested}; the policy requires verified attestations`);
    }
  }
  for (const w of warnings) console.error(`domainsig-npm: warning: ${w}`);
  if (refused.length) {
    restore();
    console.error(`domainsig-npm: refused ${refused.length} of ${pkgs.length} package(s); nothing was installed:`);
    for (const r of refused) console.error(`  refused: ${r}`);
    return 1;
  }
  console.error(`domainsig-npm: verified ${pkgs.length} package(s); installing them`);
  return npm(['ci', '--no-audit', '--no-fund', ...ciFlags(args)], cwd);
}

// Options of `npm install` that take a separate value (the rest are flags or `--key=value`).
const VALUE_OPTIONS = new Set(['--registry', '--prefix', '--cache', '--userconfig', '--omit', '--include',
  '--install-strategy', '--workspace', '-w', '--tag', '--before', '--loglevel']);

/** The user's options, for `npm ci`: package specs and save options dropped (npm ci takes none). */
function ciFlags(args) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-')) continue;
    if (/^--?(save|no-save|save-[a-z]+|S|D|O|E|B)$/.test(a)) continue;
    out.push(a);
    if (VALUE_OPTIONS.has(a) && i + 1 < args.length) out.push(args[++i]);
  }
  return out;
}

module.exports = { gate, lockedPackages, checkIntegrity, registryDomain, purl };

if (require.main === module) {
  gate(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    console.error(`domainsig-npm: ${e.stack || e}`);
    process.exitCode = 2;
  });
}
