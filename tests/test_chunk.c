// test_chunk.c: checks core/chunk against hand-worked cases (n below, equal to and a multiple of
// max, remainders put first as HeAT does, max = 1, n = 0, sizes near SIZE_MAX, k past the last
// chunk) and, for many pseudo-random (n, max) pairs, that the chunks tile [0, n) in order with no
// gap or overlap, that only the first may be short and that there are exactly as many as needed.
//
// Build and run from the repository root (one command line):
//     cc -std=c11 -O2 -Wall -Wextra -Werror -Icore -o /tmp/test_chunk tests/test_chunk.c
//         core/chunk.c core/util.c -lcmocka -lm && /tmp/test_chunk
#include <setjmp.h> // jmp_buf, needed by cmocka.h
#include <stdarg.h> // va_list, needed by cmocka.h
#include <stddef.h> // size_t, needed by cmocka.h
#include <stdint.h> // uint64_t, SIZE_MAX

#include <cmocka.h> // cmocka_unit_test, assert_*, fail_msg

#include "chunk.h"

// ----------------------------------------------------------------------------
// helpers

// Checks that chunk k of (n, max) is [offset, offset + len).
static void expect_chunk(size_t n, size_t max, size_t k, size_t offset, size_t len)
{
    size_t off = 12345, l = 67890;
    chunk_get(n, max, k, &off, &l);
    if (off != offset || l != len)
        fail_msg("chunk %zu of n=%zu max=%zu: [%zu, +%zu), want [%zu, +%zu)", k, n, max, off, l,
                 offset, len);
}

// xorshift64: a fixed-seed pseudo-random sequence, so failures reproduce.
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

// ----------------------------------------------------------------------------
// fixed cases

static void test_single_chunk(void **state)
{
    (void)state;
    assert_int_equal(chunk_count(7, 10), 1); // n < max
    expect_chunk(7, 10, 0, 0, 7);
    assert_int_equal(chunk_count(10, 10), 1); // n == max
    expect_chunk(10, 10, 0, 0, 10);
    assert_int_equal(chunk_count(1, 1), 1);
    expect_chunk(1, 1, 0, 0, 1);
    assert_int_equal(chunk_count(1, SIZE_MAX), 1);
    expect_chunk(1, SIZE_MAX, 0, 0, 1);
}

static void test_exact_multiple(void **state)
{
    (void)state;
    assert_int_equal(chunk_count(30, 10), 3);
    expect_chunk(30, 10, 0, 0, 10);
    expect_chunk(30, 10, 1, 10, 10);
    expect_chunk(30, 10, 2, 20, 10);
    assert_int_equal(chunk_count(20000000, 10000000), 2);
    expect_chunk(20000000, 10000000, 0, 0, 10000000);
    expect_chunk(20000000, 10000000, 1, 10000000, 10000000);
}

static void test_remainder_first(void **state)
{
    (void)state;
    // 25,557,032 parameters in messages of 10M: 5,557,032 first, then two full ones.
    assert_int_equal(chunk_count(25557032, 10000000), 3);
    expect_chunk(25557032, 10000000, 0, 0, 5557032);
    expect_chunk(25557032, 10000000, 1, 5557032, 10000000);
    expect_chunk(25557032, 10000000, 2, 15557032, 10000000);

    // One more than max: a 1-element chunk first.
    assert_int_equal(chunk_count(11, 10), 2);
    expect_chunk(11, 10, 0, 0, 1);
    expect_chunk(11, 10, 1, 1, 10);

    // One less than a multiple: the first chunk is max - 1.
    assert_int_equal(chunk_count(29, 10), 3);
    expect_chunk(29, 10, 0, 0, 9);
    expect_chunk(29, 10, 1, 9, 10);
    expect_chunk(29, 10, 2, 19, 10);
}

static void test_max_one(void **state)
{
    (void)state;
    assert_int_equal(chunk_count(5, 1), 5);
    for (size_t k = 0; k < 5; k++)
        expect_chunk(5, 1, k, k, 1);
}

static void test_empty_and_past_end(void **state)
{
    (void)state;
    assert_int_equal(chunk_count(0, 1), 0);
    assert_int_equal(chunk_count(0, 10000000), 0);
    expect_chunk(0, 10, 0, 0, 0);    // no chunk: the empty range at n
    expect_chunk(25, 10, 3, 25, 0);  // past the last of 3 chunks
    expect_chunk(25, 10, 99, 25, 0);
}

static void test_huge_sizes(void **state)
{
    (void)state;
    // ceil must not be computed as (n + max - 1) / max, which wraps around near SIZE_MAX.
    assert_int_equal(chunk_count(SIZE_MAX, SIZE_MAX), 1);
    expect_chunk(SIZE_MAX, SIZE_MAX, 0, 0, SIZE_MAX);
    assert_int_equal(chunk_count(SIZE_MAX, SIZE_MAX - 1), 2);
    expect_chunk(SIZE_MAX, SIZE_MAX - 1, 0, 0, 1);
    expect_chunk(SIZE_MAX, SIZE_MAX - 1, 1, 1, SIZE_MAX - 1);
    // SIZE_MAX = 2^w - 1 is odd: halves of size 2^(w-1) give a first chunk of 2^(w-1) - 1.
    size_t half = SIZE_MAX / 2 + 1;
    assert_int_equal(chunk_count(SIZE_MAX, half), 2);
    expect_chunk(SIZE_MAX, half, 0, 0, half - 1);
    expect_chunk(SIZE_MAX, half, 1, half - 1, half);
}

// ----------------------------------------------------------------------------
// random tiling

static void test_random_tiling(void **state)
{
    (void)state;
    uint64_t seed = 0x9E3779B97F4A7C15u;
    for (int trial = 0; trial < 20000; trial++) {
        // Small and large messages alike; n up to 60 * max keeps the chunk walk short.
        size_t max = 1 + (size_t)(next_random(&seed) % (trial % 2 ? 300u : 20000000u));
        size_t n = (size_t)(next_random(&seed) % (max * (1 + next_random(&seed) % 60) + 1));
        size_t count = chunk_count(n, max);
        // Exactly enough chunks: (count - 1) * max < n <= count * max, and none for n == 0.
        if (n == 0) {
            assert_int_equal(count, 0);
            continue;
        }
        assert_true(count >= 1);
        assert_true((uint64_t)(count - 1) * max < n);
        assert_true(n <= (uint64_t)count * max);
        size_t next = 0;
        for (size_t k = 0; k < count; k++) {
            size_t off, len;
            chunk_get(n, max, k, &off, &len);
            if (off != next || len < 1 || len > max || (k > 0 && len != max))
                fail_msg("n=%zu max=%zu chunk %zu: [%zu, +%zu), expected to start at %zu", n,
                         max, k, off, len, next);
            next = off + len;
        }
        assert_int_equal(next, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_chunk),
        cmocka_unit_test(test_exact_multiple),
        cmocka_unit_test(test_remainder_first),
        cmocka_unit_test(test_max_one),
        cmocka_unit_test(test_empty_and_past_end),
        cmocka_unit_test(test_huge_sizes),
        cmocka_unit_test(test_random_tiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
