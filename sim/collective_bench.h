// collective_bench.h: daso-sim's benchmark modes on the simulated machine, one measurement per
// message size, timed from a common start to the last GPU's completion:
//   - allreduce, bcast: one collective over all N x G GPUs, like nccl-tests, printed as
//     "bytes time_s algbw_GBps busbw_GBps" with nccl-tests' bus-bandwidth factors (allreduce
//     2(n-1)/n, broadcast 1);
//   - p2p: one message from GPU 0 of node 0 to GPU 1 of node 0 (intra) or GPU 0 of node 1
//     (inter), like OSU's osu_bw and osu_latency; bidir: the same pair both ways at once, like
//     osu_bibw; bisection: GPU k of node n (n < N/2) and GPU k of node n + N/2 both ways at once,
//     all pairs together, like JSC's LinkTest --bisection. Printed as "bytes time_s GBps", GBps
//     = every byte of every direction and pair / time / 1e9.
#ifndef DASO_SIM_COLLECTIVE_BENCH_H
#define DASO_SIM_COLLECTIVE_BENCH_H

#include <stdbool.h> // bool
#include <stdio.h>   // FILE

#include <simgrid/forward.h> // sg_host_t

#include "comm.h" // sim_fidelity

typedef enum { BENCH_ALLREDUCE, BENCH_BCAST, BENCH_P2P, BENCH_BIDIR, BENCH_BISECTION } bench_kind;

typedef struct {
    bench_kind kind;
    bool hier;           // allreduce, bcast: hierarchical algorithm, else a flat ring over all GPUs
    bool inter;          // p2p, bidir: the pair is on two nodes, else on node 0
    int nodes, gpus_per_node;
    sim_fidelity fidelity;
    sg_host_t *hosts;    // nodes * gpus_per_node, node-contiguous
    const double *bytes; // message sizes
    int n_sizes;
    double ring_step_s;  // software time per ring step (sim_net's step_s)
} collective_bench;

// The benchmark's name as --collective takes it.
const char *collective_bench_name(bench_kind kind);

// Runs the simulation and writes the '#' header and one row per size to out. The caller has
// checked that the GPUs exist: a pair mode's two, an even node count for bisection.
void collective_bench_run(const collective_bench *b, FILE *out);

#endif
