'use strict';
// Installation: `npm ci` installs the lockfile the gate verified, with the user's options. npm
// checks every tarball it downloads against the lockfile's `integrity`, which the gate matched to
// the verified bytes, and fetches from the places the gate fetched from (resolve.js, verify.js).

const fs = require('node:fs');
const path = require('node:path');
const { npm, ciFlags } = require('./resolve');

/**
 * Writes the tarball URL the gate verified into each lockfile entry that had none (npm's
 * omit-lockfile-registry-resolved), so npm ci fetches that URL instead of asking the registry's
 * packument a second time. Returns a function that puts the lockfile back as npm wrote it.
 */
function pinResolved(lockFile, pkgs) {
  const pinned = pkgs.filter((p) => p.pinned);
  if (!pinned.length) return () => {};
  const original = fs.readFileSync(lockFile);
  const lock = JSON.parse(original.toString('utf8'));
  for (const p of pinned) lock.packages[p.key].resolved = p.pinned;
  fs.writeFileSync(lockFile, JSON.stringify(lock, null, 2) + '\n');
  return () => fs.writeFileSync(lockFile, original);
}

function install(args, cwd, lockFile, pkgs) {
  const unpin = pinResolved(lockFile, pkgs);
  try {
    return npm(['ci', '--no-audit', '--no-fund', ...ciFlags(args)], cwd, { stdio: 'inherit' }).status;
  } finally {
    unpin();
  }
}

module.exports = { install, pinResolved };
