#!/usr/bin/env bash
# test_cli.sh: the command-line contract of the programs: --help works, a correct call prints the
# expected plan, and every impossible setting gets one line naming the problem and exit code 2,
# with nothing on stdout. Run from the project root: BUILD=build tests/test_cli.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
plan=$B/daso-plan
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- daso-plan: working calls
tap_ok "daso-plan --help" "$plan" --help
out=$("$plan" --gpus-per-node 4 --global-skip 4 --local-skip 1 --batches-to-wait 1 --last-batch 17 --epochs 2)
tap_check "fixed schedule: 2 epochs of 18 batches plus 2 headers" "$(wc -l <<<"$out")" -eq 38
tap_check "fixed schedule: epoch 1 restarts at g0" "$(grep -c '^1 0 on send g0 B1 fp32$' <<<"$out")" -eq 1
printf '%s\n' 5 4 3 2.9 2.9 2.9 2.9 2.9 2.9 2.9 >"$tmp/loss"
out=$("$plan" --gpus-per-node 4 --last-batch 3 --epochs 10 --loss-file "$tmp/loss" --warmup-epochs 2 --cooldown-epochs 1)
tap_check "loss file: warm-up header" "$(grep -c '^# epoch 1 gs 0 ls 0 S 0 blocking$' <<<"$out")" -eq 1
tap_check "loss file: (4,1,1) after warm-up" "$(grep -c '^# epoch 2 gs 4 ls 1 S 1$' <<<"$out")" -eq 1
tap_check "loss file: plateau halves gs" "$(grep -c '^# epoch 6 gs 2 ls 1 S 1$' <<<"$out")" -eq 1
tap_check "loss file: cool-down" "$(grep -c '^# epoch 9 gs 0 ls 0 S 0 blocking$' <<<"$out")" -eq 1
printf '# epoch strategy train_loss test_acc\n0 daso 5 0.1\n1 daso 4 0.2\n' >"$tmp/run.csv"
tap_ok "loss file: a per-epoch CSV's train_loss column" "$plan" --gpus-per-node 2 --last-batch 1 --epochs 2 --loss-file "$tmp/run.csv"
out=$("$plan" --strategy localsgd --gpus-per-node 2 --last-batch 3 --localsgd-period 2)
tap_check "localsgd plan" "$(grep -c 'avg world fp32' <<<"$out")" -eq 2

# --- daso-plan: bad input
fixed=(--global-skip 4 --local-skip 1 --batches-to-wait 1)
tap_expect_input_error "G < 2" "$plan" --gpus-per-node 1 "${fixed[@]}" --last-batch 17
tap_expect_input_error "negative global skip" "$plan" --gpus-per-node 4 --global-skip -1 --local-skip 1 --batches-to-wait 1 --last-batch 17
tap_expect_input_error "negative batches to wait" "$plan" --gpus-per-node 4 --global-skip 4 --local-skip 1 --batches-to-wait -2 --last-batch 17
tap_expect_input_error "last batch < 0" "$plan" --gpus-per-node 4 "${fixed[@]}" --last-batch -1
tap_expect_input_error "zero epochs" "$plan" --gpus-per-node 4 "${fixed[@]}" --last-batch 3 --epochs 0
tap_expect_input_error "unknown option" "$plan" --gpus-per-node 4 "${fixed[@]}" --last-batch 17 --frobnicate 3
tap_expect_input_error "not a number" "$plan" --gpus-per-node four "${fixed[@]}" --last-batch 17
tap_expect_input_error "missing value" "$plan" --gpus-per-node 4 "${fixed[@]}" --last-batch
tap_expect_input_error "incomplete fixed schedule" "$plan" --gpus-per-node 4 --global-skip 4 --last-batch 17
tap_expect_input_error "loss file too short" "$plan" --gpus-per-node 4 --last-batch 3 --epochs 11 --loss-file "$tmp/loss"
printf '1\n2\nabc\n' >"$tmp/bad"
tap_expect_input_error "loss file with a non-number" "$plan" --gpus-per-node 4 --last-batch 3 --epochs 3 --loss-file "$tmp/bad"
tap_expect_input_error "missing loss file" "$plan" --gpus-per-node 4 --last-batch 3 --epochs 3 --loss-file "$tmp/none"
tap_expect_input_error "bad hyperparameter" "$plan" --gpus-per-node 4 --last-batch 3 --epochs 3 --loss-file "$tmp/loss" --stability-level -0.1
tap_expect_input_error "bad choice" "$plan" --gpus-per-node 4 --last-batch 3 --epochs 3 --loss-file "$tmp/loss" --downcast sometimes
tap_expect_input_error "unknown strategy" "$plan" --strategy gossip --gpus-per-node 4 --last-batch 3

# --- one command-line layer: every program and subcommand has --help and -h, takes
# --name=value as --name value, names a near miss and refuses abbreviations
for p in daso-plan daso-platform daso-sim daso-train daso-stats daso-calibrate daso-emulate \
         "daso-calibrate profile" "daso-calibrate platform" "daso-calibrate scaling"; do
  read -r prog sub <<<"$p"
  if [ ! -x "$B/$prog" ]; then tap_skip "$p --help" "$prog not built (see the banner)"; continue; fi
  for h in --help -h; do
    # shellcheck disable=SC2086
    out=$("$B/$prog" $sub $h 2>&1); rc=$?
    tap_check "$p $h: exit 0 and a usage (exit $rc)" "$rc" -eq 0 -a "$(grep -c '^usage: ' <<<"$out")" -ge 1
  done
  tap_check "$p --help: says what an option given twice does" "$(grep -c '^An option given twice takes its last value' <<<"$out")" -eq 1
done
for s in analysis/figures experiments/run "$B/bench-real"; do
  [ -x "$s" ] || { tap_skip "$s --help" "not built (see the banner)"; continue; }
  for h in --help -h; do
    out=$("$s" $h 2>&1); rc=$?
    tap_check "$s $h: exit 0 and a usage (exit $rc)" "$rc" -eq 0 -a "$(grep -c '^usage: ' <<<"$out")" -ge 1
  done
done
tap_expect_input_error "analysis/figures: an unknown option" analysis/figures --bogus
fixed_eq=(--gpus-per-node=4 --global-skip=4 --local-skip=1 --batches-to-wait=1 --last-batch=17)
tap_check "daso-plan: --name=value as --name value" \
  "$("$plan" "${fixed_eq[@]}" --epochs=2)" = "$("$plan" --gpus-per-node 4 "${fixed[@]}" --last-batch 17 --epochs 2)"
tap_check "daso-plan: an option given twice takes its last value, as --help says" \
  "$("$plan" --gpus-per-node 4 "${fixed[@]}" --last-batch 17 --epochs 5 --epochs 2)" = "$("$plan" --gpus-per-node 4 "${fixed[@]}" --last-batch 17 --epochs 2)"
err=$("$plan" --gpus-per-node 4 "${fixed[@]}" --last-batch 17 --epoch 2 2>&1)
tap_check "daso-plan: a near miss is named ($err)" "$err" = "daso-plan: unknown option '--epoch' (did you mean --epochs?) (see --help)"
tap_expect_input_error "daso-plan: an abbreviation is refused" "$plan" --gpus-per-node 4 "${fixed[@]}" --last 17
tap_expect_input_error "daso-plan: a flag takes no value" "$plan" --gpus-per-node 4 "${fixed[@]}" --last-batch 17 --true-staleness=1
# every option is long: an argument of one '-' and letters is refused whole, never read as -h
tap_expect_input_error "daso-plan: -hx is an unknown option, not -h (was a crash)" "$plan" -hx
err=$("$plan" --gpus-per-node 4 -xy 2>&1)
tap_check "daso-plan: an unknown short option names the argument ($err)" \
  "$err" = "daso-plan: unknown option '-xy' (see --help)"
tap_check "daso-platform: --name=value as --name value" \
  "$("$B/daso-platform" --nodes=2 --gpus-per-node=2 | grep -v daso:command | grep -v -- '- -nodes')" = \
  "$("$B/daso-platform" --nodes 2 --gpus-per-node 2 | grep -v daso:command | grep -v -- '- -nodes')"
tap_expect_input_error "daso-platform: a near miss" "$B/daso-platform" --node 2
if [ -x "$B/daso-stats" ]; then
  err=$("$B/daso-stats" tests/fixtures/analysis --ot "$tmp/st" 2>&1)
  tap_check "daso-stats: a near miss is named ($err)" "$(grep -c 'did you mean --out?' <<<"$err")" -eq 1
  "$B/daso-stats" --out="$tmp/st" tests/fixtures/analysis >/dev/null
  tap_check "daso-stats: --out=DIR before the results folder" -s "$tmp/st/summary.md"
fi

# --- no silent wrong answers: a DASO run that is blocking throughout says so
printf '%s\n' 5 4 3 2 1 1 1 1 >"$tmp/loss8"
"$plan" --gpus-per-node 4 --last-batch 1 --epochs 8 --loss-file "$tmp/loss8" >"$tmp/p8" 2>"$tmp/e8"
tap_check "8 epochs with warm-up 4 and cool-down 4: one warning line ($(cat "$tmp/e8"))" \
  "$(grep -c '^daso-plan: warning: with --warmup-epochs 4 and --cooldown-epochs 4, all 8 epochs are blocking' "$tmp/e8")" -eq 1 -a "$(wc -l <"$tmp/e8")" -eq 1
tap_check "8 blocking epochs: every epoch header says blocking" "$(grep -c '^# epoch [0-9] gs 0 ls 0 S 0 blocking$' "$tmp/p8")" -eq 8
printf '%s\n' 5 4 3 2 1 1 1 1 1 >"$tmp/loss9"
"$plan" --gpus-per-node 4 --last-batch 1 --epochs 9 --loss-file "$tmp/loss9" >"$tmp/p9" 2>"$tmp/e9"
tap_check "9 epochs: no warning, epoch 4 asynchronous" "$(wc -c <"$tmp/e9")" -eq 0 -a "$(grep -c '^# epoch 4 gs 4 ls 1 S 1$' "$tmp/p9")" -eq 1

# --- --skip-reduction-factor 3 or more: a plateau never takes gs below 1, so the cycle restarts
yes 1 | head -40 >"$tmp/flat"
"$plan" --gpus-per-node 4 --last-batch 1 --epochs 40 --loss-file "$tmp/flat" --warmup-epochs 1 \
  --cooldown-epochs 0 --skip-reduction-factor 3 --first-global-skip 1 --plateau-patience 0 >"$tmp/f3"
tap_check "factor 3: blocking only in the warm-up epoch ($(grep -c 'gs 0' "$tmp/f3") blocking)" \
  "$(grep -c '^# epoch .* gs 0 ' "$tmp/f3")" -eq 1
tap_check "factor 3: the cycle 8, 2, 1 restarts at max-global-skips ($(grep -c '^# epoch .* gs 8 ls 2 S 2$' "$tmp/f3") restarts)" \
  "$(grep -c '^# epoch .* gs 8 ls 2 S 2$' "$tmp/f3")" -ge 5 -a "$(grep -c '^# epoch .* gs 2 ls 1 S 1$' "$tmp/f3")" -ge 5

# --- readers are bounded (util_getline): a line longer than 1 MiB (/dev/zero has no end of line)
# is one line and exit 2 in bounded memory (400 MB of address space here; an unbounded getline
# took 4.2 GB in 10 s), and so is a folder named as a file (once read as an empty file)
# the bound: 400 MB of address space, or for a sanitized build (whose shadow memory takes
# terabytes of address space) AddressSanitizer's own limit of 400 MB resident
if nm "$plan" 2>/dev/null | grep -q __asan_init; then
  bounded() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=400 timeout 20 "$@"; }
else
  bounded() { (ulimit -v 400000; exec timeout 20 "$@"); }
fi
plan_loss=("$plan" --gpus-per-node 4 --last-batch 3 --epochs 3 --warmup-epochs 1 --cooldown-epochs 1 --loss-file)
tap_expect_input_error "daso-plan --loss-file /dev/zero: a line over 1 MiB, in 400 MB" \
  bounded "${plan_loss[@]}" /dev/zero
tap_check "... and the message says so" \
  "$("${plan_loss[@]}" /dev/zero 2>&1)" = "daso-plan: /dev/zero: line 1 is longer than 1 MiB"
mkdir "$tmp/afolder"
tap_expect_input_error "daso-plan --loss-file naming a folder" "${plan_loss[@]}" "$tmp/afolder"
tap_check "... named as such, not read as a file with no values" \
  "$("${plan_loss[@]}" "$tmp/afolder" 2>&1)" = "daso-plan: cannot read $tmp/afolder: Is a directory"
head -c $((1024 * 1024)) /dev/zero | tr '\0' 5 >"$tmp/long"; echo >>"$tmp/long"
tap_expect_input_error "daso-plan --loss-file: a line of 1 MiB and its end of line" "${plan_loss[@]}" "$tmp/long"
if [ -x "$B/daso-sim" ]; then
  tap_expect_input_error "daso-sim --model /dev/zero: a line over 1 MiB, in 400 MB" \
    bounded "$B/daso-sim" --platform platforms/juwels_booster.xml \
    --nodes 1 --model /dev/zero --epochs 1
  for d in compute-dist gpu-speed-dist; do
    tap_expect_input_error "daso-sim --$d hist:/dev/zero: a line over 1 MiB, in 400 MB" \
      bounded "$B/daso-sim" --platform platforms/juwels_booster.xml \
      --nodes 1 --model resnet50 --epochs 1 --$d hist:/dev/zero --out "$tmp/z.csv"
  done
  tap_expect_input_error "daso-calibrate profile --trace /dev/zero: a line over 1 MiB, in 400 MB" \
    bounded "$B/daso-calibrate" profile --trace /dev/zero \
    --base fashion_mlp --name z --out "$tmp/z.profile"
  tap_expect_input_error "daso-calibrate scaling --measured /dev/zero: a line over 1 MiB, in 400 MB" \
    bounded "$B/daso-calibrate" scaling --measured /dev/zero \
    --platform platforms/juwels_booster.xml --gpus-per-node 4 --model resnet50 --out "$tmp/z.opts"
else
  tap_skip "daso-sim and daso-calibrate on /dev/zero" "daso-sim not built (see the banner)"
fi

tap_done
