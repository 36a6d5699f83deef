// daso_stats.c: build/daso-stats, the statistics of one results set (results/<experiment>/ as the
// experiment runner writes it: runs.tsv and one per-epoch CSV per run). Runs that differ only in
// their seed form a configuration; over its seeds come the mean and the 95% confidence interval of
// the training time, final loss and accuracy, bytes between nodes and the per-epoch time
// breakdown. From the means: speedup and scaling efficiency against the smallest node count,
// DASO's reduction of training time against each baseline at equal nodes, simulated against
// measured time. Everything is written as '#'-headed whitespace-separated data files that the
// gnuplot scripts of analysis/ read as they are, plus a Markdown summary:
//
//   daso-stats results/scaling                # writes results/scaling/analysis/*.dat, summary.md
//   daso-stats results/scaling --out /tmp/stats
//
// Build: cc -std=c11 -O2 -Wall -Wextra -Werror -Icore -o build/daso-stats analysis/daso_stats.c
//        core/util.c core/cli.c core/outfile.c -lgsl -lgslcblas -lm
// The definitions and the file formats are in analysis/README.md. Bad input (no runs.tsv, a
// missing CSV, a field that is not a number, an --out that is not a folder) ends with one line
// and exit status 2. The files are committed together at the end (core/outfile), so a run that
// fails leaves the output folder as it was.
#define _POSIX_C_SOURCE 200809L
#include <errno.h>    // errno, EEXIST, ERANGE
#include <math.h>     // sqrt, log, fabs, isnan, isinf
#include <stdarg.h>   // va_list, va_start, va_end
#include <stdbool.h>  // bool
#include <stdio.h>    // FILE, getline, fprintf, vsnprintf
#include <stdlib.h>   // realloc, free, strtod, qsort
#include <string.h>   // strcmp, strlen, strrchr, strspn, strtok, strerror, memcpy
#include <libgen.h>   // dirname
#include <sys/stat.h> // mkdir, stat

#include <gsl/gsl_cdf.h>        // gsl_cdf_tdist_Pinv
#include <gsl/gsl_fit.h>        // gsl_fit_linear
#include <gsl/gsl_statistics.h> // gsl_stats_mean, gsl_stats_sd

#include "cli.h"     // cli, cli_parse
#include "outfile.h" // outfile, outfile_open, outfile_commit_all
#include "util.h"    // util_die_input, util_die, util_parse_long, mallocCheck, fopenCheck

// ----------------------------------------------------------------------------
// small helpers: checked growth, formatted strings, number fields

// p resized to n elements of `size` bytes (p may be NULL).
static void *grow(void *p, size_t n, size_t size)
{
    void *q = realloc(p, (n ? n : 1) * size);
    if (q == NULL)
        util_die("out of memory growing an array to %zu x %zu bytes", n, size);
    return q;
}

// A new string formatted like printf.
static char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *str_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = mallocCheck((size_t)len + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return s;
}

// The whitespace-separated fields of `line`, cut in place; *tok grows to hold them.
static int split(char *line, char ***tok, int *cap)
{
    int n = 0;
    for (char *t = strtok(line, " \t\r\n"); t; t = strtok(NULL, " \t\r\n")) {
        if (n == *cap) {
            *cap = *cap ? 2 * *cap : 32;
            *tok = grow(*tok, (size_t)*cap, sizeof **tok);
        }
        (*tok)[n++] = t;
    }
    return n;
}

// Whether the whole of s is a number (strtod's syntax, "nan" included).
static bool parse_number(const char *s, double *v)
{
    char *end = NULL;
    errno = 0;
    *v = strtod(s, &end);
    return end != s && *end == '\0' && errno != ERANGE;
}

// A number in a data file: full precision, and "nan" for a missing value whatever its sign bit.
static void put(FILE *f, double x)
{
    if (isnan(x))
        fputs(" nan", f);
    else
        fprintf(f, " %.10g", x);
}

// The last path component of s, without a ".profile" or ".xml" extension (model and platform
// names in labels).
static char *stem(const char *s)
{
    const char *base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
    size_t len = strlen(base);
    const char *ext[] = {".profile", ".xml"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t e = strlen(ext[i]);
        if (len > e && strcmp(base + len - e, ext[i]) == 0)
            len -= e;
    }
    return str_printf("%.*s", (int)len, base);
}

// ----------------------------------------------------------------------------
// statistics over seeds

typedef struct {
    double mean, ci; // ci: half-width of the 95% confidence interval; 0 when n = 1
    int n;
} estimate;

// Mean and 95% CI of x[0..n-1]: ci = t(0.975, n-1) s / sqrt(n), s the sample standard deviation.
// One value has no interval: ci 0 (the outputs show n, so n = 1 says it).
static estimate estimate_of(const double *x, int n)
{
    estimate s = {gsl_stats_mean(x, 1, (size_t)n), 0, n};
    if (n >= 2)
        s.ci = gsl_cdf_tdist_Pinv(0.975, n - 1) * gsl_stats_sd(x, 1, (size_t)n) / sqrt(n);
    return s;
}

// a / b with the interval propagated to first order (independent errors).
static estimate ratio_of(estimate a, estimate b)
{
    double q = a.mean / b.mean;
    double ra = a.ci / a.mean, rb = b.ci / b.mean;
    estimate s = {q, fabs(q) * sqrt(ra * ra + rb * rb), a.n < b.n ? a.n : b.n};
    return s;
}

// ----------------------------------------------------------------------------
// the results set: runs.tsv and the runs' per-epoch CSVs

// per-epoch CSV columns used here (every other column is checked to be a number too)
enum { C_EPOCH, C_TIME, C_ELAPSED, C_COMPUTE, C_LOCAL, C_GLOBAL, C_BYTES_GLOBAL, C_GS, C_LS, C_S,
       C_LOSS, C_ACC, NCSV };
static const char *const csv_name[NCSV] = {
    "epoch", "time_s", "elapsed_s", "compute_s", "local_comm_s", "global_wait_s",
    "bytes_global", "gs", "ls", "S", "train_loss", "test_acc"};

// per-run quantities that get a mean and CI over seeds
enum { M_TIME, M_EPOCH_TIME, M_LOSS, M_ACC, M_BYTES_GLOBAL, M_COMPUTE, M_LOCAL, M_GLOBAL, NMET };
static const char *const met_name[NMET] = {
    "time_s", "epoch_time_s", "final_loss", "final_acc", "bytes_global",
    "compute_s", "local_comm_s", "global_wait_s"};

// runs.tsv columns every row has; any other column is a swept option
enum { R_RUNID, R_BACKEND, R_STRATEGY, R_NODES, R_GPUS, R_SEED, R_PLATFORM, R_MODEL, R_CSV, NRCOL };
static const char *const run_col_name[NRCOL] = {
    "runid", "backend", "strategy", "nodes", "gpus_per_node", "seed", "platform", "model", "csv"};

typedef struct {
    char **f;             // the row's fields, in runs.tsv's column order
    int nodes, gpus;      // nodes and GPUs per node
    double (*ep)[NCSV];   // the CSV's rows
    int nep;              // epochs
    double m[NMET];       // this run's quantities (M_*)
    int index, study, lt; // row in runs.tsv, study, line type of its strategy (sorting keys)
} run;

typedef struct {
    run **runs;       // one per seed, in runs.tsv order
    int n;            // seeds
    int study;        // index in results.study
    estimate m[NMET]; // over seeds
    int base;         // group of the same study and strategy with the fewest nodes (speedup's n0)
    int largest;      // group of the same study and strategy with the most nodes
} group;

typedef struct {
    const run *key; // its first run: backend, platform, model, GPUs per node and options
    int first, n;   // its groups, consecutive: sorted by strategy, then nodes
} study;

typedef struct {
    const char *dir;
    char **col;      // runs.tsv's header
    int ncol;
    int rcol[NRCOL]; // column of each R_*
    int *opt, nopt;  // columns of the swept options
    run *run;
    int nrun;
    char **strategy; // strategies other than the four known ones, in order of appearance
    int nstrategy;
    group *grp;
    int ngrp;
    study *study;
    int nstudy;
    char *compute_dist; // --compute-dist of every simulated run (manifest.txt), "" none, NULL unknown
    int compute_dist_col; // the swept option column compute_dist (or compute-dist), else -1
} results;

static const char *field(const results *r, const run *u, int which)
{
    return u->f[r->rcol[which]];
}

static const char *strategy_of(const results *r, const group *g)
{
    return field(r, g->runs[0], R_STRATEGY);
}

// The gnuplot line type of a strategy: the four known ones 1-4, others 5, 6, ... in order of
// appearance, so that a strategy has the same colour in every figure.
static int strategy_lt(results *r, const char *name)
{
    static const char *const known[] = {"daso", "sync", "hier", "localsgd"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, known[i]) == 0)
            return i + 1;
    for (int i = 0; i < r->nstrategy; i++)
        if (strcmp(name, r->strategy[i]) == 0)
            return 5 + i;
    r->strategy = grow(r->strategy, (size_t)r->nstrategy + 1, sizeof *r->strategy);
    r->strategy[r->nstrategy++] = str_printf("%s", name);
    return 4 + r->nstrategy;
}

// A '#'-headed whitespace-separated table: the last '#' line before the first data row names the
// columns; blank lines and later '#' lines are skipped.
typedef struct {
    const char *path;
    FILE *f;
    char *line, *header; // the current line; the last '#' line before the data
    size_t cap;
    char **tok;          // the current row's fields
    int tcap, lineno;
    char **name;         // column names, once the first data row was read
    int ncol;
    util_bounds bounds;
} table;

static void table_open(table *t, const char *path)
{
    *t = (table){.path = path, .f = fopenCheck(path, "r"), .bounds = UTIL_BOUNDS(path)};
}

// Reads the next data row into t->tok (exactly t->ncol fields); false at the end of the file.
static bool table_row(table *t)
{
    while (util_getline(&t->line, &t->cap, t->f, &t->bounds) != -1) {
        t->lineno++;
        if (t->line[strspn(t->line, " \t\r\n")] == '\0')
            continue;
        if (t->line[0] == '#') {
            if (t->ncol == 0) {
                free(t->header);
                t->header = str_printf("%s", t->line + 1);
            }
            continue;
        }
        if (t->ncol == 0) {
            int n = t->header ? split(t->header, &t->tok, &t->tcap) : 0;
            if (n == 0) // no '#' line before, or one naming nothing
                util_die_input("%s:%d: data before a '#' header naming the columns", t->path,
                               t->lineno);
            t->name = grow(NULL, (size_t)n, sizeof *t->name);
            memcpy(t->name, t->tok, (size_t)n * sizeof *t->name); // they point into t->header
            t->ncol = n;
        }
        int n = split(t->line, &t->tok, &t->tcap);
        if (n != t->ncol)
            util_die_input("%s:%d: %d fields, the header names %d", t->path, t->lineno, n, t->ncol);
        return true;
    }
    return false;
}

// The index of column `name` (after the first row), or util_die_input() naming it.
static int table_column(const table *t, const char *name)
{
    for (int c = 0; c < t->ncol; c++)
        if (strcmp(t->name[c], name) == 0)
            return c;
    util_die_input("%s: the '#' header has no %s column", t->path, name);
}

static void table_close(table *t)
{
    free(t->line);
    free(t->header);
    free(t->tok);
    free(t->name);
    fclose(t->f);
}

// Reads a run's per-epoch CSV. Every field but `strategy` must be a number, finite except
// train_loss and test_acc (nan: not measured).
static void read_csv(const char *path, run *u)
{
    table t;
    table_open(&t, path);
    int where[NCSV], strategy_col = -1;
    while (table_row(&t)) {
        if (u->nep == 0) {
            for (int k = 0; k < NCSV; k++)
                where[k] = table_column(&t, csv_name[k]);
            for (int c = 0; c < t.ncol; c++)
                if (strcmp(t.name[c], "strategy") == 0)
                    strategy_col = c;
        }
        double v[t.ncol];
        for (int c = 0; c < t.ncol; c++) {
            if (c == strategy_col)
                continue;
            bool nan_ok = c == where[C_LOSS] || c == where[C_ACC];
            if (!parse_number(t.tok[c], &v[c]) || isinf(v[c]) || (isnan(v[c]) && !nan_ok))
                util_die_input("%s:%d: %s '%s' is not a number", path, t.lineno, t.name[c],
                               t.tok[c]);
        }
        u->ep = grow(u->ep, (size_t)u->nep + 1, sizeof *u->ep);
        for (int k = 0; k < NCSV; k++)
            u->ep[u->nep][k] = v[where[k]];
        u->nep++;
    }
    if (u->nep == 0)
        util_die_input("%s has no epoch rows", path);
    table_close(&t);
}

// The run's quantities: training time = elapsed_s of the last epoch, its mean epoch time, final
// loss and accuracy (last epoch), bytes between nodes (sum over epochs), compute, node-local
// communication and global wait (means over epochs).
static void run_quantities(run *u)
{
    const double *last = u->ep[u->nep - 1];
    u->m[M_TIME] = last[C_ELAPSED];
    u->m[M_EPOCH_TIME] = last[C_ELAPSED] / u->nep;
    u->m[M_LOSS] = last[C_LOSS];
    u->m[M_ACC] = last[C_ACC];
    double sum[NCSV] = {0};
    for (int e = 0; e < u->nep; e++)
        for (int k = 0; k < NCSV; k++)
            sum[k] += u->ep[e][k];
    u->m[M_BYTES_GLOBAL] = sum[C_BYTES_GLOBAL];
    u->m[M_COMPUTE] = sum[C_COMPUTE] / u->nep;
    u->m[M_LOCAL] = sum[C_LOCAL] / u->nep;
    u->m[M_GLOBAL] = sum[C_GLOBAL] / u->nep;
}

// Whether simulated runs had compute-time variability: the swept option column compute_dist (or
// compute-dist) when runs.tsv has one, else the --compute-dist value of the options or
// sim_options line of the experiment file that experiments/run copies into manifest.txt ("" when
// they have none). Without a manifest it is not known (NULL).
static void read_variability(results *r)
{
    r->compute_dist_col = -1;
    for (int i = 0; i < r->nopt; i++)
        if (strcmp(r->col[r->opt[i]], "compute_dist") == 0 ||
            strcmp(r->col[r->opt[i]], "compute-dist") == 0)
            r->compute_dist_col = r->opt[i];
    char *path = str_printf("%s/manifest.txt", r->dir);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        free(path);
        return;
    }
    util_bounds bounds = UTIL_BOUNDS(path);
    r->compute_dist = str_printf("%s", "");
    char *line = NULL, **tok = NULL;
    size_t cap = 0;
    int tcap = 0;
    bool in_exp = false;
    while (util_getline(&line, &cap, f, &bounds) != -1) {
        if (strncmp(line, "== experiment file", 18) == 0 || strncmp(line, "== end", 6) == 0) {
            in_exp = line[3] == 'e' && line[4] == 'x';
            continue;
        }
        int n = in_exp ? split(line, &tok, &tcap) : 0;
        if (n == 0 || (strcmp(tok[0], "options") != 0 && strcmp(tok[0], "sim_options") != 0))
            continue;
        for (int i = 1; i < n; i++) {
            const char *v = strncmp(tok[i], "--compute-dist=", 15) == 0 ? tok[i] + 15
                            : strcmp(tok[i], "--compute-dist") == 0 && i + 1 < n ? tok[i + 1]
                                                                                   : NULL;
            if (v) {
                free(r->compute_dist);
                r->compute_dist = str_printf("%s", v);
            }
        }
    }
    fclose(f);
    free(path);
    free(line);
    free(tok);
}

// Reads runs.tsv (one run per row; columns named by its '#' header) and every run's CSV (a path
// relative to the results directory, or absolute).
static void read_results(results *r)
{
    char *path = str_printf("%s/runs.tsv", r->dir);
    table t;
    table_open(&t, path);
    while (table_row(&t)) {
        if (r->nrun == 0) {
            r->ncol = t.ncol;
            r->col = grow(NULL, (size_t)t.ncol, sizeof *r->col);
            r->opt = grow(NULL, (size_t)t.ncol, sizeof *r->opt);
            for (int c = 0; c < t.ncol; c++)
                r->col[c] = str_printf("%s", t.name[c]);
            for (int k = 0; k < NRCOL; k++)
                r->rcol[k] = table_column(&t, run_col_name[k]);
            for (int c = 0; c < t.ncol; c++) {
                bool fixed = false;
                for (int k = 0; k < NRCOL; k++)
                    fixed = fixed || r->rcol[k] == c;
                if (!fixed)
                    r->opt[r->nopt++] = c;
            }
        }
        r->run = grow(r->run, (size_t)r->nrun + 1, sizeof *r->run);
        run *u = &r->run[r->nrun];
        *u = (run){.index = r->nrun};
        u->f = grow(NULL, (size_t)t.ncol, sizeof *u->f);
        for (int c = 0; c < t.ncol; c++)
            u->f[c] = str_printf("%s", t.tok[c]);
        const char *backend = field(r, u, R_BACKEND);
        if (strcmp(backend, "sim") != 0 && strcmp(backend, "real") != 0 &&
            strcmp(backend, "emu") != 0)
            util_die_input("%s:%d: backend must be sim, real or emu (got '%s')", path, t.lineno,
                           backend);
        char *what = str_printf("%s:%d: nodes", path, t.lineno);
        u->nodes = (int)util_parse_long(field(r, u, R_NODES), what, 1, 1000000);
        free(what);
        what = str_printf("%s:%d: gpus_per_node", path, t.lineno);
        u->gpus = (int)util_parse_long(field(r, u, R_GPUS), what, 1, 1000000);
        free(what);
        const char *csv = field(r, u, R_CSV);
        char *csv_path = csv[0] == '/' ? str_printf("%s", csv) : str_printf("%s/%s", r->dir, csv);
        read_csv(csv_path, u);
        free(csv_path);
        run_quantities(u);
        r->nrun++;
    }
    if (r->nrun == 0)
        util_die_input("%s has no runs", path);
    table_close(&t);
    free(path);
    read_variability(r);
}

// ----------------------------------------------------------------------------
// configurations (groups of seeds) and studies

// Whether two runs belong to the same study: same backend, platform, model, GPUs per node and
// swept options (strategy and node count vary inside a study).
static bool same_study(const results *r, const run *a, const run *b)
{
    if (a->gpus != b->gpus)
        return false;
    const int cols[] = {R_BACKEND, R_PLATFORM, R_MODEL};
    for (int i = 0; i < 3; i++)
        if (strcmp(field(r, a, cols[i]), field(r, b, cols[i])) != 0)
            return false;
    for (int i = 0; i < r->nopt; i++)
        if (strcmp(a->f[r->opt[i]], b->f[r->opt[i]]) != 0)
            return false;
    return true;
}

static int run_order(const void *pa, const void *pb)
{
    const run *a = *(run *const *)pa, *b = *(run *const *)pb;
    int d[] = {a->study - b->study, a->lt - b->lt, a->nodes - b->nodes, a->index - b->index};
    for (int i = 0; i < 4; i++)
        if (d[i] != 0)
            return d[i] < 0 ? -1 : 1;
    return 0;
}

// Sorts the runs into studies (in order of first appearance) and groups (strategy, then nodes),
// and computes each group's statistics over its seeds.
static void group_runs(results *r)
{
    run **order = mallocCheck((size_t)r->nrun * sizeof *order);
    for (int i = 0; i < r->nrun; i++) {
        run *u = &r->run[i];
        u->lt = strategy_lt(r, field(r, u, R_STRATEGY));
        u->study = -1;
        for (int s = 0; s < r->nstudy && u->study < 0; s++)
            if (same_study(r, r->study[s].key, u))
                u->study = s;
        if (u->study < 0) {
            r->study = grow(r->study, (size_t)r->nstudy + 1, sizeof *r->study);
            r->study[r->nstudy] = (study){.key = u};
            u->study = r->nstudy++;
        }
        order[i] = u;
    }
    qsort(order, (size_t)r->nrun, sizeof *order, run_order);
    for (int i = 0; i < r->nrun;) {
        int j = i + 1;
        while (j < r->nrun && order[j]->study == order[i]->study && order[j]->lt == order[i]->lt &&
               order[j]->nodes == order[i]->nodes)
            j++;
        for (int a = i; a < j; a++)
            for (int b = a + 1; b < j; b++)
                if (strcmp(field(r, order[a], R_SEED), field(r, order[b], R_SEED)) == 0)
                    util_die_input("runs %s and %s repeat seed %s of the same configuration",
                                   field(r, order[a], R_RUNID), field(r, order[b], R_RUNID),
                                   field(r, order[a], R_SEED));
        r->grp = grow(r->grp, (size_t)r->ngrp + 1, sizeof *r->grp);
        group *g = &r->grp[r->ngrp];
        *g = (group){.n = j - i, .study = order[i]->study};
        g->runs = mallocCheck((size_t)g->n * sizeof *g->runs);
        memcpy(g->runs, order + i, (size_t)g->n * sizeof *g->runs);
        double x[g->n];
        for (int k = 0; k < NMET; k++) {
            for (int s = 0; s < g->n; s++)
                x[s] = g->runs[s]->m[k];
            g->m[k] = estimate_of(x, g->n);
        }
        study *st = &r->study[g->study];
        if (st->n++ == 0)
            st->first = r->ngrp;
        r->ngrp++;
        i = j;
    }
    free(order);
    // base (fewest nodes) and largest of each (study, strategy): the ends of its run of groups
    for (int i = 0; i < r->ngrp;) {
        int j = i + 1;
        while (j < r->ngrp && r->grp[j].study == r->grp[i].study &&
               r->grp[j].runs[0]->lt == r->grp[i].runs[0]->lt)
            j++;
        for (int k = i; k < j; k++) {
            r->grp[k].base = i;
            r->grp[k].largest = j - 1;
        }
        i = j;
    }
}

// The group of a study with this strategy and node count, or NULL.
static const group *find_group(const results *r, int st, const char *strategy, int nodes)
{
    for (int i = r->study[st].first; i < r->study[st].first + r->study[st].n; i++)
        if (r->grp[i].runs[0]->nodes == nodes && strcmp(strategy_of(r, &r->grp[i]), strategy) == 0)
            return &r->grp[i];
    return NULL;
}

// ----------------------------------------------------------------------------
// derived quantities

// Speedup S(n) = T(n0) / T(n), n0 the fewest nodes of the same strategy in the study; scaling
// efficiency E(n) = S(n) n0 / n. Intervals propagated from the two means; S(n0) = 1 exactly.
static void speedup_of(const results *r, const group *g, estimate *speedup, estimate *efficiency)
{
    const group *b = &r->grp[g->base];
    *speedup = g == b ? (estimate){1, 0, g->n} : ratio_of(b->m[M_TIME], g->m[M_TIME]);
    double scale = (double)b->runs[0]->nodes / g->runs[0]->nodes;
    *efficiency = (estimate){speedup->mean * scale, speedup->ci * scale, speedup->n};
}

// DASO's reduction of training time against a baseline at equal nodes, 1 - T_daso / T_base.
// Paired when both ran the same seeds: the mean and t interval of the per-seed reductions.
// Otherwise from the means, with the intervals propagated to first order.
static estimate reduction_of(const results *r, const group *d, const group *b, bool *paired)
{
    *paired = d->n == b->n;
    double x[d->n];
    for (int i = 0; i < d->n && *paired; i++) {
        const run *match = NULL;
        for (int j = 0; j < b->n; j++)
            if (strcmp(field(r, d->runs[i], R_SEED), field(r, b->runs[j], R_SEED)) == 0)
                match = b->runs[j];
        if (match == NULL)
            *paired = false;
        else
            x[i] = 1 - d->runs[i]->m[M_TIME] / match->m[M_TIME];
    }
    if (*paired)
        return estimate_of(x, d->n);
    estimate q = ratio_of(d->m[M_TIME], b->m[M_TIME]);
    q.mean = 1 - q.mean;
    return q;
}

// ----------------------------------------------------------------------------
// descriptions: what a set of groups share (a figure's subject) and what tells them apart (their
// labels)

// Epochs all seeds of a group ran.
static int common_epochs(const group *g)
{
    int n = g->runs[0]->nep;
    for (int s = 1; s < g->n; s++)
        if (g->runs[s]->nep < n)
            n = g->runs[s]->nep;
    return n;
}

// F_VARIABILITY: compute-time variability of simulated runs; then the options, then nodes.
// F_EPOCHS to F_VARIABILITY are said in the subject only (see describe()).
enum { F_BACKEND, F_PLATFORM, F_MODEL, F_GPUS, F_EPOCHS, F_SEEDS, F_VARIABILITY, F_OPTIONS };
enum { SKIP_BACKEND = 1, SKIP_PLATFORM = 2, SKIP_NODES = 4 }; // describe()'s `skip` bits

static int nfields(const results *r)
{
    return F_OPTIONS + r->nopt + 1;
}

// Field k of a group's description, "" when there is nothing to say (a platform "-"). Quotes
// become '_' so that the text can travel in gnuplot strings.
static char *field_text(const results *r, const group *g, int k)
{
    const run *u = g->runs[0];
    char *s;
    if (k == F_BACKEND)
        s = str_printf("%s", strcmp(field(r, u, R_BACKEND), "sim") == 0   ? "simulated"
                             : strcmp(field(r, u, R_BACKEND), "emu") == 0 ? "emulated"
                                                                          : "measured");
    else if (k == F_PLATFORM || k == F_MODEL) {
        const char *v = field(r, u, k == F_PLATFORM ? R_PLATFORM : R_MODEL);
        char *st = stem(v);
        s = strcmp(v, "-") == 0 ? str_printf("%s", "")
                                : str_printf("%s %s", k == F_PLATFORM ? "platform" : "model", st);
        free(st);
    } else if (k == F_GPUS)
        s = str_printf("%d GPUs/node", u->gpus);
    else if (k == F_EPOCHS)
        s = str_printf("%d epoch%s", common_epochs(g), common_epochs(g) == 1 ? "" : "s");
    else if (k == F_SEEDS)
        s = str_printf("%d seed%s", g->n, g->n == 1 ? "" : "s");
    else if (k == F_VARIABILITY) {
        // measured runs vary as the machine does; a swept compute_dist column speaks for itself
        const char *v = r->compute_dist;
        if (strcmp(field(r, u, R_BACKEND), "sim") != 0 || r->compute_dist_col >= 0 || v == NULL)
            s = str_printf("%s", "");
        else if (v[0] == '\0' || strcmp(v, "none") == 0)
            s = str_printf("%s", "no compute variability");
        else
            s = str_printf("compute variability %s", v);
    }
    else if (k < F_OPTIONS + r->nopt)
        s = str_printf("%s %s", r->col[r->opt[k - F_OPTIONS]], u->f[r->opt[k - F_OPTIONS]]);
    else
        s = str_printf("%d node%s", u->nodes, u->nodes == 1 ? "" : "s");
    for (char *c = s; *c; c++)
        if (*c == '"' || *c == '\'' || *c == '\\')
            *c = '_';
    return s;
}

// Appends ", text" to *s (just "text" when *s is empty); nothing when text is empty.
static void append(char **s, const char *text)
{
    if (text[0] == '\0')
        return;
    char *t = str_printf("%s%s%s", *s, (*s)[0] ? ", " : "", text);
    free(*s);
    *s = t;
}

// The subject of groups gs[0..n-1], the description fields they all share, as "a, b, c"; and,
// when suffix is not NULL, (*suffix)[i] = ", x, y", the fields in which gs[i] differs from the
// others (a block's label after its strategy). Epochs, seeds and variability stay in the subject
// even when they differ, as their values joined by " / " ("1 seed / 3 seeds"): they follow from
// the other fields (a model's epochs, a backend's seeds), and labels stay what scripts match on
// (experiments/explain's "vs sync, model M"). `skip` leaves fields out.
static char *describe(const results *r, const group *const *gs, int n, unsigned skip,
                      char ***suffix)
{
    char *subject = str_printf("%s", "");
    if (suffix) {
        *suffix = mallocCheck((size_t)n * sizeof **suffix);
        for (int i = 0; i < n; i++)
            (*suffix)[i] = str_printf("%s", "");
    }
    for (int k = 0; k < nfields(r) && n > 0; k++) {
        if ((k == F_BACKEND && (skip & SKIP_BACKEND)) ||
            (k == F_PLATFORM && (skip & SKIP_PLATFORM)) ||
            (k == nfields(r) - 1 && (skip & SKIP_NODES)))
            continue;
        char *text[n];
        bool varies = false;
        for (int i = 0; i < n; i++) {
            text[i] = field_text(r, gs[i], k);
            varies = varies || strcmp(text[i], text[0]) != 0;
        }
        bool subject_only = k >= F_EPOCHS && k <= F_VARIABILITY;
        char *joined = str_printf("%s", "");
        for (int i = 0; i < n; i++) {
            bool seen = false;
            for (int j = 0; j < i; j++)
                seen = seen || strcmp(text[j], text[i]) == 0;
            if (subject_only && !seen && text[i][0]) {
                char *t = str_printf("%s%s%s", joined, joined[0] ? " / " : "", text[i]);
                free(joined);
                joined = t;
            }
        }
        if (subject_only)
            append(&subject, joined);
        free(joined);
        for (int i = 0; i < n; i++) {
            if (!varies && i == 0 && !subject_only)
                append(&subject, text[0]);
            if (varies && suffix && text[i][0] && !subject_only) {
                char *t = str_printf("%s, %s", (*suffix)[i], text[i]);
                free((*suffix)[i]);
                (*suffix)[i] = t;
            }
            free(text[i]);
        }
    }
    return subject;
}

static void free_labels(char *subject, char **suffix, int n)
{
    for (int i = 0; i < n; i++)
        free(suffix[i]);
    free(suffix);
    free(subject);
}

// ----------------------------------------------------------------------------
// the outputs: every file opened (core/outfile: a temporary file next to it) before any is
// written, and all committed together at the end, so that a run that fails leaves the output
// folder as it was

static const char *const out_names[] = {
    "groups.dat",   "time_vs_nodes.dat", "efficiency.dat", "bytes.dat",       "reduction.dat",
    "curves.dat",   "breakdown.dat",     "schedule.dat",   "sim_vs_real.dat", "summary.md"};
#define N_OUT (sizeof out_names / sizeof out_names[0])
static outfile outs[N_OUT];

// The output folder: an existing folder, or one made now (create) or that can be made (its
// parent is a folder). Checked before the results are read, made after.
static void out_folder(const char *out, bool create)
{
    struct stat st;
    if (stat(out, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            util_die_input("cannot write into %s: not a folder", out);
        return;
    }
    if (errno != ENOENT)
        util_die_input("cannot write into %s: %s", out, strerror(errno));
    if (create) {
        if (mkdir(out, 0777) != 0)
            util_die_input("cannot create %s: %s", out, strerror(errno));
        return;
    }
    char *copy = str_printf("%s", out);
    const char *parent = dirname(copy);
    if (stat(parent, &st) != 0)
        util_die_input("cannot create %s: %s", out, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        util_die_input("cannot create %s: %s is not a folder", out, parent);
    free(copy);
}

// Opens every output in folder out.
static void open_outputs(const char *out)
{
    for (size_t i = 0; i < N_OUT; i++) {
        char *path = str_printf("%s/%s", out, out_names[i]);
        outfile_open(&outs[i], path);
        free(path);
    }
}

// The open output called name.
static outfile *output(const char *name)
{
    for (size_t i = 0; i < N_OUT; i++)
        if (strcmp(out_names[i], name) == 0)
            return &outs[i];
    util_die("no output called %s", name);
}

// ----------------------------------------------------------------------------
// data files: one '#'-headed file per figure; a file with curves holds one block per curve
// (blocks separated by two blank lines, gnuplot's `index`), each introduced by
//   # block <i> lt <line type> dt <dash type> title <text>

// A block: its header fields and its rows, kept until dat_close() compares them.
typedef struct {
    int lt, dt;
    char *name, *suffix; // the title: name (strategy, "vs sync"), then what tells it apart
    char *rows;
    size_t len;
} datblock;

typedef struct {
    FILE *f;       // the file until the first block, then the current block's rows (memory)
    FILE *file;
    const char *path;
    datblock *block;
    int nblock;
    int study, dt; // the last block's study, and its dash type: 1 for the file's first study, ...
} datfile;

static datfile dat_open(const char *name, const char *what, const char *subject,
                        const char *columns)
{
    const outfile *o = output(name);
    datfile d = {.path = o->path, .study = -1};
    d.file = d.f = o->f;
    fprintf(d.f, "# %s: %s\n# subject: %s\n# %s\n", name, what, subject, columns);
    return d;
}

// Ends the current block's rows (the memory stream).
static void dat_end_block(datfile *d)
{
    if (d->nblock == 0)
        return;
    int bad = ferror(d->f);
    if (fclose(d->f) != 0 || bad)
        util_die("out of memory writing the rows of %s", d->path);
    d->f = d->file;
}

// Starts a block of a study titled "<name><suffix>". Blocks come study by study; each study of
// the file gets the next dash type.
static void dat_block(datfile *d, int lt, int study, const char *name, const char *suffix)
{
    dat_end_block(d);
    if (study != d->study) {
        d->study = study;
        d->dt++;
    }
    d->block = grow(d->block, (size_t)d->nblock + 1, sizeof *d->block);
    datblock *b = &d->block[d->nblock++];
    *b = (datblock){.lt = lt, .dt = d->dt, .name = str_printf("%s", name),
                    .suffix = str_printf("%s", suffix)};
    d->f = open_memstream(&b->rows, &b->len);
    if (d->f == NULL)
        util_die("out of memory starting a block of %s", d->path);
}

// Quotes in a title become '_' (as in field_text), so that it can travel in gnuplot strings.
static void put_title(FILE *f, const char *s)
{
    for (const char *c = s; *c; c++)
        fputc(*c == '"' || *c == '\'' || *c == '\\' ? '_' : *c, f);
}

// Writes the blocks, each introduced by '# block I lt L dt D title NAME (= OTHER)SUFFIX', where
// "(= OTHER, ...)" names the blocks of the same study whose rows are identical (their curves
// coincide, the later drawn over the earlier); the file is committed with the others (main).
static void dat_close(datfile *d)
{
    dat_end_block(d);
    for (int i = 0; i < d->nblock; i++) {
        const datblock *b = &d->block[i];
        fprintf(d->file, "%s# block %d lt %d dt %d title ", i ? "\n\n" : "", i, b->lt, b->dt);
        put_title(d->file, b->name);
        int same = 0;
        for (int j = 0; j < d->nblock; j++) {
            const datblock *o = &d->block[j];
            if (j == i || o->dt != b->dt || o->len == 0 || o->len != b->len ||
                memcmp(o->rows, b->rows, b->len) != 0)
                continue;
            fputs(same++ ? ", " : " (= ", d->file);
            put_title(d->file, o->name);
        }
        fputs(same ? ")" : "", d->file);
        put_title(d->file, b->suffix);
        fputc('\n', d->file);
        fwrite(b->rows, 1, b->len, d->file);
    }
    for (int i = 0; i < d->nblock; i++) {
        free(d->block[i].name);
        free(d->block[i].suffix);
        free(d->block[i].rows);
    }
    free(d->block);
}

static void put_estimate(FILE *f, estimate s)
{
    put(f, s.mean);
    put(f, s.ci);
}

// The groups that begin a (study, strategy) run of groups (their speedup bases), counted.
static int bases(const results *r, const group **out)
{
    int n = 0;
    for (int i = 0; i < r->ngrp; i++)
        if (r->grp[i].base == i)
            out[n++] = &r->grp[i];
    return n;
}

// groups.dat: every configuration, one row each.
static void write_groups(const results *r)
{
    const group *all[r->ngrp];
    for (int i = 0; i < r->ngrp; i++)
        all[i] = &r->grp[i];
    char *subject = describe(r, all, r->ngrp, SKIP_NODES, NULL);
    char *columns = str_printf("%s", "study backend strategy nodes gpus_per_node platform model");
    for (int i = 0; i < r->nopt + 1 + NMET; i++) {
        char *c = i < r->nopt ? str_printf("%s %s", columns, r->col[r->opt[i]])
                  : i == r->nopt ? str_printf("%s n epochs", columns)
                                 : str_printf("%s %s %s_ci", columns, met_name[i - r->nopt - 1],
                                              met_name[i - r->nopt - 1]);
        free(columns);
        columns = c;
    }
    datfile d = dat_open("groups.dat",
                         "every configuration: mean and 95% CI half-width over its n seeds "
                         "(ci = t(0.975, n-1) s / sqrt(n); n = 1: ci 0, no interval)",
                         subject, columns);
    free(columns);
    for (int i = 0; i < r->ngrp; i++) {
        const group *g = &r->grp[i];
        const run *u = g->runs[0];
        fprintf(d.f, "%d %s %s %d %d %s %s", g->study + 1, field(r, u, R_BACKEND),
                field(r, u, R_STRATEGY), u->nodes, u->gpus, field(r, u, R_PLATFORM),
                field(r, u, R_MODEL));
        for (int o = 0; o < r->nopt; o++)
            fprintf(d.f, " %s", u->f[r->opt[o]]);
        fprintf(d.f, " %d %d", g->n, u->nep);
        for (int k = 0; k < NMET; k++)
            put_estimate(d.f, g->m[k]);
        fputc('\n', d.f);
    }
    dat_close(&d);
    free(subject);
}

// time_vs_nodes.dat, efficiency.dat and bytes.dat: one block per (study, strategy), a row per node
// count (bytes.dat: per node count above 1).
static void write_scaling(const results *r)
{
    const group *b[r->ngrp];
    int nb = bases(r, b);
    char **suffix;
    char *subject = describe(r, b, nb, SKIP_NODES, &suffix);
    datfile t = dat_open("time_vs_nodes.dat",
                         "training time (elapsed_s of the last epoch) against nodes, mean and "
                         "95% CI over n seeds; one block per study and strategy",
                         subject, "nodes gpus time_s time_ci n");
    datfile e = dat_open("efficiency.dat",
                         "speedup S(n) = T(n0)/T(n), n0 = fewest nodes of the strategy in its "
                         "study, and scaling efficiency S(n) n0/n; CI propagated from T's",
                         subject, "nodes gpus speedup speedup_ci efficiency efficiency_ci n0");
    datfile y = dat_open("bytes.dat",
                         "bytes sent between nodes over the whole run (sum of bytes_global) "
                         "against nodes, mean and 95% CI over n seeds; node counts above 1; one "
                         "block per study and strategy",
                         subject, "nodes gpus bytes_global bytes_global_ci n");
    for (int i = 0; i < nb; i++) {
        const group *g0 = b[i];
        const char *name = strategy_of(r, g0);
        int lt = g0->runs[0]->lt;
        dat_block(&t, lt, g0->study, name, suffix[i]);
        dat_block(&e, lt, g0->study, name, suffix[i]);
        dat_block(&y, lt, g0->study, name, suffix[i]);
        for (const group *g = g0; g <= &r->grp[g0->largest]; g++) {
            int nodes = g->runs[0]->nodes, gpus = nodes * g->runs[0]->gpus;
            estimate s, eff;
            speedup_of(r, g, &s, &eff);
            fprintf(t.f, "%d %d", nodes, gpus);
            put_estimate(t.f, g->m[M_TIME]);
            fprintf(t.f, " %d\n", g->n);
            fprintf(e.f, "%d %d", nodes, gpus);
            put_estimate(e.f, s);
            put_estimate(e.f, eff);
            fprintf(e.f, " %d\n", g0->runs[0]->nodes);
            if (nodes > 1) {
                fprintf(y.f, "%d %d", nodes, gpus);
                put_estimate(y.f, g->m[M_BYTES_GLOBAL]);
                fprintf(y.f, " %d\n", g->n);
            }
        }
    }
    dat_close(&t);
    dat_close(&e);
    dat_close(&y);
    free_labels(subject, suffix, nb);
}

// reduction.dat: one block per (study, baseline) where the study has DASO, a row per node count
// that both ran.
static void write_reduction(const results *r)
{
    const group *b[r->ngrp], *base[r->ngrp];
    int nb = bases(r, b), n = 0;
    for (int i = 0; i < nb; i++) {
        bool has_daso = false, shared = false;
        for (int j = 0; j < nb; j++)
            has_daso = has_daso || (b[j]->study == b[i]->study && b[j]->runs[0]->lt == 1);
        for (const group *g = b[i]; has_daso && g <= &r->grp[b[i]->largest]; g++)
            shared = shared || find_group(r, g->study, "daso", g->runs[0]->nodes) != NULL;
        if (b[i]->runs[0]->lt != 1 && shared)
            base[n++] = b[i];
    }
    char **suffix;
    char *subject = describe(r, base, n, SKIP_NODES, &suffix);
    datfile d = dat_open("reduction.dat",
                         "DASO's reduction of training time 1 - T_daso/T_baseline at equal nodes; "
                         "paired 1: mean and CI of per-seed reductions (same seeds), paired 0: "
                         "from the means, CI propagated; one block per study and baseline",
                         subject,
                         "nodes gpus daso_s daso_ci baseline_s baseline_ci reduction reduction_ci "
                         "n_daso n_baseline paired");
    for (int i = 0; i < n; i++) {
        char *title = str_printf("vs %s", strategy_of(r, base[i]));
        dat_block(&d, base[i]->runs[0]->lt, base[i]->study, title, suffix[i]);
        free(title);
        for (const group *g = base[i]; g <= &r->grp[base[i]->largest]; g++) {
            int nodes = g->runs[0]->nodes;
            const group *dg = find_group(r, g->study, "daso", nodes);
            if (dg == NULL)
                continue;
            bool paired;
            estimate red = reduction_of(r, dg, g, &paired);
            fprintf(d.f, "%d %d", nodes, nodes * g->runs[0]->gpus);
            put_estimate(d.f, dg->m[M_TIME]);
            put_estimate(d.f, g->m[M_TIME]);
            put_estimate(d.f, red);
            fprintf(d.f, " %d %d %d\n", dg->n, g->n, paired);
        }
    }
    dat_close(&d);
    free_labels(subject, suffix, n);
}

// Whether a run trained a network (real or emulated), so has losses and accuracies.
static bool trained(const results *r, const run *u)
{
    return strcmp(field(r, u, R_BACKEND), "sim") != 0;
}

// The groups with the most nodes of their (study, strategy), of runs that trained (or any) and
// of one strategy (NULL: any), counted.
static int largest_groups(const results *r, bool only_trained, const char *strategy,
                          const group **out)
{
    int n = 0;
    for (int i = 0; i < r->ngrp; i++) {
        const group *g = &r->grp[i];
        bool of_kind = !only_trained || trained(r, g->runs[0]);
        bool of_strategy = !strategy || strcmp(strategy_of(r, g), strategy) == 0;
        if (g->largest == i && of_kind && of_strategy)
            out[n++] = g;
    }
    return n;
}

// Mean and CI over a group's seeds of CSV column k at epoch e.
static estimate epoch_estimate(const group *g, int e, int k)
{
    double x[g->n];
    for (int s = 0; s < g->n; s++)
        x[s] = g->runs[s]->ep[e][k];
    return estimate_of(x, g->n);
}

// curves.dat (measured runs: loss and accuracy against epoch and time), breakdown.dat (every
// backend: compute, node-local communication and global wait per epoch) and schedule.dat (DASO's
// (gs, ls, S) per epoch, from the first listed seed): one block per (study, strategy) at its
// largest node count, a row per epoch.
static void write_epochs(const results *r)
{
    enum { CURVES, BREAKDOWN, SCHEDULE, NFILE };
    static const char *const name[NFILE] = {"curves.dat", "breakdown.dat", "schedule.dat"};
    static const char *const what[NFILE] = {
        "measured (or emulated) training loss and test accuracy per epoch, mean and 95% CI over "
        "n seeds, against epoch and elapsed training time; one block per study and strategy at "
        "its largest node count",
        "seconds per epoch (mean over GPUs) computing, in node-local communication and waiting "
        "on communication between nodes, mean and 95% CI over n seeds; one block per study and "
        "strategy at its largest node count",
        "DASO's (gs, ls, S) per epoch, from the first listed seed; one block per study at its "
        "largest node count"};
    static const char *const columns[NFILE] = {
        "epoch elapsed_s elapsed_ci train_loss train_loss_ci test_acc test_acc_ci n",
        "epoch compute_s compute_ci local_comm_s local_comm_ci global_wait_s global_wait_ci "
        "time_s n",
        "epoch gs ls S"};
    const group *gs[r->ngrp];
    for (int k = 0; k < NFILE; k++) {
        int n = largest_groups(r, k == CURVES, k == SCHEDULE ? "daso" : NULL, gs);
        char **suffix;
        char *subject = describe(r, gs, n, 0, &suffix);
        datfile d = dat_open(name[k], what[k], subject, columns[k]);
        for (int i = 0; i < n; i++) {
            const group *g = gs[i];
            dat_block(&d, g->runs[0]->lt, g->study, strategy_of(r, g), suffix[i]);
            for (int e = 0; e < common_epochs(g); e++) {
                fprintf(d.f, "%.10g", g->runs[0]->ep[e][C_EPOCH]);
                if (k == CURVES) {
                    put_estimate(d.f, epoch_estimate(g, e, C_ELAPSED));
                    put_estimate(d.f, epoch_estimate(g, e, C_LOSS));
                    put_estimate(d.f, epoch_estimate(g, e, C_ACC));
                    fprintf(d.f, " %d\n", g->n);
                } else if (k == BREAKDOWN) {
                    put_estimate(d.f, epoch_estimate(g, e, C_COMPUTE));
                    put_estimate(d.f, epoch_estimate(g, e, C_LOCAL));
                    put_estimate(d.f, epoch_estimate(g, e, C_GLOBAL));
                    put(d.f, epoch_estimate(g, e, C_TIME).mean);
                    fprintf(d.f, " %d\n", g->n);
                } else {
                    const double *row = g->runs[0]->ep[e];
                    fprintf(d.f, " %.10g %.10g %.10g\n", row[C_GS], row[C_LS], row[C_S]);
                }
            }
        }
        dat_close(&d);
        free_labels(subject, suffix, n);
    }
}

// Whether simulated group s models measured (or emulated) group m: same strategy, nodes and GPUs per node;
// every swept option equal or "-" (not applicable) on either side; and the same model by name:
// the simulated model's name is the measured one's, or ends with "_" and it (the profile
// sim/models/fashion_mlp.profile models daso-train's mlp).
static bool models(const results *r, const group *s, const group *m)
{
    const run *a = s->runs[0], *b = m->runs[0];
    if (strcmp(field(r, a, R_BACKEND), "sim") != 0 || !trained(r, b) ||
        a->nodes != b->nodes || a->gpus != b->gpus ||
        strcmp(field(r, a, R_STRATEGY), field(r, b, R_STRATEGY)) != 0)
        return false;
    for (int i = 0; i < r->nopt; i++) {
        const char *x = a->f[r->opt[i]], *y = b->f[r->opt[i]];
        if (strcmp(x, y) != 0 && strcmp(x, "-") != 0 && strcmp(y, "-") != 0)
            return false;
    }
    char *x = stem(field(r, a, R_MODEL)), *y = stem(field(r, b, R_MODEL));
    size_t lx = strlen(x), ly = strlen(y);
    bool same = strcmp(x, y) == 0 ||
                (lx > ly + 1 && x[lx - ly - 1] == '_' && strcmp(x + lx - ly, y) == 0);
    free(x);
    free(y);
    return same;
}

// The (simulated, measured) pairs of groups that model each other, in the order of the measured
// groups; returns how many.
static int sim_real_pairs(const results *r, const group ***sim, const group ***real)
{
    int n = 0;
    *sim = *real = NULL;
    for (int j = 0; j < r->ngrp; j++)
        for (int i = 0; i < r->ngrp; i++)
            if (models(r, &r->grp[i], &r->grp[j])) {
                *sim = grow(*sim, (size_t)n + 1, sizeof **sim);
                *real = grow(*real, (size_t)n + 1, sizeof **real);
                (*sim)[n] = &r->grp[i];
                (*real)[n++] = &r->grp[j];
            }
    return n;
}

// What the trained side of n (simulated, trained) pairs is: "measured" (real runs), "emulated"
// (emu runs) or both.
static const char *trained_word(const results *r, const group **real, int n)
{
    int emu = 0;
    for (int i = 0; i < n; i++)
        emu += strcmp(field(r, real[i]->runs[0], R_BACKEND), "emu") == 0;
    return emu == 0 ? "measured" : emu == n ? "emulated" : "measured or emulated";
}

// sim_vs_real.dat: one row per (simulated, measured or emulated) pair; no rows when there is
// none. A "# trained: WORD" line says which (trained_word).
static void write_sim_vs_real(const results *r)
{
    const group **sim, **real;
    int n = sim_real_pairs(r, &sim, &real);
    char **suffix;
    char *subject = describe(r, real, n, SKIP_BACKEND | SKIP_PLATFORM | SKIP_NODES, &suffix);
    datfile d = dat_open("sim_vs_real.dat",
                         "simulated against measured time of the same configuration: mean epoch "
                         "time (elapsed_s of the last epoch / epochs) and training time, mean and "
                         "95% CI over seeds; ratio = simulated / measured mean epoch time",
                         subject,
                         "strategy nodes gpus sim_epoch_s sim_epoch_ci real_epoch_s real_epoch_ci "
                         "sim_time_s sim_time_ci real_time_s real_time_ci ratio n_sim n_real "
                         "label");
    fprintf(d.f, "# trained: %s\n", trained_word(r, real, n));
    for (int i = 0; i < n; i++) {
        const run *u = real[i]->runs[0];
        fprintf(d.f, "%s %d %d", field(r, u, R_STRATEGY), u->nodes, u->nodes * u->gpus);
        put_estimate(d.f, sim[i]->m[M_EPOCH_TIME]);
        put_estimate(d.f, real[i]->m[M_EPOCH_TIME]);
        put_estimate(d.f, sim[i]->m[M_TIME]);
        put_estimate(d.f, real[i]->m[M_TIME]);
        put(d.f, sim[i]->m[M_EPOCH_TIME].mean / real[i]->m[M_EPOCH_TIME].mean);
        fprintf(d.f, " %d %d \"%s, %d node%s%s\"\n", sim[i]->n, real[i]->n,
                field(r, u, R_STRATEGY), u->nodes, u->nodes == 1 ? "" : "s", suffix[i]);
    }
    dat_close(&d);
    free_labels(subject, suffix, n);
    free(sim);
    free(real);
}

// ----------------------------------------------------------------------------
// summary.md: per study, a table of training times with DASO's reductions and a table of every
// configuration's other quantities

// "mean ± ci (n=3)", "mean (n=1)" or "-" when there is no value: the mean formatted with `fmt`,
// the interval with two significant digits, both multiplied by `scale`.
static char *md_estimate(estimate s, const char *fmt, double scale, const char *unit)
{
    if (isnan(s.mean))
        return str_printf("%s", "-");
    char *m = str_printf(fmt, s.mean * scale), *t;
    if (s.n == 1)
        t = str_printf("%s%s (n=1)", m, unit);
    else
        t = str_printf("%s%s ± %.2g%s (n=%d)", m, unit, s.ci * scale, unit, s.n);
    free(m);
    return t;
}

static void md_cell(FILE *f, char *text)
{
    fprintf(f, " %s |", text);
    free(text);
}

static void write_summary(const results *r)
{
    FILE *f = output("summary.md")->f;
    fprintf(f,
            "# Results summary: %s\n\n"
            "%d runs in %d configurations, %d stud%s. Training time is the elapsed training time "
            "of the last epoch (test evaluation excluded), in seconds. Every value is the mean "
            "over seeds ± the half-width of its 95%% confidence interval, t(0.975, n-1) s / "
            "sqrt(n); \"(n=1)\" marks a single seed, which has no interval.\n\n"
            "DASO's reduction of training time against a baseline at equal nodes is "
            "1 - T_daso / T_baseline: the mean of the per-seed reductions when both ran the same "
            "seeds (paired), otherwise computed from the two means with their intervals "
            "propagated to first order (unpaired). Speedup S(n) = T(n0) / T(n) with n0 the "
            "fewest nodes that strategy ran in the study; scaling efficiency S(n) n0 / n.\n",
            r->dir, r->nrun, r->ngrp, r->nstudy, r->nstudy == 1 ? "y" : "ies");
    for (int st = 0; st < r->nstudy; st++) {
        const study *S = &r->study[st];
        const group *first = &r->grp[S->first];
        char *subject = describe(r, &first, 1, SKIP_NODES, NULL);
        fprintf(f, "\n## Study %d: %s\n\n", st + 1, subject);
        free(subject);
        // the strategies (their base groups) and node counts of the study
        const group *strat[S->n];
        int nstrat = 0, nodes[S->n], nnodes = 0;
        bool has_daso = false;
        for (int i = S->first; i < S->first + S->n; i++) {
            const group *g = &r->grp[i];
            if (g->base == i)
                strat[nstrat++] = g;
            has_daso = has_daso || g->runs[0]->lt == 1;
            int k = 0;
            while (k < nnodes && nodes[k] != g->runs[0]->nodes)
                k++;
            if (k == nnodes)
                nodes[nnodes++] = g->runs[0]->nodes;
        }
        for (int a = 0; a < nnodes; a++) // few node counts: insertion sort
            for (int b = a; b > 0 && nodes[b - 1] > nodes[b]; b--) {
                int t = nodes[b];
                nodes[b] = nodes[b - 1];
                nodes[b - 1] = t;
            }
        fputs("| nodes | GPUs |", f);
        for (int s = 0; s < nstrat; s++)
            fprintf(f, " %s time (s) |", strategy_of(r, strat[s]));
        for (int s = 0; has_daso && s < nstrat; s++)
            if (strat[s]->runs[0]->lt != 1)
                fprintf(f, " DASO vs %s |", strategy_of(r, strat[s]));
        fputs("\n|---:|---:|", f);
        for (int s = 0; s < nstrat; s++)
            fputs("---:|", f);
        for (int s = 0; has_daso && s < nstrat; s++)
            if (strat[s]->runs[0]->lt != 1)
                fputs("---:|", f);
        fputc('\n', f);
        for (int k = 0; k < nnodes; k++) {
            fprintf(f, "| %d | %d |", nodes[k], nodes[k] * first->runs[0]->gpus);
            for (int s = 0; s < nstrat; s++) {
                const group *g = find_group(r, st, strategy_of(r, strat[s]), nodes[k]);
                md_cell(f, g ? md_estimate(g->m[M_TIME], "%.5g", 1, "") : str_printf("%s", "-"));
            }
            const group *d = find_group(r, st, "daso", nodes[k]);
            for (int s = 0; has_daso && s < nstrat; s++) {
                if (strat[s]->runs[0]->lt == 1)
                    continue;
                const group *g = find_group(r, st, strategy_of(r, strat[s]), nodes[k]);
                if (d == NULL || g == NULL) {
                    fputs(" - |", f);
                    continue;
                }
                bool paired;
                estimate red = reduction_of(r, d, g, &paired);
                char *t = md_estimate(red, "%.1f", 100, "%");
                md_cell(f, str_printf("%s%s", t, paired ? "" : " unpaired"));
                free(t);
            }
            fputc('\n', f);
        }
        fputs("\n| strategy | nodes | speedup | efficiency | final loss | final test accuracy | "
              "GB between nodes | compute s/epoch | node-local s/epoch | global wait s/epoch |\n"
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
              f);
        for (int i = S->first; i < S->first + S->n; i++) {
            const group *g = &r->grp[i];
            estimate s, eff;
            speedup_of(r, g, &s, &eff);
            fprintf(f, "| %s | %d |", strategy_of(r, g), g->runs[0]->nodes);
            if (g->base == i)
                fputs(" 1 (n0) | 1 (n0) |", f);
            else {
                md_cell(f, md_estimate(s, "%.3g", 1, ""));
                md_cell(f, md_estimate(eff, "%.3g", 1, ""));
            }
            // the simulator does not train: its loss is the input curve it was given
            char *loss = md_estimate(g->m[M_LOSS], "%.4g", 1, "");
            if (!trained(r, g->runs[0]) && !isnan(g->m[M_LOSS].mean))
                md_cell(f, str_printf("%s (input curve)", loss));
            else
                md_cell(f, str_printf("%s", loss));
            free(loss);
            md_cell(f, md_estimate(g->m[M_ACC], "%.4g", 1, ""));
            md_cell(f, md_estimate(g->m[M_BYTES_GLOBAL], "%.4g", 1e-9, ""));
            md_cell(f, md_estimate(g->m[M_COMPUTE], "%.4g", 1, ""));
            md_cell(f, md_estimate(g->m[M_LOCAL], "%.4g", 1, ""));
            md_cell(f, md_estimate(g->m[M_GLOBAL], "%.4g", 1, ""));
            fputc('\n', f);
        }
        // scaling fit: least squares of log T on log nodes, T ~ nodes^slope (-1: perfect)
        bool header = false;
        for (int s = 0; s < nstrat; s++) {
            const group *g0 = strat[s];
            int n = g0->largest - g0->base + 1;
            if (n < 2)
                continue;
            double x[n], y[n], c0, c1, cov00, cov01, cov11, ss;
            for (int i = 0; i < n; i++) {
                x[i] = log(g0[i].runs[0]->nodes);
                y[i] = log(g0[i].m[M_TIME].mean);
            }
            gsl_fit_linear(x, 1, y, 1, (size_t)n, &c0, &c1, &cov00, &cov01, &cov11, &ss);
            if (!header)
                fputs("\nScaling fit (least squares of log time on log nodes; -1 is perfect "
                      "scaling):",
                      f);
            fprintf(f, "%s %s time ∝ nodes^%.3f (%d node counts)", header ? ";" : "",
                    strategy_of(r, g0), c1, n);
            header = true;
        }
        if (header)
            fputs(".\n", f);
    }
    const group **sim, **real;
    int n = sim_real_pairs(r, &sim, &real);
    if (n > 0) {
        const char *w = trained_word(r, real, n);
        fprintf(f,
                "\n## Simulated against %s\n\n"
                "Mean epoch time (training time / epochs) of the simulated and the %s runs of "
                "the same strategy, nodes, GPUs per node, model and options.\n\n"
                "| strategy | nodes | simulated s/epoch | %s s/epoch | simulated / %s |\n"
                "|---|---:|---:|---:|---:|\n",
                w, w, w, w);
    }
    for (int i = 0; i < n; i++) {
        fprintf(f, "| %s | %d |", strategy_of(r, real[i]), real[i]->runs[0]->nodes);
        md_cell(f, md_estimate(sim[i]->m[M_EPOCH_TIME], "%.4g", 1, ""));
        md_cell(f, md_estimate(real[i]->m[M_EPOCH_TIME], "%.4g", 1, ""));
        fprintf(f, " %.3f |\n", sim[i]->m[M_EPOCH_TIME].mean / real[i]->m[M_EPOCH_TIME].mean);
    }
    free(sim);
    free(real);
}

// ----------------------------------------------------------------------------

static const char usage[] =
    "usage: daso-stats RESULTS_DIR [--out DIR]\n"
    "\n"
    "Reads RESULTS_DIR/runs.tsv and the per-epoch CSVs it names; writes into DIR (default\n"
    "RESULTS_DIR/analysis) groups.dat, time_vs_nodes.dat, efficiency.dat, bytes.dat,\n"
    "reduction.dat, curves.dat, breakdown.dat, schedule.dat, sim_vs_real.dat and\n"
    "summary.md: means and 95% confidence intervals over seeds, speedup, scaling\n"
    "efficiency, bytes between nodes, DASO's reduction of training time against each\n"
    "baseline, simulated against measured time. See\n"
    "analysis/README.md for the definitions and formats.\n";

typedef struct {
    const char *out;
} stats_options;

static const cli_opt options[] = {
    CLI_STR("out", stats_options, out, "DIR", "where the files go (RESULTS_DIR/analysis)",
            .flags = CLI_NO_DEFAULT),
};

static void free_results(results *r)
{
    for (int i = 0; i < r->nrun; i++) {
        for (int c = 0; c < r->ncol; c++)
            free(r->run[i].f[c]);
        free(r->run[i].f);
        free(r->run[i].ep);
    }
    for (int c = 0; c < r->ncol; c++)
        free(r->col[c]);
    for (int i = 0; i < r->nstrategy; i++)
        free(r->strategy[i]);
    for (int i = 0; i < r->ngrp; i++)
        free(r->grp[i].runs);
    free(r->run);
    free(r->col);
    free(r->opt);
    free(r->strategy);
    free(r->grp);
    free(r->study);
    free(r->compute_dist);
}

// Every output of r into folder out, committed together: all of them or none.
static void write_outputs(const results *r, const char *out)
{
    open_outputs(out);
    write_groups(r);
    write_scaling(r);
    write_reduction(r);
    write_epochs(r);
    write_sim_vs_real(r);
    write_summary(r);
    outfile *all[N_OUT];
    for (size_t i = 0; i < N_OUT; i++)
        all[i] = &outs[i];
    outfile_commit_all(all, N_OUT);
}

int main(int argc, char **argv)
{
    stats_options o = {0};
    cli p = {.prog = "daso-stats", .usage = usage, .anywhere = true};
    cli_add(&p, NULL, options, CLI_COUNT(options), &o);
    const int first = cli_parse(&p, argc, argv);
    if (first == argc)
        util_die_input("no RESULTS_DIR given (see --help)");
    if (argc - first > 1)
        util_die_input("one results directory only (got %s and %s)", argv[first], argv[first + 1]);
    const char *dir = argv[first];
    char *out = o.out ? str_printf("%s", o.out) : str_printf("%s/analysis", dir);
    if (o.out) // the default, inside RESULTS_DIR, once RESULTS_DIR has been read
        out_folder(out, false);
    results r = {.dir = dir};
    read_results(&r);
    group_runs(&r);
    out_folder(out, true);
    write_outputs(&r, out);
    printf("daso-stats: %d runs, %d configurations, %d stud%s -> %s/ (*.dat, summary.md)\n",
           r.nrun, r.ngrp, r.nstudy, r.nstudy == 1 ? "y" : "ies", out);
    free(out);
    free_results(&r);
    return 0;
}
