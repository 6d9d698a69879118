'use strict';
// The npm gate's trust file (bindings/node/gate/trustfile.js) end to end: the real npm, gated by
// bin/domainsig-npm.js, against a registry this test serves on 127.0.0.1 with the real
// sigstore@0.4.0 tarball and its real attestations document from tests/npm (provenance signed by
// GitHub Actions for sigstore/sigstore-js, publish attestation signed by the registry key).
// No publisher is named in the policy: the first install records one, later installs are held to it.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { KEYS, GATE, read, manifest, registry, project, npmEnv, runGate } = require('./npm-registry');

const CASE = 'pacote--sigstore-0.4.0';
const TRUST = 'domainsig-publishers.json';
const PUBLISHER = '{"kind": "GitHub", "repository": "sigstore/sigstore-js", "workflow": "publish.yml"}';

/** The registry's answers for sigstore@0.4.0: `document` is the attestations document or null. */
function serve(state) {
  const meta = manifest(read(CASE, 'artifact.tgz'));
  delete meta.scripts;
  return registry({ sigstore: { '0.4.0': { meta, tgz: read(CASE, 'artifact.tgz'), document: state.document } } });
}

const genuine = () => read(CASE, 'attestations.json');

/** The document without its SLSA provenance: only the registry's publish attestation is left. */
function withoutProvenance() {
  const doc = JSON.parse(genuine());
  doc.attestations = doc.attestations.filter((a) => !a.predicateType.startsWith('https://slsa.dev/provenance/'));
  assert.strictEqual(doc.attestations.length, 1);
  return Buffer.from(JSON.stringify(doc));
}

/** Runs the gate in `dir` (a fresh install each time: node_modules and the lockfile removed). */
async function gate(dir, state, ...extra) {
  const server = await serve(state);
  const port = server.address().port;
  fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
  fs.rmSync(path.join(dir, 'package-lock.json'), { force: true });
  const policy = { version: 1, trusted_root: 'public-good', keys: [{ path: KEYS }], identities: [],
    domains: { mode: 'require', mirrors: { [`127.0.0.1:${port}`]: ['registry.npmjs.org'] } }, subject: { require_name: true } };
  fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(policy));
  const r = await runGate(['install', 'sigstore@0.4.0', '--registry', `http://127.0.0.1:${port}/`,
    '--policy', 'policy.json', ...extra], { cwd: dir, env: npmEnv(dir) });
  server.stop();
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
  const dir = project({}, { prefix: 'domainsig-npm-trust-' });
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
  const dir = project({}, { prefix: 'domainsig-npm-trust-' });
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
  const dir = project({}, { prefix: 'domainsig-npm-trust-' });
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
  const dir = project({}, { prefix: 'domainsig-npm-trust-' });
  fs.writeFileSync(path.join(dir, TRUST), '{"version": 1, "packages": {"sigstore": "x"}}');
  const r = await gate(dir, { document: genuine() });
  assert.strictEqual(r.status, 2, r.stderr);
  assert.match(r.stderr, /domainsig-publishers\.json: packages\["sigstore"\]/);
  assert.ok(!r.installed);
});

test('a package named like an Object property (constructor) is recorded at first sight, then held to it', () => {
  // A registry can make a project depend on `constructor`: a real npm name, and a key every plain
  // JavaScript object seems to have. It must not read as "already recorded".
  const trustfile = require(path.join(path.dirname(fs.realpathSync(GATE)), '..', 'gate', 'trustfile.js'));
  const publisher = { kind: 'GitHub', repository: 'a/constructor', workflow: 'publish.yml' };
  const pkg = { name: 'constructor', version: '1.0.0',
    results: [{ result: { ok: true, publisher, details: { decision: { first_sight: true } } } }] };
  const empty = { version: 1, packages: {} };
  assert.strictEqual(trustfile.downgrade(empty, new Set(), { name: 'constructor' }, (n) => n), null);
  const { next, changed, notes } = trustfile.reconcile(empty, [pkg], new Set(), (n) => n);
  assert.ok(changed, 'constructor was not recorded');
  assert.deepStrictEqual(next.packages.constructor, [{ since: '1.0.0', publisher }]);
  assert.match(notes[0], /constructor@1\.0\.0: published by GitHub .*first sight/);
  const other = { ...publisher, repository: 'evil/constructor' };
  const again = trustfile.reconcile(next, [{ ...pkg, results: [{ result: { ok: false, publisher: other, details: {} } }] }], new Set(), (n) => `accept ${n}`);
  assert.match(again.hints[0], /records GitHub \(repository=a\/constructor.*signed by GitHub \(repository=evil\/constructor.*accept constructor/);
});
