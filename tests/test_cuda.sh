#!/usr/bin/env bash
# test_cuda.sh: daso-train --device cuda (the NCCL + CUDA backend, real/cuda_backend.h) on this
# machine's GPUs. With 2 ranks as 1 node x 2, DASO brings the MLP to at least 0.85 test accuracy
# in 4 epochs with bitwise identical replicas, and every epoch's training loss stays within 3% of
# the CPU backend's run of the same settings; with 4 ranks as 2 nodes x 2 every strategy and
# message format keeps the replicas identical (node-local collectives on NCCL where the ranks of
# a node have GPUs of their own, host-staged MPI where they share one); the CNN agrees with the
# CPU too; two runs give the same parameters bit for bit, and so does a killed and resumed run;
# no visible GPU is one line and exit 2. Without a GPU (no nvidia-smi, or it lists none), or
# with a daso-train built without the backend, the test reports itself skipped with the reason.
# Run from the project root:
#   BUILD=build tests/test_cuda.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
train=$B/daso-train

skip_all() { echo "ok 1 # SKIP $1"; echo "1..1"; exit 0; }
gpus=0
command -v nvidia-smi >/dev/null 2>&1 && gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ')
[ "$gpus" -ge 1 ] || skip_all "no CUDA device on this machine"
[ -x "$train" ] || skip_all "$train is not built"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MPIR_CVAR_POLLS_BEFORE_YIELD=1 # more ranks than cores: yield instead of spinning
run() { timeout 600 mpiexec "$@"; }   # a hang fails the test instead of the whole suite
small=(--train-limit 8000 --test-limit 2000)
acc() { sed -n 's/.*final test accuracy \([0-9.]*\),.*/\1/p' "$1"; }
hash() { sed -n 's/.*parameter hash \([0-9a-f]*\).*/\1/p' "$1"; }
identical() { grep -c 'replicas identical' "$1"; }
# every epoch's training loss (CSV column 15) of $2 within the fraction $3 of $1's
losses_close() {
  paste <(awk '!/^#/ { print $15 }' "$1") <(awk '!/^#/ { print $15 }' "$2") |
    awk -v r="$3" '{ n++; d = $1 - $2; if (d < 0) d = -d; if (!(d <= r * $1)) bad++ }
                   END { exit !(n > 0 && bad == 0) }'
}

run -n 1 "$train" --device cuda --gpus-per-node 1 --strategy sync --epochs 1 \
  --train-limit 640 --test-limit 64 --quiet >"$tmp/probe" 2>&1
grep -q 'not in this build' "$tmp/probe" && skip_all "$train is built without the CUDA backend"
tap_check "1 rank on GPU: runs ($gpus GPU(s) here)" "$(identical "$tmp/probe")" -eq 1

# --- accuracy and agreement with the CPU backend: MLP, 4 epochs on the whole training set
mode=$([ "$gpus" -ge 2 ] && echo "NCCL, 2 GPUs" || echo "host-staged, 1 GPU shared")
acc_args=(--gpus-per-node 2 --model mlp --epochs 4 --warmup-epochs 1 --cooldown-epochs 0 --quiet)
for s in daso sync; do
  run -n 2 "$train" --device cuda "${acc_args[@]}" --strategy $s --out "$tmp/$s.csv" \
    >"$tmp/$s.out" 2>&1
  tap_check "$s on cuda ($mode): replicas bitwise identical" "$(identical "$tmp/$s.out")" -eq 1
done
run -n 2 "$train" "${acc_args[@]}" --strategy daso --out "$tmp/cpu.csv" >"$tmp/cpu.out" 2>&1
a=$(acc "$tmp/daso.out") c=$(acc "$tmp/cpu.out")
awk -v a="$a" 'BEGIN { exit !(a >= 0.85) }'
tap_result $? "daso on cuda reaches test accuracy >= 0.85 in 4 epochs ($a)"
losses_close "$tmp/cpu.csv" "$tmp/daso.csv" 0.03
tap_result $? "daso: cuda's training losses within 3% of the CPU backend's" \
  "$(paste <(awk '!/^#/ { print $1, $15 }' "$tmp/cpu.csv") \
           <(awk '!/^#/ { print $15 }' "$tmp/daso.csv"))"
awk -v a="$a" -v c="$c" 'BEGIN { d = a - c; exit !(d >= -0.02 && d <= 0.02) }'
tap_result $? "daso: cuda's test accuracy within 2 points of the CPU backend's ($a vs $c)"

# --- 2 nodes x 2: every strategy and message format keeps the replicas identical
mode4=$([ "$gpus" -ge 2 ] && echo "NCCL in the node" || echo "host-staged in the node")
for args in "--strategy daso --warmup-epochs 1" "--strategy sync" "--strategy hier" \
            "--strategy localsgd --localsgd-period 4" "--strategy sync --sync-format fp16" \
            "--strategy hier --sync-format fp16" \
            "--strategy daso --warmup-epochs 1 --downcast always --downcast-format fp16" \
            "--strategy daso --warmup-epochs 1 --chunk-elems 50000 --true-staleness"; do
  # shellcheck disable=SC2086
  run -n 4 "$train" --device cuda --gpus-per-node 2 --epochs 2 "${small[@]}" --quiet $args \
    >"$tmp/o" 2>&1
  tap_check "4 ranks, $mode4, $args: replicas bitwise identical" "$(identical "$tmp/o")" -eq 1
done

# --- the CNN: identical replicas, losses as on the CPU
cnn=(--gpus-per-node 2 --model cnn --strategy daso --warmup-epochs 1 --epochs 2 "${small[@]}"
     --quiet)
run -n 2 "$train" --device cuda "${cnn[@]}" --out "$tmp/cnn.csv" >"$tmp/cnn.out" 2>&1
run -n 2 "$train" "${cnn[@]}" --out "$tmp/cnn-cpu.csv" >"$tmp/cnn-cpu.out" 2>&1
tap_check "cnn on cuda: replicas bitwise identical" "$(identical "$tmp/cnn.out")" -eq 1
losses_close "$tmp/cnn-cpu.csv" "$tmp/cnn.csv" 0.03
tap_result $? "cnn: cuda's training losses within 3% of the CPU backend's"

# --- deterministic: the same run twice, and a killed run resumed, give the same parameters
common=(--device cuda --gpus-per-node 2 --epochs 5 --warmup-epochs 1 --cooldown-epochs 1
        "${small[@]}")
run -n 2 "$train" "${common[@]}" --quiet --out "$tmp/full.csv" >"$tmp/full.out" 2>&1
run -n 2 "$train" "${common[@]}" --quiet >"$tmp/again.out" 2>&1
tap_check "two identical runs: the same parameters, bit for bit" \
  "$(hash "$tmp/again.out")" = "$(hash "$tmp/full.out")" -a -n "$(hash "$tmp/full.out")"
DASO_FAULT_KILL=1:2 run -n 2 "$train" "${common[@]}" --checkpoint "$tmp/ck" --out "$tmp/ck.csv" \
  >"$tmp/killed.out" 2>&1
rc=$?
tap_check "killed rank: the job ends with a non-zero status" "$rc" -ne 0 -a "$rc" -ne 124
run -n 2 "$train" "${common[@]}" --checkpoint "$tmp/ck" --resume --out "$tmp/ck.csv" \
  >"$tmp/resumed.out" 2>&1
tap_check "resume: continues from a checkpoint" "$(grep -c '(resumed)' "$tmp/resumed.out")" -eq 1
tap_check "resume: the same parameters, bit for bit" \
  "$(hash "$tmp/resumed.out")" = "$(hash "$tmp/full.out")"

# --- no visible GPU: one line, exit 2 on every rank, no hang
out=$(CUDA_VISIBLE_DEVICES='' timeout 120 mpiexec -n 2 "$train" --device cuda --gpus-per-node 2 \
  "${small[@]}" 2>&1)
rc=$? lines=$(grep -c . <<<"$out")
[ "$rc" -eq 2 ] && [ "$lines" -eq 1 ]
tap_result $? "no visible GPU (exit $rc, $lines line(s): $(head -c 200 <<<"$out"))"

tap_done
