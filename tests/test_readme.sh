#!/usr/bin/env bash
# test_readme.sh: README.md's shell examples run as documented. They run in order, as a user
# would paste them, in a fresh copy of the repository: its tracked (and not ignored) files and the
# build folder, nothing else (no results/, none of the files earlier tests made), in a shell with
# none of the tests' settings (MPIR_CVAR_POLLS_BEFORE_YIELD, OPENBLAS_NUM_THREADS, DASO_MODELS)
# nor the calling make's.
# Each must exit 0, and each sample output shown must match what the command prints.
#
# Conventions in README.md:
#   ```sh or ```bash      a script: run with bash -e in the copy (files persist from block to block)
#   ```console            "$ COMMAND" lines (continued while a line ends with "\") run in one
#                         bash -e; the lines after a command are a sample of its stdout, compared
#                         line by line after masking: every number (a digit and the digits, dots,
#                         e, + and - after it) becomes N, 16-digit hex words H, runs of blanks one
#                         blank. A sample line "..." stands for any lines, "..." in a line for any
#                         text. A command with no lines after it is not compared.
#   <!-- not run: REASON -->   on the line before a block: reported as a SKIP with the reason.
#   Other fences (```text) are not examples.
# Run from the project root: BUILD=build tests/test_readme.sh [README]
set -u
shopt -s nullglob
. "$(dirname "$0")/tap.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-build}
readme=${1:-$root/README.md}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset MPIR_CVAR_POLLS_BEFORE_YIELD OPENBLAS_NUM_THREADS DASO_MODELS MAKEFLAGS MFLAGS MAKELEVEL

# the blocks: $tmp/blocks/NNN.{kind,line,body[,skip]}
mkdir "$tmp/blocks"
awk -v dir="$tmp/blocks" '
  fence == 0 && /^<!-- not run: .* -->$/ { reason = $0; sub(/^<!-- not run: /, "", reason)
                                           sub(/ -->$/, "", reason); next }
  fence == 0 && /^```(sh|bash|console)$/ {
    f = sprintf("%s/%03d", dir, ++n); fence = 1
    print substr($0, 4) >(f ".kind"); print NR >(f ".line"); printf "" >(f ".body")
    if (reason != "") print reason >(f ".skip")
    reason = ""; next }
  fence == 0 && /^```/ { fence = 2; reason = ""; next }
  fence != 0 && /^```$/ { fence = 0; next }
  fence == 1 { print >>(f ".body"); next }
  fence == 0 { reason = "" }' "$readme"
kinds=("$tmp/blocks"/*.kind)
nblocks=${#kinds[@]}
tap_check "README.md has shell examples ($nblocks)" "$nblocks" -ge 5

# the fresh copy: the working tree's files as a clone has them, and the build folder, newer than
# the sources as after `make`
work=$tmp/clone
mkdir "$work"
(cd "$root" && git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
   [ -e "$f" ] && printf '%s\0' "$f"; done | xargs -0 cp --parents -t "$work")
cp -a "$B/." "$work/build"
find "$work/build" -exec touch {} +

mask() {
  sed -E 's/\b[0-9a-f]{16}\b/H/g; s/[0-9][0-9.e+-]*/N/g; s/[[:space:]]+/ /g; s/^ //; s/ $//' "$@"
}

# shape_check SAMPLE OUTPUT: 0 when the masked output matches the masked sample; else a diagnostic
shape_check() {
  local -a s o
  mapfile -t s < <(mask "$1"); mapfile -t o < <(mask "$2")
  local i=0 j=0 m=${#s[@]} n=${#o[@]} pat
  glob() { pat=${1//\\/\\\\}; pat=${pat//\*/\\*}; pat=${pat//\?/\\?}; pat=${pat//\[/\\[}
           pat=${pat//.../*}; }
  while [ $i -lt $m ]; do
    if [ "${s[$i]}" = "..." ]; then
      i=$((i + 1)); [ $i -eq $m ] && return 0
      glob "${s[$i]}"
      while [ $j -lt $n ] && [[ ${o[$j]} != $pat ]]; do j=$((j + 1)); done
      [ $j -lt $n ] || { echo "no output line after sample line $i matches: ${s[$i]}"; return 1; }
    fi
    glob "${s[$i]}"
    if [ $j -ge $n ]; then echo "output ends before sample line $((i + 1)): ${s[$i]}"; return 1; fi
    if [[ ${o[$j]} != $pat ]]; then
      printf 'sample line %d: %s\noutput line %d: %s\n' $((i + 1)) "${s[$i]}" $((j + 1)) "${o[$j]}"
      return 1
    fi
    i=$((i + 1)); j=$((j + 1))
  done
  [ $j -ge $n ] || { echo "output goes on after the sample: ${o[$j]}"; return 1; }
}

for kind_file in "${kinds[@]}"; do
  b=${kind_file%.kind}
  kind=$(cat "$b.kind") line=$(cat "$b.line")
  first=$(grep -v '^\$\? *#' "$b.body" | grep -m 1 . | sed 's/^\$ //; s/ *\\$//')
  name="README.md line $line: ${first:0:60}"
  if [ -e "$b.skip" ]; then
    tap_n=$((tap_n + 1)); echo "ok $tap_n - $name # SKIP $(cat "$b.skip")"; continue
  fi
  if [ "$kind" != console ]; then
    out=$(cd "$work" && BUILD=build timeout 300 bash -e "$b.body" 2>&1)
    tap_result $? "$name" "$(tail -20 <<<"$out")"
    continue
  fi
  # console: the commands into one script, each one's stdout into $b.out-K, its sample $b.sample-K
  awk -v b="$b" '
    function end_cmd() {
      cont = /\\$/; if (!cont) printf "} >\"%s.out-%d\"\n", b, k >>(b ".script") }
    cont { print >>(b ".script"); end_cmd(); next }
    /^\$ / { k++; printf "" >(b ".sample-" k); printf "{ :; %s\n", substr($0, 3) >>(b ".script")
             end_cmd(); next }
    k > 0 { print >>(b ".sample-" k) }' "$b.body"
  err=$(cd "$work" && BUILD=build timeout 300 bash -e "$b.script" 2>&1)
  rc=$?
  diag=""
  if [ $rc -eq 0 ]; then
    for sample in "$b".sample-*; do
      [ -s "$sample" ] || continue
      d=$(shape_check "$sample" "$b.out-${sample##*-}") ||
        { rc=1; diag+="command ${sample##*-}: $d"$'\n'; }
    done
  else
    diag="exit status $rc: $(tail -20 <<<"$err")"
  fi
  tap_result $rc "$name" "$diag"
done
tap_done
