// test_bench_data.c: checks real/bench_data, bench-real's fill and check of the allreduces' data:
// the ranks' buffers differ; their sum (floatfmt_sum, as the MPI reduction adds) has no wrong
// element in fp32, bf16 and fp16, at 2, 3, 64 and 200 ranks; a corrupted element, a NaN and an
// all-zero buffer (what a broken reduction leaves) are counted as wrong.
//
// Build and run from the repository root: make all && build/tests/test_bench_data
#include <setjmp.h> // jmp_buf, needed by cmocka.h
#include <stdarg.h> // va_list, needed by cmocka.h
#include <stddef.h> // size_t, needed by cmocka.h
#include <math.h>   // NAN
#include <stdlib.h> // free
#include <string.h> // memcmp, memset

#include <cmocka.h> // cmocka_unit_test, assert_*

#include "bench_data.h"
#include "floatfmt.h" // floatfmt_sum, floatfmt_pack, floatfmt_bytes
#include "util.h"     // mallocCheck

#define N 2500 // not a multiple of bench_data's blocks

static const floatfmt fmts[3] = {FMT_FP32, FMT_BF16, FMT_FP16};

// sum (N elements of f) := the sum over `ranks` ranks of their filled buffers, added in rank order
static void *sum_of_ranks(floatfmt f, int ranks)
{
    void *sum = mallocCheck(N * floatfmt_bytes(f)), *mine = mallocCheck(N * floatfmt_bytes(f));
    bench_fill(f, sum, N, 0);
    for (int r = 1; r < ranks; r++) {
        bench_fill(f, mine, N, r);
        floatfmt_sum(f, mine, sum, N);
    }
    free(mine);
    return sum;
}

// element i of buf (format f) := x
static void set(floatfmt f, void *buf, size_t i, float x)
{
    floatfmt_pack(f, &x, (char *)buf + i * floatfmt_bytes(f), 1);
}

static void ranks_differ(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++) {
        size_t bytes = N * floatfmt_bytes(fmts[k]);
        void *a = mallocCheck(bytes), *b = mallocCheck(bytes);
        bench_fill(fmts[k], a, N, 0);
        bench_fill(fmts[k], b, N, 1);
        assert_true(memcmp(a, b, bytes) != 0);
        assert_int_equal(bench_wrong(fmts[k], a, N, 1), 0); // one rank: its own values
        assert_int_equal(bench_wrong(fmts[k], a, N, 2), N); // not the sum of two
        free(a);
        free(b);
    }
}

static void sums_are_right(void **state)
{
    (void)state;
    const int ranks[4] = {2, 3, 64, 200}; // 200: partial sums pass 256, bf16 rounds
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < 4; j++) {
            void *sum = sum_of_ranks(fmts[k], ranks[j]);
            assert_int_equal(bench_wrong(fmts[k], sum, N, ranks[j]), 0);
            free(sum);
        }
}

static void corruption_is_counted(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++) {
        floatfmt f = fmts[k];
        void *sum = sum_of_ranks(f, 2);
        set(f, sum, 7, 0);       // an element lost
        set(f, sum, N - 1, 100); // the last one off
        assert_int_equal(bench_wrong(f, sum, N, 2), 2);
        set(f, sum, 1500, NAN);
        assert_int_equal(bench_wrong(f, sum, N, 2), 3);
        memset(sum, 0, N * floatfmt_bytes(f)); // sums of zeros: all wrong
        assert_int_equal(bench_wrong(f, sum, N, 2), N);
        free(sum);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranks_differ),
        cmocka_unit_test(sums_are_right),
        cmocka_unit_test(corruption_is_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
