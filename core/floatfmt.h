// floatfmt.h: the number formats a global (inter-node) message can travel in, and the conversions
// between them and fp32. DASO sends the global average in bf16 by default (like HeAT) to halve the
// bytes on the wire; fp16 is offered as the IEEE alternative and fp32 as the exact reference.
//
// Usage: parse the user's choice with floatfmt_parse(), size the send buffer with
// floatfmt_bytes() * n, floatfmt_pack() the fp32 parameters into it, reduce with floatfmt_sum()
// (the body of the user-defined MPI reduction), floatfmt_scale() by 1/N for the average and
// floatfmt_unpack() back to fp32. Every 16-bit result is rounded to nearest, ties to even.
//
// 16-bit buffers are arrays of uint16_t holding the raw bit patterns (2-byte aligned, as
// malloc'd buffers and MPI receive buffers are).
#ifndef DASO_FLOATFMT_H
#define DASO_FLOATFMT_H

#include <stddef.h> // size_t
#include <stdint.h> // uint16_t

typedef enum { FMT_FP32 = 0, FMT_BF16 = 1, FMT_FP16 = 2 } floatfmt;

// "fp32", "bf16" or "fp16" ("unknown" for a value outside the enum).
const char *floatfmt_name(floatfmt f);

// Exact, case-sensitive match of one of the names above: stores it in *out and returns 0, or
// returns -1 for any other string and leaves *out untouched.
int floatfmt_parse(const char *s, floatfmt *out);

// Bytes per element on the wire: 4, 2, 2.
size_t floatfmt_bytes(floatfmt f);

// bfloat16 (fp32 with the low 16 mantissa bits dropped). Rounds to nearest, ties to even;
// +-Inf stay +-Inf, finite values too large overflow to +-Inf, NaN stays NaN (made quiet, sign
// kept). The way back is exact.
uint16_t floatfmt_to_bf16(float x);
float floatfmt_from_bf16(uint16_t h);

// IEEE 754 binary16. Rounds to nearest, ties to even, into the subnormal range too; values from
// 65520 up (in magnitude) overflow to +-Inf; NaN stays NaN (made quiet, sign kept). The way back
// is exact, subnormals included.
uint16_t floatfmt_to_fp16(float x);
float floatfmt_from_fp16(uint16_t h);

// dst[i] = src[i] converted to the format (fp32: a plain copy). dst holds n * floatfmt_bytes(f).
void floatfmt_pack(floatfmt f, const float *src, void *dst, size_t n);

// dst[i] = src[i] converted back to fp32 (exact for every format).
void floatfmt_unpack(floatfmt f, const void *src, float *dst, size_t n);

// inout[i] += in[i] at the format's precision: 16-bit values are widened to fp32, added and
// rounded back (one fp32 addition followed by a rounding to 16 bits gives the correctly rounded
// 16-bit sum, since fp32 has more than twice the precision plus two bits). This is the body of the
// user-defined MPI reduction for bf16 and fp16 sums.
void floatfmt_sum(floatfmt f, const void *in, void *inout, size_t n);

// inout[i] *= s at the format's precision: widened to fp32, multiplied by s in fp32 and rounded
// back. Used for the blocking average (sum * 1/N) done in bf16 like HeAT.
void floatfmt_scale(floatfmt f, void *inout, size_t n, float s);

// Index of the first NaN in x[0..n), or -1 when there is none.
long floatfmt_find_nan(const float *x, size_t n);

#endif
