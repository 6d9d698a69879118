'use strict';
// Publisher maps (docs/publisher-map.md): the policy's `publishers_from` entries. The library reads
// a map from its verified TUF cache only, and refuses a package the cache was never asked about,
// so before the gate builds the policy it runs, for each entry, a TUF update that searches the map
// for the packages being installed (only their bins are fetched), through the gate's own bounded
// network. A refused update refuses the install; the library leaves the cache as it was.
//
// The library then holds each package to every voice that speaks for it (the policy's pins, the
// trust file, each map that governs the index it was fetched from). What the library never sees is
// a package without any attestations: the gate refuses it when a map names its publishers.

const path = require('node:path');
const { domainToASCII } = require('node:url');
const trust = require('../trust');
const { GateError, fetchDocument } = require('./fetch');
const { registryDomain } = require('./verify');

const ENTRY_KEYS = ['tuf', 'cache', 'index'];
const REPO_KEYS = ['repo', 'root'];

const plain = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Each `publishers_from` entry as { at, index, where, entry }: `where` the options of trust.update,
 * `entry` the entry the gate hands the library. Relative paths resolve against `base` (the working
 * directory: the gate compiles the policy from its text, so every relative path in it resolves
 * there), once, into absolute paths written into both, because the library names a custom
 * repository's cache folder after the exact text of its location: the update and the policy
 * must spell it alike. Anything else in an entry is passed on unchanged for the library to judge.
 */
function read(policyDoc, base) {
  if (!plain(policyDoc)) return []; // not a policy: the library says why
  const list = policyDoc.publishers_from;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new GateError('publishers_from must be a list of {"tuf", "cache", "index"}');
  if (list.length && plain(policyDoc.domains) && policyDoc.domains.mode === 'ignore') {
    // The library refuses this too, but only once the maps are updated: said before npm runs.
    throw new GateError('publishers_from: a publisher map governs only files fetched from its index, but '
      + 'domains.mode "ignore" drops the index domain; use "require" or "warn"');
  }
  return list.map((m, i) => {
    const at = `publishers_from[${i}]`;
    if (!plain(m)) throw new GateError(`${at} must be an object {"tuf", "cache", "index"}`);
    const extra = Object.keys(m).find((k) => !ENTRY_KEYS.includes(k));
    if (extra !== undefined) throw new GateError(`${at}: unknown key ${JSON.stringify(extra)}; a map takes "tuf", "cache" and "index"`);
    if (typeof m.index !== 'string') throw new GateError(`${at}.index must be the index's host name ("registry.npmjs.org")`);
    const where = {};
    const entry = { ...m };
    const t = m.tuf;
    if (t === 'public-good' || t === 'staging') {
      where.repo = t;
    } else if (plain(t)) {
      const other = Object.keys(t).find((k) => !REPO_KEYS.includes(k));
      if (other !== undefined) throw new GateError(`${at}.tuf: unknown key ${JSON.stringify(other)}; a repository takes "repo" and "root"`);
      if (typeof t.repo !== 'string') throw new GateError(`${at}.tuf.repo must be the repository's URL or directory`);
      entry.tuf = { ...t };
      // As the library reads it (src/trust/tuf/config.rs): with "://" a URL, otherwise a directory.
      if (t.repo.includes('://')) where.repo = t.repo;
      else entry.tuf.repo = where.repoDir = path.resolve(base, t.repo);
      if (typeof t.root === 'string') entry.tuf.root = where.rootPath = path.resolve(base, t.root);
      else if (plain(t.root)) where.root = t.root;
      else if (t.root !== undefined) throw new GateError(`${at}.tuf.root must be the bootstrap root.json's path or content`);
    } else {
      throw new GateError(`${at}.tuf must be "public-good", "staging" or {"repo": URL_OR_DIR, "root": ROOT_JSON}`);
    }
    if (m.cache !== undefined) {
      if (typeof m.cache !== 'string') throw new GateError(`${at}.cache must be a directory`);
      entry.cache = where.cache = path.resolve(base, m.cache);
    }
    return { at, index: m.index, where, entry };
  });
}

/** The policy as the user wrote it, for checking before anything runs: its maps are judged after their update, so first sight stands in for them. */
function withoutMaps(policyDoc) {
  if (!plain(policyDoc) || policyDoc.publishers_from === undefined) return policyDoc;
  const { publishers_from: _, ...rest } = policyDoc;
  return { ...rest, first_sight: true };
}

/** The policy with each map's entry as the gate updated it. */
function withMaps(policyDoc, maps) {
  if (!maps.length) return policyDoc;
  return { ...policyDoc, publishers_from: maps.map((m) => m.entry) };
}

/**
 * An index domain as the library compares them (src/domain.rs, for the host names a map or
 * mirror names): no scheme, lower case, IDNA as ASCII, no default port, no trailing `.` or `/`.
 */
function normalize(d) {
  const s = String(d);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(s);
  const rest = scheme ? s.slice(scheme[0].length) : s;
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const pathPart = slash < 0 ? '' : rest.slice(slash).replace(/\/+$/, '');
  const defaultPort = scheme && scheme[1].toLowerCase() === 'http' ? '80' : '443';
  const m = /^(.*?)(?::(\d+))?$/.exec(authority);
  const host = domainToASCII(m[1].replace(/\.+$/, '')) || m[1].toLowerCase();
  const port = m[2] !== undefined && String(Number(m[2])) !== defaultPort ? `:${Number(m[2])}` : '';
  return `${host}${port}${pathPart}`;
}

/**
 * Whether the map of `index` speaks for a file fetched from `domain`: the index itself, or a mirror
 * `domains.mirrors` allows for it (the library's rule, src/policy/signers.rs; the library decides,
 * and a name searched needlessly costs only its bin).
 */
function governs(index, domain, mirrors) {
  const want = normalize(index);
  const from = normalize(domain);
  if (from === want) return true;
  return Object.entries(mirrors || {}).some(([mirror, ups]) => normalize(mirror) === from
    && Array.isArray(ups) && ups.some((u) => typeof u === 'string' && normalize(u) === want));
}

/** The index domains a package is fetched from: its registry's, and its tarball's hosts (after redirects) when they differ (verify.js). */
function domainsOf(p) {
  return [registryDomain(p.registry), ...(p.fetchDomains || [])];
}

/** The packages the gate fetches from a registry (local and bundled entries are not). */
const fetched = (pkgs) => pkgs.filter((p) => p.registry && !p.local && !p.bundledIn);

/**
 * The TUF fetcher: the gate's bounded network (one byte budget and one deadline for the run, as for
 * every other download); 404 and 403 are "not found", as trust.update's default fetcher says.
 */
function fetcher(budget) {
  return (url, maxLen) => fetchDocument(budget, url, maxLen, {}, [404, 403]);
}

function describe(m) {
  const w = m.where;
  return `the publisher map of ${m.index} (TUF repository ${w.repoDir || w.repo}${w.cache ? `, cache ${w.cache}` : ''})`;
}

/**
 * Runs each map's TUF update, searching it for the name of every fetched package it governs, one
 * map after another (two maps may share a cache).
 */
async function update(maps, pkgs, policyDoc, fetchFn) {
  const mirrors = (policyDoc.domains && policyDoc.domains.mirrors) || {};
  for (const m of maps) {
    const names = new Set();
    for (const p of fetched(pkgs)) if (domainsOf(p).some((d) => governs(m.index, d, mirrors))) names.add(p.name);
    m.searched = names;
    const search = { index: m.index, packages: [...names].sort(), ecosystem: 'npm' };
    try {
      // The library reads what the map says from the verified cache (policy load, verification
      // and Policy.judgeUnattested for a package without attestations).
      await trust.update({ ...m.where, search, fetch: fetchFn });
    } catch (e) {
      const why = typeof e.status === 'number' ? `${e.code} (${e.status}): ${(e.details && e.details.message) || e.message}` : e.message;
      throw new GateError(`${m.at}: the TUF update of ${describe(m)} was refused: ${why}`);
    }
  }
}

module.exports = { read, withoutMaps, withMaps, normalize, governs, fetcher, update, describe };
