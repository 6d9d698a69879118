#!/usr/bin/env bash
# Fuzz smoke run: every cargo-fuzz target for a few seconds, seeded from the real vectors.
# Long runs: FUZZ_SECONDS=600 scripts/test-fuzz.sh [target...]
# Needs a nightly toolchain (libFuzzer instrumentation); installs cargo-fuzz from crates.io.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = "--valgrind" ] && shift
SECONDS_EACH="${FUZZ_SECONDS:-8}"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "fuzz: no nightly toolchain on this machine (libFuzzer needs one); skipping the smoke run"
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --quiet
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd fuzz && cargo fuzz list)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed() { # seed TARGET: vectors' relevant files into a fresh corpus (plus committed regressions)
  local t="$1" dir="$work/$1"
  mkdir -p "$dir"
  [ -d "fuzz/regressions/$t" ] && cp fuzz/regressions/"$t"/* "$dir"/ 2>/dev/null || true
  case "$t" in
    bundle_verify|pep740) find tests/vectors -name 'bundle.sigstore.json' -o -name 'attestation.json' | while read -r f; do cp "$f" "$dir/$(echo "$f" | md5sum | cut -c1-16)"; done
      python3 scripts/fuzz_seeds.py "$t" "$dir" ;;
    trust_root_parse) find tests/vectors -name '*trusted_root.json' | while read -r f; do cp "$f" "$dir/$(echo "$f" | md5sum | cut -c1-16)"; done
      python3 scripts/fuzz_seeds.py "$t" "$dir" ;;
    policy_parse) cp examples/*/policy*.json "$dir"/ 2>/dev/null || true ;;
    tuf_update) # the tests' valid repository, its files in the order the target splits them
      d=tests/tuf/doors
      { printf '\n--\n'; cat "$d/timestamp.json"; printf '\n--\n'; cat "$d/1.snapshot.json"; printf '\n--\n'; cat "$d/1.targets.json"; printf '\n--\n'; cat "$d"/targets/*; } >"$dir/doors"
      # signed delegation trees (tag 0xD7): a 255-role chain, 70 roles under targets, a small mixed tree
      printf '\xd7\xff\xff' >"$dir/tree-chain"
      python3 -c 'import sys; sys.stdout.buffer.write(b"\xd7" + b"\x00\x82" * 70)' >"$dir/tree-wide"
      printf '\xd7\x00\x00\x01\x01\x02\x06\x00\x04\xff\x09' >"$dir/tree-mixed"
      # the same shapes delegated by hash prefix (tag 0xD8), the update asking for map entries
      printf '\xd8\x00\x00\x00\x02\x01\x82\x01\x83\x02\x84\xff\x03' >"$dir/bins-mixed"
      python3 -c 'import sys; sys.stdout.buffer.write(b"\xd8" + b"\x00\x82" * 20 + b"\x01\x82" * 20)' >"$dir/bins-wide" ;;
    *) python3 scripts/fuzz_seeds.py "$t" "$dir" ;;
  esac
}
status=0
for t in "${targets[@]}"; do
  seed "$t"
  echo "fuzz: $t for ${SECONDS_EACH}s"
  rm -rf "fuzz/artifacts/$t"
  if (cd fuzz && cargo +nightly fuzz run -s none -O "$t" "$work/$t" -- \
        -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1) >"$work/$t.log" 2>&1; then
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$work/$t.log" | tr '\n' ' '; echo
  else
    echo "fuzz: $t FAILED (crash, timeout, oom or build error):"; tail -40 "$work/$t.log"; status=1
  fi
done
exit $status
