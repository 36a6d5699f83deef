// test_mnist.c: checks real/mnist: the installed Fashion-MNIST files load with the published
// sizes (60,000 / 10,000 images of 28 x 28, 6,000 / 1,000 per class, first labels 9), a small
// hand-written set loads exactly, every kind of damaged file is refused with exit status 2 and one
// line on stderr naming the file (a header announcing 2^31 - 1 examples too, without allocating
// them), the per-epoch shuffle is a uniform permutation that depends only
// on (seed, epoch) and matches values computed outside C, and the shards split [0, P * (n / P))
// among the ranks without overlap.
// Damaged inputs are written into a temporary directory and loaded in a fork()ed child.
//
// Build and run from the repository root (one command line):
//     cc -std=c11 -O2 -Wall -Wextra -Werror -Icore -Ireal -o /tmp/test_mnist
//         tests/test_mnist.c real/mnist.c core/util.c -lz -lcmocka -lm && /tmp/test_mnist
// An argument runs only the tests whose names match it: /tmp/test_mnist 'test_epoch*'.
#define _XOPEN_SOURCE 700
#include <ftw.h>      // nftw, FTW_DEPTH, FTW_PHYS
#include <setjmp.h>   // jmp_buf, needed by cmocka.h
#include <stdarg.h>   // va_list, needed by cmocka.h
#include <stddef.h>   // size_t, needed by cmocka.h
#include <stdint.h>   // uint8_t, uint32_t
#include <stdio.h>    // printf, snprintf, fopen, fgetc, fputc, remove
#include <stdlib.h>   // mkdtemp, free
#include <string.h>   // memset, strstr, strchr, strlen
#include <sys/stat.h> // stat
#include <unistd.h>   // access, truncate
#include <zlib.h>     // gzopen, gzwrite, gzclose

#include <cmocka.h> // cmocka_unit_test, assert_*, skip

#include "child.h" // child_expect_input_error
#include "mnist.h"
#include "util.h" // util_prog, mallocCheck, callocCheck

#define DATA_DIR "/usr/share/datasets/fashion-mnist"
#define FIXTURE_N 5 // examples in the hand-written sets

// --- helpers

static void skip_without_data(void)
{
    if (access(DATA_DIR "/train-images-idx3-ubyte.gz", R_OK) != 0 ||
        access(DATA_DIR "/t10k-images-idx3-ubyte.gz", R_OK) != 0) {
        printf("# Fashion-MNIST not found in " DATA_DIR " (Debian: dataset-fashion-mnist)\n");
        skip();
    }
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}

// Writes <dir>/<prefix>-<suffix> gzip'd: the header words, then len payload bytes.
static void write_gz(const char *dir, const char *prefix, const char *suffix,
                     const uint32_t *header, int nheader, const uint8_t *payload, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s-%s", dir, prefix, suffix);
    gzFile f = gzopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < nheader; i++) {
        uint8_t b[4];
        put_u32(b, header[i]);
        assert_int_equal(gzwrite(f, b, 4), 4);
    }
    if (len > 0)
        assert_int_equal(gzwrite(f, payload, (unsigned)len), (int)len);
    assert_int_equal(gzclose(f), Z_OK);
}

// The pieces of a small set that each case below damages in one place.
typedef struct {
    uint32_t image_magic, label_magic;
    uint32_t images_announced, labels_announced, rows, cols;
    int images_written, labels_written; // examples of payload actually written
    uint8_t bad_label;                  // if not 0, the value of the last label
} fixture;

static const fixture good = {0x803, 0x801, FIXTURE_N, FIXTURE_N, 28, 28, FIXTURE_N, FIXTURE_N, 0};

// Pixel i of the hand-written images and label i of the labels (enough payload for FIXTURE_N + 1).
// Pixels are hashed so that they do not compress: the truncation below must cut the pixels.
static uint8_t fixture_pixel(size_t i)
{
    uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    return (uint8_t)(z >> 56);
}
static uint8_t fixture_label(int i) { return (uint8_t)((i * 3 + 1) % MNIST_CLASSES); }

static void write_fixture(const char *dir, const char *prefix, const fixture *f)
{
    size_t pixels = (size_t)f->images_written * MNIST_PIXELS;
    uint8_t *img = mallocCheck(pixels);
    for (size_t i = 0; i < pixels; i++)
        img[i] = fixture_pixel(i);
    uint32_t ih[4] = {f->image_magic, f->images_announced, f->rows, f->cols};
    write_gz(dir, prefix, "images-idx3-ubyte.gz", ih, 4, img, pixels);
    free(img);

    uint8_t lab[FIXTURE_N + 1];
    for (int i = 0; i < f->labels_written; i++)
        lab[i] = fixture_label(i);
    if (f->bad_label)
        lab[f->labels_written - 1] = f->bad_label;
    uint32_t lh[2] = {f->label_magic, f->labels_announced};
    write_gz(dir, prefix, "labels-idx1-ubyte.gz", lh, 2, lab, (size_t)f->labels_written);
}

typedef struct {
    const char *dir, *prefix;
} load_args;

static void load(const void *arg)
{
    const load_args *a = arg;
    mnist_set s;
    mnist_load(&s, a->dir, a->prefix);
    mnist_free(&s);
}

// The load must fail with status 2 and exactly one line naming `file` and containing `problem`.
static void expect_rejected(const char *dir, const char *prefix, const char *file,
                            const char *problem)
{
    char err[1024];
    printf("# %s\n", prefix);
    child_expect_input_error(load, &(load_args){dir, prefix}, "test_mnist: ", err, sizeof err);
    assert_non_null(strstr(err, file));
    assert_non_null(strstr(err, problem));
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

// Every per-class count equals `each`, pixels lie in [0, 1] and reach both ends.
static void check_set(const mnist_set *s, int n, int each, int first_label)
{
    assert_int_equal(s->n, n);
    assert_int_equal(s->rows, 28);
    assert_int_equal(s->cols, 28);
    int count[MNIST_CLASSES] = {0};
    for (int i = 0; i < s->n; i++) {
        assert_true(s->labels[i] < MNIST_CLASSES);
        count[s->labels[i]]++;
    }
    for (int j = 0; j < MNIST_CLASSES; j++)
        assert_int_equal(count[j], each);
    assert_int_equal(s->labels[0], first_label);
    float lo = 1.0f, hi = 0.0f;
    for (size_t i = 0; i < (size_t)s->n * MNIST_PIXELS; i++) {
        lo = s->images[i] < lo ? s->images[i] : lo;
        hi = s->images[i] > hi ? s->images[i] : hi;
    }
    assert_true(lo == 0.0f && hi == 1.0f);
}

// --- the installed data set

static void test_real_files(void **state)
{
    (void)state;
    skip_without_data();
    mnist_set train, test, head;
    mnist_load(&train, DATA_DIR, "train");
    check_set(&train, 60000, 6000, 9); // the first training image is an ankle boot (9)
    mnist_load(&test, DATA_DIR, "t10k");
    check_set(&test, 10000, 1000, 9);
    mnist_load_limit(&head, DATA_DIR, "t10k", 100);
    assert_int_equal(head.n, 100);
    assert_memory_equal(head.images, test.images, 100 * MNIST_PIXELS * sizeof(float));
    assert_memory_equal(head.labels, test.labels, 100);
    mnist_free(&head);
    mnist_load_limit(&head, DATA_DIR, "t10k", 20000); // more than there are: all of them
    assert_int_equal(head.n, 10000);
    mnist_free(&head);
    mnist_free(&train);
    mnist_free(&test);
    assert_null(train.images);
}

// --- hand-written files, good and damaged

static void test_fixture_loads(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_mnist.XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_fixture(dir, "good", &good);
    mnist_set s;
    mnist_load(&s, dir, "good");
    assert_int_equal(s.n, FIXTURE_N);
    for (size_t i = 0; i < (size_t)FIXTURE_N * MNIST_PIXELS; i++)
        assert_true(s.images[i] == (float)fixture_pixel(i) / 255.0f);
    for (int i = 0; i < FIXTURE_N; i++)
        assert_int_equal(s.labels[i], fixture_label(i));
    mnist_free(&s);
    assert_int_equal(nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

// Flips the bits of byte `at` (negative: from the end) of a file.
static void damage_byte(const char *path, long at)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, at, at < 0 ? SEEK_END : SEEK_SET), 0);
    int c = fgetc(f);
    assert_true(c != EOF);
    assert_int_equal(fseek(f, -1, SEEK_CUR), 0);
    fputc(c ^ 0xff, f);
    assert_int_equal(fclose(f), 0);
}

static void test_damaged_files_rejected(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_mnist.XXXXXX", path[600];
    assert_non_null(mkdtemp(dir));
    const char *img = "images-idx3-ubyte.gz", *lab = "labels-idx1-ubyte.gz";
    struct {
        const char *prefix, *file, *problem;
        fixture f;
    } cases[] = {
        {"magic-images", img, "bad magic number 0x00000801",
         {0x801, 0x801, FIXTURE_N, FIXTURE_N, 28, 28, FIXTURE_N, FIXTURE_N, 0}},
        {"magic-labels", lab, "bad magic number 0x00000803",
         {0x803, 0x803, FIXTURE_N, FIXTURE_N, 28, 28, FIXTURE_N, FIXTURE_N, 0}},
        {"fewer-images", img, "file ends inside the pixels",
         {0x803, 0x801, FIXTURE_N, FIXTURE_N, 28, 28, FIXTURE_N - 2, FIXTURE_N, 0}},
        {"fewer-labels", lab, "file ends inside the labels",
         {0x803, 0x801, FIXTURE_N, FIXTURE_N, 28, 28, FIXTURE_N, FIXTURE_N - 1, 0}},
        {"more-images", img, "data beyond",
         {0x803, 0x801, FIXTURE_N, FIXTURE_N, 28, 28, FIXTURE_N + 1, FIXTURE_N, 0}},
        {"counts-differ", lab, "announces 4 labels",
         {0x803, 0x801, FIXTURE_N, FIXTURE_N - 1, 28, 28, FIXTURE_N, FIXTURE_N - 1, 0}},
        {"size", img, "images are 32x28",
         {0x803, 0x801, FIXTURE_N, FIXTURE_N, 32, 28, FIXTURE_N, FIXTURE_N, 0}},
        {"zero", img, "bad example count 0",
         {0x803, 0x801, 0, 0, 28, 28, 0, 0, 0}},
        // a damaged header announcing 2^31 - 1 examples in both files: the short file is named
        // (the set was allocated from the count: 6.7 TB, "out of memory", exit 1)
        {"huge-count", img, "file ends inside the pixels",
         {0x803, 0x801, 0x7fffffff, 0x7fffffff, 28, 28, FIXTURE_N, FIXTURE_N, 0}},
        {"label", lab, "label 10 of example 4",
         {0x803, 0x801, FIXTURE_N, FIXTURE_N, 28, 28, FIXTURE_N, FIXTURE_N, 10}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_fixture(dir, cases[i].prefix, &cases[i].f);
        expect_rejected(dir, cases[i].prefix, cases[i].file, cases[i].problem);
    }

    // A gzip stream cut in the middle of the pixels.
    write_fixture(dir, "truncated", &good);
    snprintf(path, sizeof path, "%s/truncated-%s", dir, img);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 2 * MNIST_PIXELS); // the pixels did not compress
    assert_int_equal(truncate(path, st.st_size / 2), 0);
    expect_rejected(dir, "truncated", img, "bad gzip stream in the pixels after");

    // A damaged CRC in the gzip trailer: the data inflates, the check at the end of the stream
    // fails (for files this small zlib reaches the end while it fills its buffer for the header).
    write_fixture(dir, "crc", &good);
    snprintf(path, sizeof path, "%s/crc-%s", dir, lab);
    damage_byte(path, -8);
    expect_rejected(dir, "crc", lab, "incorrect data check");

    // Damaged deflate data in the middle of the pixels.
    write_fixture(dir, "corrupt", &good);
    snprintf(path, sizeof path, "%s/corrupt-%s", dir, img);
    damage_byte(path, 1500);
    expect_rejected(dir, "corrupt", img, "bad gzip stream");

    // No such files.
    expect_rejected(dir, "missing", "missing-images-idx3-ubyte.gz", "cannot open");
    assert_int_equal(nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

// --- shuffle and shards

static int is_permutation(const int *order, int n)
{
    char *seen = callocCheck((size_t)n + 1, 1);
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        ok = order[i] >= 0 && order[i] < n && !seen[order[i]];
        if (ok)
            seen[order[i]] = 1;
    }
    free(seen);
    return ok;
}

static void test_epoch_order(void **state)
{
    (void)state;
    enum { N = 1000 };
    static int a[N], b[N], c[N], d[N];
    mnist_epoch_order(N, 7, 3, a);
    mnist_epoch_order(N, 7, 3, b);
    mnist_epoch_order(N, 7, 4, c);
    mnist_epoch_order(N, 8, 3, d);
    assert_true(is_permutation(a, N));
    assert_true(is_permutation(c, N));
    assert_true(is_permutation(d, N));
    assert_memory_equal(a, b, sizeof a);     // same (seed, epoch): same order
    assert_memory_not_equal(a, c, sizeof a); // next epoch: another order
    assert_memory_not_equal(a, d, sizeof a); // another seed: another order
    int fixed = 0;
    for (int i = 0; i < N; i++)
        fixed += a[i] == i;
    assert_true(fixed < 10); // a shuffle leaves about one element in place

    // Each of 10 elements lands in each of 10 positions about 1/10 of the time over 2000 epochs.
    int hits[10][10] = {{0}}, small[10];
    for (int e = 0; e < 2000; e++) {
        mnist_epoch_order(10, 1, e, small);
        assert_true(is_permutation(small, 10));
        for (int pos = 0; pos < 10; pos++)
            hits[small[pos]][pos]++;
    }
    for (int i = 0; i < 10; i++)
        for (int pos = 0; pos < 10; pos++)
            assert_in_range(hits[i][pos], 130, 270); // mean 200, sd 13.4

    // Pinned values, computed independently (a Python transcription of splitmix64 and
    // Fisher-Yates): a change here would change every run's data order, and resumed runs.
    static const int pinned0[10] = {4, 6, 7, 0, 9, 5, 1, 2, 3, 8};
    static const int pinned1[10] = {8, 7, 9, 0, 1, 2, 5, 6, 4, 3};
    mnist_epoch_order(10, 42, 0, small);
    assert_memory_equal(small, pinned0, sizeof pinned0);
    mnist_epoch_order(10, 42, 1, small);
    assert_memory_equal(small, pinned1, sizeof pinned1);

    mnist_epoch_order(1, 5, 0, small);
    assert_int_equal(small[0], 0);
    mnist_epoch_order(0, 5, 0, small); // nothing to do, nothing written
}

static void test_shards(void **state)
{
    (void)state;
    static const int sizes[] = {1003, 60000, 10, 3};
    static const int ranks[] = {1, 2, 3, 4, 7};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (size_t ri = 0; ri < sizeof ranks / sizeof ranks[0]; ri++) {
            int n = sizes[si], p = ranks[ri], per = n / p;
            char *owner = callocCheck((size_t)n, 1);
            int covered = 0;
            for (int r = 0; r < p; r++) {
                int first, count;
                mnist_shard(n, r, p, &first, &count);
                assert_int_equal(count, per);
                assert_true(first >= 0 && first + count <= n);
                for (int i = first; i < first + count; i++) {
                    assert_int_equal(owner[i], 0); // disjoint
                    owner[i] = 1;
                    covered++;
                }
            }
            assert_int_equal(covered, p * per);
            for (int i = 0; i < p * per; i++) // exactly [0, P * (n / P))
                assert_int_equal(owner[i], 1);
            free(owner);
        }
}

int main(int argc, char **argv)
{
    util_prog = "test_mnist";
    if (argc > 1)
        cmocka_set_test_filter(argv[1]); // e.g. 'test_grad*'
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_files),
        cmocka_unit_test(test_fixture_loads),
        cmocka_unit_test(test_damaged_files_rejected),
        cmocka_unit_test(test_epoch_order),
        cmocka_unit_test(test_shards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
