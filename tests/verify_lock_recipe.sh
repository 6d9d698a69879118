#!/usr/bin/env bash
# The installer-neutral recipe end to end (docs/verify-lock.md): `domainsig verify-lock LOCK && INSTALLER`
# with the real uv, pip 26, npm and pnpm, against a PyPI index and an npm registry on 127.0.0.1
# serving real attestations and the real artifacts (tests/vectors' GitLab-published sdist, tests/npm's
# sigstore@1.0.0). Each installer installs the verified lock; after a refused lock (another file's
# hash) it is never reached; and run on that lock directly, each refuses the mismatched hash itself
# (the half of the pair the installer holds).
#
# Needs: the CLI built (DOMAINSIG=path, default target/debug/domainsig), python3, node and npm. uv,
# pip>=26, flit_core (the sdist's build backend) and pnpm are installed from their registries into a
# scratch folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DOMAINSIG=${DOMAINSIG:-$ROOT/target/debug/domainsig}
[ -x "$DOMAINSIG" ] || { echo "recipe: build the CLI first ($DOMAINSIG)"; exit 2; }
work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "recipe: FAIL: $*"; exit 1; }
# Every installer's cache in the scratch folder: nothing verified here is reused elsewhere, nothing
# cached elsewhere is reused here.
export PIP_CACHE_DIR="$work/pip-cache" UV_CACHE_DIR="$work/uv-cache" PIP_DISABLE_PIP_VERSION_CHECK=1

echo "recipe: tools from the registries"
python3 -m venv "$work/tools"
"$work/tools/bin/pip" install -q "pip>=26" uv
"$work/tools/bin/pip" download -q --no-deps --only-binary=:all: -d "$work/wheels" "flit_core>=3.5,<4"
npm install -q --prefix "$work/pnpm" pnpm@10 >/dev/null
PNPM="$work/pnpm/node_modules/.bin/pnpm"
"$work/tools/bin/pip" --version | grep -q "^pip 2[6-9]\|^pip [3-9]" || fail "pip 26 or later expected"

GITLAB=tests/vectors/pypi-attestations--gitlab_oidc_project-0.0.3-publish
SDIST=gitlab_oidc_project-0.0.3.tar.gz
NPMCASE=tests/npm/npm-cli--sigstore-1.0.0

# The index and the registry: one server, routes from files.
python3 - "$work" "$ROOT" >"$work/port" <<'EOF' &
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
work, root = sys.argv[1], sys.argv[2]
g = os.path.join(root, "tests/vectors/pypi-attestations--gitlab_oidc_project-0.0.3-publish")
n = os.path.join(root, "tests/npm/npm-cli--sigstore-1.0.0")
sdist = "gitlab_oidc_project-0.0.3.tar.gz"
att = json.load(open(os.path.join(g, "attestation.json")))
pub = json.load(open(os.path.join(g, "expect.json")))["trusted_publisher"]
prov = json.dumps({"version": 1, "attestation_bundles": [{"publisher": pub, "attestations": [att]}]}).encode()
sha = open(os.path.join(g, "artifact.sha256")).read().strip()
page = {"meta": {"api-version": "1.1"}, "name": "gitlab-oidc-project",
        "files": [{"filename": sdist, "url": f"/files/{sdist}", "hashes": {"sha256": sha}, "provenance": f"/prov/{sdist}"}]}
routes = {
    "/simple/gitlab-oidc-project/": (json.dumps(page).encode(), "application/vnd.pypi.simple.v1+json"),
    f"/prov/{sdist}": (prov, "application/json"),
    f"/files/{sdist}": (open(os.path.join(g, "artifact"), "rb").read(), "application/octet-stream"),
    "/-/npm/v1/attestations/sigstore@1.0.0": (open(os.path.join(n, "attestations.json"), "rb").read(), "application/json"),
    "/sigstore/-/sigstore-1.0.0.tgz": (open(os.path.join(n, "artifact.tgz"), "rb").read(), "application/octet-stream"),
}
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body, ctype = routes.get(self.path.split("?")[0], (b'{"error":"not found"}', "application/json"))
        self.send_response(200 if self.path.split("?")[0] in routes else 404)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        with open(os.path.join(work, "requests.log"), "a") as f:
            f.write(self.path + "\n")
srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
print(srv.server_address[1], flush=True)
srv.serve_forever()
EOF
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
PORT=$(cat "$work/port")
BASE="http://127.0.0.1:$PORT/"
SHA=$(cat "$GITLAB/artifact.sha256")
OTHER_SHA=$(sha256sum "$NPMCASE/artifact.tgz" | cut -d' ' -f1)
sri() { python3 -c 'import base64,hashlib,sys; print("sha512-" + base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"; }
SRI=$(sri "$NPMCASE/artifact.tgz")
OTHER_SRI=$(sri tests/npm/npm-cli--tuf-js-1.0.0/artifact.tgz)

# Policies: the GitLab publisher for the sdist; sigstore-js and npm's registry key for the
# tarball, the local registry an allowed mirror of registry.npmjs.org.
cat >"$work/py-policy.json" <<EOF
{"version": 1, "trusted_root": {"path": "$ROOT/tests/vectors/_roots/public-good-production.trusted_root.json"},
 "identities": [{"issuer": "https://gitlab.com", "san": "https://gitlab.com/facutuesca/gitlab-oidc-project//.gitlab-ci.yml@refs/heads/main"}],
 "domains": {"mode": "warn"}}
EOF
cat >"$work/npm-policy.json" <<EOF
{"version": 1, "trusted_root": {"path": "$ROOT/tests/vectors/_roots/public-good-production.trusted_root.json"},
 "identities": [{"issuer": "https://token.actions.githubusercontent.com", "san": "https://github.com/sigstore/sigstore-js/.github/workflows/publish.yml@refs/tags/v1.0.0"}],
 "keys": [{"path": "$ROOT/tests/npm/_keys/160677eb6e1c7083c89b166b20f8fe4e837fb71181506aff1991b80b89184f7d.keys.json", "usage": "npm:attestations", "domain": "registry.npmjs.org"}],
 "domains": {"mode": "require", "mirrors": {"127.0.0.1:$PORT": ["registry.npmjs.org"]}}}
EOF

pylock() { # pylock DIR SHA256
  mkdir -p "$1"
  cat >"$1/pylock.toml" <<EOF
lock-version = "1.0"
created-by = "domainsig recipe test"
requires-python = ">=3.8"

[[packages]]
name = "gitlab-oidc-project"
version = "0.0.3"
index = "${BASE}simple/"
sdist = { name = "$SDIST", url = "${BASE}files/$SDIST", size = $(stat -c %s "$GITLAB/artifact"), hashes = { sha256 = "$2" } }
[[packages.attestation-identities]]
kind = "GitLab"
repository = "facutuesca/gitlab-oidc-project"
workflow_filepath = ".gitlab-ci.yml"
EOF
}

python_recipe() { # python_recipe NAME INSTALL...  (run in a fresh venv holding the build backend)
  local name=$1; shift
  local venv="$work/venv-$name"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --no-index --find-links "$work/wheels" flit_core
  pylock "$work/$name-ok" "$SHA"
  (cd "$work/$name-ok" && "$DOMAINSIG" verify-lock pylock.toml --policy "$work/py-policy.json" && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" "$@") \
    || fail "$name: the verified lock did not install"
  "$venv/bin/python" -c "import gitlab_oidc_project" || fail "$name: gitlab_oidc_project not installed"
  python3 -m venv "$venv-refused"
  pylock "$work/$name-bad" "$OTHER_SHA"
  set +e
  (cd "$work/$name-bad" && "$DOMAINSIG" verify-lock pylock.toml --policy "$work/py-policy.json" >/dev/null && touch "$work/$name-reached" && VIRTUAL_ENV="$venv-refused" "$@")
  local rc=$?
  set -e
  [ "$rc" = 1 ] || fail "$name: verify-lock should exit 1 on another file's sha256 (got $rc)"
  [ ! -e "$work/$name-reached" ] || fail "$name: the installer was reached after a refused lock"
  # The other half of the pair: the installer itself refuses bytes whose hash is not the lock's.
  if (cd "$work/$name-bad" && VIRTUAL_ENV="$venv-refused" "$@" >"$work/$name-hash.log" 2>&1); then
    fail "$name: installed a file whose sha256 differs from the lock's"
  fi
  grep -qi "sha256" "$work/$name-hash.log" || fail "$name: refused the lock, but not for its hash: $(tail -3 "$work/$name-hash.log")"
  echo "recipe: $name ok (installed after verification; never reached after a refusal; checks the lock's hash itself)"
}

python_recipe uv "$work/tools/bin/uv" pip install --no-build-isolation -r pylock.toml
# pip 26 from the tools venv, installing into the recipe's venv ($VIRTUAL_ENV).
pip_install() { "$work/tools/bin/python" -m pip --python "$VIRTUAL_ENV/bin/python" install --no-build-isolation -r pylock.toml; }
python_recipe pip pip_install

package_lock() { # package_lock DIR INTEGRITY
  mkdir -p "$1"
  cat >"$1/package.json" <<EOF
{"name": "recipe", "version": "1.0.0", "private": true, "dependencies": {"sigstore": "1.0.0"}}
EOF
  cat >"$1/package-lock.json" <<EOF
{"name": "recipe", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
 "packages": {"": {"name": "recipe", "version": "1.0.0", "dependencies": {"sigstore": "1.0.0"}},
  "node_modules/sigstore": {"version": "1.0.0", "resolved": "${BASE}sigstore/-/sigstore-1.0.0.tgz", "integrity": "$2"}}}
EOF
  echo "registry=$BASE" >"$1/.npmrc"
}

pnpm_lock() { # pnpm_lock DIR INTEGRITY
  mkdir -p "$1"
  cat >"$1/package.json" <<EOF
{"name": "recipe", "version": "1.0.0", "private": true, "dependencies": {"sigstore": "1.0.0"}}
EOF
  cat >"$1/pnpm-lock.yaml" <<EOF
lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      sigstore:
        specifier: 1.0.0
        version: 1.0.0

packages:

  sigstore@1.0.0:
    resolution: {integrity: $2}

snapshots:

  sigstore@1.0.0: {}
EOF
  echo "registry=$BASE" >"$1/.npmrc"
}

node_recipe() { # node_recipe NAME LOCKFN LOCKFILE INSTALL...
  local name=$1 mk=$2 lockfile=$3; shift 3
  "$mk" "$work/$name-ok" "$SRI"
  (cd "$work/$name-ok" && "$DOMAINSIG" verify-lock "$lockfile" --policy "$work/npm-policy.json" && "$@") \
    || fail "$name: the verified lock did not install"
  [ -f "$work/$name-ok/node_modules/sigstore/package.json" ] || fail "$name: sigstore not installed"
  "$mk" "$work/$name-bad" "$OTHER_SRI"
  set +e
  (cd "$work/$name-bad" && "$DOMAINSIG" verify-lock "$lockfile" --policy "$work/npm-policy.json" >/dev/null && touch "$work/$name-reached" && "$@")
  local rc=$?
  set -e
  [ "$rc" = 1 ] || fail "$name: verify-lock should exit 1 on another tarball's integrity (got $rc)"
  [ ! -e "$work/$name-reached" ] || fail "$name: the installer was reached after a refused lock"
  [ ! -e "$work/$name-bad/node_modules/sigstore" ] || fail "$name: installed after a refusal"
  # The other half of the pair: the installer itself refuses a tarball whose sha512 is not the lock's.
  if (cd "$work/$name-bad" && "$@" >"$work/$name-hash.log" 2>&1); then
    fail "$name: installed a tarball whose integrity differs from the lock's"
  fi
  grep -qi "integrity\|sha512" "$work/$name-hash.log" || fail "$name: refused the lock, but not for its integrity: $(tail -3 "$work/$name-hash.log")"
  echo "recipe: $name ok (installed after verification; never reached after a refusal; checks the lock's integrity itself)"
}

export npm_config_cache="$work/npm-cache" npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
node_recipe npm package_lock package-lock.json npm ci --ignore-scripts --no-audit --no-fund
node_recipe pnpm pnpm_lock pnpm-lock.yaml "$PNPM" install --frozen-lockfile --ignore-scripts --store-dir "$work/pnpm-store"
echo "recipe: all four installers ok"
