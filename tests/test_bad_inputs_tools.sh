#!/usr/bin/env bash
# test_bad_inputs_tools.sh: bad inputs to daso-emulate, daso-calibrate, daso-stats and
# experiments/run end with exit status 2 and one line on stderr, and leave nothing behind in the
# folder they run in (each case runs in an empty one):
#   daso-emulate    daso-train's status passed on, also when daso-train aborts the job (SMPI's
#                   MPI_Abort drops it: a checkpoint only rank 1 finds damaged)
#   daso-calibrate  no profile or batch times that daso-sim would refuse (trace events of
#                   "dur":0 or "dur":"x", batch times all alike); both outputs checked before
#                   the trace is read and committed together; no arguments: one line
#   daso-stats      an --out that is not a folder refused before the results are read; the files
#                   committed together (a folder in the way of one: none written)
#   experiments/run an unwritable --results: one line
# Inputs: tests/fixtures/bad (trace.json a valid daso-train trace of 4 batches,
# trace_zero_dur.json and trace_equal_dur.json traces daso-calibrate must refuse) and
# tests/fixtures/analysis. Run from the project root: BUILD=build tests/test_bad_inputs_tools.sh
set -u
. "$(dirname "$0")/tap.sh"
root=$(pwd)
B=$(cd "${BUILD:-build}" && pwd)
export DASO_MODELS=$(cd "${DASO_MODELS:-sim/models}" && pwd)
fix=$root/tests/fixtures/bad
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$B/daso-platform" --nodes 4 --gpus-per-node 2 --out "$tmp/p8.xml"
printf '\x00\xff\x13garbage\x00\x7f\n' >"$tmp/garbage.bin"

fresh() { rm -rf "$tmp/w" && mkdir "$tmp/w" && cd "$tmp/w"; } # an empty folder to run in
left() { find . -mindepth 1 | sort | tr '\n' ' '; }               # what a case left there

# --- daso-emulate: daso-train's status, also after an MPI_Abort
if [ -x "$B/daso-emulate" ] && [ -x "$B/daso-train" ]; then
  emu=("$B/daso-emulate" --platform "$tmp/p8.xml" --nodes 1 --gpus-per-node 2 --
       --strategy sync --epochs 1 --train-limit 256 --test-limit 64 --quiet)
  fresh
  tap_expect_input_error "daso-emulate: --out into a missing folder" "${emu[@]}" \
    --out /nonexistent/d/o.csv
  tap_check "... nothing left" "$(left)" = ""
  "${emu[@]}" --checkpoint "$tmp/ck" >/dev/null 2>&1
  tap_result $? "daso-emulate: a run that leaves a checkpoint"
  echo garbage >"$tmp/ck/rank1.ckpt" # rank 0 reads its own, then rank 1 aborts the job
  fresh
  tap_expect_input_error "daso-emulate: a checkpoint only rank 1 finds damaged (MPI_Abort)" \
    "${emu[@]}" --checkpoint "$tmp/ck" --resume
  tap_check "... nothing left" "$(left)" = ""
else
  tap_skip "daso-emulate cases" "needs $B/daso-emulate and $B/daso-train (SMPI, MPI, BLAS, zlib)"
fi

# --- daso-calibrate profile: nothing daso-sim would refuse
cal=("$B/daso-calibrate" profile --base fashion_mlp --name m)
fresh
tap_expect_input_error "daso-calibrate: trace events of \"dur\":0 and \"dur\":\"x\"" "${cal[@]}" \
  --trace "$fix/trace_zero_dur.json" --out m.profile
tap_check "... nothing written" "$(left)" = ""
printf '{"ph":"X","name":"forward-backward","dur":0}\n%.0s' 1 2 >"$tmp/zero.json"
tap_expect_input_error "daso-calibrate: trace events all of \"dur\":0 (a profile of 0 s)" \
  "${cal[@]}" --trace "$tmp/zero.json" --out m.profile
tap_check "... nothing written" "$(left)" = ""
tap_expect_input_error "daso-calibrate: trace events all of one duration (no distribution)" \
  "${cal[@]}" --trace "$fix/trace_equal_dur.json" --out m.profile
tap_check "... nothing written" "$(left)" = ""
"${cal[@]}" --trace "$fix/trace.json" --out m.profile >/dev/null
tap_ok "daso-calibrate: a valid trace's profile and batch times drive daso-sim" "$B/daso-sim" \
  --platform "$tmp/p8.xml" --nodes 1 --gpus-per-node 2 --model m.profile --strategy sync \
  --epochs 1 --quiet --compute-dist hist:m.times

# --- daso-calibrate profile: both outputs checked first, committed together
fresh
mkdir d
tap_expect_input_error "daso-calibrate: --out naming a folder" "${cal[@]}" \
  --trace "$fix/trace.json" --out d
tap_check "... the folder stays empty, nothing else written" "$(left)" = "./d "
err=$("${cal[@]}" --trace /nonexistent --out d 2>&1)
tap_check "... refused before the trace is read ($err)" "$(grep -c 'cannot write d' <<<"$err")" = 1
fresh
mkdir m.times
tap_expect_input_error "daso-calibrate: F.times a folder" "${cal[@]}" \
  --trace "$fix/trace.json" --out m.profile
tap_check "... no profile written without its batch times" "$(left)" = "./m.times "

# --- daso-calibrate without arguments
fresh
tap_expect_input_error "daso-calibrate: no arguments" "$B/daso-calibrate"
err=$("$B/daso-calibrate" 2>&1)
tap_check "... the line says what is missing and points at --help ($err)" \
  "$(grep -c 'profile, platform or scaling.*--help' <<<"$err")" = 1

# --- daso-stats --out
stats=("$B/daso-stats" "$root/tests/fixtures/analysis")
fresh
cp "$tmp/garbage.bin" garbage.bin
tap_expect_input_error "daso-stats: --out naming a file" "${stats[@]}" --out garbage.bin
cmp -s garbage.bin "$tmp/garbage.bin"
tap_result $? "... the file is unchanged"
mkfifo fifo
tap_expect_input_error "daso-stats: --out naming a FIFO" "${stats[@]}" --out fifo
tap_check "... still a FIFO, nothing else written" -p fifo -a "$(left)" = "./fifo ./garbage.bin "
fresh
mkdir -p o/curves.dat
tap_expect_input_error "daso-stats: a folder in the way of one output" "${stats[@]}" --out o
tap_check "... none of the others written" "$(left)" = "./o ./o/curves.dat "
"${stats[@]}" --out o2 >/dev/null
tap_check "daso-stats: all 10 outputs written otherwise, no temporary left" \
  "$(find o2 -type f | wc -l)" -eq 10 -a "$(find o2 -name '*.tmp.*' | wc -l)" -eq 0

# --- experiments/run --results
fresh
tap_expect_input_error "experiments/run: --results unwritable (/proc/r)" \
  env BUILD="$B" "$root/experiments/run" --results /proc/r "$root/experiments/demo-small.exp"
tap_check "... nothing left" "$(left)" = ""
tap_done
