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
  const child = spawn(process.execPath, ['-e', EXIT, path.resolve(__dirname, '..'), rootPath, path.join(dir, 'cache')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  // A hang is this test's failure: the child is killed after two minutes (far beyond any exit).
  const killer = setTimeout(() => child.kill('SIGKILL'), 120000);
  const [code, signal] = await new Promise((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  clearTimeout(killer);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.strictEqual(signal, null, `the child hung and was killed: ${out}`);
  assert.strictEqual(code, 7, out);
  assert.match(out, /fetching/);
});
