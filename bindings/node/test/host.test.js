'use strict';
// What the host does with its own buffers and handles while a verification runs cannot change the
// verdict or crash the process (issue 23): bytes are judged as passed, at call time; an artifact
// path is bounded; a batch is bounded; a policy file means the same whatever the working
// directory (issue 16.4).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const domainsig = require('..');

const repo = process.env.DOMAINSIG_REPO || path.resolve(__dirname, '..', '..', '..');
const caseDir = path.join(repo, 'tests', 'vectors', 'pypi-attestations--rfc8785-0.1.2-whl-attestation');
const NAME = 'rfc8785-0.1.2-py3-none-any.whl';
const INDEX = 'test.pypi.org';
const wheel = fs.readFileSync(path.join(caseDir, 'artifact'));
const bundle = fs.readFileSync(path.join(caseDir, 'attestation.json'));
const POLICY = {
  version: 1,
  trusted_root: 'staging',
  identities: [{ issuer: 'https://github.com/login/oauth', san: 'william@yossarian.net' }],
  domains: { mode: 'warn' },
};
const policy = domainsig.Policy.fromJSON(POLICY);

function changed(b) {
  const c = Buffer.from(b);
  c[c.length >> 1] ^= 1;
  return c;
}

test('verify judges the artifact passed, not what the caller writes into it afterwards', async () => {
  // Wrong bytes passed, right bytes written in the same tick: still a refusal.
  const buf = changed(wheel);
  const refused = policy.verify({ artifact: buf, bundle, indexDomain: INDEX, name: NAME });
  wheel.copy(buf);
  await assert.rejects(refused, { code: 'ARTIFACT_MISMATCH' });
  // Right bytes passed, then clobbered: still accepted.
  const good = Buffer.from(wheel);
  const accepted = policy.verify({ artifact: good, bundle, indexDomain: INDEX, name: NAME });
  good.fill(0);
  assert.ok((await accepted).ok);
  // The same through a Uint8Array view (no Buffer) and a bundle clobbered after the call.
  const view = new Uint8Array(wheel);
  const b = Buffer.from(bundle);
  const again = policy.verify({ artifact: view, bundle: b, indexDomain: INDEX, name: NAME });
  view.fill(0);
  b.fill(0x20);
  assert.ok((await again).ok);
});

test('verify with a bundlePath still copies the artifact at call time', async () => {
  const buf = changed(wheel);
  const p = policy.verify({ artifact: buf, bundlePath: path.join(caseDir, 'attestation.json'), indexDomain: INDEX, name: NAME });
  wheel.copy(buf);
  await assert.rejects(p, { code: 'ARTIFACT_MISMATCH' });
});

test('a bundlePath is the one passed at call time, not what the options object says later', async () => {
  // A host reusing one options object for successive calls: the first call keeps its own bundle.
  const bad = path.join(os.tmpdir(), `domainsig-not-a-bundle-${process.pid}.json`);
  fs.writeFileSync(bad, '{}');
  try {
    const opts = { artifact: wheel, bundlePath: path.join(caseDir, 'attestation.json'), indexDomain: INDEX, name: NAME };
    const p = policy.verify(opts);
    const many = policy.verifyMany([{ artifact: wheel, bundle, name: NAME }, opts], { indexDomain: INDEX });
    opts.bundlePath = bad;
    assert.ok((await p).ok);
    assert.deepStrictEqual((await many).map((r) => r.code), ['OK', 'OK']);
  } finally {
    fs.rmSync(bad, { force: true });
  }
});

test('verifyMany judges every item as passed', async () => {
  const wrong = changed(wheel);
  const right = Buffer.from(wheel);
  const b = Buffer.from(bundle);
  const p = policy.verifyMany(
    [
      { artifact: wrong, bundle, name: NAME },
      { artifact: right, bundle: b, name: NAME },
      { artifact: Buffer.from(wheel), bundlePath: path.join(caseDir, 'attestation.json'), name: NAME },
    ],
    { indexDomain: INDEX },
  );
  wheel.copy(wrong);
  right.fill(0);
  b.fill(0x20);
  const rs = await p;
  assert.deepStrictEqual(rs.map((r) => r.code), ['ARTIFACT_MISMATCH', 'OK', 'OK']);
});

// In a child under --expose-gc: the artifact's ArrayBuffer is transferred away and collected in
// the same tick as the call, before the pool thread hashes. Reading it then was a segfault.
const TRANSFER = `
const domainsig = require(process.argv[1]);
const fs = require('node:fs');
const [caseDir, name, index] = process.argv.slice(2);
const policy = domainsig.Policy.fromJSON(${JSON.stringify(POLICY)});
const wheel = fs.readFileSync(caseDir + '/artifact');
const bundle = fs.readFileSync(caseDir + '/attestation.json');
(async () => {
  const codes = [];
  for (let round = 0; round < 4; round++) {
    const big = new Uint8Array(new ArrayBuffer(64 << 20));
    big.set(wheel);
    const art = big.subarray(0, wheel.length);
    const bun = new Uint8Array(new ArrayBuffer(bundle.length));
    bun.set(bundle);
    const one = policy.verify({ artifact: art, bundle: bun, indexDomain: index, name });
    const many = policy.verifyMany([{ artifact: art, bundle: bun, name }], { indexDomain: index });
    structuredClone(big.buffer, { transfer: [big.buffer] });
    structuredClone(bun.buffer, { transfer: [bun.buffer] });
    if (big.byteLength !== 0) throw new Error('the ArrayBuffer was not detached');
    global.gc();
    codes.push((await one).code, (await many)[0].code);
  }
  console.log(codes.join(' '));
})().catch((e) => { console.error(e); process.exit(3); });
`;

test('an ArrayBuffer transferred away and collected mid-verification cannot crash the process', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', TRANSFER, path.resolve(__dirname, '..'), caseDir, NAME, INDEX], {
    encoding: 'utf8',
  });
  assert.strictEqual(r.signal, null, `child died of ${r.signal}: ${r.stderr}`);
  assert.strictEqual(r.status, 0, r.stderr);
  assert.strictEqual(r.stdout.trim(), Array(8).fill('OK').join(' '));
});

test('an artifact path that is a device or a FIFO is refused, not read for ever', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-host-'));
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  // More than the libuv pool's four threads: none may stay busy.
  const calls = [];
  for (let i = 0; i < 6; i++) {
    calls.push(policy.verify({ artifact: '/dev/zero', bundle, indexDomain: INDEX, name: NAME }));
  }
  calls.push(policy.verify({ artifact: fifo, bundle, indexDomain: INDEX, name: NAME }));
  // Every rejection is handled from the start: awaiting them one by one left a later one
  // unhandled for a moment when it settled first, which node --test reports as a failure.
  await Promise.all(calls.map((c) => assert.rejects(c, { code: 'ARTIFACT_UNREADABLE' })));
  assert.throws(() => policy.verifySync({ artifact: '/dev/zero', bundle, indexDomain: INDEX, name: NAME }), {
    code: 'ARTIFACT_UNREADABLE',
  });
  const [r] = await policy.verifyMany([{ artifact: '/dev/zero', bundle, name: NAME }], { indexDomain: INDEX });
  assert.strictEqual(r.code, 'ARTIFACT_UNREADABLE');
  assert.match(r.details.message, /expected a regular file, found a character device/);
  // The pool is free again: a file read still completes.
  assert.ok((await fs.promises.readFile(path.join(caseDir, 'artifact'))).length > 0);
  fs.rmSync(dir, { recursive: true });
});

test('verifyMany refuses a batch past the limit whole, before reading it all', async () => {
  const limits = fs.readFileSync(path.join(repo, 'src', 'limits.rs'), 'utf8');
  const max = Number(limits.match(/pub const MAX_BATCH: usize = ([\d_]+);/)[1].replace(/_/g, ''));
  const item = { artifact: 'sha256:' + '0'.repeat(64), bundle: '{}' };
  let pulled = 0;
  function* endless() {
    for (;;) {
      pulled++;
      yield item;
    }
  }
  await assert.rejects(policy.verifyMany(endless()), (e) => {
    assert.strictEqual(e.code, 'LIMIT_EXCEEDED');
    assert.strictEqual(e.details.field, 'items');
    return true;
  });
  assert.strictEqual(pulled, max + 1);
  const rs = await policy.verifyMany(Array(max).fill(item));
  assert.strictEqual(rs.length, max);
});

test('Policy.fromFile resolves trusted_root.path against the policy file, not the working directory', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-policy-'));
  const sub = path.join(dir, 'conf');
  fs.mkdirSync(sub);
  fs.copyFileSync(path.join(repo, 'tests', 'vectors', '_roots', 'public-good-staging.trusted_root.json'), path.join(sub, 'root.json'));
  const file = path.join(sub, 'policy.json');
  fs.writeFileSync(file, JSON.stringify({ ...POLICY, trusted_root: { path: 'root.json' } }));
  const cwd = process.cwd();
  try {
    process.chdir(dir); // root.json is not here, but next to the policy
    const p = domainsig.Policy.fromFile(file);
    assert.ok(p.verifySync({ artifact: wheel, bundle, indexDomain: INDEX, name: NAME }).ok);
    assert.ok(domainsig.Policy.fromFile('conf/policy.json').verifySync({ artifact: wheel, bundle, indexDomain: INDEX, name: NAME }).ok);
    // The same text from memory resolves against the working directory, as documented.
    assert.throws(() => domainsig.Policy.fromJSON(fs.readFileSync(file)), { code: 'INPUT_UNREADABLE' });
  } finally {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true });
  }
  assert.throws(() => domainsig.Policy.fromFile('/dev/zero'), { code: 'LIMIT_EXCEEDED' });
});
