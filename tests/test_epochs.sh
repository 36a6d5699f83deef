#!/usr/bin/env bash
# test_epochs.sh: daso-sim's epochs as PyTorch's loaders make them. By default every GPU gets
# ceil(D / W) samples (DistributedSampler without drop_last pads), so an epoch has
# ceil(ceil(D / W) / B) batches and the last holds the rest; its forward and backward take its
# share of a full batch's time, its optimizer step the full time. --drop-last gives
# floor(D / (W x B)) full batches. Checked: the batch counts and the last batch's size against
# those formulas at several scales; the last batch's compute in the per-batch breakdown; and that
# sync's scaling efficiency without variability, 4 T(4) / (W T(W)) for the same epochs, never
# exceeds 1 from 4 to 256 GPUs, while with --drop-last it does somewhere (the data processed
# shrinks with W). --batch-size B (samples per GPU, weak scaling) scales the forward and backward
# linearly and the batches per epoch inversely; --global-batch B (strong scaling) gives B / W per
# GPU, said in the summary line and the CSV's first line; contradicting or uneven batches are
# refused. A ResNet-50 profile with a data set of 100,000 images, 1 or 2 epochs.
# Run from the project root: BUILD=build tests/test_epochs.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
sim=$B/daso-sim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export DASO_MODELS=${DASO_MODELS:-sim/models}
D=100000 batch=256
sed "s/^dataset_size .*/dataset_size $D/" "$DASO_MODELS/resnet50.profile" >"$tmp/small.profile"
plat=platforms/juwels_booster.xml # 4 GPUs per node

# run N [options]: sync on N nodes of 4 GPUs, 2 epochs; the summary line
run() {
  local n=$1
  shift
  "$sim" --platform "$plat" --nodes "$n" --model "$tmp/small.profile" --strategy sync --epochs 2 \
    --quiet "$@"
}
batches() { sed -n 's/.* epochs x \([0-9]*\) batches: .*/\1/p' <<<"$1"; }
last() { sed -n 's/.*, last batch \([0-9]*\), .*/\1/p' <<<"$1"; }
train_time() { sed -n 's/.* training time \([0-9.e+-]*\) s .*/\1/p' <<<"$1"; }

# --- batch counts against the formulas
for n in 1 3 16 64; do
  w=$((4 * n)) per=$(((D + 4 * n - 1) / (4 * n)))
  want=$(((per + batch - 1) / batch)) want_last=$((per - (want - 1) * batch))
  out=$(run "$n")
  tap_check "$w GPUs: ceil(ceil($D / $w) / $batch) = $want batches (got $(batches "$out"))" \
    "$(batches "$out")" = "$want"
  tap_check "$w GPUs: the last batch holds $want_last samples (got '$(last "$out")')" \
    "$(last "$out")" = "$want_last"
  out=$(run "$n" --drop-last)
  tap_check "$w GPUs, --drop-last: floor($D / ($w x $batch)) = $((D / (w * batch))) batches, all full" \
    "$(batches "$out"),$(last "$out")" = "$((D / (w * batch))),"
done

# --- the last batch's compute: its share of a full batch's forward-backward, plus the full
# optimizer step (breakdown: epoch batch time_s compute_s ...; compute_s includes the optimizer)
run 16 --epochs 1 --breakdown "$tmp/bd.txt" >/dev/null
per=$(((D + 63) / 64))
share=$((per - (per + batch - 1) / batch * batch + batch)) # per - (batches - 1) x batch
opt=$(sed -n 's/^optimizer_s *\([0-9.e+-]*\).*/\1/p' "$tmp/small.profile")
awk -v share="$share" -v b="$batch" -v opt="$opt" '
  !/^#/ { c[$2] = $4; n = $2 }
  END { want = (c[0] - opt) * share / b + opt; d = c[n] - want
        exit !(n > 0 && d * d < 1e-18 && c[n] < c[0]) }' "$tmp/bd.txt"
tap_result $? "last batch of $share: compute = $share / $batch of the full forward-backward + optimizer" \
  "$(tail -n 2 "$tmp/bd.txt")"

# --- scaling efficiency of sync, no variability: 4 T(4) / (W T(W))
t4=$(train_time "$(run 1)") t4d=$(train_time "$(run 1 --drop-last)")
over=0 over_dropped=0 list="" list_dropped=""
for n in 2 4 8 16 32 64; do
  w=$((4 * n))
  e=$(awk -v a="$t4" -v b="$(train_time "$(run "$n")")" -v w="$w" 'BEGIN { printf "%.6f", 4 * a / (w * b) }')
  ed=$(awk -v a="$t4d" -v b="$(train_time "$(run "$n" --drop-last)")" -v w="$w" 'BEGIN { printf "%.6f", 4 * a / (w * b) }')
  awk -v e="$e" 'BEGIN { exit !(e > 1) }' && over=$((over + 1))
  awk -v e="$ed" 'BEGIN { exit !(e > 1) }' && over_dropped=$((over_dropped + 1))
  list="$list $w:$e" list_dropped="$list_dropped $w:$ed"
done
tap_check "sync's scaling efficiency never exceeds 1 at 8..256 GPUs (W:efficiency$list)" "$over" -eq 0
tap_check "with --drop-last it exceeds 1 somewhere (W:efficiency$list_dropped)" "$over_dropped" -gt 0
# --- --batch-size (weak scaling): half the batch, half the forward-backward per batch, twice
# the batches (25,000 samples per GPU on 4 GPUs: 98 batches of 256, 196 of 128)
fb() { # forward-backward seconds of batch 0 in a breakdown (compute_s less the optimizer step)
  awk -v opt="$opt" '!/^#/ && $2 == 0 { printf "%.12g", $4 - opt; exit }' "$1"
}
full=$(run 1 --epochs 1 --breakdown "$tmp/b256.txt")
half=$(run 1 --epochs 1 --breakdown "$tmp/b128.txt" --batch-size 128)
tap_check "--batch-size 128: the summary says 'batch 128 per GPU (weak scaling)'" \
  -n "$(grep -F ', batch 128 per GPU (weak scaling), ' <<<"$half")"
tap_check "the profile's batch is weak scaling too ('batch 256 per GPU (weak scaling)')" \
  -n "$(grep -F ', batch 256 per GPU (weak scaling), ' <<<"$full")"
tap_check "--batch-size 128 doubles the batches per epoch ($(batches "$full") -> $(batches "$half"))" \
  "$(batches "$half")" -eq $((2 * $(batches "$full")))
awk -v a="$(fb "$tmp/b128.txt")" -v b="$(fb "$tmp/b256.txt")" 'BEGIN { d = a / b - 0.5; exit !(b > 0 && d * d < 1e-18) }'
tap_result $? "--batch-size 128 halves the forward-backward of a batch ($(fb "$tmp/b256.txt") s -> $(fb "$tmp/b128.txt") s)"

# --- --global-batch (strong scaling): 4096 samples per batch on 4 and on 16 GPUs
for n in 1 4; do
  w=$((4 * n)) per_batch=$((4096 / (4 * n))) per=$(((D + 4 * n - 1) / (4 * n)))
  out=$(run "$n" --epochs 1 --global-batch 4096 --breakdown "$tmp/g$n.txt" --out "$tmp/g$n.csv")
  tap_check "--global-batch 4096 on $w GPUs: 'global batch 4096 = $per_batch per GPU (strong scaling)'" \
    -n "$(grep -F ", global batch 4096 = $per_batch per GPU (strong scaling), " <<<"$out")"
  tap_check "... ceil(ceil($D / $w) / $per_batch) = $(((per + per_batch - 1) / per_batch)) batches" \
    "$(batches "$out")" = $(((per + per_batch - 1) / per_batch))
  tap_check "... the run's CSV says so on its first line" \
    "$(head -n 1 "$tmp/g$n.csv")" = "# global batch 4096 = $per_batch per GPU (strong scaling), last batch $(last "$out")"
done
awk -v a="$(fb "$tmp/g1.txt")" -v b="$(fb "$tmp/g4.txt")" 'BEGIN { d = a / b - 4; exit !(b > 0 && d * d < 1e-16) }'
tap_result $? "4 times the GPUs, a quarter of the forward-backward per batch ($(fb "$tmp/g1.txt") s -> $(fb "$tmp/g4.txt") s)"
tap_ok "a run's CSV with the batch line still drives --loss-curve" \
  run 1 --epochs 1 --loss-curve "$tmp/g1.csv"

# --- refusals: one line, exit 2
common=(--platform "$plat" --model "$tmp/small.profile" --strategy sync --epochs 1 --quiet)
tap_expect_input_error "--batch-size with --global-batch" "$sim" "${common[@]}" --nodes 1 \
  --batch-size 64 --global-batch 4096
tap_expect_input_error "--global-batch 4096 over 12 GPUs (not a multiple)" "$sim" "${common[@]}" \
  --nodes 3 --global-batch 4096
tap_expect_input_error "--global-batch 2 over 4 GPUs (below one sample each)" "$sim" "${common[@]}" \
  --nodes 1 --global-batch 2
tap_expect_input_error "--batch-size 0" "$sim" "${common[@]}" --nodes 1 --batch-size 0
tap_expect_input_error "--global-batch 0" "$sim" "${common[@]}" --nodes 1 --global-batch 0
tap_expect_input_error "--batch-size 1.5" "$sim" "${common[@]}" --nodes 1 --batch-size 1.5
sed "s/^dataset_size .*/dataset_size 4e9/" "$DASO_MODELS/resnet50.profile" >"$tmp/big.profile"
tap_expect_input_error "--batch-size 1 on 4e9 samples (more batches than an int holds)" "$sim" \
  "${common[@]}" --model "$tmp/big.profile" --nodes 1 --batch-size 1
tap_done
