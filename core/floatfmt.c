// floatfmt.c: see floatfmt.h. The conversions work on the fp32 bit pattern (read and written with
// memcpy) so that the rounding is exact and independent of the FPU's rounding mode and flags.
#include "floatfmt.h"

#include <math.h>   // isnan
#include <string.h> // memcpy, strcmp

// ----------------------------------------------------------------------------
// bit access

static uint32_t bits_of(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static float float_of(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

// v >> shift rounded to nearest, ties to even (1 <= shift <= 31). A carry out of the mantissa
// correctly moves the result to the next binade.
static uint32_t shift_rne(uint32_t v, unsigned shift)
{
    uint32_t q = v >> shift;
    uint32_t rem = v & ((UINT32_C(1) << shift) - 1);
    uint32_t half = UINT32_C(1) << (shift - 1);
    if (rem > half || (rem == half && (q & 1)))
        q++;
    return q;
}

// ----------------------------------------------------------------------------
// names

const char *floatfmt_name(floatfmt f)
{
    switch (f) {
    case FMT_FP32:
        return "fp32";
    case FMT_BF16:
        return "bf16";
    case FMT_FP16:
        return "fp16";
    }
    return "unknown";
}

int floatfmt_parse(const char *s, floatfmt *out)
{
    static const floatfmt all[] = {FMT_FP32, FMT_BF16, FMT_FP16};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(s, floatfmt_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    }
    return -1;
}

size_t floatfmt_bytes(floatfmt f)
{
    return f == FMT_FP32 ? 4 : 2;
}

// ----------------------------------------------------------------------------
// bf16

uint16_t floatfmt_to_bf16(float x)
{
    uint32_t u = bits_of(x);
    // Finite or Inf: adding 0x7FFF plus the lowest kept bit carries into bit 16 exactly when the
    // low half rounds up, ties to even (shift_rne's rule without branches, so that the 16-bit
    // sums vectorize); the carry may reach the exponent, up to Inf. The largest non-NaN pattern
    // (-Inf, 0xFF800000) plus 0x8000 cannot wrap around 32 bits.
    uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
    // NaN: keep sign and top payload bits, set the quiet bit
    uint32_t nan = (u >> 16) | 0x0040u;
    return (uint16_t)((u & 0x7FFFFFFFu) > 0x7F800000u ? nan : rounded);
}

float floatfmt_from_bf16(uint16_t h)
{
    return float_of((uint32_t)h << 16);
}

// ----------------------------------------------------------------------------
// fp16

// fp32 patterns (magnitudes) at the fp16 boundaries.
#define F32_INF 0x7F800000u       // +Inf
#define F32_FP16_OVER 0x477FF000u // 65520: halfway between 65504 and 2^16, rounds to Inf (even)
#define F32_FP16_NORM 0x38800000u // 2^-14: smallest normal fp16
#define F32_FP16_ZERO 0x33000000u // 2^-25: half the smallest subnormal, rounds to 0 (even)
#define F32_REBIAS 0x38000000u    // (127 - 15) << 23: exponent bias difference

uint16_t floatfmt_to_fp16(float x)
{
    uint32_t u = bits_of(x);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7FFFFFFFu;
    if (a > F32_INF) // NaN: keep sign and top payload bits, set quiet bit
        return (uint16_t)(sign | 0x7E00u | ((a >> 13) & 0x03FFu));
    if (a >= F32_FP16_OVER) // Inf, or finite that rounds past 65504
        return (uint16_t)(sign | 0x7C00u);
    if (a >= F32_FP16_NORM) // normal: rebias the exponent, round 23 mantissa bits to 10
        return (uint16_t)(sign | shift_rne(a - F32_REBIAS, 13));
    if (a <= F32_FP16_ZERO) // at most half the smallest subnormal: (signed) zero
        return sign;
    // Subnormal: value = m * 2^(e - 150) with the implicit bit in m; in units of 2^-24 that is
    // m >> (126 - e), where 102 <= e <= 112 gives shifts 24..14. Rounding up from the largest
    // subnormal yields 0x0400, the smallest normal, as it should.
    uint32_t e = a >> 23;
    uint32_t m = (a & 0x007FFFFFu) | 0x00800000u;
    return (uint16_t)(sign | shift_rne(m, 126 - e));
}

float floatfmt_from_fp16(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t e = (h >> 10) & 0x1Fu;
    uint32_t m = h & 0x03FFu;
    if (e == 0x1F) // Inf or NaN, payload kept
        return float_of(sign | F32_INF | (m << 13));
    if (e == 0) {
        if (m == 0)
            return float_of(sign);
        // Subnormal m * 2^-24: shift the leading bit up to the implicit position (bit 10); each
        // shift lowers the exponent from that of 2^-14 (biased 113 in fp32).
        uint32_t shifts = 0;
        while (!(m & 0x0400u)) {
            m <<= 1;
            shifts++;
        }
        return float_of(sign | ((113 - shifts) << 23) | ((m & 0x03FFu) << 13));
    }
    return float_of(sign | ((e + 112) << 23) | (m << 13));
}

// ----------------------------------------------------------------------------
// buffers

void floatfmt_pack(floatfmt f, const float *src, void *dst, size_t n)
{
    uint16_t *h = dst;
    switch (f) {
    case FMT_FP32:
        if (n > 0)
            memcpy(dst, src, n * sizeof(float));
        return;
    case FMT_BF16:
        for (size_t i = 0; i < n; i++)
            h[i] = floatfmt_to_bf16(src[i]);
        return;
    case FMT_FP16:
        for (size_t i = 0; i < n; i++)
            h[i] = floatfmt_to_fp16(src[i]);
        return;
    }
}

void floatfmt_unpack(floatfmt f, const void *src, float *dst, size_t n)
{
    const uint16_t *h = src;
    switch (f) {
    case FMT_FP32:
        if (n > 0)
            memcpy(dst, src, n * sizeof(float));
        return;
    case FMT_BF16:
        for (size_t i = 0; i < n; i++)
            dst[i] = floatfmt_from_bf16(h[i]);
        return;
    case FMT_FP16:
        for (size_t i = 0; i < n; i++)
            dst[i] = floatfmt_from_fp16(h[i]);
        return;
    }
}

// ----------------------------------------------------------------------------
// arithmetic

void floatfmt_sum(floatfmt f, const void *in, void *inout, size_t n)
{
    const float *xf = in;
    float *yf = inout;
    const uint16_t *xh = in;
    uint16_t *yh = inout;
    switch (f) {
    case FMT_FP32:
        for (size_t i = 0; i < n; i++)
            yf[i] += xf[i];
        return;
    case FMT_BF16:
        for (size_t i = 0; i < n; i++)
            yh[i] = floatfmt_to_bf16(floatfmt_from_bf16(yh[i]) + floatfmt_from_bf16(xh[i]));
        return;
    case FMT_FP16:
        for (size_t i = 0; i < n; i++)
            yh[i] = floatfmt_to_fp16(floatfmt_from_fp16(yh[i]) + floatfmt_from_fp16(xh[i]));
        return;
    }
}

void floatfmt_scale(floatfmt f, void *inout, size_t n, float s)
{
    float *yf = inout;
    uint16_t *yh = inout;
    switch (f) {
    case FMT_FP32:
        for (size_t i = 0; i < n; i++)
            yf[i] *= s;
        return;
    case FMT_BF16:
        for (size_t i = 0; i < n; i++)
            yh[i] = floatfmt_to_bf16(floatfmt_from_bf16(yh[i]) * s);
        return;
    case FMT_FP16:
        for (size_t i = 0; i < n; i++)
            yh[i] = floatfmt_to_fp16(floatfmt_from_fp16(yh[i]) * s);
        return;
    }
}

long floatfmt_find_nan(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isnan(x[i]))
            return (long)i;
    return -1;
}
