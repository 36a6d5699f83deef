// global_msg_check.c: DASO's global message (real/global_msg.h) summed by the point-to-point ring
// and by MPI_Iallreduce give the same sums. Run by tests/test_real.sh with 3 and 4 ranks as
//   mpiexec -n 3 build/tests/global_msg_check
// For each format (fp32, bf16), several message sizes (fewer elements than ranks, one chunk,
// several chunks with a remainder) and both algorithms, every rank starts the message, advances
// it with global_msg_progress while it "computes", and finishes with weights (0, 1), which leaves
// the plain sum in x. Checks, printed as TAP by rank 0:
//   - whole-number values (exact in any order): both algorithms give the exact sum, bit for bit;
//   - random values: the ring's sum equals MPI_Iallreduce's within the rounding of the additions
//     (1e-6 per rank in fp32, 1/32 in bf16), and every rank holds the same bits.
#include <math.h>   // fabs
#include <stdint.h> // uint64_t
#include <stdio.h>  // printf
#include <stdlib.h> // free
#include <string.h> // memcmp, memcpy

#include <mpi.h> // MPI_Init

#include "global_msg.h" // global_msg_*
#include "mpi_check.h"  // mpiCheck, mpi_check_init
#include "mpi_fmt.h"    // mpi_fmt_init
#include "util.h"       // mallocCheck

// Rank r's value i: random bits of a splitmix64 stream, as a float in [-1, 1).
static float noise(int rank, size_t i)
{
    uint64_t z = (uint64_t)rank * 0x9e3779b97f4a7c15ull + (uint64_t)i * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 31)) * 0x94d049bb133111ebull;
    return (float)((double)(z >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static int tests, failed, rank, size;

static void report(int ok, const char *what, const char *fmt, size_t n, size_t chunk)
{
    int all;
    mpiCheck(MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
    if (rank == 0)
        printf("%s %d - %s, %s, %zu elements in chunks of %zu, %d ranks\n", all ? "ok" : "not ok",
               ++tests, what, fmt, n, chunk, size);
    failed += !all;
}

// The sum of x over the world through a global message of algorithm algo.
static void global_sum(float *x, size_t n, floatfmt fmt, size_t chunk, global_algo algo)
{
    global_msg g;
    global_msg_init(&g, n, algo);
    global_msg_start(&g, x, fmt, chunk, MPI_COMM_WORLD, "the test");
    for (int i = 0; i < 5; i++) // batches computing while the message travels
        global_msg_progress(&g);
    global_msg_finish(&g, x, 0.0, 1.0);
    global_msg_free(&g);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mpi_check_init();
    mpi_fmt_init();
    mpiCheck(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    mpiCheck(MPI_Comm_size(MPI_COMM_WORLD, &size));
    const struct {
        size_t n, chunk;
    } shapes[] = {{2, 10}, {1000, 1000}, {100003, 30000}};
    const floatfmt fmts[] = {FMT_FP32, FMT_BF16};
    for (size_t f = 0; f < sizeof fmts / sizeof *fmts; f++)
        for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
            const size_t n = shapes[k].n, chunk = shapes[k].chunk;
            const char *name = floatfmt_name(fmts[f]);
            float *ring = mallocCheck(4 * n), *iar = mallocCheck(4 * n);

            // whole numbers: (i mod 7) + rank, summed exactly by any order (bf16 holds them too)
            int exact = 1;
            for (int a = 0; a < 2; a++) {
                float *x = a ? iar : ring;
                for (size_t i = 0; i < n; i++)
                    x[i] = (float)(i % 7) + (float)rank;
                global_sum(x, n, fmts[f], chunk, a ? GLOBAL_IALLREDUCE : GLOBAL_RING);
                for (size_t i = 0; i < n; i++)
                    exact &= x[i] == (float)(size * (int)(i % 7) + size * (size - 1) / 2);
            }
            report(exact, "whole numbers: ring and Iallreduce give the exact sum", name, n, chunk);

            // random values: the two algorithms agree; every rank has the ring's bits
            for (size_t i = 0; i < n; i++)
                ring[i] = iar[i] = noise(rank, i);
            global_sum(ring, n, fmts[f], chunk, GLOBAL_RING);
            global_sum(iar, n, fmts[f], chunk, GLOBAL_IALLREDUCE);
            int close = 1;
            // rounding of a few additions of values in [-1, 1): fp32 ulps, bf16 1/32 per rank
            const double tol = fmts[f] == FMT_FP32 ? 1e-6 : 1.0 / 32;
            for (size_t i = 0; i < n; i++)
                close &= fabs((double)ring[i] - iar[i]) <= tol * size;
            report(close, "random values: the ring's sum equals Iallreduce's", name, n, chunk);
            float *first = mallocCheck(4 * n);
            memcpy(first, ring, 4 * n);
            mpiCheck(MPI_Bcast(first, (int)n, MPI_FLOAT, 0, MPI_COMM_WORLD));
            report(memcmp(first, ring, 4 * n) == 0, "random values: every rank holds the same ring sum",
                   name, n, chunk);
            free(first);
            free(ring);
            free(iar);
        }
    if (rank == 0)
        printf("1..%d\n", tests);
    mpi_fmt_free();
    MPI_Finalize();
    return failed != 0;
}
