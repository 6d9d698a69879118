'use strict';
// Resolution: the real npm writes package-lock.json (`npm install --package-lock-only
// --ignore-scripts`), and the gate reads from it what `npm ci` will fetch, and from where.
//
// Where: npm's configuration for the package's scope (`registry`, `@scope:registry`, .npmrc files,
// environment, command line), as `npm config ls -l --json` prints it in the project folder. Never
// from a URL in the lockfile: `resolved` is the registry's own `dist.tarball`, copied.

const childProcess = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { GateError } = require('./fetch');

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

// Options of `npm install` that take a separate value (the rest are flags or `--key=value`).
const VALUE_OPTIONS = new Set(['--registry', '--prefix', '--cache', '--userconfig', '--omit', '--include',
  '--install-strategy', '--workspace', '-w', '--tag', '--before', '--loglevel']);

/** The user's options, for `npm ci` and `npm config`: package specs and save options dropped. */
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

/** ciFlags without the workspace options, which `npm prefix` and `npm config` refuse (ENOWORKSPACES). */
function configFlags(args) {
  const out = [];
  const flags = ciFlags(args);
  for (let i = 0; i < flags.length; i++) {
    const a = flags[i];
    if (a === '-w' || a === '--workspace') { i++; continue; }
    if (/^--(no-)?(workspace|workspaces|include-workspace-root)(=|$)/.test(a)) continue;
    out.push(a);
  }
  return out;
}

/**
 * Runs npm. Windows is not supported: since Node 18.20.2/20.12.2 a `.cmd` cannot be spawned
 * without a shell (CVE-2024-24576 class), and a shell would re-parse the user's arguments.
 */
function npm(args, cwd, opts = {}) {
  if (process.platform === 'win32') throw new GateError('Windows is not supported (docs/gates.md)');
  return childProcess.spawnSync('npm', args, { cwd, ...opts });
}

function lockOnly(args, cwd) {
  return npm(['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', ...args], cwd,
    { stdio: 'inherit' }).status;
}

/** The folder npm installs into (`npm prefix`: --prefix, or the nearest package.json up from cwd). */
function npmPrefix(args, cwd) {
  const r = npm(['prefix', ...configFlags(args)], cwd, { encoding: 'utf8' });
  const dir = (r.stdout || '').trim();
  if (r.status !== 0 || !path.isAbsolute(dir)) throw new GateError(`could not ask npm for the project folder: ${(r.stderr || '').trim()}`);
  return dir;
}

/** npm's resolved configuration in `cwd` with the user's flags: { registryFor(name), replaceHost }. */
function npmConfig(args, cwd) {
  const r = npm(['config', 'ls', '-l', '--json', ...configFlags(args)], cwd, { encoding: 'utf8', maxBuffer: 16 << 20 });
  let conf;
  try { conf = JSON.parse(r.stdout); } catch { conf = null; }
  if (r.status !== 0 || !conf || typeof conf !== 'object') {
    throw new GateError(`could not read npm's configuration: ${(r.stderr || '').trim()}`);
  }
  const slash = (u) => (u.endsWith('/') ? u : u + '/');
  const registryFor = (name) => {
    const scope = name.startsWith('@') ? name.split('/')[0] : '';
    const reg = (scope && conf[`${scope}:registry`]) || conf.registry;
    if (typeof reg !== 'string' || !/^https?:\/\//.test(reg)) throw new GateError(`npm names no http(s) registry for ${name}`);
    return slash(reg);
  };
  if (typeof conf.registry !== 'string' || !/^https?:\/\//.test(conf.registry)) throw new GateError('npm names no http(s) registry');
  return { registryFor, registry: slash(conf.registry), replaceHost: conf['replace-registry-host'] };
}

/**
 * The URL npm ci fetches for a lockfile `resolved`, under npm's `replace-registry-host` ('npmjs',
 * the default, means registry.npmjs.org; 'always' every host; a host name; or a URL, whose path
 * must then prefix the tarball's). Two rewrites run, in this order, both towards the DEFAULT
 * registry (not a scope's):
 * 1. Arborist (lib/arborist/reify.js #registryResolved, npm 11.19): matches the host NAME (no
 *    port), moves the URL to the registry's protocol, host and port, and puts the registry's path
 *    in front (in place of the matched URL's path, when the setting is a URL). Query kept.
 * 2. pacote (lib/remote.js): matches host[:port] ('never' nothing, 'always' everything) and
 *    keeps only the path, on the registry's origin.
 */
function tarballURL(resolved, registry, replaceHost) {
  const rrh = !replaceHost || replaceHost === 'npmjs' ? 'registry.npmjs.org' : replaceHost;
  const u = new URL(resolved);
  const reg = new URL(registry);
  const regPath = reg.pathname.replace(/\/$/, '');
  let match = null;
  try { match = new URL(rrh); } catch { /* a host name, 'never' or 'always' */ }
  const matchHost = match ? match.hostname : rrh;
  const matchPath = match ? match.pathname.replace(/\/$/, '') : null;
  const under = (p, prefix) => p === prefix || p.startsWith(`${prefix}/`);
  if ((rrh === 'always' || matchHost === u.hostname) && (!matchPath || under(u.pathname, matchPath))) {
    u.protocol = reg.protocol;
    u.hostname = reg.hostname;
    u.port = reg.port;
    if (matchPath) u.pathname = regPath + u.pathname.slice(matchPath.length);
    else if (regPath && !under(u.pathname, regPath)) u.pathname = regPath + u.pathname;
  }
  if (rrh !== 'never' && (rrh === 'always' || rrh === u.host)) {
    return new URL(u.pathname, registry.replace(/\/+$/, '')).href;
  }
  return u.href;
}

// --- what the project itself declares as local ------------------------------------------------

const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];
const MAX_LOCAL_PACKAGES = 10000;

function readJSON(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return null; }
}

/** A local spec (npm-package-arg's file/directory forms): its absolute path, or null. */
function localPath(spec, base) {
  if (typeof spec !== 'string') return null;
  let p = null;
  if (/^(file|link):/.test(spec)) p = spec.replace(/^(file|link):(\/\/(?=\/))?/, '');
  else if (/^(\.{1,2}\/|\/|~\/)/.test(spec)) p = spec;
  if (p === null) return null;
  if (p.startsWith('~/')) p = path.join(require('node:os').homedir(), p.slice(2));
  return path.resolve(base, p);
}

function overrideSpecs(o, out, depth = 0) {
  if (depth > 32 || !o || typeof o !== 'object') return;
  for (const v of Object.values(o)) {
    if (typeof v === 'string') out.push(v);
    else overrideSpecs(v, out, depth + 1);
  }
}

function globRegExp(pattern) {
  const parts = pattern.replace(/^\.\//, '').replace(/\/+$/, '').split('/').map((seg) => {
    if (seg === '**') return '.*';
    return seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  });
  return new RegExp(`^${parts.join('/')}$`);
}

/**
 * The workspace folders of the project (its package.json `workspaces` globs, negations ignored: a
 * superset is harmless), whose package.json `npm install -w` edits. A bounded walk that skips
 * node_modules and dot folders.
 */
function workspaceFolders(cwd) {
  const root = readJSON(path.join(cwd, 'package.json')) || {};
  const ws = Array.isArray(root.workspaces) ? root.workspaces : (root.workspaces && root.workspaces.packages) || [];
  const patterns = ws.filter((w) => typeof w === 'string' && !w.startsWith('!')).map(globRegExp);
  const out = [];
  if (!patterns.length) return out;
  const queue = [''];
  let seen = 0;
  while (queue.length && seen++ < MAX_LOCAL_PACKAGES) {
    const rel = queue.shift();
    let entries;
    try { entries = fs.readdirSync(path.join(cwd, rel), { withFileTypes: true }); } catch { continue; }
    for (const e of entries) {
      if (!e.isDirectory() || e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const sub = rel ? `${rel}/${e.name}` : e.name;
      if (patterns.some((re) => re.test(sub))) out.push(path.join(cwd, sub));
      if (sub.split('/').length < 16) queue.push(sub);
    }
  }
  return out;
}

/**
 * The paths the user's own package.json files declare as local (file:/link:/paths, in dependencies
 * and overrides), the workspace folders, and, transitively, what those local packages declare: the
 * user's disk, which the gate does not verify. Nothing here comes from a registry.
 */
function declaredLocal(cwd) {
  const root = readJSON(path.join(cwd, 'package.json')) || {};
  const ws = Array.isArray(root.workspaces) ? root.workspaces : (root.workspaces && root.workspaces.packages) || [];
  const workspaces = ws.filter((w) => typeof w === 'string').map(globRegExp);
  const paths = new Set();
  const aliases = new Map();
  const queue = [{ dir: cwd, pkg: root }];
  const seen = new Set([cwd]);
  while (queue.length && seen.size < MAX_LOCAL_PACKAGES) {
    const { dir, pkg } = queue.shift();
    const specs = [];
    for (const f of DEP_FIELDS) if (pkg[f] && typeof pkg[f] === 'object') specs.push(...Object.values(pkg[f]));
    if (dir === cwd) overrideSpecs(pkg.overrides, specs);
    addAliases(pkg, dir === cwd, aliases);
    for (const s of specs) {
      const p = localPath(s, dir);
      if (!p) continue;
      paths.add(p);
      const sub = readJSON(path.join(p, 'package.json'));
      if (sub && !seen.has(p)) { seen.add(p); queue.push({ dir: p, pkg: sub }); }
    }
  }
  const isLocal = (abs) => {
    if (paths.has(abs)) return true;
    const rel = path.relative(cwd, abs).split(path.sep).join('/');
    return !rel.startsWith('..') && workspaces.some((re) => re.test(rel));
  };
  isLocal.aliases = aliases;
  return isLocal;
}

/**
 * The `npm:` aliases a package.json of the user's declares (`"dep": "npm:real@range"`, in the
 * dependency fields and, for the root, `overrides`), into aliases: dep -> Set of real names.
 */
function addAliases(pkg, isRoot, aliases) {
  const add = (dep, spec) => {
    const m = typeof spec === 'string' && /^npm:(@?[^@]+)/.exec(spec);
    if (!m) return;
    if (!aliases.has(dep)) aliases.set(dep, new Set());
    aliases.get(dep).add(m[1]);
  };
  for (const f of DEP_FIELDS) {
    if (pkg[f] && typeof pkg[f] === 'object') for (const [dep, spec] of Object.entries(pkg[f])) add(dep, spec);
  }
  const walk = (o, depth) => {
    if (depth > 32 || !o || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o)) {
      const dep = k.replace(/(.)@.*$/, '$1'); // an override key may carry a range: `foo@1`
      if (typeof v === 'string') add(dep, v);
      else { if (v && typeof v['.'] === 'string') add(dep, v['.']); walk(v, depth + 1); }
    }
  };
  if (isRoot) walk(pkg.overrides, 0);
}

// --- the lockfile --------------------------------------------------------------------------------

/** `node_modules/a/node_modules/b` -> `node_modules/a`; `node_modules/b` -> '' (the project). */
function parentKey(key) {
  const at = key.lastIndexOf('/node_modules/');
  if (at >= 0) return key.slice(0, at);
  return key.startsWith('node_modules/') ? '' : key.slice(0, Math.max(0, key.lastIndexOf('node_modules/') - 1));
}

/**
 * The `npm:` aliases the user declares, read BEFORE npm resolves: `npm install` saves a package
 * whose packument names it otherwise as an alias (`"evil": "npm:sigstore@^0.4.0"`), so the
 * package.json npm leaves behind speaks for the registry. From the root package.json, the local
 * packages it declares, and the specs on the command line (`dep@npm:real@range`).
 */
function declaredAliases(cwd, args) {
  const aliases = declaredLocal(cwd).aliases;
  for (const a of args) {
    const m = /^(@?[^@/]+(?:\/[^@/]+)?)@npm:(@?[^@]+)/.exec(a);
    if (!m) continue;
    if (!aliases.has(m[1])) aliases.set(m[1], new Set());
    aliases.get(m[1]).add(m[2]);
  }
  return aliases;
}

/**
 * Every lockfile (v2/v3) entry `npm ci` will fetch, with where from:
 * { key, name, version, integrity, resolved, registry, local, refusal, unattested, bundledIn }.
 * `aliases` (declaredAliases, read before npm ran): the only names under which a package may be
 * installed as another.
 */
function lockedPackages(lock, cwd, config, aliases = new Map()) {
  const isLocal = declaredLocal(cwd);
  const packages = lock.packages || {};
  const out = [];
  for (const [key, entry] of Object.entries(packages)) {
    if (key === '' || !entry || typeof entry !== 'object') continue;
    const keyName = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const name = typeof entry.name === 'string' ? entry.name : keyName;
    const p = { key, name, version: entry.version, integrity: entry.integrity, resolved: entry.resolved };
    out.push(p);
    if (!key.includes('node_modules/')) {
      // A folder of the project (a workspace, the target of a declared link).
      if (!isLocal(path.resolve(cwd, key))) p.refusal = `a local folder ${key} the project does not declare`;
      else p.local = true;
      continue;
    }
    if (entry.link) {
      const target = typeof entry.resolved === 'string' ? path.resolve(cwd, entry.resolved.replace(/^(file|link):/, '')) : null;
      if (!target || !isLocal(target)) p.refusal = `a link to ${entry.resolved} that the project does not declare`;
      else p.local = true;
      continue;
    }
    if (typeof p.resolved === 'string' && /^(file|link):/.test(p.resolved)) {
      // `resolved` is copied from a registry's `dist.tarball`: a registry can name a file: it is
      // the user's only if the user's own package.json files say so.
      if (!isLocal(localPath(p.resolved, cwd))) p.refusal = `${p.resolved}: a local file the project does not declare (named by a registry)`;
      else p.local = true;
      continue;
    }
    if (entry.inBundle) {
      // Bundled: unpacked from the tarball of the nearest ancestor that is not itself bundled. If
      // that is the project, a workspace or a local folder, npm ci fetches this entry from the
      // registry, so it is verified like any other.
      let k = parentKey(key);
      while (k && packages[k] && packages[k].inBundle) k = parentKey(k);
      if (k && k.includes('node_modules/') && packages[k] && !packages[k].link) { p.bundledIn = k; continue; }
    }
    if (name !== keyName && !(aliases.get(keyName) || new Set()).has(name)) {
      // The lockfile's `name` is the packument's: a registry can serve another package's signed
      // files as `keyName` (installed there, verified under `name`). Only the user's own `npm:`
      // alias installs a package under another name.
      p.refusal = `installed as ${keyName}, but the registry names it ${name} (no npm: alias in the project declares that)`;
      continue;
    }
    if (typeof p.version !== 'string') { p.refusal = 'the lockfile names no version'; continue; }
    p.registry = config.registryFor(name);
    // The URL npm ci fetches for a `resolved`: one rule, whether the lockfile or the packument
    // (verify.js, which then writes it into the lockfile: install.js) supplies it.
    p.fetchURL = (resolved) => tarballURL(resolved, config.registry, config.replaceHost);
    if (p.resolved === undefined) continue; // the packument says where (verify.js)
    if (typeof p.resolved !== 'string' || !/^https?:\/\//.test(p.resolved)) {
      p.unattested = `not a tarball over http(s) (${p.resolved})`;
      continue;
    }
    p.tarball = p.fetchURL(p.resolved);
  }
  return out;
}

module.exports = { splitArgs, ciFlags, workspaceFolders, npm, lockOnly, npmConfig, npmPrefix, tarballURL, lockedPackages, declaredLocal, declaredAliases, localPath };
