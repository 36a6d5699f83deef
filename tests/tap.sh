# tests/tap.sh: a minimal TAP producer for shell tests, sourced by tests/test_*.sh.
#   tap_ok "name" COMMAND...      passes when COMMAND exits 0
#   tap_check "name" CONDITION    passes when the given test(1) expression holds
#   tap_expect_input_error "name" COMMAND...   passes when COMMAND exits 2 with exactly one
#                                 line on stderr and nothing on stdout
#   tap_skip "name" "reason"      a test that cannot run here, and why
#   tap_done                      prints the plan and exits 1 if anything failed
#   within A B BOUND              succeeds when |A - B| <= BOUND x |B| (numbers compared in tests)
tap_n=0 tap_failed=0
tap_result() { # status name [diagnostic]
  tap_n=$((tap_n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else
    echo "not ok $tap_n - $2"; [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /'
    tap_failed=$((tap_failed + 1)); fi
}
tap_ok() { local name=$1; shift; local out; out=$("$@" 2>&1); tap_result $? "$name" "$out"; }
tap_check() { local name=$1; shift; test "$@"; tap_result $? "$name" "condition: $*"; }
tap_expect_input_error() {
  local name=$1; shift
  local err out rc
  err=$(mktemp); out=$("$@" 2>"$err"); rc=$?
  local lines; lines=$(wc -l <"$err")
  local msg; msg=$(cat "$err"); rm -f "$err"
  [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ -z "$out" ]
  tap_result $? "$name" "exit $rc, $lines stderr line(s): $msg${out:+ / stdout: $out}"
}
tap_skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
tap_done() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }
within() { awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= r * (b < 0 ? -b : b)) }'; }
# two run CSVs, both with data rows and as many, agree in every numeric column from time_s on, to
# 1e-7 relative: csv_close A B
csv_close() {
  [ -s "$1" ] && [ -s "$2" ] && [ "$(grep -vc '^#' "$1")" -gt 0 ] &&
    [ "$(grep -vc '^#' "$1")" -eq "$(grep -vc '^#' "$2")" ] || return 1
  paste "$1" "$2" | awk '!/^#/ { n = NF / 2
    for (i = 5; i <= n; i++) if ($i != $(i + n) && ($i - $(i + n)) ^ 2 > 1e-14 * $i ^ 2) bad = 1 }
    END { exit bad }'
}
