// collective_bench.h: daso-sim's collective benchmark mode, like nccl-tests on the simulated
// machine: one collective over all N x G GPUs per message size, timed from a common start to the
// last GPU's completion, printed as "bytes time_s algbw_GBps busbw_GBps" with nccl-tests'
// bus-bandwidth factors (allreduce 2(n-1)/n, broadcast 1).
#ifndef DASO_SIM_COLLECTIVE_BENCH_H
#define DASO_SIM_COLLECTIVE_BENCH_H

#include <stdbool.h> // bool
#include <stdio.h>   // FILE

#include <simgrid/forward.h> // sg_host_t

#include "comm.h" // sim_fidelity

typedef struct {
    bool bcast;          // broadcast from rank 0, else allreduce
    bool hier;           // hierarchical algorithm, else a flat ring over all GPUs
    int nodes, gpus_per_node;
    sim_fidelity fidelity;
    sg_host_t *hosts;    // nodes * gpus_per_node, node-contiguous
    const double *bytes; // message sizes
    int n_sizes;
    double ring_step_s;  // software time per ring step (sim_net's step_s)
} collective_bench;

// Runs the simulation and writes the '#' header and one row per size to out.
void collective_bench_run(const collective_bench *b, FILE *out);

#endif
