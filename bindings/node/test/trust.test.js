'use strict';
// The trust-update door: a TUF repository served on 127.0.0.1 (a copy of tests/tuf/doors), fetched
// by JavaScript on the main thread while the update runs on the libuv pool, then a real bundle
// verified with the trusted root that came out.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { Policy, trust, VerificationError } = require('..');

const repo = process.env.DOMAINSIG_REPO || path.resolve(__dirname, '..', '..', '..');
const happyDir = path.join(repo, 'tests', 'vectors', 'conformance--happy-path-v0.3');
const SAN = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const artifact = fs.readFileSync(path.join(happyDir, 'artifact'));
const bundle = fs.readFileSync(path.join(happyDir, 'bundle.sigstore.json'));

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-trust-'));
const served = path.join(work, 'served');
fs.cpSync(path.join(repo, 'tests', 'tuf', 'doors'), served, { recursive: true });
const rootPath = path.join(served, '1.root.json');
let server;
let url;

test.before(async () => {
  server = http.createServer((req, res) => {
    const file = path.join(served, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!file.startsWith(served + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}`;
});

test.after(() => {
  server.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function policyFor(opts) {
  return Policy.fromJSON({
    version: 1,
    trusted_root: trust.trustedRoot(opts),
    identities: [{ issuer: 'https://token.actions.githubusercontent.com', san: SAN }],
    domains: { mode: 'ignore' },
    subject: { require_name: false },
  });
}

test('update over HTTP with the global fetch, then verify with the result', async () => {
  const opts = { repo: url, rootPath, cache: path.join(work, 'cache') };
  assert.throws(() => policyFor(opts), { code: 'TUF_MISSING' });
  const pending = trust.update(opts);
  let loopRan = false;
  setImmediate(() => { loopRan = true; });
  const report = await pending;
  assert.ok(loopRan, 'the event loop kept running during the update');
  assert.deepStrictEqual(report.targets.map((t) => t.name), ['trusted_root.json']);
  assert.deepStrictEqual(report.roles.map((r) => [r.role, r.version]).slice(0, 4), [['root', 1], ['timestamp', 1], ['snapshot', 1], ['targets', 1]]);
  const status = await trust.status(opts);
  assert.deepStrictEqual(status.targets, report.targets);
  const r = await policyFor(opts).verify({ artifact, bundle, indexDomain: 'pypi.org' });
  assert.strictEqual(r.code, 'OK');
});

test('a custom fetch sees every URL; 404 ends the root chain', async () => {
  const seen = [];
  const opts = { repo: url, root: fs.readFileSync(rootPath), cache: path.join(work, 'cache-custom') };
  await trust.update({
    ...opts,
    fetch: async (u, maxLen) => {
      seen.push(u);
      assert.ok(maxLen > 0);
      return trust.defaultFetch(u, maxLen);
    },
  });
  assert.ok(seen.some((u) => u.endsWith('/2.root.json')), seen.join(' '));
  assert.ok(seen.some((u) => u.endsWith('.trusted_root.json')), seen.join(' '));
});

test('a failing fetch is TUF_FETCH with the cause, and the cache stays', async () => {
  const opts = { repo: url, rootPath, cache: path.join(work, 'cache') };
  const before = await trust.status(opts);
  const boom = new Error('proxy said no');
  await assert.rejects(trust.update({ ...opts, fetch: async () => { throw boom; } }), (e) =>
    e instanceof VerificationError && e.code === 'TUF_FETCH' && e.cause === boom && /proxy said no/.test(e.message));
  await assert.rejects(trust.update({ ...opts, fetch: (u, maxLen) => Buffer.alloc(maxLen + 1) }), { code: 'TUF_FETCH' });
  await assert.rejects(trust.update({ ...opts, fetch: async () => 'text' }), TypeError);
  assert.deepStrictEqual(await trust.status(opts), before);
});

test('a local directory needs no fetch at all', async () => {
  const report = await trust.update({ repoDir: served, rootPath, cache: path.join(work, 'cache-dir'), fetch: () => { throw new Error('fetched'); } });
  assert.strictEqual(report.targets.length, 1);
});

test('wrong types are TypeErrors naming the argument; bad values are INVALID_ARGUMENT', async () => {
  for (const [opts, re] of [
    [{ repo: 5 }, /repo must be/],
    [{ repoDir: 5, rootPath }, /repoDir must be/],
    [{ repo: url, rootPath: 5 }, /rootPath must be/],
    [{ repo: url, rootPath, cache: 5 }, /cache must be/],
    [{ repo: url, rootPath, fetch: 5 }, /fetch must be/],
  ]) {
    await assert.rejects(trust.update(opts), (e) => e instanceof TypeError && re.test(e.message));
  }
  for (const [opts, field] of [
    [{ repo: '/etc/passwd' }, 'repo'],
    [{ repo: url, root: 'not json' }, 'root'],
    [{ repo: 'public-good', rootPath }, 'root'],
  ]) {
    await assert.rejects(trust.update(opts), (e) => e instanceof VerificationError && e.code === 'INVALID_ARGUMENT' && e.details.field === field);
  }
  await assert.rejects(trust.update({ repo: url, root: Buffer.alloc(9 << 20, 0x7b) }), (e) => e.code === 'LIMIT_EXCEEDED' && e.details.field === 'root');
  await assert.rejects(trust.status({ repo: url, rootPath, cache: path.join(work, 'empty') }), { code: 'TUF_MISSING' });
});

test('a custom repository is bootstrapped once: later updates and policies need no root', async () => {
  const withoutRoot = { repo: url, cache: path.join(work, 'cache-once') };
  await assert.rejects(trust.update(withoutRoot), { code: 'TUF_MISSING' });
  assert.throws(() => policyFor(withoutRoot), { code: 'TUF_MISSING' });
  const first = await trust.update({ ...withoutRoot, rootPath });
  const again = await trust.update(withoutRoot);
  assert.deepStrictEqual(again.targets, first.targets);
  assert.deepStrictEqual((await trust.status(withoutRoot)).targets, first.targets);
  const r = await policyFor(withoutRoot).verify({ artifact, bundle, indexDomain: 'pypi.org' });
  assert.strictEqual(r.code, 'OK');
});

test('search fetches the asked projects of a publisher map, and is remembered', async () => {
  const fixture = path.join(repo, 'tests', 'tuf', 'publisher-map');
  const cache = path.join(work, 'cache-map');
  const report = await trust.update({ repoDir: fixture, rootPath: path.join(fixture, '1.root.json'), cache,
    search: { index: 'pypi.org', packages: ['GitLab.OIDC_Project', 'absent'] } });
  assert.deepStrictEqual(report.asked, ['pypi.org/publishers/absent.json', 'pypi.org/publishers/gitlab-oidc-project.json']);
  assert.deepStrictEqual(report.targets.filter((t) => t.name.startsWith('pypi.org/publishers/')).map((t) => t.name),
    ['pypi.org/publishers/gitlab-oidc-project.json']);
  assert.deepStrictEqual((await trust.update({ repoDir: fixture, cache })).asked, report.asked);
  await assert.rejects(trust.update({ repoDir: fixture, cache, search: { index: 'pypi.org', packages: [1] } }),
    (e) => e instanceof VerificationError && e.code === 'INVALID_ARGUMENT' && /packages\[0\]/.test(e.details.field));
  await assert.rejects(trust.update({ repoDir: fixture, cache, search: ['x'] }), TypeError);
});
