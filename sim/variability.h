// variability.h: how much each simulated GPU's batch deviates from the profile's compute time.
// A synchronous step waits for the slowest GPU of all; DASO's node-local step only for the
// slowest of its node: this is what makes synchronous training lose at scale, and what a bare
// alpha-beta model leaves out.
//
// Every GPU draws a multiplier of its forward + backward time per batch, with mean 1, from its own
// GSL generator (mt19937 seeded from --seed and the rank: reproducible, independent of how
// actors interleave), and persistent stragglers multiply it further:
//
//   --compute-dist normal:CV        1 + CV * N(0,1), at least 0.01
//   --compute-dist lognormal:SIGMA  exp(SIGMA * N(0,1) - SIGMA^2 / 2)
//   --compute-dist gamma:K          Gamma(K, 1/K) (coefficient of variation 1/sqrt(K))
//   --compute-dist hist:FILE        an empirical histogram of measured batch times (one per line,
//                                   any unit), scaled to mean 1
//   --compute-dist stall:P:F        with probability P a batch stalls, taking F times as long (a
//                                   data-loading or I/O hiccup), scaled to mean 1
//   --straggler gpu:R:F[:E0:E1]     GPU R is F times slower, in epochs E0 .. E1 (all if omitted)
//   --straggler node:N:F[:E0:E1]    every GPU of node N is F times slower
#ifndef DASO_SIM_VARIABILITY_H
#define DASO_SIM_VARIABILITY_H

#include <gsl/gsl_histogram.h> // gsl_histogram_pdf
#include <gsl/gsl_rng.h>       // gsl_rng

typedef enum { DIST_NONE, DIST_NORMAL, DIST_LOGNORMAL, DIST_GAMMA, DIST_HIST, DIST_STALL } dist_kind;

typedef struct {
    int node;           // 1: `id` is a node, 0: a GPU (rank)
    int id;
    double factor;
    int from, to;       // epochs, inclusive
} straggler;

#define MAX_STRAGGLERS 64

typedef struct {
    dist_kind kind;
    double param;            // CV, SIGMA, K or P
    double stall;            // F of stall:P:F
    gsl_histogram_pdf *pdf;  // DIST_HIST, of batch times divided by their mean
    unsigned long seed;
    straggler st[MAX_STRAGGLERS];
    int n_st;
} variability;

// Parse one option value; bad values: util_die_input (exit 2) naming the option.
void variability_set_dist(variability *v, const char *spec);
void variability_add_straggler(variability *v, const char *spec);
void variability_free(variability *v);

// The generator of one rank (free with gsl_rng_free).
gsl_rng *variability_rng(const variability *v, int rank);

// The multiplier of `rank`'s compute in this batch of `epoch`: one draw (none with DIST_NONE)
// times the factors of the stragglers that apply.
double variability_factor(const variability *v, gsl_rng *rng, int rank, int gpus_per_node,
                          int epoch);

#endif
