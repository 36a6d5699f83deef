#!/usr/bin/env bash
# test_epochs.sh: daso-sim's epochs as PyTorch's loaders make them. By default every GPU gets
# ceil(D / W) samples (DistributedSampler without drop_last pads), so an epoch has
# ceil(ceil(D / W) / B) batches and the last holds the rest; its forward and backward take its
# share of a full batch's time, its optimizer step the full time. --drop-last gives
# floor(D / (W x B)) full batches. Checked: the batch counts and the last batch's size against
# those formulas at several scales; the last batch's compute in the per-batch breakdown; and that
# sync's scaling efficiency without variability, 4 T(4) / (W T(W)) for the same epochs, never
# exceeds 1 from 4 to 256 GPUs, while with --drop-last it does somewhere (the data processed
# shrinks with W). A ResNet-50 profile with a data set of 100,000 images, 2 epochs.
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
tap_done
