#!/usr/bin/env bash
# test_slurm.sh: experiments/slurm-daso-train.sbatch on a live SLURM cluster of 2 nodes started on
# this machine (tests/slurm_cluster.sh: its own munged, slurmctld and two slurmd; needs root).
# 2 nodes x 2 ranks train to completion with the final parameters of mpiexec -n 4
# --gpus-per-node 2, bit for bit; so does a job cancelled mid-run and submitted again with
# --resume, and a job whose time limit falls mid-run (warned by SIGUSR1, it stops daso-train
# after an epoch's checkpoint, requeues itself and resumes); --device cuda on a job without GPUs
# submits it again with them. At the end every daemon has ended. Run from the project root:
#   BUILD=build tests/test_slurm.sh
set -u
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/slurm_cluster.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
export BUILD
BUILD=$(cd "${BUILD:-build}" && pwd)
script=$root/experiments/slurm-daso-train.sbatch
tmp=$(mktemp -d)
trap 'slurm_cluster_stop; rm -rf "$tmp"' EXIT
export MPIR_CVAR_POLLS_BEFORE_YIELD=1 # 4 ranks on 2 cores: yield instead of spinning

env -u SLURM_JOB_ID bash "$script" >"$tmp/nosb.out" 2>"$tmp/nosb.err"
rc=$?
tap_check "the batch script run without sbatch: exit 2, one line ($(cat "$tmp/nosb.err"))" \
  "$rc" -eq 2 -a "$(wc -l <"$tmp/nosb.err")" -eq 1 -a ! -s "$tmp/nosb.out"

tests=("2 x 2 ranks: the job completes" "2 x 2 ranks: srun --mpi=pmi2, one world of 4 ranks"
  "2 x 2 ranks: the final parameters of mpiexec -n 4, bit for bit"
  "2 x 2 ranks: the run folder has run.csv, trace.json and 4 checkpoints"
  "cancelled mid-run: no run.csv, checkpoints kept"
  "cancelled, submitted again with --resume: continues from its checkpoint"
  "cancelled, then --resume: the final parameters of mpiexec, bit for bit"
  "--device cuda without GPUs: submitted again with --gpus-per-node 2, once"
  "time limit mid-run: warned, daso-train stops after an epoch, the job requeues itself"
  "time limit: the requeued job resumes and completes"
  "time limit, requeued: the final parameters of mpiexec, bit for bit"
  "the cluster stops: every daemon ended, its folder removed")
if ! slurm_cluster_start 2 4 2; then
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
tap_result 0 "a SLURM cluster of 2 nodes starts (munged, slurmctld, slurmd -N n1, -N n2)"

hash() { sed -n 's/.*parameter hash \([0-9a-f]*\).*/\1/p' "$1"; }
same_hash() { tap_check "$1 ($(hash "$2"))" -n "$(hash "$2")" -a "$(hash "$2")" = "$(hash "$3")"; }
field() { scontrol show job "$1" | grep -o "$2=[^ ]*" | head -n 1 | cut -d= -f2; } # JOB KEY
submit() { # NAME SBATCH-OPTION... -- DASO-TRAIN-OPTION...: the job id; submitted from $tmp
  local name=$1 opts=()
  shift
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  (cd "$tmp" && sbatch --parsable --job-name "$name" --nodes 2 --ntasks-per-node 2 \
    --output "$tmp/$name-%j.out" "${opts[@]}" "$script" "$@") | cut -d';' -f1
}
wait_line() { # FILE PATTERN SECONDS: until a line of FILE matches
  for _ in $(seq $(($3 * 10))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
reference() { # OUT OPTION...: mpiexec -n 4 with the options
  local out=$1
  shift
  timeout 300 mpiexec -n 4 "$BUILD/daso-train" --gpus-per-node 2 "$@" >"$out" 2>&1
}

# --- 2 nodes x 2 ranks to completion
short=(--model mlp --train-limit 512 --test-limit 128 --epochs 2 --warmup-epochs 1
  --cooldown-epochs 0)
reference "$tmp/short.ref" "${short[@]}"
j=$(submit short -- "${short[@]}")
slurm_cluster_wait "$j" 120
o=$tmp/short-$j.out
tap_check "${tests[0]} ($(slurm_cluster_state "$j"), exit $(field "$j" ExitCode))" \
  "$(slurm_cluster_state "$j")" = COMPLETED -a "$(field "$j" ExitCode)" = 0:0
grep -q 'srun --mpi=pmi2' "$o" && grep -q '4 ranks = 2 nodes x 2' "$o"
tap_result $? "${tests[1]}" "$(cat "$o")"
same_hash "${tests[2]}" "$o" "$tmp/short.ref"
r=$tmp/results/slurm/short-2x2
tap_check "${tests[3]}" "$(grep -vc '^#' "$r/run.csv" 2>/dev/null)" -eq 2 -a -s "$r/trace.json" \
  -a "$(ls "$r/checkpoint"/rank*.ckpt 2>/dev/null | wc -l)" -eq 4

# --- a longer run (about 12 s of training here, 1 s an epoch), the reference of the next tests
long=(--model mlp --train-limit 20000 --test-limit 1000 --epochs 12 --warmup-epochs 1
  --cooldown-epochs 1)
reference "$tmp/long.ref" "${long[@]}"

# --- cancelled mid-run, then submitted again with --resume
j=$(submit cx -- "${long[@]}")
o=$tmp/cx-$j.out
wait_line "$o" '^epoch *2/12' 120
scancel "$j"
slurm_cluster_wait "$j" 60
r=$tmp/results/slurm/cx-2x2
tap_check "${tests[4]} ($(slurm_cluster_state "$j"), $(grep -c '^epoch' "$o") epochs)" \
  "$(slurm_cluster_state "$j")" = CANCELLED -a "$(grep -c '^epoch' "$o")" -lt 12 \
  -a ! -e "$r/run.csv" -a "$(ls "$r/checkpoint"/rank*.ckpt 2>/dev/null | wc -l)" -eq 4
j=$(submit cx -- "${long[@]}" --resume)
slurm_cluster_wait "$j" 120
o=$tmp/cx-$j.out
first=$(grep -m1 -o '^epoch *[0-9]*' "$o" | tr -dc 0-9)
tap_check "${tests[5]} ($(slurm_cluster_state "$j"), first epoch ${first:-none})" \
  "$(slurm_cluster_state "$j")" = COMPLETED -a "$(grep -c '(resumed)' "$o")" -eq 1 \
  -a "${first:-0}" -gt 2
same_hash "${tests[6]}" "$o" "$tmp/long.ref"

# --- --device cuda on a job without GPUs: the job submits itself again with them
j=$(submit gpu -- --device cuda "${short[@]}")
slurm_cluster_wait "$j" 60
j2=$(sed -n 's/.*submitted again as job \([0-9]*\) with --gpus-per-node 2$/\1/p' "$tmp/gpu-$j.out")
[ -n "$j2" ] && slurm_cluster_wait "$j2" 60
ok=1
[ -n "$j2" ] && [ "$(field "$j2" TresPerNode)" = gres:gpu:2 ] &&
  ! grep -q 'submitted again' "$tmp/gpu-$j2.out" &&
  grep -q '^daso-train: --device cuda' "$tmp/gpu-$j2.out" && ok=0
tap_result $ok "${tests[7]} (job ${j2:-none})" "$(cat "$tmp/gpu-$j.out" "$tmp/gpu-$j2.out" 2>&1)"

# --- the time limit falls mid-run: a limit of 1 minute (SLURM's least) and a warning 50 s
# before it, which slurmctld sends at its first check of time limits after the start (every 30
# s); submitted when that check is 6 to 8 s away, so that it comes while daso-train trains (its
# handler is set within 1-2 s of the job's start, its 12 epochs take about 12 s)
for _ in $(seq 80); do
  n=$(slurm_cluster_next_check)
  [ "$n" -ge 6 ] && [ "$n" -le 8 ] && break
  sleep 0.5
done
j=$(submit tl --time 1 --signal B:USR1@50 -- "${long[@]}")
slurm_cluster_wait "$j" 300
o=$tmp/tl-$j.out
stop=$(sed -n 's/^daso-train: stopped by SIGUSR2 after epoch \([0-9]*\)\/12.*/\1/p' "$o" |
  head -n 1)
restarts=$(field "$j" Restarts)
grep -q 'near its time limit' "$o" && grep -q "requeueing job $j" "$o" &&
  [ "${stop:-12}" -lt 12 ] && [ "${restarts:-0}" -ge 1 ]
tap_result $? "${tests[8]} (stopped after epoch ${stop:-none}, restarts ${restarts:-none})" \
  "$(cat "$o")"
tap_check "${tests[9]} ($(slurm_cluster_state "$j"))" "$(slurm_cluster_state "$j")" = COMPLETED \
  -a "$(grep -c '(resumed)' "$o")" -ge 1
same_hash "${tests[10]}" "$o" "$tmp/long.ref"

# --- the end: each daemon stopped by its PID, nothing left
pids=("${slurm_cluster_pids[@]}") dir=$slurm_cluster_dir
slurm_cluster_stop
left=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
tap_check "${tests[11]} (${#pids[@]} daemons, $left left)" "${#pids[@]}" -eq 4 -a "$left" -eq 0 \
  -a ! -e "$dir"
tap_done
