'use strict';
// The npm gate's trust file (bindings/node/gate/trustfile.js) end to end: the real npm, gated by
// bin/domainsig-npm.js, against a registry this test serves on 127.0.0.1 with the real
// sigstore@0.4.0 tarball and its real attestations document from tests/npm (provenance signed by
// GitHub Actions for sigstore/sigstore-js, publish attestation signed by the registry key).
// No publisher is named in the policy: the first install records one, later installs are held to it.

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
const GATE = process.env.DOMAINSIG_NPM_GATE || path.join(REPO, 'bindings', 'node', 'bin', 'domainsig-npm.js');
const CASE = path.join(CASES, 'pacote--sigstore-0.4.0');
const TRUST = 'domainsig-publishers.json';
const PUBLISHER = '{"kind": "GitHub", "repository": "sigstore/sigstore-js", "workflow": "publish.yml"}';

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

/** The registry's answers for sigstore@0.4.0: `document` is the attestations document or null. */
function registry(state) {
  const tgz = fs.readFileSync(path.join(CASE, 'artifact.tgz'));
  const meta = manifest(tgz);
  delete meta.scripts;
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    const send = (data, type) => { res.writeHead(200, { 'content-type': type }); res.end(data); };
    const base = `http://127.0.0.1:${server.address().port}`;
    if (url === '/-/npm/v1/attestations/sigstore@0.4.0' && state.document) return send(state.document, 'application/json');
    if (url === '/sigstore/-/sigstore-0.4.0.tgz') return send(tgz, 'application/octet-stream');
    if (url === '/sigstore') {
      const dist = { tarball: `${base}/sigstore/-/sigstore-0.4.0.tgz`,
        integrity: `sha512-${crypto.createHash('sha512').update(tgz).digest('base64')}` };
      return send(JSON.stringify({ name: 'sigstore', 'dist-tags': { latest: '0.4.0' },
        versions: { '0.4.0': { ...meta, name: 'sigstore', version: '0.4.0', dist } } }), 'application/json');
    }
    res.writeHead(404); res.end('{}');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const genuine = () => fs.readFileSync(path.join(CASE, 'attestations.json'));

/** The document without its SLSA provenance: only the registry's publish attestation is left. */
function withoutProvenance() {
  const doc = JSON.parse(genuine());
  doc.attestations = doc.attestations.filter((a) => !a.predicateType.startsWith('https://slsa.dev/provenance/'));
  assert.strictEqual(doc.attestations.length, 1);
  return Buffer.from(JSON.stringify(doc));
}

function project() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-npm-trust-'));
  const stub = path.join(dir, 'stubs', 'make-fetch-happen');
  fs.mkdirSync(stub, { recursive: true });
  fs.writeFileSync(path.join(stub, 'package.json'), JSON.stringify({ name: 'make-fetch-happen', version: '10.2.1', main: 'index.js' }));
  fs.writeFileSync(path.join(stub, 'index.js'), 'module.exports = function fetch() { throw new Error("stub"); };\n');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true,
    overrides: { 'make-fetch-happen': `file:${stub}` } }, null, 2) + '\n');
  return dir;
}

/** Runs the gate in `dir` (a fresh install each time: node_modules and the lockfile removed). */
async function gate(dir, state, ...extra) {
  const server = await registry(state);
  const port = server.address().port;
  fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
  fs.rmSync(path.join(dir, 'package-lock.json'), { force: true });
  const policy = { version: 1, trusted_root: 'public-good', keys: [{ path: KEYS }], identities: [],
    domains: { mode: 'require', mirrors: { [`127.0.0.1:${port}`]: ['registry.npmjs.org'] } }, subject: { require_name: true } };
  fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(policy));
  const env = { ...process.env, npm_config_cache: path.join(dir, '.npm-cache'), npm_config_update_notifier: 'false',
    npm_config_audit: 'false', npm_config_fund: 'false' };
  delete env.DOMAINSIG_POLICY;
  const r = await new Promise((resolve) => {
    const child = childProcess.spawn(GATE, ['install', 'sigstore@0.4.0', '--registry', `http://127.0.0.1:${port}/`,
      '--policy', 'policy.json', ...extra], { cwd: dir, env });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.on('data', () => {});
    child.on('close', (status) => resolve({ status, stderr }));
  });
  server.close();
  return { ...r, installed: fs.existsSync(path.join(dir, 'node_modules', 'sigstore', 'package.json')),
    trust: fs.existsSync(path.join(dir, TRUST)) ? fs.readFileSync(path.join(dir, TRUST), 'utf8') : null };
}

const recorded = (publisher) => `{\n  "version": 1,\n  "packages": {\n    "sigstore": [\n      {"since": "0.4.0", "publisher": ${publisher}}\n    ]\n  }\n}\n`;

function refused(r, ...expect) {
  assert.strictEqual(r.status, 1, r.stderr);
  assert.ok(!r.installed, 'sigstore was installed');
  assert.match(r.stderr, /nothing was installed/);
  for (const e of expect) assert.ok(r.stderr.includes(e), `expected ${JSON.stringify(e)} in:\n${r.stderr}`);
}

test('the first install records the proven publisher, and the next install is held to it', async () => {
  const dir = project();
  const r = await gate(dir, { document: genuine() });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.ok(r.installed);
  assert.ok(r.stderr.includes('sigstore@0.4.0: published by GitHub (repository=sigstore/sigstore-js, workflow=publish.yml) '
    + `(first sight, trusted on first use); recorded in ${TRUST}`), r.stderr);
  assert.strictEqual(r.trust, recorded(PUBLISHER));
  const again = await gate(dir, { document: genuine() });
  assert.strictEqual(again.status, 0, again.stderr);
  assert.ok(!again.stderr.includes('first sight'), again.stderr);
  assert.strictEqual(again.trust, recorded(PUBLISHER));
});

test('another publisher than the recorded one is refused naming both, and the printed command accepts it', async () => {
  const dir = project();
  const evil = '{"kind": "GitHub", "repository": "evil/sigstore-js", "workflow": "publish.yml"}';
  fs.writeFileSync(path.join(dir, TRUST), recorded(evil));
  const r = await gate(dir, { document: genuine() });
  refused(r, 'IDENTITY_MISMATCH', 'evil/sigstore-js', 'sigstore/sigstore-js', `${TRUST} records GitHub (repository=evil/sigstore-js`,
    '--accept-publisher sigstore');
  assert.strictEqual(r.trust, recorded(evil), 'the trust file changed on a refusal');
  const accepted = await gate(dir, { document: genuine() }, '--accept-publisher', 'sigstore');
  assert.strictEqual(accepted.status, 0, accepted.stderr);
  assert.ok(accepted.installed);
  assert.ok(accepted.stderr.includes('accepted by --accept-publisher; was GitHub (repository=evil/sigstore-js'), accepted.stderr);
  assert.strictEqual(accepted.trust, recorded(PUBLISHER));
});

test('a version without provenance after one with it is refused; accepting it forgets the publisher', async () => {
  const dir = project();
  assert.strictEqual((await gate(dir, { document: genuine() })).status, 0);
  const r = await gate(dir, { document: withoutProvenance() });
  refused(r, 'provenance is missing', 'this version is without provenance', '--accept-publisher sigstore');
  assert.strictEqual(r.trust, recorded(PUBLISHER));
  // No attestations at all: the same downgrade.
  refused(await gate(dir, { document: null }), 'downgrade', '--accept-publisher sigstore');
  const accepted = await gate(dir, { document: withoutProvenance() }, '--accept-publisher=sigstore');
  assert.strictEqual(accepted.status, 0, accepted.stderr);
  assert.ok(accepted.installed);
  assert.strictEqual(accepted.trust, '{\n  "version": 1,\n  "packages": {}\n}\n');
});

test('a trust file that is not one is an error, not ignored', async () => {
  const dir = project();
  fs.writeFileSync(path.join(dir, TRUST), '{"version": 1, "packages": {"sigstore": "x"}}');
  const r = await gate(dir, { document: genuine() });
  assert.strictEqual(r.status, 2, r.stderr);
  assert.match(r.stderr, /domainsig-publishers\.json: packages\["sigstore"\]/);
  assert.ok(!r.installed);
});
