#!/usr/bin/env bash
# test_slurm_run.sh: experiments/run --slurm on a live SLURM cluster of 2 nodes started on this
# machine (tests/slurm_cluster.sh: its own munged, slurmctld and two slurmd; needs root).
# A small simulated study (6 runs) goes to the cluster as one job array of 3 tasks of 2 runs,
# at most 1 at a time, with --no-wait; one task is cancelled mid-run and another is held; the
# next call submits again exactly the cancelled task's runs (reporting them with its job's log),
# waits for the held one, and the CSVs and runs.tsv equal those of the same study run on this
# machine, byte for byte; the manifest records the job ids; a third call submits nothing. A study
# of a simulated, a real and an emulated run: the real run is a job of 2 nodes x 2 tasks with the
# final parameters of the local run, the emulated one a job of one task with the local CSV, and
# the simulation, refused by daso-sim, is reported failed with its job's log. Bad input (--slurm
# without sbatch on PATH, a bad --max-parallel or --time, --slurm options without --slurm) is one
# line, exit 2. Run from the project root:
#   BUILD=build tests/test_slurm_run.sh
set -u
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/slurm_cluster.sh"
cd "$(dirname "$0")/.." || exit 1
export BUILD=${BUILD:-build}
run=experiments/run
tmp=$(mktemp -d)
trap 'slurm_cluster_stop; rm -rf "$tmp"' EXIT
export DASO_SLURM_POLL=0.5
export MPIR_CVAR_POLLS_BEFORE_YIELD=1 # 4 ranks on 2 cores: yield instead of spinning

cat >"$tmp/tiny.exp" <<'EOF'
# 6 simulations of 1-4 s each (long enough to cancel one mid-run)
name        tiny
backend     sim
platform    platforms/juwels_booster.xml
model       resnet50
nodes       1 2 4
gpus_per_node 4
strategies  daso sync
epochs      90
EOF
cat >"$tmp/mixed.exp" <<'EOF'
# one run of each backend; daso-sim refuses --warmup-epochs -1, so the simulation fails
name        mixed
backend     sim real emu
platform    platforms/local_2core.xml
model       mlp
nodes       2
gpus_per_node 2
strategies  sync
epochs      1
real_options --train-limit 512 --test-limit 128
sim_options --warmup-epochs -1
EOF

# --- bad input: one line naming the problem, exit 2, nothing written
bad() { # NAME PATTERN COMMAND...
  local name=$1 pat=$2 rc
  shift 2
  "$@" >"$tmp/bad.out" 2>"$tmp/bad.err"
  rc=$?
  [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/bad.err")" -eq 1 ] && [ ! -s "$tmp/bad.out" ] &&
    grep -q -- "$pat" "$tmp/bad.err"
  tap_result $? "$name: one line, exit 2 ($(cat "$tmp/bad.err"))" "exit $rc: $(cat "$tmp/bad.out")"
}
mkdir "$tmp/nobin"
bad "--slurm without sbatch on PATH" "'sbatch' not found on PATH" \
  env PATH="$tmp/nobin" /bin/bash $run --slurm --results "$tmp/bad" "$tmp/tiny.exp"
for a in "--max-parallel 0" "--max-parallel x" "--runs-per-task -1"; do
  # shellcheck disable=SC2086 # the option and its value
  bad "--slurm $a" "^experiments/run: ${a%% *} needs a whole number" \
    $run --slurm $a --results "$tmp/bad" "$tmp/tiny.exp"
done
for a in "--time 1:2:3:4" "--time 5min" "--time 1-"; do
  # shellcheck disable=SC2086
  bad "--slurm $a" "^experiments/run: --time needs SLURM's format" \
    $run --slurm $a --results "$tmp/bad" "$tmp/tiny.exp"
done
bad "--slurm --partition a,b" "without spaces or commas" \
  $run --slurm --partition a,b --results "$tmp/bad" "$tmp/tiny.exp"
bad "--partition without --slurm" "--partition goes with --slurm" \
  $run --partition p --results "$tmp/bad" "$tmp/tiny.exp"
bad "--jobs with --slurm" "--jobs is for runs on this machine" \
  $run --slurm --jobs 2 --results "$tmp/bad" "$tmp/tiny.exp"
tap_check "bad input wrote nothing" ! -e "$tmp/bad"

tests=("--no-wait: one job array of 3 tasks of 2 runs, at most 1 at a time; jobs.tsv names them"
  "a task cancelled mid-run: no CSV of its runs, no unfinished output left"
  "the next call: submits the cancelled task's 2 runs again and nothing else"
  "the next call: reports the cancelled runs with their job's log"
  "the next call: waits for the held task's runs (a job of an earlier call)"
  "the next call: every run finished (exit 0), the first task's CSVs untouched"
  "simulations via SLURM: the CSVs and runs.tsv of the local run, byte for byte"
  "the manifest records both array jobs"
  "a third call: nothing to submit, nothing changed"
  "mixed study: exit 1, the refused simulation reported with its job's log"
  "real run: a job of 2 nodes x 2 tasks (srun --mpi=pmi2) with the local run's parameters"
  "emulated run: a job of one task, the local run's CSV byte for byte")
if ! slurm_cluster_start 2 4; then
  if $slurm_cluster_skip; then
    for t in "a SLURM cluster of 2 nodes starts" "${tests[@]}"; do
      tap_skip "$t" "$slurm_cluster_why"
    done
  else
    tap_result 1 "a SLURM cluster of 2 nodes starts" "$slurm_cluster_why"
  fi
  tap_done
  exit
fi
tap_result 0 "a SLURM cluster of 2 nodes starts"

# the runs of a job in jobs.tsv, sorted: runs_of FILE JOB
runs_of() { awk -F'\t' -v j="$2" '$2 == j { print $1 }' "$1" | sort | tr '\n' ' '; }
wait_for() { # SECONDS COMMAND...: until COMMAND succeeds
  local n=$(($1 * 10))
  shift
  for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}
gone() { [ -z "$(squeue -h -r -j "$1" 2>/dev/null)" ]; } # JOB: SLURM has ended it

# --- the study on this machine, the reference
$run --results "$tmp/local" "$tmp/tiny.exp" 2>"$tmp/local.err"
loc=$tmp/local/tiny
[ "$(ls "$loc"/*.csv 2>/dev/null | wc -l)" -eq 6 ] || echo "# the local run failed: $(cat "$tmp/local.err")"

# --- via SLURM, not waiting: the largest runs first, dealt round the 3 tasks: task 0 runs
# sim-daso-n4 and sim-sync-n2, task 1 sim-sync-n4 and sim-daso-n1, task 2 sim-daso-n2 and
# sim-sync-n1
res=$tmp/slurm out=$tmp/slurm/tiny jt=$tmp/slurm/tiny/slurm/jobs.tsv
$run --slurm --no-wait --max-parallel 1 --runs-per-task 2 --results "$res" "$tmp/tiny.exp" \
  >"$tmp/s1.out" 2>"$tmp/s1.err"
rc=$?
a=$(sed -n 's/.* submitted as array job \([0-9]*\) (3 tasks, at most 1 at a time).*/\1/p' "$tmp/s1.err")
[ -n "$a" ] && scontrol hold "${a}_2" # waits in the queue until released below
held=$?
ok=1
[ $rc -eq 0 ] && [ $held -eq 0 ] &&
  [ "$(runs_of "$jt" "${a}_0")" = "sim-daso-n4-g4-s1 sim-sync-n2-g4-s1 " ] &&
  [ "$(runs_of "$jt" "${a}_1")" = "sim-daso-n1-g4-s1 sim-sync-n4-g4-s1 " ] &&
  [ "$(runs_of "$jt" "${a}_2")" = "sim-daso-n2-g4-s1 sim-sync-n1-g4-s1 " ] &&
  scontrol show job "$a" | grep -q 'ArrayTaskThrottle=1' && ok=0
tap_result $ok "${tests[0]} (array job ${a:-none})" "exit $rc, hold $held: $(cat "$tmp/s1.err" "$jt")"

# task 1 starts when task 0 has ended; cancelled as soon as its first run has begun
wait_for 90 test -e "$out/sim-sync-n4-g4-s1.log"
scancel "${a}_1"
wait_for 60 gone "${a}_1"
first=$(for id in sim-daso-n4-g4-s1 sim-sync-n2-g4-s1; do stat -c '%n %y' "$out/$id.csv"; done)
tap_check "${tests[1]} ($(slurm_cluster_state "${a}_1"))" \
  "$(slurm_cluster_state "${a}_1")" = CANCELLED -a ! -e "$out/sim-sync-n4-g4-s1.csv" \
  -a ! -e "$out/sim-daso-n1-g4-s1.csv" -a "$(ls "$out" | grep -c '\.tmp')" -eq 0 \
  -a "$(echo "$first" | wc -l)" -eq 2

# --- the next call: it submits the cancelled runs, and waits for them and the held task,
# released once it has submitted
$run --slurm --results "$res" "$tmp/tiny.exp" >"$tmp/s2.out" 2>"$tmp/s2.err" &
pid=$!
wait_for 60 grep -q ' to run' "$tmp/s2.err"
b=$(sed -n 's/.* submitted as array job \([0-9]*\) (2 tasks).*/\1/p' "$tmp/s2.err")
again="$(runs_of "$jt" "${b:-none}_0")$(runs_of "$jt" "${b:-none}_1")"
tap_check "${tests[2]} (array job ${b:-none}: $again)" -n "$b" \
  -a "$(grep -vc '^#' "$jt")" -eq 8 -a "$again" = "sim-sync-n4-g4-s1 sim-daso-n1-g4-s1 "
ok=0
for id in sim-sync-n4-g4-s1 sim-daso-n1-g4-s1; do
  l=$(sed -n "s|^experiments/run: tiny: $id: job ${a}_1 ended without its CSV (CANCELLED): job log \\(.*\\); submitted again\$|\\1|p" "$tmp/s2.err")
  [ "$l" = "$out/slurm/${a}_1.out" ] && [ -f "$l" ] || ok=1
done
tap_result $ok "${tests[3]}" "$(cat "$tmp/s2.err")"
grep -q '2 in jobs of an earlier call' "$tmp/s2.err"
tap_result $? "${tests[4]}" "$(cat "$tmp/s2.err")"
scontrol release "${a}_2"
wait_for 120 bash -c "! kill -0 $pid 2>/dev/null"
wait "$pid"
rc=$?
tap_check "${tests[5]} (exit $rc)" $rc -eq 0 \
  -a "$(grep -c '^\[[1-4]/4\] sim-.* [0-9.]* s (job [0-9_]*)$' "$tmp/s2.err")" -eq 4 \
  -a "$(for id in sim-daso-n4-g4-s1 sim-sync-n2-g4-s1; do stat -c '%n %y' "$out/$id.csv"; done)" = "$first"
ok=0
for f in "$loc"/*.csv "$loc/runs.tsv"; do cmp -s "$f" "$out/${f##*/}" || ok=1; done
tap_result $ok "${tests[6]}" "$(ls -l "$loc" "$out"; cat "$tmp/s2.err")"
grep -q "^slurm        array job $a: 6 simulations in 3 tasks (2 runs a task, at most 1 at a time)" "$out/manifest.txt" &&
  grep -q "^slurm        array job $b: 2 simulations in 2 tasks" "$out/manifest.txt" &&
  grep -q "^slurm        2 runs in jobs of an earlier call: ${a}_2" "$out/manifest.txt"
tap_result $? "${tests[7]}" "$(cat "$out/manifest.txt")"
before=$(stat -c '%n %y' "$out"/*.csv "$jt")
$run --slurm --results "$res" "$tmp/tiny.exp" 2>"$tmp/s3.err"
rc=$?
tap_check "${tests[8]} (exit $rc)" $rc -eq 0 -a "$(stat -c '%n %y' "$out"/*.csv "$jt")" = "$before" \
  -a "$(grep -c ' 0 to run$' "$tmp/s3.err")" -eq 1

# --- one run of each backend, here and via SLURM (waiting)
$run --results "$tmp/local" "$tmp/mixed.exp" 2>"$tmp/m0.err"
$run --slurm --results "$res" "$tmp/mixed.exp" 2>"$tmp/m1.err"
rc=$?
m=$res/mixed jm=$res/mixed/slurm/jobs.tsv
# (the job's state as SLURM reports it: FAILED, or nothing yet on a loaded machine)
l=$(sed -n 's|^\[[1-3]/3\] sim-sync-n2-g2-s1 FAILED (exit 2, job [0-9]*_0[A-Z ]*): job log \(.*\), run log .*|\1|p' "$tmp/m1.err")
tap_check "${tests[9]}" $rc -eq 1 -a -n "$l" -a "$(grep -c 'exit 2 after' "${l:-/none}")" -eq 1 \
  -a ! -e "$m/sim-sync-n2-g2-s1.csv"
hash() { sed -n 's/.*parameter hash \([0-9a-f]*\).*/\1/p' "$1"; }
j=$(awk -F'\t' '$1 == "real-sync-n2-g2-s1" { print $2 }' "$jm")
h=$(hash "$m/real-sync-n2-g2-s1.log")
grep -q 'srun --mpi=pmi2' "$m/real-sync-n2-g2-s1.log" &&
  scontrol show job "$j" | grep -q 'NumNodes=2 NumCPUs=[0-9]* NumTasks=4 ' &&
  [ -s "$m/real-sync-n2-g2-s1.csv" ] && [ -n "$h" ] && [ "$h" = "$(hash "$tmp/local/mixed/real-sync-n2-g2-s1.log")" ]
tap_result $? "${tests[10]} (job ${j:-none}, hash ${h:-none})" \
  "$(cat "$tmp/m1.err" "$m/real-sync-n2-g2-s1.log")"
j=$(awk -F'\t' '$1 == "emu-sync-n2-g2-s1" { print $2 }' "$jm")
scontrol show job "$j" | grep -q 'NumNodes=1 NumCPUs=1 NumTasks=1 ' &&
  cmp -s "$m/emu-sync-n2-g2-s1.csv" "$tmp/local/mixed/emu-sync-n2-g2-s1.csv"
tap_result $? "${tests[11]} (job ${j:-none})" "$(cat "$tmp/m1.err" "$tmp/m0.err")"
tap_done
