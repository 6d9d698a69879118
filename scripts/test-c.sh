#!/usr/bin/env bash
# Builds the C library, installs it into target/c-prefix, compiles the C tests and the C example
# with `gcc -std=c99 -Wall -Wextra -Werror` through pkg-config, and runs them.
#   scripts/test-c.sh             run the tests
#   scripts/test-c.sh --valgrind  run them under valgrind (0 errors and 0 leaks required)
set -Eeuo pipefail
# root, target_dir and the failing-step trap.
source "$(dirname "$0")/test-common.sh"
# A fresh machine may lack the tools; as root on Debian, fetch them rather than skip the checks.
need() {
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
  command -v "$1" >/dev/null || { echo "$1 is required (apt-get install $2)" >&2; exit 2; }
}
need pkg-config pkg-config
need nm binutils
valgrind=()
if [ "${1:-}" = "--valgrind" ]; then
  need valgrind valgrind
  valgrind=(valgrind --quiet --leak-check=full --suppressions="$root/tests/c/valgrind.supp" --show-leak-kinds=definite,indirect,possible
            --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1)
fi

prefix=$target_dir/c-prefix
scripts/install.sh --debug "$prefix" >/dev/null
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046
flags=(-std=c99 -Wall -Wextra -Werror -pedantic -g $(pkg-config --cflags domainsig))
libs=($(pkg-config --libs domainsig) -Wl,-rpath,"$prefix/lib" -pthread)
out=$target_dir/c-tests
mkdir -p "$out"

# The shared library exports the C ABI and nothing else, under its soname.
lib=$prefix/lib/libdomainsig.so.0
if nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^domainsig_' | grep . >/dev/null; then
  echo "libdomainsig exports symbols outside the domainsig_ prefix:" >&2
  nm -D --defined-only "$lib" | grep -v ' domainsig_' >&2
  exit 1
fi
readelf -d "$lib" | grep 'SONAME.*\[libdomainsig.so.0\]' >/dev/null || { echo "soname is not libdomainsig.so.0" >&2; exit 1; }
# Every function the header declares is exported (the trust door's included), and nothing else.
declared=$(grep -oE '\bdomainsig_[a-z_]+\(' include/domainsig.h | tr -d '(' | sort -u)
exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u)
if [ "$declared" != "$exported" ]; then
  echo "exports differ from the header's functions:" >&2; diff <(echo "$declared") <(echo "$exported") >&2; exit 1
fi
# The CLI's HTTP stack (ureq, rustls) stays out of what installers link: the library never opens
# a socket. Its symbol table (not stripped in this debug build) names every crate compiled in.
if nm -C "$lib" | grep -E ' (ureq|rustls)::' >/dev/null; then
  echo "libdomainsig links the CLI's HTTP client:" >&2; nm -C "$lib" | grep -E ' (ureq|rustls)::' | head >&2; exit 1
fi
echo "exports: $(nm -D --defined-only "$lib" | wc -l) domainsig_* symbols, soname libdomainsig.so.0"

gcc "${flags[@]}" tests/c/test_domainsig.c -o "$out/test_domainsig" "${libs[@]}"
gcc "${flags[@]}" examples/c_gate.c -o "$out/c_gate" "${libs[@]}"
# The header also compiles as C++ (cpp_compat), for installers written in it.
if command -v g++ >/dev/null; then
  echo '#include "domainsig.h"' | g++ -x c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only -I include -
fi

gcc "${flags[@]}" tests/c/test_vectors.c -o "$out/test_vectors" "${libs[@]}"

"${valgrind[@]}" "$out/test_domainsig" "$root/tests/vectors"

# The trust-update door: TUF repositories served over HTTP on 127.0.0.1 (copies of tests/tuf/doors
# and of Sigstore's real 2026-08-21 state), fetched through the C callback, then a real bundle
# verified with the trusted root that came out.
gcc "${flags[@]}" tests/c/test_trust.c -o "$out/test_trust" "${libs[@]}"
trust=$(mktemp -d)
mkdir "$trust/served"
cp -r tests/tuf/doors "$trust/served/doors"
cp -r tests/tuf/sigstore-public-good/2026-08-21 "$trust/served/public-good"
cp -r tests/tuf/publisher-map "$trust/served/publisher-map"
python3 -u - "$trust/served" >"$trust/port" 2>"$trust/server.log" <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$trust"' EXIT
for _ in $(seq 100); do [ -s "$trust/port" ] && break; sleep 0.1; done
"${valgrind[@]}" "$out/test_trust" "$(cat "$trust/port")" "$trust" "$root/tests/vectors"
kill "$server"
python3 tests/c/vector_manifest.py "$root/tests/vectors" "$out/vectors"
"${valgrind[@]}" "$out/test_vectors" "$out/vectors/manifest.tsv"

# The example, as its README shows it: accepted once, refused for a changed artifact.
v=$root/tests/vectors/conformance--happy-path-v0.3
happy_policy >"$out/policy.json"
"${valgrind[@]}" "$out/c_gate" "$out/policy.json" "$v/bundle.sigstore.json" "$v/artifact" pypi.org
printf 'tampered' >"$out/tampered"
if "${valgrind[@]}" "$out/c_gate" "$out/policy.json" "$v/bundle.sigstore.json" "$out/tampered" pypi.org; then
  echo "c_gate accepted a tampered artifact" >&2; exit 1
fi
echo "c_gate: accepted the real artifact, refused the tampered one"

# The static library links too, with the pkg-config file's private libraries.
# shellcheck disable=SC2046
gcc "${flags[@]}" examples/c_gate.c -o "$out/c_gate_static" \
  -Wl,-Bstatic -L"$prefix/lib" -ldomainsig -Wl,-Bdynamic $(pkg-config --static --libs-only-l domainsig | sed 's/-ldomainsig//')
"$out/c_gate_static" "$out/policy.json" "$v/bundle.sigstore.json" "$v/artifact" pypi.org >/dev/null
echo "c_gate (static): accepted the real artifact"
