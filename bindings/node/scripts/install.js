#!/usr/bin/env node
// npm's install step: nothing to do when a prebuilt addon for this platform loads; otherwise build
// from source (scripts/build.js finds libdomainsig, then node-gyp compiles src/addon.c against it).
'use strict';
const path = require('node:path');
const { execFileSync, execSync } = require('node:child_process');
const { prebuilds } = require('../addon.js');

const root = path.resolve(__dirname, '..');
const prebuilt = prebuilds(root)[0];
if (prebuilt && !process.env.DOMAINSIG_BUILD_FROM_SOURCE) {
  try {
    require(prebuilt);
    console.log(`domainsig: using the prebuilt addon ${path.relative(root, prebuilt)}`);
    process.exit(0);
  } catch (e) {
    console.log(`domainsig: the prebuilt addon does not load here (${e.message}); building from source`);
  }
}
execFileSync(process.execPath, [path.join(__dirname, 'build.js')], { stdio: 'inherit', cwd: root });
// npm puts its own node-gyp on PATH for install scripts.
execSync('node-gyp rebuild', { stdio: 'inherit', cwd: root });
