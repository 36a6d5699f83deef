#!/usr/bin/env bash
# test_bad_inputs_sim.sh: inputs that used to crash daso-sim and daso-emulate, print SimGrid's or
# GSL's backtraces, or be taken without effect, now get one line on stderr and exit 2, with nothing
# on stdout and no file left in the (empty) folder the program runs in: a folder as --platform, a
# platform with a <zoneRoute> given twice in a Dijkstra zone (SimGrid segfaults on it), a
# hist: file whose times add up past the largest double (GSL's handler aborted), straggler
# factors out of range (SimGrid aborted on an infinite duration), a straggler on a GPU or node
# outside the run, an unknown --cfg name, a bad --cfg value, too small a stack and a bad --log.
# The emulation cases are skipped where daso-emulate is not built or smpirun is missing.
# Run from the project root: BUILD=build tests/test_bad_inputs_sim.sh
set -u
. "$(dirname "$0")/tap.sh"
B=$(cd "${BUILD:-build}" && pwd)
sim=$B/daso-sim emu=$B/daso-emulate
export DASO_MODELS=$(cd "${DASO_MODELS:-sim/models}" && pwd)
dup=$(pwd)/tests/fixtures/bad/platform_duplicate_zoneroute.xml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$B/daso-platform" --nodes 4 --gpus-per-node 2 --out "$tmp/p8.xml"
mkdir "$tmp/adir"
printf '1e308\n1.5e308\n' >"$tmp/hist_overflow.txt" # each finite, their sum is not

# refused NAME PATTERN COMMAND...: run in an empty folder, COMMAND exits 2 with one line on stderr
# that matches the extended regular expression PATTERN, nothing on stdout, and leaves the folder
# empty (no output, no temporary file)
refused() {
  local name=$1 pattern=$2; shift 2
  local run out rc lines msg left
  run=$(mktemp -d "$tmp/run.XXXXXX")
  out=$(cd "$run" && "$@" 2>"$tmp/err"); rc=$?
  lines=$(wc -l <"$tmp/err") msg=$(cat "$tmp/err") left=$(ls -A "$run")
  [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ -z "$out" ] && [ -z "$left" ] &&
    grep -Eq -- "$pattern" "$tmp/err"
  tap_result $? "$name" \
    "exit $rc, $lines stderr line(s): $msg${out:+ / stdout: $out}${left:+ / left: $left}"
}

run=(--platform "$tmp/p8.xml" --model fashion_mlp --epochs 1 --gpus-per-node 2 --quiet --nodes 1)

# --- daso-sim
refused "--platform naming a folder: one line naming it" "$tmp/adir: it is a folder" \
  "$sim" --platform "$tmp/adir" --nodes 1 --model fashion_mlp --epochs 1
refused "a <zoneRoute> given twice (SimGrid segfaults loading it)" "cannot load platform .*$dup" \
  "$sim" --platform "$dup" --nodes 1 --gpus-per-node 2 --model fashion_mlp --epochs 1 --out o.csv
refused "--compute-dist hist: times whose sum overflows" "compute-dist.*hist_overflow" \
  "$sim" "${run[@]}" --compute-dist "hist:$tmp/hist_overflow.txt" --out o.csv
refused "--gpu-speed-dist hist: times whose sum overflows" "gpu-speed-dist.*hist_overflow" \
  "$sim" "${run[@]}" --gpu-speed-dist "hist:$tmp/hist_overflow.txt" --out o.csv
refused "--straggler factor 1e308: refused, the range said" "1e-06, 1e\+06" \
  "$sim" "${run[@]}" --straggler gpu:0:1e308 --out o.csv
refused "--straggler factors that multiply past 1e6 on one GPU" "GPU 1 in epoch 0 .*1e\+08" \
  "$sim" "${run[@]}" --straggler gpu:1:1e4 --straggler node:0:1e4 --out o.csv
refused "--straggler on a GPU outside a 2-GPU run" "gpu:99.*0 to 1" \
  "$sim" "${run[@]}" --straggler gpu:99:2 --out o.csv
refused "--straggler on a node outside a 1-node run" "node:1.*0 to 0" \
  "$sim" "${run[@]}" --straggler node:1:2 --out o.csv
refused "--cfg=bogus:1: an unknown SimGrid option" "cfg=bogus:1.*bogus" \
  "$sim" "${run[@]}" --cfg=bogus:1 --out o.csv
refused "--cfg=network/model:nope: a value SimGrid refuses" "nope" \
  "$sim" "${run[@]}" --cfg=network/model:nope --out o.csv
refused "--cfg=contexts/stack-size:1: too small a stack" "stack-size.*64" \
  "$sim" "${run[@]}" --cfg=contexts/stack-size:1 --out o.csv
refused "--log=x: a bad logging string" "'x'" "$sim" "${run[@]}" --log=x --out o.csv
help=$("$sim" --help)
tap_check "--help says the straggler factors' range and the smallest stack" \
  "$(grep -c -e '\[1e-6, 1e6\]' -e 'at least 64' <<<"$help")" -eq 2

# --- daso-emulate
if [ -x "$emu" ] && [ -x "$B/daso-train-smpi" ] && command -v smpirun >/dev/null; then
  train=(-- --epochs 1 --train-limit 256 --test-limit 64 --out o.csv)
  refused "emulate: --platform naming a folder" "$tmp/adir: it is a folder" \
    "$emu" --platform "$tmp/adir" --nodes 1 -- --epochs 1
  refused "emulate: a <zoneRoute> given twice" "cannot load platform .*$dup" \
    "$emu" --platform "$dup" --nodes 1 --gpus-per-node 2 "${train[@]}"
  refused "emulate: --cfg=bogus:1" "bogus" \
    "$emu" --platform "$tmp/p8.xml" --nodes 1 --gpus-per-node 2 --cfg=bogus:1 "${train[@]}"
  refused "emulate: --cfg=smpi/bogus:1 (refused by SMPI itself)" "smpi/bogus" \
    "$emu" --platform "$tmp/p8.xml" --nodes 1 --gpus-per-node 2 --cfg=smpi/bogus:1 "${train[@]}"
  refused "emulate: --cfg=contexts/stack-size:512, too small for the ranks" "stack-size.*1024" \
    "$emu" --platform "$tmp/p8.xml" --nodes 1 --gpus-per-node 2 --cfg=contexts/stack-size:512 \
    "${train[@]}"
else
  for c in "--platform naming a folder" "a <zoneRoute> given twice" "--cfg=bogus:1" \
           "--cfg=smpi/bogus:1" "--cfg=contexts/stack-size:512"; do
    tap_skip "emulate: $c" "daso-emulate not built or smpirun missing (SMPI)"
  done
fi
tap_done
