// volume.h: closed forms of the bytes each GPU sends in the collectives the strategies use, split
// into node-local bytes (NVLink/shared memory) and global bytes (between nodes). The figures are
// per rank, averaged over the ranks taking part, and follow nccl-tests' conventions: a ring
// allreduce of S bytes over n ranks sends 2(n-1)/n S per rank, a broadcast (n-1)/n S.
//
// The real backend and the test backend report these; the simulator counts the bytes of its own
// messages, and its tests check the two agree.
#ifndef DASO_VOLUME_H
#define DASO_VOLUME_H

typedef struct {
    double local;  // bytes over links inside a node
    double global; // bytes over links between nodes
} volume;

double volume_allreduce(double bytes, int members); // ring allreduce, per member
double volume_bcast(double bytes, int members);     // broadcast, per member

// Flat ring allreduce over all N*G GPUs, ring ordered node by node: N of its N*G edges cross
// nodes (none when N = 1).
volume volume_ring_allreduce(double bytes, int nodes, int gpus_per_node);

// Hierarchical allreduce: reduce-scatter inside the node, ring allreduce of each 1/G slice across
// nodes (by all local ranks in parallel), allgather inside the node.
volume volume_hier_allreduce(double bytes, int nodes, int gpus_per_node);

#endif
