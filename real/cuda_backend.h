// cuda_backend.h: the backend interface (core/backend.h) on CUDA GPUs, the counterpart of
// real/mpi_backend.h with the same set-up, the same communicators and the same semantics of every
// backend function; only where the numbers live and who moves them differs:
//   - the network (real/cuda_net.h: the MLP and CNN of real/net.h, same layout and same initial
//     parameters) runs on the rank's GPU, its products on cuBLAS, and the optimizer (SGD with
//     momentum and weight decay, PyTorch's semantics as real/sgd.h) is a kernel;
//   - node-local collectives are NCCL's (ncclAllReduce, ncclReduceScatter/ncclAllGather,
//     ncclBroadcast) on device buffers, over one communicator per node whose unique id travels
//     by MPI_Bcast; when ranks of a node share a GPU (NCCL refuses that) they go over MPI instead,
//     staged through host memory;
//   - everything between nodes (flat gradient allreduce, the slices of the hierarchical one, the
//     non-blocking DASO sync with its bf16/fp16 sums of real/mpi_fmt.h and merge_apply) is MPI on
//     pinned host buffers, exactly as the CPU backend does it: the user-defined 16-bit MPI sums
//     run on the host, so the messages are host-staged even where MPI is CUDA-aware.
// A rank drives GPU (rank within its machine) % (GPUs the rank sees). Wall-clock seconds from
// MPI_Wtime, read after waiting for the GPU so that every event measures device work.
//
//     // after MPI_Init, mpi_check_init() and mpi_fmt_init(), inside mpi_check_agreed_begin/end:
//     backend be;
//     cuda_ctx *c = cuda_backend_init(&setup, &be);
//     ... driver_run(&be, ...); checkpoints from cuda_backend_params_host/velocity_host
//     cuda_backend_free(c);
//
// Includable from C; implemented in CUDA C++ (real/cuda_backend.cu, real/cuda_net.cu).
#ifndef DASO_CUDA_BACKEND_H
#define DASO_CUDA_BACKEND_H

#include <stddef.h> // size_t

#include <mpi.h> // (for mpi_backend.h) outside the extern "C" block: MPI's C++ parts may not be

#ifdef __cplusplus
extern "C" {
#endif

#include "backend.h"     // backend
#include "mpi_backend.h" // mpi_setup

typedef struct cuda_ctx cuda_ctx; // opaque

// Like mpi_backend_init: splits the communicators (the same input errors, exit 2), picks the GPU,
// creates the node's NCCL communicator, builds the network and optimizer on the device and fills
// *be. Every rank calls it. When a rank sees no CUDA device every rank exits 2 and rank 0 says
// which rank in one line.
cuda_ctx *cuda_backend_init(const mpi_setup *s, backend *be);
void cuda_backend_free(cuda_ctx *c);

size_t cuda_backend_param_count(const cuda_ctx *c);
int cuda_backend_batches(const cuda_ctx *c); // batches per epoch (mpi_ctx's `batches`)

// The parameters (or the momentum) copied to a host buffer of cuda_backend_param_count() floats,
// for checkpoints and the replica hash. Each function has its own buffer, valid until its next
// call; both may be held at once.
float *cuda_backend_params_host(cuda_ctx *c);
float *cuda_backend_velocity_host(cuda_ctx *c);

// Replaces the parameters and the momentum (host arrays of cuda_backend_param_count() floats),
// for --resume.
void cuda_backend_load_state(cuda_ctx *c, const float *params, const float *velocity);

#ifdef __cplusplus
}
#endif

#endif
