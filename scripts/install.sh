#!/usr/bin/env bash
# Builds libdomainsig and installs the C library, header and pkg-config file under a prefix:
#   scripts/install.sh [--debug] PREFIX
# PREFIX/lib/libdomainsig.so.VERSION (+ .so.0 soname link, .so dev link), libdomainsig.a,
# PREFIX/include/domainsig.h, PREFIX/lib/pkgconfig/domainsig.pc.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=release
if [ "${1:-}" = "--debug" ]; then profile=debug; shift; fi
prefix=${1:?usage: scripts/install.sh [--debug] PREFIX}
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)

if [ "$profile" = release ]; then cargo build --lib --release; else cargo build --lib; fi
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
target=${CARGO_TARGET_DIR:-target}/$profile

install -d "$prefix/lib/pkgconfig" "$prefix/include"
install -m 0755 "$target/libdomainsig.so" "$prefix/lib/libdomainsig.so.$version"
ln -sf "libdomainsig.so.$version" "$prefix/lib/libdomainsig.so.0"
ln -sf "libdomainsig.so.0" "$prefix/lib/libdomainsig.so"
install -m 0644 "$target/libdomainsig.a" "$prefix/lib/libdomainsig.a"
install -m 0644 include/domainsig.h "$prefix/include/domainsig.h"
sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" domainsig.pc.in >"$prefix/lib/pkgconfig/domainsig.pc"
echo "installed domainsig $version ($profile) under $prefix"
