#!/usr/bin/env bash
# test_outputs.sh: outputs never destroy what their path names and never mix (core/outfile.c),
# through daso-sim's --out and --hostfile: a folder, a dangling link or a missing folder is refused
# before the simulation (one line, exit 2, nothing left behind); a FIFO and /dev/null are written
# through and stay what they are; a symbolic link stays a link and its target gets the output; two
# runs writing the same output at once each write a temporary file of their own, and what is left
# is one whole CSV; a run that fails after opening its outputs, or that is stopped by SIGTERM or
# SIGINT, leaves no temporary file. Run from the project root: BUILD=build tests/test_outputs.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
sim=$(cd "$(dirname "$B/daso-sim")" && pwd)/daso-sim
export DASO_MODELS=$(cd "${DASO_MODELS:-sim/models}" && pwd)
platform=$(pwd)/platforms/juwels_booster.xml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
hosts=("$sim" --platform "$platform" --nodes 1 --gpus-per-node 4 --hostfile)
short=("$sim" --platform "$platform" --nodes 2 --gpus-per-node 4 --model resnet50 --epochs 2 --quiet)
long=("$sim" --platform "$platform" --nodes 16 --gpus-per-node 4 --model resnet50 --epochs 90 --quiet)
leftovers() { compgen -G "$tmp/*.tmp.*" | wc -l; }

mkdir folder
tap_expect_input_error "--out naming a folder is refused" "${short[@]}" --out folder
tap_check "... and the folder is still a folder, nothing left" -d folder -a "$(leftovers)" = 0
start=$(date +%s.%N)
"${long[@]}" --out folder 2>/dev/null
tap_check "... before the simulation (a 90-epoch run refused within 2 s)" \
  "$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print (e - s < 2) }')" = 1
ln -s nowhere dangling
tap_expect_input_error "--out naming a dangling link is refused" "${short[@]}" --out dangling
tap_check "... and the link is still a link" -L dangling
tap_expect_input_error "--out in a missing folder is refused" "${short[@]}" --out no/such.csv

mkfifo fifo
cat fifo >from_fifo &
reader=$!
tap_ok "--hostfile into a FIFO is written through" "${hosts[@]}" fifo
wait "$reader"
tap_check "... the reader got the 4 host names and the FIFO is still a FIFO" \
  "$(wc -l <from_fifo)" = 4 -a -p fifo
mkfifo csvfifo
(grep -vc '^#' <csvfifo >csvfifo.rows) &
reader=$!
tap_ok "--out into a FIFO is written through" "${short[@]}" --out csvfifo
wait "$reader"
tap_check "... the reader got the 2 epochs' rows and the FIFO is still a FIFO" "$(cat csvfifo.rows)" = 2 -a -p csvfifo
tap_ok "--hostfile /dev/null" "${hosts[@]}" /dev/null
tap_check "... /dev/null is still a character device" -c /dev/null
echo old >target.txt
ln -s target.txt link
tap_ok "--hostfile through a symbolic link" "${hosts[@]}" link
tap_check "... the link stays a link, its target has the output" \
  -L link -a "$(wc -l <target.txt)" = 4

"${short[@]}" --out ref.csv
"${short[@]}" --out same.csv & a=$!
"${short[@]}" --out same.csv & b=$!
wait "$a"; ra=$?; wait "$b"; rb=$?
tap_check "two runs writing the same --out at once both succeed" "$ra$rb" = 00
tap_ok "... and leave one whole CSV, equal to a run alone" cmp ref.csv same.csv
tap_check "... and no temporary file" "$(leftovers)" = 0

"${short[@]}" --out failed.csv --trace no/such.json 2>/dev/null
tap_check "a run refused after opening --out (--trace in a missing folder) leaves no temporary file" \
  "$? $(leftovers) $(compgen -G 'failed.csv*' | wc -l)" = "2 0 0"
for sig in TERM INT; do
  "${long[@]}" --out killed.csv --trace killed.json &
  pid=$!
  for _ in $(seq 100); do [ "$(leftovers)" -ge 2 ] && break; sleep 0.02; done
  seen=$(leftovers)
  kill -"$sig" "$pid"
  wait "$pid"
  rc=$?
  tap_check "SIG$sig during a run: ended by the signal, both temporary files removed, no output" \
    "$seen $rc $(leftovers) $(compgen -G 'killed*' | wc -l)" = "2 $((128 + $(kill -l "$sig"))) 0 0"
done
# a full disk (a 4 KiB file size limit: writes fail with EFBIG, as with ENOSPC): one line naming
# the file, exit 1, and neither output nor temporary file left
(trap '' XFSZ; ulimit -f 4; exec "$sim" --platform "$platform" --nodes 2 --gpus-per-node 4 --model resnet50 \
  --epochs 2 --warmup-epochs 1 --cooldown-epochs 0 --quiet --out full.csv --trace full.json) 2>stderr.txt
rc=$?
err=$(cat stderr.txt)
tap_check "a full disk: exit 1, one line naming the file ($err)" \
  "$rc $(grep -c . <<<"$err") $(grep -c 'writing full.json failed' <<<"$err")" = "1 1 1"
tap_check "... and nothing left: no output, no temporary file" "$(leftovers) $(compgen -G 'full*' | wc -l)" = "0 0"

# daso-platform writes through the same layer: a folder refused (exit 2), a FIFO written through,
# a symbolic link kept and its target written
plat=("$(dirname "$sim")/daso-platform" --nodes 1 --gpus-per-node 2)
mkdir pfolder
tap_expect_input_error "daso-platform --out naming a folder is refused" "${plat[@]}" --out pfolder
mkfifo pfifo
(grep -c '<host id=' <pfifo >pfifo.count) &
reader=$!
tap_ok "daso-platform --out into a FIFO is written through" "${plat[@]}" --out pfifo
wait "$reader"
tap_check "... the reader got the 2 hosts and the FIFO is still a FIFO" "$(cat pfifo.count)" = 2 -a -p pfifo
echo keep >ptarget && ln -s ptarget plink
tap_ok "daso-platform --out through a symbolic link" "${plat[@]}" --out plink
tap_check "... the link stays a link, its target has the platform" -L plink -a "$(grep -c '<host id=' ptarget)" = 2
tap_done
