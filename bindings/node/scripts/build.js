#!/usr/bin/env node
// Install step 1 of 2 (node-gyp is step 2): puts libdomainsig and its header into ./native.
// DOMAINSIG_LIB_DIR / DOMAINSIG_INCLUDE_DIR point at a built library and header; otherwise, inside
// the domainsig repository, the Rust crate two folders up is built with cargo (release).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const here = path.resolve(__dirname, '..');
const native = path.join(here, 'native');
let libDir = process.env.DOMAINSIG_LIB_DIR;
let includeDir = process.env.DOMAINSIG_INCLUDE_DIR;

if (!libDir) {
  const repo = path.resolve(here, '..', '..');
  if (!fs.existsSync(path.join(repo, 'Cargo.toml'))) {
    console.error('domainsig: set DOMAINSIG_LIB_DIR (and DOMAINSIG_INCLUDE_DIR) to a built libdomainsig');
    process.exit(1);
  }
  execFileSync('cargo', ['build', '--lib', '--release', '--manifest-path', path.join(repo, 'Cargo.toml')], {
    stdio: 'inherit',
  });
  libDir = path.join(process.env.CARGO_TARGET_DIR || path.join(repo, 'target'), 'release');
  includeDir = includeDir || path.join(repo, 'include');
}
includeDir = includeDir || path.join(libDir, '..', '..', 'include');

fs.rmSync(native, { recursive: true, force: true });
fs.mkdirSync(path.join(native, 'include'), { recursive: true });
// The real file under its soname (what the addon loads via rpath), plus the link-time name.
fs.copyFileSync(path.join(libDir, 'libdomainsig.so'), path.join(native, 'libdomainsig.so.0'));
fs.symlinkSync('libdomainsig.so.0', path.join(native, 'libdomainsig.so'));
fs.copyFileSync(path.join(includeDir, 'domainsig.h'), path.join(native, 'include', 'domainsig.h'));
console.log(`domainsig: using ${libDir}`);
