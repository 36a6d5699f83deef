#!/usr/bin/env bash
# test_fuzz.sh: a short run of every libFuzzer target of the input parsers (tests/fuzz/fuzz_NAME.c,
# built by make into $BUILD/fuzz/ when clang is found): each runs FUZZ_S seconds (default 3)
# from its seeds (tests/fuzz/corpus/NAME, only read; what it adds goes to a temporary folder),
# and passes when it ran more inputs than it has seeds, every seed among them, and found no
# crash (a sanitizer's report, an input taking over 10 s, memory over 2 GB). A target whose
# components are missing is not built and is skipped. Long runs: make fuzz FUZZ_S=600.
# Run from the project root: BUILD=build tests/test_fuzz.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
S=${FUZZ_S:-3}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$shm/daso-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

for src in tests/fuzz/fuzz_*.c; do
  name=${src#tests/fuzz/fuzz_}
  name=${name%.c}
  bin=$B/fuzz/fuzz_$name
  if [ ! -x "$bin" ]; then
    tap_skip "fuzz_$name" "not built: a component it needs is missing (see the banner)"
    continue
  fi
  seeds=$(find "tests/fuzz/corpus/$name" -type f | wc -l)
  mkdir "$tmp/$name"
  TMPDIR=$tmp "$bin" -max_total_time="$S" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$tmp/$name/" "$tmp/$name" "tests/fuzz/corpus/$name" >"$tmp/$name.log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/$name.log")
  [ "$rc" -eq 0 ] && [ "$seeds" -gt 0 ] && [ "${runs:-0}" -gt "$seeds" ]
  tap_result $? "fuzz_$name: ${runs:-no} inputs in $S s from its $seeds seeds, no crash" \
    "exit $rc; $(grep -m4 -E 'ERROR|runtime error|deadly|SUMMARY|Test unit' "$tmp/$name.log")"
done
tap_done
