#!/usr/bin/env bash
# test_torch.sh: python/daso_torch, DASO for PyTorch planned by the scheduling core. The ctypes
# binding (daso_torch._lib) plans what daso-plan prints for every strategy, on every rank, and
# refuses a bad option with the library's line; with Debian's python3-torch (skipped with the
# reason without it), 4 processes as 2 nodes x 2 on gloo train a small model, launched with
# torchrun's, srun's or mpiexec's variables: the executed actions are daso-plan's trace batch by
# batch, the replicas are bitwise identical at every epoch's end, the bytes between nodes are
# counted (DASO's 4x fewer than sync's past warm-up), a run resumed from its
# checkpoints equals an uninterrupted one, and a bad option is one line and exit 2 on every
# process. About a minute. Run from the project root: BUILD=build tests/test_torch.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
export DASO_LIB=$B/libdasocore.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the first Python with torch (Debian's python3-torch is /usr/bin/python3's, which a python3 of
# pyenv or a virtual environment may hide); PYTHON chooses one
PY=
for p in ${PYTHON:-python3 /usr/bin/python3}; do
  "$p" -c 'import torch' >/dev/null 2>&1 && { PY=$p; break; }
done

# --- the binding: plans of every strategy, as daso-plan prints them
printf '1\n0.9\n0.85\n0.84\n0.84\n0.84\n0.84\n0.84\n' >"$tmp/losses"
plans_equal() { # name, then the options of both (daso: with the losses)
  local name=$1; shift
  local want got losses=()
  case " $* " in *" --strategy "*) ;; *) losses=(--loss-file "$tmp/losses") ;; esac
  want=$("$B/daso-plan" "$@" "${losses[@]}" 2>&1 | grep -v '^#')
  got=$("${PY:-python3}" python/tests/plans.py "$tmp/losses" "$@" 2>&1)
  [ -n "$want" ] && [ "$got" = "$want" ]
  tap_result $? "_lib plans = daso-plan's: $name" "$(diff <(echo "$want") <(echo "$got") | head)"
}
shape=(--nodes 2 --gpus-per-node 2 --last-batch 5 --epochs 8)
plans_equal "daso, epoch logic and losses" "${shape[@]}" --warmup-epochs 1 --cooldown-epochs 1
plans_equal "daso, fp16, 3 x 4" --nodes 3 --gpus-per-node 4 --last-batch 9 --epochs 8 \
  --warmup-epochs 2 --cooldown-epochs 1 --downcast-format fp16 --chunk-elems 1000
plans_equal "sync" "${shape[@]}" --strategy sync --sync-format fp16
plans_equal "hier" "${shape[@]}" --strategy hier
plans_equal "localsgd" "${shape[@]}" --strategy localsgd --localsgd-period 3
tap_expect_input_error "_lib: a bad option is one line, exit 2" \
  "${PY:-python3}" python/tests/plans.py "$tmp/losses" "${shape[@]}" --epoch 3
err=$("${PY:-python3}" python/tests/plans.py "$tmp/losses" "${shape[@]}" --epoch 3 2>&1)
tap_check "its line is the library's ($err)" \
  "$err" = "plans: unknown option '--epoch' (did you mean --epochs?) (see --help)"

# --- the wrapper: 4 processes as 2 nodes x 2 on gloo, launched as mpiexec or torchrun would
if [ -z "$PY" ]; then
  for t in "daso" "sync" "hier" "localsgd" "launchers" "bytes" "checkpoints" "bad options"; do
    tap_skip "daso_torch, $t: 4 processes on gloo" \
      "no Python with torch (make deps installs python3-torch)"
  done
  tap_done; exit
fi
port=$((20000 + $$ % 20000))
job() { # dir, then the options: 4 ranks with torchrun's variables (LAUNCH=slurm: srun's,
        # LAUNCH=pmi: mpiexec's); each one's exit status in dir/rc.RANK
  local dir=$1; shift
  mkdir -p "$dir"
  port=$((port + 1))
  for r in 0 1 2 3; do
    case ${LAUNCH:-torchrun} in
      torchrun) vars=(RANK=$r WORLD_SIZE=4 LOCAL_WORLD_SIZE=2 LOCAL_RANK=$((r % 2))) ;;
      slurm) vars=(SLURM_PROCID=$r SLURM_NTASKS=4 "SLURM_NTASKS_PER_NODE=2(x2)") ;;
      pmi) vars=(PMI_RANK=$r PMI_SIZE=4 MPI_LOCALNRANKS=2) ;;
    esac
    (env "${vars[@]}" MASTER_ADDR=127.0.0.1 \
       MASTER_PORT=$port OMP_NUM_THREADS=1 timeout 300 "$PY" python/tests/train_small.py \
       "$dir" "$@" >"$dir/out.$r" 2>"$dir/err.$r"; echo $? >"$dir/rc.$r") &
  done
  wait
}
trains_as_planned() { # name, then the options of both (--nodes 2 --gpus-per-node 2 added)
  local name=$1 dir=$tmp/run$((tap_n + 1)); shift
  job "$dir" "$@"
  local rcs; rcs=$(cat "$dir"/rc.* | tr '\n' ' ')
  tap_check "daso_torch, $name: 4 processes exit 0 ($rcs)" "$rcs" = "0 0 0 0 "
  local losses=()
  case " $* " in *" --strategy "*) ;; *) losses=(--loss-file "$dir/losses") ;; esac
  "$B/daso-plan" --nodes 2 --gpus-per-node 2 "$@" "${losses[@]}" 2>"$dir/plan.err" |
    grep -v '^#' >"$dir/want"
  local same=0
  for r in 0 1 2 3; do cmp -s "$dir/want" "$dir/trace.$r" && same=$((same + 1)); done
  tap_result $((same != 4)) "daso_torch, $name: every rank executed daso-plan's trace" \
    "$(diff "$dir/want" "$dir/trace.0" | head -5; cat "$dir"/err.* | tail -5)"
  local epochs; epochs=$(sort -u "$dir/hash.0" | wc -l)
  tap_check "daso_torch, $name: replicas bitwise identical at every epoch's end ($epochs)" \
    "$(cat "$dir"/hash.* | sort | uniq -c | awk '$1 == 4' | wc -l)" -eq "$epochs" \
    -a "$epochs" -eq "$(wc -l <"$dir/losses")" -a "$(wc -l <"$dir/hash.3")" -eq "$epochs"
}
trains_as_planned "daso, bf16, chunks of 100" --last-batch 5 --epochs 6 --warmup-epochs 1 \
  --cooldown-epochs 1 --chunk-elems 100
trains_as_planned "daso, fp16" --last-batch 5 --epochs 4 --warmup-epochs 1 --cooldown-epochs 1 \
  --downcast-format fp16
trains_as_planned "sync, buckets of 1 kB" --strategy sync --last-batch 3 --epochs 2 \
  --bucket-mb 0.001
trains_as_planned "hier, fp16" --strategy hier --last-batch 3 --epochs 2 --sync-format fp16
trains_as_planned "localsgd" --strategy localsgd --last-batch 5 --epochs 2 --localsgd-period 3
LAUNCH=slurm trains_as_planned "srun's variables" --last-batch 3 --epochs 1
LAUNCH=pmi trains_as_planned "mpiexec's variables" --last-batch 3 --epochs 1

# torchrun --standalone: G from --gpus-per-node (torchrun's LOCAL_WORLD_SIZE is 4 here)
dir=$tmp/torchrun
mkdir -p "$dir"
run=(--last-batch 3 --epochs 3 --warmup-epochs 1 --cooldown-epochs 1)
OMP_NUM_THREADS=1 timeout 300 "$PY" -m torch.distributed.run --standalone --nproc_per_node 4 \
  python/tests/train_small.py "$dir" --gpus-per-node 2 "${run[@]}" >"$dir/out" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "in to_map" "$dir/out"; then # torch 1.13's launcher on Python 3.11
  for t in "runs 2 nodes x 2" "executed daso-plan's trace"; do
    tap_skip "torchrun: $t" "this torch's torchrun fails before it starts a process (to_map)"
  done
else
  tap_result $rc "torchrun --standalone --nproc_per_node 4 runs 2 nodes x 2" "$(tail -5 "$dir/out")"
  "$B/daso-plan" --nodes 2 --gpus-per-node 2 "${run[@]}" --loss-file "$dir/losses" \
    2>&1 | grep -v '^#' >"$dir/want"
  tap_check "torchrun: rank 3 executed daso-plan's trace, replicas identical" \
    -s "$dir/want" -a "$(cat "$dir/want")" = "$(cat "$dir/trace.3")" \
    -a "$(cat "$dir"/hash.* | sort -u | wc -l)" -eq 3
fi

# bytes between nodes: sync's are the closed form (12 batches x 4 ranks x a ring allreduce of
# 404 fp32 parameters, half of its edges crossing nodes: 58176), DASO's past warm-up 4x fewer
job "$tmp/bsync" --strategy sync --last-batch 11 --epochs 5
job "$tmp/bdaso" --last-batch 11 --epochs 5 --warmup-epochs 1 --cooldown-epochs 1
sync_b=$(awk '{ print $2 }' "$tmp/bsync/bytes" | sort -u | tr '\n' ' ')
tap_check "sync: bytes between nodes of every epoch ($sync_b)" "$sync_b" = "58176 "
daso_b=$(sed -n 2,4p "$tmp/bdaso/bytes" | awk '{ print $2 }' | tr '\n' ' ')
tap_check "daso: at least 4x fewer past warm-up ($daso_b)" "$(sed -n 2,4p "$tmp/bdaso/bytes" |
  awk '$2 > 0 && $2 * 4 <= 58176' | wc -l)" -eq 3 -a "$(sed -n 1p "$tmp/bdaso/bytes" |
  awk '{ print $2 }')" = 19392

# checkpoints: 2 epochs, then 3 more from the checkpoint, equal 5 uninterrupted ones
ck=(--last-batch 5 --epochs 5 --warmup-epochs 1 --cooldown-epochs 1 --chunk-elems 50)
job "$tmp/full" "${ck[@]}"
TRAIN_STOP_AFTER=1 job "$tmp/part1" "${ck[@]}"
TRAIN_RESUME=$tmp/part1 job "$tmp/part2" "${ck[@]}"
rcs=$(cat "$tmp"/full/rc.* "$tmp"/part1/rc.* "$tmp"/part2/rc.* | tr -d '\n')
same=0
for r in 0 1 2 3; do
  cmp -s <(cat "$tmp/part1/hash.$r" "$tmp/part2/hash.$r") "$tmp/full/hash.$r" &&
    cmp -s <(cat "$tmp/part1/trace.$r" "$tmp/part2/trace.$r") "$tmp/full/trace.$r" &&
    [ "$(wc -l <"$tmp/part2/hash.$r")" -eq 3 ] && same=$((same + 1))
done
tap_check "daso_torch: resumed after 2 epochs = uninterrupted, every rank (exit $rcs)" \
  "$same" -eq 4 -a "$rcs" = 000000000000
TRAIN_RESUME=$tmp/part1 job "$tmp/other" "${ck[@]}" --staleness-weight 3
rcs=$(cat "$tmp"/other/rc.* | tr '\n' ' ')
tap_check "a checkpoint of other settings: exit 2 on every process ($rcs), one line" \
  "$rcs" = "2 2 2 2 " -a "$(wc -l <"$tmp/other/err.0")" -eq 1

dir=$tmp/bad
job "$dir" --last-batch 5 --epochs 2 --staleness-weight -1
rcs=$(cat "$dir"/rc.* | tr '\n' ' ')
tap_check "daso_torch, a bad option: exit 2 on every process ($rcs)" "$rcs" = "2 2 2 2 "
err=$(cat "$dir"/err.0)
tap_check "one line from rank 0, nothing from the others ($err)" \
  "$(wc -l <"$dir/err.0")" -eq 1 -a -z "$(cat "$dir"/err.[123] "$dir"/out.*)" \
  -a "${err#train_small: --staleness-weight}" != "$err"
tap_done
