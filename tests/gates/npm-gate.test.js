'use strict';
// End to end: the real npm, gated by bin/domainsig-npm.js, against an npm registry this test serves
// on 127.0.0.1 with real tarballs and their real attestations documents from tests/npm (copied
// unedited from npm/pacote's fixtures; see tests/npm/README.md). The packuments are built here from
// each tarball's own package.json, as a registry would. sigstore@0.4.0 depends only on
// make-fetch-happen, which the test project overrides with a local stub (local files are the
// user's own code: the gate verifies what comes from a registry).

const test = require('node:test');
const assert = require('node:assert');
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

/** A registry: packages[name][version] = {meta (package.json the packument shows), tgz, document}. */
function registry(packages) {
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    const send = (body, type) => { res.writeHead(200, { 'content-type': type }); res.end(body); };
    const att = /^\/-\/npm\/v1\/attestations\/(.+)@([^@]+)$/.exec(url);
    if (att) {
      const p = packages[att[1]] && packages[att[1]][att[2]];
      if (p && p.document) return send(p.document, 'application/json');
    }
    const tgz = /^\/(.+)\/-\/[^/]+-([^/]+)\.tgz$/.exec(url);
    if (tgz && packages[tgz[1]] && packages[tgz[1]][tgz[2]]) return send(packages[tgz[1]][tgz[2]].tgz, 'application/octet-stream');
    const name = url.slice(1);
    if (packages[name]) {
      const base = `http://127.0.0.1:${server.address().port}`;
      const versions = {};
      for (const [v, p] of Object.entries(packages[name])) {
        versions[v] = {
          ...p.meta, name, version: v,
          dist: {
            tarball: `${base}/${name}/-/${name.split('/').pop()}-${v}.tgz`,
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
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function sigstore040({ tgz = read('pacote--sigstore-0.4.0', 'artifact.tgz'), document } = {}) {
  const meta = manifest(read('pacote--sigstore-0.4.0', 'artifact.tgz'));
  delete meta.scripts;
  return { sigstore: { '0.4.0': { meta, tgz, document: document || read('pacote--sigstore-0.4.0', 'attestations.json') } } };
}

function project() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-npm-gate-'));
  const stub = path.join(dir, 'stubs', 'make-fetch-happen');
  fs.mkdirSync(stub, { recursive: true });
  fs.writeFileSync(path.join(stub, 'package.json'), JSON.stringify({ name: 'make-fetch-happen', version: '10.2.1', main: 'index.js' }));
  fs.writeFileSync(path.join(stub, 'index.js'), 'module.exports = function fetch() { throw new Error("stub"); };\n');
  const pkg = { name: 'app', version: '1.0.0', private: true, overrides: { 'make-fetch-happen': `file:${stub}` } };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  return dir;
}

function policy(dir, mirrorPort) {
  const p = {
    version: 1,
    trusted_root: 'public-good',
    keys: [{ path: KEYS }],
    identities: [],
    packages: {
      sigstore: { identities: [{ issuer: 'https://token.actions.githubusercontent.com',
        san_regex: 'https://github\\.com/sigstore/sigstore-js/\\.github/workflows/publish\\.yml@refs/tags/v.*' }] },
    },
    domains: { mode: 'require', mirrors: { [`127.0.0.1:${mirrorPort}`]: ['registry.npmjs.org'] } },
    subject: { require_name: true },
  };
  fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(p));
  return path.join(dir, 'policy.json');
}

async function gate(packages, { mirror } = {}) {
  const server = await registry(packages);
  const port = server.address().port;
  const dir = project();
  const before = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
  const env = { ...process.env, npm_config_cache: path.join(dir, '.npm-cache'), npm_config_update_notifier: 'false',
    npm_config_audit: 'false', npm_config_fund: 'false' };
  delete env.DOMAINSIG_POLICY;
  const run = await new Promise((resolve) => {
    const child = childProcess.spawn(GATE, [ 'install', 'sigstore@0.4.0', '--registry', `http://127.0.0.1:${port}/`,
      '--policy', policy(dir, mirror || port)], { cwd: dir, env });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', () => {});
    child.on('close', (status) => resolve({ status, stderr }));
  });
  server.close();
  return { ...run, dir, port, before };
}

function assertRefused(r, ...expect) {
  assert.notStrictEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /nothing was installed/);
  for (const e of expect) assert.ok(r.stderr.includes(e), `expected ${JSON.stringify(e)} in:\n${r.stderr}`);
  assert.ok(!fs.existsSync(path.join(r.dir, 'node_modules', 'sigstore')), 'sigstore was installed');
  assert.strictEqual(fs.readFileSync(path.join(r.dir, 'package.json'), 'utf8'), r.before, 'package.json was not restored');
  assert.ok(!fs.existsSync(path.join(r.dir, 'package-lock.json')), 'the lockfile was left behind');
}

test('a genuine package installs and requires', async () => {
  const r = await gate(sigstore040());
  assert.strictEqual(r.status, 0, r.stderr);
  assert.match(r.stderr, /verified 1 package\(s\)/);
  const out = childProcess.spawnSync(process.execPath, ['-e', 'const { sigstore } = require("sigstore"); console.log(typeof sigstore.verify, require("sigstore/package.json").version)'],
    { cwd: r.dir, encoding: 'utf8' });
  assert.strictEqual(out.status, 0, out.stderr);
  assert.strictEqual(out.stdout.trim(), 'function 0.4.0');
});

test('the same files behind a mirror the policy does not allow are refused', async () => {
  const r = await gate(sigstore040(), { mirror: 1 });
  assertRefused(r, 'refused: sigstore@0.4.0 from 127.0.0.1:', 'DOMAIN_MISMATCH (43)');
});

test('a tarball swapped for another version is refused', async () => {
  const r = await gate(sigstore040({ tgz: read('pacote--sigstore-0.4.0--tgz-other-version-1.0.0_fail', 'artifact.tgz') }));
  assertRefused(r, 'refused: sigstore@0.4.0 from 127.0.0.1:', 'ARTIFACT_MISMATCH (13)');
});

test('an attestations document naming another package is refused', async () => {
  const r = await gate(sigstore040({ document: read('npm-cli--tuf-js-1.0.0', 'attestations.json') }));
  assertRefused(r, 'refused: sigstore@0.4.0 from 127.0.0.1:', 'ARTIFACT_MISMATCH (13)');
});

test('a package without attestations is refused under identities', async () => {
  const packages = sigstore040();
  packages.sigstore['0.4.0'].document = null;
  const r = await gate(packages);
  assertRefused(r, 'refused: sigstore@0.4.0: no attestations');
});

test('a usage error exits 2', () => {
  const r = childProcess.spawnSync(GATE, ['publish'], { encoding: 'utf8' });
  assert.strictEqual(r.status, 2);
  assert.match(r.stderr, /usage:/);
});
