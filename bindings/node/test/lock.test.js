'use strict';
// The lock door: verify-lock from Node, each attestation fetched by JavaScript on the main thread,
// against a PyPI index on 127.0.0.1 serving the real GitLab-published sdist's provenance.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { Policy, lock, VerificationError } = require('..');

const repo = process.env.DOMAINSIG_REPO || path.resolve(__dirname, '..', '..', '..');
const gitlab = path.join(repo, 'tests', 'vectors', 'pypi-attestations--gitlab_oidc_project-0.0.3-publish');
const SDIST = 'gitlab_oidc_project-0.0.3.tar.gz';
const SHA = fs.readFileSync(path.join(gitlab, 'artifact.sha256'), 'utf8').trim();
const att = JSON.parse(fs.readFileSync(path.join(gitlab, 'attestation.json'), 'utf8'));
const publisher = JSON.parse(fs.readFileSync(path.join(gitlab, 'expect.json'), 'utf8')).trusted_publisher;
const routes = {
  '/simple/gitlab-oidc-project/': JSON.stringify({ meta: { 'api-version': '1.1' }, files: [{ filename: SDIST, url: '/f', provenance: `/prov/${SDIST}` }] }),
  [`/prov/${SDIST}`]: JSON.stringify({ version: 1, attestation_bundles: [{ publisher, attestations: [att] }] }),
};
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-lock-'));
const accepts = [];
let server;
let base;

const policy = () => Policy.fromJSON({
  version: 1,
  trusted_root: { path: path.join(repo, 'tests', 'vectors', '_roots', 'public-good-production.trusted_root.json') },
  identities: [{ issuer: 'https://gitlab.com', san_regex: 'https://gitlab\\.com/facutuesca/gitlab-oidc-project//.*' }],
  domains: { mode: 'warn' },
});

function writeLock(name, sha) {
  const dir = fs.mkdtempSync(path.join(work, name));
  const file = path.join(dir, 'pylock.toml');
  fs.writeFileSync(file, `lock-version = "1.0"\n[[packages]]\nname = "gitlab-oidc-project"\nversion = "0.0.3"\n`
    + `index = "${base}simple/"\nsdist = { name = "${SDIST}", url = "${base}f", hashes = { sha256 = "${sha}" } }\n`);
  return file;
}

test.before(async () => {
  server = http.createServer((req, res) => {
    accepts.push(req.headers.accept);
    const body = routes[req.url];
    if (body === undefined) return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
});

test.after(() => {
  server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

test('a lock naming the real sdist verifies, fetched by the global fetch', async () => {
  const report = await lock.verify(writeLock('ok', SHA), policy());
  assert.strictEqual(report.ok, true, JSON.stringify(report));
  assert.strictEqual(report.entries[0].verdict, 'verified');
  assert.deepStrictEqual(report.entries[0].publisher, { kind: 'GitLab', repository: 'facutuesca/gitlab-oidc-project', workflow_filepath: '.gitlab-ci.yml' });
  assert.ok(accepts.includes(lock.ACCEPT));
});

test('another file\'s sha256 is refused in the report; a custom fetch is used', async () => {
  const asked = [];
  const fetchFn = async (url, maxLen) => {
    asked.push(url);
    return lock.defaultFetch(url, maxLen);
  };
  const report = await lock.verify(writeLock('bad', 'ab'.repeat(32)), policy(), { fetch: fetchFn });
  assert.strictEqual(report.ok, false);
  assert.strictEqual(report.entries[0].status, 'ARTIFACT_MISMATCH');
  assert.ok(asked[0].endsWith('/simple/gitlab-oidc-project/'), asked.join(' '));
});

test('a malformed lock rejects with LOCK_INVALID', async () => {
  const file = path.join(work, 'pylock.toml');
  fs.writeFileSync(file, 'lock-version = "9"\n');
  await assert.rejects(lock.verify(file, policy()), (e) => e instanceof VerificationError && e.code === 'LOCK_INVALID' && e.status === 70);
});

test('a package-lock.json is held to the npm trust file beside it', async () => {
  const crypto = require('node:crypto');
  const npm = path.join(repo, 'tests', 'npm');
  const tgz = fs.readFileSync(path.join(npm, 'npm-cli--sigstore-1.0.0', 'artifact.tgz'));
  const doc = fs.readFileSync(path.join(npm, 'npm-cli--sigstore-1.0.0', 'attestations.json'));
  const dir = fs.mkdtempSync(path.join(work, 'npm'));
  const file = path.join(dir, 'package-lock.json');
  fs.writeFileSync(file, JSON.stringify({ name: 'app', lockfileVersion: 3, packages: {
    '': { name: 'app' },
    'node_modules/sigstore': { version: '1.0.0', resolved: 'https://registry.npmjs.org/sigstore/-/sigstore-1.0.0.tgz',
      integrity: `sha512-${crypto.createHash('sha512').update(tgz).digest('base64')}` },
  } }));
  const npmPolicy = Policy.fromJSON({
    version: 1,
    trusted_root: { path: path.join(repo, 'tests', 'vectors', '_roots', 'public-good-production.trusted_root.json') },
    identities: [{ issuer: 'https://token.actions.githubusercontent.com', san_regex: 'https://github\\.com/sigstore/sigstore-js/.*' }],
    keys: [{ path: path.join(npm, '_keys', '160677eb6e1c7083c89b166b20f8fe4e837fb71181506aff1991b80b89184f7d.keys.json'), usage: 'npm:attestations', domain: 'registry.npmjs.org' }],
    domains: { mode: 'require' },
  });
  const fetchFn = async (url) => (url.endsWith('/-/npm/v1/attestations/sigstore@1.0.0') ? doc : null);
  const recorded = (repository) => {
    const pub = { kind: 'GitHub', repository, workflow: 'publish.yml' };
    fs.writeFileSync(path.join(dir, 'domainsig-publishers.json'), JSON.stringify({ version: 1, packages: { sigstore: [{ since: '1.0.0', publisher: pub }] } }));
    return lock.verify(file, npmPolicy, { fetch: fetchFn });
  };
  const ok = await recorded('sigstore/sigstore-js');
  assert.strictEqual(ok.ok, true, JSON.stringify(ok));
  const report = await recorded('evil/fork');
  assert.strictEqual(report.ok, false);
  assert.strictEqual(report.entries[0].status, 'IDENTITY_MISMATCH', JSON.stringify(report));
  assert.ok(report.entries[0].message.includes('domainsig-publishers.json'), report.entries[0].message);
});
