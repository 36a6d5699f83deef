// test_driver.c: the training-loop driver through an in-process fake backend. The fake charges a
// fixed cost to every operation on its own clock, keeps the global messages in flight of its
// rank, and checks that the driver only finishes messages that were started. The tests check that
// the events and the CSV rows add up: per epoch, compute + local + global time equals the epoch
// time; the global bytes equal the closed form times the number of sends of the rank's group;
// every message started in an epoch is finished in it; merge weights average N copies.
//
//   make build/tests/test_driver && build/tests/test_driver
#define _POSIX_C_SOURCE 200809L
#include <math.h>   // fabs, isnan
#include <setjmp.h> // cmocka
#include <stdarg.h> // cmocka
#include <stddef.h> // cmocka
#include <stdint.h> // cmocka
#include <stdio.h>  // open_memstream
#include <stdlib.h> // free, strtod
#include <string.h> // strncmp, strtok, strstr, strchr

#include <cmocka.h>

#include "driver.h" // driver_run
#include "volume.h" // volume_allreduce

// ----------------------------------------------------------------------------
// fake backend: every operation costs a fixed time on the fake clock

enum { COMPUTE_S = 1, FINISH_S = 2 }; // costs in units of 1/8 s, exact in binary

typedef struct {
    double t;
    int nodes;
    int pending;          // messages started and not finished
    int starts, finishes; // over the run
    int bad_finish;       // finishes without a pending message
    int bad_weights;      // finishes whose weights do not average N copies
} fake;

static double fake_clock(void *c)
{
    return ((fake *)c)->t;
}

static double fake_train_batch(void *c, events *ev, int epoch, int batch, plan_grad grad,
                               floatfmt fmt)
{
    (void)fmt;
    fake *f = c;
    double t0 = f->t;
    f->t += COMPUTE_S / 8.0;
    events_add(ev, EV_COMPUTE, "forward-backward", t0, f->t, 0, 0);
    if (grad == GRAD_NODE) {
        t0 = f->t;
        f->t += 0.25;
        events_add(ev, EV_LOCAL, "grad-avg node", t0, f->t, 1000, 0);
    } else if (grad == GRAD_WORLD || grad == GRAD_HIER) {
        t0 = f->t;
        f->t += 0.5;
        events_add(ev, EV_GLOBAL, "allreduce-grads", t0, f->t, 1000, 2000);
    }
    return 1.0 / (1 + epoch) + batch * 1e-3;
}

static void fake_step(void *c)
{
    ((fake *)c)->t += 0.125;
}

static void fake_global_start(void *c, floatfmt fmt, size_t chunk)
{
    (void)fmt;
    (void)chunk;
    fake *f = c;
    f->t += 0.125;
    f->pending++;
    f->starts++;
}

static void fake_global_finish(void *c, double w_local, double w_sum)
{
    fake *f = c;
    f->t += FINISH_S / 8.0;
    f->bad_finish += f->pending == 0;
    f->bad_weights += fabs(w_local + f->nodes * w_sum - 1.0) > 1e-12;
    f->pending--;
    f->finishes++;
}

static void fake_bcast(void *c, int root)
{
    (void)root;
    ((fake *)c)->t += 0.0625;
}

static void fake_world_avg(void *c, floatfmt fmt)
{
    (void)fmt;
    ((fake *)c)->t += 0.375;
}

static double fake_world_mean(void *c, double x)
{
    ((fake *)c)->t += 0.0078125;
    return x;
}

static void fake_stats_sum(void *c, double *v, int n)
{
    (void)c, (void)v, (void)n; // one rank stands alone: the sum over ranks is its own values
}

static double fake_evaluate(void *c)
{
    ((fake *)c)->t += 100; // evaluation must not count as training time
    return 0.5;
}

static backend fake_backend(fake *f, int rank, int gpus_per_node)
{
    return (backend){.ctx = f, .rank = rank, .world = 1, .gpus_per_node = gpus_per_node,
                     .params = 1000, .clock = fake_clock, .train_batch = fake_train_batch,
                     .optimizer_step = fake_step, .global_start = fake_global_start,
                     .global_finish = fake_global_finish, .node_bcast = fake_bcast,
                     .world_param_avg = fake_world_avg, .world_mean = fake_world_mean,
                     .stats_sum = fake_stats_sum, .evaluate = fake_evaluate};
}

// ----------------------------------------------------------------------------
// tests

static sched_config run_config(const char *strategy, int epochs)
{
    sched_config c;
    sched_config_defaults(&c);
    c.strategy = strategy;
    c.nodes = 3;
    c.gpus_per_node = 4;
    c.last_batch = 9;
    c.epochs = epochs;
    c.warmup_epochs = 1;
    c.cooldown_epochs = 1;
    return c;
}

typedef struct {
    int epoch, nodes, gpus, gs, ls, S;
    char strategy[16];
    double time_s, elapsed_s, compute_s, local_s, global_s, bytes_local, bytes_global, loss, acc;
} csv_row;

// Runs the driver for one rank and parses its CSV rows.
static int run_rank(const sched_config *c, int rank, fake *f, csv_row *rows, driver_result *res)
{
    *f = (fake){.nodes = c->nodes};
    backend be = fake_backend(f, rank, c->gpus_per_node);
    char *text = NULL;
    size_t len = 0;
    FILE *csv = open_memstream(&text, &len);
    assert_non_null(csv);
    driver_csv_header(csv);
    events ev;
    events_init(&ev, rank, c->gpus_per_node, NULL);
    driver_output out = {.csv = rank == 0 ? csv : NULL};
    sched s;
    sched_init(&s, c);
    *res = (driver_result){0};
    driver_run(&be, &s, &ev, &out, res);
    fclose(csv);
    int n = 0;
    char *line = strtok(text, "\n");
    assert_int_equal(strncmp(line, "# epoch strategy", 16), 0);
    while ((line = strtok(NULL, "\n")) != NULL) {
        csv_row *r = &rows[n++];
        int k = sscanf(line, "%d %15s %d %d %lf %lf %lf %lf %lf %lf %lf %d %d %d %lf %lf", &r->epoch,
                       r->strategy, &r->nodes, &r->gpus, &r->time_s, &r->elapsed_s, &r->compute_s,
                       &r->local_s, &r->global_s, &r->bytes_local, &r->bytes_global, &r->gs,
                       &r->ls, &r->S, &r->loss, &r->acc);
        assert_int_equal(k, 16);
    }
    free(text);
    return n;
}

// Sends of group g over the whole run, counted from the scheduler's plans directly.
static int sends_of_group(const sched_config *c, int g)
{
    sched s;
    sched_init(&s, c);
    int n = 0;
    for (int e = 0; e < c->epochs; e++) {
        for (int b = 0; b <= c->last_batch; b++) {
            plan_batch p;
            sched_plan(&s, &p);
            for (int i = 0; i < p.n; i++)
                n += p.act[i].kind == ACT_SEND && p.act[i].group == g;
        }
        sched_epoch_end(&s, 1.0 / (1 + e) + 0.0045);
    }
    return n;
}

static void test_daso_rows_add_up(void **state)
{
    (void)state;
    sched_config c = run_config("daso", 5);
    csv_row rows[8];
    fake f;
    driver_result res;
    int n = run_rank(&c, 0, &f, rows, &res);
    assert_int_equal(n, 5);
    double elapsed = 0;
    for (int e = 0; e < n; e++) {
        csv_row *r = &rows[e];
        assert_int_equal(r->epoch, e);
        assert_string_equal(r->strategy, "daso");
        assert_int_equal(r->nodes, 3);
        assert_int_equal(r->gpus, 4);
        // every clock advance of the fake is inside an event: the parts add up to the epoch
        assert_float_equal(r->compute_s + r->local_s + r->global_s, r->time_s, 1e-9);
        elapsed += r->time_s;
        assert_float_equal(r->elapsed_s, elapsed, 1e-9);
        assert_float_equal(r->acc, 0.5, 0);
    }
    // schedule columns: warm-up epoch blocking, then (4,1,1), cool-down epoch blocking
    assert_int_equal(rows[0].gs, 0);
    assert_int_equal(rows[1].gs, 4);
    assert_int_equal(rows[4].gs, 0);
    assert_float_equal(res.time_s, elapsed, 1e-9);
    // bytes: rank 0 is in group 0; every send of group 0 costs one allreduce over N members
    int sends = sends_of_group(&c, 0);
    assert_int_equal(f.starts, sends);
    assert_int_equal(f.finishes, sends);
    assert_int_equal(f.bad_finish, 0);
    assert_int_equal(f.bad_weights, 0);
    assert_int_equal(f.pending, 0);
    double global = 0;
    for (int e = 0; e < n; e++)
        global += rows[e].bytes_global;
    // the blocking epochs send bf16 (2 bytes), the cycling ones fp32: bound the total by both
    double per_send16 = volume_allreduce(1000 * 2.0, 3), per_send32 = volume_allreduce(4000.0, 3);
    assert_true(global >= sends * per_send16 - 1e-6);
    assert_true(global <= sends * per_send32 + 1e-6);
}

// Every rank of every group: messages are finished in the epoch they were started in.
static void test_daso_every_rank_balanced(void **state)
{
    (void)state;
    sched_config c = run_config("daso", 6);
    c.warmup_epochs = 1;
    c.cooldown_epochs = 0;
    for (int rank = 0; rank < c.nodes * c.gpus_per_node; rank++) {
        csv_row rows[8];
        fake f;
        driver_result res;
        run_rank(&c, rank, &f, rows, &res);
        assert_int_equal(f.starts, sends_of_group(&c, rank % c.gpus_per_node));
        assert_int_equal(f.starts, f.finishes);
        assert_int_equal(f.bad_finish, 0);
        assert_int_equal(f.bad_weights, 0);
    }
}

static void test_sync_rows(void **state)
{
    (void)state;
    sched_config c = run_config("sync", 2);
    csv_row rows[4];
    fake f;
    driver_result res;
    int n = run_rank(&c, 0, &f, rows, &res);
    assert_int_equal(n, 2);
    for (int e = 0; e < n; e++) {
        // 10 batches of (compute 0.125 + allreduce 0.5 + step 0.125) + loss allreduce
        assert_float_equal(rows[e].time_s, 10 * 0.75 + 0.0078125, 1e-12);
        assert_float_equal(rows[e].global_s, 10 * 0.5 + 0.0078125, 1e-12);
        assert_float_equal(rows[e].bytes_global, 10 * 2000, 0);
        assert_int_equal(rows[e].gs + rows[e].ls + rows[e].S, 0);
    }
    assert_int_equal(f.starts, 0);
    assert_float_equal(rows[1].loss, 0.5 + 0.0045, 1e-12); // mean of the batch losses
}

static void test_localsgd_rows(void **state)
{
    (void)state;
    sched_config c = run_config("localsgd", 1);
    c.localsgd_period = 5;
    csv_row rows[2];
    fake f;
    driver_result res;
    run_rank(&c, 0, &f, rows, &res);
    // 10 x (0.125 + 0.25 local + 0.125) + 2 world averages (after batches 4 and 9) + loss
    assert_float_equal(rows[0].time_s, 10 * 0.5 + 2 * 0.375 + 0.0078125, 1e-12);
    volume v = volume_hier_allreduce(4000, 3, 4);
    assert_float_equal(rows[0].bytes_global, 2 * v.global, 1e-6);
    assert_float_equal(rows[0].bytes_local, 10 * 1000 + 2 * v.local, 1e-6);
}

static void test_breakdown_rows(void **state)
{
    (void)state;
    sched_config c = run_config("daso", 2);
    fake f = {.nodes = c.nodes};
    backend be = fake_backend(&f, 0, c.gpus_per_node);
    char *text = NULL;
    size_t len = 0;
    FILE *bd = open_memstream(&text, &len);
    events ev;
    events_init(&ev, 0, c.gpus_per_node, NULL);
    driver_output out = {.breakdown = bd};
    sched s;
    sched_init(&s, &c);
    driver_result res = {0};
    driver_run(&be, &s, &ev, &out, &res);
    fclose(bd);
    int rows = 0;
    double total = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        int e, b;
        double t, comp, loc, glob;
        assert_int_equal(sscanf(line, "%d %d %lf %lf %lf %lf", &e, &b, &t, &comp, &loc, &glob), 6);
        assert_int_equal(b, rows % 10);
        assert_float_equal(comp + loc + glob, t, 1e-9);
        total += t;
        rows++;
    }
    free(text);
    assert_int_equal(rows, 20);
    assert_float_equal(total + 2 * 0.0078125, res.time_s, 1e-9); // plus the loss allreduces
}

// The Chrome trace is well-formed JSON around its events, names the rank's track, and its events'
// durations add up to the training time (every clock advance of the fake is an event).
static void test_trace(void **state)
{
    (void)state;
    sched_config c = run_config("daso", 2);
    fake f = {.nodes = c.nodes};
    backend be = fake_backend(&f, 5, c.gpus_per_node);
    char *text = NULL;
    size_t len = 0;
    FILE *tf = open_memstream(&text, &len);
    trace t;
    trace_begin(&t, tf);
    trace_name_rank(&t, 5, c.gpus_per_node);
    events ev;
    events_init(&ev, 5, c.gpus_per_node, &t);
    driver_output out = {0};
    sched s;
    sched_init(&s, &c);
    driver_result res = {0};
    driver_run(&be, &s, &ev, &out, &res);
    trace_end(&t);
    fclose(tf);
    assert_int_equal(strncmp(text, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n", 42), 0);
    assert_string_equal(text + len - 4, "\n]}\n");
    assert_null(strstr(text, ",\n]"));
    assert_non_null(strstr(text, "\"args\":{\"name\":\"node 1\"}")); // rank 5 = node 1, gpu 1
    assert_non_null(strstr(text, "\"args\":{\"name\":\"gpu 1\"}"));
    double dur_us = 0;
    int events_x = 0;
    for (char *p = strstr(text, "\"dur\":"); p; p = strstr(p + 1, "\"dur\":")) {
        dur_us += strtod(p + 6, NULL);
        events_x++;
    }
    assert_true(events_x > 20);
    assert_float_equal(dur_us, res.time_s * 1e6, 1e-3 * events_x);
    free(text);
}

// Resuming from the scheduler state and totals handed to epoch_done gives the same rows as the
// uninterrupted run (what daso-train's checkpoints rely on).
static sched snapshot;
static driver_result snapshot_res;
static void snapshot_after_epoch_1(void *ctx, const sched *s, const driver_result *res,
                                   const char *row)
{
    (void)ctx;
    (void)row;
    if (s->epoch == 2) {
        snapshot = *s;
        snapshot_res = *res;
    }
}

static char *run_to_text(sched *s, driver_result *res, bool hook)
{
    fake f = {.nodes = s->cfg.nodes};
    backend be = fake_backend(&f, 0, s->cfg.gpus_per_node);
    if (hook)
        be.epoch_done = snapshot_after_epoch_1;
    char *text = NULL;
    size_t len = 0;
    FILE *csv = open_memstream(&text, &len);
    events ev;
    events_init(&ev, 0, s->cfg.gpus_per_node, NULL);
    driver_output out = {.csv = csv};
    driver_run(&be, s, &ev, &out, res);
    fclose(csv);
    return text;
}

static void test_resume(void **state)
{
    (void)state;
    sched_config c = run_config("daso", 6);
    c.cooldown_epochs = 2;
    sched s;
    sched_init(&s, &c);
    driver_result res = {0};
    char *full = run_to_text(&s, &res, true);
    char *resumed = run_to_text(&snapshot, &snapshot_res, false);
    // the resumed text is the full text without its first two rows
    char *third = full;
    for (int i = 0; i < 2; i++)
        third = strchr(third, '\n') + 1;
    assert_string_equal(resumed, third);
    assert_float_equal(snapshot_res.time_s, res.time_s, 1e-9);
    assert_int_equal(snapshot_res.batches, res.batches);
    free(full);
    free(resumed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_daso_rows_add_up),
        cmocka_unit_test(test_daso_every_rank_balanced),
        cmocka_unit_test(test_sync_rows),
        cmocka_unit_test(test_localsgd_rows),
        cmocka_unit_test(test_breakdown_rows),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_resume),
    };
    return cmocka_run_group_tests_name("driver", tests, NULL, NULL);
}
