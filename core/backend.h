// backend.h: the interface between the one training-loop driver (driver.c) and a world that
// executes its plans: sim/ answers in simulated seconds on SimGrid actors, real/ in wall seconds
// over MPI and NCCL, tests/ with an in-process fake. One backend value per rank.
//
// Collectives are entered by exactly the ranks named in each comment, in the same order on every
// rank: the plans are rank-invariant, so this holds by construction.
#ifndef DASO_BACKEND_H
#define DASO_BACKEND_H

#include <stdbool.h> // bool
#include <stddef.h> // size_t

#include "events.h"    // events
#include "floatfmt.h"  // floatfmt
#include "plan.h"      // plan_grad
#include "scheduler.h" // sched

typedef struct {
    double time_s;       // training time: the epochs' times added up (evaluation excluded)
    double train_loss;   // world-averaged training loss of the last epoch
    double test_acc;     // accuracy after the last epoch (NAN when the backend has none)
    double bytes_local;  // over the run, summed over ranks (rank 0)
    double bytes_global;
    long batches;        // batches run by each rank
    bool blocking;       // the last epoch's global syncs were blocking (DASO with gs = 0)
} driver_result;

typedef struct {
    void *ctx;         // the backend's own state, passed back to every function
    int rank, world;   // world = nodes * gpus_per_node, node-contiguous ranks
    int gpus_per_node; // node = rank / gpus_per_node, local rank = rank % gpus_per_node
    size_t params;     // parameters per replica (elements)

    double (*clock)(void *ctx); // seconds since the start of the run

    // Forward and backward of one batch, with the gradient reduction `grad` in format `fmt`
    // overlapped with backward as the backend can (all ranks when grad is GRAD_WORLD or GRAD_HIER,
    // the node's ranks when GRAD_NODE). Records its compute and communication events in ev.
    // Returns this rank's training loss of the batch.
    double (*train_batch)(void *ctx, events *ev, int epoch, int batch, plan_grad grad,
                          floatfmt fmt);
    void (*optimizer_step)(void *ctx); // local update with the (averaged) gradients

    // Global parameter sync of DASO, entered by the members of one group C_g only: start a
    // non-blocking sum of the packed parameters (format fmt, messages of at most chunk_elems
    // elements); finish the oldest pending one with x := w_local * x + w_sum * sum.
    void (*global_start)(void *ctx, floatfmt fmt, size_t chunk_elems);
    void (*global_finish)(void *ctx, double w_local, double w_sum);

    void (*node_bcast)(void *ctx, int root);           // all ranks: parameters from local rank root
    void (*world_param_avg)(void *ctx, floatfmt fmt);  // all ranks: blocking parameter average
    double (*world_mean)(void *ctx, double x);         // all ranks: mean of x over ranks (timed)
    void (*stats_sum)(void *ctx, double *v, int n);    // all ranks: sum v over ranks into rank 0,
                                                       // bookkeeping outside the timed run
    double (*evaluate)(void *ctx); // all ranks: test accuracy of the replicas, NAN when none

    // Optional (NULL: none), all ranks, after each epoch's row: the scheduler's state from which
    // the next epoch starts, the run's totals so far and the row as written (rank 0; NULL on the
    // others), so that a run can be checkpointed and resumed exactly.
    void (*epoch_done)(void *ctx, const sched *s, const driver_result *res, const char *row);
} backend;

#endif
