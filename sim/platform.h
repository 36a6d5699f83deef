// platform.h: loading a SimGrid platform file for daso-sim, with bad files reported as one line.
// SimGrid 3.32 aborts the process on a parse error, with several lines of log and a backtrace;
// sim_platform_load() turns that into "daso-sim: cannot load platform F: <reason>" and exit 2.
#ifndef DASO_SIM_PLATFORM_H
#define DASO_SIM_PLATFORM_H

#include <stdbool.h> // bool

#include <simgrid/forward.h> // sg_host_t

// Loads the file (after simgrid_init). Exit 2 with one line if it is missing or invalid.
void sim_platform_load(const char *path);

// The first `count` hosts in natural name order (n2 before n10); exit 2 with one line when the
// platform has fewer. Free with free().
sg_host_t *sim_platform_hosts(const char *path, int count);

// What a platform file asks of the simulation, by a plain text search (so a mention in a comment
// counts too: a false yes only costs time):
typedef struct {
    // compute must be SimGrid executions (sim_backend.h): a speed, availability or state profile
    // (speed_file, availability_file, state_file, trace_connect) changes a host's speed during a
    // run, or a plugin (a <prop id="plugin">, e.g. host_energy) watches executions
    bool needs_executions;
    // links change during a run (bandwidth_file, latency_file, state_file, trace_connect): the
    // collectives' closed forms, which read a route's bandwidth and latency once, do not hold
    bool links_vary;
    // the network and host models its <config> sets ("" if none, "?" if unreadable;
    // --cfg=network/model:, host/model: override them)
    char network_model[32], host_model[32];
    // GPUs per physical node, as daso-platform records it (<prop id="daso:gpus-per-node">);
    // 0 when the file does not say
    int gpus_per_node;
} sim_platform_info;
sim_platform_info sim_platform_scan(const char *path);

#endif
