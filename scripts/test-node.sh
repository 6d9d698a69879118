#!/usr/bin/env bash
# Packs bindings/node, installs it fresh into a temporary project with npm (building the N-API
# addon with node-gyp against the installed Node headers and the freshly built libdomainsig), then
# runs its `node --test` suite, the npm gate's end-to-end test and the npm_gate example from that project.
set -Eeuo pipefail
# root, target_dir and the failing-step trap.
source "$(dirname "$0")/test-common.sh"
# Runs a noisy step with its output kept aside, and shows that output only when it fails.
quiet() {
  local log
  log=$(mktemp)
  if "$@" >"$log" 2>&1; then rm -f "$log"; return 0; fi
  local rc=$?
  echo "FAILED (exit $rc): $*" >&2
  cat "$log" >&2
  rm -f "$log"
  return "$rc"
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export npm_config_nodedir=${npm_config_nodedir:-/usr}  # offline: build against /usr/include/node
export npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false

cargo build --lib
export DOMAINSIG_LIB_DIR=$target_dir/debug DOMAINSIG_INCLUDE_DIR=$root/include
[ -f "$DOMAINSIG_LIB_DIR/libdomainsig.so" ] || { echo "test-node.sh: no libdomainsig.so in $DOMAINSIG_LIB_DIR after cargo build" >&2; exit 1; }
quiet bash -c 'cd "$1" && npm pack "$2" >pack.out' _ "$work" "$root/bindings/node"
tarball=$(tail -1 "$work/pack.out")

mkdir "$work/app"
cd "$work/app"
quiet npm init -y
quiet npm install "$work/$tarball"
DOMAINSIG_REPO=$root node --test node_modules/domainsig/test/
# The npm gate end to end: the real npm against a registry the test serves on 127.0.0.1, through
# the installed `domainsig-npm` bin (docs/gates.md).
DOMAINSIG_NPM_GATE=$work/app/node_modules/.bin/domainsig-npm DOMAINSIG_REPO=$root node --test "$root/tests/gates/"

# The shipped TypeScript types describe the API the tests just exercised.
quiet npm install --no-save typescript@5 @types/node@20
cat >check.ts <<'TS'
import { Policy, VerificationError, STATUS, VerificationResult, trust, TrustReport } from 'domainsig';
const policy: Policy = Policy.fromJSON({ version: 1 });
async function gate(artifact: Buffer | string, bundle: string): Promise<boolean> {
  try {
    const r: VerificationResult = await policy.verify({ artifact, bundle, indexDomain: 'registry.npmjs.org', name: null });
    return r.ok && r.status === STATUS.OK;
  } catch (e) {
    if (e instanceof VerificationError) return e.code === 'DOMAIN_MISMATCH' && e.details.status === e.code;
    throw e;
  }
}
const many: Promise<VerificationResult[]> = policy.verifyMany([{ artifact: 'sha256:00', bundle: {} }], { indexDomain: null });
const fromFile: VerificationResult = Policy.fromFile('policy.json').verifySync({ artifact: Buffer.alloc(0), bundlePath: 'b.json' });
const updated: Promise<TrustReport> = trust.update({ repo: 'https://mirror.example/tuf', rootPath: 'root.json', cache: '.cache',
  fetch: async (url: string, maxLen: number) => (maxLen > 0 ? Buffer.from(url) : null) });
const pinned = Policy.fromJSON({ version: 1, trusted_root: trust.trustedRoot({ repo: 'public-good' }) });
void gate; void many; void fromFile; void policy.verifySync; void updated; void pinned;
TS
npx tsc --noEmit --strict --types node check.ts
echo "index.d.ts: type-checks"

v=$root/tests/vectors/conformance--happy-path-v0.3
cat >policy.json <<'JSON'
{"version": 1, "trusted_root": "public-good",
 "identities": [{"issuer": "https://token.actions.githubusercontent.com",
   "san": "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"}],
 "domains": {"mode": "ignore"}, "subject": {"require_name": false}}
JSON
cp "$root/examples/npm_gate.js" .
node npm_gate.js policy.json "$v/bundle.sigstore.json" "$v/artifact"
printf 'changed' >changed.tgz
if node npm_gate.js policy.json "$v/bundle.sigstore.json" changed.tgz; then
  echo "npm_gate accepted a changed artifact" >&2; exit 1
fi
echo "npm_gate: accepted the real artifact, refused the changed one"
