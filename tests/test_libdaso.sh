#!/usr/bin/env bash
# test_libdaso.sh: the scheduling core's library as `make install` delivers it: the library (named
# by its soname, with the libdasocore.so link), core/daso.h and daso.pc with the install's
# prefix; `pkg-config --cflags --libs daso` builds a program on the installed copy that plans
# what daso-plan prints and refuses a bad option with one line and exit 2; only daso_ symbols are
# exported. (The API itself: build/tests/test_libdaso.) Run from the project root:
# BUILD=build tests/test_libdaso.sh
set -u
. "$(dirname "$0")/tap.sh"
B=${BUILD:-build}
CC=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset MAKEFLAGS MFLAGS MAKELEVEL # a make of its own, not a part of the calling one's
root=$tmp/root
lib=$root/usr/lib

out=$(make -s --no-print-directory BUILD="$B" install DESTDIR="$root" PREFIX=/usr 2>&1)
tap_result $? "make install DESTDIR=\$tmp PREFIX=/usr" "$out"
tap_check "installed: the library by its soname, its link, daso.h, daso.pc" \
  -f "$lib/libdasocore.so.1" -a "$(readlink "$lib/libdasocore.so")" = libdasocore.so.1 \
  -a -f "$root/usr/include/daso.h" -a -f "$lib/pkgconfig/daso.pc"
tap_check "daso.pc has the install's prefix" \
  "$(grep -c '^prefix=/usr$' "$lib/pkgconfig/daso.pc")" -eq 1
pc() { PKG_CONFIG_PATH=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root pkg-config "$@"; }
flags=$(pc --cflags --libs daso)
tap_check "pkg-config --cflags --libs daso ($flags)" \
  "$(echo $flags)" = "-I$root/usr/include -L$lib -ldasocore"
version=$(sed -n 's/^#define DASO_VERSION "\([^"]*\)".*/\1/p' core/daso.h)
tap_check "pkg-config --modversion daso is daso.h's ($version)" \
  "$(pc --modversion daso)" = "$version"

# a program on the installed copy: the first plan of a fixed schedule, as daso-plan prints it
cat >"$tmp/first.c" <<'EOF'
#include <stdio.h>

#include <daso.h>

int main(int argc, char **argv)
{
    char err[512], line[512];
    daso_config *cfg = daso_config_new(argc, (const char *const *)argv, err, sizeof err);
    if (cfg == NULL) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    daso_sched *s = daso_sched_new(cfg);
    daso_plan p;
    if (s == NULL || daso_sched_next(s, 1, 1, &p, err, sizeof err) != 0 ||
        daso_plan_format(&p, line, sizeof line) < 0)
        return 1;
    printf("%s %s\n", daso_version(), line);
    daso_sched_free(s);
    daso_config_free(cfg);
    return 0;
}
EOF
# a library built by make sanitize needs its sanitizers' runtime first: the program links it
san=$(readelf -d "$lib/libdasocore.so.1" | grep -q 'NEEDED.*libasan' &&
      echo -fsanitize=address,undefined)
# shellcheck disable=SC2086 # pkg-config's flags are words
out=$($CC -std=c11 -Wall -Wextra -Werror $san -o "$tmp/first" "$tmp/first.c" $flags 2>&1)
tap_result $? "a program builds with pkg-config's flags" "$out"
args=(--nodes 2 --gpus-per-node 2 --last-batch 7 --epochs 1 --global-skip 4 --local-skip 2
      --batches-to-wait 2)
want=$("$B/daso-plan" "${args[@]}" | sed -n 2p)
got=$(LD_LIBRARY_PATH=$lib "$tmp/first" "${args[@]}")
tap_check "it plans daso-plan's first batch ($got)" "$got" = "$version $want"
tap_check "it loads the library by its soname" \
  "$(readelf -d "$tmp/first" | grep -c 'NEEDED.*\[libdasocore\.so\.1\]')" -eq 1
tap_expect_input_error "a bad option: one line from the library, exit 2" \
  env LD_LIBRARY_PATH="$lib" "$tmp/first" "${args[@]}" --epoch 3
err=$(LD_LIBRARY_PATH=$lib "$tmp/first" "${args[@]}" --epoch 3 2>&1)
tap_check "the line names the program and the option ($err)" \
  "$err" = "$tmp/first: unknown option '--epoch' (did you mean --epochs?) (see --help)"

others=$(nm -D --defined-only "$B/libdasocore.so" | awk '$3 !~ /^daso_/ { print $3 }')
tap_check "only daso_ symbols are exported${others:+ (also: $others)}" -z "$others" \
  -a "$(nm -D --defined-only "$B/libdasocore.so" | grep -c ' daso_')" -gt 10
tap_done
