#!/usr/bin/env bash
# test_experiments.sh: the experiment runner, experiments/run. A tiny simulated experiment (ResNet-50,
# 2 epochs, 1 and 2 nodes, daso and sync) writes one CSV and one log per run, runs.tsv and a
# manifest with the commit; a second invocation redoes nothing; after one CSV is deleted only that
# run is redone; a tiny real experiment (2 ranks, a prefix of Fashion-MNIST, 1 epoch) works;
# platform variants are generated; --dry-run prints the commands and writes nothing; a failing run
# is reported and the others still finish; malformed experiment files get one stderr line and
# exit code 2 and create nothing. The shipped experiment files are all checked with --dry-run; an
# emulated experiment's commands run daso-emulate; with --jobs 2, stub programs show the
# simulations running together and each emulated run alone.
# Run from the project root: BUILD=build tests/test_experiments.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
export BUILD=$B
run=experiments/run
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export DASO_MODELS=${DASO_MODELS:-sim/models}
mtimes() { stat -c '%n %Y.%y' "$@" 2>/dev/null; }
have_sim=0; [ -x "$B/daso-sim" ] && have_sim=1
have_real=0; [ -x "$B/daso-train" ] && command -v mpiexec >/dev/null && have_real=1

cat >"$tmp/tiny.exp" <<'EOF'
# a tiny simulated experiment for the tests
name        tiny
backend     sim
platform    platforms/juwels_booster.xml
model       resnet50
nodes       1 2
gpus_per_node 4
strategies  daso sync
epochs      2
EOF
res=$tmp/res
out=$res/tiny

if [ $have_sim -eq 1 ]; then
  # --- dry run: the commands, nothing written
  $run --dry-run --results "$res" "$tmp/tiny.exp" >"$tmp/dry.out" 2>"$tmp/dry.err"
  tap_result $? "--dry-run exits 0"
  tap_check "--dry-run prints one daso-sim command per run" "$(grep -c '^build/daso-sim\|daso-sim ' "$tmp/dry.out")" -eq 4
  grep -q -- '--out [^ ]*/tiny/sim-daso-n2-g4-s1.csv' "$tmp/dry.out"
  tap_result $? "--dry-run: the command writes the run's CSV into the results folder"
  tap_check "--dry-run writes nothing" ! -e "$res"

  # --- first invocation: every run
  $run --results "$res" "$tmp/tiny.exp" >"$tmp/run1.out" 2>"$tmp/run1.err"
  tap_result $? "tiny experiment runs (exit 0)" "$(cat "$tmp/run1.err")"
  ids="sim-daso-n1-g4-s1 sim-daso-n2-g4-s1 sim-sync-n1-g4-s1 sim-sync-n2-g4-s1"
  ok=0; for id in $ids; do [ -s "$out/$id.csv" ] && [ -s "$out/$id.log" ] || ok=1; done
  tap_result $ok "one CSV and one log per run ($ids)" "$(ls "$out" 2>&1)"
  ok=0; for id in $ids; do [ "$(grep -vc '^#' "$out/$id.csv")" -eq 2 ] || ok=1; done
  tap_result $ok "each CSV has the 2 epochs"
  tap_check "progress: one '[k/4] runid seconds s' line per run" \
    "$(grep -cE '^\[[1-4]/4\] sim-(daso|sync)-n[12]-g4-s1 [0-9]+\.[0-9] s$' "$tmp/run1.err")" -eq 4
  tap_check "runs.tsv: a '#' header and one row per run" \
    "$(grep -c '^#' "$out/runs.tsv") $(grep -vc '^#' "$out/runs.tsv")" = "1 4"
  awk -F'\t' '!/^#/ && !($2 == "sim" && $4 ~ /^[12]$/ && $5 == 4 && $6 == 1 && $8 == "resnet50" && $9 == $1 ".csv") { bad = 1 }
    END { exit bad }' "$out/runs.tsv"
  tap_result $? "runs.tsv rows: backend, nodes, GPUs per node, seed, model, csv" "$(cat "$out/runs.tsv")"
  commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
  grep -q "^commit *$commit" "$out/manifest.txt"
  tap_result $? "manifest has the commit ($commit)"
  grep -q '^strategies  daso sync' "$out/manifest.txt" && grep -q '^simgrid ' "$out/manifest.txt" &&
    grep -q '^cores ' "$out/manifest.txt"
  tap_result $? "manifest has the experiment file, tool versions and cores"

  # --- second invocation: nothing redone
  mtimes "$out"/*.csv "$out"/*.log >"$tmp/m1"
  $run --results "$res" "$tmp/tiny.exp" >/dev/null 2>"$tmp/run2.err"
  tap_result $? "second invocation exits 0"
  grep -q '4 runs, 4 done already (skipped), 0 to run' "$tmp/run2.err"
  tap_result $? "second invocation skips all 4 runs" "$(cat "$tmp/run2.err")"
  mtimes "$out"/*.csv "$out"/*.log >"$tmp/m2"
  cmp -s "$tmp/m1" "$tmp/m2"; tap_result $? "second invocation touches no CSV or log"

  # --- one CSV deleted: only that run is redone
  rm "$out/sim-sync-n2-g4-s1.csv"
  $run --results "$res" "$tmp/tiny.exp" >/dev/null 2>"$tmp/run3.err"
  tap_result $? "after deleting one CSV: exit 0"
  tap_check "only the deleted run is redone" "$(grep -E '^\[' "$tmp/run3.err" | awk '{ print $1, $2 }')" = "[1/1] sim-sync-n2-g4-s1"
  mtimes "$out"/*.csv >"$tmp/m3"
  tap_check "the other CSVs are untouched" "$(diff "$tmp/m1" "$tmp/m3" | grep -c '^>')" -eq 1
  tap_check "the deleted CSV is back and listed in runs.tsv" \
    "$([ -s "$out/sim-sync-n2-g4-s1.csv" ] && grep -vc '^#' "$out/runs.tsv")" = 4

  # --- interrupted (SIGTERM) after the first run: exit 130, no unfinished output, the rest next time
  "$run" --jobs 1 --results "$tmp/int" "$tmp/tiny.exp" >/dev/null 2>"$tmp/int.err" &
  rp=$!
  for _ in $(seq 300); do grep -q '^\[1/4\]' "$tmp/int.err" && break; sleep 0.1; done
  kill -TERM $rp; wait $rp; rc=$?
  tap_check "interrupted: exit status 130" $rc -eq 130
  csvs=("$tmp/int/tiny/"*.csv)
  tap_check "interrupted: the finished run is kept, nothing unfinished left" \
    "${#csvs[@]} $(compgen -G "$tmp/int/tiny/*.tmp*" | wc -l)" = "1 0"
  "$run" --results "$tmp/int" "$tmp/tiny.exp" >/dev/null 2>"$tmp/int2.err"
  tap_check "after the interruption only the 3 other runs are made" \
    "$(grep -c '^\[' "$tmp/int2.err") $(grep -vc '^#' "$tmp/int/tiny/runs.tsv")" = "3 4"

  # --- sweeps and generated platform variants
  cat >"$tmp/sweep.exp" <<'EOF'
name          sweep
backend       sim
model         resnet50
nodes         2
gpus_per_node 2
strategies    daso
epochs        1
platform_gen  --hca-bw 12.5e9 25e9
sweep         --max-global-skips 4 8
EOF
  $run --results "$res" "$tmp/sweep.exp" >/dev/null 2>"$tmp/sweep.err"
  tap_result $? "a sweep over platform variants and an option runs" "$(cat "$tmp/sweep.err")"
  (cd "$res/sweep" && printf '%s ' *.csv) >"$tmp/sweep.ls"
  tap_check "run ids name the variant and the swept value" "$(cat "$tmp/sweep.ls")" = \
    "sim-daso-n2-g2-s1-hca-bw12.5e9-max-global-skips4.csv sim-daso-n2-g2-s1-hca-bw12.5e9-max-global-skips8.csv sim-daso-n2-g2-s1-hca-bw25e9-max-global-skips4.csv sim-daso-n2-g2-s1-hca-bw25e9-max-global-skips8.csv "
  grep -q 'hca-bw 12.5e9' "$res/sweep/platforms/hca-bw12.5e9-g2.xml" 2>/dev/null
  tap_result $? "the platform variant is generated with daso-platform"
  tap_check "runs.tsv has a column per varied option" \
    "$(head -1 "$res/sweep/runs.tsv" | tr '\t' ' ')" = "# runid backend strategy nodes gpus_per_node seed platform model hca_bw max_global_skips csv"

  # --- a failing run (a broken profile): reported, log kept, the other run finishes, exit 1
  grep -v '^epochs' "$DASO_MODELS/resnet50.profile" >"$tmp/broken.profile"
  printf '%s\n' "name fail" "backend sim" "platform platforms/local_2core.xml" \
    "model resnet50 $tmp/broken.profile" "nodes 1" "gpus_per_node 2" "strategies sync" "epochs 1" >"$tmp/fail.exp"
  $run --results "$res" "$tmp/fail.exp" >/dev/null 2>"$tmp/fail.err"
  rc=$?
  tap_check "a failing run makes the runner exit 1" $rc -eq 1
  f=$(ls "$res/fail/"*broken.profile-sync-n1-g2-s1.log 2>/dev/null)
  grep -q 'broken.profile-sync-n1-g2-s1 FAILED (exit 2)' "$tmp/fail.err" && [ -s "$f" ] && [ ! -e "${f%.log}.csv" ]
  tap_result $? "the failed run is reported, its log kept, no CSV" "$(cat "$tmp/fail.err")"
  [ -s "$res/fail/sim-resnet50-sync-n1-g2-s1.csv" ]
  tap_result $? "the other run still finishes"
else
  tap_skip "simulated experiments" "needs $B/daso-sim (SimGrid)"
fi

# --- a real-backend tiny experiment
if [ $have_real -eq 1 ]; then
  cat >"$tmp/real.exp" <<'EOF'
name          tinyreal
backend       real
model         mlp
nodes         1
gpus_per_node 2
strategies    daso
seeds         1
epochs        1
options       --train-limit 2000 --test-limit 500
EOF
  $run --results "$res" "$tmp/real.exp" >/dev/null 2>"$tmp/real.err"
  tap_result $? "a real experiment runs (2 ranks, 1 epoch)" "$(cat "$tmp/real.err"; cat "$res/tinyreal/"*.log 2>/dev/null)"
  tap_check "real run: CSV with one epoch" "$(grep -vc '^#' "$res/tinyreal/real-daso-n1-g2-s1.csv" 2>/dev/null)" = 1
  grep -q 'replicas identical' "$res/tinyreal/real-daso-n1-g2-s1.log" 2>/dev/null
  tap_result $? "real run: the log has daso-train's output"
  awk -F'\t' '!/^#/ { n++; ok = ($2 == "real" && $6 == 1 && $7 == "-" && $8 == "mlp") } END { exit !(n == 1 && ok) }' \
    "$res/tinyreal/runs.tsv"
  tap_result $? "real run: runs.tsv row" "$(cat "$res/tinyreal/runs.tsv")"
  $run --dry-run --results "$tmp/none" "$tmp/real.exp" | grep -q "^MPIR_CVAR_POLLS_BEFORE_YIELD=1 mpiexec -n 2 $B/daso-train --gpus-per-node 2 --model mlp --strategy daso --seed 1 --epochs 1 --train-limit 2000"
  tap_result $? "real --dry-run prints the mpiexec command"
else
  tap_skip "real experiment" "needs $B/daso-train and mpiexec (MPI, OpenBLAS, zlib)"
fi

# --- malformed experiment files: one line, exit 2, no results folder
# bad NAME LINE-TO-DROP LINE-TO-ADD
bad() {
  local name=$1 drop=$2 add=$3 f=$tmp/bad-$RANDOM.exp
  { grep -v "^$drop" "$tmp/tiny.exp"; [ -n "$add" ] && echo "$add"; } >"$f"
  tap_expect_input_error "$name" "$run" --results "$tmp/badres" "$f"
}
bad "unknown key" "#" "colour blue"
bad "missing name" "name" ""
bad "bad number in nodes" "nodes" "nodes 1 2x"
bad "unknown strategy" "strategies" "strategies daso gossip"
bad "missing platform file" "platform" "platform platforms/no-such-platform.xml"
bad "unknown backend" "backend" "backend gpu"
bad "duplicate key" "#" "epochs 3"
bad "option the program does not have" "#" "options --turbo 1"
bad "option the runner sets" "#" "options --nodes 3"
bad "daso with one GPU per node" "gpus_per_node" "gpus_per_node 1"
bad "more GPUs than the platform has" "nodes" "nodes 1 4096"
bad "several seeds for a deterministic simulation" "#" "seeds 1 2"
bad "unknown model profile" "model" "model alexnet"
bad "bad platform_gen value" "platform" "platform_gen --hca-bw fast"
tap_check "malformed files create no results folder" ! -e "$tmp/badres"
tap_expect_input_error "no experiment file" "$run"
tap_expect_input_error "unreadable experiment file" "$run" "$tmp/none.exp"
tap_expect_input_error "unknown runner option" "$run" --turbo "$tmp/tiny.exp"

# --- the shipped experiment files are valid (checked, nothing run)
for f in experiments/*.exp; do
  needs=$(awk '$1 == "backend" { for (i = 2; i <= NF; i++) print $i }' "$f")
  if { [[ $needs == *sim* ]] && [ $have_sim -eq 0 ]; } || { [[ $needs == *real* ]] && [ $have_real -eq 0 ]; } ||
     { [[ $needs == *emu* ]] && [ ! -x "$B/daso-emulate" ]; }; then
    tap_skip "$f is valid" "needs the $needs backend"; continue
  fi
  "$run" --dry-run --results "$tmp/shipped" "$f" >"$tmp/shipped.out" 2>&1
  tap_result $? "$f is valid ($(sed -n 's/^# experiment [^:]*: \([0-9]*\) runs.*/\1 runs/p' "$tmp/shipped.out"))" "$(cat "$tmp/shipped.out")"
done
tap_check "--dry-run of the shipped files writes nothing" ! -e "$tmp/shipped"

# --- seeds reach daso-sim only when it draws compute times
if [ $have_sim -eq 1 ]; then
  sed 's/^epochs .*/epochs 1\nseeds 1 2\noptions --compute-dist lognormal:0.1/' "$tmp/tiny.exp" >"$tmp/seeds.exp"
  $run --dry-run --results "$tmp/seedsres" "$tmp/seeds.exp" >"$tmp/seeds.out" 2>&1
  tap_result $? "sim with --compute-dist and two seeds: --dry-run exits 0" "$(cat "$tmp/seeds.out")"
  tap_check "one simulated run per seed, each with its --seed" \
    "$(grep -c -- '--seed [12] .*--compute-dist lognormal:0.1 --quiet --out [^ ]*-s[12].csv' "$tmp/seeds.out")" -eq 8
  sed 's/^epochs .*/epochs 1\nseeds 1 2/' "$tmp/tiny.exp" >"$tmp/seeds0.exp"
  tap_expect_input_error "two seeds for a deterministic simulation" "$run" --results "$tmp/badres" "$tmp/seeds0.exp"
fi

# --- emulated runs: daso-emulate on the platform, daso-train's options after --
if [ $have_sim -eq 1 ] && [ -x "$B/daso-emulate" ]; then
  cat >"$tmp/emu.exp" <<'EOF'
name          emu
backend       sim emu
platform      platforms/juwels_booster.xml
model         mlp
nodes         2
gpus_per_node 2
strategies    daso
seeds         1
epochs        1
real_options  --train-limit 600
EOF
  $run --dry-run --results "$res" "$tmp/emu.exp" >"$tmp/emu.out" 2>&1
  tap_result $? "emu experiment: --dry-run exits 0" "$(cat "$tmp/emu.out")"
  grep -q -- 'daso-emulate --platform platforms/juwels_booster.xml --nodes 2 --gpus-per-node 2 -- --model mlp --strategy daso --seed 1 --epochs 1 --train-limit 600 --out [^ ]*/emu/emu-daso-n2-g2-s1.csv' "$tmp/emu.out"
  tap_result $? "emu experiment: one daso-emulate command with daso-train's options after --" "$(cat "$tmp/emu.out")"
  grep -q -- 'daso-sim .*--model fashion_mlp' "$tmp/emu.out"
  tap_result $? "emu experiment: the simulated twin uses the fashion_mlp profile"
  sed 's/^platform .*/platform_gen --hca-bw 10e9 25e9/' "$tmp/emu.exp" >"$tmp/emugen.exp"
  tap_expect_input_error "emu with generated platforms" "$run" --results "$tmp/badres" "$tmp/emugen.exp"
else
  tap_skip "emu experiments" "no daso-emulate or daso-sim in $B"
fi
# --- real and emulated runs one at a time: stub programs in a build folder of their own log
# their starts and ends; with --jobs 2 the 2 simulations run together, each emulated run alone
fb=$tmp/stubs; mkdir -p "$fb"
cat >"$fb/daso-sim" <<EOF
#!/usr/bin/env bash
for a in "\$@"; do case "\$a" in --help|-h) exit 0 ;; esac; done
out=""; while [ \$# -gt 0 ]; do [ "\$1" = --out ] && out=\$2; shift; done
echo "start \$(basename "\$0") \$out" >>"$tmp/stubs.log"
sleep 1
echo "end \$(basename "\$0") \$out" >>"$tmp/stubs.log"
printf 'epoch\n1\n' >"\$out"
EOF
chmod +x "$fb/daso-sim"; cp "$fb/daso-sim" "$fb/daso-emulate"
printf '%s\n' "name serial" "backend sim emu" "platform platforms/juwels_booster.xml" "model mlp" "nodes 2" \
  "gpus_per_node 2" "strategies daso sync" "seeds 1" "epochs 1" >"$tmp/serial.exp"
BUILD=$fb $run --jobs 2 --results "$res" "$tmp/serial.exp" >/dev/null 2>"$tmp/serial.err"
tap_result $? "stubbed sim and emu experiment runs (exit 0)" "$(cat "$tmp/serial.err")"
# replay the log: the simulations overlap; an emulated run starts when nothing runs, and nothing
# starts while it runs
awk '$1 == "start" { if (n > 0 && ($2 == "daso-emulate" || emu)) bad = 1; if (n > 0) overlap = 1
                     n++; if ($2 == "daso-emulate") { emu = 1; nemu++ } }
     $1 == "end" { n--; if ($2 == "daso-emulate") emu = 0 }
     END { exit !(NR == 8 && nemu == 2 && overlap && !bad) }' "$tmp/stubs.log" 2>/dev/null
tap_result $? "--jobs 2: the 2 simulations together, then the 2 emulated runs one at a time, alone" \
  "$(cat "$tmp/stubs.log" 2>&1)"
"$run" --help | grep -q '^usage: experiments/run'; tap_result $? "--help prints the usage"

# --- a DASO experiment whose warm-up and cool-down cover every epoch says so, once
printf 'name w\nbackend sim\nplatform platforms/juwels_booster.xml\nmodel resnet50\nnodes 1\ngpus_per_node 4\nstrategies daso sync\nepochs 8\n' >"$tmp/w8.exp"
err=$("$run" --dry-run --results "$tmp/res" "$tmp/w8.exp" 2>&1 >/dev/null)
tap_check "8 epochs with warm-up 4 and cool-down 4: one warning line ($err)" "$(grep -c 'warning: with --warmup-epochs 4 and --cooldown-epochs 4, all 8 epochs of daso are blocking' <<<"$err")" -eq 1
sed 's/^epochs 8/epochs 10\noptions --warmup-epochs=2 --cooldown-epochs 2/' "$tmp/w8.exp" >"$tmp/w10.exp"
err=$("$run" --dry-run --results "$tmp/res" "$tmp/w10.exp" 2>&1 >/dev/null)
tap_check "10 epochs with warm-up 2 and cool-down 2: no warning ($err)" "$(grep -c warning <<<"$err")" -eq 0
tap_done
