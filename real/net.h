// net.h: the networks trained by the real backends on Fashion-MNIST: an MLP and a small CNN,
// forward and backward passes on the CPU with the matrix products through CBLAS (OpenBLAS), and
// softmax cross-entropy. Transport-free: the distributed code works on the two flat arrays below.
//
// Every parameter of a network lives in ONE flat float array (net_params) and its gradient at
// the same index of a second one (net_grads), both net_param_count() long, so packing,
// averaging and broadcasting a model is one buffer operation. net_tensor_at() names the pieces.
//
//     net *m = net_create(NET_CNN, 64);
//     net_init_params(m, seed);                       // identical on every rank
//     float loss = net_forward_backward(m, x, y, 64);  // x: 64 x 784 pixels, y: 64 labels
//     ... average net_grads(m) across ranks, then sgd_step(&opt, net_params(m), net_grads(m))
//     net_free(m);
//
// Architectures (ReLU after every layer but the last):
//     mlp: fc 784 -> 256, fc 256 -> 128, fc 128 -> 10                            (235,146 params)
//     cnn: conv 5x5 1 -> 16 pad 2, maxpool 2, conv 5x5 16 -> 32 pad 2, maxpool 2,
//          fc 32*7*7 -> 128, fc 128 -> 10                                        (215,370 params)
// Activations are stored NHWC (channels innermost), so the CNN's fc1 reads the pooled 7x7x32
// activations in (y, x, channel) order. A convolution is im2col plus one sgemm for the whole
// batch; the CNN's buffers take about 0.9 MB per example of max_batch (60 MB at 64).
#ifndef DASO_NET_H
#define DASO_NET_H

#include <stddef.h> // size_t
#include <stdint.h> // uint8_t, uint64_t

#define NET_INPUTS 784 // floats per example: a 28 x 28 image, row-major
#define NET_CLASSES 10 // labels are 0 .. NET_CLASSES-1

typedef enum { NET_MLP, NET_CNN } net_kind;

typedef struct net net; // opaque: layers, flat parameters and gradients, activation buffers

// One parameter tensor inside the flat arrays: params[offset .. offset + count). Weights are
// [out][in], convolution weights [out][ky][kx][in].
typedef struct {
    char name[16]; // "fc1.weight", "conv2.bias", ...
    size_t offset, count;
} net_tensor;

// Allocates parameters, gradients and activations for batches of up to max_batch examples.
// The parameters are zero until net_init_params().
net *net_create(net_kind kind, int max_batch);
void net_free(net *m);

size_t net_param_count(const net *m);
float *net_params(net *m);
float *net_grads(net *m);
int net_tensor_count(const net *m);
net_tensor net_tensor_at(const net *m, int i); // 0 <= i < net_tensor_count(m), in array order

// He-uniform weights, U(-sqrt(6 / fan_in), +sqrt(6 / fan_in)), drawn in array order from a
// splitmix64 stream seeded by `seed`; biases 0. Bit-identical on every rank for the same seed.
void net_init_params(net *m, uint64_t seed);

// Forward and backward on a batch (1 <= batch <= max_batch): x is batch x NET_INPUTS floats, y
// batch labels < NET_CLASSES. Overwrites the gradients with the mean over the batch of the
// gradient of the cross-entropy loss and returns the mean loss.
float net_forward_backward(net *m, const float *x, const uint8_t *y, int batch);

// Forward only: returns how many examples the network classifies correctly (arg-max of the
// logits, lowest class on ties) and adds the summed loss to *loss_sum unless it is NULL.
int net_evaluate(net *m, const float *x, const uint8_t *y, int batch, double *loss_sum);

// Floating-point operations of one forward + backward pass per example, counting the matrix
// products only (2*m*n*k per sgemm), for GFLOP/s figures.
double net_flops_per_sample(const net *m);

// The kinds' names, indexed by net_kind, NULL-terminated (daso-train's --model).
extern const char *const net_kind_names[];
const char *net_kind_name(net_kind kind); // "mlp" or "cnn"

#endif
