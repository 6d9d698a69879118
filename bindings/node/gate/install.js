'use strict';
// Installation: `npm ci` installs the lockfile the gate verified, with the user's options. npm
// checks every tarball it downloads against the lockfile's `integrity`, which the gate matched to
// the verified bytes, and fetches from the places the gate fetched from (resolve.js, verify.js).

const { npm, ciFlags } = require('./resolve');

function install(args, cwd) {
  return npm(['ci', '--no-audit', '--no-fund', ...ciFlags(args)], cwd, { stdio: 'inherit' }).status;
}

module.exports = { install };
