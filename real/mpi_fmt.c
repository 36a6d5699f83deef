// mpi_fmt.c: see mpi_fmt.h.
#include "mpi_fmt.h"

#include "mpi_check.h" // mpiCheck

static MPI_Op op_bf16 = MPI_OP_NULL, op_fp16 = MPI_OP_NULL;

static void sum_bf16(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    floatfmt_sum(FMT_BF16, in, inout, (size_t)*len);
}

static void sum_fp16(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    floatfmt_sum(FMT_FP16, in, inout, (size_t)*len);
}

void mpi_fmt_init(void)
{
    mpiCheck(MPI_Op_create(sum_bf16, 1, &op_bf16));
    mpiCheck(MPI_Op_create(sum_fp16, 1, &op_fp16));
}

void mpi_fmt_free(void)
{
    mpiCheck(MPI_Op_free(&op_bf16));
    mpiCheck(MPI_Op_free(&op_fp16));
}

void mpi_fmt_type_op(floatfmt fmt, MPI_Datatype *type, MPI_Op *op)
{
    *type = fmt == FMT_FP32 ? MPI_FLOAT : MPI_UINT16_T;
    *op = fmt == FMT_FP32 ? MPI_SUM : fmt == FMT_BF16 ? op_bf16 : op_fp16;
}
