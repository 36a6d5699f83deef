// volume.c: see volume.h.
#include "volume.h"

double volume_allreduce(double bytes, int members)
{
    return members > 1 ? 2.0 * (members - 1) / members * bytes : 0.0;
}

double volume_bcast(double bytes, int members)
{
    return members > 1 ? (double)(members - 1) / members * bytes : 0.0;
}

volume volume_ring_allreduce(double bytes, int nodes, int gpus_per_node)
{
    int p = nodes * gpus_per_node;
    double per_rank = volume_allreduce(bytes, p);
    double crossing = nodes > 1 ? (double)nodes / p : 0.0; // share of ring edges between nodes
    return (volume){.local = per_rank * (1 - crossing), .global = per_rank * crossing};
}

volume volume_hier_allreduce(double bytes, int nodes, int gpus_per_node)
{
    double g = gpus_per_node;
    double in_node = 2.0 * (g - 1) / g * bytes; // reduce-scatter + allgather
    return (volume){.local = in_node, .global = volume_allreduce(bytes / g, nodes)};
}
