#!/usr/bin/env bash
# test_measured.sh: daso-sim's point-to-point benchmark modes (p2p, bidir, bisection) against
# closed forms on small platforms, their bad combinations of options (one line, exit 2), and the
# shipped JUWELS Booster platform against the published measurements it was fitted to (OSU
# osu_bw, osu_bibw, osu_latency and LinkTest --bisection; platforms/README.md, each figure one
# test, simulated within 5% of measured unless said otherwise).
# Run from the project root: BUILD=build tests/test_measured.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
sim=$B/daso-sim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# relative difference of two numbers is below a bound: within A B BOUND
within() { awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= r * (b < 0 ? -b : b)) }'; }
# field K (1-based) of the data row whose first field is BYTES in a benchmark output
field() { awk -v b="$2" -v k="$3" '!/^#/ && $1 == b { print $k }' "$1"; }
# A <= X <= B: between X A B
between() { awk -v x="$1" -v a="$2" -v b="$3" 'BEGIN { exit !(x != "" && x >= a && x <= b) }'; }

# --- closed forms: 2 cells of 2 nodes x 2 GPUs; NVLink 50 GB/s and 3 us, adapters 10 GB/s and
# 2 us a hop, one 8 GB/s link between the cells, no latency on it
"$B/daso-platform" --nodes 4 --gpus-per-node 2 --nodes-per-cell 2 --nvlink-bw 50e9 \
  --nvlink-lat 3e-6 --hca-bw 10e9 --hca-lat 2e-6 --global-links 1 --global-link-bw 8e9 \
  --global-lat 0 --out "$tmp/small.xml"
bench() { "$sim" --platform "$tmp/small.xml" --nodes 4 --bytes 0,1000000,100000000 "$@"; }
bench --collective p2p --pair intra >"$tmp/p2p-intra"
bench --collective p2p --pair inter >"$tmp/p2p-inter"
bench --collective bidir --pair intra >"$tmp/bidir-intra"
bench --collective bidir --pair inter >"$tmp/bidir-inter"
for pair in intra inter; do
  if [ $pair = intra ]; then lat=3e-6 bw=50e9; else lat=4e-6 bw=10e9; fi
  t=$(field "$tmp/p2p-$pair" 0 2)
  within "$t" $lat 1e-9; tap_result $? "p2p $pair, 0 bytes: the route's latency ($t s vs $lat s)"
  for S in 1000000 100000000; do
    t=$(field "$tmp/p2p-$pair" $S 2) g=$(field "$tmp/p2p-$pair" $S 3)
    ab=$(awk -v S=$S -v l=$lat -v b=$bw 'BEGIN { printf "%.12g", l + S / b }')
    within "$t" "$ab" 1e-9 && within "$g" "$(awk -v S=$S -v t="$ab" 'BEGIN { print S / t / 1e9 }')" 1e-5
    tap_result $? "p2p $pair, $S bytes: latency + bytes / bandwidth ($t s vs $ab s, $g GB/s)"
    t2=$(field "$tmp/bidir-$pair" $S 2) g2=$(field "$tmp/bidir-$pair" $S 3)
    within "$t2" "$t" 1e-9 && within "$g2" "$(awk -v g="$g" 'BEGIN { print 2 * g }')" 1e-5
    tap_result $? "bidir $pair, $S bytes: both ways at once in the time of one (per-direction links), twice the GB/s ($g2)"
  done
done
grep -q '^# collective p2p pair inter nodes 4 gpus_per_node 2$' "$tmp/p2p-inter"
tap_result $? "p2p: a '#' line naming the configuration"

# bisection: nodes 0, 1 (cell 0) with 2, 3 (cell 1): 4 flows a direction share the 8 GB/s link
"$sim" --collective bisection --platform "$tmp/small.xml" --nodes 4 --bytes 100000000 >"$tmp/bis"
t=$(field "$tmp/bis" 100000000 2) g=$(field "$tmp/bis" 100000000 3)
ab=$(awk 'BEGIN { printf "%.12g", 4e-6 + 1e8 / (8e9 / 4) }')
within "$t" "$ab" 1e-6 && within "$g" "$(awk -v t="$ab" 'BEGIN { print 8 * 1e8 / t / 1e9 }')" 1e-5
tap_result $? "bisection, 4 nodes x 2 GPUs: 4 flows a direction share the cell link ($t s vs $ab s, $g GB/s)"
grep -q '^# collective bisection pairs 4 nodes 4 gpus_per_node 2$' "$tmp/bis"
tap_result $? "bisection: a '#' line naming the configuration"
# within a cell (nodes-per-cell 4): each pair alone on its adapters
"$B/daso-platform" --nodes 4 --gpus-per-node 2 --nodes-per-cell 4 --hca-bw 10e9 --hca-lat 2e-6 \
  --out "$tmp/cell.xml"
t=$("$sim" --collective bisection --platform "$tmp/cell.xml" --nodes 4 --bytes 1e8 | field /dev/stdin 100000000 2)
within "$t" "$(awk 'BEGIN { print 4e-6 + 1e8 / 10e9 }')" 1e-6
tap_result $? "bisection inside one cell: every pair at its adapters' bandwidth ($t s)"

# --- caps on both directions together (daso-platform --nvlink-bidir-bw, --hca-bidir-bw): one way
# as before, both ways the two messages share the cap
"$B/daso-platform" --nodes 2 --gpus-per-node 2 --nodes-per-cell 2 --nvlink-bw 50e9 --nvlink-lat 3e-6 \
  --nvlink-bidir-bw 70e9 --hca-bw 10e9 --hca-lat 2e-6 --hca-bidir-bw 15e9 --out "$tmp/caps.xml"
capped() { "$sim" --platform "$tmp/caps.xml" --nodes 2 --bytes 100000000 --collective "$@" | field /dev/stdin 100000000 2; }
for pair in intra inter; do
  if [ $pair = intra ]; then lat=3e-6 bw=50e9 cap=70e9; else lat=4e-6 bw=10e9 cap=15e9; fi
  t1=$(capped p2p --pair $pair) t2=$(capped bidir --pair $pair)
  within "$t1" "$(awk -v l=$lat -v b=$bw 'BEGIN { printf "%.12g", l + 1e8 / b }')" 1e-7 &&
    within "$t2" "$(awk -v l=$lat -v c=$cap 'BEGIN { printf "%.12g", l + 2e8 / c }')" 1e-7
  tap_result $? "cap on both directions, $pair: one way at the per-direction rate ($t1 s), both ways sharing the cap ($t2 s)"
done

# --- bad combinations: one line, exit 2
P=(--platform "$tmp/small.xml" --bytes 1000)
tap_expect_input_error "--pair with allreduce" "$sim" "${P[@]}" --nodes 2 --collective allreduce --pair intra
tap_expect_input_error "--pair with bisection" "$sim" "${P[@]}" --nodes 2 --collective bisection --pair inter
tap_expect_input_error "p2p without --pair" "$sim" "${P[@]}" --nodes 2 --collective p2p
tap_expect_input_error "--pair inter on 1 node" "$sim" "${P[@]}" --nodes 1 --collective p2p --pair inter
tap_expect_input_error "--pair intra with 1 GPU per node" "$sim" --platform "$tmp/cell.xml" --gpus-per-node 1 \
  --bytes 1000 --nodes 2 --collective bidir --pair intra
tap_expect_input_error "--pair of an unknown kind" "$sim" "${P[@]}" --nodes 2 --collective p2p --pair both
tap_expect_input_error "bisection on an odd node count" "$sim" "${P[@]}" --nodes 3 --collective bisection
tap_expect_input_error "--algo with p2p" "$sim" "${P[@]}" --nodes 2 --collective p2p --pair intra --algo ring
tap_expect_input_error "a 0-byte allreduce" "$sim" --platform "$tmp/small.xml" --nodes 2 --collective allreduce --bytes 0,1000
tap_expect_input_error "a negative size" "$sim" "${P[@]}" --nodes 2 --collective p2p --pair intra --bytes -1

tap_done
