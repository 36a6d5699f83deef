// variability.c: see variability.h.
#define _POSIX_C_SOURCE 200809L
#include "variability.h"

#include <limits.h>  // INT_MAX
#include <stdbool.h> // bool
#include <math.h>   // exp, sqrt, isfinite
#include <stdio.h>  // sscanf, getline
#include <stdlib.h> // free, strtod
#include <string.h> // strncmp, strcmp, strchr, strspn

#include <gsl/gsl_randist.h> // gsl_ran_gaussian, gsl_ran_gamma

#include "util.h" // util_die_input, util_parse_double, fopenCheck, mallocCheck

// The values of a file (batch times, any unit), as an empirical distribution of multipliers
// with mean 1; `opt` names the option in messages.
static gsl_histogram_pdf *histogram_of(const char *path, const char *opt)
{
    FILE *f = fopenCheck(path, "r");
    size_t n = 0, cap = 1024;
    double *x = mallocCheck(sizeof(double) * cap), sum = 0, lo = INFINITY, hi = 0;
    char *line = NULL;
    size_t len = 0;
    int lineno = 0;
    while (getline(&line, &len, f) != -1) {
        lineno++;
        if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
            continue;
        char *end;
        double v = strtod(line, &end);
        if (end == line || !isfinite(v) || v <= 0 || end[strspn(end, " \t\r\n")] != '\0')
            util_die_input("%s hist: %s:%d: not a positive batch time", opt, path, lineno);
        if (n == cap)
            x = realloc(x, sizeof(double) * (cap *= 2));
        if (x == NULL)
            util_die("out of memory reading %s", path);
        x[n++] = v;
        sum += v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    free(line);
    fclose(f);
    if (n < 2 || hi == lo)
        util_die_input("%s hist: %s needs at least 2 different batch times", opt, path);
    if (!isfinite(sum)) // their mean, the histogram's scale, would be too (GSL would abort)
        util_die_input("%s hist: %s: batch times too large to add up", opt, path);
    const double mean = sum / n;
    size_t bins = (size_t)sqrt((double)n) + 1;
    gsl_histogram *h = gsl_histogram_alloc(bins);
    gsl_histogram_pdf *pdf = gsl_histogram_pdf_alloc(bins);
    if (h == NULL || pdf == NULL)
        util_die("out of memory for the histogram of %s", path);
    gsl_histogram_set_ranges_uniform(h, lo / mean, hi / mean * (1 + 1e-12));
    for (size_t i = 0; i < n; i++)
        gsl_histogram_increment(h, x[i] / mean);
    gsl_histogram_pdf_init(pdf, h);
    gsl_histogram_free(h);
    free(x);
    return pdf;
}

// One option's distribution; `per_batch` (--compute-dist) also allows gamma and stall.
static void parse_dist(var_dist *d, const char *spec, const char *opt, bool per_batch)
{
    const char *names = per_batch ? "normal, lognormal, gamma, hist, stall"
                                  : "normal, lognormal, hist";
    const char *colon = strchr(spec, ':');
    if (colon == NULL)
        util_die_input("%s must be %s (got '%s')", opt,
                       per_batch ? "normal:CV, lognormal:SIGMA, gamma:K, hist:FILE or stall:P:F"
                                 : "normal:CV, lognormal:SIGMA or hist:FILE",
                       spec);
    size_t k = (size_t)(colon - spec);
    if (k == 4 && strncmp(spec, "hist", 4) == 0) {
        if (d->pdf) // given twice: the last one counts
            gsl_histogram_pdf_free(d->pdf);
        d->kind = DIST_HIST;
        d->pdf = histogram_of(colon + 1, opt);
        return;
    }
    if (per_batch && k == 5 && strncmp(spec, "stall", 5) == 0) {
        int used = 0;
        d->kind = DIST_STALL;
        if (sscanf(colon + 1, "%lf:%lf%n", &d->param, &d->stall, &used) != 2 ||
            colon[1 + used] != '\0' || !(d->param >= 0 && d->param <= 1) ||
            !(d->stall >= 1 && d->stall <= 1e6))
            util_die_input("%s stall:P:F needs a probability 0 <= P <= 1 and a factor F >= 1 (got "
                           "'%s')",
                           opt, spec);
        return;
    }
    if (k == 6 && strncmp(spec, "normal", 6) == 0)
        d->kind = DIST_NORMAL;
    else if (k == 9 && strncmp(spec, "lognormal", 9) == 0)
        d->kind = DIST_LOGNORMAL;
    else if (per_batch && k == 5 && strncmp(spec, "gamma", 5) == 0)
        d->kind = DIST_GAMMA;
    else
        util_die_input("%s: unknown distribution in '%s' (%s)", opt, spec, names);
    char what[64];
    snprintf(what, sizeof what, "%s's parameter", opt);
    d->param = util_parse_double(colon + 1, what, d->kind == DIST_GAMMA ? 1e-6 : 0, 1e6);
}

void variability_set_dist(variability *v, const char *spec)
{
    parse_dist(&v->batch, spec, "--compute-dist", true);
}

void variability_set_gpu_dist(variability *v, const char *spec)
{
    parse_dist(&v->gpu, spec, "--gpu-speed-dist", false);
}

void variability_add_straggler(variability *v, const char *spec)
{
    straggler s = {.from = 0, .to = INT_MAX};
    char what[8];
    int used = 0;
    int n = sscanf(spec, "%7[a-z]:%d:%lf%n:%d:%d%n", what, &s.id, &s.factor, &used, &s.from, &s.to,
                   &used);
    bool ok = (n == 3 || n == 5) && spec[used] == '\0' && s.id >= 0 && isfinite(s.factor) &&
              s.factor > 0 && s.from >= 0 && s.to >= s.from;
    if (!ok || (strcmp(what, "gpu") != 0 && strcmp(what, "node") != 0))
        util_die_input("--straggler must be gpu:RANK:FACTOR[:FROM:TO] or node:NODE:FACTOR[:FROM:TO] "
                       "with FACTOR > 0 and epochs FROM <= TO (got '%s')",
                       spec);
    if (v->n_st == MAX_STRAGGLERS)
        util_die_input("at most %d --straggler options", MAX_STRAGGLERS);
    s.node = strcmp(what, "node") == 0;
    v->st[v->n_st++] = s;
}

void variability_free(variability *v)
{
    if (v->batch.pdf)
        gsl_histogram_pdf_free(v->batch.pdf);
    if (v->gpu.pdf)
        gsl_histogram_pdf_free(v->gpu.pdf);
}

gsl_rng *variability_rng(const variability *v, int rank)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r == NULL)
        util_die("out of memory for a random number generator");
    gsl_rng_set(r, v->seed * 1000003ul + (unsigned long)rank);
    return r;
}

// One multiplier of distribution d.
static double draw(const var_dist *d, gsl_rng *rng)
{
    double f = 1;
    switch (d->kind) {
    case DIST_NONE:
        break;
    case DIST_NORMAL:
        f = 1 + d->param * gsl_ran_gaussian(rng, 1.0);
        f = f < 0.01 ? 0.01 : f;
        break;
    case DIST_LOGNORMAL:
        f = exp(d->param * gsl_ran_gaussian(rng, 1.0) - d->param * d->param / 2);
        break;
    case DIST_GAMMA:
        f = gsl_ran_gamma(rng, d->param, 1.0 / d->param);
        break;
    case DIST_HIST:
        f = gsl_histogram_pdf_sample(d->pdf, gsl_rng_uniform(rng));
        break;
    case DIST_STALL:
        f = (gsl_rng_uniform(rng) < d->param ? d->stall : 1) / (1 + d->param * (d->stall - 1));
        break;
    }
    return f;
}

double *variability_gpu_factors(const variability *v, int world)
{
    double *f = mallocCheck(sizeof(double) * (size_t)world);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_ranlxd1);
    if (r == NULL)
        util_die("out of memory for a random number generator");
    gsl_rng_set(r, v->seed);
    for (int i = 0; i < world; i++) // in rank order
        f[i] = draw(&v->gpu, r);
    gsl_rng_free(r);
    return f;
}

double variability_factor(const variability *v, gsl_rng *rng, int rank, int gpus_per_node,
                          int epoch)
{
    double f = draw(&v->batch, rng);
    for (int i = 0; i < v->n_st; i++) {
        const straggler *s = &v->st[i];
        int id = s->node ? rank / gpus_per_node : rank;
        if (id == s->id && epoch >= s->from && epoch <= s->to)
            f *= s->factor;
    }
    return f;
}
