#!/usr/bin/env bash
# test_sim.sh: daso-sim against closed forms and against itself. A ring allreduce on a single-switch
# platform takes the alpha-beta time; the step and flow fidelities agree at 16 and 64 GPUs; the
# bytes of the simulated messages equal the closed forms of every strategy; DASO whose warm-up
# covers every epoch runs the blocking schedule every epoch; a chunked global message is one ring
# whose steps cost the software time once per chunk; the same inputs give byte-identical
# outputs; bad inputs get one line and exit code 2. Small platforms and short runs only.
# Run from the project root: BUILD=build tests/test_sim.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
sim=$B/daso-sim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export DASO_MODELS=${DASO_MODELS:-sim/models}
# for runs in $tmp (SimGrid finds a platform's profiles relative to the working directory)
abs_sim=$(cd "$(dirname "$sim")" && pwd)/$(basename "$sim")
models=$(cd "$DASO_MODELS" && pwd)

# daso-sim ARGS with its closed forms and with --exact-comm, run in $tmp (where SimGrid finds a
# platform's profiles), into $tmp/NAME.csv and .err and $tmp/NAME--exact-comm.csv and .err:
# both_ways NAME ARGS...
both_ways() {
  local name=$1 x
  shift
  for x in "" --exact-comm; do
    (cd "$tmp" && DASO_MODELS=$models "$abs_sim" "$@" $x --out "$name$x.csv" 2>"$name$x.err" >/dev/null)
  done
}
# the simulated training time of a daso-sim summary line: train_time FILE
train_time() { sed -n 's/.*training time \([0-9.e+]*\) s.*/\1/p' "$1"; }
# field K (1-based) of the data row whose first field is BYTES in a benchmark output
field() { awk -v b="$2" -v k="$3" '!/^#/ && $1 == b { print $k }' "$1"; }

# --- alpha-beta: 8 GPUs on one switch, 25 GB/s per port, 1 us per link (2 us per route)
"$B/daso-platform" --nodes 8 --gpus-per-node 1 --nodes-per-cell 8 --hca-bw 25e9 --hca-lat 1e-6 \
  --out "$tmp/star.xml"
"$sim" --collective allreduce --algo ring --fidelity step --platform "$tmp/star.xml" --nodes 8 \
  --gpus-per-node 1 --bytes 1000000,100000000 >"$tmp/star.out"
for S in 1000000 100000000; do
  t=$(field "$tmp/star.out" $S 2)
  ab=$(awk -v S=$S 'BEGIN { P = 8; printf "%.12g", 2 * (P - 1) * (2e-6 + S / P / 25e9) }')
  within "$t" "$ab" 0.001; tap_result $? "ring allreduce of $S bytes = alpha-beta ($t s vs $ab s)"
done

# --- a software time per ring step adds 2(P-1) of it to the ring allreduce, in both fidelities
for fid in step flow; do
  "$sim" --collective allreduce --algo ring --fidelity $fid --platform "$tmp/star.xml" --nodes 8 \
    --gpus-per-node 1 --bytes 1000000 --ring-step-us 5 >"$tmp/step-$fid.out"
  t=$(field "$tmp/step-$fid.out" 1000000 2)
  ab=$(awk 'BEGIN { P = 8; printf "%.12g", 2 * (P - 1) * (2e-6 + 5e-6 + 1e6 / P / 25e9) }')
  within "$t" "$ab" 0.001; tap_result $? "--ring-step-us 5, $fid: ring allreduce = alpha-beta + 14 steps x 5 us ($t s vs $ab s)"
done

# --- step and flow fidelities agree within 5% at 16 and 64 GPUs (4 GPUs per node, 2 cells)
"$B/daso-platform" --nodes 16 --gpus-per-node 4 --nodes-per-cell 8 --out "$tmp/jb16.xml"
for nodes in 4 16; do
  for algo in ring hier; do
    for fid in step flow; do
      "$sim" --collective allreduce --algo $algo --fidelity $fid --platform "$tmp/jb16.xml" \
        --nodes $nodes --bytes 100000000 >"$tmp/$algo-$fid-$nodes.out"
    done
    ts=$(field "$tmp/$algo-step-$nodes.out" 100000000 2)
    tf=$(field "$tmp/$algo-flow-$nodes.out" 100000000 2)
    within "$tf" "$ts" 0.05
    tap_result $? "$algo allreduce, $((nodes * 4)) GPUs: flow $tf s within 5% of step $ts s"
  done
done

# --- bytes of the simulated messages equal the closed forms, for every strategy, with the
# collectives' own closed forms (which count what the messages would carry) and without
run=(--platform "$tmp/jb16.xml" --nodes 2 --gpus-per-node 4 --model resnet50 --epochs 3
     --warmup-epochs 1 --cooldown-epochs 1 --quiet)
for s in daso sync hier localsgd; do
  for x in "" --exact-comm; do
    "$sim" "${run[@]}" --strategy $s $x --out "$tmp/$s$x.csv" >"$tmp/$s$x.sum"
    closed=$(sed -n 's/.*bytes between nodes \([^;,]*\).*/\1/p' "$tmp/$s$x.sum")
    sent=$(sed -n 's/.*messages carried \([^ ]*\) between nodes.*/\1/p' "$tmp/$s$x.sum")
    within "$sent" "$closed" 1e-6
    tap_result $? "$s$x: bytes between nodes, messages $sent = closed form $closed"
    closed=$(sed -n 's/.*inside nodes \([^;]*\);.*/\1/p' "$tmp/$s$x.sum")
    sent=$(sed -n 's/.* between nodes and \([^ ]*\) inside.*/\1/p' "$tmp/$s$x.sum")
    within "$sent" "$closed" 1e-6
    tap_result $? "$s$x: bytes inside nodes, messages $sent = closed form $closed"
  done
done
rows=$(grep -vc '^#' "$tmp/daso.csv")
tap_check "daso: one CSV row per epoch" "$rows" -eq 3
tap_check "daso: the middle epoch cycles at (4,1,1)" "$(awk '!/^#/ && $1 == 1 { print $12 $13 $14 }' "$tmp/daso.csv")" = 411
# sync moves gradients between nodes every batch, DASO parameters on one GPU per node
awk '!/^#/ { d[FILENAME] += $11 } END { exit !(d[ARGV[1]] < d[ARGV[2]]) }' "$tmp/daso.csv" "$tmp/sync.csv"
tap_result $? "daso sends fewer bytes between nodes than sync"

# --- the closed forms give the simulated result: the node-local allreduce (daso and localsgd use
# it), the flat one (sync, and localsgd's synchronous warm-up epoch) and the hierarchical one
for s in daso localsgd sync hier; do
  csv_close "$tmp/$s.csv" "$tmp/$s--exact-comm.csv"
  tap_result $? "$s: gradient allreduces in closed form = simulated message by message (every CSV column to 1e-7)"
done
# Where a node's links are not its own, the closed forms give way to messages, byte for byte: a
# "node" spanning two of the platform's (8 GPUs on 4-GPU nodes: its ring and broadcasts cross
# the adapters that the cross rings use) and a SimGrid <cluster> (one link per host for all)
cat >"$tmp/cluster.xml" <<'XML'
<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <config><prop id="network/model" value="CM02"/><prop id="network/crosstraffic" value="0"/></config>
  <cluster id="c" prefix="h" suffix="" radical="0-3" speed="19.5Tf" bw="12.5GBps" lat="2us"
           bb_bw="1TBps" bb_lat="0" sharing_policy="SPLITDUPLEX" bb_sharing_policy="FATPIPE"/>
</platform>
XML
wide=(--platform "$tmp/jb16.xml" --gpus-per-node 8 --nodes 1)
clus=(--platform "$tmp/cluster.xml" --gpus-per-node 2 --nodes 2)
for case in wide clus; do
  declare -n shape=$case
  both_ways $case "${run[@]}" "${shape[@]}" --strategy daso
  [ -s "$tmp/$case.csv" ] && cmp -s "$tmp/$case.csv" "$tmp/$case--exact-comm.csv"
  tap_result $? "daso, $case: closed forms off where the node's links are shared, = --exact-comm byte for byte"
done
# The flat allreduce's closed form holds where the world ring's edges share no link: on the
# cluster above (split-duplex private links, FATPIPE backbone) it runs and agrees with messages;
# with shared private links each host's link carries its ring edge in and its edge out, which
# share it in halves from start to end: the closed form runs at those halves, and its result is
# the messages' byte for byte; in step fidelity or with --exact-comm it does not run.
# daso-sim says on stderr which closed forms ran (not with --quiet).
loud=()
for a in "${run[@]}"; do [ "$a" = --quiet ] || loud+=("$a"); done
sed 's/sharing_policy="SPLITDUPLEX"/sharing_policy="SHARED"/' "$tmp/cluster.xml" >"$tmp/cluster-shared.xml"
jb=()
clsh=(--platform "$tmp/cluster-shared.xml" --gpus-per-node 2 --nodes 2)
step=(--fidelity step)
for case in jb clus clsh step; do
  declare -n shape=$case
  both_ways sync-$case "${loud[@]}" "${shape[@]}" --strategy sync
done
flat() { grep -c 'in closed form:.*the flat gradient allreduce' "$tmp/sync-$1.err"; }
tap_check "sync on daso-platform's nodes: the flat allreduce in closed form" "$(flat jb)" = 1
tap_check "sync on a split-duplex <cluster>: the flat allreduce in closed form" "$(flat clus)" = 1
csv_close "$tmp/sync-clus.csv" "$tmp/sync-clus--exact-comm.csv"
tap_result $? "sync on a split-duplex <cluster>: closed form = messages (every CSV column to 1e-7)"
tap_check "sync on a shared-link <cluster>: the flat allreduce in closed form, at half each link" "$(flat clsh)" = 1
for case in step jb--exact-comm; do
  tap_check "sync, $case: no flat allreduce in closed form" "$(flat $case)" = 0
done
for case in clsh step; do
  [ -s "$tmp/sync-$case.csv" ] && cmp -s "$tmp/sync-$case.csv" "$tmp/sync-$case--exact-comm.csv"
  tap_result $? "sync, $case: the messages' result byte for byte"
done
# DASO's global messages and hier's cross-node allreduces are closed forms where the groups' cross
# rings can run at once without slowing one another: on 16 nodes in 2 cells the 4 rings cross the
# 250 GB/s links between the cells at 25 GB/s each (closed form = messages); with 90% of those
# links taken by other jobs (25 GB/s left) they could compete: messages, byte for byte
two=(--platform "$tmp/jb16.xml" --nodes 16 --model resnet50 --epochs 2)
for s in daso hier; do
  for bg in 0 0.9; do
    both_ways two-$s-$bg "${two[@]}" --strategy $s --background $bg
  done
done
held() { grep -c "in closed form:.*$1" "$tmp/two-$2.err"; }
declare -A what=([daso]="DASO's global messages" [hier]="the hierarchical gradient allreduce")
for s in daso hier; do
  tap_check "$s, 16 nodes: ${what[$s]} in closed form" "$(held "${what[$s]}" $s-0)" = 1
  csv_close "$tmp/two-$s-0.csv" "$tmp/two-$s-0--exact-comm.csv"
  tap_result $? "$s, 16 nodes: ${what[$s]} in closed form = messages (every CSV column to 1e-7)"
  for case in 0.9 0--exact-comm; do
    tap_check "$s, 16 nodes, $case: not in closed form" "$(held "${what[$s]}" $s-$case)" = 0
  done
  [ -s "$tmp/two-$s-0.9.csv" ] && cmp -s "$tmp/two-$s-0.9.csv" "$tmp/two-$s-0.9--exact-comm.csv"
  tap_result $? "$s, 16 nodes, links between cells 90% busy: the messages' result byte for byte"
done

# ... also when the network model scales every link (the closed forms take the model's factors),
# and when CM02's TCP window caps a high-latency route's bandwidth (NVLink at 1 ms)
both_ways factor "${run[@]}" --strategy daso --cfg=network/bandwidth-factor:0.25 \
  --cfg=network/latency-factor:3
csv_close "$tmp/factor.csv" "$tmp/factor--exact-comm.csv"
tap_result $? "daso, bandwidth-factor 0.25 and latency-factor 3: closed form = message by message"
cmp -s "$tmp/daso.csv" "$tmp/factor.csv"
tap_check "daso, bandwidth-factor 0.25 and latency-factor 3: the times change" $? -eq 1
"$B/daso-platform" --nodes 2 --gpus-per-node 4 --nvlink-lat 1e-3 --out "$tmp/slowlink.xml"
both_ways slow "${run[@]}" --platform "$tmp/slowlink.xml" --strategy daso
csv_close "$tmp/slow.csv" "$tmp/slow--exact-comm.csv"
tap_result $? "daso, NVLink latency 1 ms (TCP window caps its bandwidth): closed form = message by message"
# ... and with both: SimGrid applies the bandwidth factor to the window-capped bandwidth
"$B/daso-platform" --nodes 2 --gpus-per-node 4 --nvlink-lat 1e-3 --hca-lat 1e-3 --out "$tmp/slowall.xml"
for s in daso sync; do
  both_ways slowall-$s "${run[@]}" --platform "$tmp/slowall.xml" --strategy $s \
    --cfg=network/bandwidth-factor:0.5
  csv_close "$tmp/slowall-$s.csv" "$tmp/slowall-$s--exact-comm.csv"
  tap_result $? "$s, 1 ms links and bandwidth-factor 0.5 (window cap and factor): closed forms = messages"
done
# With crosstraffic a flow also loads its reverse route, at 5% of its rate: 100x slower links
# back slow the flows down, and the closed form knows it
cat >"$tmp/oneway.xml" <<'XML'
<?xml version='1.0'?>
<!DOCTYPE platform SYSTEM "https://simgrid.org/simgrid.dtd">
<platform version="4.1">
  <zone id="z" routing="Full">
    <host id="h0" speed="19.5Tf"/><host id="h1" speed="19.5Tf"/><host id="h2" speed="19.5Tf"/>
    <link id="a01" bandwidth="10GBps" latency="1us"/><link id="a12" bandwidth="10GBps" latency="1us"/>
    <link id="a20" bandwidth="10GBps" latency="1us"/><link id="b10" bandwidth="0.1GBps" latency="1us"/>
    <link id="b21" bandwidth="0.1GBps" latency="1us"/><link id="b02" bandwidth="0.1GBps" latency="1us"/>
    <route src="h0" dst="h1" symmetrical="NO"><link_ctn id="a01"/></route>
    <route src="h1" dst="h2" symmetrical="NO"><link_ctn id="a12"/></route>
    <route src="h2" dst="h0" symmetrical="NO"><link_ctn id="a20"/></route>
    <route src="h1" dst="h0" symmetrical="NO"><link_ctn id="b10"/></route>
    <route src="h2" dst="h1" symmetrical="NO"><link_ctn id="b21"/></route>
    <route src="h0" dst="h2" symmetrical="NO"><link_ctn id="b02"/></route>
  </zone>
</platform>
XML
both_ways oneway --platform "$tmp/oneway.xml" --nodes 3 --gpus-per-node 1 --model resnet50 \
  --epochs 1 --strategy sync
tap_check "sync, one-way routes with crosstraffic: the flat allreduce in closed form" \
  "$(grep -c 'in closed form:.*the flat gradient allreduce' "$tmp/oneway.err")" = 1
csv_close "$tmp/oneway.csv" "$tmp/oneway--exact-comm.csv"
tap_result $? "sync, one-way routes with crosstraffic: closed form = messages (every CSV column to 1e-7)"
# No closed form where it would not be exact, and then the messages' result byte for byte: a
# network model other than CM02 and LV08 (SMPI: size-dependent factors; IB: per-host penalties)
# however it is set, links whose bandwidth
# changes during the run (a bandwidth profile), SimGrid's default crosstraffic (a flow also loads
# its reverse route, which on a <cluster> carries the next ring edge)
printf '0 25e9\n1 5e9\nLOOPAFTER 2\n' >"$tmp/bw.txt"
sed 's|<link id="n0001-hca0" \([^/]*\)/>|<link id="n0001-hca0" \1 bandwidth_file="bw.txt"/>|' \
  "$tmp/jb16.xml" >"$tmp/bwfile.xml"
grep -q 'bandwidth_file' "$tmp/bwfile.xml"
tap_result $? "the test platform with a bandwidth profile on one adapter is written"
grep -v 'crosstraffic' "$tmp/cluster.xml" >"$tmp/cluster-ct.xml"
# (IB given within a --cfg of two options, or in the platform's <config> with its attributes the
# other way round over two lines); nor with a host model other than the default (L07 has its own
# network model)
cat >"$tmp/ib.sed" <<'SED'
s|<prop id="network/model" value="CM02"/>|<prop value='IB'\
  id="network/model"/>|
SED
sed -f "$tmp/ib.sed" "$tmp/jb16.xml" >"$tmp/ibconf.xml"
grep -q "value='IB'" "$tmp/ibconf.xml"
tap_result $? "the test platform with IB over two lines in its <config> is written"
smpi=(--cfg=network/model:SMPI)
ib=("--cfg=network/crosstraffic:0 network/model:IB")
ibconf=(--platform ibconf.xml)
l07=(--cfg=host/model:ptask_L07)
bwf=(--platform bwfile.xml)
ct=(--platform "$tmp/cluster-ct.xml" --gpus-per-node 2 --nodes 2)
for case in smpi ib ibconf l07 bwf ct; do
  declare -n shape=$case
  for s in daso sync; do
    both_ways $s-$case "${loud[@]}" "${shape[@]}" --strategy $s
    tap_check "$s, $case: no closed form" "$(grep -c 'in closed form' "$tmp/$s-$case.err")" = 0
    [ -s "$tmp/$s-$case.csv" ] && cmp -s "$tmp/$s-$case.csv" "$tmp/$s-$case--exact-comm.csv"
    tap_result $? "$s, $case: the messages' result byte for byte"
  done
done

# --- compute as sleeps = compute as SimGrid executions, byte for byte (the main actors then also
# run on their own GPUs' hosts, not all on one; local SGD's parameter average moves them there);
# a platform that changes a host's speed gets executions (one GPU at half speed halves a
# synchronous run's pace)
for s in daso sync localsgd; do
  for x in "" --exact-compute; do
    "$sim" "${run[@]}" --strategy $s --compute-dist lognormal:0.2 $x --out "$tmp/$s-c$x.csv" >/dev/null
  done
  cmp -s "$tmp/$s-c.csv" "$tmp/$s-c--exact-compute.csv"
  tap_result $? "$s: compute as sleeps = as executions (--exact-compute), byte for byte"
done
"$B/daso-platform" --nodes 2 --gpus-per-node 1 --out "$tmp/steady.xml"
sed 's|<host id="n0000-g0" speed="\([^"]*\)"/>|<host id="n0000-g0" speed="\1" speed_file="half.txt"/>|' \
  "$tmp/steady.xml" >"$tmp/half.xml"
printf '0 0.5\n' >"$tmp/half.txt" # SimGrid finds profiles relative to the working directory
for p in steady half; do
  (cd "$tmp" && DASO_MODELS=$models "$abs_sim" --platform $p.xml --nodes 2 --gpus-per-node 1 \
    --model resnet50 --strategy sync --epochs 1 --quiet) >"$tmp/$p.sum"
done
ts=$(train_time "$tmp/steady.sum")
th=$(train_time "$tmp/half.sum")
awk -v s="$ts" -v h="$th" 'BEGIN { exit !(h > 1.9 * s && h < 2.1 * s) }'
tap_result $? "a host's speed profile (half speed) is honoured: sync takes $th s against $ts s"
# a plugin loaded by the platform file watches executions: host_energy counts the same joules
# with and without --exact-compute (with sleeps it would count none for the hosts' work)
sed 's|<config>|<config><prop id="plugin" value="host_energy"/>|
     s|speed="\([^"]*\)"/>|speed="\1"><prop id="wattage_per_state" value="100:400"/></host>|' \
  "$tmp/steady.xml" >"$tmp/energy.xml"
for x in "" --exact-compute; do
  "$sim" --platform "$tmp/energy.xml" --nodes 2 --gpus-per-node 1 --model resnet50 --strategy sync \
    --epochs 1 --quiet $x 2>&1 >/dev/null | sed -n 's/.*used hosts: \([0-9.]*\) Joules.*/\1/p' |
    tail -1 >"$tmp/joules$x"
done
j=$(cat "$tmp/joules"); je=$(cat "$tmp/joules--exact-compute")
awk -v a="$j" -v b="$je" 'BEGIN { exit !(a > 0 && a == b) }'
tap_result $? "a plugin in the platform file gets executions: $j J = $je J with --exact-compute"

# --- DASO with warm-up covering every epoch: every epoch is the same blocking schedule
"$sim" "${run[@]}" --strategy daso --warmup-epochs 3 --cooldown-epochs 0 --out "$tmp/warm.csv" \
  --breakdown "$tmp/warm.bd" >/dev/null
awk '!/^#/ { print $12 $13 $14 }' "$tmp/warm.csv" | sort -u >"$tmp/warm.gls"
tap_check "warm-up over every epoch: always (0,0,0)" "$(cat "$tmp/warm.gls")" = 000
awk '!/^#/ { t[n++] = $5 } END { for (i = 1; i < n; i++) if (t[i] != t[0]) exit 1 }' "$tmp/warm.csv"
tap_result $? "warm-up over every epoch: every epoch takes the same time"
# every batch ends with a blocking global average on the group of GPU b mod 4, then a broadcast:
# GPU 0 waits on batches 0, 4, 8, ... and receives a broadcast on every batch
awk '!/^#/ && (($2 % 4 == 0) != ($6 > 0) || $5 <= 0) { bad = 1 } END { exit bad }' "$tmp/warm.bd"
tap_result $? "warm-up over every epoch: GPU 0 waits for its group's blocking sync every 4th batch"

# --- DASO's chunked global message: the chunks' rings run side by side, so cutting the message
# changes nothing but the software time of each step, paid once per chunk (2 nodes: 2 steps)
for k in 1 3; do
  for us in 0 50; do
    "$sim" "${run[@]}" --strategy daso --epochs 1 --chunk-elems $((25557032 / k + 1)) \
      --ring-step-us $us >"$tmp/chunks$k-$us.out"
  done
done
t10=$(train_time "$tmp/chunks1-0.out"); t30=$(train_time "$tmp/chunks3-0.out")
tap_check "3 chunks = 1 chunk without a per-step cost ($t30 s vs $t10 s)" "$t30" = "$t10"
t15=$(train_time "$tmp/chunks1-50.out"); t35=$(train_time "$tmp/chunks3-50.out")
# one blocking message per batch (warm-up), each 2 more rings x 2 steps x 50 us
nb=$(sed -n 's/.* 1 epochs x \([0-9]*\) batches.*/\1/p' "$tmp/chunks3-50.out")
# (the times are printed to 9 digits: 1e-6 s at 172 s)
awk -v a="$t35" -v b="$t15" -v n="$nb" 'BEGIN { d = a - b - n * 2 * 2 * 50e-6; exit !(d < 2e-6 && d > -2e-6) }'
tap_result $? "3 chunks: 2 x 2 steps x 50 us more per message than 1 ($nb messages: $t35 s vs $t15 s)"

# --- compute-time variability: zero variance changes nothing; the mean synchronous step is the
# expected maximum of the GPUs' draws; a straggler slows sync by its factor
"$sim" "${run[@]}" --strategy daso --compute-dist normal:0 --out "$tmp/zero.csv" >/dev/null
cmp -s "$tmp/daso.csv" "$tmp/zero.csv"; tap_result $? "variability normal:0 = no variability, byte for byte"
"$B/daso-platform" --nodes 2 --gpus-per-node 2 --nvlink-bw 1e15 --nvlink-lat 0 --hca-bw 1e15 \
  --hca-lat 0 --out "$tmp/instant.xml"
cat >"$tmp/tiny.profile" <<'PROFILE'
name tiny
description compute only: 0.3 s per batch, 1000 parameters, 4000 batches per epoch on 4 GPUs
params 1000
samples_per_gpu 1
dataset_size 16000
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
inst=(--platform "$tmp/instant.xml" --nodes 2 --gpus-per-node 2 --model "$tmp/tiny.profile" --quiet)
mean_batch() { "$sim" "${inst[@]}" "$@" | train_time /dev/stdin | awk '{ print $1 / 4000 }'; }
# on links of no latency and unbounded bandwidth the closed forms' waits are a few femtoseconds:
# below SimGrid's timing precision they are skipped, not stretched to 1 ns (SimGrid's warning)
for s in daso sync; do
  "$sim" "${inst[@]}" --strategy $s --epochs 1 2>"$tmp/inst-$s.err" >/dev/null
  tap_check "$s on instant links: no sleep below SimGrid's timing precision" \
    "$(grep -c 'smaller than the SimGrid numerical accuracy' "$tmp/inst-$s.err")" = 0
done
# exponential draws (gamma:1): E[max of 4] = 1 + 1/2 + 1/3 + 1/4; of 2 = 1.5. 4000 batches: 4
# standard errors of the mean are 3.4% (sync) and 3.3% (local SGD)
t=$(mean_batch --strategy sync --compute-dist gamma:1)
within "$t" "$(awk 'BEGIN { print 0.3 * (1 + 1/2 + 1/3 + 1/4) }')" 0.034
tap_result $? "sync waits for the slowest of 4 GPUs: mean step $t s = 0.3 s x E[max of 4 Exp(1)]"
t=$(mean_batch --strategy localsgd --localsgd-period 100000 --compute-dist gamma:1)
within "$t" "$(awk 'BEGIN { print 0.3 * 1.5 }')" 0.033
tap_result $? "node-local averaging waits for the slowest of its node: mean step $t s = 0.3 s x E[max of 2]"
# stalls (stall:0.1:3): a draw is 3/1.2 or 1/1.2; the max of 4 is 3/1.2 with probability
# 1 - 0.9^4, so E[max of 4] = (1 + 2 (1 - 0.9^4)) / 1.2; 4 standard errors are 3.6%
t=$(mean_batch --strategy sync --compute-dist stall:0.1:3)
within "$t" "$(awk 'BEGIN { print 0.3 * (1 + 2 * (1 - 0.9 ^ 4)) / 1.2 }')" 0.036
tap_result $? "stalls: sync waits for a stall of any of 4 GPUs: mean step $t s"
base=$(mean_batch --strategy sync) slow=$(mean_batch --strategy sync --straggler gpu:3:2)
within "$slow" "$(awk -v b="$base" 'BEGIN { print 2 * b }')" 0.001
tap_result $? "a straggler twice as slow doubles the synchronous step ($base s -> $slow s)"
dbase=$(mean_batch --strategy daso) dslow=$(mean_batch --strategy daso --straggler gpu:3:2)
awk -v b="$dbase" -v s="$dslow" 'BEGIN { exit !(s <= 2 * b * 1.001) }'
tap_result $? "the straggler slows daso by no more than its factor ($dbase s -> $dslow s)"
printf '0.31\n0.29\n0.35\n0.30\n' >"$tmp/times"
tap_ok "empirical histogram of batch times" "$sim" "${inst[@]}" --strategy sync --compute-dist hist:"$tmp/times"

# --- background traffic takes its share of the links between cells: 2 GPUs in 2 cells joined by
# one 25 GB/s link (the bottleneck), no latency: a share F of it taken makes the ring 1/(1-F) slower
"$B/daso-platform" --nodes 2 --gpus-per-node 1 --nodes-per-cell 1 --global-links 1 \
  --global-link-bw 25e9 --hca-bw 100e9 --hca-lat 0 --global-lat 0 --out "$tmp/cells.xml"
bench=(--collective allreduce --platform "$tmp/cells.xml" --nodes 2 --gpus-per-node 1 --bytes 1e9)
t0=$("$sim" "${bench[@]}" | field /dev/stdin 1000000000 2)
t1=$("$sim" "${bench[@]}" --background 0.75 | field /dev/stdin 1000000000 2)
within "$t1" "$(awk -v t="$t0" 'BEGIN { print 4 * t }')" 0.001
tap_result $? "background traffic taking 75% of the global link makes the ring 4x slower ($t0 s -> $t1 s)"
tap_expect_input_error "bad background share" "$sim" "${bench[@]}" --background 1.5
tap_expect_input_error "no link with the background prefix" "$sim" "${bench[@]}" --background 0.5 --background-links nosuch

# --- the achieved share of every link: latency 0, so half the bandwidth doubles the ring; in
# training the closed forms see it as the messages do
t2=$("$sim" "${bench[@]}" --net-share 0.5 | field /dev/stdin 1000000000 2)
within "$t2" "$(awk -v t="$t0" 'BEGIN { print 2 * t }')" 0.001
tap_result $? "--net-share 0.5 makes the ring 2x slower ($t0 s -> $t2 s)"
both_ways share "${run[@]}" --strategy sync --net-share 0.05
cmp -s "$tmp/share.csv" "$tmp/share--exact-comm.csv" && [ -s "$tmp/share.csv" ]
tap_result $? "with --net-share the closed forms give the messages' CSV byte for byte"
tap_expect_input_error "a network share of 0" "$sim" "${bench[@]}" --net-share 0
# --- a fixed framework time per step: 2 epochs x 4 batches of 1 GPU, 10 ms each, exactly
one=(--platform "$tmp/cells.xml" --nodes 1 --gpus-per-node 1 --model "$tmp/tiny.profile" --epochs 2 --strategy sync --quiet)
o0=$("$sim" "${one[@]}" | train_time /dev/stdin) o1=$("$sim" "${one[@]}" --step-overhead-ms 10 | train_time /dev/stdin)
n1=$("$sim" "${one[@]}" | sed -n 's/.* x \([0-9]*\) batches.*/\1/p')
awk -v a="$o0" -v b="$o1" -v n="$n1" 'BEGIN { d = b - a - 2 * n * 0.010; exit !(d < 1e-9 && d > -1e-9) }'
tap_result $? "--step-overhead-ms 10 adds 10 ms to each of 2 x $n1 steps ($o0 s -> $o1 s)"

# --- framework overheads: Horovod's cycle delays sync's buckets, DASO's packing costs time
t0=$(mean_batch --strategy sync) t1=$(mean_batch --strategy sync --horovod-cycle-ms 5)
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b > a && b <= a + 0.005 + 1e-9) }'
tap_result $? "a 5 ms Horovod cycle delays each synchronous step by at most 5 ms ($t0 s -> $t1 s)"
t0=$(mean_batch --strategy daso) t1=$(mean_batch --strategy daso --daso-pack-ms 1)
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b > a) }'
tap_result $? "DASO's packing and merging cost time ($t0 s -> $t1 s per step)"

# --- calibration: fitted platform and profile from measurements
cal=$B/daso-calibrate
"$sim" --collective allreduce --platform "$tmp/star.xml" --nodes 8 --gpus-per-node 1 \
  --bytes 1e6,1e7,1e8 >"$tmp/ring.txt"
"$cal" platform --bench "$tmp/ring.txt" --out "$tmp/fit.xml" -- --nodes 8 --gpus-per-node 1 >"$tmp/fit.out"
bw=$(sed -n 's/.*bandwidth \([0-9.e+]*\) B\/s.*/\1/p' "$tmp/fit.out")
lat=$(sed -n 's/.*latency \([0-9.e+-]*\) s per step.*/\1/p' "$tmp/fit.out")
within "$bw" 25e9 1e-6 && within "$lat" 2e-6 1e-6
tap_result $? "calibration recovers the adapters of a simulated ring: $bw B/s, $lat s per step"
"$sim" --collective allreduce --platform "$tmp/fit.xml" --nodes 8 --gpus-per-node 1 \
  --bytes 1e6,1e7,1e8 >"$tmp/ring2.txt"
tap_check "the calibrated platform reproduces the benchmark" "$(grep -v '^#' "$tmp/ring2.txt")" = "$(grep -v '^#' "$tmp/ring.txt")"
{ echo '{"traceEvents": ['
  for d in 1000 2000 3000 4000; do
    echo "{\"ph\":\"X\",\"name\":\"forward-backward\",\"cat\":\"compute\",\"pid\":0,\"tid\":0,\"ts\":0,\"dur\":$d},"
    echo "{\"ph\":\"X\",\"name\":\"optimizer\",\"cat\":\"compute\",\"pid\":0,\"tid\":0,\"ts\":0,\"dur\":500},"
  done; echo ']}'; } >"$tmp/trace.json"
"$cal" profile --trace "$tmp/trace.json" --base resnet50 --name measured --out "$tmp/measured.profile" >/dev/null
fb=$(awk '$1 == "forward_s" || $1 == "backward_s" { t += $2 } END { print t }' "$tmp/measured.profile")
op=$(awk '$1 == "optimizer_s" { print $2 }' "$tmp/measured.profile")
within "$fb" 0.0025 1e-9 && within "$op" 0.0005 1e-9
tap_result $? "calibrated profile: forward+backward $fb s and optimizer $op s are the measured means"
tap_check "calibrated profile: every batch time kept" "$(grep -vc '^#' "$tmp/measured.times")" -eq 4
tap_ok "the calibrated profile and distribution drive daso-sim" "$sim" "${inst[@]}" --model "$tmp/measured.profile" \
  --strategy sync --compute-dist hist:"$tmp/measured.times"
tap_expect_input_error "calibration without a ring header" "$cal" platform --bench "$tmp/times" --out "$tmp/x.xml"
tap_expect_input_error "calibration from a trace without events" "$cal" profile --trace "$tmp/one" --base resnet50 --name x --out "$tmp/x.profile"

# --- determinism
"$sim" "${run[@]}" --strategy daso --out "$tmp/a.csv" --trace "$tmp/a.json" >/dev/null
"$sim" "${run[@]}" --strategy daso --out "$tmp/b.csv" --trace "$tmp/b.json" >/dev/null
cmp -s "$tmp/a.csv" "$tmp/b.csv"; tap_result $? "same inputs: byte-identical CSV"
cmp -s "$tmp/a.json" "$tmp/b.json"; tap_result $? "same inputs: byte-identical trace"
tap_check "trace has one track per GPU" "$(grep -c '"thread_name"' "$tmp/a.json")" -eq 8

# --- bad input
printf '<?xml version="1.0"?>\n<platform version="4.1">\n<zone id="w" routing="Full">\n<host id="a" speed="1Gf">\n</zone>\n</platform>\n' >"$tmp/bad.xml"
tap_expect_input_error "missing platform" "$sim" --platform "$tmp/none.xml" --nodes 1 --model resnet50
tap_expect_input_error "malformed platform XML" "$sim" --platform "$tmp/bad.xml" --nodes 1 --gpus-per-node 1 --model resnet50 --strategy sync
tap_expect_input_error "more nodes than the platform has" "$sim" --platform "$tmp/jb16.xml" --nodes 17 --model resnet50
tap_expect_input_error "unknown model" "$sim" --platform "$tmp/jb16.xml" --nodes 2 --model alexnet
tap_expect_input_error "unknown option" "$sim" --platform "$tmp/jb16.xml" --nodes 2 --model resnet50 --turbo 1
tap_expect_input_error "zero epochs" "$sim" --platform "$tmp/jb16.xml" --nodes 2 --model resnet50 --epochs 0
tap_expect_input_error "unknown strategy" "$sim" --platform "$tmp/jb16.xml" --nodes 2 --model resnet50 --strategy gossip
tap_expect_input_error "DASO with one GPU per node" "$sim" --platform "$tmp/jb16.xml" --nodes 2 --gpus-per-node 1 --model resnet50
tap_expect_input_error "a G that splits the platform's nodes of 4" "$sim" --platform "$tmp/jb16.xml" --nodes 2 --gpus-per-node 2 --model resnet50 --strategy sync
err=$("$sim" --platform "$tmp/jb16.xml" --nodes 2 --model resnet50 --strategy sync --epochs 1 --gpus-per-nod 4 2>&1)
tap_check "a near miss is named ($err)" "$(grep -c "unknown option '--gpus-per-nod' (did you mean --gpus-per-node?)" <<<"$err")" -eq 1
g1=$("$sim" --platform "$tmp/star.xml" --nodes 2 --model resnet50 --strategy sync --epochs 1 --quiet)
tap_check "G from the platform: 1 GPU per node on star.xml ($g1)" "$(grep -c ', 2 nodes x 1 GPUs,' <<<"$g1")" -eq 1
g1eq=$("$sim" --platform="$tmp/star.xml" --nodes=2 --model=resnet50 --strategy=sync --epochs=1 --quiet)
nowall() { sed 's/; [0-9.]* s wall.*//' <<<"$1"; }
tap_check "--name=value as --name value" "$(nowall "$g1eq")" = "$(nowall "$g1")"
printf '0.3\n' >"$tmp/one"
tap_expect_input_error "negative variance" "$sim" "${inst[@]}" --strategy sync --compute-dist normal:-1
tap_expect_input_error "gamma shape 0" "$sim" "${inst[@]}" --strategy sync --compute-dist gamma:0
tap_expect_input_error "unknown distribution" "$sim" "${inst[@]}" --strategy sync --compute-dist cauchy:1
tap_ok "local SGD with synchronous warm-up epochs (gradient actors)" "$sim" "${inst[@]}" \
  --strategy localsgd --localsgd-warmup-epochs 1 --epochs 2
tap_expect_input_error "negative ring step time" "$sim" "${inst[@]}" --strategy sync --ring-step-us -1
tap_expect_input_error "stall probability above 1" "$sim" "${inst[@]}" --strategy sync --compute-dist stall:1.5:2
tap_expect_input_error "stall factor below 1" "$sim" "${inst[@]}" --strategy sync --compute-dist stall:0.1:0.5
tap_expect_input_error "histogram file missing" "$sim" "${inst[@]}" --strategy sync --compute-dist hist:"$tmp/none"
tap_expect_input_error "histogram of one value" "$sim" "${inst[@]}" --strategy sync --compute-dist hist:"$tmp/one"
tap_expect_input_error "bad straggler" "$sim" "${inst[@]}" --strategy sync --straggler gpu:1:-2
tap_expect_input_error "bad benchmark size" "$sim" --collective allreduce --platform "$tmp/jb16.xml" --nodes 2 --bytes 1e6,x

tap_done
