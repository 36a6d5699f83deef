// fuzz_stats.c: libFuzzer target of daso-stats (analysis/daso_stats.c): the bytes as a results
// set, cut at lines "@@next@@" into runs.tsv, the per-epoch CSVs a.csv and b.csv that its rows
// name, and manifest.txt (absent when the input has no fourth part), which the experiment runner
// writes; read, grouped and written out as daso-stats does (every data file and summary.md).
// The program's file is compiled in, its main() renamed, so that the target reaches its static
// functions. Inputs naming files under /dev, /proc or /sys are skipped (a CSV path in runs.tsv
// is any path; reading /dev/stdin would wait forever). Seeds: tests/fuzz/corpus/stats/ (from
// tests/fixtures/analysis). Run by `make fuzz` (see fuzz.h).
#define _GNU_SOURCE // memmem (before daso_stats.c includes string.h)
#define main daso_stats_main
#include "daso_stats.c"
#undef main

#include <stdint.h> // uint8_t
#include <unistd.h> // unlink

#include "fuzz.h" // fuzz_run, fuzz_write, fuzz_split, fuzz_dir, fuzz_path

static void stats(void *out)
{
    results r = {.dir = fuzz_dir()};
    read_results(&r);
    group_runs(&r);
    write_outputs(&r, out);
    free_results(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *const special[] = {"/dev/", "/proc/", "/sys/"};
    for (int i = 0; i < 3; i++)
        if (memmem(data, size, special[i], strlen(special[i])))
            return 0;
    const uint8_t *part[4];
    size_t len[4];
    const size_t parts = fuzz_split(data, size, "@@next@@\n", part, len, 4);
    fuzz_write("runs.tsv", part[0], len[0]);
    fuzz_write("a.csv", part[1], len[1]);
    fuzz_write("b.csv", part[2], len[2]);
    if (parts == 4)
        fuzz_write("manifest.txt", part[3], len[3]);
    else
        unlink(fuzz_path("manifest.txt"));
    const char *out = fuzz_path("analysis");
    mkdir(out, 0777);
    fuzz_run(stats, (void *)out);
    return 0;
}
