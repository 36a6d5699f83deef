#!/usr/bin/env bash
# test_analysis.sh: daso-stats and analysis/figures on the hand-made results set of
# tests/fixtures/analysis: the means, 95% confidence intervals, speedups, efficiencies and DASO's
# reductions it writes equal the values computed by hand below; the figures exist in PNG and SVG;
# bad inputs get one line and exit code 2. Run from the project root: BUILD=build tests/test_analysis.sh
#
# The fixture (gpus_per_node 2, max-global-skips 8, 3 epochs per run; model fashion_mlp simulated,
# mlp measured):
#   simulated (seed 1): training time daso 100 s on 1 node, 60 s on 2; sync 120 s and 80 s
#   measured, 2 nodes, seeds 1 2 3: daso 40 42 44 s, sync 50 55 60 s; final loss daso .50 .52 .54,
#     sync .48 .50 .52; final accuracy daso .85 .86 .87, sync .86 .87 .88; compute per epoch daso
#     12, 12.6667, 13.3333 s; elapsed after epoch 1 daso 27, 28.5, 30 s
# t(0.975, 2) = 4.302653, sqrt(3) = 1.7320508:
#   daso time 42 +- 4.302653 * 2 / sqrt(3) = 4.968276     sync 55 +- 4.302653 * 5 / sqrt(3) = 12.420689
#   loss .52 +- 4.302653 * .02 / sqrt(3) = .04968276     accuracy .86 +- .02484138
#   compute 12.666667 +- 4.302653 * .6666667 / sqrt(3) = 1.656092
#   paired reduction: 1 - 40/50 = .2, 1 - 42/55 = .2363636, 1 - 44/60 = .2666667: mean .2343434,
#     s = .0333792, +- 4.302653 * .0333792 / sqrt(3) = .0829186
#   unpaired (sync's third seed renamed): 1 - 42/55 = .2363636 +- (42/55) sqrt((4.968276/42)^2 +
#     (12.420689/55)^2) = .1946787
#   speedup (sim) daso 100/60 = 1.666667, efficiency .8333333; sync 120/80 = 1.5, .75
#   reduction (sim) 1 - 100/120 = .1666667 on 1 node, 1 - 60/80 = .25 on 2
#   simulated / measured epoch time: daso (60/3) / (42/3) = 1.428571, sync 80/55 = 1.454545
#   bytes between nodes (sum over epochs): sim daso 4e8 + 1e8 + 4e8 = 9e8 on 2 nodes, measured
#     daso 4.5e8; manifest.txt's options have no --compute-dist: no compute variability
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
stats=$B/daso-stats
fixture=tests/fixtures/analysis
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A and B agree within 1e-6 (relative, absolute below 1): near A B
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(a != "" && d <= 1e-6 * (m > 1 ? m : 1)) }'; }
# column C of the row whose first column is K, in the block titled T of data file F: cell F T K C
cell() {
  awk -v t="$2" -v k="$3" -v c="$4" '
    /^# block / { sub(/^# block [0-9]+ lt [0-9]+ dt [0-9]+ title /, ""); b = $0; next }
    /^#/ || !NF { next }
    b == t && $1 == k { print $c; exit }' "$1"
}
# column C of groups.dat's row of BACKEND STRATEGY NODES: grp DIR BACKEND STRATEGY NODES C
grp() { awk -v b="$2" -v s="$3" -v n="$4" -v c="$5" '!/^#/ && $2 == b && $3 == s && $4 == n { print $c; exit }' "$1/groups.dat"; }
# the block titles: strategy, then what tells the simulated and the measured study apart
S="simulated, platform local_2core, model fashion_mlp" M="measured, model mlp"
# check NAME GOT EXPECTED
check() { near "$2" "$3"; tap_result $? "$1 = $3 (got ${2:-nothing})"; }

cp -r "$fixture" "$tmp/r"
# one run's CSV given by its absolute path, as the runner may write it
sed -i "s|\treal-daso-n2-s2.csv\$|\t$tmp/r/real-daso-n2-s2.csv|" "$tmp/r/runs.tsv"
tap_ok "daso-stats on the fixture" "$stats" "$tmp/r"
a=$tmp/r/analysis
for f in groups time_vs_nodes efficiency bytes reduction curves breakdown schedule sim_vs_real; do
  tap_check "$f.dat written" -s "$a/$f.dat"
done
tap_check "summary.md written" -s "$a/summary.md"

# --- means and confidence intervals over seeds
check "measured daso training time" "$(grp "$a" real daso 2 11)" 42
check "its 95% CI (t 4.302653, n 3)" "$(grp "$a" real daso 2 12)" 4.968276
check "measured sync training time" "$(grp "$a" real sync 2 11)" 55
check "its 95% CI" "$(grp "$a" real sync 2 12)" 12.420689
check "measured daso final loss" "$(grp "$a" real daso 2 15)" 0.52
check "its 95% CI" "$(grp "$a" real daso 2 16)" 0.04968276
check "measured daso final accuracy" "$(grp "$a" real daso 2 17)" 0.86
check "its 95% CI" "$(grp "$a" real daso 2 18)" 0.02484138
check "measured daso bytes between nodes (sum over epochs)" "$(grp "$a" real daso 2 19)" 4.5e8
check "measured daso compute per epoch" "$(grp "$a" real daso 2 21)" 12.666667
check "its 95% CI" "$(grp "$a" real daso 2 22)" 1.656092
check "one seed: no interval (CI 0)" "$(grp "$a" sim daso 2 12)" 0
tap_check "one seed: n = 1" "$(grp "$a" sim daso 2 9)" -eq 1
tap_check "sim accuracy is nan" "$(grp "$a" sim daso 2 17)" = nan

# --- time against nodes, speedup, efficiency
check "sim daso time on 2 nodes" "$(cell "$a/time_vs_nodes.dat" "daso, $S" 2 3)" 60
check "sim sync time on 1 node" "$(cell "$a/time_vs_nodes.dat" "sync, $S" 1 3)" 120
check "measured daso time block" "$(cell "$a/time_vs_nodes.dat" "daso, $M" 2 3)" 42
check "sim daso speedup 100/60" "$(cell "$a/efficiency.dat" "daso, $S" 2 3)" 1.6666667
check "sim daso efficiency" "$(cell "$a/efficiency.dat" "daso, $S" 2 5)" 0.8333333
check "sim sync speedup 120/80" "$(cell "$a/efficiency.dat" "sync, $S" 2 3)" 1.5
check "sim sync efficiency" "$(cell "$a/efficiency.dat" "sync, $S" 2 5)" 0.75
check "speedup at the fewest nodes" "$(cell "$a/efficiency.dat" "daso (= sync), $M" 2 3)" 1

# --- bytes between nodes against nodes (node counts above 1)
check "bytes: sim daso on 2 nodes" "$(cell "$a/bytes.dat" "daso, $S" 2 3)" 9e8
check "bytes: measured daso (mean over seeds)" "$(cell "$a/bytes.dat" "daso, $M" 2 3)" 4.5e8
check "bytes: measured sync" "$(cell "$a/bytes.dat" "sync, $M" 2 3)" 2.4e9
tap_check "bytes: no row for 1 node" -z "$(cell "$a/bytes.dat" "daso, $S" 1 3)"

# --- titles: epochs and seeds, and whether simulated compute times varied
tap_check "subject: epochs, seeds, no compute variability" "$(grep -c '^# subject: 2 GPUs/node, 3 epochs, 1 seed / 3 seeds, no compute variability, max-global-skips 8$' "$a/time_vs_nodes.dat")" -eq 1
cp -r "$fixture" "$tmp/v"
sed -i 's/^options .*/& --compute-dist lognormal:0.1/' "$tmp/v/manifest.txt"
"$stats" "$tmp/v" >/dev/null
tap_check "compute variability from manifest.txt" "$(grep -c '^# subject: .*, compute variability lognormal:0.1,' "$tmp/v/analysis/time_vs_nodes.dat")" -eq 1
# --- identical series are said to coincide: simulated sync made a copy of daso
cp -r "$fixture" "$tmp/c"
for n in 1 2; do sed 's/ daso / sync /' "$tmp/c/sim-daso-n$n-s1.csv" >"$tmp/c/sim-sync-n$n-s1.csv"; done
"$stats" "$tmp/c" >/dev/null
tap_check "coinciding curves: daso (= sync)" "$(grep -c "title daso (= sync), simulated" "$tmp/c/analysis/time_vs_nodes.dat")" -eq 1
tap_check "coinciding curves: sync (= daso)" "$(grep -c "title sync (= daso), simulated" "$tmp/c/analysis/bytes.dat")" -eq 1
tap_check "different curves are not said to coincide" "$(grep -c "(=" "$a/time_vs_nodes.dat")" -eq 0

# --- DASO's reduction of training time
check "sim reduction vs sync, 1 node" "$(cell "$a/reduction.dat" "vs sync, $S" 1 7)" 0.1666667
check "sim reduction vs sync, 2 nodes" "$(cell "$a/reduction.dat" "vs sync, $S" 2 7)" 0.25
check "measured reduction (paired seeds)" "$(cell "$a/reduction.dat" "vs sync, $M" 2 7)" 0.2343434
check "its 95% CI" "$(cell "$a/reduction.dat" "vs sync, $M" 2 8)" 0.0829186
tap_check "marked paired" "$(cell "$a/reduction.dat" "vs sync, $M" 2 11)" -eq 1

# --- per-epoch curves, breakdown, schedule, simulated against measured
check "daso elapsed after epoch 1" "$(cell "$a/curves.dat" daso 1 2)" 28.5
check "its 95% CI" "$(cell "$a/curves.dat" daso 1 3)" 3.726207
check "sync loss after epoch 2" "$(cell "$a/curves.dat" sync 2 4)" 0.5
check "breakdown: sim sync wait, epoch 0" "$(cell "$a/breakdown.dat" "sync, $S" 0 6)" 8
tap_check "schedule: epoch 1 at (4,1,1)" "$(cell "$a/schedule.dat" "daso, $M" 1 2)$(cell "$a/schedule.dat" "daso, $M" 1 3)$(cell "$a/schedule.dat" "daso, $M" 1 4)" = 411
check "sim/real epoch time, daso" "$(awk '$1 == "daso" { print $12 }' "$a/sim_vs_real.dat")" 1.4285714
check "sim/real epoch time, sync" "$(awk '$1 == "sync" { print $12 }' "$a/sim_vs_real.dat")" 1.4545455

# --- summary.md
sum=$a/summary.md
tap_check "summary: measured times and reduction" "$(grep -c '^| 2 | 4 | 42 ± 5 (n=3) | 55 ± 12 (n=3) | 23.4% ± 8.3% (n=3) |$' "$sum")" -eq 1
tap_check "summary: simulated row, n = 1 said" "$(grep -c '^| 1 | 2 | 100 (n=1) | 120 (n=1) | 16.7% (n=1) |$' "$sum")" -eq 1
tap_check "summary: one section per study and sim against real" "$(grep -c '^## ' "$sum")" -eq 3
# the simulator does not train: its final loss is the loss curve it was given
tap_check "summary: simulated final loss is the input curve" "$(grep -c '^| daso | 2 | 1.67 (n=1) | 0.833 (n=1) | 0.9 (n=1) (input curve) |' "$sum")" -eq 1
tap_check "summary: measured final loss is not" "$(grep -c '^| daso | 2 | 1 (n0) | 1 (n0) | 0.52 ± 0.05 (n=3) |' "$sum")" -eq 1

# --- unpaired seeds: the reduction from the means, the interval propagated
cp -r "$fixture" "$tmp/u"
sed -i 's/^\(real-sync-n2-s3\t.*\t\)3\t-\t/\14\t-\t/' "$tmp/u/runs.tsv"
"$stats" "$tmp/u" >/dev/null
check "unpaired reduction 1 - 42/55" "$(cell "$tmp/u/analysis/reduction.dat" "vs sync, $M" 2 7)" 0.2363636
check "its propagated CI" "$(cell "$tmp/u/analysis/reduction.dat" "vs sync, $M" 2 8)" 0.1946787
tap_check "marked unpaired" "$(cell "$tmp/u/analysis/reduction.dat" "vs sync, $M" 2 11)" -eq 0

# --- figures: every one in PNG and SVG
if command -v gnuplot >/dev/null; then
  BUILD=$B analysis/figures "$tmp/r" >"$tmp/figures.out" 2>&1
  tap_result $? "analysis/figures on the fixture" "$(cat "$tmp/figures.out")"
  for f in time_vs_nodes reduction efficiency bytes_vs_nodes loss_vs_epoch acc_vs_epoch loss_vs_time \
           acc_vs_time breakdown schedule sim_vs_real; do
    png=$tmp/r/analysis/figures/$f.png svg=$tmp/r/analysis/figures/$f.svg
    [ -s "$png" ] && [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
    tap_result $? "$f.png is a PNG"
    [ -s "$svg" ] && grep -q '<svg' "$svg"
    tap_result $? "$f.svg is an SVG"
  done
  # a simulated-only set: the measured figures are skipped, each with a line
  mkdir "$tmp/s" && cp "$fixture"/sim-*.csv "$tmp/s" && grep -v '^real' "$fixture/runs.tsv" >"$tmp/s/runs.tsv"
  BUILD=$B analysis/figures "$tmp/s" >"$tmp/s.out" 2>&1
  tap_result $? "analysis/figures on simulated runs only" "$(cat "$tmp/s.out")"
  tap_check "five figures skipped, each with a line" "$(grep -c 'skipping' "$tmp/s.out")" -eq 5
  tap_check "sim_vs_real skipped" ! -e "$tmp/s/analysis/figures/sim_vs_real.png"
  tap_check "the accuracy figures say measured or emulated" "$(grep -c 'no measured or emulated runs with a test accuracy' "$tmp/s.out")" -eq 2

  # the schedule's epoch axis spans every epoch, also those after the ones with gs above the
  # y range of the previous stats (gnuplot's stats leaves out points outside the current ranges)
  printf '# epoch gs ls S\n# block 0 lt 1 dt 1 title daso\n' >"$tmp/sched.dat"
  for e in 0 1 2 3 4 5 6 7 8 9; do g=0; [ $e -ge 2 ] && [ $e -le 7 ] && g=4; echo "$e $g 1 1"; done >>"$tmp/sched.dat"
  xmax=$(gnuplot -e "set loadpath 'analysis'; fmt = 'svg'; pngterm = 'png'; out = '$tmp/sched.svg'; \
                     dat = '$tmp/sched.dat'; subject = ''; nb = 1; lts = '1'; dts = '1'; titles = '\"daso\"'" \
                  analysis/schedule.gp -e 'print GPVAL_X_MAX' 2>&1)
  check "schedule: epoch axis up to the last epoch + 0.5" "$xmax" 9.5

  # one node count: a point with its error bar, not a line through one point
  ec=$(gnuplot -e "dat = 'd'; nb = 2; lts = '1 2'; dts = '1 1'; npts = '3 1'; titles = '\"a\" \"b\"'; \
                   fmt = 'svg'; pngterm = 'png'; out = '/dev/null'; subject = ''" \
               -e "load 'analysis/style.gp'; print errorcurves('1:3:4')" 2>&1)
  tap_check "several node counts: a curve" "$(grep -c 'index 0 using 1:3:4 with yerrorlines' <<<"$ec")" -eq 1
  tap_check "one node count: a point" "$(grep -c 'index 1 using 1:3:4 with yerrorbars' <<<"$ec")" -eq 1
  mkdir "$tmp/m" && cp "$fixture"/real-*.csv "$tmp/m" && grep -v '^sim' "$fixture/runs.tsv" >"$tmp/m/runs.tsv"
  BUILD=$B analysis/figures "$tmp/m" >"$tmp/m.out" 2>&1
  tap_result $? "analysis/figures on measured runs on one node count" "$(cat "$tmp/m.out")"
  tap_check "efficiency skipped with a line: one node count" "$(grep -c 'skipping efficiency: every strategy ran one node count' "$tmp/m.out")" -eq 1
  tap_check "time_vs_nodes drawn" -s "$tmp/m/analysis/figures/time_vs_nodes.png"

  # emulated runs: accuracy against (simulated) time too; a block without accuracy is left out
  cp -r "$tmp/m" "$tmp/e" && rm -rf "$tmp/e/analysis"
  sed -i 's/\treal\t/\temu\t/' "$tmp/e/runs.tsv"
  sed -i 's/ [0-9.]*$/ nan/' "$tmp/e"/real-sync-*.csv
  BUILD=$B analysis/figures "$tmp/e" >"$tmp/e.out" 2>&1
  tap_result $? "analysis/figures on emulated runs" "$(cat "$tmp/e.out")"
  tap_check "emulated: acc_vs_time drawn" -s "$tmp/e/analysis/figures/acc_vs_time.png"
  tap_check "emulated: sync without accuracy left out with a line" "$(grep -c 'acc_vs_time: leaving out sync: ' "$tmp/e.out")" -eq 1
  tap_check "emulated: the time to accuracy titled so" "$(grep -c 'time to accuracy' "$tmp/e/analysis/figures/acc_vs_time.svg")" -ge 1

  # from another folder: the results set relative to it, build/ the repository's by default
  root=$(pwd)
  if [ "$(cd "$B" && pwd)" = "$root/build" ]; then
    (cd "$tmp" && rm -rf r/analysis && env -u BUILD "$root/analysis/figures" r >"$tmp/o.out" 2>&1)
    tap_result $? "analysis/figures from another folder" "$(cat "$tmp/o.out")"
    tap_check "its figures written" -s "$tmp/r/analysis/figures/schedule.svg"
  else
    echo "ok $((tap_n + 1)) - analysis/figures from another folder # SKIP BUILD is not build/"; tap_n=$((tap_n + 1))
  fi
else
  echo "ok $((tap_n + 1)) - analysis/figures # SKIP gnuplot not found"; tap_n=$((tap_n + 1))
fi

# --- bad input: one line, exit code 2
bad() { rm -rf "$tmp/b"; cp -r "$fixture" "$tmp/b"; }
tap_expect_input_error "no results directory" "$stats"
tap_expect_input_error "unknown option" "$stats" "$tmp/r" --frobnicate
mkdir "$tmp/empty"
tap_expect_input_error "missing runs.tsv" "$stats" "$tmp/empty"
bad; rm "$tmp/b/sim-sync-n2-s1.csv"
tap_expect_input_error "missing CSV" "$stats" "$tmp/b"
bad; sed -i '2s/ 24 24 / 24 abc /' "$tmp/b/sim-daso-n2-s1.csv"
tap_expect_input_error "CSV with a non-number" "$stats" "$tmp/b"
bad; sed -i '2s/ 24 24 / 24 nan /' "$tmp/b/sim-daso-n2-s1.csv"
tap_expect_input_error "nan training time" "$stats" "$tmp/b"
bad; sed -i '2s/ 0 2.0 nan$/ 0 2.0/' "$tmp/b/sim-daso-n2-s1.csv"
tap_expect_input_error "CSV row with a missing field" "$stats" "$tmp/b"
bad; sed -i '1s/\tseed\t/\tsede\t/' "$tmp/b/runs.tsv"
tap_expect_input_error "runs.tsv without a seed column" "$stats" "$tmp/b"
bad; sed -i '2s/\tsim\t/\tcloud\t/' "$tmp/b/runs.tsv"
tap_expect_input_error "unknown backend" "$stats" "$tmp/b"
bad; sed -i '2s/\tdaso\t1\t/\tdaso\tone\t/' "$tmp/b/runs.tsv"
tap_expect_input_error "node count not a number" "$stats" "$tmp/b"
bad; sed -i 's/^\(real-daso-n2-s2\t.*\t\)2\t-\t/\11\t-\t/' "$tmp/b/runs.tsv"
tap_expect_input_error "a seed repeated in a configuration" "$stats" "$tmp/b"
bad; grep '^#' "$fixture/runs.tsv" >"$tmp/b/runs.tsv"
tap_expect_input_error "runs.tsv without runs" "$stats" "$tmp/b"
bad; sed -i '1s/^#.*/#/' "$tmp/b/runs.tsv"
tap_expect_input_error "runs.tsv whose '#' header names no columns" "$stats" "$tmp/b"
err=$("$stats" "$tmp/b" 2>&1)
tap_check "... and named so ($err)" \
  "$err" = "daso-stats: $tmp/b/runs.tsv:2: data before a '#' header naming the columns"

tap_done
