'use strict';
// The default fetcher has a deadline, and Node can exit while an update waits on a fetch
// (issue 21.5): a server that trickles bytes cannot hold an update, nor the process, for ever.
const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { trust } = require('..');

const repo = process.env.DOMAINSIG_REPO || path.resolve(__dirname, '..', '..', '..');
const rootPath = path.join(repo, 'tests', 'tuf', 'doors', '1.root.json');

/** A server announcing 40 bytes and sending one every quarter second (10 s in all). */
async function trickler() {
  const timers = new Set();
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-length': '40' });
    let sent = 0;
    const t = setInterval(() => {
      if (sent++ === 40 || res.destroyed) {
        clearInterval(t);
        timers.delete(t);
        res.end();
        return;
      }
      res.write('x');
    }, 250);
    timers.add(t);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close() {
      for (const t of timers) clearInterval(t);
      server.closeAllConnections();
      server.close();
    },
  };
}

test('the default fetcher gives up at its deadline, however slowly bytes arrive', async () => {
  const s = await trickler();
  try {
    // The whole body would take 10 s; a 1 s deadline ends the fetch first.
    await assert.rejects(trust.defaultFetch(`${s.url}/timestamp.json`, 1 << 20, { deadlineMs: 1000 }), /within 1000 ms/);
  } finally {
    s.close();
  }
});

// A child starts an update whose fetch never settles (the fetcher waits on a promise nothing
// resolves), then calls process.exit. It used to hang for ever: Node waited for the pool thread,
// which waited for the fetch.
const EXIT = `
const { trust } = require(process.argv[1]);
const [rootPath, cache] = process.argv.slice(2);
let asked = 0;
trust.update({ repo: 'http://127.0.0.1:9/never', rootPath, cache, fetch: () => {
  asked++;
  setImmediate(() => { console.log('fetching'); process.exit(7); });
  return new Promise(() => {});
} }).then(() => console.log('resolved'), (e) => console.log('rejected', e.code));
`;

test('process.exit while a fetch is pending exits, with the code asked for', async () => {
  const os = require('node:os');
  const fs = require('node:fs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-exit-'));
  const { code, signal, out } = await runChild(EXIT, [rootPath, path.join(dir, 'cache')]);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.strictEqual(signal, null, `the child hung and was killed: ${out}`);
  assert.strictEqual(code, 7, out);
  assert.match(out, /fetching/);
});

/** Runs `script` in a child Node with `args`; resolves with its exit code, signal and output. */
async function runChild(script, args) {
  const child = spawn(process.execPath, ['-e', script, path.resolve(__dirname, '..'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  // A hang is a failure: the child is killed after two minutes (far beyond any exit).
  const killer = setTimeout(() => child.kill('SIGKILL'), 120000);
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(killer);
  return { code, signal, out };
}

// A worker runs three updates at once (three pool threads). The first fetch to reach JavaScript
// holds the worker's thread for a moment, so the other two fetches sit queued in their thread-safe
// functions, then calls process.exit: 'exit' fails every waiting fetch and their pool threads
// return. The worker's teardown then still hands the queued items to the addon. Each item used to
// point into its returned pool thread's stack: the addon locked a dead mutex and Node aborted.
// The hold only gives the pool threads time to queue (with none queued the test passes either way).
const IN_WORKER = `
const { workerData } = require('node:worker_threads');
const path = require('node:path');
const [pkg, rootPath, cache] = workerData;
const { trust } = require(pkg);
let asked = 0;
const fetch = () => {
  if (asked++ === 0) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    console.log('fetching');
    process.exit(3);
  }
  return new Promise(() => {});
};
for (let i = 0; i < 3; i++) {
  trust.update({ repo: 'http://127.0.0.1:9/never', rootPath, cache: path.join(cache, String(i)), fetch }).catch(() => {});
}
`;
const WORKER_EXIT = `
const { Worker } = require('node:worker_threads');
const w = new Worker(${JSON.stringify(IN_WORKER)}, { eval: true, workerData: process.argv.slice(1) });
w.on('error', (e) => { console.log('worker error', e); process.exitCode = 1; });
w.on('exit', (c) => { console.log('worker exit', c); process.exitCode = c === 3 ? 0 : 1; });
`;

test('a worker calling process.exit with fetches still queued exits cleanly', async () => {
  const os = require('node:os');
  const fs = require('node:fs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-exit-'));
  const { code, signal, out } = await runChild(WORKER_EXIT, [rootPath, dir]);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.strictEqual(signal, null, `the child died of ${signal}: ${out}`);
  assert.strictEqual(code, 0, out);
  assert.match(out, /fetching[\s\S]*worker exit 3/);
});

// lock.verify shares the fetch bridge: process.exit while its fetch is pending used to hang, since
// only trust.update asked for the fetches to be failed on 'exit'.
const LOCK_EXIT = `
const fs = require('node:fs');
const path = require('node:path');
const { Policy, lock } = require(process.argv[1]);
const [repo, dir] = process.argv.slice(2);
const file = path.join(dir, 'pylock.toml');
fs.writeFileSync(file, 'lock-version = "1.0"\\n[[packages]]\\nname = "gitlab-oidc-project"\\nversion = "0.0.3"\\n'
  + 'index = "http://127.0.0.1:9/simple/"\\nsdist = { name = "gitlab_oidc_project-0.0.3.tar.gz", url = "http://127.0.0.1:9/f", '
  + 'hashes = { sha256 = "' + '0'.repeat(64) + '" } }\\n');
const policy = Policy.fromJSON({ version: 1,
  trusted_root: { path: path.join(repo, 'tests', 'vectors', '_roots', 'public-good-production.trusted_root.json') },
  identities: [{ issuer: 'https://gitlab.com', san_regex: 'https://gitlab\\\\.com/.*' }], domains: { mode: 'warn' } });
lock.verify(file, policy, { fetch: () => {
  setImmediate(() => { console.log('fetching'); process.exit(7); });
  return new Promise(() => {});
} }).then(() => console.log('resolved'), (e) => console.log('rejected', e.code));
`;

test('process.exit while a lock verification fetch is pending exits, with the code asked for', async () => {
  const os = require('node:os');
  const fs = require('node:fs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domainsig-exit-'));
  const { code, signal, out } = await runChild(LOCK_EXIT, [repo, dir]);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.strictEqual(signal, null, `the child hung and was killed: ${out}`);
  assert.strictEqual(code, 7, out);
  assert.match(out, /fetching/);
});
