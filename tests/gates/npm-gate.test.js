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
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { KEYS, GATE, read, manifest, registry, project, npmEnv, runGate } = require('./npm-registry');

function sigstore040({ tgz = read('pacote--sigstore-0.4.0', 'artifact.tgz'), document } = {}) {
  const meta = manifest(read('pacote--sigstore-0.4.0', 'artifact.tgz'));
  delete meta.scripts;
  return { sigstore: { '0.4.0': { meta, tgz, document: document || read('pacote--sigstore-0.4.0', 'attestations.json') } } };
}

function policy(dir, mirrors) {
  const p = {
    version: 1,
    trusted_root: 'public-good',
    keys: [{ path: KEYS }],
    identities: [],
    packages: {
      sigstore: { identities: [{ issuer: 'https://token.actions.githubusercontent.com',
        san_regex: 'https://github\\.com/sigstore/sigstore-js/\\.github/workflows/publish\\.yml@refs/tags/v.*' }] },
    },
    domains: { mode: 'require', mirrors: Object.fromEntries(mirrors.map((m) => [m, ['registry.npmjs.org']])) },
    subject: { require_name: true },
  };
  fs.writeFileSync(path.join(dir, 'policy.json'), JSON.stringify(p));
  return path.join(dir, 'policy.json');
}

/**
 * Runs the gate against `packages` served on 127.0.0.1 (npm configured with that registry).
 * `mirrors(ports)` lists the hosts the policy allows (default: the registry); `omit` is npm's
 * omit-lockfile-registry-resolved; `other` serves a second registry whose tarballs `tarball` may name.
 */
async function gate(packages, { mirrors, omit = false, tarball, body, other, pkg, env: extraEnv, setup, spec = 'sigstore@0.4.0', args = [] } = {}) {
  const otherServer = other ? await registry(other) : null;
  const ports = { other: otherServer && otherServer.address().port };
  const server = await registry(packages, { tarball: tarball && ((base, n, v, req) => tarball(base, n, v, ports, req)), body });
  const port = ports.registry = server.address().port;
  const dir = project(pkg);
  if (setup) setup(dir);
  const before = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
  const env = npmEnv(dir, { npm_config_omit_lockfile_registry_resolved: String(omit), ...extraEnv });
  const allowed = mirrors ? mirrors(ports) : [`127.0.0.1:${port}`];
  const extra = typeof args === 'function' ? args(dir) : args;
  const run = await runGate(['install', spec, '--registry', `http://127.0.0.1:${port}/`,
    '--policy', policy(dir, allowed), ...extra], { cwd: dir, env });
  server.stop();
  if (otherServer) otherServer.stop();
  return { ...run, dir, port, before, otherHits: otherServer ? otherServer.hits : [] };
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
  const r = await gate(sigstore040(), { mirrors: () => ['127.0.0.1:1'] });
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

// Issue 20 and issue 16 item 2: each case with npm's omit-lockfile-registry-resolved off (the
// lockfile keeps `resolved`) and on (npm ci takes the tarball URL from the packument).
const OTHER_VERSION = () => read('pacote--sigstore-0.4.0--tgz-other-version-1.0.0_fail', 'artifact.tgz');
const installed = (r) => fs.existsSync(path.join(r.dir, 'node_modules', 'sigstore', 'package.json'));

for (const omit of [false, true]) {
  const mode = `omit-lockfile-registry-resolved=${omit}`;

  test(`a genuine package installs (${mode})`, async () => {
    const r = await gate(sigstore040(), { omit });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.ok(installed(r));
    const lock = JSON.parse(fs.readFileSync(path.join(r.dir, 'package-lock.json'), 'utf8'));
    assert.strictEqual('resolved' in lock.packages['node_modules/sigstore'], !omit, 'npm did not honour the setting');
  });

  test(`tarballs on another host, on a path of their own, are fetched there and judged for that host too (${mode})`, async () => {
    const tarball = (base, n, v, ports) => `http://127.0.0.1:${ports.other}/files/x1/${n}/${v}.tgz`;
    const ok = await gate(sigstore040(), { omit, other: sigstore040(), tarball,
      mirrors: (p) => [`127.0.0.1:${p.registry}`, `127.0.0.1:${p.other}`] });
    assert.strictEqual(ok.status, 0, ok.stderr);
    assert.ok(installed(ok));
    // The tarball's host is a place npm connects to: a host the policy does not allow is refused.
    const r = await gate(sigstore040(), { omit, other: sigstore040(), tarball, mirrors: (p) => [`127.0.0.1:${p.registry}`] });
    assertRefused(r, "(its tarball's host): DOMAIN_MISMATCH (43)");
  });

  test(`a tarball the registry redirects to another host is judged for that host too (${mode})`, async () => {
    // dist.tarball names the registry itself, which answers 302 to another host: npm follows it,
    // so that host is a place npm fetches from, as if dist.tarball had named it.
    const tarball = (base, n, v, ports) => `${base}/redirect/${encodeURIComponent(`http://127.0.0.1:${ports.other}/files/x1/${n}/${v}.tgz`)}`;
    const r = await gate(sigstore040(), { omit, other: sigstore040(), tarball, mirrors: (p) => [`127.0.0.1:${p.registry}`] });
    assertRefused(r, "(its tarball's host): DOMAIN_MISMATCH (43)");
    assert.ok(r.otherHits.length > 0, 'the redirect was not followed');
    const ok = await gate(sigstore040(), { omit, other: sigstore040(), tarball,
      mirrors: (p) => [`127.0.0.1:${p.registry}`, `127.0.0.1:${p.other}`] });
    assert.strictEqual(ok.status, 0, ok.stderr);
    assert.ok(installed(ok));
  });

  test(`a registry cannot choose the index domain by pointing its tarballs at another registry (${mode})`, async () => {
    // The configured registry is not allowed; the one its packument points at is.
    const tarball = (base, n, v, ports) => `http://127.0.0.1:${ports.other}/${n}/-/${n}-${v}.tgz`;
    const r = await gate(sigstore040(), { omit, other: sigstore040(), tarball, mirrors: (p) => [`127.0.0.1:${p.other}`] });
    assertRefused(r);
    assert.match(r.stderr, new RegExp(`refused: sigstore@0\\.4\\.0 from 127\\.0\\.0\\.1:${r.port}: DOMAIN_MISMATCH \\(43\\)`));
  });

  test(`a registry cannot declare a package local with a file: tarball (${mode})`, async () => {
    const planted = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-planted-')), 'sigstore.tgz');
    fs.writeFileSync(planted, OTHER_VERSION());
    const r = await gate(sigstore040({ tgz: OTHER_VERSION() }), { omit, tarball: () => `file:${planted}` });
    assertRefused(r);
    assert.match(r.stderr, /refused: sigstore@0\.4\.0: .*(a local file the project does not declare|not an http\(s\) URL)/);
  });

  test(`a dependency the project bundles is verified, since npm ci fetches it (${mode})`, async () => {
    const r = await gate(sigstore040({ tgz: OTHER_VERSION() }), { omit, pkg: { bundleDependencies: ['sigstore'] } });
    assertRefused(r, 'refused: sigstore@0.4.0 from 127.0.0.1:', 'ARTIFACT_MISMATCH (13)');
  });

  test(`a registry cannot serve another package's signed files under the name asked for (${mode})`, async () => {
    // The packument of \`evil\` says its version is named \`sigstore\`: npm writes that name into
    // the lockfile, but installs the files as node_modules/evil. They were signed for sigstore.
    const packages = sigstore040();
    packages.evil = { '0.4.0': { ...packages.sigstore['0.4.0'], manifest: { name: 'sigstore' }, document: null } };
    const r = await gate(packages, { omit, spec: 'evil@0.4.0' });
    assertRefused(r, 'evil');
    assert.ok(!fs.existsSync(path.join(r.dir, 'node_modules', 'evil')), 'sigstore was installed as evil');
    assert.match(r.stderr, /refused: sigstore@0\.4\.0: installed as evil, but the registry names it sigstore/);
    // The user's own alias is theirs to make.
    const ok = await gate(sigstore040(), { omit, spec: 'evil@npm:sigstore@0.4.0' });
    assert.strictEqual(ok.status, 0, ok.stderr);
    assert.strictEqual(JSON.parse(fs.readFileSync(path.join(ok.dir, 'node_modules', 'evil', 'package.json'))).name, 'sigstore');
  });

  test(`a project with npm-shrinkwrap.json is verified from it, the lockfile npm ci installs (${mode})`, async () => {
    // npm prefers npm-shrinkwrap.json to package-lock.json: the resolution updates it, npm ci
    // installs it. A package-lock.json beside it is ignored by npm, so it must be by the gate.
    const empty = JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true,
      packages: { '': { name: 'app', version: '1.0.0' } } });
    const setup = (dir) => {
      fs.writeFileSync(path.join(dir, 'npm-shrinkwrap.json'), empty);
      fs.writeFileSync(path.join(dir, 'package-lock.json'), empty);
    };
    const r = await gate(sigstore040({ tgz: OTHER_VERSION() }), { omit, setup });
    assert.notStrictEqual(r.status, 0, r.stderr);
    assert.ok(!installed(r), 'an unverified sigstore was installed');
    assert.ok(r.stderr.includes('ARTIFACT_MISMATCH (13)'), r.stderr);
    assert.strictEqual(fs.readFileSync(path.join(r.dir, 'npm-shrinkwrap.json'), 'utf8'), empty, 'npm-shrinkwrap.json was not restored');
    const ok = await gate(sigstore040(), { omit, setup });
    assert.strictEqual(ok.status, 0, ok.stderr);
    assert.ok(installed(ok));
  });

  test(`with --prefix, the gate verifies the lockfile of that folder (${mode})`, async () => {
    const empty = JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true,
      packages: { '': { name: 'app', version: '1.0.0' } } });
    const other = (dir) => path.join(dir, 'elsewhere');
    const setup = (dir) => {
      fs.writeFileSync(path.join(dir, 'package-lock.json'), empty);
      fs.mkdirSync(other(dir));
      fs.copyFileSync(path.join(dir, 'package.json'), path.join(other(dir), 'package.json'));
    };
    const r = await gate(sigstore040({ tgz: OTHER_VERSION() }), { omit, setup, args: (dir) => ['--prefix', other(dir)] });
    assert.notStrictEqual(r.status, 0, r.stderr);
    assert.ok(!fs.existsSync(path.join(other(r.dir), 'node_modules', 'sigstore')), 'an unverified sigstore was installed');
    assert.ok(r.stderr.includes('ARTIFACT_MISMATCH (13)'), r.stderr);
    const ok = await gate(sigstore040(), { omit, setup, args: (dir) => ['--prefix', other(dir)] });
    assert.strictEqual(ok.status, 0, ok.stderr);
    assert.ok(fs.existsSync(path.join(other(ok.dir), 'node_modules', 'sigstore', 'package.json')));
  });

  test(`replace-registry-host names a host without its port, as npm's Arborist matches it (${mode})`, async () => {
    // The packument puts the tarball on 127.0.0.1:<other>, which serves nothing. npm matches
    // replace-registry-host=127.0.0.1 against the host name and fetches from the registry
    // (127.0.0.1:<registry>) instead; the gate must fetch and judge that same URL.
    const tarball = (base, n, v, ports) => `http://127.0.0.1:${ports.other}/files/x3/${n}/${v}.tgz`;
    const r = await gate(sigstore040(), { omit, other: {}, tarball, env: { npm_config_replace_registry_host: '127.0.0.1' } });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.ok(installed(r));
    assert.deepStrictEqual(r.otherHits.filter((u) => u.endsWith('.tgz')), []);
  });

  test(`a refused install into a workspace puts the workspace's package.json back (${mode})`, async () => {
    // `npm install -w <ws> <pkg>` saves the dependency in the workspace's package.json.
    const ws = (dir) => path.join(dir, 'packages', 'a', 'package.json');
    const wsText = JSON.stringify({ name: 'a', version: '1.0.0' }, null, 2) + '\n';
    const setup = (dir) => { fs.mkdirSync(path.dirname(ws(dir)), { recursive: true }); fs.writeFileSync(ws(dir), wsText); };
    const r = await gate(sigstore040({ tgz: OTHER_VERSION() }), { omit, setup, pkg: { workspaces: ['packages/*'] },
      args: ['-w', 'packages/a'] });
    assertRefused(r, 'ARTIFACT_MISMATCH (13)');
    assert.strictEqual(fs.readFileSync(ws(r.dir), 'utf8'), wsText, "the workspace's package.json was not restored");
  });

  test(`an endless tarball stops at the gate's byte cap (${mode})`, { timeout: 240000 }, async () => {
    const r = await gate(sigstore040(), { omit, body: 'endless', env: { DOMAINSIG_GATE_MAX_BYTES: '3000000' } });
    assertRefused(r, "the gate's downloads exceed 3000000 bytes in total (DOMAINSIG_GATE_MAX_BYTES)");
  });

  test(`a trickling tarball stops at the gate's deadline (${mode})`, { timeout: 240000 }, async () => {
    const r = await gate(sigstore040(), { omit, body: 'trickle', env: { DOMAINSIG_GATE_DEADLINE: '3' } });
    assertRefused(r, "the gate's deadline of 3 s passed (DOMAINSIG_GATE_DEADLINE)");
  });
}

test('npm ci fetches the tarball the gate verified, not a second answer of the packument (omit-lockfile-registry-resolved=true)', async () => {
  // The registry tells npm (its user agent) one tarball URL, on a host the policy does not allow,
  // and anyone else (the gate) another, its own. Without `resolved` in the lockfile npm ci would
  // ask the packument again and fetch from the unallowed host.
  const tarball = (base, n, v, ports, req) => (/^npm\//.test(req.headers['user-agent'] || '')
    ? `http://127.0.0.1:${ports.other}/files/x2/${n}/${v}.tgz` : `${base}/files/x1/${n}/${v}.tgz`);
  const r = await gate(sigstore040(), { omit: true, other: sigstore040(), tarball });
  assert.deepStrictEqual(r.otherHits.filter((u) => u.endsWith('.tgz')), [], 'a tarball was fetched from a host the gate did not verify');
  assert.strictEqual(r.status, 0, r.stderr);
  assert.ok(installed(r));
  // The lockfile keeps the shape the user's setting gives it.
  const lock = JSON.parse(fs.readFileSync(path.join(r.dir, 'package-lock.json'), 'utf8'));
  assert.ok(!('resolved' in lock.packages['node_modules/sigstore']), 'the lockfile kept the resolved the gate wrote');
});

test("replace-registry-host: the gate computes the URL npm 11's Arborist and pacote fetch", () => {
  // Expected values worked from @npmcli/arborist lib/arborist/reify.js #registryResolved, then
  // pacote lib/remote.js: Arborist keeps (or swaps in) the registry's path, pacote only the path.
  const { tarballURL } = require(path.join(path.dirname(fs.realpathSync(GATE)), '..', 'gate', 'resolve.js'));
  const t = 'https://registry.npmjs.org/a/-/a-1.tgz';
  const reg = 'http://127.0.0.1:9/reg/';
  assert.strictEqual(tarballURL(t, reg, undefined), 'http://127.0.0.1:9/reg/a/-/a-1.tgz');
  assert.strictEqual(tarballURL(t, reg, 'npmjs'), 'http://127.0.0.1:9/reg/a/-/a-1.tgz');
  assert.strictEqual(tarballURL(t, reg, 'always'), 'http://127.0.0.1:9/reg/a/-/a-1.tgz');
  assert.strictEqual(tarballURL(t, reg, 'never'), t);
  assert.strictEqual(tarballURL('http://127.0.0.1:7/a/-/a-1.tgz', reg, '127.0.0.1'), 'http://127.0.0.1:9/reg/a/-/a-1.tgz');
  assert.strictEqual(tarballURL('http://127.0.0.1:7/a/-/a-1.tgz', reg, '127.0.0.1:7'), 'http://127.0.0.1:9/a/-/a-1.tgz');
  assert.strictEqual(tarballURL('https://m.example/npm/a/-/a-1.tgz', reg, 'https://m.example/npm/'), 'http://127.0.0.1:9/reg/a/-/a-1.tgz');
  assert.strictEqual(tarballURL('https://m.example/other/a-1.tgz', reg, 'https://m.example/npm/'), 'https://m.example/other/a-1.tgz');
});

test('a lockfile larger than one verifyMany batch is verified in several', async () => {
  // The library refuses a batch over its cap (LIMIT_EXCEEDED); the cap is lowered to 2 here.
  const verify = require(path.join(path.dirname(fs.realpathSync(GATE)), '..', 'gate', 'verify.js'));
  const saved = verify.limits.batch;
  verify.limits.batch = 2;
  const calls = [];
  const policy = { verifyMany: async (items, { indexDomain }) => {
    if (items.length > verify.limits.batch) throw new Error('LIMIT_EXCEEDED');
    calls.push(items.length);
    return items.map((it) => ({ ok: true, name: it.name, indexDomain }));
  } };
  const pkgs = Array.from({ length: 5 }, (_, i) => ({ name: `p${i}`, version: '1.0.0', registry: 'http://127.0.0.1:9/',
    sha512: '00', document: Buffer.from('{}') }));
  try { await verify.verifyAll(policy, pkgs); } finally { verify.limits.batch = saved; }
  assert.deepStrictEqual(calls, [2, 2, 1]);
  pkgs.forEach((p, i) => assert.strictEqual(p.results[0].result.name, `pkg:npm/p${i}@1.0.0`));
});

test('Windows is refused with a message, not half-run', () => {
  const gateDir = path.join(path.dirname(fs.realpathSync(GATE)), '..', 'gate');
  const script = `Object.defineProperty(process, 'platform', { value: 'win32' });
    require(${JSON.stringify(gateDir)}).gate(['install', '--policy', 'p.json']).then((c) => { process.exitCode = c; });`;
  const r = childProcess.spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.strictEqual(r.status, 2, r.stderr);
  assert.match(r.stderr, /Windows is not supported/);
});
