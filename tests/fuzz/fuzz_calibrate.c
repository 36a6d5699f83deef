// fuzz_calibrate.c: libFuzzer target of the readers of daso-calibrate (sim/daso_calibrate.c),
// each given the bytes as its file: the Chrome trace of `profile --trace` (its forward-backward
// and optimizer events), the ring allreduce benchmark of `platform --bench` and the rows of
// `scaling --measured` (for 4 GPUs per node). The program's file is compiled in, its main()
// renamed, so that the target reaches its static readers. Seeds: tests/fuzz/corpus/calibrate/.
// Run by `make fuzz` (see fuzz.h).
#define main daso_calibrate_main
#include "daso_calibrate.c"
#undef main

#include <stdint.h> // uint8_t

#include "fuzz.h" // fuzz_run, fuzz_write

static void trace(void *path)
{
    series fb = {0}, opt = {0};
    read_trace(path, &fb, &opt);
    free(fb.v);
    free(opt.v);
}

static void bench(void *path)
{
    series x = {0}, y = {0};
    read_bench(path, &x, &y);
    free(x.v);
    free(y.v);
}

static void measured(void *path)
{
    scaling_fit c = {.gpus_per_node = 4};
    read_measured(&c, path);
    free(c.gpus.v);
    free(c.spi.v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write("input.txt", data, size);
    fuzz_run(trace, (void *)path);
    fuzz_run(bench, (void *)path);
    fuzz_run(measured, (void *)path);
    return 0;
}
