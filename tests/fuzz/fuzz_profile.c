// fuzz_profile.c: libFuzzer target of sim/profile.c (daso-sim --model, daso-calibrate --base):
// the bytes as a model profile, loaded by path, then what the programs derive from one: the
// epochs on 1, 7 and 4096 GPUs with and without drop_last, a batch of 3 samples, the default loss
// curve. Seeds: tests/fuzz/corpus/profile/ (the shipped sim/models). Run by `make fuzz` (fuzz.h).
#include <stddef.h> // size_t
#include <stdint.h> // uint8_t

#include "fuzz.h"    // fuzz_run, fuzz_write
#include "profile.h" // profile_load, profile_epoch_of, profile_set_batch, profile_loss

static void parse(void *path)
{
    profile p;
    profile_load(&p, path, NULL);
    const int worlds[] = {1, 7, 4096};
    for (int i = 0; i < 3; i++) {
        profile_epoch_of(&p, worlds[i], false);
        profile_epoch_of(&p, worlds[i], true);
    }
    profile_loss(&p, 0);
    profile_loss(&p, (int)p.epochs);
    profile_set_batch(&p, 3);
    profile_epoch_of(&p, 7, false);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_run(parse, (void *)fuzz_write("model.profile", data, size));
    return 0;
}
