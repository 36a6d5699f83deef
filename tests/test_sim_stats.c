// test_sim_stats.c: checks the simulator's per-epoch statistics hook, sim_stats_sum of
// sim/sim_backend.c (included here to reach the static function): with one rank the sums are the
// rank's own values and are cleared for the next epoch; more values than its buffer holds
// (DRIVER_STATS, the driver's count) end the process with status 1 and one line naming
// sim_backend.c's file:line, instead of writing past the buffer. With one rank the hook waits on
// nothing, so no SimGrid engine runs.
//
// Build and run from the repository root: make all && build/tests/test_sim_stats
#include "sim_backend.c"

#include <setjmp.h> // jmp_buf, needed by cmocka.h
#include <stdarg.h> // va_list, needed by cmocka.h
#include <stddef.h> // size_t, needed by cmocka.h
#include <stdio.h>  // printf, snprintf
#include <string.h> // strchr, strlen, strstr

#include <cmocka.h> // cmocka_unit_test, assert_*

#include "child.h" // child_run

static void one_rank_sums(void **state)
{
    (void)state;
    sim_state st = {0};
    sim_rank r = {.st = &st, .rank = 0, .be = {.world = 1}};
    for (int epoch = 0; epoch < 2; epoch++) { // the second sees the sums cleared
        double v[DRIVER_STATS];
        for (int i = 0; i < DRIVER_STATS; i++)
            v[i] = 10 * epoch + i + 0.5;
        sim_stats_sum(&r, v, DRIVER_STATS);
        for (int i = 0; i < DRIVER_STATS; i++)
            assert_true(v[i] == 10 * epoch + i + 0.5);
        assert_int_equal(st.stats_in, 0);
    }
}

static void sum_too_many(const void *arg)
{
    (void)arg;
    sim_state st = {0};
    sim_rank r = {.st = &st, .rank = 0, .be = {.world = 1}};
    double v[DRIVER_STATS + 1] = {0};
    sim_stats_sum(&r, v, DRIVER_STATS + 1);
}

static void too_many_values_die(void **state)
{
    (void)state;
    char err[1024];
    int status = child_run(sum_too_many, NULL, err, sizeof err);
    printf("# status %d: %s", status, err);
    assert_int_equal(status, 1);
    size_t len = strlen(err);
    assert_true(len > 0 && strchr(err, '\n') == err + len - 1); // one line
    assert_non_null(strstr(err, "test_sim_stats: sim/sim_backend.c:"));
    char want[64];
    snprintf(want, sizeof want, "stats_sum: %d values", DRIVER_STATS + 1);
    assert_non_null(strstr(err, want));
}

int main(void)
{
    util_prog = "test_sim_stats";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_rank_sums),
        cmocka_unit_test(too_many_values_die),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
