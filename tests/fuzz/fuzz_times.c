// fuzz_times.c: libFuzzer target of sim/variability.c's reading of measured batch times (daso-sim
// --compute-dist hist:FILE and --gpu-speed-dist hist:FILE; daso-calibrate profile writes such
// FILE.times): the bytes as that file, turned into both distributions, then a few draws of
// each, as daso-sim makes them. Seeds: tests/fuzz/corpus/times/. Run by `make fuzz` (fuzz.h).
#include <stddef.h> // size_t
#include <stdint.h> // uint8_t
#include <stdio.h>  // snprintf
#include <stdlib.h> // free

#include "fuzz.h"        // fuzz_run, fuzz_write
#include "variability.h" // variability_set_dist, variability_factor, variability_gpu_factors

static void parse(void *spec)
{
    variability v = {.seed = 3};
    variability_set_dist(&v, spec);
    variability_set_gpu_dist(&v, spec);
    gsl_rng *rng = variability_rng(&v, 1);
    for (int i = 0; i < 4; i++)
        variability_factor(&v, rng, 1, 4, 0);
    gsl_rng_free(rng);
    free(variability_gpu_factors(&v, 4));
    variability_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char spec[4200];
    snprintf(spec, sizeof spec, "hist:%s", fuzz_write("run.times", data, size));
    fuzz_run(parse, spec);
    return 0;
}
