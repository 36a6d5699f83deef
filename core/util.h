// util.h: checked allocation, fatal errors and strict number parsing, shared by every program of
// the toolkit. Errors in user input exit with status 2 and one line naming the problem; internal
// failures (out of memory, I/O) exit with status 1 and the file:line where they happened.
//
// Programs set `util_prog` to their name once at the start of main() so messages read
// "daso-plan: --gpus-per-node must be >= 2 (got 1)".
#ifndef DASO_UTIL_H
#define DASO_UTIL_H

#include <stdbool.h> // bool
#include <stddef.h>  // size_t
#include <stdio.h>   // FILE

extern const char *util_prog; // program name used as the prefix of every error line
extern bool util_quiet;       // errors end the process without a message (ranks other than 0
                              // of a job, when every rank finds the same error)
extern void (*util_exit)(int status); // how fatal errors end the process (default: exit); an
                                      // MPI program ends the whole job instead
extern void (*util_cleanup)(void);    // called first by every fatal error (NULL: nothing), e.g.
                                      // to remove temporary files (core/outfile.c sets it)
extern void (*util_report)(const char *line); // where a fatal error's line goes (NULL: stderr,
                                      // after "<prog>: "): it gets the line without the program's
                                      // name and newline; the library (core/daso.c) hands it to
                                      // its caller

// Bad input from the user: print "<prog>: <message>" and exit(2).
void util_die_input(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

// Internal failure: print "<prog>: <file>:<line>: <message>" and exit(1).
void util_die_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));
#define util_die(...) util_die_at(__FILE__, __LINE__, __VA_ARGS__)

void *util_malloc_at(size_t bytes, const char *file, int line);
void *util_calloc_at(size_t count, size_t size, const char *file, int line);
#define mallocCheck(bytes) util_malloc_at((bytes), __FILE__, __LINE__)
#define callocCheck(count, size) util_calloc_at((count), (size), __FILE__, __LINE__)

FILE *util_fopen_at(const char *path, const char *mode, const char *file, int line);
#define fopenCheck(path, mode) util_fopen_at((path), (mode), __FILE__, __LINE__)

// The value of option `what`: v itself, or util_die_input("<what> needs a value") when NULL.
const char *util_value(const char *v, const char *what);

// Strict parsing of an option value: the whole string must be a number within [lo, hi], else
// util_die_input() names the option. `what` is the option's name as the user typed it.
long util_parse_long(const char *s, const char *what, long lo, long hi);
double util_parse_double(const char *s, const char *what, double lo, double hi);

// Bounded line reading, for every reader of user files: util_getline works as getline(3) (the
// line with its '\n' into *line, grown as needed; its length, or -1 at the end of the file) but a
// line longer than b->max_line bytes, or more than b->max_bytes read from the file in all, is an
// input error ("FILE: line N is longer than 1 MiB", one line, exit 2) instead of memory or time
// without end (/dev/zero, an endless pipe); so is a read error (a folder): never a silent end.
typedef struct {
    const char *name; // the file, for messages
    size_t max_line;  // bytes of one line, '\n' included (UTIL_MAX_LINE)
    size_t max_bytes; // bytes of the whole file (UTIL_MAX_FILE)
    size_t bytes;     // read so far
    long lines;       // lines read so far
} util_bounds;
#define UTIL_MAX_LINE ((size_t)1 << 20)  // 1 MiB: a line of any text input the toolkit reads
#define UTIL_MAX_FILE ((size_t)1 << 30)  // 1 GiB: a profile, curve, table or histogram file
#define UTIL_BOUNDS(file) {.name = (file), .max_line = UTIL_MAX_LINE, .max_bytes = UTIL_MAX_FILE}
long util_getline(char **line, size_t *cap, FILE *f, util_bounds *b);

// Monotonic wall-clock seconds (for progress lines and benchmarks, never for simulated time).
double util_wall_seconds(void);

#endif
