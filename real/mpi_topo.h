// mpi_topo.h: the layout of an MPI job as nodes of G ranks, shared by the CPU and GPU backends.
// Ranks are placed node by node: rank r is on node r / G with local rank r % G. G comes from
// --gpus-per-node (so one machine can stand for several nodes), or from the shared-memory
// domains (MPI_Comm_split_type), which must then be equal in size and hold consecutive ranks.
// Two communicators follow: the node's ranks, and DASO's global group of the rank's local rank
// (that local rank on every node).
//
//   mpi_topo t; mpi_topo_init(&t, gpus_per_node_or_0); ... mpi_topo_free(&t);
#ifndef DASO_MPI_TOPO_H
#define DASO_MPI_TOPO_H

#include <mpi.h> // MPI_Comm

typedef struct {
    int rank, world;           // in MPI_COMM_WORLD
    int gpus_per_node, nodes;  // G and N
    int node, local;           // rank / G, rank % G
    MPI_Comm node_comm;        // the G ranks of this node, by local rank
    MPI_Comm cross_comm;       // local rank `local` of every node, by node
} mpi_topo;

// Collective. A world size that is not a multiple of G, or ranks not placed node by node, are
// input errors (util_die_input, exit 2).
void mpi_topo_init(mpi_topo *t, int gpus_per_node);
void mpi_topo_free(mpi_topo *t);

// Collective: the mean of x over all ranks, summed in rank order, so that every MPI library
// (and SMPI) gives the same bits.
double mpi_topo_mean(const mpi_topo *t, double x);

// Collective: v summed over all ranks into rank 0's v.
void mpi_topo_sum_to_root(const mpi_topo *t, double *v, int n);

#endif
