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
//
// A straggler's factor, and the product of those that slow one GPU in one epoch, lie within
// [STRAGGLER_MIN, STRAGGLER_MAX], so that simulated times stay finite.
//
// Besides, GPUs of one model differ in speed for the whole run: Sinha et al., "Not All GPUs Are
// Created Equal", SC22 (arXiv 2208.11035), measured 8% average (22% at most) variation between
// GPUs of the same model, outliers up to 1.5x slower than the median. --gpu-speed-dist draws
// every GPU ONE multiplier of its compute time, with mean 1, from a generator of its own
// (ranlxd1 seeded from --seed, which GSL takes as 1 when 0; the GPUs' multipliers in rank order),
// so that it neither depends on the actors' interleaving nor changes the per-batch draws:
//
//   --gpu-speed-dist normal:CV        1 + CV * N(0,1), at least 0.01
//   --gpu-speed-dist lognormal:SIGMA  exp(SIGMA * N(0,1) - SIGMA^2 / 2)
//   --gpu-speed-dist hist:FILE        measured per-GPU batch times (one per line, any unit),
//                                     scaled to mean 1
//
// A GPU's compute per batch is the product of the three: its persistent multiplier, its batch's
// draw and its stragglers' factors.
#ifndef DASO_SIM_VARIABILITY_H
#define DASO_SIM_VARIABILITY_H

#include <gsl/gsl_histogram.h> // gsl_histogram_pdf
#include <gsl/gsl_rng.h>       // gsl_rng

typedef enum { DIST_NONE, DIST_NORMAL, DIST_LOGNORMAL, DIST_GAMMA, DIST_HIST, DIST_STALL } dist_kind;

// A distribution of multipliers with mean 1.
typedef struct {
    dist_kind kind;
    double param;            // CV, SIGMA, K or P
    double stall;            // F of stall:P:F
    gsl_histogram_pdf *pdf;  // DIST_HIST, of the file's values divided by their mean
} var_dist;

typedef struct {
    int node;           // 1: `id` is a node, 0: a GPU (rank)
    int id;
    double factor;
    int from, to;       // epochs, inclusive
} straggler;

#define MAX_STRAGGLERS 64
#define STRAGGLER_MIN 1e-6
#define STRAGGLER_MAX 1e6

typedef struct {
    var_dist batch;          // --compute-dist: one draw per GPU and batch
    var_dist gpu;            // --gpu-speed-dist: one draw per GPU for the run
    unsigned long seed;
    straggler st[MAX_STRAGGLERS];
    int n_st;
} variability;

// Parse one option value; bad values: util_die_input (exit 2) naming the option.
void variability_set_dist(variability *v, const char *spec);
void variability_set_gpu_dist(variability *v, const char *spec);
void variability_add_straggler(variability *v, const char *spec);
void variability_free(variability *v);

// Exit 2 with one line when a straggler names a GPU or node outside a run of `nodes` x
// `gpus_per_node`, or the factors that slow one GPU multiply to a product outside the range.
void variability_check(const variability *v, int nodes, int gpus_per_node);

// The per-batch generator of one rank (free with gsl_rng_free).
gsl_rng *variability_rng(const variability *v, int rank);

// The persistent multipliers of ranks 0 .. world - 1 (--gpu-speed-dist; all 1 without it), in a
// new array (free with free).
double *variability_gpu_factors(const variability *v, int world);

// The multiplier of `rank`'s compute in this batch of `epoch`: one draw (none with DIST_NONE)
// times the factors of the stragglers that apply.
double variability_factor(const variability *v, gsl_rng *rng, int rank, int gpus_per_node,
                          int epoch);

#endif
