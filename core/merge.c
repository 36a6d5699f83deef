// merge.c: see merge.h.
#include "merge.h"

#include <stdint.h> // uint16_t

void merge_weights(int nodes, int waited, double staleness_weight, double *w_local, double *w_sum)
{
    double numer = waited > 0 ? staleness_weight * waited : 1.0;
    double denom = nodes + numer;
    *w_local = numer / denom;
    *w_sum = 1.0 / denom;
}

void merge_apply(float *x, const void *sum, floatfmt fmt, size_t n, double w_local, double w_sum)
{
    const float a = (float)w_local, c = (float)w_sum;
    if (fmt == FMT_FP32) {
        const float *s = sum;
        for (size_t i = 0; i < n; i++)
            x[i] = a * x[i] + c * s[i];
        return;
    }
    const uint16_t *h = sum;
    for (size_t i = 0; i < n; i++) {
        float s = fmt == FMT_BF16 ? floatfmt_from_bf16(h[i]) : floatfmt_from_fp16(h[i]);
        float v = a * x[i] + c * s;
        if (w_local == 0)
            v = fmt == FMT_BF16 ? floatfmt_from_bf16(floatfmt_to_bf16(v))
                                : floatfmt_from_fp16(floatfmt_to_fp16(v));
        x[i] = v;
    }
}
