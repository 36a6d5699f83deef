// fuzz.c: see fuzz.h.
#define _GNU_SOURCE // open_memstream, mkdtemp
#include "fuzz.h"

#include <ftw.h>     // nftw, FTW_DEPTH, FTW_PHYS
#include <setjmp.h>  // jmp_buf, setjmp, longjmp
#include <stdbool.h> // bool
#include <stdio.h>   // FILE, fopen, fclose, fwrite, setvbuf, remove, snprintf
#include <stdlib.h>  // free, getenv, atexit, abort
#include <string.h>  // strcmp, strlen, memmem, strdup
#include <unistd.h>  // access

#include <sanitizer/allocator_interface.h> // __sanitizer_install_malloc_and_free_hooks

#include "util.h" // util_exit, util_quiet

// ----------------------------------------------------------------------------
// the memory a parse allocates: an open-addressing table of the blocks still live, filled and
// emptied by the sanitizer's hooks while a parse runs (on its thread only)

#define SLOT_BITS 17
#define SLOTS (1u << SLOT_BITS)
#define GONE ((const volatile void *)1) // a freed block's slot, skipped by later searches
static struct {
    const volatile void *p;
    unsigned gen; // slots of an older parse count as empty
} slot[SLOTS];
static unsigned gen;             // the current parse
static uint32_t used[SLOTS / 2]; // the slots of this parse, freed ones included
static size_t filled;            // how many
static __thread bool tracking;   // a parse is running on this thread

static size_t hash(const volatile void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15ull >> (64 - SLOT_BITS));
}

static void on_malloc(const volatile void *p, size_t size)
{
    (void)size;
    if (!tracking || filled >= SLOTS / 2) // full: later blocks leak if the parse fails
        return;
    size_t i = hash(p);
    while (slot[i].gen == gen && slot[i].p != GONE)
        i = (i + 1) % SLOTS;
    if (slot[i].gen != gen)
        used[filled++] = (uint32_t)i;
    slot[i].p = p;
    slot[i].gen = gen;
}

static void on_free(const volatile void *p)
{
    if (!tracking)
        return;
    for (size_t i = hash(p); slot[i].gen == gen; i = (i + 1) % SLOTS)
        if (slot[i].p == p) {
            slot[i].p = GONE;
            return;
        }
}

// ----------------------------------------------------------------------------
// the handles a parse opens

#define MAX_OPEN 64
static struct {
    void *handle;
    void (*close)(void *handle);
} open_list[MAX_OPEN];
static int n_open;

void fuzz_opened(void *handle, void (*close)(void *handle))
{
    if (!tracking || handle == NULL)
        return;
    if (n_open == MAX_OPEN)
        abort(); // a parse that keeps this many files open is a finding of its own
    open_list[n_open].handle = handle;
    open_list[n_open++].close = close;
}

void fuzz_closed(void *handle)
{
    for (int i = 0; i < n_open; i++)
        if (open_list[i].handle == handle) {
            open_list[i] = open_list[--n_open];
            return;
        }
}

FILE *__real_fopen(const char *path, const char *mode);
int __real_fclose(FILE *f);
FILE *__real_open_memstream(char **buf, size_t *len);

static void close_stream(void *f)
{
    __real_fclose(f);
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
    FILE *f = __real_fopen(path, mode);
    fuzz_opened(f, close_stream);
    return f;
}

FILE *__wrap_open_memstream(char **buf, size_t *len)
{
    FILE *f = __real_open_memstream(buf, len);
    fuzz_opened(f, close_stream);
    return f;
}

int __wrap_fclose(FILE *f)
{
    fuzz_closed(f);
    return __real_fclose(f);
}

// ----------------------------------------------------------------------------
// running a parse

static jmp_buf back;
static int status;

static void jump(int s)
{
    status = s;
    longjmp(back, 1);
}

int fuzz_run(void (*parse)(void *arg), void *arg)
{
    void (*const exit_before)(int) = util_exit;
    const bool quiet_before = util_quiet;
    util_exit = jump;
    util_quiet = true;
    gen++;
    filled = 0;
    n_open = 0;
    status = 0;
    tracking = true;
    if (setjmp(back) == 0) {
        parse(arg);
    } else {
        while (n_open > 0) { // streams first: closing them frees their buffers
            n_open--;
            open_list[n_open].close(open_list[n_open].handle);
        }
        for (size_t k = 0; k < filled; k++)
            if (slot[used[k]].p != GONE)
                free((void *)slot[used[k]].p);
    }
    tracking = false;
    n_open = 0;
    util_exit = exit_before;
    util_quiet = quiet_before;
    return status;
}

// ----------------------------------------------------------------------------
// input files

static char dir[4096];
static struct {
    char *name, *path;
} paths[16];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_dir(void)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
    if (dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        if (tmp == NULL || tmp[0] == '\0')
            tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(dir, sizeof dir, "%s/daso-fuzz.XXXXXX", tmp);
        if (mkdtemp(dir) == NULL)
            abort();
        atexit(remove_dir);
    }
    return dir;
}

const char *fuzz_path(const char *name)
{
    int i = 0;
    while (i < 16 && paths[i].name && strcmp(paths[i].name, name) != 0)
        i++;
    if (i == 16)
        abort();
    if (paths[i].name == NULL) {
        size_t len = strlen(fuzz_dir()) + strlen(name) + 2;
        paths[i].name = strdup(name);
        paths[i].path = malloc(len);
        if (paths[i].name == NULL || paths[i].path == NULL)
            abort();
        snprintf(paths[i].path, len, "%s/%s", dir, name);
    }
    return paths[i].path;
}

const char *fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    const char *path = fuzz_path(name);
    FILE *f = __real_fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || __real_fclose(f) != 0)
        abort();
    return path;
}

size_t fuzz_split(const uint8_t *data, size_t size, const char *sep, const uint8_t **part,
                  size_t *len, size_t max)
{
    const size_t n = strlen(sep);
    size_t k = 0;
    for (;;) {
        const uint8_t *cut = k + 1 < max ? memmem(data, size, sep, n) : NULL;
        part[k] = data;
        len[k] = cut ? (size_t)(cut - data) : size;
        k++;
        if (cut == NULL)
            break;
        size -= (size_t)(cut - data) + n;
        data = cut + n;
    }
    for (size_t i = k; i < max; i++) {
        part[i] = data + size;
        len[i] = 0;
    }
    return k;
}

// Called by libFuzzer once, before any input and before it starts threads.
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    // stdout gets a buffer of its own now, so that none is allocated (and freed) inside a parse
    static char out[BUFSIZ];
    setvbuf(stdout, out, _IOFBF, sizeof out);
    if (__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) == 0)
        abort();
    return 0;
}
