'use strict';
// A file with no attestation, judged by the library's one rule (Policy.judgeUnattested, over
// domainsig_policy_judge_unattested): the committed publisher map fixture (tests/tuf/publisher-map)
// names sigstore's publisher for registry.npmjs.org.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Policy, trust, VerificationError } = require('..');

const repo = process.env.DOMAINSIG_REPO || path.resolve(__dirname, '..', '..', '..');
const fixture = path.join(repo, 'tests', 'tuf', 'publisher-map');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-unattested-'));
const cache = path.join(work, 'cache');
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

const policy = (extra) => Policy.fromJSON({
  version: 1, trusted_root: 'public-good', first_sight: true,
  domains: { mode: 'warn', mirrors: { 'npm.corp.example': ['registry.npmjs.org'] } },
  publishers_from: [{ tuf: { repo: fixture, root: path.join(fixture, '1.root.json') }, cache, index: 'registry.npmjs.org' }],
  ...extra,
});

const refusal = (words) => (e) => e instanceof VerificationError && e.code === 'ATTESTATION_MISSING' && e.status === 71 &&
  words.every((w) => e.details.message.includes(w));

test('a map that names publishers refuses a file without provenance from its registry or an allowed mirror', async () => {
  await trust.update({ repoDir: fixture, rootPath: path.join(fixture, '1.root.json'), cache,
    search: { index: 'registry.npmjs.org', packages: ['sigstore', 'left-pad'], ecosystem: 'npm' } });
  const p = policy();
  const words = ['the publisher map of registry.npmjs.org', 'sigstore/sigstore-js', 'registry.npmjs.org/publishers/sigstore.json', 'downgrade'];
  for (const from of ['registry.npmjs.org', 'https://registry.npmjs.org/', 'npm.corp.example']) {
    assert.throws(() => p.judgeUnattested('pkg:npm/sigstore@1.0.0', from), refusal(words), from);
  }
  // A tarball no registry listed: every map governs it.
  assert.throws(() => p.judgeUnattested('pkg:npm/sigstore@1.0.0', null), refusal(['listed by no index']));
  // Another registry is not governed by this map.
  const w = p.judgeUnattested('pkg:npm/sigstore@1.0.0', 'npm.other.example');
  assert.ok(w.some((x) => x.includes('governs only files fetched from registry.npmjs.org')), w.join('\n'));
  // No claim: a warning under first_sight, refused without it.
  const noClaim = p.judgeUnattested('pkg:npm/left-pad@1.3.0', 'registry.npmjs.org');
  assert.ok(noClaim[0].includes('WITHOUT provenance') && noClaim.some((x) => x.includes('makes no claim about left-pad')), noClaim.join('\n'));
  assert.throws(() => policy({ first_sight: false }).judgeUnattested('pkg:npm/left-pad@1.3.0', 'registry.npmjs.org'),
    refusal(['first_sight is off']));
  // Never searched: the map cannot say it makes no claim.
  assert.throws(() => p.judgeUnattested('pkg:npm/lodash@4.17.21', 'registry.npmjs.org'), (e) => e.code === 'TUF_MISSING');
});

test('judgeUnattested refuses unusable arguments', () => {
  const p = Policy.fromJSON({ version: 1, first_sight: true, domains: { mode: 'warn' }, min_age: '3d' });
  assert.throws(() => p.judgeUnattested('attrs', 'pypi.org'), refusal(['min_age 3d']));
  assert.throws(() => p.judgeUnattested(42, 'pypi.org'), TypeError);
  assert.throws(() => p.judgeUnattested('attrs', 7), TypeError);
  assert.throws(() => p.judgeUnattested('at\0trs', 'pypi.org'), (e) => e.code === 'INVALID_ARGUMENT');
  assert.throws(() => p.judgeUnattested('attrs', '*.pypi.org'), (e) => e.code === 'DOMAIN_INVALID');
});
