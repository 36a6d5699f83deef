// losscurve.c: see losscurve.h.
#define _POSIX_C_SOURCE 200809L
#include "losscurve.h"

#include <math.h>    // isfinite
#include <stdbool.h> // bool
#include <stdio.h>   // FILE
#include <stdlib.h>  // strtod, free
#include <string.h>  // strtok, strcmp, strspn, strcspn, strchr

#include "util.h" // fopenCheck, util_die_input, util_getline

// Column index of `train_loss` in a '#' header line, or -1 when the line names no such column.
static int train_loss_column(char *header)
{
    int col = 0;
    for (char *tok = strtok(header + 1, " \t,\r\n"); tok; tok = strtok(NULL, " \t,\r\n"), col++)
        if (strcmp(tok, "train_loss") == 0)
            return col;
    return -1;
}

void losscurve_read(const char *path, int need, double *out)
{
    FILE *f = fopenCheck(path, "r");
    char *line = NULL;
    size_t cap = 0;
    util_bounds bounds = UTIL_BOUNDS(path);
    int got = 0, lineno = 0, column = -1; // column -1: one number per line
    while (got < need && util_getline(&line, &cap, f, &bounds) != -1) {
        lineno++;
        if (line[0] == '#') {
            if (column < 0)
                column = train_loss_column(line);
            continue;
        }
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        char *field = line;
        for (int c = 0; c < column; c++) { // skip to the train_loss column
            field += strcspn(field, " \t,");
            field += strspn(field, " \t,");
        }
        char *end = NULL;
        double v = strtod(field, &end);
        // a one-number line must end after the number; a CSV field at a separator
        bool clean = column < 0 ? end[strspn(end, " \t\r\n")] == '\0'
                                : *end == '\0' || strchr(" \t,\r\n", *end) != NULL;
        if (end == field || !isfinite(v) || !clean)
            util_die_input("%s:%d: '%.*s' is not a number", path, lineno, (int)strcspn(field, "\r\n"), field);
        out[got++] = v;
    }
    free(line);
    fclose(f);
    if (got < need)
        util_die_input("%s has %d loss value%s, %d needed (one per epoch)", path, got,
                       got == 1 ? "" : "s", need);
}
