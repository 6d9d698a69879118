'use strict';
// Publishers and min_age through the Node door, on the real GitLab-published sdist.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const domainsig = require('..');

const repo = process.env.DOMAINSIG_REPO || path.resolve(__dirname, '..', '..', '..');
const dir = path.join(repo, 'tests', 'vectors', 'pypi-attestations--gitlab_oidc_project-0.0.3-publish');
const artifact = fs.readFileSync(path.join(dir, 'artifact'));
const bundle = fs.readFileSync(path.join(dir, 'bundle.sigstore.json'));
const GITLAB = { kind: 'GitLab', repository: 'facutuesca/gitlab-oidc-project', workflow_filepath: '.gitlab-ci.yml' };
const policy = (extra) => domainsig.Policy.fromJSON({
  version: 1, domains: { mode: 'ignore' }, subject: { require_name: false }, ...extra,
});

test('the publisher is read from a result and pins back exactly that signer', async () => {
  const first = await policy({ first_sight: true }).verify({ artifact, bundle });
  assert.deepStrictEqual(first.publisher, GITLAB);
  assert.strictEqual(first.details.decision.first_sight, true);
  const pinned = policy({ publishers: [first.publisher] }).verifySync({ artifact, bundle });
  assert.strictEqual(pinned.ok, true);
  await assert.rejects(
    policy({ publishers: [{ ...GITLAB, repository: 'facutuesca/other' }] }).verify({ artifact, bundle }),
    (e) => e.code === 'IDENTITY_MISMATCH' && e.publisher.repository === GITLAB.repository,
  );
});

test('min_age counts from the verified signing time', async () => {
  // Signed 2024-11-19 (Rekor's integrated time): old enough for 30 days, not for a century.
  assert.strictEqual(policy({ publishers: [GITLAB], min_age: '30d' }).verifySync({ artifact, bundle }).ok, true);
  await assert.rejects(
    policy({ publishers: [GITLAB], min_age: '36500d' }).verify({ artifact, bundle }),
    (e) => e.code === 'TOO_RECENT' && e.status === 34 && e.family === 'identity'
      && e.details.message.includes('2024-11-19T17:37:00Z'),
  );
  assert.throws(() => policy({ publishers: [GITLAB], min_age: '3w' }), (e) => e.code === 'POLICY_INVALID');
});
