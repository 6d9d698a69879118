'use strict';
// Finds the N-API addon as node-gyp-build does, without depending on it: the one `npm install`
// compiled here (build/Release) if any, else a prebuilt one shipped in the package
// (prebuilds/<platform>-<arch>/<tags>.node, tags as prebuildify writes them: napi, glibc|musl).

const fs = require('node:fs');
const path = require('node:path');

/** glibc or musl: prebuilt addons linked against one do not load on the other. */
function libc() {
  if (process.platform !== 'linux') return null;
  const report = process.report && typeof process.report.getReport === 'function' ? process.report.getReport() : null;
  return report && report.header && report.header.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The prebuilt addons for this platform, most specific first. */
function prebuilds(root) {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const want = libc();
  return names
    .filter((f) => f.endsWith('.node'))
    .map((f) => ({ file: path.join(dir, f), tags: f.split('.').slice(0, -1) }))
    .filter(({ tags }) => tags.includes('napi'))
    .filter(({ tags }) => !['glibc', 'musl'].some((l) => tags.includes(l)) || tags.includes(want))
    .sort((a, b) => b.tags.length - a.tags.length)
    .map(({ file }) => file);
}

/** The path of the addon this process would load, or null when none is there. */
function locate(root = __dirname) {
  const built = path.join(root, 'build', 'Release', 'domainsig.node');
  if (fs.existsSync(built)) return built;
  return prebuilds(root)[0] || null;
}

function load() {
  const file = locate();
  if (!file) {
    throw new Error(
      `domainsig: no native addon for ${process.platform}-${process.arch} (${libc() || 'no libc tag'}); ` +
        'reinstall to build it from source (needs a C compiler and libdomainsig: see scripts/build.js)',
    );
  }
  return require(file);
}

module.exports = { load, locate, prebuilds };
