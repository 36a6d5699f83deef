#!/usr/bin/env bash
# test_emulate.sh: daso-train-smpi under daso-emulate (SMPI). A 2-node x 2-GPU emulated DASO run
# (warm-up 1 epoch, then non-blocking global syncs over the point-to-point ring) gives exactly
# the losses, accuracies and final parameters of the same run under mpiexec with the same seed,
# and a simulated training time within 10% of daso-sim's for the same configuration (same
# platform, same compute profile, same losses driving the schedule, and daso-train's epochs:
# --drop-last); the host file is daso-sim's placement; bad platforms, node counts and options
# give one line and exit 2. Run from the project root:
#   BUILD=build tests/test_emulate.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MPIR_CVAR_POLLS_BEFORE_YIELD=1 # more ranks than cores: yield instead of spinning
emu=$B/daso-emulate
"$B/daso-platform" --nodes 2 --gpus-per-node 2 --out "$tmp/p.xml"
train=(--model mlp --strategy daso --epochs 3 --warmup-epochs 1 --cooldown-epochs 0
       --train-limit 6000 --test-limit 1000 --seed 3 --quiet)
hash() { sed -n 's/.*parameter hash \([0-9a-f]*\)).*/\1/p' "$1"; }
total() { sed -n 's/.*training time \([0-9.e+-]*\) s.*/\1/p' "$1"; }

# --- host file: the first N x G hosts in natural order
"$B/daso-sim" --hostfile "$tmp/hosts" --platform platforms/juwels_booster.xml --nodes 3 \
  --gpus-per-node 4
tap_check "host file: 12 hosts for 3 nodes x 4" "$(wc -l <"$tmp/hosts")" -eq 12
tap_check "host file: node 2's last GPU is n0002-g3" "$(sed -n 12p "$tmp/hosts")" = n0002-g3

# --- same numerics as mpiexec
# no --gpus-per-node: the platform's (2)
timeout 600 "$emu" --platform="$tmp/p.xml" --nodes 2 -- "${train[@]}" \
  --out "$tmp/emu.csv" >"$tmp/emu.out" 2>&1
tap_result $? "emulated 2 x 2 DASO run completes" "$(cat "$tmp/emu.out")"
tap_check "emulation takes G from the platform (gpus_per_node column)" \
  "$(awk '!/^#/ { print $4 }' "$tmp/emu.csv" | sort -u)" = 2
timeout 600 mpiexec -n 4 "$B/daso-train" --gpus-per-node 2 "${train[@]}" --out "$tmp/real.csv" \
  >"$tmp/real.out" 2>&1
tap_result $? "the same run under mpiexec completes" "$(cat "$tmp/real.out")"
cols() { awk '!/^#/ { print $1, $12, $13, $14, $15, $16 }' "$1"; } # schedule, loss, accuracy
tap_check "three epochs emulated" "$(cols "$tmp/emu.csv" | wc -l)" -eq 3
tap_check "emulated losses, accuracies and schedule equal mpiexec's" \
  "$(cols "$tmp/emu.csv")" = "$(cols "$tmp/real.csv")"
tap_check "emulated final parameters equal mpiexec's (hash $(hash "$tmp/emu.out"))" \
  "$(hash "$tmp/emu.out")" = "$(hash "$tmp/real.out")"
tap_check "emulated replicas identical" "$(grep -c 'replicas identical' "$tmp/emu.out")" -eq 1
tap_check "the non-blocking phase ran (gs 4 in epoch 1)" "$(awk '!/^#/ && $1 == 1 { print $12 }' "$tmp/emu.csv")" -eq 4

# --- simulated time against daso-sim with the same platform, compute profile and losses, and
# daso-train's epochs: the partial last batch dropped (1500 examples per rank: 23 batches of 64)
sed 's/^dataset_size .*/dataset_size 6000/' sim/models/fashion_mlp.profile >"$tmp/fm.profile"
"$B/daso-sim" --platform "$tmp/p.xml" --nodes 2 --gpus-per-node 2 --model "$tmp/fm.profile" \
  --strategy daso --epochs 3 --warmup-epochs 1 --cooldown-epochs 0 --loss-curve "$tmp/emu.csv" \
  --drop-last --quiet >"$tmp/sim.out"
e=$(total "$tmp/emu.out") s=$(sed -n 's/.*training time \([0-9.e+-]*\) s (.*/\1/p' "$tmp/sim.out")
awk -v e="$e" -v s="$s" 'BEGIN { d = e / s - 1; exit !(d < 0.10 && d > -0.10) }'
tap_result $? "emulated time within 10% of daso-sim's ($e s against $s s)"
tap_check "emulated bytes between nodes equal daso-sim's" \
  "$(awk '!/^#/ { b += $11 } END { printf "%.0f", b }' "$tmp/emu.csv")" = \
  "$(sed -n 's/.*bytes between nodes \([0-9.e+]*\),.*/\1/p' "$tmp/sim.out" | awk '{ printf "%.0f", $1 }')"

# --- bad inputs: one line, exit 2
tap_expect_input_error "missing platform file" "$emu" --platform "$tmp/none.xml" --nodes 1
printf '<platform version="4.1"><zone' >"$tmp/bad.xml"
tap_expect_input_error "malformed platform XML" "$emu" --platform "$tmp/bad.xml" --nodes 1
tap_expect_input_error "more nodes than the platform has" "$emu" --platform "$tmp/p.xml" --nodes 3 \
  --gpus-per-node 2
tap_expect_input_error "--gpus-per-node after --" "$emu" --platform "$tmp/p.xml" --nodes 1 -- \
  --gpus-per-node 2
tap_expect_input_error "a G that splits the platform's nodes" "$emu" --platform "$tmp/p.xml" \
  --nodes 2 --gpus-per-node 1
tap_expect_input_error "unknown daso-emulate option" "$emu" --platform "$tmp/p.xml" --nodes 1 --bogus
tap_expect_input_error "bad daso-train option under emulation" "$emu" --platform "$tmp/p.xml" \
  --nodes 1 --gpus-per-node 2 -- --model resnet
tap_expect_input_error "unknown compute profile" "$emu" --platform "$tmp/p.xml" --nodes 1 \
  --gpus-per-node 2 -- --compute-profile nosuch --train-limit 600 --test-limit 100
tap_expect_input_error "missing data set" "$emu" --platform "$tmp/p.xml" --nodes 1 \
  --gpus-per-node 2 -- --data "$tmp/nodata"
tap_done
