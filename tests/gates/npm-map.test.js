'use strict';
// The npm gate with an index's publisher map (docs/publisher-map.md, bindings/node/gate/maps.js)
// end to end: the real npm, gated by bin/domainsig-npm.js, against a registry this test serves on
// 127.0.0.1 (tests/gates/npm-registry.js) with the real sigstore@1.0.0 and tuf-js@1.0.0 tarballs
// and attestations documents from tests/npm. The policy names no identity: only the trusted root,
// the registry's keys, the domains (127.0.0.1 allowed as a mirror of registry.npmjs.org) and a map
// from a TUF repository the tests sign (tests/tuf/publisher-map names the real publishers,
// tests/tuf/publisher-map-other names GitHub evil/fork for both). Each run copies the repository
// into the project and names it with relative paths, as a user's policy would.

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { REPO, KEYS, GATE, read, manifest, registry, project, npmEnv, runGate } = require('./npm-registry');

const TRUST = 'domainsig-publishers.json';
const CASES = {
  sigstore: ['npm-cli--sigstore-1.0.0', '1.0.0'],
  'tuf-js': ['npm-cli--tuf-js-1.0.0', '1.0.0'],
  '@laurentsimon/provenance-npm-test': ['slsa-verifier--laurentsimon-provenance-npm-test-1.0.5', '1.0.5'],
};
// Dependencies of those packages that tests/npm has no tarball for: local stubs (the user's own).
const STUBS = ['make-fetch-happen', 'minimatch', '@actions/core'];
const SIGSTORE_JS = 'GitHub (repository=sigstore/sigstore-js, workflow=publish.yml)';
const TUF_JS = 'GitHub (repository=theupdateframework/tuf-js, workflow=publish.yml)';

/** The registry's packages: each of CASES under its own name, `docs[name]` replacing its document (null: none). */
function packages(docs = {}, names = {}) {
  const out = {};
  for (const [name, [c, v]] of Object.entries(CASES)) {
    const meta = manifest(read(c, 'artifact.tgz'));
    delete meta.scripts;
    const document = name in docs ? docs[name] : read(c, 'attestations.json');
    out[names[name] || name] = { [v]: { meta, tgz: read(c, 'artifact.tgz'), document } };
  }
  return out;
}

function newProject(more = []) {
  return project({}, { stubs: [...STUBS, ...more], prefix: 'domainsig-npm-map-' });
}

/** Copies tests/tuf/<name> into the project (tuf/<name>) once; returns its folder. */
function repoCopy(dir, name) {
  const to = path.join(dir, 'tuf', name);
  if (!fs.existsSync(to)) fs.cpSync(path.join(REPO, 'tests', 'tuf', name), to, { recursive: true });
  return to;
}

/** Every file under `dir` with its bytes (empty when it does not exist). */
function snapshot(dir) {
  const out = {};
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p).toString('base64');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/**
 * Runs `domainsig-npm install <spec>` in `dir` (node_modules and the lockfile removed first) with a
 * policy whose only signer source is the map of `index` in the copied repository `repo`.
 */
async function gate(dir, { repo = 'publisher-map', repoURL, index = 'registry.npmjs.org', mode = 'require', keys = true, docs, names,
  spec = 'sigstore@1.0.0', args = [] } = {}) {
  repoCopy(dir, repo);
  const server = await registry(packages(docs, names));
  const port = server.address().port;
  fs.rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
  fs.rmSync(path.join(dir, 'package-lock.json'), { force: true });
  const policy = { version: 1, trusted_root: 'public-good', ...(keys ? { keys: [{ path: KEYS }] } : {}),
    domains: { mode, mirrors: { [`127.0.0.1:${port}`]: ['registry.npmjs.org'] } },
    publishers_from: [{ tuf: { repo: repoURL || `tuf/${repo}`, root: `tuf/${repo}/1.root.json` }, cache: '.tuf-cache', index }] };
  fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(policy));
  const r = await runGate(['install', spec, '--registry', `http://127.0.0.1:${port}/`, '--policy', 'policy.json', ...args],
    { cwd: dir, env: npmEnv(dir) });
  server.stop();
  const has = (n) => fs.existsSync(path.join(dir, 'node_modules', n, 'package.json'));
  return { ...r, dir, has,
    trust: fs.existsSync(path.join(dir, TRUST)) ? JSON.parse(fs.readFileSync(path.join(dir, TRUST), 'utf8')) : null };
}

function includes(r, ...expect) {
  for (const e of expect) assert.ok(r.stderr.includes(e), `expected ${JSON.stringify(e)} in:\n${r.stderr}`);
}

function refused(r, ...expect) {
  assert.strictEqual(r.status, 1, r.stderr);
  assert.match(r.stderr, /nothing was installed/);
  for (const n of ['sigstore', 'tuf-js', '@laurentsimon/provenance-npm-test']) assert.ok(!r.has(n), `${n} was installed:\n${r.stderr}`);
  assert.ok(!fs.existsSync(path.join(r.dir, 'package-lock.json')), 'the lockfile was left behind');
  includes(r, ...expect);
}

const publishers = (trust, name) => trust.packages[name].map((e) => e.publisher.repository);

test('with no identity in the policy, the map accepts the first install of the real sigstore@1.0.0 and tuf-js@1.0.0', async () => {
  const dir = newProject();
  const r = await gate(dir);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.ok(r.has('sigstore') && r.has('tuf-js'), r.stderr);
  includes(r, 'verified 2 package(s)',
    `sigstore@1.0.0: published by ${SIGSTORE_JS} (accepted by the publisher map of registry.npmjs.org`,
    `tuf-js@1.0.0: published by ${TUF_JS} (accepted by the publisher map of registry.npmjs.org`);
  assert.ok(!r.stderr.includes('first sight'), r.stderr);
  // The trust file records what the map vouched for: the next install hears both voices.
  assert.deepStrictEqual(publishers(r.trust, 'sigstore'), ['sigstore/sigstore-js']);
  assert.deepStrictEqual(publishers(r.trust, 'tuf-js'), ['theupdateframework/tuf-js']);
  const again = await gate(dir);
  assert.strictEqual(again.status, 0, again.stderr);
  assert.ok(again.has('sigstore') && again.has('tuf-js'));
});

test('a map that names another publisher refuses the first install, naming the map and what it said', async () => {
  const r = await gate(newProject(), { repo: 'publisher-map-other' });
  refused(r, 'refused: sigstore@1.0.0 from 127.0.0.1:', 'IDENTITY_MISMATCH (30)', 'the publisher map of registry.npmjs.org',
    'registry.npmjs.org/publishers/sigstore.json', 'evil/fork', 'sigstore/sigstore-js',
    'refused: tuf-js@1.0.0 from 127.0.0.1:', 'theupdateframework/tuf-js');
  assert.strictEqual(r.trust, null, 'a refused install wrote the trust file');
});

test('a map served over HTTP is fetched through the gate: only what the search needs, a 403 read as "not found"', async () => {
  // A static server of the repository that answers 403 for a missing file, as a cloud bucket does
  // (the TUF client asks for the next root version to learn there is none).
  const dir = newProject();
  const files = repoCopy(dir, 'publisher-map');
  const hits = [];
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url.split('?')[0]);
    hits.push(url);
    const file = path.join(files, url);
    if (!file.startsWith(files + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) { res.writeHead(403); return res.end(); }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(fs.readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const r = await gate(dir, { repoURL: `http://127.0.0.1:${server.address().port}/` });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.ok(r.has('sigstore') && r.has('tuf-js'));
    includes(r, 'accepted by the publisher map of registry.npmjs.org');
  } finally {
    server.close();
  }
  assert.ok(hits.includes('/2.root.json'), hits.join(' '));
  assert.ok(hits.includes('/timestamp.json'), hits.join(' '));
  const targets = hits.filter((h) => h.startsWith('/targets/')).map((h) => h.replace(/[0-9a-f]{64}\./, ''));
  assert.deepStrictEqual(targets.sort(), ['/targets/registry.npmjs.org/publishers/sigstore.json',
    '/targets/registry.npmjs.org/publishers/tuf-js.json', '/targets/trusted_root.json']);
});

test('a map of another index does not govern the registry: its packages are judged by the other voices', async () => {
  // publisher-map-other's pypi.org map is searched for nothing and says nothing about npm
  // packages; its registry.npmjs.org delegation (evil/fork) is not the map the policy names.
  const r = await gate(newProject(), { repo: 'publisher-map-other', index: 'pypi.org' });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.ok(r.has('sigstore') && r.has('tuf-js'));
  includes(r, `sigstore@1.0.0: published by ${SIGSTORE_JS} (first sight, trusted on first use)`);
});

test('a package the map makes no claim about (a scoped name it does not list) falls back to the other voices', async () => {
  const r = await gate(newProject(), { spec: '@laurentsimon/provenance-npm-test@1.0.5' });
  assert.strictEqual(r.status, 0, r.stderr);
  assert.ok(r.has('@laurentsimon/provenance-npm-test'), r.stderr);
  includes(r, '@laurentsimon/provenance-npm-test@1.0.5: published by', '(first sight, trusted on first use)');
});

test('a tampered TUF repository refuses the install with the reason, and leaves the cache as it was', async () => {
  // A fresh cache: the map's entry for sigstore has one byte changed.
  const fresh = newProject();
  const entries = path.join(repoCopy(fresh, 'publisher-map'), 'targets', 'registry.npmjs.org', 'publishers');
  const entry = path.join(entries, fs.readdirSync(entries).find((f) => f.endsWith('.sigstore.json')));
  fs.writeFileSync(entry, fs.readFileSync(entry, 'utf8').replace('sigstore/sigstore-js', 'sigstore/sigstore-jz'));
  const r = await gate(fresh);
  refused(r, 'publishers_from[0]: the TUF update of the publisher map of registry.npmjs.org', 'was refused: TUF_REFUSED',
    'registry.npmjs.org/publishers/sigstore.json', 'Hash mismatch');
  assert.deepStrictEqual(snapshot(path.join(fresh, '.tuf-cache')), {}, 'a refused update left files in the cache');

  // A cache that holds the map: timestamp.json has one byte of its signature changed.
  const dir = newProject();
  const ok = await gate(dir);
  assert.strictEqual(ok.status, 0, ok.stderr);
  const before = snapshot(path.join(dir, '.tuf-cache'));
  const ts = path.join(dir, 'tuf', 'publisher-map', 'timestamp.json');
  const doc = fs.readFileSync(ts, 'utf8');
  const at = doc.indexOf('"sig":"') + 7;
  fs.writeFileSync(ts, doc.slice(0, at) + (doc[at] === '0' ? '1' : '0') + doc.slice(at + 1));
  const bad = await gate(dir);
  refused(bad, 'publishers_from[0]: the TUF update of the publisher map of registry.npmjs.org', 'was refused: TUF_REFUSED',
    'Signature threshold of 1 not met for role timestamp');
  assert.deepStrictEqual(snapshot(path.join(dir, '.tuf-cache')), before, 'a refused update changed the cache');
});

test('the trust file and the map are both voices: where they disagree the install is refused, and --accept-publisher does not set a map aside', async () => {
  // The trust file records evil/fork; the map names the real publisher: the trust file's voice
  // refuses, and accepting the change leaves the map's, which agrees.
  const dir = newProject();
  fs.writeFileSync(path.join(dir, TRUST), JSON.stringify({ version: 1, packages: {
    sigstore: [{ since: '0.9.0', publisher: { kind: 'GitHub', repository: 'evil/fork', workflow: 'publish.yml' } }] } }));
  const r = await gate(dir);
  refused(r, 'IDENTITY_MISMATCH (30)', `${TRUST} records GitHub (repository=evil/fork`, '--accept-publisher sigstore');
  const accepted = await gate(dir, { args: ['--accept-publisher', 'sigstore'] });
  assert.strictEqual(accepted.status, 0, accepted.stderr);
  assert.deepStrictEqual(publishers(accepted.trust, 'sigstore'), ['sigstore/sigstore-js']);

  // Now the trust file records the real publisher and the map names evil/fork: the map refuses,
  // naming the trust file that accepted, and no flag of the gate overrides it.
  const other = await gate(dir, { repo: 'publisher-map-other' });
  refused(other, 'the publisher map of registry.npmjs.org', 'evil/fork', `accepted by ${TRUST}`, 'every source must agree',
    '--accept-publisher sets aside domainsig-publishers.json only, never a map the policy names');
  const forced = await gate(dir, { repo: 'publisher-map-other', args: ['--accept-publisher', 'sigstore'] });
  refused(forced, 'the publisher map of registry.npmjs.org', 'evil/fork');
  assert.deepStrictEqual(publishers(forced.trust, 'sigstore'), ['sigstore/sigstore-js'], 'a refused install changed the trust file');
});

test('a package without provenance is refused when the map names its publishers, installed with a warning when it makes no claim', async () => {
  // No attestations at all (the library never sees it): under "warn", with no identity and no key,
  // the gate would install it with a warning, but the map names sigstore's publishers. (tuf-js, its
  // dependency, is a local stub here: without the registry's keys its publish attestation could
  // not be verified.)
  const none = await gate(newProject(['tuf-js']), { mode: 'warn', keys: false, docs: { sigstore: null } });
  refused(none, 'refused: sigstore@1.0.0: no attestations', 'ATTESTATION_MISSING (71)',
    'the publisher map of registry.npmjs.org names its publisher(s) for sigstore',
    'target registry.npmjs.org/publishers/sigstore.json', 'a file without provenance is a downgrade');
  // Only the registry's publish attestation, no provenance: the library holds it to the map.
  const doc = JSON.parse(read(CASES.sigstore[0], 'attestations.json'));
  doc.attestations = doc.attestations.filter((a) => !a.predicateType.startsWith('https://slsa.dev/provenance/'));
  assert.strictEqual(doc.attestations.length, 1);
  const publishOnly = await gate(newProject(), { docs: { sigstore: Buffer.from(JSON.stringify(doc)) } });
  refused(publishOnly, 'refused: sigstore@1.0.0 from 127.0.0.1:', 'the publisher map of registry.npmjs.org', 'provenance is missing');
  // A package the map does not list is no claim: the policy's own rule for unattested files holds.
  const unlisted = await gate(newProject(), { mode: 'warn', keys: false, spec: '@laurentsimon/provenance-npm-test@1.0.5',
    docs: { '@laurentsimon/provenance-npm-test': null } });
  assert.strictEqual(unlisted.status, 0, unlisted.stderr);
  assert.ok(unlisted.has('@laurentsimon/provenance-npm-test'));
  includes(unlisted, '@laurentsimon/provenance-npm-test@1.0.5: installed WITHOUT attestations');
});

test('a package whose name differs from a listed one only in case is not that package: its files are refused', async () => {
  // The registry serves sigstore's signed files as `Sigstore` (npm still accepts such legacy
  // names). The map has no entry for it, and the attestations name pkg:npm/sigstore.
  const r = await gate(newProject(), { spec: 'Sigstore@1.0.0', names: { sigstore: 'Sigstore' } });
  refused(r, 'refused: Sigstore@1.0.0 from 127.0.0.1:', 'SUBJECT_MISMATCH (40)', '"pkg:npm/sigstore@1.0.0"');
  assert.ok(!r.has('Sigstore'));
});

// --- the map module on its own: what a policy or a registry may hand it ----------------------

const gateModule = (f) => require(path.join(path.dirname(fs.realpathSync(GATE)), '..', 'gate', f));

test('publishers_from entries become trust.update options and the same absolute locations for the library', () => {
  const maps = gateModule('maps.js');
  const base = '/work/x';
  const [a, b, c] = maps.read({ publishers_from: [
    { tuf: { repo: '../tuf/./repo', root: 'r/1.root.json' }, cache: 'c', index: 'registry.npmjs.org' },
    { tuf: { repo: 'https://tuf.example/repo', root: { signed: {} } }, index: 'pypi.org' },
    { tuf: 'public-good', index: 'x.example' },
  ] }, base);
  assert.deepStrictEqual(a.where, { repoDir: '/work/tuf/repo', rootPath: '/work/x/r/1.root.json', cache: '/work/x/c' });
  assert.deepStrictEqual(a.entry, { tuf: { repo: '/work/tuf/repo', root: '/work/x/r/1.root.json' }, cache: '/work/x/c', index: 'registry.npmjs.org' });
  assert.deepStrictEqual(b.where, { repo: 'https://tuf.example/repo', root: { signed: {} } });
  assert.deepStrictEqual(b.entry, { tuf: { repo: 'https://tuf.example/repo', root: { signed: {} } }, index: 'pypi.org' });
  assert.deepStrictEqual(c.where, { repo: 'public-good' });
  for (const [bad, why] of [
    [{ tuf: 'public-good', index: 'a', extra: 1 }, 'unknown key "extra"'],
    [{ tuf: { repo: 'x', mirror: 'y' }, index: 'a' }, 'unknown key "mirror"'],
    [{ tuf: 'prod', index: 'a' }, '.tuf must be'],
    [{ tuf: 'public-good' }, '.index must be'],
    [{ tuf: { repo: 'x', root: 5 }, index: 'a' }, '.tuf.root must be'],
  ]) {
    assert.throws(() => maps.read({ publishers_from: [bad] }, base), (e) => e.message.includes(why), why);
  }
  // The library refuses a map under domains.mode "ignore" only once loaded: the gate says it before npm runs.
  assert.throws(() => maps.read({ domains: { mode: 'ignore' }, publishers_from: [{ tuf: 'public-good', index: 'a' }] }, base),
    /domains.mode "ignore" drops the index domain/);
  // The checked copy of the policy stands first sight in for the maps; the built one has them back.
  const doc = { version: 1, publishers_from: [{ tuf: 'public-good', index: 'a' }] };
  assert.deepStrictEqual(maps.withoutMaps(doc), { version: 1, first_sight: true });
  assert.deepStrictEqual(maps.withMaps(doc, [a]).publishers_from, [a.entry]);
});

test('a map governs its index and the mirrors the policy allows for it, however the names are spelled', () => {
  const { governs } = gateModule('maps.js');
  assert.ok(governs('registry.npmjs.org', 'registry.npmjs.org', {}));
  assert.ok(governs('Registry.NPMJS.org.', 'registry.npmjs.org:443', {}));
  assert.ok(governs('https://registry.npmjs.org/', 'registry.npmjs.org', {}));
  assert.ok(governs('registry.npmjs.org', '127.0.0.1:4873', { '127.0.0.1:4873': ['https://Registry.npmjs.org'] }));
  assert.ok(!governs('registry.npmjs.org', '127.0.0.1:4873', { '127.0.0.1:4874': ['registry.npmjs.org'] }));
  assert.ok(!governs('pypi.org', '127.0.0.1:4873', { '127.0.0.1:4873': ['registry.npmjs.org'] }));
  assert.ok(!governs('registry.npmjs.org', 'registry.npmjs.org.evil.example', {}));
  assert.ok(!governs('registry.npmjs.org', 'registry.npmjs.org:8443', {}));
});

test('a name is verified as itself: percent signs in it are not decoded into another name', () => {
  const { purl } = gateModule('verify.js');
  assert.strictEqual(purl('sigstore', '1.0.0'), 'pkg:npm/sigstore@1.0.0');
  assert.strictEqual(purl('@scope/name', '1.0.0'), 'pkg:npm/%40scope/name@1.0.0');
  assert.strictEqual(purl('sigstor%65', '1.0.0'), 'pkg:npm/sigstor%2565@1.0.0');
  assert.strictEqual(purl('@a%2fb/c', '1.0.0'), 'pkg:npm/%40a%252fb/c@1.0.0');
});

test('thousands of packages: the update searches each name once, and past the library limit the install is refused', async () => {
  const maps = gateModule('maps.js');
  const { Budget } = gateModule('fetch.js');
  const dir = newProject();
  repoCopy(dir, 'publisher-map');
  const [m] = maps.read({ publishers_from: [{ tuf: { repo: 'tuf/publisher-map', root: 'tuf/publisher-map/1.root.json' },
    cache: '.tuf-cache', index: 'registry.npmjs.org' }] }, dir);
  const reg = 'http://127.0.0.1:9/';
  const pkg = (name) => ({ name, version: '1.0.0', registry: reg });
  // 3,000 entries, 1,500 names (each at two places in the tree), and a local one that is not searched.
  const pkgs = [];
  for (let i = 0; i < 1500; i++) pkgs.push(pkg(i % 2 ? `@s${i}/p` : `p${i}`), pkg(i % 2 ? `@s${i}/p` : `p${i}`));
  pkgs.push({ name: 'mine', version: '1.0.0', local: true }, pkg('sigstore'));
  const policyDoc = { domains: { mirrors: { '127.0.0.1:9': ['registry.npmjs.org'] } } };
  await maps.update([m], pkgs, policyDoc, maps.fetcher(new Budget()));
  assert.strictEqual(m.searched.size, 1501);
  assert.ok(!m.searched.has('mine'));
  // What the map says is the library's answer, read from the cache the update filled.
  const { Policy } = require(path.join(path.dirname(fs.realpathSync(GATE)), '..'));
  const policyFor = (index) => Policy.fromJSON(JSON.stringify({ version: 1, first_sight: true,
    trusted_root: { path: path.join(REPO, 'tests/vectors/_roots/public-good-production.trusted_root.json') },
    domains: { mode: 'warn', mirrors: policyDoc.domains.mirrors },
    publishers_from: [{ tuf: { repo: path.join(dir, 'tuf/publisher-map') }, cache: path.join(dir, '.tuf-cache'), index }] }));
  const judged = (policy, name) => { try { policy.judgeUnattested(`pkg:npm/${name}@1.0.0`, '127.0.0.1:9'); return 'ok'; } catch (e) { return e.code; } };
  assert.strictEqual(judged(policyFor('registry.npmjs.org'), 'p0'), 'ok');
  assert.strictEqual(judged(policyFor('registry.npmjs.org'), 'sigstore'), 'ATTESTATION_MISSING');
  // The index spelled otherwise: the gate searches, and the library answers, under the library's spelling.
  const [odd] = maps.read({ publishers_from: [{ tuf: { repo: 'tuf/publisher-map' }, cache: '.tuf-cache',
    index: 'https://Registry.NPMJS.org./' }] }, dir);
  await maps.update([odd], [pkg('sigstore')], policyDoc, maps.fetcher(new Budget()));
  assert.strictEqual(judged(policyFor('Registry.NPMJS.org.'), 'sigstore'), 'ATTESTATION_MISSING');
  const before = snapshot(path.join(dir, '.tuf-cache'));
  for (let i = 0; i < 4000; i++) pkgs.push(pkg(`q${i}`));
  await assert.rejects(maps.update([m], pkgs, policyDoc, maps.fetcher(new Budget())),
    (e) => /publishers_from\[0\]: the TUF update .* was refused: LIMIT_EXCEEDED/.test(e.message));
  assert.deepStrictEqual(snapshot(path.join(dir, '.tuf-cache')), before);
});

test('a package name with path segments or spaces is not searched for: the update, and so the install, is refused naming it', async () => {
  // npm itself refuses such names; a lockfile someone committed is as hostile as a registry.
  const maps = gateModule('maps.js');
  const { Budget } = gateModule('fetch.js');
  const dir = newProject();
  repoCopy(dir, 'publisher-map');
  const policyDoc = { domains: { mirrors: { '127.0.0.1:9': ['registry.npmjs.org'] } } };
  for (const name of ['a/../../etc', '@a/./b', 'sigstore ', 'a\\b']) {
    const [m] = maps.read({ publishers_from: [{ tuf: { repo: 'tuf/publisher-map', root: 'tuf/publisher-map/1.root.json' },
      cache: '.tuf-cache', index: 'registry.npmjs.org' }] }, dir);
    await assert.rejects(maps.update([m], [{ name, version: '1.0.0', registry: 'http://127.0.0.1:9/' }], policyDoc, maps.fetcher(new Budget())),
      (e) => e.message.includes('was refused: INVALID_ARGUMENT') && e.message.includes(`${JSON.stringify(name)} is not a package name`), name);
  }
  assert.deepStrictEqual(snapshot(path.join(dir, '.tuf-cache')), {});
});
