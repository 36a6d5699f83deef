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
tap_check "loss file: warm-up header" "$(grep -c '^# epoch 1 gs 0 ls 0 S 0$' <<<"$out")" -eq 1
tap_check "loss file: (4,1,1) after warm-up" "$(grep -c '^# epoch 2 gs 4 ls 1 S 1$' <<<"$out")" -eq 1
tap_check "loss file: plateau halves gs" "$(grep -c '^# epoch 6 gs 2 ls 1 S 1$' <<<"$out")" -eq 1
tap_check "loss file: cool-down" "$(grep -c '^# epoch 9 gs 0 ls 0 S 0$' <<<"$out")" -eq 1
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

tap_done
