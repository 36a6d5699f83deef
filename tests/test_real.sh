#!/usr/bin/env bash
# test_real.sh: daso-train under mpiexec on this machine (4 ranks standing for 2 nodes x 2 GPUs,
# CPU backend). The bf16/fp16 MPI sums are exact; bench-real --quick finds no wrong element in
# its allreduces; every strategy ends with bitwise identical replicas; DASO (warm-up 1 epoch, no
# cool-down) brings the MLP to at least 0.85 test accuracy in 4 epochs and within 1 point of sync; a killed rank aborts the job with a clear message and
# --resume then finishes with exactly the result of an uninterrupted run, as it does after
# SIGUSR2 stopped the run at an epoch's end; bad inputs give one
# line and a non-zero exit on every rank, without hanging. Run from the project root:
#   BUILD=build tests/test_real.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MPIR_CVAR_POLLS_BEFORE_YIELD=1 # more ranks than cores: yield instead of spinning
run() { timeout 600 mpiexec "$@"; }   # a hang fails the test instead of the whole suite
train=$B/daso-train
small=(--train-limit 8000 --test-limit 2000)
acc() { sed -n 's/.*final test accuracy \([0-9.]*\),.*/\1/p' "$1"; }

tap_ok "bf16 and fp16 MPI sums (2 ranks)" run -n 2 "$B/tests/mpi_fmt_check"
for n in 2 3 4; do
  tap_ok "global message: ring and MPI_Iallreduce give the same sums ($n ranks)" \
    run -n $n "$B/tests/global_msg_check"
done

# --- bench-real --quick: every allreduce of its communication part gives the expected sums
run -n 2 "$B/bench-real" --quick >"$tmp/bench.out" 2>&1
tap_result $? "bench-real --quick exits 0 (2 ranks)" "$(cat "$tmp/bench.out")"
awk '/^# elements .* #wrong$/ { h = 1 } !/^#/ && h { n++; if ($7 != "0") bad = 1 } END { exit !(n == 2 && !bad) }' \
  "$tmp/bench.out"
tap_result $? "bench-real --quick: a #wrong column, 0 for fp32 and bf16" "$(cat "$tmp/bench.out")"

# --- accuracy: daso against sync, MLP, 4 epochs on the whole training set
for s in daso sync; do
  run -n 4 "$train" --gpus-per-node 2 --model mlp --strategy $s --epochs 4 --warmup-epochs 1 \
    --cooldown-epochs 0 --quiet --out "$tmp/$s.csv" >"$tmp/$s.out" 2>&1
  tap_check "$s: replicas bitwise identical at the end" "$(grep -c 'replicas identical' "$tmp/$s.out")" -eq 1
done
a=$(acc "$tmp/daso.out") b=$(acc "$tmp/sync.out")
awk -v a="$a" 'BEGIN { exit !(a >= 0.85) }'; tap_result $? "daso reaches test accuracy >= 0.85 in 4 epochs ($a)"
awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; exit !(d >= -0.01) }'
tap_result $? "daso within 1 point of sync ($a vs $b)"
awk '!/^#/ { d += $11 } END { print d }' "$tmp/daso.csv" >"$tmp/dg"
awk '!/^#/ { s += $11 } END { print s }' "$tmp/sync.csv" >"$tmp/sg"
awk -v d="$(cat "$tmp/dg")" -v s="$(cat "$tmp/sg")" 'BEGIN { exit !(d * 4 <= s) }'
tap_result $? "daso sends at least 4x fewer bytes between nodes than sync ($(cat "$tmp/dg") vs $(cat "$tmp/sg"))"
tap_check "CSV: one row per epoch with loss and accuracy" "$(awk '!/^#/ && NF == 16' "$tmp/daso.csv" | wc -l)" -eq 4

# --- the other strategies and message formats keep the replicas identical
for args in "--strategy hier" "--strategy localsgd --localsgd-period 4" \
            "--strategy sync --sync-format fp16" \
            "--strategy daso --warmup-epochs 1 --downcast always --downcast-format fp16" \
            "--strategy daso --warmup-epochs 1 --chunk-elems 50000 --true-staleness"; do
  # shellcheck disable=SC2086
  run -n 4 "$train" --gpus-per-node 2 --epochs 2 "${small[@]}" --quiet $args >"$tmp/o" 2>&1
  tap_check "$args: replicas bitwise identical" "$(grep -c 'replicas identical' "$tmp/o")" -eq 1
done

# --- a killed rank aborts the job; --resume finishes exactly as an uninterrupted run
common=(--gpus-per-node 2 --epochs 5 --warmup-epochs 1 --cooldown-epochs 1 "${small[@]}")
run -n 4 "$train" "${common[@]}" --quiet --out "$tmp/full.csv" >"$tmp/full.out" 2>&1
DASO_FAULT_KILL=1:2 run -n 4 "$train" "${common[@]}" --checkpoint "$tmp/ck" --out "$tmp/ck.csv" \
  >"$tmp/killed.out" 2>&1
rc=$?
tap_check "killed rank: the job ends with a non-zero status" "$rc" -ne 0 -a "$rc" -ne 124
tap_check "killed rank: the launcher says a process was killed" "$(grep -ci 'killed\|signal 9' "$tmp/killed.out")" -ge 1
tap_check "killed rank: no CSV left behind" ! -e "$tmp/ck.csv"
run -n 4 "$train" "${common[@]}" --checkpoint "$tmp/ck" --resume --out "$tmp/ck.csv" >"$tmp/resumed.out" 2>&1
# rank 1 died after its checkpoint of epoch 2; the others had written epoch 1 or 2 by then
first=$(grep -m1 -o '^epoch *[0-9]*' "$tmp/resumed.out" | tr -dc 0-9)
tap_check "resume: continues from a checkpoint, not from the start (first epoch $first)" \
  "$(grep -c '(resumed)' "$tmp/resumed.out")" -eq 1 -a "${first:-0}" -ge 2
hash() { sed -n 's/.*parameter hash \([0-9a-f]*\).*/\1/p' "$1"; }
tap_check "resume: the same parameters, bit for bit" "$(hash "$tmp/resumed.out")" = "$(hash "$tmp/full.out")"
cols() { awk '!/^#/ { print $1, $12, $13, $14, $15, $16 }' "$1"; }
tap_check "resume: the same schedule, losses and accuracies" "$(cols "$tmp/ck.csv")" = "$(cols "$tmp/full.csv")"
tap_check "per-epoch line: 'blocking' on the cool-down epoch only ($(grep -c blocking "$tmp/resumed.out"))" \
  "$(grep -c '^epoch *5/5 .*  blocking$' "$tmp/resumed.out")" -eq 1 -a "$(grep -c blocking "$tmp/resumed.out")" -eq 1

# --- SIGUSR2 to one rank: every rank stops after that epoch's checkpoint (exit status 3), and
# --resume finishes exactly as the uninterrupted run (what a SLURM job warned of its time limit
# does; MPICH's mpiexec does not forward SIGUSR2, so the rank is signalled itself)
ranks_of() { # PID: the daso-train processes below it
  ps -eo pid=,ppid=,comm= | awk -v root="$1" '{ parent[$1] = $2; name[$1] = $3 }
    END { for (p in parent) { q = p; while (q in parent && q != root) q = parent[q]
                              if (q == root && name[p] == "daso-train") print p } }'
}
timeout 600 mpiexec -n 4 "$train" "${common[@]}" --checkpoint "$tmp/us" --out "$tmp/us.csv" \
  >"$tmp/us.out" 2>&1 &
pid=$!
for _ in $(seq 600); do grep -q '^epoch *1/5' "$tmp/us.out" && break; sleep 0.05; done
kill -USR2 "$(ranks_of $pid | tail -n 1)"
wait $pid
rc=$?
stop=$(sed -n 's|^daso-train: stopped by SIGUSR2 after epoch \([0-9]*\)/5, checkpoint in .*/us; continue with --resume$|\1|p' "$tmp/us.out")
tap_check "SIGUSR2: exit status 3 (got $rc), one line naming the epoch (${stop:-none})" \
  "$rc" -eq 3 -a "$(grep -c 'stopped by SIGUSR2' "$tmp/us.out")" -eq 1 -a "${stop:-5}" -lt 5
tap_check "SIGUSR2: no CSV left behind, no temporary file either" \
  "$(find "$tmp" -maxdepth 1 -name 'us.csv*' | wc -l)" -eq 0
run -n 4 "$train" "${common[@]}" --checkpoint "$tmp/us" --resume --out "$tmp/us.csv" >"$tmp/us2.out" 2>&1
first=$(grep -m1 -o '^epoch *[0-9]*' "$tmp/us2.out" | tr -dc 0-9)
tap_check "SIGUSR2, then --resume: continues after epoch ${stop:-?} (first epoch ${first:-none})" \
  "${first:-0}" -eq $((${stop:-0} + 1))
tap_check "SIGUSR2, then --resume: the same parameters, bit for bit" "$(hash "$tmp/us2.out")" = "$(hash "$tmp/full.out")"

# --- a checkpoint resumes only the run that wrote it: every setting counts, and the format
refused() { # name pattern command...: exit 2 and one line matching the pattern
  local name=$1 pat=$2; shift 2
  local out rc
  out=$(timeout 120 mpiexec "$@" 2>&1); rc=$?
  [ "$rc" -eq 2 ] && [ "$(grep -c . <<<"$out")" -eq 1 ] && grep -q -- "$pat" <<<"$out"
  tap_result $? "$name (exit $rc: $(head -c 200 <<<"$out"))"
}
refused "resume with another --plateau-threshold-mode" "--plateau-threshold-mode rel there, abs here" \
  -n 4 "$train" "${common[@]}" --checkpoint "$tmp/ck" --resume --quiet --plateau-threshold-mode abs
mkdir "$tmp/data2" && cp /usr/share/datasets/fashion-mnist/*.gz "$tmp/data2/"
refused "resume with another data folder" "--data /usr/share/datasets/fashion-mnist there, $tmp/data2 here" \
  -n 4 "$train" "${common[@]}" --checkpoint "$tmp/ck" --resume --quiet --data "$tmp/data2"
cp -r "$tmp/ck" "$tmp/ck1"
for r in 0 1 2 3; do # the format version (after the 8-byte magic) set to 7
  printf '\007' | dd of="$tmp/ck1/rank$r.ckpt" bs=1 seek=8 conv=notrunc status=none
done
refused "a checkpoint of another format version" "format version 7; this daso-train reads version 3" \
  -n 4 "$train" "${common[@]}" --checkpoint "$tmp/ck1" --resume --quiet

cp -r "$tmp/ck" "$tmp/ck2" # one bit of rank 0's parameters flipped
printf '\x55' | dd of="$tmp/ck2/rank0.ckpt" bs=1 seek=3000 conv=notrunc status=none
refused "a checkpoint with one flipped byte is refused, naming the file" "ck2/rank0.ckpt is damaged (its CRC-32" \
  -n 4 "$train" "${common[@]}" --checkpoint "$tmp/ck2" --resume --quiet
cp -r "$tmp/ck" "$tmp/ck3" # the same on rank 2: its own line, no MPI_Abort's
printf '\x55' | dd of="$tmp/ck3/rank2.ckpt" bs=1 seek=3000 conv=notrunc status=none
refused "a damaged checkpoint of rank 2: one line naming it, every rank ends" "ck3/rank2.ckpt is damaged (its CRC-32" \
  -n 4 "$train" "${common[@]}" --checkpoint "$tmp/ck3" --resume --quiet

# --- options: --name=value, near misses, the all-blocking warning
run -n 4 "$train" --gpus-per-node=2 --strategy=sync --epochs=1 --train-limit=1000 \
  --test-limit=500 --quiet >"$tmp/eq.out" 2>&1
tap_check "--name=value options" "$(grep -c 'replicas identical' "$tmp/eq.out")" -eq 1
refused "a near miss is named" "unknown option '--epoch' (did you mean --epochs?)" \
  -n 2 "$train" --gpus-per-node 2 --epoch 3
run -n 4 "$train" --gpus-per-node 2 --epochs 2 --train-limit 1000 --test-limit 500 --quiet \
  >"$tmp/w.out" 2>&1
tap_check "8 blocking epochs or fewer: one warning line" \
  "$(grep -c '^daso-train: warning: .* all 2 epochs are blocking' "$tmp/w.out")" -eq 1

# --- bad input: one line, non-zero exit on every rank, no hang
bad() { # name expected-status command...
  local name=$1 want=$2; shift 2
  local out rc lines
  out=$(timeout 120 mpiexec "$@" 2>&1); rc=$?
  lines=$(grep -c . <<<"$out")
  [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ]
  tap_result $? "$name (exit $rc, $lines line(s): $(head -c 200 <<<"$out"))"
}
mkdir "$tmp/data"
for f in /usr/share/datasets/fashion-mnist/*.gz; do cp "$f" "$tmp/data/"; done
head -c 30000 /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz >"$tmp/data/t10k-images-idx3-ubyte.gz"
bad "missing data set" 2 -n 4 "$train" --gpus-per-node 2 --data "$tmp/none"
bad "corrupt data file" 2 -n 4 "$train" --gpus-per-node 2 --data "$tmp/data"
bad "P not divisible by G" 2 -n 3 "$train" --gpus-per-node 2
bad "unknown option" 2 -n 4 "$train" --gpus-per-node 2 --fast
bad "zero epochs" 2 -n 4 "$train" --gpus-per-node 2 --epochs 0
bad "bad learning rate" 2 -n 4 "$train" --gpus-per-node 2 --lr -1
bad "DASO with one rank per node" 2 -n 2 "$train" --gpus-per-node 1 --train-limit 1000
bad "--resume without --checkpoint" 2 -n 2 "$train" --resume
bad "unknown global allreduce" 2 -n 2 "$train" --global-allreduce tree
bad "unknown node allreduce" 2 -n 2 "$train" --node-allreduce nccl
bad "bench-real: unknown option" 2 -n 2 "$B/bench-real" --turbo
# outputs and checkpoint folders rank 0 alone cannot make: every rank ends (no rank left in a
# barrier), one line, nothing left behind
tiny=(--gpus-per-node 2 --epochs 1 --warmup-epochs 1 --cooldown-epochs 0 --train-limit 512 --test-limit 128 --quiet)
: >"$tmp/a-file"
mkdir "$tmp/outs"
bad "--checkpoint in a missing folder" 2 -n 4 "$train" "${tiny[@]}" --checkpoint "$tmp/none/ck"
bad "--checkpoint naming a file" 2 -n 4 "$train" "${tiny[@]}" --checkpoint "$tmp/a-file"
bad "--out in a missing folder" 2 -n 4 "$train" "${tiny[@]}" --out "$tmp/none/o.csv"
bad "--out naming a folder" 2 -n 4 "$train" "${tiny[@]}" --out "$tmp/outs"
bad "--out where nothing can be written (/proc)" 2 -n 4 "$train" "${tiny[@]}" --out /proc/o.csv
bad "--trace in a missing folder" 2 -n 4 "$train" "${tiny[@]}" --trace "$tmp/none/t.json"
tap_check "... and no temporary or partial output left" "$(ls -A "$tmp/outs" | wc -l)" -eq 0

tap_done
