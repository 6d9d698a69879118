#!/usr/bin/env bash
# Compares domainsig with sigstore-python and sigstore-js on the same bundles in one run, and
# prints a table of every performance target (README "Performance"). Installs the peers from PyPI
# and npm into target/bench/. Takes a few minutes; not part of the test command (numbers, not
# pass/fail, on a noisy machine).
set -euo pipefail
cd "$(dirname "$0")/.."
B=target/bench
mkdir -p "$B"
echo "==> building (release)"
cargo build --release --quiet
if [ ! -x "$B/venv/bin/python" ]; then
  python3 -m venv "$B/venv"
fi
"$B/venv/bin/pip" install --quiet --disable-pip-version-check "sigstore==4.5.1"
CARGO_TARGET_DIR="$PWD/target" "$B/venv/bin/pip" install --quiet --disable-pip-version-check ./bindings/python
if [ ! -d "$B/npm/node_modules/@sigstore/verify" ]; then
  mkdir -p "$B/npm"
  (cd "$B/npm" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund \
     @sigstore/verify@4.1.3 @sigstore/bundle @sigstore/protobuf-specs)
fi
echo "==> criterion (floor, whole bundle, hashing)"
cargo bench --quiet --bench verify -- --noplot >"$B/criterion.log" 2>&1 || { tail -30 "$B/criterion.log"; exit 1; }
echo "==> peers"
"$B/venv/bin/python" scripts/bench_peers.py "$B"
echo "==> gating an npm lockfile: 1000 packages, 2000 virtual-Sigstore bundles (examples/gate_lockfile.rs)"
cargo run --release --quiet --example gate_lockfile -- 1000 2>/dev/null
