// fuzz_checkpoint.c: libFuzzer target of real/checkpoint.c's checkpoint_load (daso-train
// --resume): the bytes as a rank's checkpoint, followed by their CRC-32, so that the fuzzer gets
// past the check of the CRC to what the file holds (a wrong CRC is one comparison), loaded for a
// run of 4 parameters with the settings "epochs=4\nlr=0.1\n". Seeds: tests/fuzz/corpus/checkpoint/
// (checkpoint_save's files without their CRC; a change of the sched or driver_result structs
// makes them files of "another state layout", still valid seeds). Run by `make fuzz` (fuzz.h).
#include <stdbool.h> // bool
#include <stdint.h>  // uint8_t, uint32_t
#include <stdlib.h>  // free, abort
#include <string.h>  // memcpy

#include <zlib.h> // crc32

#include "checkpoint.h" // checkpoint, checkpoint_load
#include "fuzz.h"       // fuzz_run, fuzz_write, fuzz_dir
#include "scheduler.h"  // sched_config, sched_config_defaults

static void parse(void *dir)
{
    sched_config cfg;
    sched_config_defaults(&cfg);
    float params[4], velocity[4];
    checkpoint c = {.params = params, .velocity = velocity, .n = 4,
                    .settings = "epochs=4\nlr=0.1\n"};
    if (checkpoint_load(dir, 0, false, &cfg, &c))
        free(c.rows);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t file[1 << 16];
    if (size > sizeof file - 4)
        return 0;
    memcpy(file, data, size);
    const uint32_t sum = (uint32_t)crc32(crc32(0, Z_NULL, 0), data, (uInt)size);
    memcpy(file + size, &sum, sizeof sum);
    fuzz_write("rank0.ckpt", file, size + sizeof sum);
    fuzz_run(parse, (void *)fuzz_dir());
    return 0;
}
