'use strict';
const test = require('node:test');
const assert = require('node:assert');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const domainsig = require('..');

const repo = process.env.DOMAINSIG_REPO || path.resolve(__dirname, '..', '..', '..');
const happyDir = path.join(repo, 'tests', 'vectors', 'conformance--happy-path-v0.3');
const SAN = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const policyObject = (san = SAN) => ({
  version: 1, trusted_root: 'public-good', identities: [{ issuer: ISSUER, san }], domains: { mode: 'ignore' }, subject: { require_name: false },
});

const artifact = fs.readFileSync(path.join(happyDir, 'artifact'));
const bundle = fs.readFileSync(path.join(happyDir, 'bundle.sigstore.json'));
const digest = 'sha256:' + crypto.createHash('sha256').update(artifact).digest('hex');
const tampered = Buffer.from(artifact);
tampered[0] ^= 1;
const policy = domainsig.Policy.fromJSON(policyObject());

test('status numbers match the C header and the library', () => {
  const header = fs.readFileSync(path.join(repo, 'include', 'domainsig.h'), 'utf8');
  const found = Object.fromEntries([...header.matchAll(/DOMAINSIG_([A-Z_]+) = (\d+),/g)].map((m) => [m[1], Number(m[2])]));
  assert.deepStrictEqual(found, { ...domainsig.STATUS });
  for (const [name, n] of Object.entries(domainsig.STATUS)) assert.strictEqual(domainsig.statusName(n), name);
  assert.match(domainsig.version(), /^\d+\.\d+\.\d+/);
});

for (const [how, a] of [['bytes', artifact], ['path', path.join(happyDir, 'artifact')], ['digest', digest]]) {
  test(`happy path, artifact as ${how}`, async () => {
    const r = await policy.verify({ artifact: a, bundle, indexDomain: 'registry.npmjs.org' });
    assert.strictEqual(r.ok, true);
    assert.strictEqual(r.code, 'OK');
    assert.strictEqual(policy.verifySync({ artifact: a, bundle, indexDomain: 'registry.npmjs.org' }).status, 0);
  });
}

test('bundle as bytes, text and object, or a file through bundlePath', () => {
  for (const b of [bundle, new Uint8Array(bundle), bundle.toString(), JSON.parse(bundle)]) {
    assert.ok(policy.verifySync({ artifact, bundle: b, indexDomain: 'pypi.org' }).ok);
  }
  const bundlePath = path.join(happyDir, 'bundle.sigstore.json');
  assert.ok(policy.verifySync({ artifact, bundlePath, indexDomain: 'pypi.org' }).ok);
  // A string bundle is content: the path of a real bundle is refused as JSON, never opened.
  assert.throws(() => policy.verifySync({ artifact, bundle: bundlePath, indexDomain: 'pypi.org' }), { code: 'BUNDLE_MALFORMED' });
});

test('tampered artifact rejects with code, status and details', async () => {
  await assert.rejects(policy.verify({ artifact: tampered, bundle, indexDomain: 'pypi.org' }), (e) => {
    assert.ok(e instanceof domainsig.VerificationError);
    assert.strictEqual(e.code, 'ARTIFACT_MISMATCH');
    assert.strictEqual(e.status, 13);
    assert.strictEqual(e.family, 'crypto');
    assert.strictEqual(e.details.field, 'messageSignature.messageDigest');
    return true;
  });
  assert.throws(() => policy.verifySync({ artifact: tampered, bundle }), { code: 'ARTIFACT_MISMATCH' });
});

test('wrong signer is IDENTITY_MISMATCH', async () => {
  const other = domainsig.Policy.fromJSON(JSON.stringify(policyObject('https://github.com/x/y/.github/workflows/r.yml@refs/heads/main')));
  await assert.rejects(other.verify({ artifact, bundle, indexDomain: 'pypi.org' }), { code: 'IDENTITY_MISMATCH', status: 30 });
});

test('a bundle signed for no index is DOMAIN_MISSING under a require policy', async () => {
  const strict = domainsig.Policy.fromJSON({ ...policyObject(), domains: { mode: 'require' } });
  await assert.rejects(strict.verify({ artifact, bundle, indexDomain: 'registry.npmjs.org' }), (e) =>
    e.code === 'DOMAIN_MISSING' && e.status === 42 && e.family === 'domain');
});

test('bad policy throws POLICY_INVALID with details', () => {
  assert.throws(() => domainsig.Policy.fromJSON('[1, 2'), (e) => e.code === 'POLICY_INVALID' && e.status === 2 && e.details.status === 'POLICY_INVALID');
});

test('garbage never crashes', async () => {
  for (const b of [Buffer.alloc(0), Buffer.from([0, 1, 2, 255]), Buffer.from('{'), crypto.randomBytes(4096)]) {
    await assert.rejects(policy.verify({ artifact, bundle: b, indexDomain: 'pypi.org' }), { code: 'BUNDLE_MALFORMED' });
  }
  await assert.rejects(policy.verify({ artifact: 'sha256:xyz', bundle }), { code: 'ARTIFACT_UNREADABLE' });
  await assert.rejects(policy.verify({ artifact: 42, bundle }), TypeError);
  await assert.rejects(policy.verify({ artifact: 'a\0b', bundle }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => policy.verifySync(null), TypeError);
  const forged = Object.create(domainsig.Policy.prototype);
  forged._handle = {};
  assert.throws(() => forged.verifySync({ artifact, bundle }), TypeError);
});

test('40 concurrent verifications agree with the sequential answers', async () => {
  const good = policy.verifySync({ artifact, bundle, indexDomain: 'pypi.org' }).details;
  let bad;
  try { policy.verifySync({ artifact: tampered, bundle, indexDomain: 'pypi.org' }); } catch (e) { bad = e.details; }
  assert.ok(bad);
  const runs = Array.from({ length: 40 }, (_, i) =>
    policy.verify({ artifact: i % 2 ? tampered : artifact, bundle, indexDomain: 'pypi.org' }).then((r) => r.details, (e) => e.details));
  const answers = await Promise.all(runs);
  answers.forEach((d, i) => assert.deepStrictEqual(d, i % 2 ? bad : good));
});

test('verifyMany keeps order and never rejects for refusals', async () => {
  const rs = await policy.verifyMany([{ artifact, bundle }, { artifact: tampered, bundle }, { artifact: digest, bundle }], { indexDomain: 'pypi.org' });
  assert.deepStrictEqual(rs.map((r) => r.code), ['OK', 'ARTIFACT_MISMATCH', 'OK']);
  assert.deepStrictEqual(await policy.verifyMany([]), []);
});
