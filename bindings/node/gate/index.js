'use strict';
// The npm gate: `domainsig-npm install [npm install args...] --policy P.json`.
//
// 1. resolve.js: the real npm writes the lockfile, running nothing; the gate reads npm's
//    configuration and, from the lockfile, every entry `npm ci` will fetch.
// 2. verify.js: each tarball is fetched from where npm ci will fetch it (fetch.js: bounded,
//    hashed as it streams), checked against the lockfile's integrity, and verified with its
//    registry's attestations, indexDomain = npm's configured registry for the package's scope.
//    maps.js: between the downloads and the verification, each publisher map the policy names
//    (`publishers_from`) is updated through TUF for the packages being installed, and the
//    policy is built from the updated cache.
// 3. install.js: only when every package verified, `npm ci` installs the lockfile. Otherwise
//    package.json and the lockfile are put back, nothing is installed, and each refused
//    package is named with its status and message.

const fs = require('node:fs');
const path = require('node:path');
const { Policy, VerificationError } = require('..');
const { Budget, GateError } = require('./fetch');
const { splitArgs, workspaceFolders, lockOnly, npmConfig, npmPrefix, lockedPackages, declaredAliases } = require('./resolve');
const { fetchAll, verifyAll, registryDomain, purl } = require('./verify');
const { install } = require('./install');
const trustfile = require('./trustfile');
const maps = require('./maps');

const USAGE = 'usage: domainsig-npm install [npm install args...] --policy P.json  (or DOMAINSIG_POLICY=P.json)';

/**
 * What the library says of a package without attestations, fetched from each of its domains (its
 * registry's and its tarball's host; none for a tarball no registry lists): warnings when nothing
 * asks for provenance of it there, else the refusal naming each voice that asks
 * (`Policy.judgeUnattested`, the one rule of every door: docs/gates.md).
 */
function judgeUnattested(policy, p) {
  const domains = p.registry ? [registryDomain(p.registry), ...(p.fetchDomain ? [p.fetchDomain] : [])] : [null];
  const notes = [];
  for (const d of domains) {
    try {
      notes.push(...policy.judgeUnattested(purl(p.name, p.version), d).slice(1));
    } catch (e) {
      if (!(e instanceof VerificationError)) throw e;
      return { refusal: `${e.code} (${e.status}): ${(e.details && e.details.message) || e.message}` };
    }
  }
  return { notes };
}

function judge(policy, pkgs, downgrade = () => null) {
  const refused = [];
  const warnings = [];
  for (const p of pkgs) {
    const label = `${p.name}@${p.version}`;
    if (p.refusal) refused.push(`${label}: ${p.refusal}`);
    else if (p.local || p.bundledIn) continue;
    else if (p.results) {
      for (const { domain, result } of p.results) {
        const where = domain === p.domain ? `from ${domain}` : `from ${domain} (its tarball's host)`;
        if (result.ok) for (const w of result.details.warnings || []) warnings.push(`${label} ${where}: ${w}`);
        else refused.push(`${label} ${where}: ${result.code} (${result.status}): ${result.details.message || ''}`);
      }
    } else if (downgrade(p)) {
      refused.push(`${label}: no attestations: ${p.unattested}; ${downgrade(p)}`);
    } else {
      const { refusal, notes } = judgeUnattested(policy, p);
      if (refusal) refused.push(`${label}: no attestations: ${p.unattested}; ${refusal}`);
      else {
        warnings.push(`${label}: installed WITHOUT attestations (${p.unattested}); the policy does not require them`);
        for (const n of notes) warnings.push(`${label}: ${n}`);
      }
    }
  }
  return { refused, warnings };
}

async function gate(argv) {
  if (argv[0] !== 'install' && argv[0] !== 'i') { console.error(USAGE); return 2; }
  if (process.platform === 'win32') { console.error('domainsig-npm: Windows is not supported (docs/gates.md)'); return 2; }
  let policy;
  let policyDoc;
  let args;
  let accept;
  let trust;
  let mapList;
  try {
    const split = splitArgs(argv.slice(1));
    ({ accept, rest: args } = trustfile.splitAccept(split.rest));
    const file = split.policy || process.env.DOMAINSIG_POLICY;
    if (!file) throw new GateError('no policy: pass --policy P.json or set DOMAINSIG_POLICY');
    const text = fs.readFileSync(file, 'utf8');
    policyDoc = JSON.parse(text);
    // The gate compiles the policy from its text, so its relative paths resolve against the
    // working directory; a map's are made absolute here, for its update and the library alike.
    mapList = maps.read(policyDoc, process.cwd());
    // The user's policy must be valid on its own (its maps are loaded once updated, below).
    Policy.fromJSON(mapList.length ? maps.withoutMaps(policyDoc) : text);
  } catch (e) {
    console.error(`domainsig-npm: ${e.message}`);
    return 2;
  }

  const cwd = process.cwd();
  // The project npm works on: the nearest folder up from cwd with a package.json or node_modules,
  // or --prefix. Its package.json and lockfile are what npm resolves into and npm ci installs.
  let project;
  try {
    project = npmPrefix(args, cwd);
    // The trust file beside package-lock.json: recorded publishers are pins, others a first sight.
    trust = trustfile.load(project);
    // With publisher maps, the policy is built once their update has searched them (below).
    if (!mapList.length) policy = Policy.fromJSON(trustfile.withPins(policyDoc, trust, accept));
  } catch (e) {
    console.error(`domainsig-npm: ${e.message}`);
    return 2;
  }
  // Every file npm may edit: the project's, and each workspace's package.json (`npm install -w`).
  const saved = new Map();
  const files = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json'].map((f) => path.join(project, f));
  for (const ws of workspaceFolders(project)) files.push(path.join(ws, 'package.json'));
  for (const p of files) saved.set(p, fs.existsSync(p) ? fs.readFileSync(p) : null);
  const restore = () => {
    for (const [p, data] of saved) {
      if (data === null) fs.rmSync(p, { force: true });
      else fs.writeFileSync(p, data);
    }
  };

  const aliases = declaredAliases(project, args);
  const code = lockOnly(args, cwd);
  if (code !== 0) {
    restore();
    console.error(`domainsig-npm: npm could not resolve the install (exit status ${code}); nothing was installed`);
    return 1;
  }

  let pkgs;
  let lockName;
  try {
    // npm (and so npm ci) takes npm-shrinkwrap.json over package-lock.json when both exist.
    lockName = fs.existsSync(path.join(project, 'npm-shrinkwrap.json')) ? 'npm-shrinkwrap.json' : 'package-lock.json';
    const lock = JSON.parse(fs.readFileSync(path.join(project, lockName), 'utf8'));
    if (!lock.packages) throw new GateError(`${lockName} has no "packages" (lockfileVersion 2 or 3 needed)`);
    pkgs = lockedPackages(lock, project, npmConfig(args, cwd), aliases);
    const budget = new Budget();
    await fetchAll(budget, pkgs);
    if (mapList.length) {
      await maps.update(mapList, pkgs, policyDoc, maps.fetcher(budget));
      policy = Policy.fromJSON(trustfile.withPins(maps.withMaps(policyDoc, mapList), trust, accept));
    }
    await verifyAll(policy, pkgs);
  } catch (e) {
    restore();
    console.error(`domainsig-npm: ${e.message}; nothing was installed`);
    return 1;
  }

  const acceptCommand = (name) => ['domainsig-npm', ...trustfile.splitAccept(argv).rest, trustfile.FLAG, name]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
  // A package without attestations: the trust file's record refuses it first (with the command
  // that accepts it), then the library judges it (the policy, each map that governs it).
  const unattested = (p) => trustfile.downgrade(trust, accept, p, acceptCommand);
  const { refused, warnings } = judge(policy, pkgs, unattested);
  const { hints, notes, next, changed } = trustfile.reconcile(trust, pkgs, accept, acceptCommand);
  const fetched = pkgs.filter((p) => !p.local && !p.bundledIn).length;
  for (const w of warnings) console.error(`domainsig-npm: warning: ${w}`);
  if (refused.length) {
    restore();
    console.error(`domainsig-npm: refused ${refused.length} of ${fetched} package(s); nothing was installed:`);
    for (const r of refused) console.error(`  refused: ${r}`);
    for (const h of hints) console.error(`  ${h}`);
    return 1;
  }
  for (const n of notes) console.error(`domainsig-npm: ${n}`);
  console.error(`domainsig-npm: verified ${fetched} package(s); installing them`);
  const status = install(args, cwd, path.join(project, lockName), pkgs);
  if (status === 0 && changed) trustfile.save(project, next);
  else if (changed) console.error(`domainsig-npm: npm ci failed; ${trustfile.FILE} was not updated`);
  return status;
}

module.exports = { gate, USAGE };
