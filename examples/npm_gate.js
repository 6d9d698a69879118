#!/usr/bin/env node
// An npm-style install gate: verify a downloaded tarball against its Sigstore bundle before install.
//   node npm_gate.js POLICY.json BUNDLE.json TARBALL [REGISTRY] [PURL]
// Exit 0 = install, 1 = refuse (reason printed).
'use strict';
const { Policy, VerificationError } = require('domainsig');

async function main([policyPath, bundlePath, tarball, registry = 'registry.npmjs.org', purl]) {
  const policy = Policy.fromFile(policyPath); // compile once (read with a size bound), share everywhere
  try {
    // bundlePath names a file; `bundle` would be the bundle's content (a Buffer, JSON text or object).
    await policy.verify({ artifact: tarball, bundlePath, indexDomain: registry, name: purl });
    console.log(`install ${tarball}`);
    return 0;
  } catch (e) {
    if (!(e instanceof VerificationError)) throw e;
    console.log(`REFUSE ${tarball}: ${e.code} (${e.status}): ${e.details.message}`);
    return 1;
  }
}

if (process.argv.length < 5) {
  console.error('usage: npm_gate.js POLICY.json BUNDLE.json TARBALL [REGISTRY] [PURL]');
  process.exit(2);
}
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
