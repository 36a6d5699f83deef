// mnist.c: see mnist.h. The idx format: a big-endian header (magic, count, then rows and cols for
// images) followed by one unsigned byte per pixel or label; Debian ships each file gzip'd, and
// zlib's gzread checks the stream (CRC and length trailer) as it inflates.
#include "mnist.h"

#include <errno.h>  // errno
#include <limits.h> // INT_MAX, UINT_MAX
#include <stdio.h>  // snprintf
#include <stdlib.h> // free, realloc
#include <string.h> // strlen, strncmp, strerror, memset, memcpy
#include <zlib.h>   // gzopen, gzbuffer, gzread, gzerror, gzclose_r

#include "util.h" // util_die_input, util_die, mallocCheck

#define IDX_IMAGES_MAGIC 0x00000803u // unsigned bytes, 3 dimensions
#define IDX_LABELS_MAGIC 0x00000801u // unsigned bytes, 1 dimension
#define READ_CHUNK (1u << 16)        // bytes inflated per gzread call when converting pixels

// --- reading one gzip'd idx file

// An open idx file, the path used in every error message about it, and how far it has been read.
typedef struct {
    gzFile gz;
    char *path;
    size_t pos; // bytes inflated so far
} idx_file;

static void idx_open(idx_file *f, const char *dir, const char *prefix, const char *suffix)
{
    size_t len = strlen(dir) + strlen(prefix) + strlen(suffix) + 3;
    f->path = mallocCheck(len);
    snprintf(f->path, len, "%s/%s-%s", dir, prefix, suffix);
    f->pos = 0;
    errno = 0;
    f->gz = gzopen(f->path, "rb");
    if (f->gz == NULL)
        util_die_input("cannot open %s: %s", f->path, errno ? strerror(errno) : "out of memory");
    gzbuffer(f->gz, 1u << 17);
}

// zlib's message about the last error, without the "<path>: " it puts in front.
static const char *idx_gz_message(const idx_file *f)
{
    int err;
    const char *msg = gzerror(f->gz, &err);
    size_t len = strlen(f->path);
    if (strncmp(msg, f->path, len) == 0 && msg[len] == ':' && msg[len + 1] == ' ')
        msg += len + 2;
    return msg;
}

// Reads exactly len bytes or dies naming what was being read: a gzip stream that ends early
// (truncated file) or fails to inflate (corrupt file), or a complete stream that is too short.
static void idx_read(idx_file *f, void *buf, size_t len, const char *what)
{
    size_t done = 0;
    while (done < len) {
        size_t want = len - done < UINT_MAX ? len - done : UINT_MAX;
        int got = gzread(f->gz, (unsigned char *)buf + done, (unsigned)want);
        if (got <= 0) {
            int err;
            gzerror(f->gz, &err);
            if (err != Z_OK && err != Z_STREAM_END)
                util_die_input("%s: bad gzip stream in the %s after %zu bytes: %s", f->path,
                               what, f->pos + done, idx_gz_message(f));
            util_die_input("%s: file ends inside the %s after %zu bytes", f->path, what,
                           f->pos + done);
        }
        done += (size_t)got;
    }
    f->pos += len;
}

static uint32_t idx_read_u32(idx_file *f, const char *what)
{
    unsigned char b[4];
    idx_read(f, b, sizeof b, what);
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

// Reads the magic number and the count of an idx file.
static int idx_read_header(idx_file *f, uint32_t magic)
{
    uint32_t got = idx_read_u32(f, "header");
    if (got != magic)
        util_die_input("%s: bad magic number 0x%08x (expected 0x%08x)", f->path, (unsigned)got,
                       (unsigned)magic);
    uint32_t n = idx_read_u32(f, "header");
    if (n == 0 || n > INT_MAX)
        util_die_input("%s: bad example count %u", f->path, (unsigned)n);
    return (int)n;
}

// After the announced data: the stream must end here, cleanly (this read also makes zlib check
// the gzip trailer's CRC and length).
static void idx_expect_end(idx_file *f)
{
    unsigned char extra;
    int got = gzread(f->gz, &extra, 1);
    if (got > 0)
        util_die_input("%s: data beyond the announced examples", f->path);
    if (got < 0)
        util_die_input("%s: bad gzip stream at the end: %s", f->path, idx_gz_message(f));
}

static void idx_close(idx_file *f)
{
    int ret = gzclose_r(f->gz);
    if (ret != Z_OK)
        util_die_input("%s: error closing the gzip stream (zlib code %d)", f->path, ret);
    free(f->path);
}

// --- loading a set

void mnist_load(mnist_set *s, const char *dir, const char *prefix)
{
    mnist_load_limit(s, dir, prefix, INT_MAX);
}

void mnist_load_limit(mnist_set *s, const char *dir, const char *prefix, int max_n)
{
    if (max_n < 1)
        util_die("mnist_load_limit: max_n must be >= 1 (got %d)", max_n);
    idx_file fi, fl;
    idx_open(&fi, dir, prefix, "images-idx3-ubyte.gz");
    idx_open(&fl, dir, prefix, "labels-idx1-ubyte.gz");

    int n_images = idx_read_header(&fi, IDX_IMAGES_MAGIC);
    uint32_t rows = idx_read_u32(&fi, "header"), cols = idx_read_u32(&fi, "header");
    if (rows != MNIST_ROWS || cols != MNIST_COLS)
        util_die_input("%s: images are %ux%u, expected %dx%d", fi.path, (unsigned)rows,
                       (unsigned)cols, MNIST_ROWS, MNIST_COLS);
    int n_labels = idx_read_header(&fl, IDX_LABELS_MAGIC);
    if (n_labels != n_images)
        util_die_input("%s announces %d labels but %s announces %d images", fl.path, n_labels,
                       fi.path, n_images);

    s->n = n_images < max_n ? n_images : max_n;
    s->rows = MNIST_ROWS;
    s->cols = MNIST_COLS;
    size_t pixels = (size_t)s->n * MNIST_PIXELS;
    // the images grow as their pixels arrive, and the labels are allocated once the pixels are
    // all there: a damaged header's count (up to 2^31 - 1 examples, 6.7 TB) is never allocated
    // before the file shows that it holds them
    s->images = NULL;
    size_t cap = 0;
    unsigned char *chunk = mallocCheck(READ_CHUNK);
    for (size_t done = 0; done < pixels; done += READ_CHUNK) {
        size_t len = pixels - done < READ_CHUNK ? pixels - done : READ_CHUNK;
        idx_read(&fi, chunk, len, "pixels");
        if (done + len > cap) { // doubled (chunks of one size: enough), at most `pixels`
            cap = cap == 0 ? len : 2 * cap < pixels ? 2 * cap : pixels;
            s->images = realloc(s->images, cap * sizeof(float));
            if (s->images == NULL)
                util_die("out of memory growing the images of %s to %zu pixels", fi.path, cap);
        }
        for (size_t i = 0; i < len; i++)
            s->images[done + i] = (float)chunk[i] / 255.0f;
    }
    free(chunk);

    s->labels = mallocCheck((size_t)s->n);
    idx_read(&fl, s->labels, (size_t)s->n, "labels");
    for (int i = 0; i < s->n; i++)
        if (s->labels[i] >= MNIST_CLASSES)
            util_die_input("%s: label %d of example %d is not below %d", fl.path, s->labels[i], i,
                           MNIST_CLASSES);

    if (s->n == n_images) {
        idx_expect_end(&fi);
        idx_expect_end(&fl);
    }
    idx_close(&fi);
    idx_close(&fl);
}

void mnist_free(mnist_set *s)
{
    free(s->images);
    free(s->labels);
    memset(s, 0, sizeof *s);
}

// --- shuffling and sharding

// splitmix64 (Steele, Lea, Flood 2014): a tiny generator with good statistical quality, and the
// same sequence everywhere, unlike rand().
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Uniform in [0, bound), bound >= 1, without modulo bias: draws below 2^64 mod bound are redrawn.
static uint64_t uniform_below(uint64_t *state, uint64_t bound)
{
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t r = splitmix64(state);
        if (r >= threshold)
            return r % bound;
    }
}

void mnist_epoch_order(int n, uint64_t seed, int epoch, int *order)
{
    if (n < 0 || epoch < 0)
        util_die("mnist_epoch_order: bad n %d or epoch %d", n, epoch);
    uint64_t state = seed;
    state = splitmix64(&state) ^ (uint64_t)epoch; // one stream per (seed, epoch)
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)uniform_below(&state, (uint64_t)i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

void mnist_shard(int n, int rank, int nranks, int *first, int *count)
{
    if (n < 0 || nranks < 1 || rank < 0 || rank >= nranks)
        util_die("mnist_shard: bad n %d, rank %d or nranks %d", n, rank, nranks);
    *count = n / nranks;
    *first = rank * *count;
}

void mnist_gather(const mnist_set *d, const int *idx, int n, float *x, uint8_t *y)
{
    const size_t px = (size_t)d->rows * (size_t)d->cols;
    for (int i = 0; i < n; i++) {
        memcpy(x + (size_t)i * px, d->images + (size_t)idx[i] * px, sizeof(float) * px);
        y[i] = d->labels[idx[i]];
    }
}
