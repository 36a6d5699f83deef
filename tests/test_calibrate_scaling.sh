#!/usr/bin/env bash
# test_calibrate_scaling.sh: daso-calibrate scaling against a synthetic ground truth. daso-sim
# with hidden settings "measures" seconds per iteration at 2 to 8 GPUs (1 to 4 nodes of 2 GPUs);
# the fit of those rows, given to daso-sim, predicts 128 GPUs (16 times the largest measured
# scale) within 5% of the hidden truth there: per-batch compute variability (--compute-dist) and,
# apart, persistent per-GPU speed differences (--gpu-speed-dist), which cannot be fitted
# together. Bad measurements get one line, exit 2 and no options file.
# Run from the project root: BUILD=build tests/test_calibrate_scaling.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
sim=$B/daso-sim cal=$B/daso-calibrate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export DASO_MODELS=${DASO_MODELS:-sim/models}

"$B/daso-platform" --nodes 64 --gpus-per-node 2 --out "$tmp/p.xml"
# seconds per iteration of sync ResNet-50 on N nodes of 2 GPUs: spi N [daso-sim options]
spi() {
  local n=$1
  shift
  "$sim" --platform "$tmp/p.xml" --nodes "$n" --model resnet50 --strategy sync --epochs 1 \
    --quiet "$@" | sed -n 's/.* \([0-9]*\) batches: training time \([0-9.e+]*\) s.*/\1 \2/p' |
    awk '{ printf "%.9g", $2 / $1 }'
}

# --- the hidden truth, measured at 2..8 GPUs and run at 128
hidden=(--compute-dist=normal:0.08)
{ echo "# gpus seconds_per_iteration"
  for n in 1 2 3 4; do echo "$((2 * n)) $(spi $n "${hidden[@]}")"; done; } >"$tmp/measured"
truth=$(spi 64 "${hidden[@]}")
fit=(--measured "$tmp/measured" --platform "$tmp/p.xml" --gpus-per-node 2 --model resnet50)
"$cal" scaling "${fit[@]}" --fit compute-dist --out "$tmp/opts" >"$tmp/fit.out" 2>&1
tap_result $? "the fit runs" "$(cat "$tmp/fit.out")"
tap_check "one daso-sim option per line" "$(grep -vc '^--[a-z-]*=[^ ]*$' "$tmp/opts")" -eq 0
tap_check "the fit prints each parameter and every row's residual" \
  "$(grep -c '^  --compute-dist .*standard error' "$tmp/fit.out")" -eq 1 -a \
  "$(grep -cE '^ +[2468] .*%$' "$tmp/fit.out")" -eq 4
pred=$(spi 64 $(cat "$tmp/opts"))
plain=$(spi 64)
within "$pred" "$truth" 0.05
tap_result $? "prediction at 128 GPUs $pred s within 5% of the hidden truth $truth s" \
  "without the fit: $plain s; the fit: $(cat "$tmp/fit.out")"

# --- persistent per-GPU speed differences, hidden the same way, fitted as --gpu-speed-dist
hidden=(--gpu-speed-dist=normal:0.08)
{ echo "# gpus seconds_per_iteration"
  for n in 1 2 3 4; do echo "$((2 * n)) $(spi $n "${hidden[@]}")"; done; } >"$tmp/gmeasured"
truth=$(spi 64 "${hidden[@]}")
gfit=("${fit[@]/$tmp\/measured/$tmp/gmeasured}")
"$cal" scaling "${gfit[@]}" --fit gpu-speed-dist --out "$tmp/gopts" >"$tmp/gfit.out" 2>&1
tap_result $? "the fit of gpu-speed-dist runs" "$(cat "$tmp/gfit.out")"
tap_check "it writes --gpu-speed-dist=normal:CV" \
  "$(grep -c '^--gpu-speed-dist=normal:[0-9.e-]*$' "$tmp/gopts")" -eq 1
pred=$(spi 64 $(cat "$tmp/gopts"))
within "$pred" "$truth" 0.05
tap_result $? "gpu-speed-dist: prediction at 128 GPUs $pred s within 5% of the hidden truth $truth s" \
  "without the fit: $plain s; the fit: $(cat "$tmp/gfit.out")"

# --- three parameters at once, on a stand-in daso-sim of closed form next to a copy of
# daso-calibrate: 100 batches of 0.1 s x (1 + CV sqrt(2 ln GPUs)) + overhead + the allreduce's
# 2(g-1)/g x 2 ms over NVLink or 20 ms over the network, divided by the network share
mkdir "$tmp/fake"
cp "$cal" "$tmp/fake/daso-calibrate"
cat >"$tmp/fake/daso-sim" <<'SIM'
#!/usr/bin/env bash
n=1 g=1 cv=0 ms=0 share=1
for a in "$@"; do
  case $a in
    --nodes=*) n=${a#*=} ;; --gpus-per-node=*) g=${a#*=} ;; --compute-dist=normal:*) cv=${a#*:} ;;
    --step-overhead-ms=*) ms=${a#*=} ;; --net-share=*) share=${a#*=} ;;
  esac
done
awk -v n="$n" -v g="$g" -v cv="$cv" -v ms="$ms" -v f="$share" 'BEGIN { p = n * g
  t = 0.1 * (1 + cv * sqrt(2 * log(p))) + ms / 1000 + 2 * (p - 1) / p * (n > 1 ? 0.02 : 0.002) / f
  printf "daso-sim: sync, m, %d nodes x %d GPUs, 1 epochs x 100 batches: training time %.9g s\n",
         n, g, 100 * t }'
SIM
chmod +x "$tmp/fake/daso-sim"
closed() { # seconds per iteration of the stand-in on N nodes: closed N [options]
  "$tmp/fake/daso-sim" --nodes="$1" --gpus-per-node=2 "${@:2}" | awk '{ print $(NF - 1) / 100 }'
}
hidden=(--compute-dist=normal:0.06 --step-overhead-ms=4 --net-share=0.7)
for n in 1 2 3 4; do echo "$((2 * n)) $(closed $n "${hidden[@]}")"; done >"$tmp/closed"
"$tmp/fake/daso-calibrate" scaling --measured "$tmp/closed" --platform "$tmp/p.xml" \
  --gpus-per-node 2 --model resnet50 --out "$tmp/closed.opts" >"$tmp/closed.out" 2>&1
tap_check "by default three parameters fitted, each with a standard error" \
  "$(grep -cE '^  --(compute-dist|step-overhead-ms|net-share) .*error [0-9]' "$tmp/closed.out")" -eq 3
pred=$(closed 64 $(cat "$tmp/closed.opts")) truth=$(closed 64 "${hidden[@]}")
within "$pred" "$truth" 0.01
tap_result $? "three parameters: prediction at 128 GPUs $pred s within 1% of the truth $truth s" \
  "$(cat "$tmp/closed.out")"

# --- bad measurements: one line that says why, exit 2, no options file
# refused NAME PATTERN COMMAND...: exit 2, one stderr line and it matches PATTERN, no stdout
refused() {
  local name=$1 pat=$2
  shift 2
  tap_expect_input_error "$name" "$@"
  "$@" 2>&1 >/dev/null | grep -q -- "$pat"
  tap_result $? "$name: says '$pat'" "$("$@" 2>&1)"
}
bad() { # name pattern rows...
  local name=$1 pat=$2
  shift 2
  printf '%s\n' "$@" >"$tmp/bad"
  refused "$name" "$pat" "$cal" scaling "${fit[@]/$tmp\/measured/$tmp/bad}" --out "$tmp/badopts"
  tap_check "$name: no options file" "$(ls "$tmp" | grep -c badopts)" -eq 0
}
bad "fewer scales than parameters" "2 GPU counts for 3 parameters" "2 0.3" "4 0.31"
bad "a row that is not numbers" "bad:3: not a row" "2 0.3" "# comment" "4 fast" "8 0.32"
bad "a zero time" "bad:2: not a row" "2 0.3" "4 0" "8 0.32"
bad "a negative time" "bad:2: not a row" "2 0.3" "4 -0.31" "8 0.32"
bad "GPUs that are not whole nodes" "5 GPUs are not whole nodes" "2 0.3" "5 0.31" "8 0.32"
refused "a missing measurements file" "none" "$cal" scaling "${fit[@]/$tmp\/measured/$tmp/none}" \
  --out "$tmp/badopts"
tap_check "a missing measurements file: no options file" "$(ls "$tmp" | grep -c badopts)" -eq 0
refused "a strategy daso-sim refuses" "daso-sim at 2 GPUs: .*strategy" "$cal" scaling "${fit[@]}" \
  --fit compute-dist --strategy none --out "$tmp/badopts"
tap_check "a strategy daso-sim refuses: no options file" "$(ls "$tmp" | grep -c badopts)" -eq 0
refused "an unknown parameter to fit" "unknown parameter 'bogus'" "$cal" scaling \
  "${fit[@]}" --fit compute-dist,bogus --out "$tmp/badopts"
refused "compute-dist and gpu-speed-dist together" "cannot both be fitted" "$cal" scaling \
  "${fit[@]}" --fit gpu-speed-dist,step-overhead-ms,compute-dist --out "$tmp/badopts"
tap_check "compute-dist and gpu-speed-dist together: no options file" \
  "$(ls "$tmp" | grep -c badopts)" -eq 0
tap_done
