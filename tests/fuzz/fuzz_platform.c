// fuzz_platform.c: libFuzzer target of sim/platform.c's sim_platform_scan, what daso-sim reads of
// a platform file before SimGrid loads it (its <config> models, profiles, plugins and
// daso:gpus-per-node); the SimGrid loading itself (sim_platform_load) is SimGrid's parser, not
// fuzzed here. Seeds: tests/fuzz/corpus/platform/. Run by `make fuzz` (see fuzz.h).
#include <stddef.h> // size_t
#include <stdint.h> // uint8_t

#include "fuzz.h"     // fuzz_run, fuzz_write
#include "platform.h" // sim_platform_scan

static void parse(void *path)
{
    sim_platform_scan(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_run(parse, (void *)fuzz_write("platform.xml", data, size));
    return 0;
}
