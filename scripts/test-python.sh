#!/usr/bin/env bash
# Creates a fresh venv, `pip install ./bindings/python` (which builds the Rust library with
# setuptools-rust and places it inside the package), runs the pytest suite and the pip_gate example.
# Uses the dev cargo profile to share the test build's artifacts; DOMAINSIG_PY_PROFILE=release to
# build as a user would.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
py=$(command -v python3.11 || command -v python3)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$py" -m venv "$work/venv"
pip=("$work/venv/bin/python" -m pip --disable-pip-version-check -q)
SETUPTOOLS_RUST_CARGO_PROFILE=${DOMAINSIG_PY_PROFILE:-dev} CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target} \
  "${pip[@]}" install "$root/bindings/python"
"${pip[@]}" install pytest
rm -rf "$root/bindings/python/build" "$root/bindings/python/domainsig.egg-info"

# Run from outside the source tree so the installed package (with its native library) is tested.
cd "$work"
"$work/venv/bin/python" -X importtime -c "import domainsig" 2>"$work/importtime"
echo "import domainsig: $(awk -F'|' '/ domainsig$/ {gsub(/ /,"",$2); print $2}' "$work/importtime") us cumulative"
DOMAINSIG_REPO=$root "$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$root/bindings/python/tests"

# The example: the real artifact passes, a changed copy is refused.
v=$root/tests/vectors/conformance--happy-path-v0.3
cat >"$work/policy.json" <<'JSON'
{"version": 1, "trusted_root": "public-good",
 "identities": [{"issuer": "https://token.actions.githubusercontent.com",
   "san": "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"}],
 "domains": {"mode": "ignore"}}
JSON
cp "$v/artifact" "$work/good.txt"; cp "$v/bundle.sigstore.json" "$work/good.txt.sigstore.json"
printf 'changed' >"$work/bad.txt"; cp "$v/bundle.sigstore.json" "$work/bad.txt.sigstore.json"
"$work/venv/bin/python" "$root/examples/pip_gate.py" "$work/policy.json" pypi.org "$work/good.txt"
if "$work/venv/bin/python" "$root/examples/pip_gate.py" "$work/policy.json" pypi.org "$work/bad.txt"; then
  echo "pip_gate accepted a changed artifact" >&2; exit 1
fi
echo "pip_gate: accepted the real artifact, refused the changed one"
