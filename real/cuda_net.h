// cuda_net.h: the networks of real/net.h on one CUDA GPU: the same MLP and CNN, the same flat
// parameter layout (checked against net.h when a network is created) and the same initial
// parameters (net_init_params, copied to the device), with every matrix product on cuBLAS and
// small kernels for the rest: bias + ReLU, softmax cross-entropy, im2col/col2im, 2x2 max-pool.
// Internal to the CUDA backend (CUDA C++, compiled by nvcc): the distributed code works on the
// two flat device arrays below, exactly as real/mpi_backend.c does with net_params/net_grads.
//
//     cuda_net *m = cuda_net_create(NET_MLP, 64, seed, stream);   // identical on every rank
//     float loss = cuda_net_forward_backward(m, d_x, d_y, 64);     // d_x, d_y in device memory
//     ... average cuda_net_grads(m) across ranks, then step cuda_net_params(m) on the device
//     cuda_net_free(m);
//
// All work is queued on the stream given at creation; the calls that return a number (the loss,
// the correct count) wait for it. Results are deterministic for a given GPU model: no atomics,
// every sum has a fixed order.
//
// Also the checked-call macros of the backend (llm.c's cudaCheck): a failing call is reported
// with its text, file:line, rank and host through util_die, which ends the whole MPI job.
#ifndef DASO_CUDA_NET_H
#define DASO_CUDA_NET_H

#include <stddef.h> // size_t
#include <stdint.h> // uint8_t, uint64_t

#include <cublas_v2.h>    // cublasStatus_t
#include <cuda_runtime.h> // cudaError_t, cudaStream_t

extern "C" {
#include "net.h" // net_kind, NET_CLASSES (a C header)
}

void cuda_check_at(cudaError_t rc, const char *call, const char *file, int line);
void cublas_check_at(cublasStatus_t rc, const char *call, const char *file, int line);
#define cudaCheck(call) cuda_check_at((call), #call, __FILE__, __LINE__)
#define cublasCheck(call) cublas_check_at((call), #call, __FILE__, __LINE__)

// "rank R on HOST, device D": where a failing call ran, for the error lines of the backend.
const char *cuda_where(void);

// Element-wise kernels run one thread per element in blocks of CUDA_THREADS.
#define CUDA_THREADS 256
unsigned cuda_blocks(size_t n); // blocks for n elements (n >= 1)

typedef struct cuda_net cuda_net; // opaque: layers, device parameters, gradients, activations

// Allocates the network on the current device for batches of up to max_batch examples and
// initialises its parameters with net_init_params(seed) (on the host, then copied).
cuda_net *cuda_net_create(net_kind kind, int max_batch, uint64_t seed, cudaStream_t stream);
void cuda_net_free(cuda_net *m);

size_t cuda_net_param_count(const cuda_net *m);
float *cuda_net_params(cuda_net *m); // device memory, cuda_net_param_count() floats
float *cuda_net_grads(cuda_net *m);  // device memory, at the same indices as the parameters

// As net_forward_backward: x (batch x NET_INPUTS floats) and y (batch labels) in device memory;
// overwrites the gradients with the batch mean and returns the mean loss (waits for the stream).
float cuda_net_forward_backward(cuda_net *m, const float *x, const uint8_t *y, int batch);

// As net_evaluate without the loss: how many examples the network classifies correctly (waits
// for the stream).
int cuda_net_evaluate(cuda_net *m, const float *x, const uint8_t *y, int batch);

#endif
