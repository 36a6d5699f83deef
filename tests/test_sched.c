// test_sched.c: the scheduling core against docs/DASO.md. Every worked timeline of section 3 is
// reproduced line by line, the epoch logic of section 4 is driven through several loss sequences,
// the plateau detector's edge cases and the merge formula are checked with hand-computed values,
// and the baselines' plans are checked against their definitions (section 9).
//
//   make build/tests/test_sched && build/tests/test_sched
#include <math.h>   // INFINITY
#include <setjmp.h> // cmocka
#include <stdarg.h> // cmocka
#include <stddef.h> // cmocka
#include <stdint.h> // cmocka
#include <stdio.h>  // snprintf
#include <string.h> // strcmp

#include <cmocka.h>

#include "merge.h"   // merge_weights, merge_apply
#include "plateau.h" // plateau
#include "scheduler.h"   // sched

// ----------------------------------------------------------------------------
// helpers

static sched_config fixed_config(int gs, int ls, int S)
{
    sched_config c;
    sched_config_defaults(&c);
    c.nodes = 2;
    c.gpus_per_node = 4;
    c.last_batch = 17;
    c.fixed = true;
    c.fixed_gs = gs;
    c.fixed_ls = ls;
    c.fixed_S = S;
    return c;
}

// Plans one epoch and compares every trace line with expected[0..L].
static void expect_epoch(sched *s, const char *const *expected, int n)
{
    char line[256];
    for (int b = 0; b < n; b++) {
        plan_batch p;
        sched_plan(s, &p);
        plan_format(&p, line, sizeof line);
        if (strcmp(line, expected[b]) != 0)
            fail_msg("batch %d:\n  got      '%s'\n  expected '%s'", b, line, expected[b]);
    }
}

// ----------------------------------------------------------------------------
// worked timelines of docs/DASO.md section 3 (G = 4, L = 17)

static void test_timeline_blocking(void **state)
{
    (void)state;
    sched_config c = fixed_config(0, 0, 0);
    sched s;
    sched_init(&s, &c);
    char buf[18][128];
    const char *exp[18];
    for (int b = 0; b < 18; b++) {
        int g = b % 4;
        snprintf(buf[b], sizeof buf[b], "0 %d on send g%d B0 bf16; avg g%d; bcast g%d", b, g, g, g);
        exp[b] = buf[b];
    }
    expect_epoch(&s, exp, 18);
}

static void test_timeline_4_1_1(void **state)
{
    (void)state;
    static const char *const exp[18] = {
        "0 0 on send g0 B1 fp32",
        "0 1 on merge g0 B1; bcast g0",
        "0 2 on -",
        "0 3 on -",
        "0 4 on send g1 B1 fp32; bcast g0",
        "0 5 on merge g1 B1; bcast g1",
        "0 6 on -",
        "0 7 on -",
        "0 8 on send g2 B1 fp32; bcast g1",
        "0 9 on merge g2 B1; bcast g2",
        "0 10 on -",
        "0 11 on -",
        "0 12 on send g3 B1 fp32; bcast g2",
        "0 13 on merge g3 B1; bcast g3",
        "0 14 on -",
        "0 15 on -",
        "0 16 on send g0 B1 fp32; bcast g3",
        "0 17 on send g1 B0 fp32; merge g0 B1; bcast g0; avg g1; bcast g1",
    };
    sched_config c = fixed_config(4, 1, 1);
    sched s;
    sched_init(&s, &c);
    expect_epoch(&s, exp, 18);
}

static void test_timeline_2_1_1(void **state)
{
    (void)state;
    // sends on even batches; the send at b is merged inside the send step at b + 2
    char buf[18][128];
    const char *exp[18];
    for (int b = 0; b < 18; b++) {
        int g = (b / 2) % 4, prev = (b / 2 + 3) % 4;
        if (b == 0)
            snprintf(buf[b], sizeof buf[b], "0 0 on send g0 B1 fp32");
        else if (b == 17)
            snprintf(buf[b], sizeof buf[b],
                     "0 17 on send g1 B0 fp32; merge g0 B1; bcast g0; avg g1; bcast g1");
        else if (b % 2 == 1)
            snprintf(buf[b], sizeof buf[b], "0 %d on -", b);
        else
            snprintf(buf[b], sizeof buf[b], "0 %d on send g%d B1 fp32; merge g%d B1; bcast g%d", b,
                     g, prev, prev);
        exp[b] = buf[b];
    }
    sched_config c = fixed_config(2, 1, 1);
    sched s;
    sched_init(&s, &c);
    expect_epoch(&s, exp, 18);
}

static void test_timeline_1_1_1(void **state)
{
    (void)state;
    char buf[18][128];
    const char *exp[18];
    for (int b = 0; b < 18; b++) {
        int g = b % 4, prev = (b + 3) % 4;
        if (b == 0)
            snprintf(buf[b], sizeof buf[b], "0 0 on send g0 B1 fp32");
        else if (b == 17)
            snprintf(buf[b], sizeof buf[b],
                     "0 17 on send g1 B0 fp32; merge g0 B1; bcast g0; avg g1; bcast g1");
        else
            snprintf(buf[b], sizeof buf[b], "0 %d on send g%d B1 fp32; merge g%d B1; bcast g%d", b,
                     g, prev, prev);
        exp[b] = buf[b];
    }
    sched_config c = fixed_config(1, 1, 1);
    sched s;
    sched_init(&s, &c);
    expect_epoch(&s, exp, 18);
}

static void test_timeline_8_2_2(void **state)
{
    (void)state;
    static const char *const exp[18] = {
        "0 0 on send g0 B2 fp32",
        "0 1 on -",
        "0 2 on merge g0 B2; bcast g0",
        "0 3 off -",
        "0 4 on -",
        "0 5 off -",
        "0 6 on -",
        "0 7 off -",
        "0 8 on send g1 B2 fp32; bcast g0",
        "0 9 on -",
        "0 10 on merge g1 B2; bcast g1",
        "0 11 off -",
        "0 12 on -",
        "0 13 off -",
        "0 14 on -",
        "0 15 off -",
        "0 16 on send g2 B1 fp32; bcast g1",
        "0 17 on send g3 B0 fp32; merge g2 B1; bcast g2; avg g3; bcast g3",
    };
    sched_config c = fixed_config(8, 2, 2);
    sched s;
    sched_init(&s, &c);
    expect_epoch(&s, exp, 18);
}

// The rotation restarts at group 0 every epoch, and the last batch leaves nothing in flight.
static void test_rotation_restarts_each_epoch(void **state)
{
    (void)state;
    sched_config c = fixed_config(4, 1, 1);
    c.epochs = 3;
    sched s;
    sched_init(&s, &c);
    for (int e = 0; e < 3; e++) {
        for (int b = 0; b <= 17; b++) {
            plan_batch p;
            sched_plan(&s, &p);
            assert_int_equal(p.epoch, e);
            assert_int_equal(p.batch, b);
            if (b == 0) {
                assert_int_equal(p.n, 1);
                assert_int_equal(p.act[0].kind, ACT_SEND);
                assert_int_equal(p.act[0].group, 0);
            }
        }
        assert_false(s.pending);
        assert_int_equal(s.prev, -1);
        sched_epoch_end(&s, 1.0);
    }
}

// ----------------------------------------------------------------------------
// merge weights carried by the plan

static void test_plan_merge_weights(void **state)
{
    (void)state;
    sched_config c = fixed_config(4, 1, 1);
    c.nodes = 8;
    sched s;
    sched_init(&s, &c);
    plan_batch p;
    sched_plan(&s, &p); // b0: send
    sched_plan(&s, &p); // b1: merge g0 B1
    assert_int_equal(p.act[0].kind, ACT_MERGE);
    // N = 8, B = 1: local 2/10, each of the 8 stale copies 1/10
    assert_float_equal(p.act[0].w_local, 0.2, 1e-15);
    assert_float_equal(p.act[0].w_sum, 0.1, 1e-15);
}

// HeAT quirk 2: with (2,1,1) a message waits 2 batches but is weighted as B = 1; the option
// --true-staleness weights it by 2.
static void test_true_staleness(void **state)
{
    (void)state;
    for (int truth = 0; truth <= 1; truth++) {
        sched_config c = fixed_config(2, 1, 1);
        c.nodes = 4;
        c.true_staleness = truth;
        sched s;
        sched_init(&s, &c);
        plan_batch p;
        for (int b = 0; b <= 2; b++)
            sched_plan(&s, &p);
        assert_int_equal(p.act[1].kind, ACT_MERGE);
        assert_int_equal(p.act[1].tag, 1);
        double waited = truth ? 2 : 1;
        assert_float_equal(p.act[1].w_local, 2 * waited / (4 + 2 * waited), 1e-15);
    }
}

static void test_downcast_options(void **state)
{
    (void)state;
    sched_config c = fixed_config(4, 1, 1);
    c.downcast = DOWNCAST_ALWAYS;
    c.downcast_fmt = FMT_FP16;
    sched s;
    sched_init(&s, &c);
    plan_batch p;
    sched_plan(&s, &p);
    assert_int_equal(p.act[0].fmt, FMT_FP16);

    c = fixed_config(0, 0, 0);
    c.downcast = DOWNCAST_NEVER;
    sched_init(&s, &c);
    sched_plan(&s, &p);
    assert_int_equal(p.act[0].fmt, FMT_FP32);
}

static void test_no_extra_bcast(void **state)
{
    (void)state;
    sched_config c = fixed_config(4, 1, 1);
    c.extra_bcast = false;
    sched s;
    sched_init(&s, &c);
    plan_batch p;
    for (int b = 0; b <= 4; b++)
        sched_plan(&s, &p);
    char line[128];
    plan_format(&p, line, sizeof line);
    assert_string_equal(line, "0 4 on send g1 B1 fp32");
}

// ----------------------------------------------------------------------------
// epoch logic (docs/DASO.md section 4)

// Runs a whole schedule on the losses and records (gs, ls, S) of every epoch.
static void run_epochs(sched_config c, const double *loss, int (*gls)[3])
{
    sched s;
    sched_init(&s, &c);
    for (int e = 0; e < c.epochs; e++) {
        gls[e][0] = s.gs;
        gls[e][1] = s.ls;
        gls[e][2] = s.S;
        for (int b = 0; b <= c.last_batch; b++) {
            plan_batch p;
            sched_plan(&s, &p);
        }
        sched_epoch_end(&s, loss[e]);
    }
}

static sched_config epoch_config(int epochs)
{
    sched_config c;
    sched_config_defaults(&c);
    c.nodes = 4;
    c.gpus_per_node = 4;
    c.last_batch = 9;
    c.epochs = epochs;
    return c;
}

// expected[e] as "gs ls S" strings, compared epoch by epoch
static void expect_schedule(int (*gls)[3], const char *const *expected, int epochs)
{
    for (int e = 0; e < epochs; e++) {
        char got[32];
        snprintf(got, sizeof got, "%d %d %d", gls[e][0], gls[e][1], gls[e][2]);
        if (strcmp(got, expected[e]) != 0)
            fail_msg("epoch %d: (gs ls S) = (%s), expected (%s)", e, got, expected[e]);
    }
}

static void test_epochs_steady_progress(void **state)
{
    (void)state;
    double loss[12];
    for (int e = 0; e < 12; e++)
        loss[e] = 2.0 * pow(0.8, e); // 20% better every epoch: never a plateau
    int gls[12][3];
    run_epochs(epoch_config(12), loss, gls);
    static const char *const exp[12] = {"0 0 0", "0 0 0", "0 0 0", "0 0 0", "4 1 1", "4 1 1",
                                        "4 1 1", "4 1 1", "0 0 0", "0 0 0", "0 0 0", "0 0 0"};
    expect_schedule(gls, exp, 12);
}

// A flat loss after warm-up runs the whole default cycle of docs/DASO.md section 4.
static void test_epochs_default_cycle(void **state)
{
    (void)state;
    double loss[30];
    for (int e = 0; e < 30; e++)
        loss[e] = 1.0;
    int gls[30][3];
    run_epochs(epoch_config(30), loss, gls);
    static const char *const exp[30] = {
        "0 0 0", "0 0 0", "0 0 0", "0 0 0", "4 1 1", "4 1 1", "4 1 1", "2 1 1", "2 1 1", "2 1 1",
        "1 1 1", "1 1 1", "1 1 1", "8 2 2", "8 2 2", "8 2 2", "4 1 1", "4 1 1", "4 1 1", "2 1 1",
        "2 1 1", "2 1 1", "1 1 1", "1 1 1", "1 1 1", "8 2 2", "0 0 0", "0 0 0", "0 0 0", "0 0 0"};
    expect_schedule(gls, exp, 30);
}

// The synthetic run of the HeAT reading (-20%/epoch for 10 epochs, then -1%/epoch): epochs 0-3
// (0,0,0), 4-13 (4,1,1), 14-19 (2,1,1), 20-25 (1,1,1), 26-29 (0,0,0). A 1% step still adds up
// to a 5% improvement over the best every few epochs, which resets the patience.
static void test_epochs_slow_progress(void **state)
{
    (void)state;
    double loss[30];
    loss[0] = 1.0;
    for (int e = 1; e < 30; e++)
        loss[e] = loss[e - 1] * (e <= 10 ? 0.8 : 0.99);
    int gls[30][3];
    run_epochs(epoch_config(30), loss, gls);
    for (int e = 0; e < 30; e++) {
        int want = e < 4 ? 0 : e < 14 ? 4 : e < 20 ? 2 : e < 26 ? 1 : 0;
        if (gls[e][0] != want)
            fail_msg("epoch %d: gs %d, expected %d", e, gls[e][0], want);
    }
}

static void test_epochs_negative_losses(void **state)
{
    (void)state;
    // a negative loss that gets 10% more negative each epoch is progress: no plateau
    double better[12], flat[12];
    for (int e = 0; e < 12; e++) {
        better[e] = -1.0 * pow(1.1, e);
        flat[e] = -1.0;
    }
    int gls[12][3];
    run_epochs(epoch_config(12), better, gls);
    for (int e = 4; e < 8; e++)
        assert_int_equal(gls[e][0], 4);
    // a flat negative loss is a plateau: relative threshold uses best * (1 + t) for best < 0
    run_epochs(epoch_config(12), flat, gls);
    assert_int_equal(gls[6][0], 4);
    assert_int_equal(gls[7][0], 2);
}

// warmup_epochs = 0 locks HeAT in blocking mode; here cycling starts after the first epoch.
static void test_epochs_warmup_zero(void **state)
{
    (void)state;
    sched_config c = epoch_config(6);
    c.warmup_epochs = 0;
    c.cooldown_epochs = 1;
    double loss[6] = {6, 5, 4, 3, 2, 1};
    int gls[6][3];
    run_epochs(c, loss, gls);
    static const char *const exp[6] = {"0 0 0", "4 1 1", "4 1 1", "4 1 1", "4 1 1", "0 0 0"};
    expect_schedule(gls, exp, 6);
}

static void test_epochs_cooldown_covers_run(void **state)
{
    (void)state;
    sched_config c = epoch_config(6);
    c.warmup_epochs = 0;
    c.cooldown_epochs = 6;
    double loss[6] = {6, 5, 4, 3, 2, 1};
    int gls[6][3];
    run_epochs(c, loss, gls);
    for (int e = 0; e < 6; e++)
        assert_int_equal(gls[e][0] + gls[e][1] + gls[e][2], 0);
}

static void test_epochs_first_global_skip_and_small_max(void **state)
{
    (void)state;
    sched_config c = epoch_config(16);
    c.warmup_epochs = 1;
    c.cooldown_epochs = 0;
    c.first_global_skip = 2;
    c.max_global_skips = 2; // a reset gives ls = S = 2 / 4 = 0: blocking sends every 2 batches
    double loss[16];
    for (int e = 0; e < 16; e++)
        loss[e] = 1.0;
    int gls[16][3];
    run_epochs(c, loss, gls);
    static const char *const exp[8] = {"0 0 0", "2 1 1", "2 1 1", "2 1 1",
                                       "1 1 1", "1 1 1", "1 1 1", "2 0 0"};
    expect_schedule(gls, exp, 8);
}

// ----------------------------------------------------------------------------
// plateau detector

static void test_plateau_patience(void **state)
{
    (void)state;
    plateau p;
    plateau_init(&p, PLATEAU_MIN, PLATEAU_REL, 0.05, 2, 0);
    assert_false(plateau_update(&p, 1.0));  // first value always improves on +inf
    assert_false(plateau_update(&p, 0.96)); // 4% better: not enough
    assert_false(plateau_update(&p, 0.96));
    assert_true(plateau_update(&p, 0.96)); // third epoch without 5% progress
    assert_int_equal(p.num_bad, 0);
    assert_false(plateau_update(&p, 0.94)); // 6% better than best 1.0: progress again
    assert_float_equal(p.best, 0.94, 0);
}

static void test_plateau_modes(void **state)
{
    (void)state;
    plateau p;
    plateau_init(&p, PLATEAU_MIN, PLATEAU_ABS, 0.1, 0, 0);
    plateau_update(&p, 1.0);
    assert_true(plateau_update(&p, 0.95)); // needs 0.1 less, patience 0
    assert_false(plateau_update(&p, 0.85));

    plateau_init(&p, PLATEAU_MAX, PLATEAU_REL, 0.05, 0, 0);
    assert_false(plateau_update(&p, 0.5));  // accuracy-like: first value
    assert_false(plateau_update(&p, 0.53)); // 6% higher
    assert_true(plateau_update(&p, 0.55));  // 3.8% higher

    plateau_init(&p, PLATEAU_MAX, PLATEAU_ABS, 0.01, 1, 0);
    assert_false(plateau_update(&p, -2.0));
    assert_false(plateau_update(&p, -2.005));
    assert_true(plateau_update(&p, -1.995));
    // max mode, relative, negative best: -1.0 -> needs > -0.95
    plateau_init(&p, PLATEAU_MAX, PLATEAU_REL, 0.05, 0, 0);
    plateau_update(&p, -1.0);
    assert_true(plateau_is_better(&p, -0.94));
    assert_false(plateau_is_better(&p, -0.96));
}

static void test_plateau_cooldown_and_nan(void **state)
{
    (void)state;
    plateau p;
    plateau_init(&p, PLATEAU_MIN, PLATEAU_REL, 0.05, 0, 2);
    plateau_update(&p, 1.0);
    assert_true(plateau_update(&p, 1.0));
    assert_false(plateau_update(&p, 1.0)); // cooling down: ignored
    assert_false(plateau_update(&p, 1.0));
    assert_true(plateau_update(&p, 1.0));
    plateau_init(&p, PLATEAU_MIN, PLATEAU_REL, 0.05, 0, 0);
    assert_true(plateau_update(&p, NAN)); // NaN is never progress
    assert_true(p.best == INFINITY);
}

// ----------------------------------------------------------------------------
// merge formula on buffers

static void test_merge_apply(void **state)
{
    (void)state;
    // N = 2 nodes, B = 1, weight 2: x <- (2*x + s) / 4
    double wl, ws;
    merge_weights(2, 1, 2.0, &wl, &ws);
    assert_float_equal(wl, 0.5, 0);
    assert_float_equal(ws, 0.25, 0);
    float x[3] = {1.0f, -2.0f, 8.0f};
    const float sum[3] = {3.0f, 2.0f, -8.0f};
    merge_apply(x, sum, FMT_FP32, 3, wl, ws);
    assert_float_equal(x[0], (2 * 1.0 + 3.0) / 4, 1e-7);
    assert_float_equal(x[1], (2 * -2.0 + 2.0) / 4, 1e-7);
    assert_float_equal(x[2], (2 * 8.0 - 8.0) / 4, 1e-7);
    // B = 0 uses numerator 1: (x + s) / (N + 1)
    merge_weights(3, 0, 2.0, &wl, &ws);
    assert_float_equal(wl, 0.25, 0);
    assert_float_equal(ws, 0.25, 0);
}

static void test_merge_blocking_average_in_bf16(void **state)
{
    (void)state;
    // sum of 3 bf16 values 1 + 1 + 1.0078125 = 3.0078125, rounded to bf16 = 3.0 (8 bits of
    // mantissa: 3.0078125 is halfway between 3.0 and 3.015625 -> even = 3.0); / 3 = 1.0 exactly
    uint16_t sum = floatfmt_to_bf16(3.0078125f);
    assert_int_equal(sum, 0x4040); // 3.0
    float x = 123.0f;
    merge_apply(&x, &sum, FMT_BF16, 1, 0.0, 1.0 / 3.0);
    assert_float_equal(x, 1.0f, 0);
    // 1/3 itself is rounded to bf16: 0x3EAB = 0.333984375
    uint16_t one = floatfmt_to_bf16(1.0f);
    merge_apply(&x, &one, FMT_BF16, 1, 0.0, 1.0 / 3.0);
    assert_float_equal(x, 0.333984375f, 0);
}

// ----------------------------------------------------------------------------
// baselines

static void test_baseline_plans(void **state)
{
    (void)state;
    sched_config c = epoch_config(2);
    c.strategy = "sync";
    c.sync_fmt = FMT_FP16;
    sched s;
    sched_init(&s, &c);
    plan_batch p;
    char line[128];
    sched_plan(&s, &p);
    plan_format(&p, line, sizeof line);
    assert_string_equal(line, "0 0 on allreduce-grads world fp16");

    c.strategy = "hier";
    c.sync_fmt = FMT_FP32;
    sched_init(&s, &c);
    sched_plan(&s, &p);
    plan_format(&p, line, sizeof line);
    assert_string_equal(line, "0 0 on allreduce-grads hier fp32");

    // local SGD, H = 4, L = 9: averages after batches 3, 7 and the last one (9); 2 sync epochs
    c.strategy = "localsgd";
    c.localsgd_period = 4;
    c.localsgd_warmup_epochs = 1;
    c.epochs = 3;
    sched_init(&s, &c);
    for (int e = 0; e < 3; e++)
        for (int b = 0; b <= 9; b++) {
            sched_plan(&s, &p);
            assert_int_equal(p.grad, e < 1 ? GRAD_WORLD : GRAD_NODE);
            int avg = e >= 1 && (b == 3 || b == 7 || b == 9);
            assert_int_equal(p.n, avg);
            if (avg)
                assert_int_equal(p.act[0].kind, ACT_WORLD_AVG);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeline_blocking),
        cmocka_unit_test(test_timeline_4_1_1),
        cmocka_unit_test(test_timeline_2_1_1),
        cmocka_unit_test(test_timeline_1_1_1),
        cmocka_unit_test(test_timeline_8_2_2),
        cmocka_unit_test(test_rotation_restarts_each_epoch),
        cmocka_unit_test(test_plan_merge_weights),
        cmocka_unit_test(test_true_staleness),
        cmocka_unit_test(test_downcast_options),
        cmocka_unit_test(test_no_extra_bcast),
        cmocka_unit_test(test_epochs_steady_progress),
        cmocka_unit_test(test_epochs_default_cycle),
        cmocka_unit_test(test_epochs_slow_progress),
        cmocka_unit_test(test_epochs_negative_losses),
        cmocka_unit_test(test_epochs_warmup_zero),
        cmocka_unit_test(test_epochs_cooldown_covers_run),
        cmocka_unit_test(test_epochs_first_global_skip_and_small_max),
        cmocka_unit_test(test_plateau_patience),
        cmocka_unit_test(test_plateau_modes),
        cmocka_unit_test(test_plateau_cooldown_and_nan),
        cmocka_unit_test(test_merge_apply),
        cmocka_unit_test(test_merge_blocking_average_in_bf16),
        cmocka_unit_test(test_baseline_plans),
    };
    return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
