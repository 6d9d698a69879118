#!/usr/bin/env node
// Source build, step 1 of 2 (node-gyp is step 2; scripts/install.js runs both when no prebuilt addon
// loads): puts the static libdomainsig.a and its header into ./native, to be linked INTO the addon
// (one file, no runtime library to find). Where the library comes from, first match wins:
//   DOMAINSIG_LIB_DIR (+ DOMAINSIG_INCLUDE_DIR)  a built library, e.g. the C release archive's lib/
//   the domainsig repository two folders up      built here with cargo (release)
//   pkg-config domainsig                          an installed C archive or scripts/install.sh prefix
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const here = path.resolve(__dirname, '..');
const native = path.join(here, 'native');
let libDir = process.env.DOMAINSIG_LIB_DIR;
let includeDir = process.env.DOMAINSIG_INCLUDE_DIR;

function pkgConfig(variable) {
  try {
    return execFileSync('pkg-config', [`--variable=${variable}`, 'domainsig'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

if (!libDir) {
  const repo = path.resolve(here, '..', '..');
  // Only this repository's crate: inside node_modules, two folders up is the user's project.
  const manifest = path.join(repo, 'Cargo.toml');
  if (fs.existsSync(manifest) && /^name = "domainsig"$/m.test(fs.readFileSync(manifest, 'utf8'))) {
    execFileSync('cargo', ['build', '--lib', '--release', '--manifest-path', path.join(repo, 'Cargo.toml')], {
      stdio: 'inherit',
    });
    libDir = path.join(process.env.CARGO_TARGET_DIR || path.join(repo, 'target'), 'release');
    includeDir = includeDir || path.join(repo, 'include');
  } else {
    libDir = pkgConfig('libdir');
    includeDir = includeDir || pkgConfig('includedir');
  }
  if (!libDir) {
    console.error(
      'domainsig: no prebuilt addon for this platform and no libdomainsig to build one; set DOMAINSIG_LIB_DIR ' +
        '(and DOMAINSIG_INCLUDE_DIR) to the lib/ and include/ of the C release archive, or put its ' +
        'lib/pkgconfig on PKG_CONFIG_PATH',
    );
    process.exit(1);
  }
}
includeDir = includeDir || path.join(libDir, '..', 'include');
if (!fs.existsSync(path.join(includeDir, 'domainsig.h')) && fs.existsSync(path.join(libDir, '..', '..', 'include'))) {
  includeDir = path.join(libDir, '..', '..', 'include'); // a cargo target dir inside the repository
}

fs.rmSync(native, { recursive: true, force: true });
fs.mkdirSync(path.join(native, 'include'), { recursive: true });
fs.copyFileSync(path.join(libDir, 'libdomainsig.a'), path.join(native, 'libdomainsig.a'));
fs.copyFileSync(path.join(includeDir, 'domainsig.h'), path.join(native, 'include', 'domainsig.h'));
console.log(`domainsig: linking ${path.join(libDir, 'libdomainsig.a')} into the addon`);
