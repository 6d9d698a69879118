#!/usr/bin/env bash
# Builds the release artifacts with scripts/dist.sh from the library the other suites already built
# (dev profile: one build per test run; DOMAINSIG_DIST_PROFILE=release to check a release build,
# DOMAINSIG_DIST_ZIG=1 to check the manylinux2014 build of `scripts/dist.sh --zig`) and
# installs each the way a user does, in clean folders, with cargo, rustc and every C compiler HIDDEN
# from PATH: the wheel into a fresh venv, the npm tarball into a fresh project (no node-gyp build may
# happen), the C archive unpacked and a C program (compiled before PATH is narrowed) linked against
# it through pkg-config. Each runs its example on a real bundle (accepted) and on the same bundle
# with one signature byte changed (refused, SIGNATURE_INVALID). Then the sdist is built from source
# outside the repository, as on a user's machine with Rust.
set -Eeuo pipefail
# root, target_dir and the failing-step trap.
source "$(dirname "$0")/test-common.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false
export npm_config_cache=$work/npm-cache PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
fail() { echo "test-dist: $*" >&2; exit 1; }
full_path=$PATH

out=$work/dist
scripts/dist.sh --profile "${DOMAINSIG_DIST_PROFILE:-dev}" ${DOMAINSIG_DIST_ZIG:+--zig} --out "$out"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
major=${version%%.*}

# --- the artifacts, named from Cargo.toml's version ------------------------------------------------
carchive=$out/domainsig-$version-x86_64-linux-gnu.tar.gz
sdist=$out/domainsig-$version.tar.gz
npmtgz=$out/domainsig-$version.tgz
for f in "$carchive" "$sdist" "$npmtgz"; do [ -f "$f" ] || fail "missing $(basename "$f")"; done
wheels=("$out"/domainsig-"$version"-py3-none-*.whl)
[ "${#wheels[@]}" = 1 ] && [ -f "${wheels[0]}" ] || fail "expected one py3-none wheel, found: ${wheels[*]}"
wheel=${wheels[0]}
# The tag is auditwheel's (scripts/dist.sh runs `auditwheel repair`): a manylinux tag, never the
# unrepaired linux_x86_64 that no index accepts.
case "$(basename "$wheel")" in *manylinux_*_x86_64.whl | *manylinux2014_x86_64.whl) ;;
  *) fail "wheel is not tagged manylinux: $(basename "$wheel")" ;; esac
echo "artifacts: $(cd "$out" && ls -- *.whl *.tar.gz *.tgz | tr '\n' ' ')"

# Contents a user relies on.
tar -tzf "$carchive" >"$work/c.list"
for f in lib/libdomainsig.so.$version lib/libdomainsig.so.$major lib/libdomainsig.so lib/libdomainsig.a \
         include/domainsig.h lib/pkgconfig/domainsig.pc; do
  grep -qx "domainsig-$version-x86_64-linux-gnu/$f" "$work/c.list" || fail "C archive lacks $f"
done
tar -tzf "$npmtgz" >"$work/npm.list"
for f in package/index.js package/index.d.ts package/addon.js package/package.json \
         package/prebuilds/linux-x64/node.napi.glibc.node package/src/addon.c package/binding.gyp; do
  grep -qx "$f" "$work/npm.list" || fail "npm tarball lacks ${f#package/}"
done
tar -xzOf "$npmtgz" package/prebuilds/linux-x64/node.napi.glibc.node >"$work/npm-prebuilt.node"
# One file: the library is linked in, so the addon needs no libdomainsig at run time.
if readelf -d "$work/npm-prebuilt.node" | grep 'NEEDED.*libdomainsig' >/dev/null; then fail "the addon needs libdomainsig.so"; fi
tar -tzf "$sdist" >"$work/sdist.list"
for f in setup.py pyproject.toml domainsig/__init__.py domainsig/_ffi.py rust/Cargo.toml rust/Cargo.lock \
         rust/build.rs rust/src/lib.rs rust/src/ffi.rs rust/include/domainsig.h rust/domainsig.map \
         rust/vendor/tough/Cargo.toml rust/vendor/tough/src/schema/de.rs; do
  grep -qx "domainsig-$version/$f" "$work/sdist.list" || fail "sdist lacks $f"
done
python3 - "$wheel" "$root/bindings/python/domainsig" <<'PY' || fail "wheel contents"
import os, sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
# Every module of the package folder ships (modules other engineers add included), plus the library.
want = {f"domainsig/{f}" for f in os.listdir(sys.argv[2]) if f.endswith((".py", ".typed"))}
want.add("domainsig/_native.so")
missing = sorted(want - names)
if missing:
    sys.exit(f"wheel lacks {missing}")
PY
# Licences: LICENSE and NOTICE as in the repository, and the linked crates' texts, in every artifact.
python3 - "$root" "$version" "$carchive" "$sdist" "$npmtgz" "$wheel" <<'PY' || fail "licence files"
import sys, tarfile, zipfile
root, version, carchive, sdist, npm, wheel = sys.argv[1:]
own = {n: open(f"{root}/{n}", "rb").read() for n in ("LICENSE", "NOTICE")}
def check(kind, files, prefix):
    for n in ("LICENSE", "NOTICE", "LICENSE-THIRD-PARTY"):
        data = files.get(prefix + n)
        if data is None:
            sys.exit(f"{kind} lacks {prefix}{n}")
        if n in own and data != own[n]:
            sys.exit(f"{kind}: {n} is not the repository's")
        if n == "LICENSE-THIRD-PARTY" and not all(c in data for c in (b"\naws-lc-rs ", b"\ntough 0.24.0")):
            sys.exit(f"{kind}: {n} does not list the linked crates")
def tar(path):
    with tarfile.open(path) as t:
        return {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}
check("C archive", tar(carchive), f"domainsig-{version}-x86_64-linux-gnu/")
check("sdist", tar(sdist), f"domainsig-{version}/")
check("npm tarball", tar(npm), "package/")
with zipfile.ZipFile(wheel) as z:
    files = {n: z.read(n) for n in z.namelist() if ".dist-info/" in n}
info = f"domainsig-{version}.dist-info/"
# setuptools >= 77 (PEP 639) keeps them under .dist-info/licenses/.
check("wheel", files, info + "licenses/")
if b"\nLicense-Expression: Apache-2.0\n" not in files.get(info + "METADATA", b""):
    sys.exit("wheel METADATA has no License-Expression: Apache-2.0")
PY

# --- test data: a real bundle and the same bundle with one signature byte changed ------------------
data=$work/data
mkdir -p "$data"
v=$root/tests/vectors/conformance--happy-path-v0.3
cp "$v/artifact" "$data/artifact"
cp "$v/bundle.sigstore.json" "$data/artifact.sigstore.json"
mkdir -p "$data/tampered"
cp "$v/artifact" "$data/tampered/artifact"
python3 - "$v/bundle.sigstore.json" "$data/tampered/artifact.sigstore.json" <<'PY'
import base64, json, sys
b = json.load(open(sys.argv[1]))
sig = bytearray(base64.b64decode(b["messageSignature"]["signature"]))
sig[-1] ^= 0x01
b["messageSignature"]["signature"] = base64.b64encode(bytes(sig)).decode()
json.dump(b, open(sys.argv[2], "w"))
PY
happy_policy >"$data/policy.json"

# --- C: unpack, compile against it with pkg-config (the last step that may use a compiler) ---------
mkdir -p "$work/c"
tar -xzf "$carchive" -C "$work/c"
cprefix=$work/c/domainsig-$version-x86_64-linux-gnu
# Not exported: aws-lc-sys's build script watches PKG_CONFIG_PATH, and the sdist build below would
# then recompile aws-lc instead of reusing it.
pkg-config() { PKG_CONFIG_PATH=$cprefix/lib/pkgconfig command pkg-config "$@"; }
[ "$(pkg-config --modversion domainsig)" = "$version" ] || fail "pkg-config version is not $version"
# The relocatable prefix resolves to where the archive was unpacked.
[ "$(cd "$(pkg-config --variable=libdir domainsig)" && pwd -P)" = "$(cd "$cprefix/lib" && pwd -P)" ] \
  || fail "pkg-config libdir does not point into the unpacked archive"
readelf -d "$cprefix/lib/libdomainsig.so.$version" | grep "SONAME.*\[libdomainsig.so.$major\]" >/dev/null \
  || fail "soname is not libdomainsig.so.$major"
# Nothing shipped needs a newer glibc than the wheel's tag promises (the npm addon and the C
# library are built from the same library, so they must run wherever the wheel does).
tag_glibc=$(basename "$wheel" | sed -n 's/.*manylinux_\([0-9]*\)_\([0-9]*\)_x86_64.*/\1.\2/p')
for f in "$cprefix/lib/libdomainsig.so.$version" "$work/npm-prebuilt.node"; do
  need=$(readelf -V "$f" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
  [ "$(printf '%s\n%s\n' "$need" "$tag_glibc" | sort -V | tail -1)" = "$tag_glibc" ] \
    || fail "$(basename "$f") needs glibc $need, newer than the wheel's manylinux_${tag_glibc/./_}"
done
echo "glibc: the library and the npm addon need at most $tag_glibc, as the wheel's tag says"
# shellcheck disable=SC2046
gcc -std=c99 -Wall -Wextra -Werror $(pkg-config --cflags domainsig) "$root/examples/c_gate.c" -o "$work/c_gate" \
  $(pkg-config --libs domainsig) -Wl,-rpath,"$(pkg-config --variable=libdir domainsig)"
ldd "$work/c_gate" >"$work/c_gate.ldd"
grep "libdomainsig.so.$major => $cprefix/lib/" "$work/c_gate.ldd" >/dev/null \
  || { cat "$work/c_gate.ldd" >&2; fail "c_gate does not load the archive's library"; }

# --- venv and npm project made now; everything from here runs without a toolchain -----------------
py=$(command -v python3.11 || command -v python3)
"$py" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q pytest "pip>=26" flit_core  # as test-python.sh: the gate tests run the pip users get; flit_core builds the GitLab sdist
mkdir -p "$work/app"
(cd "$work/app" && npm init -y >/dev/null)

narrow=$work/narrow-bin
# Coreutils a user has (the binding suites make FIFOs and endless writers with mkfifo and yes); no
# compiler, linker or cargo.
mkdir -p "$narrow"
for t in sh bash env node npm python3 pkg-config cat cp mkdir rm ls grep sed tr head tail uname dirname basename mkfifo yes; do
  p=$(command -v "$t") || fail "$t is needed"
  ln -s "$p" "$narrow/$t"
done
export PATH=$narrow
for t in cargo rustc cc gcc clang c++ g++ make zig; do
  if command -v "$t" >/dev/null; then fail "$t is still on the narrowed PATH"; fi
done
echo "PATH narrowed: no cargo, rustc, cc, gcc, c++, make"

expect_accept_refuse() {  # NAME: runs "$@" on the real then the tampered bundle
  local name=$1; shift
  "$@" "$data" >"$work/accept.out" 2>&1 || { cat "$work/accept.out" >&2; fail "$name refused the real bundle"; }
  if "$@" "$data/tampered" >"$work/refuse.out" 2>&1; then
    cat "$work/refuse.out" >&2; fail "$name accepted a tampered bundle"
  fi
  grep -q SIGNATURE_INVALID "$work/refuse.out" || { cat "$work/refuse.out" >&2; fail "$name refused for another reason"; }
  echo "$name: accepted the real bundle, refused the tampered one (SIGNATURE_INVALID)"
}

# C
c_gate() { "$work/c_gate" "$data/policy.json" "$1/artifact.sigstore.json" "$1/artifact" pypi.org; }
expect_accept_refuse "C archive (c_gate)" c_gate

# Python wheel: installed offline, no build step can run.
"$work/venv/bin/python" -m pip install -q --no-index "$wheel"
(cd "$work" && "$work/venv/bin/python" -c "
import domainsig, os
assert domainsig.version() == '$version', domainsig.version()
print('wheel: domainsig', domainsig.version(), 'from', os.path.dirname(domainsig.__file__))")
(cd "$work" && DOMAINSIG_REPO=$root "$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$root/bindings/python/tests" \
  >"$work/pytest.log" 2>&1) || { cat "$work/pytest.log" >&2; fail "the Python test suite failed on the wheel"; }
echo "wheel: $(tail -1 "$work/pytest.log")"
pip_gate() { (cd "$work" && "$work/venv/bin/python" "$root/examples/pip_gate.py" "$data/policy.json" pypi.org "$1/artifact"); }
expect_accept_refuse "Python wheel (pip_gate)" pip_gate

# npm tarball: the prebuilt addon must be used, with no compiler or node-gyp build.
(cd "$work/app" && npm install --offline --foreground-scripts "$npmtgz" >"$work/npm-install.log" 2>&1) \
  || { cat "$work/npm-install.log" >&2; fail "npm install of the tarball failed"; }
grep -q "using the prebuilt addon prebuilds/linux-x64/node.napi.glibc.node" "$work/npm-install.log" \
  || { cat "$work/npm-install.log" >&2; fail "npm install did not use the prebuilt addon"; }
pkg=$work/app/node_modules/domainsig
[ ! -e "$pkg/build" ] && [ ! -e "$pkg/native" ] || fail "npm install ran a source build (build/ or native/ exists)"
[ -f "$pkg/index.d.ts" ] || fail "TypeScript types did not ship"
(cd "$work/app" && node -e "
const d = require('domainsig');
if (d.version() !== '$version') throw new Error('version ' + d.version());
const addon = require('domainsig/addon.js').locate(require('path').dirname(require.resolve('domainsig')));
if (!addon.endsWith('prebuilds/linux-x64/node.napi.glibc.node')) throw new Error('loaded ' + addon);
console.log('npm: domainsig', d.version(), 'require() loads', addon.split('node_modules/')[1]);")
# ESM import sees every export that require() does.
(cd "$work/app" && node --input-type=module -e "
import * as esm from 'domainsig';
import { Policy, VerificationError, STATUS } from 'domainsig';
import { createRequire } from 'node:module';
const cjs = createRequire(import.meta.url)('domainsig');
const missing = Object.keys(cjs).filter((k) => !(k in esm));
if (missing.length) throw new Error('ESM import lacks ' + missing);
if (typeof Policy.fromJSON !== 'function' || !VerificationError || STATUS.OK !== 0) throw new Error('named imports');
console.log('npm: ESM import has', Object.keys(cjs).join(', '));")
(cd "$work/app" && DOMAINSIG_REPO=$root node --test node_modules/domainsig/test/ >"$work/node-test.log" 2>&1) \
  || { cat "$work/node-test.log" >&2; fail "the Node test suite failed on the prebuilt addon"; }
echo "npm: node --test: $(grep -E '^# (pass|fail) ' "$work/node-test.log" | tr '\n' ' ')"
cp "$root/examples/npm_gate.js" "$work/app/"
npm_gate() { (cd "$work/app" && node npm_gate.js "$data/policy.json" "$1/artifact.sigstore.json" "$1/artifact"); }
expect_accept_refuse "npm tarball (npm_gate)" npm_gate

# --- the sdist builds from source outside the repository (this part needs Rust) --------------------
export PATH=$full_path
# The dev profile whatever the artifacts' profile: it proves the sdist builds, reusing the test build.
profile=${DOMAINSIG_SDIST_PROFILE:-dev}
"$py" -m venv "$work/venv-sdist"
# The shared target dir lets cargo reuse the dependencies already built; only the crate recompiles.
(cd "$work" && SETUPTOOLS_RUST_CARGO_PROFILE=$profile CARGO_TARGET_DIR=$target_dir \
  "$work/venv-sdist/bin/python" -m pip install -q "$sdist")
(cd "$work" && "$work/venv-sdist/bin/python" -c "import domainsig; assert domainsig.version() == '$version'")
pip_gate_sdist() { (cd "$work" && "$work/venv-sdist/bin/python" "$root/examples/pip_gate.py" "$data/policy.json" pypi.org "$1/artifact"); }
expect_accept_refuse "Python sdist built from source (pip_gate)" pip_gate_sdist
