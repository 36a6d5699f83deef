// platform.h: starting SimGrid and loading a platform file for daso-sim, with bad options and files
// reported as one line. SimGrid 3.32 aborts the process on an unknown --cfg= key, a bad value or
// --log= string, and on a parse error, with several lines of log and a backtrace, and crashes on
// some files it does not check (a <zoneRoute> given twice in a Dijkstra zone); sim_init() and
// sim_platform_load() turn that into "daso-sim: bad SimGrid option[ --cfg=K:V]: <reason>" or
// "daso-sim: cannot load platform F: <reason>" and exit 2.
#ifndef DASO_SIM_PLATFORM_H
#define DASO_SIM_PLATFORM_H

#include <stdbool.h> // bool

#include <simgrid/forward.h> // sg_host_t

// simgrid_init(argc, argv): takes the --cfg= and --log= options out of argv; exit 2 with one line
// if SimGrid refuses one.
void sim_init(int *argc, char **argv);

// Loads the file (after sim_init). Exit 2 with one line if it is missing, a folder or invalid.
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
