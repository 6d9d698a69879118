'use strict';
// The npm gates' test registry and projects, shared by tests/gates/npm-*.test.js (not a test file
// itself: node --test runs only *.test.js here). Everything binds 127.0.0.1.

const childProcess = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

const REPO = process.env.DOMAINSIG_REPO || path.resolve(__dirname, '../..');
const CASES = path.join(REPO, 'tests', 'npm');
const KEYS = path.join(CASES, '_keys', fs.readdirSync(path.join(CASES, '_keys')).find((f) => f.endsWith('.keys.json')));
// The gate as installed from the packed package (scripts/test-node.sh sets it), or the source copy.
const GATE = process.env.DOMAINSIG_NPM_GATE || path.join(REPO, 'bindings', 'node', 'bin', 'domainsig-npm.js');
const read = (c, f) => fs.readFileSync(path.join(CASES, c, f));

/** package/package.json out of a .tgz (ustar: 512-byte headers, size in octal at 124). */
function manifest(tgz) {
  const tar = zlib.gunzipSync(tgz);
  for (let off = 0; off + 512 <= tar.length;) {
    const name = tar.toString('utf8', off, off + 100).replace(/\0.*$/s, '');
    const size = parseInt(tar.toString('utf8', off + 124, off + 136).replace(/\0.*$/s, '').trim() || '0', 8);
    if (name === 'package/package.json') return JSON.parse(tar.toString('utf8', off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error('no package/package.json');
}

/**
 * A registry: packages[name][version] = {meta (package.json the packument shows), tgz, document}.
 * `tarball(base, name, v)` says where its packuments put each tarball (default: the registry's
 * usual `<registry>/<name>/-/<name>-<v>.tgz`); `body` serves tarballs as an `endless` stream or a
 * `trickle`. Tarballs are also served at /files/<anything>/<name>/<v>.tgz (another layout), and
 * /redirect/<percent-encoded URL> answers 302 to that URL.
 */
function registry(packages, { tarball, body } = {}) {
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    server.hits.push(url);
    // /redirect/<URL, percent-encoded>: a 302 to that URL.
    const redirect = /^\/redirect\/([^/?]+)$/.exec(req.url);
    if (redirect) { res.writeHead(302, { location: decodeURIComponent(redirect[1]) }); return res.end(); }
    const send = (data, type) => { res.writeHead(200, { 'content-type': type }); res.end(data); };
    const sendTgz = (data) => {
      if (!body) return send(data, 'application/octet-stream');
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const tick = () => {
        if (res.destroyed || server.closing) return res.destroy();
        if (body === 'endless') { if (res.write(Buffer.alloc(64 << 10))) setImmediate(tick); else res.once('drain', tick); }
        else { res.write(Buffer.alloc(1)); setTimeout(tick, 200); }
      };
      tick();
    };
    const att = /^\/-\/npm\/v1\/attestations\/(.+)@([^@]+)$/.exec(url);
    if (att) {
      const p = packages[att[1]] && packages[att[1]][att[2]];
      if (p && p.document) return send(p.document, 'application/json');
    }
    // With `tarball`, the registry keeps its tarballs only on its own path (GitHub Packages style).
    const tgz = (!tarball && /^\/(.+)\/-\/[^/]+-([^/]+)\.tgz$/.exec(url)) || /^\/files\/[^/]+\/(.+)\/([^/]+)\.tgz$/.exec(url);
    if (tgz && packages[tgz[1]] && packages[tgz[1]][tgz[2]]) return sendTgz(packages[tgz[1]][tgz[2]].tgz);
    const name = url.slice(1);
    if (packages[name]) {
      const base = `http://127.0.0.1:${server.address().port}`;
      const versions = {};
      for (const [v, p] of Object.entries(packages[name])) {
        versions[v] = {
          ...p.meta, name, version: v, ...p.manifest,
          dist: {
            tarball: tarball ? tarball(base, name, v, req) : `${base}/${name}/-/${name.split('/').pop()}-${v}.tgz`,
            integrity: 'sha512-' + crypto.createHash('sha512').update(p.tgz).digest('base64'),
            shasum: crypto.createHash('sha1').update(p.tgz).digest('hex'),
          },
        };
      }
      const latest = Object.keys(versions).pop();
      return send(JSON.stringify({ name, 'dist-tags': { latest }, versions }), 'application/json');
    }
    res.writeHead(404); res.end('{}');
  });
  server.hits = [];
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  server.stop = () => { server.closing = true; for (const s of sockets) s.destroy(); server.close(); };
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * A fresh project folder whose package.json overrides each of `stubs` (dependencies of the test
 * packages that tests/npm has no tarball for) with a local stub: local files are the user's own
 * code, the gate verifies what comes from a registry.
 */
function project(extra = {}, { stubs = ['make-fetch-happen'], prefix = 'domainsig-npm-gate-' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const overrides = {};
  for (const name of stubs) {
    const stub = path.join(dir, 'stubs', name);
    fs.mkdirSync(stub, { recursive: true });
    fs.writeFileSync(path.join(stub, 'package.json'), JSON.stringify({ name, version: '10.2.1', main: 'index.js' }));
    fs.writeFileSync(path.join(stub, 'index.js'), 'module.exports = function stub() { throw new Error("stub"); };\n');
    overrides[name] = `file:${stub}`;
  }
  const pkg = { name: 'app', version: '1.0.0', private: true, overrides, ...extra };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  return dir;
}

/** The environment the gate runs npm in: a cache inside the project, no notifier, audit or fund, no DOMAINSIG_POLICY. */
function npmEnv(dir, extra = {}) {
  const env = { ...process.env, npm_config_cache: path.join(dir, '.npm-cache'), npm_config_update_notifier: 'false',
    npm_config_audit: 'false', npm_config_fund: 'false', ...extra };
  delete env.DOMAINSIG_POLICY;
  return env;
}

/** Runs the gate with `args` in `cwd`: { status, stderr }. */
function runGate(args, { cwd, env }) {
  return new Promise((resolve) => {
    const child = childProcess.spawn(GATE, args, { cwd, env });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', () => {});
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

module.exports = { REPO, CASES, KEYS, GATE, read, manifest, registry, project, npmEnv, runGate };
