// mpi_fmt_check.c: the bf16/fp16 MPI sums of real/mpi_fmt.h against floatfmt_sum, on 2 ranks
// (one addition per element, so the result is the single correctly rounded sum whatever order
// MPI adds in), through MPI_Allreduce and through chunked MPI_Iallreduce as the global sync uses
// it. Prints TAP; run by tests/test_real.sh as
//   mpiexec -n 2 build/tests/mpi_fmt_check
#include <stdint.h> // uint16_t, uint64_t
#include <stdio.h>  // printf
#include <stdlib.h> // malloc
#include <string.h> // memcmp

#include <mpi.h> // MPI_Init

#include "floatfmt.h"  // floatfmt_to_bf16, floatfmt_sum
#include "mpi_check.h" // mpiCheck, mpi_check_init
#include "mpi_fmt.h"   // mpi_fmt_type_op
#include "util.h"      // mallocCheck

enum { N = 100003 }; // not a multiple of the chunk size

// Rank r's value i: random bits of a splitmix64 stream, as a float of moderate range.
static float value(int rank, int i)
{
    uint64_t z = (uint64_t)rank * 0x9e3779b97f4a7c15ull + (uint64_t)i * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 31)) * 0x94d049bb133111ebull;
    return (float)((double)(z >> 11) / 9007199254740992.0 * 200.0 - 100.0);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mpi_check_init();
    mpi_fmt_init();
    int rank, size, n = 0, failed = 0;
    mpiCheck(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    mpiCheck(MPI_Comm_size(MPI_COMM_WORLD, &size));
    const floatfmt fmts[2] = {FMT_BF16, FMT_FP16};
    uint16_t *mine = mallocCheck(2 * N), *other = mallocCheck(2 * N), *want = mallocCheck(2 * N);
    float *x = mallocCheck(4 * N);
    for (int f = 0; f < 2; f++) {
        for (int blocking = 1; blocking >= 0; blocking--) {
            for (int i = 0; i < N; i++)
                x[i] = value(rank, i);
            floatfmt_pack(fmts[f], x, mine, N);
            for (int i = 0; i < N; i++)
                x[i] = value(1 - rank, i);
            floatfmt_pack(fmts[f], x, other, N);
            memcpy(want, mine, 2 * N);
            floatfmt_sum(fmts[f], other, want, N);
            MPI_Datatype type;
            MPI_Op op;
            mpi_fmt_type_op(fmts[f], &type, &op);
            if (blocking) {
                mpiCheck(MPI_Allreduce(MPI_IN_PLACE, mine, N, type, op, MPI_COMM_WORLD));
            } else { // two chunks, the remainder first, as the global sync posts them
                MPI_Request r[2];
                mpiCheck(MPI_Iallreduce(MPI_IN_PLACE, mine, 3, type, op, MPI_COMM_WORLD, &r[0]));
                mpiCheck(MPI_Iallreduce(MPI_IN_PLACE, mine + 3, N - 3, type, op, MPI_COMM_WORLD,
                                        &r[1]));
                mpiCheck(MPI_Waitall(2, r, MPI_STATUSES_IGNORE));
            }
            int ok = size == 2 && memcmp(mine, want, 2 * N) == 0;
            if (rank == 0)
                printf("%s %d - %s sum over MPI (%s) equals the rounded sum\n", ok ? "ok" : "not ok",
                       ++n, floatfmt_name(fmts[f]), blocking ? "Allreduce" : "chunked Iallreduce");
            failed += !ok;
        }
    }
    if (rank == 0)
        printf("1..%d\n", n);
    free(mine);
    free(other);
    free(want);
    free(x);
    mpi_fmt_free();
    MPI_Finalize();
    return failed != 0;
}
