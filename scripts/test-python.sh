#!/usr/bin/env bash
# Creates a fresh venv, `pip install ./bindings/python` (which builds the Rust library with
# setuptools-rust and places it inside the package), runs the pytest suite and the pip_gate example.
# Uses the dev cargo profile to share the test build's artifacts; DOMAINSIG_PY_PROFILE=release to
# build as a user would.
set -Eeuo pipefail
# root, target_dir and the failing-step trap.
source "$(dirname "$0")/test-common.sh"
py=$(command -v python3.11 || command -v python3)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$py" -m venv "$work/venv"
pip=("$work/venv/bin/python" -m pip --disable-pip-version-check -q)
SETUPTOOLS_RUST_CARGO_PROFILE=${DOMAINSIG_PY_PROFILE:-dev} CARGO_TARGET_DIR=$target_dir \
  "${pip[@]}" install "$root/bindings/python"
"${pip[@]}" install pytest mypy "pip>=26" flit_core  # the pip gate's tests run the pip users get; flit_core builds the GitLab sdist of test_pip_lock.py
rm -rf "$root/bindings/python/build" "$root/bindings/python/domainsig.egg-info"

"$work/venv/bin/python" -m mypy --strict --cache-dir "$work/mypy-cache" "$root/bindings/python/domainsig"

# Run from outside the source tree so the installed package (with its native library) is tested.
cd "$work"
"$work/venv/bin/python" -X importtime -c "import domainsig" 2>"$work/importtime"
echo "import domainsig: $(awk -F'|' '/ domainsig$/ {gsub(/ /,"",$2); print $2}' "$work/importtime") us cumulative"
DOMAINSIG_REPO=$root "$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$root/bindings/python/tests"

# The example on a real PEP 740 attestation (staging-signed rfc8785 wheel): the wheel passes under
# its own name and is refused when re-hosted under another name.
v=$root/tests/vectors/pypi-attestations--rfc8785-0.1.2-whl-attestation
cat >"$work/policy.json" <<'JSON'
{"version": 1, "trusted_root": "staging",
 "identities": [{"issuer": "https://github.com/login/oauth", "san": "william@yossarian.net"}],
 "domains": {"mode": "warn"}}
JSON
good=$work/rfc8785-0.1.2-py3-none-any.whl bad=$work/rfc8785-9.9.9-py3-none-any.whl
for f in "$good" "$bad"; do cp "$v/artifact" "$f"; cp "$v/attestation.json" "$f.publish.attestation"; done
"$work/venv/bin/python" "$root/examples/pip_gate.py" "$work/policy.json" test.pypi.org "$good"
if "$work/venv/bin/python" "$root/examples/pip_gate.py" "$work/policy.json" test.pypi.org "$bad"; then
  echo "pip_gate accepted a wheel re-hosted under another name" >&2; exit 1
fi
echo "pip_gate: accepted the wheel, refused it under another name"
