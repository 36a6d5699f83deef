// checkpoint.c: see checkpoint.h. Format: the magic, the header (version, struct sizes), the
// settings, n, the scheduler and totals as raw structs (same binary on save and load), params,
// velocity, the length of the rows, the rows, and the CRC-32 (zlib) of everything before it. A
// file is checked whole (size and CRC) before any of it is used.
#define _POSIX_C_SOURCE 200809L
#include "checkpoint.h"

#include <errno.h>  // errno
#include <stdio.h>  // FILE, fopen, rename
#include <stdlib.h> // free
#include <string.h> // memcmp, strlen, strerror
#include <sys/stat.h> // fstat
#include <unistd.h>   // fsync

#include <zlib.h> // crc32

#include "util.h" // util_die, util_die_input, mallocCheck

// The file starts with the magic, the format version and the sizes of the two raw structs (a build
// whose sched or driver_result differ cannot read them); version 1 had the magic "DASOCKP1" and
// no version.
static const char magic[8] = {'D', 'A', 'S', 'O', 'C', 'K', 'P', 'T'}, magic_v1[8] = {
    'D', 'A', 'S', 'O', 'C', 'K', 'P', '1'};
enum { CHECKPOINT_VERSION = 3 }; // 3: the CRC-32 at the end

typedef struct {
    uint32_t version, sched_bytes, result_bytes, reserved;
} header;

static header current_header(void)
{
    return (header){CHECKPOINT_VERSION, sizeof(sched), sizeof(driver_result), 0};
}

uint64_t checkpoint_hash(const void *data, size_t len)
{
    uint64_t h = 1469598103934665603ull; // FNV-1a
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void path_of(char *buf, size_t len, const char *dir, int rank, const char *ext)
{
    snprintf(buf, len, "%s/rank%d.%s", dir, rank, ext);
}

// Writes bytes and adds them to the running CRC.
static void put(FILE *f, uLong *crc, const void *p, size_t bytes, const char *path)
{
    if (bytes && fwrite(p, 1, bytes, f) != bytes)
        util_die("writing checkpoint %s: %s", path, strerror(errno));
    for (size_t done = 0; done < bytes;) { // crc32 takes at most UINT_MAX bytes at once
        uInt chunk = bytes - done > (1u << 30) ? 1u << 30 : (uInt)(bytes - done);
        *crc = crc32(*crc, (const Bytef *)p + done, chunk);
        done += chunk;
    }
}

void checkpoint_save(const char *dir, int rank, const checkpoint *c)
{
    char tmp[4096], cur[4096], prev[4096];
    path_of(tmp, sizeof tmp, dir, rank, "tmp");
    path_of(cur, sizeof cur, dir, rank, "ckpt");
    path_of(prev, sizeof prev, dir, rank, "prev");
    FILE *f = fopen(tmp, "wb");
    if (f == NULL)
        util_die("cannot write checkpoint %s: %s", tmp, strerror(errno));
    uint64_t rows = c->rows ? strlen(c->rows) : 0;
    const header h = current_header();
    const uint64_t settings = strlen(c->settings);
    uLong crc = crc32(0, Z_NULL, 0);
    put(f, &crc, magic, sizeof magic, tmp);
    put(f, &crc, &h, sizeof h, tmp);
    put(f, &crc, &settings, sizeof settings, tmp);
    put(f, &crc, c->settings, settings, tmp);
    put(f, &crc, &c->n, sizeof c->n, tmp);
    put(f, &crc, &c->s, sizeof c->s, tmp);
    put(f, &crc, &c->res, sizeof c->res, tmp);
    put(f, &crc, c->params, sizeof(float) * c->n, tmp);
    put(f, &crc, c->velocity, sizeof(float) * c->n, tmp);
    put(f, &crc, &rows, sizeof rows, tmp);
    put(f, &crc, c->rows, rows, tmp);
    const uint32_t sum = (uint32_t)crc;
    uLong ignored = 0;
    put(f, &ignored, &sum, sizeof sum, tmp);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0)
        util_die("writing checkpoint %s: %s", tmp, strerror(errno));
    if ((rename(cur, prev) != 0 && errno != ENOENT) || rename(tmp, cur) != 0)
        util_die("cannot replace checkpoint %s: %s", cur, strerror(errno));
}

// A checkpoint read whole into memory, taken apart from the front.
typedef struct {
    const unsigned char *p, *end;
    const char *path;
} reader;

static void get(reader *r, void *p, size_t bytes)
{
    if ((size_t)(r->end - r->p) < bytes)
        util_die_input("checkpoint %s is truncated or damaged", r->path);
    memcpy(p, r->p, bytes);
    r->p += bytes;
}

// The whole file (*len bytes, malloc'd), or NULL when it does not exist.
static unsigned char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (errno == ENOENT)
            return NULL;
        util_die_input("cannot read checkpoint %s: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        util_die_input("cannot read checkpoint %s: not a regular file", path);
    *len = (size_t)st.st_size;
    unsigned char *buf = mallocCheck(*len);
    if (fread(buf, 1, *len, f) != *len || ferror(f))
        util_die_input("cannot read checkpoint %s: %s", path, strerror(errno));
    fclose(f);
    return buf;
}

// The value of a "name=value" line (its end when it has no '=')
static const char *setting_value(const char *line)
{
    const size_t n = strcspn(line, "=\n");
    return line[n] == '=' ? line + n + 1 : line + n;
}

// The first line of `saved` that `now` does not have: "checkpoint F is from a run with other
// settings: --epochs 8 there, 10 here".
static void refuse_settings(const char *path, const char *saved, const char *now)
{
    size_t i = 0;
    while (saved[i] && saved[i] == now[i])
        i++;
    while (i > 0 && saved[i - 1] != '\n')
        i--;
    const char *a = saved + i, *b = now + i, *va = setting_value(a), *vb = setting_value(b);
    util_die_input("checkpoint %s is from a run with other settings: --%.*s %.*s there, %.*s here",
                   path, (int)strcspn(a, "="), a, (int)strcspn(va, "\n"), va,
                   (int)strcspn(vb, "\n"), vb);
}

bool checkpoint_load(const char *dir, int rank, bool prev, const sched_config *cfg, checkpoint *c)
{
    char path[4096];
    path_of(path, sizeof path, dir, rank, prev ? "prev" : "ckpt");
    size_t size;
    unsigned char *buf = read_whole(path, &size);
    if (buf == NULL)
        return false;
    reader r = {.p = buf, .end = buf + size, .path = path};
    char m[sizeof magic];
    get(&r, m, sizeof m);
    if (memcmp(m, magic_v1, sizeof magic) == 0)
        util_die_input("checkpoint %s has format version 1; this daso-train reads version %d: "
                       "run again without --resume",
                       path, CHECKPOINT_VERSION);
    if (memcmp(m, magic, sizeof magic) != 0)
        util_die_input("%s is not a daso-train checkpoint", path);
    header h, want = current_header();
    get(&r, &h, sizeof h);
    if (h.version != want.version)
        util_die_input("checkpoint %s has format version %u; this daso-train reads version %u: "
                       "run again without --resume",
                       path, h.version, want.version);
    uint32_t sum;
    if (size < sizeof magic + sizeof h + sizeof sum)
        util_die_input("checkpoint %s is truncated or damaged", path);
    memcpy(&sum, buf + size - sizeof sum, sizeof sum);
    if (sum != (uint32_t)crc32(crc32(0, Z_NULL, 0), buf, (uInt)(size - sizeof sum)))
        util_die_input("checkpoint %s is damaged (its CRC-32 does not match its content): run "
                       "again without --resume, or resume from a copy",
                       path);
    r.end -= sizeof sum;
    if (h.sched_bytes != want.sched_bytes || h.result_bytes != want.result_bytes)
        util_die_input("checkpoint %s was written by a build with another state layout: run again "
                       "without --resume",
                       path);
    uint64_t len;
    get(&r, &len, sizeof len);
    if (len > (1u << 20))
        util_die_input("checkpoint %s is damaged", path);
    char *settings = mallocCheck(len + 1);
    get(&r, settings, len);
    settings[len] = '\0';
    if (strcmp(settings, c->settings) != 0)
        refuse_settings(path, settings, c->settings);
    free(settings);
    size_t n;
    get(&r, &n, sizeof n);
    if (n != c->n)
        util_die_input("checkpoint %s holds %zu parameters, this run's network %zu", path, n, c->n);
    get(&r, &c->s, sizeof c->s);
    get(&r, &c->res, sizeof c->res);
    get(&r, c->params, sizeof(float) * n);
    get(&r, c->velocity, sizeof(float) * n);
    uint64_t rows;
    get(&r, &rows, sizeof rows);
    if (rows != (uint64_t)(r.end - r.p))
        util_die_input("checkpoint %s is damaged", path);
    c->rows = mallocCheck(rows + 1);
    get(&r, c->rows, rows);
    c->rows[rows] = '\0';
    free(buf);
    // pointers in the saved structs are meaningless here: take the current run's
    c->s.cfg = *cfg;
    c->s.strat = sched_find_strategy(cfg->strategy);
    return true;
}
