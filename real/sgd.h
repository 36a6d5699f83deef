// sgd.h: the optimizer of the real backends: SGD with momentum and weight decay on a flat
// parameter array (the one net_params() returns), and the learning-rate schedule for data-
// parallel training. Transport-free: each rank steps its own copy after gradients are averaged.
//
//     sgd opt;
//     sgd_init(&opt, net_param_count(m), base_lr, 0.9f, 5e-4f);
//     for each batch:
//         opt.lr = sgd_lr_schedule(base_lr, world_size, epoch + batch / (double)batches, 5.0);
//         sgd_step(&opt, net_params(m), net_grads(m));
//     sgd_free(&opt);
#ifndef DASO_SGD_H
#define DASO_SGD_H

#include <stddef.h> // size_t

typedef struct {
    float lr, momentum, weight_decay; // lr may be changed between steps (the schedule)
    float *velocity;                  // n floats, zero at the start
    size_t n;
} sgd;

void sgd_init(sgd *o, size_t n, float lr, float momentum, float weight_decay);
void sgd_free(sgd *o);

// One step with PyTorch's semantics (dampening 0, no Nesterov), for every i < n:
//     g = grads[i] + weight_decay * params[i];  v = momentum * v + g;  params[i] -= lr * v
void sgd_step(sgd *o, float *params, const float *grads);

// Linear scaling with gradual warm-up (Goyal et al. 2017): the target rate is
// base_lr * world_size; during the first warmup_epochs epochs (epoch_fraction counts epochs,
// fractional within an epoch) the rate rises linearly from base_lr to the target.
float sgd_lr_schedule(float base_lr, int world_size, double epoch_fraction, double warmup_epochs);

#endif
