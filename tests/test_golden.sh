#!/usr/bin/env bash
# test_golden.sh: golden outputs. Runs SimGrid's tesh on every tests/golden/*.tesh, each in a
# fresh scratch folder, and prints one TAP line per file ("ok N - golden daso-plan-timelines"),
# with tesh's diff when the programs' output differs from the committed one. A file whose
# programs were not built (daso-sim without SimGrid) is skipped.
#
#   BUILD=build tests/test_golden.sh                 check every file (run from the project root)
#   BUILD=build tests/test_golden.sh --regenerate    rewrite every file's expected lines ('>')
#                                                    from what the current programs print
#
# --regenerate (make golden) keeps each file's comments, commands and metacommands and replaces
# the expected output of each command block, so that a deliberate change of output is reviewed
# as a git diff; a command that does not end with its expected status ("! expect return N",
# 0 otherwise) stops it and leaves that file as it was. It runs each command as tesh does, in
# the same scratch folder, with stdout and stderr together: tesh's files may use plain words,
# quotes, ${VAR:=default} and "! expect return", "! output ignore", "! output sort",
# "! ignore REGEXP", "! setenv", "! timeout", "p" and "#" lines, one command per block (sh -c
# '...' for pipes and redirections, without shell variables: tesh expands $NAME itself).
# The files find the programs in $BUILD and the project's files in $SRCDIR (both made absolute
# here); DASO_MODELS is the absolute sim/models.
set -u
. "$(dirname "$0")/tap.sh"
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${BUILD:-build}" && pwd) || exit 1
DASO_MODELS=$(cd "${DASO_MODELS:-$root/sim/models}" && pwd) || exit 1
export BUILD DASO_MODELS SRCDIR=$root
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the programs of $BUILD that FILE runs, one per line: programs FILE
programs() { grep -o '{BUILD[^}]*}/[A-Za-z0-9_-]*' "$1" | sed 's|.*}/||' | sort -u; }
# the first of FILE's programs that is not built, if any: unbuilt FILE
unbuilt() { local p; for p in $(programs "$1"); do [ -x "$BUILD/$p" ] || { echo "$p"; return; }; done; }

# FILE's commands run again, their output in place of the '>' lines, printed on stdout; status 1
# and one line on stderr when a command fails: regenerate_file FILE SCRATCH
regenerate_file() {
  local f=$1 dir=$2 line n=0 start=0 cmd="" expect=0 quiet=0 input=() ignore=() block=()
  run_block() {
    local l out rc
    [ ${#block[@]} -gt 0 ] && printf '%s\n' "${block[@]}"
    if [ -n "$cmd" ]; then
      if [ ${#input[@]} -gt 0 ]; then
        out=$(cd "$dir" && printf '%s' "$(printf '%s\n' "${input[@]}")" | eval "$cmd" 2>&1)
      else
        out=$(cd "$dir" && eval "$cmd" </dev/null 2>&1)
      fi
      rc=$?
      if [ "$rc" -ne "$expect" ]; then
        echo "$f:$start: status $rc, expected $expect: $cmd: $(tail -3 <<<"$out")" >&2; return 1
      fi
      for l in "${ignore[@]}"; do out=$(grep -Ev "^($l)" <<<"$out"); done
      if grep -q '\\$' <<<"$out"; then
        echo "$f:$start: an output line ends with a backslash, which tesh would join: $cmd" >&2
        return 1
      fi
      [ "$quiet" -eq 0 ] && [ -n "$out" ] && sed 's/^/> /; s/^> $/>/' <<<"$out"
    fi
    block=() cmd="" expect=0 quiet=0 input=() ignore=()
  }
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    case "$line" in
      "") run_block || return 1; echo; continue ;;
      '>'*) continue ;;
      '$ '*) [ -z "$cmd" ] || { echo "$f:$n: two commands in one block" >&2; return 1; }
             cmd=${line#\$ } start=$n ;;
      '< '*) input+=("${line#< }") ;;
      '<'*) input+=("${line#<}") ;;
      '! expect return '*) expect=${line#! expect return } ;;
      '! output ignore'*) quiet=1 ;;
      '! ignore '*) ignore+=("${line#! ignore }") ;;
      '! setenv '*) export "${line#! setenv }" ;;
      '! output sort'* | '! timeout '* | 'p '* | '#'*) ;;
      *) echo "$f:$n: a line that this regeneration does not handle: $line" >&2; return 1 ;;
    esac
    block+=("$line")
  done <"$f"
  run_block
}

files=("$root"/tests/golden/*.tesh)
if [ "${1:-}" = --regenerate ]; then
  status=0
  for f in "${files[@]}"; do
    name=$(basename "$f" .tesh) missing=$(unbuilt "$f")
    if [ -n "$missing" ]; then echo "golden: $name kept ($BUILD/$missing not built)"; continue; fi
    dir=$(mktemp -d "$tmp/XXXXXX")
    # a subshell, so that one file's "! setenv" stays in that file
    if (regenerate_file "$f" "$dir") >"$dir.tesh"; then
      if cmp -s "$dir.tesh" "$f"; then echo "golden: $name unchanged"
      else cat "$dir.tesh" >"$f"; echo "golden: $name rewritten"; fi
    else
      echo "golden: $name kept as it was"; status=1
    fi
  done
  exit $status
fi

if ! command -v tesh >/dev/null 2>&1; then
  tap_n=1; echo "ok 1 - golden outputs # SKIP tesh not found (SimGrid's libsimgrid-dev)"; tap_done; exit
fi
for f in "${files[@]}"; do
  name=$(basename "$f" .tesh) missing=$(unbuilt "$f")
  if [ -n "$missing" ]; then
    tap_n=$((tap_n + 1)); echo "ok $tap_n - golden $name # SKIP $missing not built"; continue
  fi
  dir=$(mktemp -d "$tmp/XXXXXX")
  out=$(cd "$dir" && tesh "$f" 2>&1)
  # tesh's diff and verdict, without its log of every command run and every "p" line
  tap_result $? "golden $name" "$(grep -Ev '^\[(Tesh/INFO|[^]]*\.tesh:[0-9]+)\] ' <<<"$out")"
done
tap_done
