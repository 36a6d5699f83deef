// mpi_backend.h: the backend interface (core/backend.h) over MPI, on CPU: real training of a
// Fashion-MNIST network (real/net.h) with the scheduling core's plans executed as MPI collectives.
//   - node-local communicator from MPI_Comm_split_type(MPI_COMM_TYPE_SHARED), or G consecutive
//     ranks per node with --gpus-per-node G (one machine then stands for several nodes);
//   - DASO's global groups C_g = the ranks of local rank g on every node;
//   - the non-blocking global sync: MPI_Iallreduce of the packed parameters in chunks of at most
//     chunk_elems elements, tested between batches so it progresses while the next batches
//     compute, merged with merge_apply();
//   - bf16/fp16 messages summed by a user-defined MPI reduction (real/mpi_fmt.h).
// Wall-clock seconds from MPI_Wtime (simulated seconds under SMPI, with the modelled compute
// charged by setup.charge).
#ifndef DASO_MPI_BACKEND_H
#define DASO_MPI_BACKEND_H

#include <stdint.h> // uint64_t

#include <mpi.h> // MPI_Comm, MPI_Request

#include "backend.h" // backend
#include "mnist.h"    // mnist_set
#include "global_msg.h" // global_msg
#include "mpi_topo.h"   // mpi_topo
#include "net.h"     // net, net_kind
#include "sgd.h"     // sgd

typedef struct {
    int gpus_per_node;        // 0: one node per shared-memory domain
    net_kind model;
    int batch;                // samples per rank per batch
    float lr;                 // base learning rate (one rank), scaled linearly by the world size
    double lr_warmup_epochs;  // linear warm-up of the scaled rate (Goyal et al.)
    float momentum, weight_decay;
    uint64_t seed;            // initial parameters and the per-epoch shuffle
    const mnist_set *train, *test;
    global_algo global_allreduce; // how DASO's global message is summed (global_msg.h)
    bool node_ring;               // node-local gradients averaged by the ring of global_msg.h,
                                  // advancing the global message meanwhile; else MPI_Allreduce
    // Emulation (daso-train-smpi) only, NULL otherwise: charges `seconds` of modelled GPU compute
    // to the simulated clock. The CPU backend charges forward and backward in charge_slices
    // pieces, advancing the global message in between, and the optimizer step in one.
    void (*charge)(double seconds);
    double forward_s, backward_s, optimizer_s; // modelled seconds per batch
    int charge_slices;
} mpi_setup;

typedef struct {
    mpi_setup setup;
    mpi_topo t;                     // ranks, nodes and their communicators
    double t0;                      // MPI_Wtime at the start
    net *model;
    sgd opt;
    int batches;                    // per epoch
    int *order, order_epoch;        // the epoch's shuffled training indices
    int shard_first, shard_count;
    float *x;                       // one batch of images
    uint8_t *y;
    void *stage;                    // 16-bit staging buffer for gradient messages
    int *counts, *displs;           // the node's slices of the parameter vector (hier)
    global_msg msg;                 // DASO's global message
    global_msg node_msg;            // the node-local gradient sum, with setup.node_ring
    int last_epoch, last_batch;     // position, for messages
} mpi_ctx;

// Lays out the nodes (mpi_topo_init), builds the network and optimizer, and fills *be. Every
// rank calls it; bad layouts are input errors (exit 2).
void mpi_backend_init(mpi_ctx *c, const mpi_setup *s, backend *be);
void mpi_backend_free(mpi_ctx *c);

#endif
