#!/usr/bin/env bash
# test_sim_var.sh: daso-sim --gpu-speed-dist, every GPU's persistent speed multiplier. On links of
# no latency and unbounded bandwidth a synchronous step takes the slowest GPU's compute, so with
# normal:CV its extra time over the bare run, over CV x compute, is the largest of the GPUs'
# standard normal draws: averaged over 20 seeds it is near E[max of W standard normals] (computed
# here by quadrature) at 16 and 64 GPUs. A GPU's multiplier stays the same in every batch, GPUs
# differ; it multiplies the per-batch draws (--compute-dist), which it leaves unchanged, and the
# stragglers' factors; same seed, same CSV byte for byte, another seed another; a file of measured
# per-GPU times gives multipliers in its range scaled to mean 1; bad specs (a file of times too
# large to add up too) get one line, exit 2.
# Run from the project root: BUILD=build tests/test_sim_var.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
sim=$B/daso-sim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT


# compute only: 0.3 s per batch (fwd + bwd), 5 batches per epoch on 64 GPUs, 20 on 16
compute=0.3
cat >"$tmp/tiny.profile" <<PROFILE
name tiny
description compute only: $compute s per batch, 1000 parameters, 320 samples of 1 per GPU
params 1000
samples_per_gpu 1
dataset_size 320
epochs 1
ref_gpu test
ref_gpu_flops 19.5e12
forward_s 0.1
backward_s 0.2
optimizer_s 0
precision fp32
loss_start 2
loss_floor 1
loss_tau 10
PROFILE
"$B/daso-platform" --nodes 16 --gpus-per-node 4 --nvlink-bw 1e15 --nvlink-lat 0 --hca-bw 1e15 \
  --hca-lat 0 --out "$tmp/instant.xml"
run=(--platform "$tmp/instant.xml" --model "$tmp/tiny.profile" --strategy sync --quiet)
# seconds per batch of a run: per_batch ARGS...
per_batch() {
  "$sim" "${run[@]}" "$@" | sed -n 's/.* \([0-9]*\) batches: training time \([0-9.e+]*\) s.*/\1 \2/p' |
    awk '{ printf "%.12g", $2 / $1 }'
}
# E[max of W standard normals] = integral of x d(Phi(x)^W), Phi by the trapezoidal rule
emax() {
  awk -v w="$1" 'BEGIN { h = 1e-3; c = 0; prev = 0; e = 0; pi = atan2(0, -1)
    for (x = -10; x <= 10; x += h) { f = exp(-x * x / 2) / sqrt(2 * pi); c += (prev + f) * h / 2
      prev = f; e += x * w * c ^ (w - 1) * f * h }
    printf "%.6g", e }'
}

# --- the synchronous step pays the slowest GPU: E[max of W normals] x CV x compute, 20 seeds
cv=0.08
for nodes in 4 16; do
  w=$((nodes * 4))
  bare=$(per_batch --nodes $nodes)
  m=$(for s in $(seq 1 20); do per_batch --nodes $nodes --seed $s --gpu-speed-dist normal:$cv; echo; done |
    awk -v b="$bare" -v cv=$cv -v c=$compute '{ s += ($1 - b) / (cv * c) } END { printf "%.6g", s / NR }')
  e=$(emax $w)
  within "$m" "$e" 0.05
  tap_result $? "$w GPUs: sync's extra time per batch / (CV x compute) = $m, E[max of $w normals] $e"
done

# --- one multiplier per GPU for the whole run: every GPU's passes in the trace take one time,
# and not all GPUs the same
"$sim" "${run[@]}" --nodes 4 --gpu-speed-dist normal:$cv --trace "$tmp/t.json" \
  --breakdown "$tmp/speed.bd" >/dev/null
grep '"name":"forward-backward"' "$tmp/t.json" |
  sed 's/.*"pid":\([0-9]*\),"tid":\([0-9]*\),.*"dur":\([0-9.e+]*\).*/\1:\2 \3/' >"$tmp/passes"
tap_check "the trace has every GPU's 20 passes" "$(wc -l <"$tmp/passes")" -eq 320 -a \
  "$(cut -d' ' -f1 "$tmp/passes" | sort -u | wc -l)" -eq 16
tap_check "every GPU's passes take one time" "$(sort -u "$tmp/passes" | wc -l)" -eq 16
tap_check "the GPUs' times differ" "$(cut -d' ' -f2 "$tmp/passes" | sort -u | wc -l)" -eq 16

# --- it multiplies the per-batch draws, unchanged (GPU 0's compute in every batch is the draw's
# times its multiplier, the one of the run above), and the stragglers' factors
# GPU 0's compute per batch: bd ARGS...
bd() { "$sim" "${run[@]}" --nodes 4 "$@" --breakdown "$tmp/bd" >/dev/null && awk '!/^#/ { print $4 }' "$tmp/bd"; }
bd --compute-dist lognormal:0.2 >"$tmp/batch.c"
bd --compute-dist lognormal:0.2 --gpu-speed-dist normal:$cv >"$tmp/both.c"
g0=$(awk -v c=$compute '!/^#/ { printf "%.12g", $4 / c; exit }' "$tmp/speed.bd")
paste "$tmp/batch.c" "$tmp/both.c" | awk -v g="$g0" '{ n++; r = $2 / $1 / g
  if (r > 1 + 1e-8 || r < 1 - 1e-8) bad = 1; d[$1] = 1 }
  END { k = 0; for (x in d) k++; exit bad || n != 20 || k < 10 || g == 1 }'
tap_result $? "with --compute-dist: GPU 0's compute = the same per-batch draws x its multiplier $g0"
bd --gpu-speed-dist normal:$cv --straggler gpu:0:2 >"$tmp/slow.c"
paste <(awk '!/^#/ { print $4 }' "$tmp/speed.bd") "$tmp/slow.c" |
  awk '{ n++; r = $2 / $1; if (r > 2 + 1e-8 || r < 2 - 1e-8) bad = 1 } END { exit bad || n != 20 }'
tap_result $? "a straggler twice as slow doubles GPU 0's compute on top of its multiplier"

# --- reproducible: same seed, same CSV byte for byte; another seed, another CSV; normal:0 is no
# multiplier at all
for s in 1 1b 2; do
  "$sim" "${run[@]}" --nodes 4 --gpu-speed-dist normal:$cv --seed ${s%b} --out "$tmp/s$s.csv" >/dev/null
done
"$sim" "${run[@]}" --nodes 4 --out "$tmp/bare.csv" >/dev/null
"$sim" "${run[@]}" --nodes 4 --gpu-speed-dist normal:0 --out "$tmp/zero.csv" >/dev/null
[ -s "$tmp/s1.csv" ] && cmp -s "$tmp/s1.csv" "$tmp/s1b.csv"
tap_result $? "same seed: the same CSV, byte for byte"
! cmp -s "$tmp/s1.csv" "$tmp/s2.csv"
tap_result $? "another seed: another CSV"
[ -s "$tmp/bare.csv" ] && cmp -s "$tmp/bare.csv" "$tmp/zero.csv"
tap_result $? "normal:0 = no --gpu-speed-dist, byte for byte"

# --- measured per-GPU times (any unit): multipliers in their range over their mean (0.9 to 1.1)
printf '# per-GPU batch times, ms\n90\n110\n95\n105\n' >"$tmp/gpus.times"
"$sim" "${run[@]}" --nodes 4 --gpu-speed-dist hist:"$tmp/gpus.times" --trace "$tmp/h.json" >/dev/null
grep '"name":"forward-backward"' "$tmp/h.json" |
  sed 's/.*"pid":\([0-9]*\),"tid":\([0-9]*\),.*"dur":\([0-9.e+]*\).*/\1:\2 \3/' >"$tmp/hpasses"
awk -v c=$compute '{ m = $2 / 1e6 / c; if (m < 0.9 - 1e-9 || m > 1.1 + 1e-9) bad = 1; d[$2] = 1; n++ }
  END { k = 0; for (x in d) k++; exit bad || n != 320 || k != 16 }' "$tmp/hpasses"
tap_result $? "hist:FILE: every GPU's multiplier in the file's range over its mean, 16 different"

# --- bad specs: one line, exit 2
for bad in normal:-1 lognormal:x gamma:2 normal hist:"$tmp/none"; do
  tap_expect_input_error "--gpu-speed-dist $bad" "$sim" "${run[@]}" --nodes 4 --gpu-speed-dist "$bad"
done
printf '1\n' >"$tmp/one"
tap_expect_input_error "--gpu-speed-dist of one time" "$sim" "${run[@]}" --nodes 4 \
  --gpu-speed-dist hist:"$tmp/one"
printf '1e308\n1.7e308\n' >"$tmp/huge"
tap_expect_input_error "--gpu-speed-dist of times whose sum overflows (was an abort in GSL)" \
  "$sim" "${run[@]}" --nodes 4 --gpu-speed-dist hist:"$tmp/huge"
tap_done
