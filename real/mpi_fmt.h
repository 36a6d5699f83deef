// mpi_fmt.h: MPI types and sums for the message formats of core/floatfmt.h. fp32 travels as
// MPI_FLOAT with MPI_SUM; bf16 and fp16 as MPI_UINT16_T with a user-defined reduction that adds
// at 16-bit precision (floatfmt_sum), since MPI has no 16-bit float types.
//
//   mpi_fmt_init();                        // after MPI_Init, on every rank
//   MPI_Datatype t; MPI_Op op; mpi_fmt_type_op(FMT_BF16, &t, &op);
//   MPI_Allreduce(MPI_IN_PLACE, buf16, n, t, op, comm);
//   mpi_fmt_free();                        // before MPI_Finalize
#ifndef DASO_MPI_FMT_H
#define DASO_MPI_FMT_H

#include <stddef.h> // size_t

#include <mpi.h> // MPI_Datatype, MPI_Op, MPI_Comm

#include "floatfmt.h" // floatfmt

void mpi_fmt_init(void);
void mpi_fmt_free(void);
void mpi_fmt_type_op(floatfmt fmt, MPI_Datatype *type, MPI_Op *op);

// n as MPI's int count; a larger message is an internal error (util_die).
int mpi_fmt_count(size_t n);

// Collective: x := sum over comm of x (n floats), travelling in format fmt; 16-bit formats are
// packed into `stage` (2n bytes) and so rounded on the way, as on a wire.
void mpi_fmt_allreduce(float *x, size_t n, floatfmt fmt, void *stage, MPI_Comm comm);

#endif
