// sgd.c: see sgd.h.
#include "sgd.h"

#include <stdlib.h> // free
#include <string.h> // memset

#include "util.h" // callocCheck

void sgd_init(sgd *o, size_t n, float lr, float momentum, float weight_decay)
{
    o->lr = lr;
    o->momentum = momentum;
    o->weight_decay = weight_decay;
    o->velocity = callocCheck(n, sizeof(float));
    o->n = n;
}

void sgd_free(sgd *o)
{
    free(o->velocity);
    memset(o, 0, sizeof *o);
}

void sgd_step(sgd *o, float *params, const float *grads)
{
    const float lr = o->lr, mu = o->momentum, wd = o->weight_decay;
    float *v = o->velocity;
    for (size_t i = 0; i < o->n; i++) {
        float g = grads[i] + wd * params[i];
        v[i] = mu * v[i] + g;
        params[i] -= lr * v[i];
    }
}

float sgd_lr_schedule(float base_lr, int world_size, double epoch_fraction, double warmup_epochs)
{
    double target = (double)base_lr * world_size;
    if (epoch_fraction >= warmup_epochs)
        return (float)target;
    double t = epoch_fraction > 0.0 ? epoch_fraction / warmup_epochs : 0.0;
    return (float)(base_lr + (target - base_lr) * t);
}
