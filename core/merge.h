// merge.h: DASO's stale-merge formula (docs/DASO.md section 3 step 5) and its application to a flat
// parameter buffer. A message sent B batches ago by the N members of a group is merged as
//
//     x <- ( w*B * x_now + sum_m x_m(sent) ) / ( N + w*B )        (w: staleness weight, 2 in HeAT)
//
// and a blocking average is the same operation with weights (0, 1/N).
#ifndef DASO_MERGE_H
#define DASO_MERGE_H

#include <stddef.h> // size_t

#include "floatfmt.h" // floatfmt

// Weights of the fresh local parameters and of the received sum. For B = 0 HeAT's numerator is 1
// (never reached by its schedule, kept for completeness).
void merge_weights(int nodes, int waited, double staleness_weight, double *w_local, double *w_sum);

// x[i] := w_local * x[i] + w_sum * sum[i], where sum holds n elements in format fmt. With a
// 16-bit format and w_local == 0 (a blocking average) the result is rounded to that format, as
// HeAT divides the bf16 sum in bf16.
void merge_apply(float *x, const void *sum, floatfmt fmt, size_t n, double w_local, double w_sum);

#endif
