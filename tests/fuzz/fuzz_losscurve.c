// fuzz_losscurve.c: libFuzzer target of core/losscurve.c (daso-plan --loss-file, daso-sim
// --loss-curve): the bytes as a loss file, one number per line or a per-epoch CSV, read for 4
// epochs. Seeds: tests/fuzz/corpus/losscurve/. Built and run by `make fuzz` (see fuzz.h).
#include <stddef.h> // size_t
#include <stdint.h> // uint8_t

#include "fuzz.h"      // fuzz_run, fuzz_write
#include "losscurve.h" // losscurve_read

static void parse(void *path)
{
    double loss[4];
    losscurve_read(path, 4, loss);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_run(parse, (void *)fuzz_write("loss.txt", data, size));
    return 0;
}
