#!/usr/bin/env node
'use strict';
// Gate npm installs: `npx domainsig-npm install [npm install args...] --policy P.json`.
// The gate itself lives in ../gate/ (resolve, fetch, verify, install); docs/gates.md says what it
// trusts.

const { gate } = require('../gate');

gate(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  console.error(`domainsig-npm: ${e.stack || e}`);
  process.exitCode = 2;
});
