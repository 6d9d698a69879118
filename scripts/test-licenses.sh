#!/usr/bin/env bash
# Licences (./scripts/test runs this): every Rust dependency's licence is on the allow-list in
# deny.toml (cargo-deny), the project's own licence files are in the tree, and the Python and npm
# packages ship no third-party code of their own (their only third-party code is the Rust crates
# linked into the library, whose texts scripts/dist.sh writes to LICENSE-THIRD-PARTY).
# Installs cargo-deny (pinned, --locked) when it is missing: CI starts from a machine with Rust only.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "test-licenses: $*" >&2; exit 1; }

# The Apache-2.0 text the manifests name, and the vendored code's licence texts, in git.
tracked=$(git ls-files LICENSE NOTICE deny.toml vendor/tough/LICENSE-APACHE vendor/tough/LICENSE-MIT 2>/dev/null | wc -l)
[ "$tracked" = 5 ] || fail "LICENSE, NOTICE, deny.toml and vendor/tough/LICENSE-{APACHE,MIT} must be in git"
grep -q '^ *Apache License$' LICENSE && grep -q '^ *Version 2.0, January 2004$' LICENSE \
  || fail "LICENSE is not the Apache License 2.0 text"
for m in Cargo.toml vendor/tough/Cargo.toml bindings/node/package.json bindings/python/pyproject.toml; do
  grep -Eq '^ *"?license"? *[=:] *"(Apache-2.0|MIT OR Apache-2.0)"' "$m" || fail "$m declares no Apache-2.0 licence"
done
# Every vendored folder has its licence texts and a NOTICE entry.
for d in vendor/*/; do
  d=${d%/}
  ls "$d"/LICENSE* >/dev/null 2>&1 || fail "$d has no licence file"
  grep -q "$d" NOTICE || fail "NOTICE does not name $d"
done

# npm and Python: no dependencies, so nothing third-party is installed or bundled with them.
python3 - <<'PY' || fail "a binding gained dependencies: check their licences and extend this script"
import json, sys, tomllib
pkg = json.load(open("bindings/node/package.json"))
deps = [k for k in ("dependencies", "optionalDependencies", "peerDependencies", "bundleDependencies",
                    "bundledDependencies") if pkg.get(k)]
project = tomllib.load(open("bindings/python/pyproject.toml", "rb"))["project"]
if project.get("dependencies") or project.get("optional-dependencies"):
    deps.append("pyproject dependencies")
if deps:
    sys.exit(f"dependencies found: {deps}")
PY

# Rust: cargo-deny's licence check against deny.toml.
version=0.20.2
if ! cargo deny --version 2>/dev/null | grep -qx "cargo-deny $version"; then
  echo "installing cargo-deny $version (cargo install --locked)"
  start=$SECONDS
  cargo install --locked --quiet "cargo-deny@$version"
  echo "installed cargo-deny in $((SECONDS - start)) s"
fi
cargo deny --locked check licenses
