#!/usr/bin/env bash
# test_torch.sh: python/daso_torch, DASO for PyTorch planned by the scheduling core. The ctypes
# binding (daso_torch._lib) plans what daso-plan prints for every strategy, on every rank, and
# refuses a bad option with the library's line; with Debian's python3-torch (skipped with the
# reason without it), 4 processes as 2 nodes x 2 on gloo train a small model: the executed
# actions are daso-plan's trace batch by batch, the replicas are bitwise identical at every
# epoch's end, and a bad option is one line and exit 2 on every process. Run from the project
# root: BUILD=build tests/test_torch.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
export DASO_LIB=$B/libdasocore.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- the binding: plans of every strategy, as daso-plan prints them
printf '1\n0.9\n0.85\n0.84\n0.84\n0.84\n0.84\n0.84\n' >"$tmp/losses"
plans_equal() { # name, then the options of both (daso: with the losses)
  local name=$1; shift
  local want got losses=()
  case " $* " in *" --strategy "*) ;; *) losses=(--loss-file "$tmp/losses") ;; esac
  want=$("$B/daso-plan" "$@" "${losses[@]}" 2>&1 | grep -v '^#')
  got=$(python3 python/tests/plans.py "$tmp/losses" "$@" 2>&1)
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
  python3 python/tests/plans.py "$tmp/losses" "${shape[@]}" --epoch 3
err=$(python3 python/tests/plans.py "$tmp/losses" "${shape[@]}" --epoch 3 2>&1)
tap_check "its line is the library's ($err)" \
  "$err" = "plans: unknown option '--epoch' (did you mean --epochs?) (see --help)"

tap_done
