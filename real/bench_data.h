// bench_data.h: the data of bench-real's allreduces, checked after every one as nccl-tests checks
// every benchmark's data. Each rank fills its buffer with small integers that depend on its rank
// and on the element's index, (rank + i) % 4 + 1; every partial sum over up to 64 ranks is then
// an integer of at most 256, exact in fp32, bf16 and fp16 whatever the reduction's order, so the
// result must equal the sum over the ranks exactly (beyond 64 ranks: within the rounding of one
// addition per rank).
//
//   bench_fill(FMT_BF16, buf, n, rank);                  // before each timed allreduce
//   MPI_Allreduce(MPI_IN_PLACE, buf, n, type, op, comm);  // the sum over `ranks` ranks
//   size_t wrong = bench_wrong(FMT_BF16, buf, n, ranks);  // elements that are not the sum
#ifndef DASO_BENCH_DATA_H
#define DASO_BENCH_DATA_H

#include <stddef.h> // size_t

#include "floatfmt.h" // floatfmt

// buf[i] := (rank + i) % 4 + 1 in format f, for i in [0, n).
void bench_fill(floatfmt f, void *buf, size_t n, int rank);

// The number of elements of buf (n in format f) that differ from the sum over ranks 0..ranks-1
// of what bench_fill writes.
size_t bench_wrong(floatfmt f, const void *buf, size_t n, int ranks);

#endif
