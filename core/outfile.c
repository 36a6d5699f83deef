// outfile.c: see outfile.h.
#define _POSIX_C_SOURCE 200809L
#include "outfile.h"

#include <errno.h>  // errno
#include <stdio.h>  // fopen, rename, remove
#include <stdlib.h> // free
#include <string.h> // strdup, strlen, strerror

#include "util.h" // util_die_input, util_die, mallocCheck

void outfile_open(outfile *o, const char *path)
{
    size_t n = strlen(path) + 5;
    o->path = mallocCheck(n);
    o->tmp = mallocCheck(n);
    snprintf(o->path, n, "%s", path);
    snprintf(o->tmp, n, "%s.tmp", path);
    o->f = fopen(o->tmp, "w");
    if (o->f == NULL)
        util_die_input("cannot write %s: %s", path, strerror(errno));
}

void outfile_commit(outfile *o)
{
    int bad = ferror(o->f);
    if (fclose(o->f) != 0 || bad) {
        remove(o->tmp);
        util_die("writing %s failed", o->path);
    }
    if (rename(o->tmp, o->path) != 0)
        util_die("cannot rename %s to %s: %s", o->tmp, o->path, strerror(errno));
    free(o->path);
    free(o->tmp);
    o->f = NULL;
}

void outfile_discard(outfile *o)
{
    fclose(o->f);
    remove(o->tmp);
    free(o->path);
    free(o->tmp);
    o->f = NULL;
}
