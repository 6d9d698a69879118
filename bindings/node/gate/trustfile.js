'use strict';
// The trust file: who published each package, kept beside package-lock.json (npm's lockfile has no
// field for it) and meant to be committed. docs/lock.md says what it protects and what it cannot.
//
//   {
//     "version": 1,
//     "packages": {
//       "sigstore": [
//         {"since": "0.4.0", "publisher": {"kind": "GitHub", "repository": "sigstore/sigstore-js", "workflow": "publish.yml"}}
//       ]
//     }
//   }
//
// Per package name: the publishers proven (the PEP 740 publisher object the library derives from
// the verified certificate of the package's provenance) and the version each was first seen at.
// Written sorted, one publisher per line, so a change is one line in a diff.
//
// - First sight (no entry): trusted on first use, recorded, printed.
// - An entry: its publishers are the package's pins (a pin source, on top of the policy); another
//   publisher is refused naming both, a version without provenance is refused (a downgrade).
// - `--accept-publisher NAME` (printed with every such refusal): this run takes NAME as a first
//   sight again and records what it proves (nothing, for a version without provenance).

const fs = require('node:fs');
const path = require('node:path');
const { GateError } = require('./fetch');

const FILE = 'domainsig-publishers.json';
const MAX_BYTES = 16 << 20;
const FLAG = '--accept-publisher';

/** Takes `--accept-publisher NAME` / `--accept-publisher=NAME` (repeatable) out of the npm arguments. */
function splitAccept(argv) {
  const accept = new Set();
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === FLAG) {
      const name = argv[++i];
      if (name === undefined) throw new GateError(`${FLAG} needs a package name`);
      accept.add(name);
    } else if (a.startsWith(`${FLAG}=`)) accept.add(a.slice(FLAG.length + 1));
    else rest.push(a);
  }
  return { accept, rest };
}

function isPublisher(p) {
  return p && typeof p === 'object' && !Array.isArray(p) && typeof p.kind === 'string'
    && Object.values(p).every((v) => typeof v === 'string');
}

/** The trust file in `dir`, or an empty one. A file that is not ours is an error, never ignored. */
function load(dir) {
  const file = path.join(dir, FILE);
  if (!fs.existsSync(file)) return { version: 1, packages: {} };
  const st = fs.statSync(file);
  if (st.size > MAX_BYTES) throw new GateError(`${FILE} is larger than ${MAX_BYTES} bytes`);
  let doc;
  try { doc = JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { throw new GateError(`${FILE}: not JSON (${e.message})`); }
  if (!doc || doc.version !== 1 || !doc.packages || typeof doc.packages !== 'object' || Array.isArray(doc.packages)) {
    throw new GateError(`${FILE}: not a version 1 trust file ({"version": 1, "packages": {...}})`);
  }
  for (const [name, list] of Object.entries(doc.packages)) {
    if (!Array.isArray(list) || !list.length || !list.every((e) => e && typeof e.since === 'string' && isPublisher(e.publisher))) {
      throw new GateError(`${FILE}: packages[${JSON.stringify(name)}] is not a list of {"since": version, "publisher": {...}}`);
    }
  }
  return doc;
}

/** The recorded entry of a package, if any: an own key only (a package named `constructor` has none until recorded). */
function recordOf(trust, name) {
  return Object.hasOwn(trust.packages, name) ? trust.packages[name] : undefined;
}

function canonical(p) {
  const out = { kind: p.kind };
  for (const k of Object.keys(p).filter((k) => k !== 'kind').sort()) out[k] = p[k];
  return out;
}

const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** The stable text: names sorted, publishers sorted, one per line. */
function serialize(doc) {
  const names = Object.keys(doc.packages).sort();
  if (!names.length) return '{\n  "version": 1,\n  "packages": {}\n}\n';
  const blocks = names.map((name) => {
    const lines = doc.packages[name]
      .map((e) => JSON.stringify({ since: e.since, publisher: canonical(e.publisher) }).replace(/,"/g, ', "').replace(/":/g, '": '))
      .sort();
    return `    ${JSON.stringify(name)}: [\n${lines.map((l) => `      ${l}`).join(',\n')}\n    ]`;
  });
  return `{\n  "version": 1,\n  "packages": {\n${blocks.join(',\n')}\n  }\n}\n`;
}

function save(dir, doc) {
  const file = path.join(dir, FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, serialize(doc));
  fs.renameSync(tmp, file);
}

function describe(p) {
  const rest = Object.keys(p).filter((k) => k !== 'kind').sort().map((k) => `${k}=${p[k]}`).join(', ');
  return `${p.kind} (${rest})`;
}

/** The policy with each recorded package's publishers as a pin source, and first sight on. */
function withPins(policyDoc, trust, accept) {
  const doc = JSON.parse(JSON.stringify(policyDoc));
  doc.first_sight = true;
  const packages = (doc.packages && typeof doc.packages === 'object') ? doc.packages : {};
  for (const [name, list] of Object.entries(trust.packages)) {
    if (accept.has(name)) continue;
    const entry = packages[name] && typeof packages[name] === 'object' ? { ...packages[name] } : {};
    entry.sources = [...(entry.sources || []), { source: FILE, publishers: list.map((e) => e.publisher) }];
    packages[name] = entry;
  }
  if (Object.keys(packages).length) doc.packages = packages;
  return doc;
}

/** The publisher a package's passing results proved, or null (a document without provenance). */
function proven(p) {
  for (const { result } of p.results || []) if (result.ok && isPublisher(result.publisher)) return result.publisher;
  return null;
}

/** Why a file without any attestations is refused: its package's publishers are recorded. */
function downgrade(trust, accept, p, acceptCommand) {
  const recorded = accept.has(p.name) ? null : recordOf(trust, p.name);
  if (!recorded) return null;
  return `${FILE} records ${recorded.map((e) => `${describe(e.publisher)} since ${e.since}`).join(', ')}, `
    + `so a version without provenance is a downgrade; to accept it, run: ${acceptCommand(p.name)}`;
}

/** Why a package's passing results accepted its signer: first sight, or the voices that named it (a map, the policy). */
function acceptedBy(p) {
  const decisions = (p.results || []).map(({ result }) => (result.details && result.details.decision) || {});
  if (decisions.some((d) => d.first_sight)) return 'first sight, trusted on first use';
  const sources = [...new Set(decisions.flatMap((d) => (d.pins || []).map((pin) => pin.source)))];
  return sources.length ? `accepted by ${sources.join(' and ')}` : 'first sight, trusted on first use';
}

/** Whether a failed result was refused by an index's publisher map (`publishers_from`), which no flag of the gate sets aside. */
function refusedByMap(p) {
  // The field is the refusing voice's list, under the attestation it judged: `attestations[0].publishers_from[0]: ...`.
  return (p.results || []).some(({ result }) => !result.ok && /(^|\.)publishers_from\[\d+\]/.test(String((result.details && result.details.field) || '')));
}

/**
 * After verification: how to accept each refused change (a recorded package whose result failed),
 * and the trust file with what is new (first sights, accepted changes), with a line for each.
 */
function reconcile(trust, pkgs, accept, acceptCommand) {
  const hints = [];
  const notes = [];
  const next = { version: 1, packages: { ...trust.packages } };
  for (const p of pkgs) {
    if (p.refusal || p.local || p.bundledIn) continue;
    const label = `${p.name}@${p.version}`;
    const recorded = accept.has(p.name) ? null : recordOf(trust, p.name);
    const found = proven(p);
    const ok = !p.results || p.results.every(({ result }) => result.ok);
    if (recorded) {
      if (!ok) {
        const was = recorded.map((e) => `${describe(e.publisher)} since ${e.since}`).join(', ');
        // A refused result still names the publisher its verified certificate proves.
        const signer = found || (p.results || []).map(({ result }) => result.publisher).find(isPublisher);
        const now = signer ? `signed by ${describe(signer)}` : (p.results ? 'without provenance' : 'without attestations');
        if (refusedByMap(p)) {
          hints.push(`${label}: ${FILE} records ${was}; this version is ${now}, which the index's publisher map refuses `
            + `(above): ${FLAG} sets aside ${FILE} only, never a map the policy names`);
        } else {
          hints.push(`${label}: ${FILE} records ${was}; this version is ${now}. To accept it, run: ${acceptCommand(p.name)}`);
        }
      }
      continue;
    }
    if (!ok) continue; // refused by the policy
    const prior = recordOf(trust, p.name);
    if (found) {
      next.packages[p.name] = [{ since: p.version, publisher: canonical(found) }];
      const why = prior ? `accepted by ${FLAG}; was ${prior.map((e) => describe(e.publisher)).join(', ')}` : acceptedBy(p);
      notes.push(`${label}: published by ${describe(found)} (${why}); recorded in ${FILE}`);
    } else if (prior) {
      delete next.packages[p.name];
      notes.push(`${label}: no provenance, accepted by ${FLAG}; its publishers are removed from ${FILE}`);
    }
  }
  return { hints, notes, next, changed: serialize(next) !== serialize(trust) };
}

module.exports = { FILE, FLAG, splitAccept, load, save, serialize, withPins, reconcile, downgrade, describe };
