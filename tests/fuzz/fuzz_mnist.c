// fuzz_mnist.c: libFuzzer target of real/mnist.c (daso-train --data): the bytes as the two
// idx files of a Fashion-MNIST set, images then labels, cut at a line "@@labels@@" (each file
// gzip'd or not: zlib reads both), loaded whole, then one epoch's shuffle, a rank's shard and
// a batch gathered from it, as daso-train uses them. Seeds: tests/fuzz/corpus/mnist/ (the first
// two examples of Debian's t10k set). Run by `make fuzz` (see fuzz.h); linked with
// -Wl,--wrap=gzopen,--wrap=gzclose_r so that fuzz_run closes a stream left open by an error.
#include <stddef.h> // size_t
#include <stdint.h> // uint8_t
#include <stdlib.h> // malloc, free, abort

#include <zlib.h> // gzFile, gzopen, gzclose_r

#include "fuzz.h"  // fuzz_run, fuzz_write, fuzz_split, fuzz_dir, fuzz_opened, fuzz_closed
#include "mnist.h" // mnist_load, mnist_epoch_order, mnist_shard, mnist_gather, mnist_free

gzFile __real_gzopen(const char *path, const char *mode);
int __real_gzclose_r(gzFile gz);

static void close_gz(void *gz)
{
    __real_gzclose_r(gz);
}

gzFile __wrap_gzopen(const char *path, const char *mode)
{
    gzFile gz = __real_gzopen(path, mode);
    fuzz_opened(gz, close_gz);
    return gz;
}

int __wrap_gzclose_r(gzFile gz)
{
    fuzz_closed(gz);
    return __real_gzclose_r(gz);
}

static void parse(void *dir)
{
    mnist_set s;
    mnist_load(&s, dir, "f");
    int *order = malloc(sizeof(int) * (size_t)s.n), first, count;
    float *x = malloc(sizeof(float) * MNIST_PIXELS * 2);
    uint8_t y[2];
    if (order == NULL || x == NULL)
        abort();
    mnist_epoch_order(s.n, 7, 1, order);
    mnist_shard(s.n, 1, 2, &first, &count);
    mnist_gather(&s, order + first, count < 2 ? count : 2, x, y);
    free(order);
    free(x);
    mnist_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[2];
    size_t len[2];
    fuzz_split(data, size, "@@labels@@\n", part, len, 2);
    fuzz_write("f-images-idx3-ubyte.gz", part[0], len[0]);
    fuzz_write("f-labels-idx1-ubyte.gz", part[1], len[1]);
    fuzz_run(parse, (void *)fuzz_dir());
    return 0;
}
