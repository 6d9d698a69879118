'use strict';
// The shared npm cases (tests/npm): one call per package with the whole attestations document.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const domainsig = require('..');

const repo = process.env.DOMAINSIG_REPO || path.resolve(__dirname, '..', '..', '..');
const npm = path.join(repo, 'tests', 'npm');
const verdicts = JSON.parse(fs.readFileSync(path.join(repo, 'tests', 'npm_verdicts.json'), 'utf8')).statuses;
const root = path.join(repo, 'tests', 'vectors', '_roots', 'public-good-production.trusted_root.json');
const keysDir = path.join(npm, '_keys');
const keys = path.join(keysDir, fs.readdirSync(keysDir).find((f) => f.endsWith('.keys.json')));

test('every shared npm document gets its verdict in one call', async () => {
  for (const [name, want] of Object.entries(verdicts)) {
    const dir = path.join(npm, name);
    const expect = JSON.parse(fs.readFileSync(path.join(dir, 'expect.json'), 'utf8'));
    const policy = domainsig.Policy.fromJSON({
      version: 1,
      trusted_root: { path: root },
      identities: [{ issuer: expect.provenance.identity_issuer, san: expect.provenance.identity_san }],
      keys: [{ path: keys, usage: 'npm:attestations', domain: 'registry.npmjs.org' }],
    });
    const tgz = path.join(dir, 'artifact.tgz');
    const artifact = fs.existsSync(tgz) ? fs.readFileSync(tgz) : fs.readFileSync(path.join(dir, 'artifact.digest'), 'utf8').trim();
    const bundle = fs.readFileSync(path.join(dir, 'attestations.json'));
    let code;
    try {
      code = (await policy.verify({ artifact, bundle, indexDomain: 'registry.npmjs.org', name: expect.purl })).code;
    } catch (e) {
      if (!(e instanceof domainsig.VerificationError)) throw e;
      code = e.code;
    }
    assert.strictEqual(code, want, name);
  }
});
