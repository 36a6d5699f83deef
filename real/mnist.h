// mnist.h: the Fashion-MNIST data set for real training runs: reads the gzip'd idx files that
// Debian's dataset-fashion-mnist installs (/usr/share/datasets/fashion-mnist), and gives every
// rank the same per-epoch shuffle and its own shard of it. Transport-free: the MPI and NCCL
// backends call it, it calls no one.
//
//     mnist_set train;
//     mnist_load(&train, "/usr/share/datasets/fashion-mnist", "train");
//     int *order = mallocCheck(train.n * sizeof(int)), first, count;
//     mnist_shard(train.n, rank, nranks, &first, &count);
//     for (int epoch = 0; epoch < epochs; epoch++) {
//         mnist_epoch_order(train.n, seed, epoch, order);
//         // this rank's examples of this epoch: order[first .. first + count)
//     }
//     mnist_free(&train);
#ifndef DASO_MNIST_H
#define DASO_MNIST_H

#include <stdint.h> // uint8_t, uint64_t

#define MNIST_ROWS 28
#define MNIST_COLS 28
#define MNIST_PIXELS (MNIST_ROWS * MNIST_COLS)
#define MNIST_CLASSES 10

typedef struct {
    int n, rows, cols; // examples, and the image size (always 28 x 28)
    float *images;     // n * rows * cols pixels, row-major per image, scaled to [0, 1]
    uint8_t *labels;   // n labels, each < MNIST_CLASSES
} mnist_set;

// Loads <dir>/<prefix>-images-idx3-ubyte.gz and <dir>/<prefix>-labels-idx1-ubyte.gz, prefix
// "train" or "t10k". Checks the magic numbers (0x00000803 images, 0x00000801 labels), the 28 x 28
// image size, that both files announce the same count, that each file holds exactly the
// announced bytes (a truncated or corrupt gzip stream, or trailing data, is an error) and that
// every label is < 10. On any problem: util_die_input() naming the file and the problem (exit 2).
// (zlib reads a file that is not gzip'd as it is, so an uncompressed idx file also loads.)
void mnist_load(mnist_set *s, const char *dir, const char *prefix);

// Same, keeping only the first min(max_n, announced) examples (max_n >= 1), for fast tests. When
// fewer examples than announced are kept, the rest of each file is not read, so only the headers
// and the kept prefix are checked.
void mnist_load_limit(mnist_set *s, const char *dir, const char *prefix, int max_n);

void mnist_free(mnist_set *s);

// Writes into order[0 .. n) a permutation of 0 .. n-1 that depends only on (seed, epoch), epoch
// >= 0: Fisher-Yates driven by splitmix64, identical on every rank and every machine.
void mnist_epoch_order(int n, uint64_t seed, int epoch, int *order);

// Copies the examples idx[0 .. n) of d into x (n images, row-major) and y (n labels): one batch.
void mnist_gather(const mnist_set *d, const int *idx, int n, float *x, uint8_t *y);

// The shard of rank `rank` of `nranks`: positions [*first, *first + *count) of the permuted
// order, with *first = rank * (n / nranks) and *count = n / nranks. The n % nranks positions at
// the end are dropped, so every rank runs the same number of batches.
void mnist_shard(int n, int rank, int nranks, int *first, int *count);

#endif
