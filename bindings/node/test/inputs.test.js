'use strict';
// Every argument, given the wrong type or a hostile value, fails with one exact, typed error:
// TypeError naming the argument, or VerificationError with a stable code. Content is never taken
// for a path: a string bundle is JSON even when it names a real, valid bundle.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const domainsig = require('..');

const repo = process.env.DOMAINSIG_REPO || path.resolve(__dirname, '..', '..', '..');
const caseDir = path.join(repo, 'tests', 'vectors', 'pypi-attestations--rfc8785-0.1.2-whl-attestation');
const NAME = 'rfc8785-0.1.2-py3-none-any.whl';
const INDEX = 'test.pypi.org';
const BUNDLE_PATH = path.join(caseDir, 'attestation.json');
const wheel = fs.readFileSync(path.join(caseDir, 'artifact'));
const bundle = fs.readFileSync(BUNDLE_PATH);
const POLICY = {
  version: 1,
  trusted_root: 'staging',
  identities: [{ issuer: 'https://github.com/login/oauth', san: 'william@yossarian.net' }],
  domains: { mode: 'warn' },
};
const policy = domainsig.Policy.fromJSON(POLICY);

const HUGE = 'x'.repeat(9 << 20); // past every limit
const SURROGATE = '\udcff'; // not encodable as UTF-8
const NOT_UTF8 = Buffer.from([0xff, 0xfe, 0x7b, 0x7d]);

// [option, value, expected]: expected is TypeError or a status name.
const TABLE = [
  ['artifact', 12345, TypeError],
  ['artifact', null, TypeError],
  ['artifact', ['x'], TypeError],
  ['artifact', HUGE, 'ARTIFACT_UNREADABLE'], // a path the OS refuses: no raw ENAMETOOLONG
  ['artifact', 'a\0b', 'INVALID_ARGUMENT'],
  ['artifact', BUNDLE_PATH, 'ARTIFACT_MISMATCH'], // an artifact string is a path by design
  ['artifact', SURROGATE, 'INVALID_ARGUMENT'],
  ['artifact', NOT_UTF8, 'ARTIFACT_MISMATCH'],
  ['artifact', 'sha256:zz', 'ARTIFACT_UNREADABLE'],
  ['artifact', 'sha512:' + '0'.repeat(128), 'ARTIFACT_MISMATCH'],
  ['bundle', 12345, TypeError],
  ['bundle', true, TypeError],
  ['bundle', undefined, TypeError], // neither bundle nor bundlePath
  ['bundle', HUGE, 'LIMIT_EXCEEDED'],
  ['bundle', 'a\0b', 'BUNDLE_MALFORMED'],
  ['bundle', BUNDLE_PATH, 'BUNDLE_MALFORMED'], // never opened
  ['bundle', '/etc/passwd', 'BUNDLE_MALFORMED'],
  ['bundle', { path: BUNDLE_PATH }, 'BUNDLE_MALFORMED'], // parsed JSON is content, never a path
  ['bundle', { bundlePath: BUNDLE_PATH }, 'BUNDLE_MALFORMED'],
  ['bundle', SURROGATE, 'BUNDLE_MALFORMED'],
  ['bundle', NOT_UTF8, 'BUNDLE_MALFORMED'],
  ['bundle', { n: 1n }, 'BUNDLE_MALFORMED'], // not JSON data
  ['bundlePath', 12345, TypeError],
  ['bundlePath', Buffer.from(BUNDLE_PATH), TypeError],
  ['bundlePath', '/nonexistent/bundle.json', 'INPUT_UNREADABLE'],
  ['bundlePath', 'x'.repeat(5000), 'INPUT_UNREADABLE'], // ENAMETOOLONG
  ['bundlePath', HUGE, 'INPUT_UNREADABLE'],
  ['bundlePath', '/', 'INPUT_UNREADABLE'],
  ['bundlePath', 'a\0b', 'INVALID_ARGUMENT'],
  ['bundlePath', SURROGATE, 'INVALID_ARGUMENT'],
  ['indexDomain', 12345, TypeError],
  ['indexDomain', Buffer.from(INDEX), TypeError],
  ['indexDomain', HUGE, 'DOMAIN_INVALID'],
  ['indexDomain', 'pypi.org\0evil', 'INVALID_ARGUMENT'],
  ['indexDomain', BUNDLE_PATH, 'DOMAIN_INVALID'],
  ['indexDomain', SURROGATE, 'INVALID_ARGUMENT'],
  ['indexDomain', null, 'INVALID_ARGUMENT'], // the policy's mode needs one
  ['name', 12345, TypeError],
  ['name', Buffer.from(NAME), TypeError],
  ['name', HUGE, 'LIMIT_EXCEEDED'],
  ['name', `${NAME}\0.tar.gz`, 'INVALID_ARGUMENT'], // C would truncate it to NAME
  ['name', BUNDLE_PATH, 'SUBJECT_MISMATCH'],
  ['name', SURROGATE, 'INVALID_ARGUMENT'],
];

/** A short, printable name for a table value (test names must not carry NULs or 9 MiB). */
function show(v) {
  if (Buffer.isBuffer(v)) return 'a Buffer';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 20)}... (${v.length} chars)` : v);
  if (v && typeof v === 'object' && !Array.isArray(v)) return `{${Object.keys(v).join(', ')}}`;
  return String(v);
}

function opts(option, value) {
  const o = { artifact: wheel, bundle, indexDomain: INDEX, name: NAME };
  if (option === 'bundlePath') delete o.bundle;
  o[option] = value;
  return o;
}

function checkError(e, expected, option) {
  if (expected === TypeError) {
    assert.ok(e instanceof TypeError, `${option}: ${e}`);
    assert.match(e.message, new RegExp(option === 'bundle' ? 'bundle' : option));
    return true;
  }
  assert.ok(e instanceof domainsig.VerificationError, `${option}: ${e && e.stack}`);
  assert.strictEqual(e.code, expected, e.message);
  assert.strictEqual(e.status, domainsig.STATUS[expected]);
  assert.strictEqual(e.details.status, expected);
  assert.ok(e.message.length < 1000, 'a message never repeats a huge argument');
  return true;
}

test('the happy case verifies', () => {
  assert.ok(policy.verifySync(opts('name', NAME)).ok);
  assert.ok(policy.verifySync(opts('bundlePath', BUNDLE_PATH)).ok);
});

for (const [option, value, expected] of TABLE) {
  const label = `${option} = ${show(value)}`;
  test(`${label}: ${expected === TypeError ? 'TypeError' : expected}`, async () => {
    assert.throws(() => policy.verifySync(opts(option, value)), (e) => checkError(e, expected, option));
    await assert.rejects(policy.verify(opts(option, value)), (e) => checkError(e, expected, option));
    const many = policy.verifyMany([opts('name', NAME), opts(option, value)]);
    if (expected === TypeError) {
      await assert.rejects(many, (e) => checkError(e, expected, option) && /items\[1\]/.test(e.message));
    } else {
      const [first, second] = await many;
      assert.strictEqual(first.code, 'OK');
      assert.strictEqual(second.ok, false);
      assert.strictEqual(second.code, expected, second.details.message);
      assert.strictEqual(second.details.status, expected);
    }
  });
}

test('bundle and bundlePath together, or a non-object, are TypeErrors', async () => {
  assert.throws(() => policy.verifySync({ ...opts('name', NAME), bundlePath: BUNDLE_PATH }), /not both/);
  for (const bad of [null, 5, 'x', []]) {
    assert.throws(() => policy.verifySync(bad), TypeError);
    await assert.rejects(policy.verify(bad), TypeError);
  }
  for (const bad of [null, 5, 'ab', {}]) await assert.rejects(policy.verifyMany(bad), /items must be an iterable/);
});

const POLICY_TABLE = [
  ['fromJSON', 12345, TypeError],
  ['fromJSON', null, TypeError],
  ['fromJSON', undefined, TypeError],
  ['fromJSON', [1], TypeError],
  ['fromJSON', HUGE, 'LIMIT_EXCEEDED'],
  ['fromJSON', '{"version": 1}\0', 'POLICY_INVALID'],
  ['fromJSON', path.join(repo, 'examples', 'pypi', 'policy.json'), 'POLICY_INVALID'], // never opened
  ['fromJSON', '{"version": 1, "x": "\udcff"}', 'POLICY_INVALID'],
  ['fromJSON', NOT_UTF8, 'POLICY_INVALID'],
  ['fromJSON', { version: 1, x: 1n }, 'POLICY_INVALID'],
  ['fromJSON', { ...POLICY, trusted_root: { path: '/nonexistent/root.json' } }, 'INPUT_UNREADABLE'],
  ['fromJSON', { ...POLICY, trusted_root: BUNDLE_PATH }, 'POLICY_INVALID'],
  ['fromFile', 12345, TypeError],
  ['fromFile', Buffer.from('policy.json'), TypeError],
  ['fromFile', '/nonexistent/policy.json', 'INPUT_UNREADABLE'],
  ['fromFile', 'a\0b', 'INVALID_ARGUMENT'],
  ['fromFile', BUNDLE_PATH, 'POLICY_INVALID'],
];

for (const [method, value, expected] of POLICY_TABLE) {
  test(`Policy.${method}(${show(value)}): ${expected === TypeError ? 'TypeError' : expected}`, () => {
    const argname = method === 'fromJSON' ? 'policy' : 'path';
    assert.throws(() => domainsig.Policy[method](value), (e) => checkError(e, expected, argname));
  });
}

test('Policy.fromFile and a Buffer policy compile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-inputs-'));
  const file = path.join(dir, 'policy.json');
  fs.writeFileSync(file, JSON.stringify(POLICY));
  assert.ok(domainsig.Policy.fromFile(file).verifySync(opts('name', NAME)).ok);
  assert.ok(domainsig.Policy.fromJSON(fs.readFileSync(file)).verifySync(opts('name', NAME)).ok);
  fs.rmSync(dir, { recursive: true });
});

test('the size limits mirror the library', () => {
  const limits = fs.readFileSync(path.join(repo, 'src', 'limits.rs'), 'utf8');
  const js = fs.readFileSync(require.resolve('..'), 'utf8');
  for (const name of ['MAX_BUNDLE_BYTES']) {
    const rs = limits.match(new RegExp(`pub const ${name}: usize = (\\d+) << (\\d+);`));
    const mine = js.match(new RegExp(`const ${name} = (\\d+) << (\\d+);`));
    assert.ok(rs && mine, name);
    assert.strictEqual(Number(mine[1]) << Number(mine[2]), Number(rs[1]) << Number(rs[2]), name);
  }
});

// Endless inputs (/dev/zero, a FIFO fed by `yes`) are tried only here, in a child process: its
// peak RSS is its own, and its address space is capped (ulimit -v 2 GiB) so that a regression
// fails this test instead of exhausting the machine.
const ENDLESS = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const domainsig = require(process.argv[1]);
const fifo = process.argv[2];
const policy = domainsig.Policy.fromJSON({ version: 1, trusted_root: 'staging', domains: { mode: 'ignore' },
  identities: [{ issuer: 'https://github.com/login/oauth', san: 'william@yossarian.net' }] });
require('node:child_process').execFileSync('mkfifo', [fifo]);
(async () => {
  const codes = [];
  for (const source of ['/dev/zero', 'fifo']) {
    for (const what of ['bundlePath', 'many', 'fromFile', 'trusted_root']) {
      const writer = source === 'fifo' ? spawn('sh', ['-c', 'exec yes > "$0"', fifo], { stdio: 'ignore' }) : null;
      const p = writer ? fifo : source;
      try {
        if (what === 'bundlePath') policy.verifySync({ artifact: Buffer.from('x'), bundlePath: p });
        else if (what === 'many') codes.push((await policy.verifyMany([{ artifact: Buffer.from('x'), bundlePath: p }]))[0].code);
        else if (what === 'fromFile') domainsig.Policy.fromFile(p);
        else domainsig.Policy.fromJSON({ version: 1, trusted_root: { path: p } });
      } catch (e) {
        codes.push(e.code);
      } finally {
        if (writer) writer.kill();
      }
    }
  }
  console.log(codes.join(' '));
  console.log(process.resourceUsage().maxRSS); // KiB
})();
`;

test('endless inputs are refused with bounded memory', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-endless-'));
  try {
    const out = execFileSync(
      'sh',
      ['-c', 'ulimit -v 2097152 && exec "$0" "$@"', process.execPath, '-e', ENDLESS, require.resolve('..'), path.join(dir, 'endless')],
      { encoding: 'utf8' },
    );
    const [codes, maxrss] = out.trim().split('\n');
    assert.deepStrictEqual(codes.split(' '), Array(8).fill('LIMIT_EXCEEDED'));
    t.diagnostic(`peak RSS ${Math.round(Number(maxrss) / 1024)} MiB`);
    assert.ok(Number(maxrss) < 300 * 1024, `peak RSS ${Math.round(Number(maxrss) / 1024)} MiB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
