// bench_real.c: build/bench-real, the measurements behind `make bench-real`, each a ratio of two
// figures measured side by side in the same run:
//   1. the training step's GFLOP/s (forward + backward of the MLP and the CNN, one rank, one BLAS
//      thread) against OpenBLAS sgemm's GFLOP/s on the MLP's own matrix shapes;
//   2. the bus bandwidth of the global sync's MPI_Iallreduce (posted, then waited for) against a
//      plain MPI_Allreduce of the same size, fp32 and bf16 (the user-defined reduction); every
//      allreduce's result is checked (bench_data.h) and the wrong elements counted.
// Run with 2 ranks: mpiexec -n 2 build/bench-real [--quick]. Prints '#' headers and plain
// columns; exits 1 when an allreduce gave a wrong element. --quick: part 2 only, at the MLP's
// size (a check of the allreduces and their data in seconds, for the tests).
#include <stdbool.h> // bool
#include <stdio.h>   // printf, fprintf
#include <stdlib.h>  // qsort

#include <cblas.h> // cblas_sgemm, openblas_set_num_threads
#include <mpi.h>   // MPI_Init, MPI_Wtime

#include "bench_data.h" // bench_fill, bench_wrong
#include "cli.h"        // cli, cli_parse
#include "mnist.h"      // mnist_load_limit
#include "mpi_check.h"  // mpiCheck, mpi_check_init, mpi_check_agreed_begin
#include "mpi_fmt.h"    // mpi_fmt_type_op
#include "net.h"        // net_create, net_forward_backward
#include "util.h"       // mallocCheck, util_die_input

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, by_value);
    return t[n / 2];
}

// ----------------------------------------------------------------------------
// 1. compute

// Median seconds of one forward + backward of a batch.
static double time_step(net *m, const mnist_set *d, int batch, int reps)
{
    double t[64];
    for (int r = 0; r < reps; r++) {
        double t0 = MPI_Wtime();
        net_forward_backward(m, d->images + (size_t)r * batch * NET_INPUTS,
                             d->labels + (size_t)r * batch, batch);
        t[r] = MPI_Wtime() - t0;
    }
    return median(t, reps);
}

// sgemm GFLOP/s over the three products of every dense layer of m (forward, weight gradient,
// input gradient), with the shapes net.c uses.
static double sgemm_rate_on_dense_layers(const net *m, int batch, int reps)
{
    double flops = 0, secs[64];
    float *a = mallocCheck(sizeof(float) * 1024 * 1024), *b = mallocCheck(sizeof(float) * 1024 * 1024),
          *c = mallocCheck(sizeof(float) * 1024 * 1024);
    for (size_t i = 0; i < 1024 * 1024; i++)
        a[i] = b[i] = 0.001f * (float)(i % 97);
    for (int r = 0; r < reps; r++) {
        double t0 = MPI_Wtime();
        flops = 0;
        for (int i = 0; i + 1 < net_tensor_count(m); i += 2) {
            net_tensor w = net_tensor_at(m, i), bias = net_tensor_at(m, i + 1);
            int out = (int)bias.count, in = (int)(w.count / bias.count);
            // y = x W^T, dW = dy^T x, dx = dy W
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, out, in, 1, a, in, b, in, 0,
                        c, out);
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, batch, 1, a, out, b, in, 0,
                        c, in);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, in, out, 1, a, out, b, in,
                        0, c, in);
            flops += 3 * 2.0 * batch * out * in;
        }
        secs[r] = MPI_Wtime() - t0;
    }
    free(a);
    free(b);
    free(c);
    return flops / median(secs, reps) / 1e9;
}

static void bench_compute(void)
{
    mnist_set d;
    mnist_load_limit(&d, "/usr/share/datasets/fashion-mnist", "train", 64 * 40);
    printf("# training step against sgemm (1 rank, 1 BLAS thread, batch 64, median of 30)\n");
    printf("# model step_ms step_GFLOPs sgemm_GFLOPs_same_shapes ratio\n");
    const net_kind kinds[2] = {NET_MLP, NET_CNN};
    for (int k = 0; k < 2; k++) {
        net *m = net_create(kinds[k], 64);
        net_init_params(m, 1);
        time_step(m, &d, 64, 5); // warm the caches
        double s = time_step(m, &d, 64, 30);
        double rate = net_flops_per_sample(m) * 64 / s / 1e9;
        if (kinds[k] == NET_MLP) {
            double ref = sgemm_rate_on_dense_layers(m, 64, 30);
            printf("mlp %.3f %.2f %.2f %.2f\n", s * 1e3, rate, ref, rate / ref);
        } else {
            printf("cnn %.3f %.2f - - (convolutions: im2col + sgemm; no separate reference)\n",
                   s * 1e3, rate);
        }
        net_free(m);
    }
    mnist_free(&d);
}

// ----------------------------------------------------------------------------
// 2. communication

// The slowest rank's median seconds of one allreduce of buf (n elements of fmt) over reps. Before
// each the buffer is filled, after each (untimed) checked: adds this rank's wrong elements to
// *wrong.
static double time_allreduce(void *buf, int n, floatfmt fmt, int nonblocking, int reps, int rank,
                             int size, long *wrong)
{
    MPI_Datatype type;
    MPI_Op op;
    mpi_fmt_type_op(fmt, &type, &op);
    double t[64];
    for (int r = 0; r < reps; r++) {
        bench_fill(fmt, buf, (size_t)n, rank);
        mpiCheck(MPI_Barrier(MPI_COMM_WORLD));
        double t0 = MPI_Wtime();
        if (nonblocking) {
            MPI_Request q;
            mpiCheck(MPI_Iallreduce(MPI_IN_PLACE, buf, n, type, op, MPI_COMM_WORLD, &q));
            mpiCheck(MPI_Wait(&q, MPI_STATUS_IGNORE));
        } else {
            mpiCheck(MPI_Allreduce(MPI_IN_PLACE, buf, n, type, op, MPI_COMM_WORLD));
        }
        t[r] = MPI_Wtime() - t0;
        *wrong += (long)bench_wrong(fmt, buf, (size_t)n, size);
    }
    double mine = median(t, reps), slowest;
    mpiCheck(MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
    return slowest;
}

// Returns the wrong elements of every allreduce, summed over the ranks (the same on every rank).
static long bench_comm(int rank, int size, int nsizes)
{
    if (rank == 0) {
        printf("# global sync: MPI_Iallreduce + MPI_Wait against MPI_Allreduce (%d ranks, median "
               "of 15 to 63 repetitions, more for small messages); #wrong: elements not equal to "
               "the expected sum, over every allreduce of the row and every rank\n",
               size);
        printf("# elements format bytes allreduce_busbw_GBps iallreduce_busbw_GBps ratio #wrong\n");
    }
    const int sizes[3] = {235146, 4000000, 25557032}; // the MLP, a mid size, ResNet-50
    const floatfmt fmts[2] = {FMT_FP32, FMT_BF16};
    void *buf = mallocCheck(4 * (size_t)sizes[nsizes - 1]);
    long total = 0;
    for (int s = 0; s < nsizes; s++)
        for (int f = 0; f < 2; f++) {
            int n = sizes[s];
            double bytes = (double)n * floatfmt_bytes(fmts[f]);
            // more repetitions of the small messages (sub-millisecond, noisy), up to 63
            int reps = bytes < 2e8 / 63 ? 63 : bytes < 2e8 / 15 ? (int)(2e8 / bytes) : 15;
            long mine = 0, wrong;
            time_allreduce(buf, n, fmts[f], 0, 2, rank, size, &mine);
            double tb = time_allreduce(buf, n, fmts[f], 0, reps, rank, size, &mine);
            double tn = time_allreduce(buf, n, fmts[f], 1, reps, rank, size, &mine);
            mpiCheck(MPI_Allreduce(&mine, &wrong, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD));
            total += wrong;
            double factor = 2.0 * (size - 1) / size / 1e9;
            if (rank == 0)
                printf("%d %s %.0f %.3f %.3f %.3f %ld\n", n, floatfmt_name(fmts[f]), bytes,
                       bytes / tb * factor, bytes / tn * factor, tb / tn, wrong);
        }
    free(buf);
    return total;
}

typedef struct {
    bool quick;
} bench_options;

static const cli_opt options[] = {
    CLI_FLAG("quick", CLI_TRUE, bench_options, quick,
             "the communication part only, one repetition (seconds; for the tests)"),
};

int main(int argc, char **argv)
{
    bench_options o = {0};
    cli p = {.prog = "bench-real",
             .usage = "usage: mpiexec -n 2 build/bench-real [--quick]\n\n"
                      "The training step's GFLOP/s against OpenBLAS sgemm on the same shapes (rank\n"
                      "0), then MPI_Iallreduce against MPI_Allreduce in fp32 and bf16, every result\n"
                      "checked (column #wrong).\n"};
    cli_add(&p, NULL, options, CLI_COUNT(options), &o);
    cli_help_if_asked(&p, argc, argv);
    MPI_Init(&argc, &argv);
    mpi_check_init();
    mpi_fmt_init();
    openblas_set_num_threads(1);
    int rank, size;
    mpiCheck(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    mpiCheck(MPI_Comm_size(MPI_COMM_WORLD, &size));
    mpi_check_agreed_begin();
    const int first = cli_parse(&p, argc, argv);
    if (first < argc)
        util_die_input("unexpected argument '%s' (see --help)", argv[first]);
    const bool quick = o.quick;
    mpi_check_agreed_end();
    if (rank == 0 && !quick)
        bench_compute();
    mpiCheck(MPI_Barrier(MPI_COMM_WORLD));
    long wrong = bench_comm(rank, size, quick ? 1 : 3);
    if (wrong > 0 && rank == 0)
        fprintf(stderr, "%s: %ld wrong elements in the allreduces' results (column #wrong)\n",
                util_prog, wrong);
    mpi_fmt_free();
    MPI_Finalize();
    return wrong > 0;
}
