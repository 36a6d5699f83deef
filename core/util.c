// util.c: see util.h.
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>   // errno, ERANGE
#include <math.h>    // isfinite
#include <stdarg.h>  // va_list
#include <stdio.h>   // getc, ferror, snprintf
#include <stdlib.h>  // malloc, strtol, strtod, exit
#include <string.h>  // strerror
#include <time.h>    // clock_gettime

const char *util_prog = "daso";
bool util_quiet = false;
void (*util_exit)(int status) = exit;
void (*util_cleanup)(void);
void (*util_report)(const char *line);

// A fatal error's line, `where` (a place or "") and the message: on stderr after the program's
// name, or to util_report.
static void report(const char *where, const char *fmt, va_list ap)
{
    if (util_report == NULL) {
        fprintf(stderr, "%s: %s", util_prog, where);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        return;
    }
    char line[1024];
    const int n = snprintf(line, sizeof line, "%s", where);
    if (n >= 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    util_report(line);
}

void util_die_input(const char *fmt, ...)
{
    if (util_cleanup)
        util_cleanup();
    if (!util_quiet) {
        va_list ap;
        va_start(ap, fmt);
        report("", fmt, ap);
        va_end(ap);
    }
    util_exit(2);
    exit(2); // util_exit does not return; this tells the compiler so
}

void util_die_at(const char *file, int line, const char *fmt, ...)
{
    if (util_cleanup)
        util_cleanup();
    char where[512];
    snprintf(where, sizeof where, "%s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    report(where, fmt, ap);
    va_end(ap);
    util_exit(1);
    exit(1);
}

void *util_malloc_at(size_t bytes, const char *file, int line)
{
    void *p = malloc(bytes ? bytes : 1);
    if (p == NULL)
        util_die_at(file, line, "out of memory allocating %zu bytes", bytes);
    return p;
}

void *util_calloc_at(size_t count, size_t size, const char *file, int line)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL)
        util_die_at(file, line, "out of memory allocating %zu x %zu bytes", count, size);
    return p;
}

FILE *util_fopen_at(const char *path, const char *mode, const char *file, int line)
{
    FILE *f = fopen(path, mode);
    if (f == NULL) {
        if (mode[0] == 'r')
            util_die_input("cannot open %s: %s", path, strerror(errno));
        util_die_at(file, line, "cannot open %s for writing: %s", path, strerror(errno));
    }
    return f;
}

const char *util_value(const char *v, const char *what)
{
    if (v == NULL)
        util_die_input("%s needs a value", what);
    return v;
}

long util_parse_long(const char *s, const char *what, long lo, long hi)
{
    if (s == NULL)
        util_die_input("%s needs a value", what);
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE)
        util_die_input("%s: '%s' is not an integer", what, s);
    if (v < lo || v > hi)
        util_die_input("%s must be in [%ld, %ld] (got %ld)", what, lo, hi, v);
    return v;
}

double util_parse_double(const char *s, const char *what, double lo, double hi)
{
    if (s == NULL)
        util_die_input("%s needs a value", what);
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        util_die_input("%s: '%s' is not a finite number", what, s);
    if (v < lo || v > hi)
        util_die_input("%s must be in [%g, %g] (got %g)", what, lo, hi, v);
    return v;
}

static const char *size_text(size_t n, char *buf, size_t len)
{
    if (n % ((size_t)1 << 30) == 0)
        snprintf(buf, len, "%zu GiB", n >> 30);
    else if (n % ((size_t)1 << 20) == 0)
        snprintf(buf, len, "%zu MiB", n >> 20);
    else
        snprintf(buf, len, "%zu bytes", n);
    return buf;
}

long util_getline(char **line, size_t *cap, FILE *f, util_bounds *b)
{
    size_t len = 0;
    int c;
    char size[32];
    while ((c = getc(f)) != EOF) {
        if (++b->bytes > b->max_bytes)
            util_die_input("%s: more than %s: not a file this program reads", b->name,
                           size_text(b->max_bytes, size, sizeof size));
        if (len + 2 > *cap) {
            if (len + 1 >= b->max_line)
                util_die_input("%s: line %ld is longer than %s", b->name, b->lines + 1,
                               size_text(b->max_line, size, sizeof size));
            size_t want = *cap < 128 ? 128 : 2 * *cap;
            want = want > b->max_line + 1 ? b->max_line + 1 : want;
            char *grown = realloc(*line, want);
            if (grown == NULL)
                util_die("out of memory reading %s (%zu bytes)", b->name, want);
            *line = grown;
            *cap = want;
        }
        (*line)[len++] = (char)c;
        if (c == '\n')
            break;
    }
    if (ferror(f))
        util_die_input("cannot read %s: %s", b->name, strerror(errno));
    if (len == 0)
        return -1;
    (*line)[len] = '\0';
    b->lines++;
    return (long)len;
}

double util_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
