// mpi_fmt.c: see mpi_fmt.h.
#include "mpi_fmt.h"

#include "mpi_check.h" // mpiCheck
#include "util.h"      // util_die

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

int mpi_fmt_count(size_t n)
{
    if (n > 2147483647u)
        util_die("message of %zu elements is larger than MPI's int count", n);
    return (int)n;
}

void mpi_fmt_allreduce(float *x, size_t n, floatfmt fmt, void *stage, MPI_Comm comm)
{
    MPI_Datatype type;
    MPI_Op op;
    mpi_fmt_type_op(fmt, &type, &op);
    if (fmt == FMT_FP32) {
        mpiCheck(MPI_Allreduce(MPI_IN_PLACE, x, mpi_fmt_count(n), type, op, comm));
        return;
    }
    floatfmt_pack(fmt, x, stage, n);
    mpiCheck(MPI_Allreduce(MPI_IN_PLACE, stage, mpi_fmt_count(n), type, op, comm));
    floatfmt_unpack(fmt, stage, x, n);
}
