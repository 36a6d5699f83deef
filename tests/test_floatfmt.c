// test_floatfmt.c: checks core/floatfmt against values worked out by hand, not by the code under
// test: bf16 and fp16 conversions of known bit patterns (ties to even, subnormals, overflow, signed
// zero, infinities, NaN), the exact decoding of every one of the 65536 patterns of each format and
// the round trip back, round to nearest even at the midpoint between every pair of adjacent 16-bit
// values (and one float either side of it), sums and scaling done at 16-bit precision, pack and
// unpack, NaN search and the name table.
//
// Build and run from the repository root (one command line):
//     cc -std=c11 -O2 -Wall -Wextra -Werror -Icore -o /tmp/test_floatfmt tests/test_floatfmt.c
//         core/floatfmt.c core/util.c -lcmocka -lm && /tmp/test_floatfmt
#include <math.h>   // nextafterf, ldexp, isnan, isinf, signbit, INFINITY, NAN
#include <setjmp.h> // jmp_buf, needed by cmocka.h
#include <stdarg.h> // va_list, needed by cmocka.h
#include <stddef.h> // size_t, needed by cmocka.h
#include <stdint.h> // uint16_t, uint32_t
#include <string.h> // memcpy, memcmp, memset

#include <cmocka.h> // cmocka_unit_test, assert_*, fail_msg

#include "floatfmt.h"

// ----------------------------------------------------------------------------
// helpers

static float f32(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static uint32_t bits32(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

// A 16-bit pattern is NaN when its exponent field is all ones and its mantissa is not zero.
static int bf16_is_nan(uint16_t h)
{
    return (h & 0x7F80u) == 0x7F80u && (h & 0x007Fu) != 0;
}

static int fp16_is_nan(uint16_t h)
{
    return (h & 0x7C00u) == 0x7C00u && (h & 0x03FFu) != 0;
}

// Value of an fp16 pattern straight from the IEEE 754 definition, in double.
static double fp16_reference(uint16_t h)
{
    int e = (h >> 10) & 0x1F;
    int m = h & 0x3FF;
    double v;
    if (e == 0)
        v = ldexp(m, -24);
    else if (e == 31)
        v = m == 0 ? INFINITY : NAN;
    else
        v = ldexp(1024 + m, e - 25);
    return (h & 0x8000u) ? -v : v;
}

// ----------------------------------------------------------------------------
// names

static void test_name_parse_bytes(void **state)
{
    (void)state;
    assert_string_equal(floatfmt_name(FMT_FP32), "fp32");
    assert_string_equal(floatfmt_name(FMT_BF16), "bf16");
    assert_string_equal(floatfmt_name(FMT_FP16), "fp16");

    floatfmt f = FMT_FP32;
    assert_int_equal(floatfmt_parse("bf16", &f), 0);
    assert_int_equal(f, FMT_BF16);
    assert_int_equal(floatfmt_parse("fp16", &f), 0);
    assert_int_equal(f, FMT_FP16);
    assert_int_equal(floatfmt_parse("fp32", &f), 0);
    assert_int_equal(f, FMT_FP32);

    // Unknown names fail and leave *out alone.
    const char *bad[] = {"", "fp64", "BF16", "bf16 ", "bf1", "float16", "fp32x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f = FMT_FP16;
        assert_int_equal(floatfmt_parse(bad[i], &f), -1);
        assert_int_equal(f, FMT_FP16);
    }

    assert_int_equal(floatfmt_bytes(FMT_FP32), 4);
    assert_int_equal(floatfmt_bytes(FMT_BF16), 2);
    assert_int_equal(floatfmt_bytes(FMT_FP16), 2);
}

// ----------------------------------------------------------------------------
// bf16 known patterns

static void test_bf16_known(void **state)
{
    (void)state;
    static const struct {
        uint32_t in;
        uint16_t out;
    } cases[] = {
        {0x3F800000u, 0x3F80u}, // 1.0
        {0xC0000000u, 0xC000u}, // -2.0
        {0x00000000u, 0x0000u}, // +0
        {0x80000000u, 0x8000u}, // -0
        {0x7F800000u, 0x7F80u}, // +Inf
        {0xFF800000u, 0xFF80u}, // -Inf
        {0x40490FDBu, 0x4049u}, // pi: low half 0x0FDB < 0x8000, down
        {0x3DCCCCCDu, 0x3DCDu}, // 0.1f: low half 0xCCCD > 0x8000, up
        {0x3F808000u, 0x3F80u}, // tie, 0x3F80 even: down
        {0x3F818000u, 0x3F82u}, // tie, 0x3F81 odd: up to even
        {0x3F807FFFu, 0x3F80u}, // just below the tie
        {0x3F808001u, 0x3F81u}, // just above the tie
        {0xBF818000u, 0xBF82u}, // negative tie to even
        {0x3FFF8000u, 0x4000u}, // carry into the exponent: 1.99609375 -> 2
        {0x7F7FFFFFu, 0x7F80u}, // FLT_MAX overflows to +Inf
        {0xFF7FFFFFu, 0xFF80u}, // -FLT_MAX overflows to -Inf
        {0x7F7F7FFFu, 0x7F7Fu}, // just below the overflow tie stays finite
        {0x7F7F8000u, 0x7F80u}, // the overflow tie goes to even, which is Inf
        {0x00000001u, 0x0000u}, // smallest fp32 subnormal rounds to +0
        {0x80000001u, 0x8000u}, // ... and its negative to -0
        {0x00010000u, 0x0001u}, // smallest bf16 subnormal is exact
        {0x00008000u, 0x0000u}, // tie to even (0)
        {0x00018000u, 0x0002u}, // tie to even (2)
        {0x007FFFFFu, 0x0080u}, // largest fp32 subnormal rounds up to the smallest normal
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t got = floatfmt_to_bf16(f32(cases[i].in));
        if (got != cases[i].out)
            fail_msg("bf16(0x%08X) = 0x%04X, want 0x%04X", (unsigned)cases[i].in, got,
                     cases[i].out);
    }

    // NaN stays NaN with its sign, and comes out quiet, even from a signalling NaN whose payload
    // lies entirely in the dropped low 16 bits.
    static const uint32_t nans[] = {0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0xFF800001u,
                                    0x7FFFFFFFu, 0x7FA00000u};
    for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
        uint16_t h = floatfmt_to_bf16(f32(nans[i]));
        assert_true(bf16_is_nan(h));
        assert_true(h & 0x0040u); // quiet bit
        assert_int_equal(h & 0x8000u, (nans[i] >> 16) & 0x8000u);
    }
    assert_int_equal(floatfmt_to_bf16(f32(0x7FC00000u)), 0x7FC0u);
    assert_int_equal(floatfmt_to_bf16(f32(0xFFC00000u)), 0xFFC0u);

    assert_true(floatfmt_from_bf16(0x3F80u) == 1.0f);
    assert_true(floatfmt_from_bf16(0xC000u) == -2.0f);
    assert_int_equal(bits32(floatfmt_from_bf16(0x8000u)), 0x80000000u);
    assert_int_equal(bits32(floatfmt_from_bf16(0x0001u)), 0x00010000u);
    assert_true(isinf(floatfmt_from_bf16(0xFF80u)) && floatfmt_from_bf16(0xFF80u) < 0);
}

// ----------------------------------------------------------------------------
// fp16 known patterns

static void test_fp16_known(void **state)
{
    (void)state;
    static const struct {
        float in;
        uint16_t out;
    } cases[] = {
        {1.0f, 0x3C00u},
        {-2.0f, 0xC000u},
        {0.0f, 0x0000u},
        {-0.0f, 0x8000u},
        {0.1f, 0x2E66u},
        {0x1.555556p-2f, 0x3555u}, // 1/3
        {65504.0f, 0x7BFFu},       // largest finite
        {-65504.0f, 0xFBFFu},
        {65519.99f, 0x7BFFu}, // just below the overflow tie
        {65520.0f, 0x7C00u},  // the overflow tie goes to even, which is Inf
        {-65520.0f, 0xFC00u},
        {1e10f, 0x7C00u},
        {INFINITY, 0x7C00u},
        {-INFINITY, 0xFC00u},
        {0x1p-24f, 0x0001u},           // smallest subnormal
        {-0x1p-24f, 0x8001u},          // ... negative
        {0x1p-25f, 0x0000u},           // tie between 0 and 2^-24: to even, 0
        {-0x1p-25f, 0x8000u},          // ... keeping the sign
        {0x1.000002p-25f, 0x0001u},    // just above that tie
        {0x3p-25f, 0x0002u},           // 1.5 units: tie, to even 2
        {0x5p-25f, 0x0002u},           // 2.5 units: tie, to even 2
        {0x7p-25f, 0x0004u},           // 3.5 units: tie, to even 4
        {0x1p-30f, 0x0000u},           // far below the smallest subnormal
        {0x3FFp-24f, 0x03FFu},         // largest subnormal
        {0x7FFp-25f, 0x0400u},         // 1023.5 units: tie, to even 1024 = smallest normal
        {0x1p-14f, 0x0400u},           // smallest normal
        {0x1.002p0f, 0x3C00u},         // 1 + 2^-11: tie, to even 1
        {0x1.006p0f, 0x3C02u},         // 1 + 3 * 2^-11: tie, to even 1 + 2^-9
        {0x1.002002p0f, 0x3C01u},      // just above the tie
        {0x1.ffep0f, 0x4000u},         // carry into the exponent: 1 + 1023.5 * 2^-10 -> 2
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t got = floatfmt_to_fp16(cases[i].in);
        if (got != cases[i].out)
            fail_msg("fp16(%a) = 0x%04X, want 0x%04X", (double)cases[i].in, got, cases[i].out);
    }

    static const uint32_t nans[] = {0x7FC00000u, 0xFFC00000u, 0x7F800001u, 0xFF800001u,
                                    0x7FFFFFFFu, 0x7FA00000u};
    for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
        uint16_t h = floatfmt_to_fp16(f32(nans[i]));
        assert_true(fp16_is_nan(h));
        assert_true(h & 0x0200u); // quiet bit
        assert_int_equal(h & 0x8000u, (nans[i] >> 16) & 0x8000u);
    }
    assert_int_equal(floatfmt_to_fp16(f32(0x7FC00000u)), 0x7E00u);
    assert_int_equal(floatfmt_to_fp16(f32(0xFFC00000u)), 0xFE00u);

    static const struct {
        uint16_t in;
        uint32_t out;
    } back[] = {
        {0x3C00u, 0x3F800000u}, // 1.0
        {0x0000u, 0x00000000u}, // +0
        {0x8000u, 0x80000000u}, // -0
        {0x0001u, 0x33800000u}, // 2^-24
        {0x8001u, 0xB3800000u}, // -2^-24
        {0x0002u, 0x34000000u}, // 2^-23
        {0x0003u, 0x34400000u}, // 3 * 2^-24
        {0x0200u, 0x38000000u}, // 2^-15
        {0x03FFu, 0x387FC000u}, // 1023 * 2^-24
        {0x0400u, 0x38800000u}, // 2^-14
        {0x7BFFu, 0x477FE000u}, // 65504
        {0x3555u, 0x3EAAA000u}, // 0.333251953125
        {0x7C00u, 0x7F800000u}, // +Inf
        {0xFC00u, 0xFF800000u}, // -Inf
    };
    for (size_t i = 0; i < sizeof back / sizeof back[0]; i++) {
        uint32_t got = bits32(floatfmt_from_fp16(back[i].in));
        if (got != back[i].out)
            fail_msg("from_fp16(0x%04X) = 0x%08X, want 0x%08X", back[i].in, (unsigned)got,
                     (unsigned)back[i].out);
    }
    assert_true(isnan(floatfmt_from_fp16(0x7E00u)) && !signbit(floatfmt_from_fp16(0x7E00u)));
    assert_true(isnan(floatfmt_from_fp16(0xFE00u)) && signbit(floatfmt_from_fp16(0xFE00u)));
    assert_true(isnan(floatfmt_from_fp16(0x7C01u)));
}

// ----------------------------------------------------------------------------
// all 65536 patterns

static void test_bf16_all_patterns(void **state)
{
    (void)state;
    for (uint32_t i = 0; i <= 0xFFFFu; i++) {
        uint16_t h = (uint16_t)i;
        float x = floatfmt_from_bf16(h);
        // bf16 is by definition the top half of the fp32 pattern.
        if (bits32(x) != (uint32_t)h << 16)
            fail_msg("from_bf16(0x%04X) = 0x%08X", h, (unsigned)bits32(x));
        uint16_t back = floatfmt_to_bf16(x);
        if (bf16_is_nan(h)) {
            if (!bf16_is_nan(back) || (back & 0x8000u) != (h & 0x8000u))
                fail_msg("bf16 NaN 0x%04X came back as 0x%04X", h, back);
        } else if (back != h) {
            fail_msg("bf16 0x%04X came back as 0x%04X", h, back);
        }
    }
}

static void test_fp16_all_patterns(void **state)
{
    (void)state;
    for (uint32_t i = 0; i <= 0xFFFFu; i++) {
        uint16_t h = (uint16_t)i;
        float x = floatfmt_from_fp16(h);
        double want = fp16_reference(h);
        if (isnan(want)) {
            if (!isnan(x) || !signbit(x) != !(h & 0x8000u))
                fail_msg("from_fp16(0x%04X) = %a, want a NaN of the same sign", h, (double)x);
        } else if ((double)x != want || !signbit(x) != !(h & 0x8000u)) {
            fail_msg("from_fp16(0x%04X) = %a, want %a", h, (double)x, want);
        }
        uint16_t back = floatfmt_to_fp16(x);
        if (fp16_is_nan(h)) {
            if (!fp16_is_nan(back) || (back & 0x8000u) != (h & 0x8000u))
                fail_msg("fp16 NaN 0x%04X came back as 0x%04X", h, back);
        } else if (back != h) {
            fail_msg("fp16 0x%04X came back as 0x%04X", h, back);
        }
    }
}

// ----------------------------------------------------------------------------
// rounding at every midpoint

// For adjacent values lo < hi of a 16-bit format (patterns h and h + 1, hi possibly the first
// value past the largest finite one, which the format holds as Inf), the midpoint must round to
// whichever pattern is even, the next float up to h + 1 and the next float down to h; the same
// holds mirrored for negative values. The midpoint is computed in double from the two values and
// must be exact in fp32 (16-bit formats have at most 11 significant bits).
static void check_midpoint(uint16_t (*to16)(float), uint16_t h, double lo, double hi)
{
    double mid_d = (lo + hi) / 2;
    float mid = (float)mid_d;
    assert_true((double)mid == mid_d);
    uint16_t even = (h & 1) ? (uint16_t)(h + 1) : h;
    float above = nextafterf(mid, INFINITY);
    float below = nextafterf(mid, 0.0f);
    uint16_t got_mid = to16(mid), got_above = to16(above), got_below = to16(below);
    uint16_t got_neg = to16(-mid), got_neg_above = to16(-above), got_neg_below = to16(-below);
    if (got_mid != even || got_above != h + 1 || got_below != h || got_neg != (even | 0x8000u) ||
        got_neg_above != ((h + 1) | 0x8000u) || got_neg_below != (h | 0x8000u))
        fail_msg("midpoint %a of 0x%04X/0x%04X: got 0x%04X 0x%04X 0x%04X (neg 0x%04X 0x%04X "
                 "0x%04X)",
                 mid_d, h, h + 1, got_mid, got_above, got_below, got_neg, got_neg_above,
                 got_neg_below);
    if (to16((float)lo) != h)
        fail_msg("exact value %a did not give 0x%04X", lo, h);
}

static void test_bf16_midpoints(void **state)
{
    (void)state;
    // Positive finite bf16 patterns are 0x0000..0x7F7F; the value past 0x7F7F is 2^128.
    for (uint16_t h = 0; h <= 0x7F7Fu; h++) {
        double lo = floatfmt_from_bf16(h);
        double hi = h < 0x7F7Fu ? (double)floatfmt_from_bf16((uint16_t)(h + 1)) : ldexp(1, 128);
        check_midpoint(floatfmt_to_bf16, h, lo, hi);
    }
}

static void test_fp16_midpoints(void **state)
{
    (void)state;
    // Positive finite fp16 patterns are 0x0000..0x7BFF; the value past 0x7BFF is 2^16. This
    // covers 2^-25 -> 0, the subnormal/normal boundary and 65520 -> Inf, 65519.996 -> 65504.
    for (uint16_t h = 0; h <= 0x7BFFu; h++) {
        double lo = fp16_reference(h);
        double hi = h < 0x7BFFu ? fp16_reference((uint16_t)(h + 1)) : 65536.0;
        check_midpoint(floatfmt_to_fp16, h, lo, hi);
    }
}

// ----------------------------------------------------------------------------
// arithmetic

static void test_sum_bf16(void **state)
{
    (void)state;
    // inout: 1, 1, 1, 1, FLT_MAX-ish, +Inf, 1
    uint16_t inout[] = {0x3F80u, 0x3F80u, 0x3F80u, 0x3F80u, 0x7F7Fu, 0x7F80u, 0x3F80u};
    // in: 2^-9, 2^-8, 3 * 2^-9, 2^-7, same max, -Inf, -1
    const uint16_t in[] = {0x3B00u, 0x3B80u, 0x3BC0u, 0x3C00u, 0x7F7Fu, 0xFF80u, 0xBF80u};
    uint16_t in_copy[7];
    memcpy(in_copy, in, sizeof in);
    floatfmt_sum(FMT_BF16, in, inout, 7);
    assert_int_equal(inout[0], 0x3F80u); // 1 + 2^-9 stays 1 (below half an ulp of 2^-7)
    assert_int_equal(inout[1], 0x3F80u); // 1 + 2^-8: tie, to even 1
    assert_int_equal(inout[2], 0x3F81u); // 1 + 3 * 2^-9: above the tie, 1 + 2^-7
    assert_int_equal(inout[3], 0x3F81u); // 1 + 2^-7: exact
    assert_int_equal(inout[4], 0x7F80u); // overflow to +Inf
    assert_true(bf16_is_nan(inout[5]));  // Inf - Inf
    assert_int_equal(inout[6], 0x0000u); // 1 - 1 = +0
    assert_memory_equal(in, in_copy, sizeof in);
}

static void test_sum_fp16(void **state)
{
    (void)state;
    // inout: 1, 1, 65504, 65504, 2^-24, 1023 * 2^-24, -2
    uint16_t inout[] = {0x3C00u, 0x3C00u, 0x7BFFu, 0x7BFFu, 0x0001u, 0x03FFu, 0xC000u};
    // in: 2^-11, 2^-10, 16, 8, 2^-24, 2^-24, 2^-24
    const uint16_t in[] = {0x1000u, 0x1400u, 0x4C00u, 0x4800u, 0x0001u, 0x0001u, 0x0001u};
    floatfmt_sum(FMT_FP16, in, inout, 7);
    assert_int_equal(inout[0], 0x3C00u); // 1 + 2^-11: tie, to even 1
    assert_int_equal(inout[1], 0x3C01u); // 1 + 2^-10: exact
    assert_int_equal(inout[2], 0x7C00u); // 65520: overflow tie to Inf
    assert_int_equal(inout[3], 0x7BFFu); // 65512: below the tie, stays 65504
    assert_int_equal(inout[4], 0x0002u); // subnormals add exactly
    assert_int_equal(inout[5], 0x0400u); // into the smallest normal
    assert_int_equal(inout[6], 0xC000u); // -2 + 2^-24 rounds back to -2
}

static void test_sum_fp32(void **state)
{
    (void)state;
    float inout[] = {1.0f, 1.0f, -3.5f};
    const float in[] = {0x1p-9f, 0x1p-24f, 0.25f};
    floatfmt_sum(FMT_FP32, in, inout, 3);
    assert_true(inout[0] == 0x1.008p0f); // 1 + 2^-9 is kept in fp32
    assert_true(inout[1] == 1.0f);       // 1 + 2^-24: tie, to even 1
    assert_true(inout[2] == -3.25f);
}

static void test_scale(void **state)
{
    (void)state;
    // bf16: (1 + 2^-7)(1 + 2^-8) = 1 + 2^-7 + 2^-8 + 2^-15 lies just above the tie between
    // 1 + 2^-7 (0x3F81) and 1 + 2^-6 (0x3F82); 3 (1 + 2^-8) = 3 + 0.75 * 2^-6 rounds up to the
    // next bf16 above 3 (0x4041), where fp32 would keep 3.01171875.
    uint16_t b[] = {0x3F81u, 0xBF81u, 0x4040u, 0x0001u, 0x4040u};
    floatfmt_scale(FMT_BF16, b, 3, 0x1.01p0f);
    assert_int_equal(b[0], 0x3F82u);
    assert_int_equal(b[1], 0xBF82u);
    assert_int_equal(b[2], 0x4041u);
    assert_int_equal(b[3], 0x0001u); // past n: untouched
    assert_int_equal(b[4], 0x4040u);
    floatfmt_scale(FMT_BF16, b + 3, 2, 0.5f);
    assert_int_equal(b[3], 0x0000u); // 2^-134, half the smallest subnormal: tie, to even 0
    assert_int_equal(b[4], 0x3FC0u); // 1.5

    // fp16: the same pattern one precision level down.
    uint16_t h[] = {0x3C01u, 0x3C01u, 0x0001u, 0x0003u};
    floatfmt_scale(FMT_FP16, h, 1, 0x1.002p0f); // (1 + 2^-10)(1 + 2^-11): above the tie
    assert_int_equal(h[0], 0x3C02u);
    floatfmt_scale(FMT_FP16, h + 1, 3, 0.5f);
    assert_int_equal(h[1], 0x3801u); // exact halving
    assert_int_equal(h[2], 0x0000u); // 2^-25: tie, to even 0
    assert_int_equal(h[3], 0x0002u); // 1.5 * 2^-24: tie, to even 2

    float f[] = {3.0f, 0x1.02p0f};
    floatfmt_scale(FMT_FP32, f, 2, 0x1.01p0f);
    assert_true(f[0] == 3.01171875f);        // exact in fp32
    assert_true(f[1] == 0x1.0302p0f);        // 1 + 2^-7 + 2^-8 + 2^-15, exact in fp32
}

// ----------------------------------------------------------------------------
// buffers

static void test_pack_unpack(void **state)
{
    (void)state;
    const float src[] = {1.0f, -2.0f, 0.1f, 65520.0f, 0x1p-24f};
    enum { N = 5 };
    uint16_t buf[N + 2];

    // bf16; the two extra slots must survive (nothing written past n elements).
    memset(buf, 0xAB, sizeof buf);
    floatfmt_pack(FMT_BF16, src, buf, N);
    const uint16_t want_bf16[N] = {0x3F80u, 0xC000u, 0x3DCDu, 0x4780u, 0x3380u};
    assert_memory_equal(buf, want_bf16, sizeof want_bf16);
    assert_int_equal(buf[N], 0xABABu);
    assert_int_equal(buf[N + 1], 0xABABu);
    float back[N + 1];
    back[N] = 42.0f;
    floatfmt_unpack(FMT_BF16, buf, back, N);
    assert_true(back[0] == 1.0f);
    assert_true(back[1] == -2.0f);
    assert_true(back[2] == 0.10009765625f); // 0x3DCD0000
    assert_true(back[3] == 65536.0f);       // bf16 has range: no overflow
    assert_true(back[4] == 0x1p-24f);
    assert_true(back[N] == 42.0f);

    memset(buf, 0xAB, sizeof buf);
    floatfmt_pack(FMT_FP16, src, buf, N);
    const uint16_t want_fp16[N] = {0x3C00u, 0xC000u, 0x2E66u, 0x7C00u, 0x0001u};
    assert_memory_equal(buf, want_fp16, sizeof want_fp16);
    assert_int_equal(buf[N], 0xABABu);
    floatfmt_unpack(FMT_FP16, buf, back, N);
    assert_true(back[0] == 1.0f);
    assert_true(back[1] == -2.0f);
    assert_true(back[2] == 0.0999755859375f); // 0x2E66
    assert_true(isinf(back[3]) && back[3] > 0);
    assert_true(back[4] == 0x1p-24f);
    assert_true(back[N] == 42.0f);

    // fp32 is a byte-exact copy, NaN payloads included.
    float src32[3] = {0.1f, f32(0x7FC12345u), -0.0f};
    float mid32[4], out32[3];
    mid32[3] = 7.0f;
    floatfmt_pack(FMT_FP32, src32, mid32, 3);
    assert_memory_equal(mid32, src32, sizeof src32);
    assert_true(mid32[3] == 7.0f);
    floatfmt_unpack(FMT_FP32, mid32, out32, 3);
    assert_memory_equal(out32, src32, sizeof src32);

    // n = 0 touches nothing.
    memset(buf, 0xAB, sizeof buf);
    floatfmt_pack(FMT_FP16, src, buf, 0);
    floatfmt_pack(FMT_FP32, src, buf, 0);
    assert_int_equal(buf[0], 0xABABu);
}

static void test_find_nan(void **state)
{
    (void)state;
    float x[6] = {1.0f, INFINITY, -INFINITY, 0.0f, -0.0f, 3.0f};
    assert_int_equal(floatfmt_find_nan(x, 6), -1); // Inf is not NaN
    assert_int_equal(floatfmt_find_nan(x, 0), -1);
    x[5] = NAN;
    assert_int_equal(floatfmt_find_nan(x, 6), 5);
    assert_int_equal(floatfmt_find_nan(x, 5), -1); // the NaN lies past n
    x[2] = f32(0xFF800001u);                       // negative signalling NaN
    assert_int_equal(floatfmt_find_nan(x, 6), 2);
    x[0] = -NAN;
    assert_int_equal(floatfmt_find_nan(x, 6), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_parse_bytes),
        cmocka_unit_test(test_bf16_known),
        cmocka_unit_test(test_fp16_known),
        cmocka_unit_test(test_bf16_all_patterns),
        cmocka_unit_test(test_fp16_all_patterns),
        cmocka_unit_test(test_bf16_midpoints),
        cmocka_unit_test(test_fp16_midpoints),
        cmocka_unit_test(test_sum_bf16),
        cmocka_unit_test(test_sum_fp16),
        cmocka_unit_test(test_sum_fp32),
        cmocka_unit_test(test_scale),
        cmocka_unit_test(test_pack_unpack),
        cmocka_unit_test(test_find_nan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
