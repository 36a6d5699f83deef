// sim_backend.h: the backend interface (core/backend.h) on SimGrid actors. One main actor per
// simulated GPU runs the core's driver unchanged; where the collectives are simulated message by
// message, each has a gradient actor that reduces the gradient buckets overlapping backward, and
// (for DASO) a parameter actor that runs the non-blocking global sync overlapping the next
// batches' compute (the fast path below computes them in closed form instead). Compute is charged from the
// model profile: the profile's seconds on its reference GPU, scaled by reference FLOP/s over the
// host's speed.
//
// Fast path (closed_forms, on by default): the node-local gradient allreduce of DASO and local
// SGD runs over the node's NVLink pairs, which nothing else uses while it runs, so its bucketed
// timeline (bucket i starts when its gradients are ready and the previous bucket is done) is
// computed in closed form instead of simulated message by message; so is DASO's parameter
// broadcast inside a node (sim_bcast_analytic), and, in flow fidelity, the flat gradient
// allreduce of sync and of local SGD's synchronous epochs where the world ring's flows cannot
// slow one another (sim_comms_rings_independent; sim_allreduce_buckets_analytic),
// and DASO's global messages and hier's allreduces where the groups' cross rings cannot slow one
// another (sim_comms_rings_independent; sim_iallreduce_analytic_*, no parameter actors then;
// sim_hier_buckets_analytic).
// tests/test_sim.sh checks they give the simulated result; --exact-comm switches them off.
//
// Compute as sleeps (exec_compute false): a rank's main actor is the only one computing on its
// host, so an execution of F flops ends after exactly F / (host speed) seconds, unless the
// platform changes the host's speed during the run (speed, availability or state profiles) or a
// plugin (host energy) watches executions. The caller decides (daso-sim:
// sim_platform_needs_executions, --cfg=plugin:, --exact-compute); a sleep is one simcall where
// an execution costs SimGrid six (init, flops, host, priority, start, wait): a third less CPU time
// for a whole run. With sleeps and the fast path, a main actor sends no message itself (local
// SGD's parameter average aside, which moves it to its GPU's host) and nothing watches its host:
// then every main actor runs on the first GPU's host, so that SimGrid's bookkeeping of sleeps and
// waits touches one host's objects, not one per GPU (-10% CPU at 1024 GPUs). SimGrid's own
// tracing (--cfg=tracing/actor:yes) then shows them all on that host; the Chrome trace is per GPU.
//
//   sim_setup s = {...};          // configuration, profile, losses, platform hosts, outputs
//   sim_run(&s, &result);         // creates the actors, simgrid_run(), fills result
#ifndef DASO_SIM_BACKEND_H
#define DASO_SIM_BACKEND_H

#include <stdbool.h> // bool
#include <stdio.h>   // FILE

#include <simgrid/forward.h> // sg_host_t

#include "comm.h"        // sim_fidelity
#include "driver.h"      // driver_result
#include "events.h"      // trace
#include "profile.h"     // profile
#include "scheduler.h"   // sched_config
#include "variability.h" // variability

typedef struct {
    sched_config cfg;          // shape and strategy; last_batch and epochs already set
    const profile *model;      // compute times and parameter count
    double last_batch_share;   // an epoch's last batch's samples over a full batch's, in (0, 1]:
                               // its forward and backward are scaled by it (the gradients, the
                               // optimizer step and the step overhead are the whole model's)
    const double *loss;        // training loss of each epoch (cfg.epochs values)
    sg_host_t *hosts;          // one per rank, node-contiguous
    sim_fidelity fidelity;
    double ddp_bucket_bytes;   // node-local gradient buckets of DASO and local SGD (DDP: 25 MB)
    bool closed_forms;         // collectives in closed form where exact (see above)
    bool exec_compute;         // compute as SimGrid executions, not sleeps (see above)
    const variability *var;    // compute-time variability and stragglers
    double horovod_cycle_s;    // sync/hier buckets start on Horovod's cycle ticks (0: at once)
    double daso_pack_s;        // DASO's packing of a global message, and its merge, each (0: free)
    double ring_step_s;        // software time of every ring step (sim_net's step_s)
    double step_overhead_s;    // fixed framework time per training step, every GPU (0: none)
    FILE *csv, *breakdown;     // per-epoch rows and per-batch breakdown of rank 0 (NULL: none)
    trace *trace;              // Chrome trace of every rank (NULL: none)
    bool progress;             // progress line on stderr
} sim_setup;

typedef struct {
    driver_result run;          // rank 0's view: training time, bytes (closed forms), ...
    double sent_local, sent_global; // bytes the simulated messages carried, all ranks
    bool closed_local, closed_world; // node-local / flat gradient allreduces ran in closed form
    bool closed_cross, closed_hier;  // DASO's global messages, hier's allreduces did
} sim_result;

void sim_run(const sim_setup *s, sim_result *res);

#endif
