// bench_data.c: see bench_data.h.
#include "bench_data.h"

#include <math.h>   // fabsf, ldexpf
#include <stdint.h> // uint16_t

#define PERIOD 4 // the values repeat every PERIOD elements
#define BLOCK 1024 // elements unpacked at a time (a multiple of PERIOD)

static float value(int rank, size_t i)
{
    return (float)((rank + i) % PERIOD + 1);
}

void bench_fill(floatfmt f, void *buf, size_t n, int rank)
{
    float v[PERIOD];
    for (int k = 0; k < PERIOD; k++)
        v[k] = value(rank, (size_t)k);
    if (f == FMT_FP32) {
        for (size_t i = 0; i < n; i++)
            ((float *)buf)[i] = v[i % PERIOD];
        return;
    }
    uint16_t h[PERIOD];
    floatfmt_pack(f, v, h, PERIOD);
    for (size_t i = 0; i < n; i++)
        ((uint16_t *)buf)[i] = h[i % PERIOD];
}

size_t bench_wrong(floatfmt f, const void *buf, size_t n, int ranks)
{
    // the format's unit roundoff: the sum may be off by one rounding per addition where partial
    // sums pass 256 (more than 64 ranks)
    const int bits = f == FMT_FP32 ? 24 : f == FMT_BF16 ? 8 : 11;
    float want[PERIOD], tol[PERIOD];
    for (int k = 0; k < PERIOD; k++) {
        want[k] = 0;
        for (int r = 0; r < ranks; r++)
            want[k] += value(r, (size_t)k);
        tol[k] = ranks <= 64 ? 0 : ldexpf(want[k] * (float)(ranks - 1), -bits);
    }
    const size_t size = floatfmt_bytes(f);
    float x[BLOCK];
    size_t wrong = 0;
    for (size_t i0 = 0; i0 < n; i0 += BLOCK) {
        size_t m = n - i0 < BLOCK ? n - i0 : BLOCK;
        floatfmt_unpack(f, (const char *)buf + i0 * size, x, m);
        for (size_t j = 0; j < m; j++)
            wrong += !(fabsf(x[j] - want[(i0 + j) % PERIOD]) <= tol[(i0 + j) % PERIOD]); // NaN: wrong
    }
    return wrong;
}
