# shellcheck shell=bash
# The start every scripts/test-*.sh shares (sourced right after `set -Eeuo pipefail`): run from the
# repository's top (`root`), name the failing step, and find the cargo target folder (`target_dir`).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
# A failing step names itself (set -e alone exits without a word).
script_name=${0##*/}
trap 'echo "$script_name: FAILED (exit $?) at line $LINENO: $BASH_COMMAND" >&2' ERR
# CARGO_TARGET_DIR may be unset, relative (to the repository, where cargo runs) or absolute; steps
# below run from other folders (pip's and npm's builds), so it is made absolute once, here.
if [ -n "${CARGO_TARGET_DIR:-}" ]; then
  case "$CARGO_TARGET_DIR" in /*) ;; *) export CARGO_TARGET_DIR=$root/$CARGO_TARGET_DIR ;; esac
fi
target_dir=${CARGO_TARGET_DIR:-$root/target}
# The policy tests/vectors/conformance--happy-path-v0.3 passes (signer, public-good root), on stdout:
# the examples are run with it, accepting that vector and refusing it tampered.
happy_policy() {
  cat <<'JSON'
{"version": 1, "trusted_root": "public-good",
 "identities": [{"issuer": "https://token.actions.githubusercontent.com",
   "san": "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"}],
 "domains": {"mode": "ignore"}, "subject": {"require_name": false}}
JSON
}
